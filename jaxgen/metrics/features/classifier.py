"""Offline feature networks: small convolutional classifiers of ``digits`` and ``mnist5k``.

FID, KID and precision/recall need a feature space. The Inception network of the literature
needs a weight file; these classifiers need none: each is trained on the train split of its
data set on first use (``classifier_network``), cached, and reused. Their features are the
penultimate layer (after ReLU, as Inception's pool3), their logits feed the Inception Score
(on MNIST this is the "MNIST score" of e.g. Li et al. 2017) and label-based mode counts.

Network (``DigitClassifier``), NHWC, images in [-1, 1] resized to the data set's native size:
    Conv 3×3 w → ReLU → Conv 3×3 stride 2, 2w → ReLU → Conv 3×3 stride 2, 4w → ReLU
    → flatten → Dense F → ReLU (the features) → Dense 10 (the logits)
Training (``CONFIGS``): Adam with a cosine-decayed step size, cross-entropy, random
translations of up to ``shift`` pixels (zero padding at the background value -1).
The test accuracy on the fixed test split (``jaxgen.data.offline``) is measured after training
and kept with the weights; ``mnist5k`` must reach 97%.
"""

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax


class DigitClassifier(nn.Module):
    """Three convolutions, a feature layer and a 10-way linear head (module docstring)."""

    width: int = 32
    feature_dim: int = 128
    num_classes: int = 10

    @nn.compact
    def __call__(self, images):
        x = nn.relu(nn.Conv(self.width, (3, 3), name="conv1")(images))
        x = nn.relu(nn.Conv(2 * self.width, (3, 3), strides=2, name="conv2")(x))
        x = nn.relu(nn.Conv(4 * self.width, (3, 3), strides=2, name="conv3")(x))
        x = x.reshape(x.shape[0], -1)
        features = nn.relu(nn.Dense(self.feature_dim, name="features")(x))
        logits = nn.Dense(self.num_classes, name="logits")(features)
        return {"features": features, "logits": logits}


def random_shifts(key, images, shift):
    """Each image translated by its own (dy, dx) in ``[-shift, shift]²``; background -1.

    The image is padded by ``shift`` with -1 (the signed format's black) and a window of the
    original size is cut at a random offset.
    """
    if shift == 0:
        return images
    size = images.shape[1]
    padded = jnp.pad(images, ((0, 0), (shift, shift), (shift, shift), (0, 0)), constant_values=-1.0)
    offsets = jax.random.randint(key, (images.shape[0], 2), 0, 2 * shift + 1)

    def crop(image, offset):
        return jax.lax.dynamic_slice(image, (offset[0], offset[1], 0), (size, size, image.shape[2]))

    return jax.vmap(crop)(padded, offsets)


def fit(config, images, labels, *, progress=None):
    """Trains a ``DigitClassifier`` on ``images`` (signed, [N, S, S, C]) and int ``labels``.

    Args:
      config: a dict with ``width``, ``feature_dim``, ``steps``, ``batch_size``,
        ``learning_rate``, ``shift`` and ``seed`` (see ``CONFIGS`` in ``cache``).
      progress: an optional callable ``progress(steps_done)`` called every 100 steps.

    Returns: the variables ``{"params": ...}`` of the trained network.
    """
    model = DigitClassifier(config["width"], config["feature_dim"])
    key = jax.random.PRNGKey(config["seed"])
    init_key, key = jax.random.split(key)
    variables = model.init(init_key, jnp.zeros((1, *images.shape[1:]), jnp.float32))
    schedule = optax.cosine_decay_schedule(config["learning_rate"], config["steps"])
    optimizer = optax.adam(schedule)
    images = jnp.asarray(images, jnp.float32)
    labels = jnp.asarray(labels, jnp.int32)

    def loss_fn(params, x, y):
        logits = model.apply({"params": params}, x)["logits"]
        return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()

    @jax.jit
    def step(params, opt_state, key):
        index_key, shift_key = jax.random.split(key)
        index = jax.random.randint(index_key, (config["batch_size"],), 0, images.shape[0])
        x = random_shifts(shift_key, images[index], config["shift"])
        grads = jax.grad(loss_fn)(params, x, labels[index])
        updates, opt_state = optimizer.update(grads, opt_state)
        return optax.apply_updates(params, updates), opt_state

    params = variables["params"]
    opt_state = optimizer.init(params)
    for t in range(config["steps"]):
        params, opt_state = step(params, opt_state, jax.random.fold_in(key, t))
        if progress is not None and (t + 1) % 100 == 0:
            progress(t + 1)
    return {"params": params}


def predict(config, variables, images, batch_size=500):
    """``{"features", "logits"}`` of ``images`` as numpy arrays, in batches."""
    model = DigitClassifier(config["width"], config["feature_dim"])
    apply = jax.jit(model.apply)
    outputs = [
        jax.device_get(apply(variables, jnp.asarray(images[i : i + batch_size], jnp.float32)))
        for i in range(0, len(images), batch_size)
    ]
    return {k: np.concatenate([o[k] for o in outputs]) for k in outputs[0]}


def accuracy(config, variables, images, labels):
    """The share of ``images`` whose arg-max logit is their label."""
    logits = predict(config, variables, images)["logits"]
    return float(np.mean(np.argmax(logits, axis=1) == np.asarray(labels)))
