"""Discriminator regularizers: gradient penalties and instance noise.

With D(x) the discriminator's logit (or critic score) and γ the caller's weight, the penalties
added to the discriminator's loss are

- R1 (Mescheder, Geiger & Nowozin 2018, "Which Training Methods for GANs do actually
  Converge?", Eq. 9):   γ/2 · E_{x∼P_data} ‖∇_x D(x)‖²
- R2 (same paper, Eq. 10):  γ/2 · E_{x∼P_G} ‖∇_x D(x)‖²
- the WGAN-GP penalty (Gulrajani et al. 2017, "Improved Training of Wasserstein GANs", Eq. 3):
  λ · E_x̂ (‖∇_x D(x̂)‖ − 1)², with x̂ = ε·x_real + (1 − ε)·x_fake, ε ∼ U[0, 1] per example;
  Mescheder et al. write it γ/2 · E (‖∇D‖ − g₀)², the same with λ = γ/2 and g₀ = 1.

Instance noise (Sønderby et al. 2017, "Amortised MAP Inference for Image Super-resolution";
Arjovsky & Bottou 2017) adds N(0, σ²I) to real and fake inputs of the discriminator.

Each penalty returns one value per example; the caller weights and reduces. ``discriminator``
maps a batch ``x [B, ...]`` to ``[B]`` (or ``[B, 1]``) outputs and treats the examples
independently (no batch norm in training mode), so that the gradient of the summed outputs with
respect to the batch holds each example's own input gradient.
"""

import jax
import jax.numpy as jnp


def input_gradients(discriminator, x: jax.Array) -> jax.Array:
    """``∇_x D(x)`` for each example: the same shape as ``x``."""
    return jax.grad(lambda inputs: jnp.sum(discriminator(inputs)))(x)


def squared_gradient_norm(discriminator, x: jax.Array) -> jax.Array:
    """``‖∇_x D(x)‖²`` per example: ``[B]``."""
    gradients = input_gradients(discriminator, x)
    return jnp.sum(gradients.reshape(x.shape[0], -1) ** 2, axis=1)


def r1_penalty(discriminator, real: jax.Array) -> jax.Array:
    """``‖∇_x D(x)‖²`` at real examples, per example (weight it by γ/2)."""
    return squared_gradient_norm(discriminator, real)


def r2_penalty(discriminator, fake: jax.Array) -> jax.Array:
    """``‖∇_x D(x)‖²`` at generated examples, per example (weight it by γ/2)."""
    return squared_gradient_norm(discriminator, fake)


def gradient_penalty(
    discriminator, real: jax.Array, fake: jax.Array, key: jax.Array, target: float = 1.0
) -> jax.Array:
    """``(‖∇_x D(x̂)‖ − target)²`` at random interpolates x̂ of ``real`` and ``fake``, per example."""
    if real.shape != fake.shape:
        raise ValueError(f"real and fake must have the same shape, got {real.shape}, {fake.shape}")
    eps = jax.random.uniform(key, (real.shape[0],) + (1,) * (real.ndim - 1), real.dtype)
    interpolates = eps * real + (1 - eps) * fake
    return (safe_norm(squared_gradient_norm(discriminator, interpolates)) - target) ** 2


def safe_norm(squared: jax.Array) -> jax.Array:
    """``√squared`` whose gradient at 0 is 0 instead of NaN (the critic of a Dirac-GAN at ψ = 0)."""
    positive = squared > 0
    return jnp.where(positive, jnp.sqrt(jnp.where(positive, squared, 1.0)), 0.0)


def instance_noise(key: jax.Array, x: jax.Array, sigma: float) -> jax.Array:
    """``x + σ·ε`` with ε ∼ N(0, I) of the shape of ``x``."""
    return x + sigma * jax.random.normal(key, x.shape, x.dtype)
