"""The Wasserstein GAN objective (Arjovsky, Chintala & Bottou 2017, "Wasserstein GAN"), on critic
outputs.

The critic f estimates the Kantorovich–Rubinstein dual of the Wasserstein-1 distance,

    W(P_r, P_g) = sup_{‖f‖_L ≤ 1} E_x[f(x)] − E_z[f(G(z))]                   (Eq. 2)

so it minimizes L_D = f(G(z)) − f(x) and the generator minimizes L_G = −f(G(z)). The Lipschitz
constraint is not part of the objective: it comes from weight clipping, a gradient penalty
(``jaxgen.losses.regularizers.gradient_penalty``; Gulrajani et al. 2017) or spectral
normalization. Unreduced: one value per example.
"""

import jax

from jaxgen.losses.gan import per_example


def critic_loss(real_scores: jax.Array, fake_scores: jax.Array) -> jax.Array:
    """``f(G(z)) − f(x)`` per example: the critic minimizes minus the dual estimate."""
    return per_example(fake_scores) - per_example(real_scores)


def generator_loss(fake_scores: jax.Array) -> jax.Array:
    """``−f(G(z))`` per example."""
    return -per_example(fake_scores)
