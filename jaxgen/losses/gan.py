"""The original GAN objectives (Goodfellow et al. 2014, "Generative Adversarial Nets"), on logits.

With D(x) = σ(l(x)) for a discriminator logit l, the value of the game is

    V(G, D) = E_x[log D(x)] + E_z[log(1 − D(G(z)))]                          (Eq. 1)

The discriminator maximizes V, so it minimizes
    L_D = −log σ(l_real) − log(1 − σ(l_fake)) = softplus(−l_real) + softplus(l_fake).
The generator of the minimax game minimizes
    L_G = log(1 − σ(l_fake)) = −softplus(l_fake),
whose gradient vanishes when D confidently rejects the fakes; the non-saturating generator
(§3 of the paper) minimizes instead
    L_G = −log σ(l_fake) = softplus(−l_fake).

``softplus`` is computed as ``logaddexp(x, 0)``, finite with finite gradients for any finite
logit (±100 included), where ``log(sigmoid(x))`` would give −inf at x = −100 in float32.
All functions are unreduced: one value per example; the caller reduces.
"""

import jax
import jax.numpy as jnp


def discriminator_loss(real_logits: jax.Array, fake_logits: jax.Array) -> jax.Array:
    """``softplus(−l_real) + softplus(l_fake)``: −log D(x) − log(1 − D(G(z))), per example."""
    return per_example(jax.nn.softplus(-real_logits)) + per_example(jax.nn.softplus(fake_logits))


def minimax_generator_loss(fake_logits: jax.Array) -> jax.Array:
    """``−softplus(l_fake)`` = log(1 − D(G(z))), the saturating loss of the minimax game."""
    return per_example(-jax.nn.softplus(fake_logits))


def non_saturating_generator_loss(fake_logits: jax.Array) -> jax.Array:
    """``softplus(−l_fake)`` = −log D(G(z)), the non-saturating generator loss."""
    return per_example(jax.nn.softplus(-fake_logits))


def per_example(values: jax.Array) -> jax.Array:
    """Sums any trailing axes (a discriminator may output [B] or [B, 1] logits)."""
    return values.reshape(values.shape[0], -1).sum(axis=1) if values.ndim > 1 else values


def mean_probability(logits: jax.Array) -> jax.Array:
    """Mean of σ(logits): the discriminator's average belief that its inputs are real."""
    return jnp.mean(jax.nn.sigmoid(logits))
