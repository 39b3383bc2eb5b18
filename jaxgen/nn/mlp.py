"""Multi-layer perceptron generator and discriminator (2-D toy mixtures, flattened images).

``gan_ring8`` (DESIGN.md reference network): G and D are MLPs 2 → 128 → 128 → out with ReLU;
G has 17,154 parameters and D 17,025.
"""

import math
from collections.abc import Sequence
from typing import Any

import flax.linen as nn
import jax.numpy as jnp

from jaxgen.nn.improved_gan import MinibatchDiscrimination
from jaxgen.nn.initializers import lecun_normal


class MLP(nn.Module):
    """Dense layers of ``hidden`` widths with ReLU between them, then a linear output.

    ``minibatch_kernels`` > 0 inserts minibatch discrimination (Salimans et al. 2016 §3.2)
    before the output layer (discriminators). ``features=True`` also returns the output layer's
    input.
    """

    hidden: Sequence[int]
    out_dim: int
    minibatch_kernels: int = 0
    dtype: Any = jnp.float32  # of the hidden layers' computation; the output is float32

    @nn.compact
    def __call__(self, x, features: bool = False):
        x = x.astype(self.dtype)
        for width in self.hidden:
            x = nn.relu(nn.Dense(width, dtype=self.dtype, kernel_init=lecun_normal())(x))
        x = x.astype(jnp.float32)
        if self.minibatch_kernels:
            x = MinibatchDiscrimination(self.minibatch_kernels)(x)
        out = nn.Dense(self.out_dim, kernel_init=lecun_normal())(x)
        return (out, x) if features else out


class MLPGenerator(nn.Module):
    """z [B, latent] → samples of ``output_shape`` (linear output for points, tanh for images)."""

    output_shape: Sequence[int] = (2,)
    hidden: Sequence[int] = (128, 128)
    tanh_output: bool = False
    dtype: Any = jnp.float32

    @nn.compact
    def __call__(self, z, train: bool = True):
        del train  # no batch norm; the argument keeps the generator interface uniform
        out = MLP(self.hidden, math.prod(self.output_shape), dtype=self.dtype)(z)
        out = jnp.tanh(out) if self.tanh_output else out
        return out.reshape(z.shape[0], *self.output_shape)


class MLPDiscriminator(nn.Module):
    """x [B, ...] → one logit per example, shape [B] (and its features [B, F] with
    ``features=True``; see ``MLP``)."""

    hidden: Sequence[int] = (128, 128)
    minibatch_kernels: int = 0
    dtype: Any = jnp.float32

    @nn.compact
    def __call__(self, x, train: bool = True, features: bool = False):
        del train
        mlp = MLP(self.hidden, 1, self.minibatch_kernels, dtype=self.dtype)
        logits, hidden = mlp(x.reshape(x.shape[0], -1), features=True)
        return (logits[:, 0], hidden) if features else logits[:, 0]
