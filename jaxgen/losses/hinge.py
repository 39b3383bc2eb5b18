"""The hinge objective (Lim & Ye 2017, "Geometric GAN"; Miyato et al. 2018, "Spectral
Normalization for Generative Adversarial Networks"), on critic outputs.

The discriminator is a soft-margin classifier with margin 1; the generator moves its samples
along the critic's direction, as in WGAN:

    L_D = max(0, 1 − D(x)) + max(0, 1 + D(G(z)))
    L_G = −D(G(z))

Over a discrete support with D free at each point, E[L_D] is minimized by D*(x) = sign(p − q)
(any value in [−1, 1] where p = q), with min E[L_D] = 2 − Σ|p − q| = 2 − 2·TV(P, Q): the hinge
critic estimates the total variation distance. Unreduced: one value per example.
"""

import jax

from jaxgen.losses.gan import per_example


def discriminator_loss(real_scores: jax.Array, fake_scores: jax.Array) -> jax.Array:
    """``relu(1 − D(x)) + relu(1 + D(G(z)))`` per example."""
    return per_example(jax.nn.relu(1.0 - real_scores)) + per_example(jax.nn.relu(1.0 + fake_scores))


def generator_loss(fake_scores: jax.Array) -> jax.Array:
    """``−D(G(z))`` per example."""
    return -per_example(fake_scores)
