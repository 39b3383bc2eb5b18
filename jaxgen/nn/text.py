"""A word-level text encoder, an image encoder, and the contrastive loss that ties them.

For the text-to-image GAN (Reed et al. 2016) a caption becomes an embedding h ∈ R^E that the
generator and the matching-aware discriminator read (``jaxgen.game.text_conditional``). Reed
et al. pretrain a char-CNN-RNN with the deep symmetric structured joint embedding (DS-SJE,
Reed et al. 2016b); jaxgen's captions come from a closed vocabulary of 16 words
(``jaxgen.data.captions``), so a simpler pair is enough:

- ``TextEncoder``: word embeddings, the mean over a caption's words (pads excluded), a dense
  layer: h = W · mean_i e(w_i) + b, L2-normalized;
- ``ImageEncoder``: two stride-2 convolutions and a dense layer, L2-normalized;
- ``contrastive_loss``: the symmetric InfoNCE of CLIP (Radford et al. 2021) with the
  similarities s_ij = ⟨v_i, h_j⟩ / τ, where every text *identical* to image i's caption counts
  as its positive (the structured part of DS-SJE: captions repeat within a batch, and a loss
  that called those repeats negatives would push equal texts apart). With target
  q_ij = [t_j = t_i] / #{k : t_k = t_i}, the loss is
  ½ (mean_i CE(q_i, softmax_j s_ij) + mean_j CE(q_j, softmax_i s_ij)); with all captions
  distinct it is CLIP's loss exactly.

``fit_joint_embedding`` trains both encoders with it (Adam, random minibatches), as Reed et
al. pretrain their text encoder before the GAN, which then only reads the text embeddings.
"""

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax


def _normalize(x):
    return x / jnp.maximum(jnp.linalg.norm(x, axis=-1, keepdims=True), 1e-12)


class TextEncoder(nn.Module):
    """Word ids ``[B, L]`` (0 = pad) → unit embeddings ``[B, features]``."""

    vocabulary_size: int
    features: int = 32
    word_features: int = 64

    @nn.compact
    def __call__(self, ids):
        embedded = nn.Embed(self.vocabulary_size, self.word_features)(ids)
        mask = (ids > 0)[..., None].astype(embedded.dtype)
        mean = (embedded * mask).sum(1) / jnp.maximum(mask.sum(1), 1.0)
        return _normalize(nn.Dense(self.features)(mean))


class ImageEncoder(nn.Module):
    """Images ``[B, H, W, C]`` → unit embeddings ``[B, features]``."""

    features: int = 32
    width: int = 32

    @nn.compact
    def __call__(self, images):
        x = images
        for stage in range(2):
            x = nn.leaky_relu(nn.Conv(self.width * 2**stage, (4, 4), (2, 2))(x), 0.2)
        return _normalize(nn.Dense(self.features)(x.reshape(x.shape[0], -1)))


def contrastive_loss(image_embeddings, text_embeddings, ids, temperature: float = 0.1):
    """The symmetric, structured InfoNCE above; ``ids [B, L]`` tell which captions are equal."""
    logits = image_embeddings @ text_embeddings.T / temperature
    same = jnp.all(ids[:, None, :] == ids[None, :, :], axis=-1).astype(logits.dtype)
    targets = same / same.sum(1, keepdims=True)  # symmetric, so rows and columns alike
    image_to_text = -jnp.sum(targets * jax.nn.log_softmax(logits, axis=1), axis=1)
    text_to_image = -jnp.sum(targets * jax.nn.log_softmax(logits, axis=0), axis=0)
    return 0.5 * (jnp.mean(image_to_text) + jnp.mean(text_to_image))


def fit_joint_embedding(
    images,
    ids,
    vocabulary_size: int,
    *,
    features: int = 32,
    word_features: int = 64,
    steps: int = 600,
    batch_size: int = 128,
    learning_rate: float = 3e-3,
    temperature: float = 0.1,
    seed: int = 0,
):
    """Trains a ``TextEncoder`` and an ``ImageEncoder`` with ``contrastive_loss`` on the pairs
    ``(images [N, H, W, C], ids [N, L])``; returns ``(text_variables, image_variables)``."""
    images, ids = jnp.asarray(images, jnp.float32), jnp.asarray(ids, jnp.int32)
    text_encoder = TextEncoder(vocabulary_size, features, word_features)
    image_encoder = ImageEncoder(features)
    text_key, image_key = jax.random.split(jax.random.PRNGKey(seed))
    params = {
        "text": text_encoder.init(text_key, ids[:1]),
        "image": image_encoder.init(image_key, images[:1]),
    }
    optimizer = optax.adam(learning_rate)
    opt_state = optimizer.init(params)

    @jax.jit
    def step(params, opt_state, index):
        def loss(p):
            v = image_encoder.apply(p["image"], images[index])
            h = text_encoder.apply(p["text"], ids[index])
            return contrastive_loss(v, h, ids[index], temperature)

        grads = jax.grad(loss)(params)
        updates, opt_state = optimizer.update(grads, opt_state)
        return optax.apply_updates(params, updates), opt_state

    rng = np.random.default_rng(seed)
    size = min(batch_size, len(ids))
    for _ in range(steps):
        params, opt_state = step(params, opt_state, rng.choice(len(ids), size, replace=False))
    return params["text"], params["image"]
