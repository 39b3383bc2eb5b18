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

One-sided label smoothing (Salimans et al. 2016, "Improved Techniques for Training GANs",
§3.4) replaces the real examples' target 1 by α (0.9 in the paper) and keeps the fakes'
target 0: L_D = −α·log D(x) − (1 − α)·log(1 − D(x)) − log(1 − D(G(z))), the cross-entropy
with the smoothed labels, whose optimal discriminator is D* = α·p_data / (p_data + p_g).
Smoothing the fakes' target too would pull D towards p_g where p_data is small, which is why
the paper smooths only the real side.

``softplus`` is computed as ``logaddexp(x, 0)``, finite with finite gradients for any finite
logit (±100 included), where ``log(sigmoid(x))`` would give −inf at x = −100 in float32.
All functions are unreduced: one value per example; the caller reduces.
"""

import jax
import jax.numpy as jnp


def discriminator_loss(
    real_logits: jax.Array, fake_logits: jax.Array, real_label: float = 1.0
) -> jax.Array:
    """``softplus(−l_real) + softplus(l_fake)``: −log D(x) − log(1 − D(G(z))), per example.

    ``real_label`` α < 1 is one-sided label smoothing: the real term becomes
    α·softplus(−l_real) + (1 − α)·softplus(l_real).
    """
    real_term = jax.nn.softplus(-real_logits)
    if real_label != 1.0:
        real_term = real_label * real_term + (1 - real_label) * jax.nn.softplus(real_logits)
    return per_example(real_term) + per_example(jax.nn.softplus(fake_logits))


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
