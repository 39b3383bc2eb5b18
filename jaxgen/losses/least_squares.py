"""The least-squares GAN objective (Mao et al. 2017, "Least Squares Generative Adversarial
Networks", ICCV), on raw discriminator outputs (no sigmoid).

With labels a for fake data, b for real data, and c the value the generator wants the
discriminator to believe for fake data (Eq. 2):

    min_D  ½ E_x[(D(x) − b)²] + ½ E_z[(D(G(z)) − a)²]
    min_G  ½ E_z[(D(G(z)) − c)²]

For a fixed G the optimal discriminator is D*(x) = (b·p_d(x) + a·p_g(x)) / (p_d(x) + p_g(x))
(Eq. 4). Adding ½ E_x[(D(x) − c)²] to the generator's objective (constant in G) gives
C(G) = ½ E_{p_d}[(D* − c)²] + ½ E_{p_g}[(D* − c)²], and when b − c = 1 and b − a = 2
(Theorem 1)

    2·C(G) = ∫ (2p_g − (p_d + p_g))² / (p_d + p_g) dx,

which the paper calls χ²_Pearson(p_d + p_g ‖ 2p_g). Note the order: with the convention
χ²_Pearson(P‖Q) = ∫ (p − q)²/q of f-GAN's f(u) = (u − 1)², the denominator belongs to the second
argument, so the integral is χ²_Pearson(2p_g ‖ p_d + p_g) = 2·χ²_Pearson(P_g ‖ M) with
M = (P_d + P_g)/2.

Two codings:
- ``PEARSON``, a = −1, b = 1, c = 0 (Eq. 8): the generator minimizes the divergence above.
- ``ZERO_ONE``, a = 0, b = 1, c = 1 (Eq. 9): the 0-1 binary coding, c = b, where the generator
  wants its samples judged real. The paper finds the two perform alike and trains with Eq. 9;
  it is the default here and ``"lsgan"`` in the registry (``"lsgan_pearson"`` is Eq. 8).

Unreduced: one value per example, summed over trailing axes.
"""

from typing import NamedTuple

import jax

from jaxgen.losses.gan import per_example


class Coding(NamedTuple):
    """The targets: ``fake_label`` a, ``real_label`` b and ``generator_target`` c of Eq. 2."""

    fake_label: float
    real_label: float
    generator_target: float


PEARSON = Coding(fake_label=-1.0, real_label=1.0, generator_target=0.0)
ZERO_ONE = Coding(fake_label=0.0, real_label=1.0, generator_target=1.0)


def discriminator_loss(
    real_outputs: jax.Array, fake_outputs: jax.Array, coding: Coding = ZERO_ONE
) -> jax.Array:
    """``½(D(x) − b)² + ½(D(G(z)) − a)²`` per example."""
    return per_example(0.5 * (real_outputs - coding.real_label) ** 2) + per_example(
        0.5 * (fake_outputs - coding.fake_label) ** 2
    )


def generator_loss(fake_outputs: jax.Array, coding: Coding = ZERO_ONE) -> jax.Array:
    """``½(D(G(z)) − c)²`` per example."""
    return per_example(0.5 * (fake_outputs - coding.generator_target) ** 2)
