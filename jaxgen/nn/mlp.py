"""Multi-layer perceptron generator and discriminator (2-D toy mixtures, flattened images).

``gan_ring8`` (DESIGN.md reference network): G and D are MLPs 2 → 128 → 128 → out with ReLU;
G has 17,154 parameters and D 17,025.
"""

import math
from collections.abc import Sequence

import flax.linen as nn
import jax.numpy as jnp


class MLP(nn.Module):
    """Dense layers of ``hidden`` widths with ReLU between them, then a linear output."""

    hidden: Sequence[int]
    out_dim: int

    @nn.compact
    def __call__(self, x):
        for width in self.hidden:
            x = nn.relu(nn.Dense(width)(x))
        return nn.Dense(self.out_dim)(x)


class MLPGenerator(nn.Module):
    """z [B, latent] → samples of ``output_shape`` (linear output for points, tanh for images)."""

    output_shape: Sequence[int] = (2,)
    hidden: Sequence[int] = (128, 128)
    tanh_output: bool = False

    @nn.compact
    def __call__(self, z, train: bool = True):
        del train  # no batch norm; the argument keeps the generator interface uniform
        out = MLP(self.hidden, math.prod(self.output_shape))(z)
        out = jnp.tanh(out) if self.tanh_output else out
        return out.reshape(z.shape[0], *self.output_shape)


class MLPDiscriminator(nn.Module):
    """x [B, ...] → one logit per example, shape [B]."""

    hidden: Sequence[int] = (128, 128)

    @nn.compact
    def __call__(self, x, train: bool = True):
        del train
        return MLP(self.hidden, 1)(x.reshape(x.shape[0], -1))[:, 0]
