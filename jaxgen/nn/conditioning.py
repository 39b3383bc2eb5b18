"""Networks conditioned on a class label: wrappers around jaxgen's unconditional GAN networks.

Each wrapper takes a generator or discriminator of ``jaxgen.nn`` and one integer label per
example, ``labels [B]`` in ``0 .. num_classes − 1``:

- ``LabelConcatGenerator``: G(z, y) = G([z, onehot(y)]) (Mirza & Osindero 2014, "Conditional
  Generative Adversarial Nets", §4.1: y is a second input beside z).
- ``ConditionalBatchNorm``: batch norm whose scale and offset are picked by the label,
  γ_y ⊙ x̂ + β_y (de Vries et al. 2017, "Modulating early visual processing by language";
  the generator of Miyato & Koyama 2018); ``DCGANGenerator(num_classes=K)`` uses it in place
  of every batch norm and then takes ``labels``.
- ``LabelConcatDiscriminator``: D(x, y) = D([x, onehot(y)]); for images onehot(y) is appended
  as ``num_classes`` constant channels, for points as coordinates (Mirza & Osindero's D reads
  x and y together; the constant channels are how conditional DCGANs pass y to a convolution).
- ``ProjectionDiscriminator``: D(x, y) = ψ(φ(x)) + embed(y)ᵀ φ(x), with φ(x) the wrapped
  discriminator's last hidden features and ψ its output layer (Miyato & Koyama 2018, "cGANs
  with Projection Discriminator", eq. 3: the log density ratio of a log-linear class model).
- ``AuxiliaryClassifier``: D(x) = (source logit, class logits), a linear class head on the
  same features φ(x) (Odena, Olah & Shlens 2017, "Conditional Image Synthesis with Auxiliary
  Classifier GANs"): it reads no label; the game scores its class logits.

- ``InfoQHead``: D(x) = (source logit, Q(c | x)), InfoGAN's recognition network Q sharing
  the discriminator's body (Chen et al. 2016, "InfoGAN", §5 and appendix C.1): a hidden layer
  of 128 on φ(x) (with batch norm, as the paper's MNIST Q, when ``batch_norm``), then the
  logits of the categorical code and the means of the continuous codes (a unit-variance
  Gaussian each: its log-likelihood is −½(c − μ)² up to a constant).

The two concatenating wrappers also take a float condition vector per example, ``[B, E]``
(a text embedding for GAN-CLS, ``jaxgen.game.text_conditional``), in place of the labels.

Wrapped discriminators must accept ``features=True`` and then return ``(logits, features)``,
as ``DCGANDiscriminator`` and ``MLPDiscriminator`` do. Labels are not range-checked inside a
traced function (``jax.nn.one_hot`` maps an out-of-range label to zeros, ``nn.Embed`` clips);
``check_labels`` is the host-side check that the recipes' ``sample`` runs.
"""

from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

from jaxgen.errors import UserError

CONDITIONS = ("concat", "projection", "auxiliary")


def check_labels(labels, n: int, num_classes: int) -> np.ndarray:
    """``labels`` as int32 ``[n]``: a scalar is repeated; a wrong shape or range is a UserError."""
    array = np.asarray(labels)
    if array.dtype.kind not in "iu" and not (
        array.dtype.kind == "f" and np.all(array == np.round(array))
    ):
        raise UserError(f"labels must be integers 0..{num_classes - 1}, got dtype {array.dtype}")
    array = np.broadcast_to(array.astype(np.int32), (n,)) if array.ndim == 0 else array
    if array.shape != (n,):
        raise UserError(f"labels must have shape ({n},), one per sample; got {array.shape}")
    if array.size and (array.min() < 0 or array.max() >= num_classes):
        bad = array[(array < 0) | (array >= num_classes)][0]
        raise UserError(f"label {bad} is out of range: this model has classes 0..{num_classes - 1}")
    return array.astype(np.int32)


def _one_hot(labels, num_classes, dtype):
    """One-hot codes of integer labels [B]; a float condition [B, E] (a text embedding) as is."""
    if jnp.issubdtype(labels.dtype, jnp.floating):
        if labels.ndim != 2:
            raise ValueError(f"a vector condition must be [B, E], got shape {labels.shape}")
        return labels.astype(dtype)
    return jax.nn.one_hot(labels, num_classes, dtype=dtype)


class LabelConcatGenerator(nn.Module):
    """``G(z, y) = generator([z, onehot(y)])`` (Mirza & Osindero 2014)."""

    generator: nn.Module
    num_classes: int

    @nn.compact
    def __call__(self, z, labels, train: bool = True):
        codes = _one_hot(labels, self.num_classes, z.dtype)
        return self.generator(jnp.concatenate([z, codes], axis=-1), train=train)


class LabelConcatDiscriminator(nn.Module):
    """``D(x, y) = discriminator([x, onehot(y)])``: one-hot channels (images) or coordinates."""

    discriminator: nn.Module
    num_classes: int

    @nn.compact
    def __call__(self, x, labels, train: bool = True, features: bool = False):
        codes = _one_hot(labels, self.num_classes, x.dtype)
        codes = codes.reshape(codes.shape[:1] + (1,) * (x.ndim - 2) + codes.shape[1:])
        codes = jnp.broadcast_to(codes, (*x.shape[:-1], self.num_classes))
        return self.discriminator(
            jnp.concatenate([x, codes], axis=-1), train=train, features=features
        )


class ProjectionDiscriminator(nn.Module):
    """``D(x, y) = ψ(φ(x)) + embed(y)ᵀ φ(x)`` (Miyato & Koyama 2018, eq. 3)."""

    discriminator: nn.Module
    num_classes: int

    @nn.compact
    def __call__(self, x, labels, train: bool = True, features: bool = False):
        logits, hidden = self.discriminator(x, train=train, features=True)
        embedding = nn.Embed(
            self.num_classes,
            hidden.shape[-1],
            embedding_init=nn.initializers.normal(stddev=hidden.shape[-1] ** -0.5),
            name="class_embedding",
        )(labels)
        logits = logits + jnp.sum(embedding * hidden, axis=-1)
        return (logits, hidden) if features else logits


class AuxiliaryClassifier(nn.Module):
    """``D(x) = (source logits [B], class logits [B, num_classes])`` (AC-GAN, Odena et al.)."""

    discriminator: nn.Module
    num_classes: int

    @nn.compact
    def __call__(self, x, train: bool = True, features: bool = False):
        logits, hidden = self.discriminator(x, train=train, features=True)
        class_logits = nn.Dense(self.num_classes, name="class_head")(hidden)
        return ((logits, class_logits), hidden) if features else (logits, class_logits)


class InfoQHead(nn.Module):
    """``D(x) = (source logits [B], (code logits [B, categorical], code means [B, continuous]))``
    (InfoGAN's Q on the discriminator's features; Chen et al. 2016)."""

    discriminator: nn.Module
    categorical: int
    continuous: int
    hidden: int = 128
    batch_norm: bool = False  # batch norm on Q's hidden layer (the paper's MNIST Q)

    @nn.compact
    def __call__(self, x, train: bool = True, features: bool = False):
        logits, body = self.discriminator(x, train=train, features=True)
        h = nn.Dense(self.hidden, name="q_hidden")(body)
        if self.batch_norm:
            h = nn.BatchNorm(use_running_average=not train, momentum=0.9, name="q_norm")(h)
        h = nn.leaky_relu(h, 0.2)
        q = nn.Dense(self.categorical + self.continuous, name="q_out")(h)
        codes = (q[:, : self.categorical], q[:, self.categorical :])
        return ((logits, codes), body) if features else (logits, codes)


class ConditionalBatchNorm(nn.Module):
    """``γ_y ⊙ BN(x) + β_y``: batch norm without its own scale and offset, then per-class ones
    (γ initialized to 1, β to 0, so that at initialization it is plain batch norm)."""

    num_classes: int
    momentum: float = 0.9
    epsilon: float = 1e-5
    dtype: Any = jnp.float32

    @nn.compact
    def __call__(self, x, labels, use_running_average: bool):
        x = nn.BatchNorm(
            use_running_average=use_running_average,
            use_scale=False,
            use_bias=False,
            momentum=self.momentum,
            epsilon=self.epsilon,
            dtype=self.dtype,
        )(x)
        channels = x.shape[-1]
        shape = (x.shape[0],) + (1,) * (x.ndim - 2) + (channels,)
        gamma = nn.Embed(self.num_classes, channels, embedding_init=nn.initializers.ones)(labels)
        beta = nn.Embed(self.num_classes, channels, embedding_init=nn.initializers.zeros)(labels)
        return x * gamma.reshape(shape).astype(x.dtype) + beta.reshape(shape).astype(x.dtype)
