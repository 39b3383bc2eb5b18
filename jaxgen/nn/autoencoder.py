"""Auto-encoder discriminators for energy-based GANs (EBGAN, BEGAN): x ↦ (reconstruction,
embedding).

The modules stop at the reconstruction and the embedding; the energy is a loss's business
(``jaxgen.losses.energy``: EBGAN's mean squared error and pulling-away term on the embedding,
BEGAN's |x − D(x)|^η).

``ConvAutoencoder`` is the DCGAN pair run back to back (``jaxgen.nn.dcgan``): an encoder of
stride-2 4×4 convolutions with LeakyReLU 0.2 doubling the channels from ``width``, flattened into
a Dense embedding, and a decoder that mirrors it: a Dense layer back to base×base×(width·2^(n−1))
and stride-2 transposed convolutions (``jaxgen.nn.layers.ConvTranspose``) halving the channels,
up to the input's shape. The output is linear (no tanh), so that the decoder can reconstruct any
input exactly, data in [−1, 1] included. ``upsampling_plan`` gives base and n from the
resolution (8, 16, 28, 32, 64; ``stages`` sets n). Batch norm is off by default: with it, the
energy of an example depends on the rest of its batch. ``batch_norm=True`` puts it where DCGAN
does (not on the encoder's input layer, after the decoder's Dense and hidden layers), with
momentum 0.9 and ε = 1e-5.

``MLPAutoencoder`` is for 2-D points and flattened data: an MLP ``hidden`` → ``embedding_dim``
and its mirror back to the input's size, ReLU between layers, linear outputs.

Both take ``train`` like every jaxgen discriminator.
"""

import math
from collections.abc import Sequence

import flax.linen as nn

from jaxgen.nn.dcgan import BATCH_NORM, KERNEL, STRIDES, upsampling_plan
from jaxgen.nn.initializers import lecun_normal
from jaxgen.nn.layers import ConvTranspose
from jaxgen.nn.mlp import MLP


class ConvEncoder(nn.Module):
    """images [B, resolution, resolution, C] → embeddings [B, embedding_dim]."""

    resolution: int = 28
    width: int = 64
    embedding_dim: int = 64
    stages: int | None = None
    batch_norm: bool = False

    @nn.compact
    def __call__(self, x, train: bool = True):
        _, n = upsampling_plan(self.resolution, self.stages)
        for stage in range(n):
            features = self.width * 2**stage
            x = nn.Conv(features, KERNEL, STRIDES, "SAME", kernel_init=lecun_normal())(x)
            if self.batch_norm and stage > 0:  # none on the input layer, as in DCGAN
                x = nn.BatchNorm(use_running_average=not train, **BATCH_NORM)(x)
            x = nn.leaky_relu(x, 0.2)
        return nn.Dense(self.embedding_dim, kernel_init=lecun_normal())(x.reshape(x.shape[0], -1))


class ConvDecoder(nn.Module):
    """embeddings [B, embedding_dim] → images [B, resolution, resolution, channels], linear."""

    resolution: int = 28
    channels: int = 1
    width: int = 64
    stages: int | None = None
    batch_norm: bool = False

    @nn.compact
    def __call__(self, h, train: bool = True):
        base, n = upsampling_plan(self.resolution, self.stages)
        features = self.width * 2 ** (n - 1)
        x = nn.Dense(base * base * features, kernel_init=lecun_normal())(h)
        x = x.reshape(h.shape[0], base, base, features)
        for stage in range(1, n + 1):
            if self.batch_norm:
                x = nn.BatchNorm(use_running_average=not train, **BATCH_NORM)(x)
            x = nn.leaky_relu(x, 0.2)
            out_features = self.width * 2 ** (n - 1 - stage) if stage < n else self.channels
            x = ConvTranspose(out_features, KERNEL, STRIDES)(x)
        return x


class ConvAutoencoder(nn.Module):
    """images [B, resolution, resolution, channels] → (reconstruction of the same shape,
    embedding [B, embedding_dim])."""

    resolution: int = 28
    channels: int = 1
    width: int = 64
    embedding_dim: int = 64
    stages: int | None = None
    batch_norm: bool = False

    @nn.compact
    def __call__(self, x, train: bool = True):
        expected = (self.resolution, self.resolution, self.channels)
        if x.ndim != 4 or x.shape[1:] != expected:
            raise ValueError(
                f"ConvAutoencoder takes images [B, {', '.join(map(str, expected))}]"
                f", got shape {x.shape}"
            )
        embedding = ConvEncoder(
            self.resolution,
            self.width,
            self.embedding_dim,
            self.stages,
            self.batch_norm,
            name="encoder",
        )(x, train)
        reconstruction = ConvDecoder(
            self.resolution,
            self.channels,
            self.width,
            self.stages,
            self.batch_norm,
            name="decoder",
        )(embedding, train)
        return reconstruction, embedding


class MLPAutoencoder(nn.Module):
    """x [B, ...] → (reconstruction of the same shape, embedding [B, embedding_dim])."""

    hidden: Sequence[int] = (128,)
    embedding_dim: int = 16

    @nn.compact
    def __call__(self, x, train: bool = True):
        del train  # no batch norm; the argument keeps the discriminator interface uniform
        flat = x.reshape(x.shape[0], -1)
        embedding = MLP(self.hidden, self.embedding_dim, name="encoder")(flat)
        size = math.prod(x.shape[1:])
        reconstruction = MLP(tuple(reversed(self.hidden)), size, name="decoder")(embedding)
        return reconstruction.reshape(x.shape), embedding
