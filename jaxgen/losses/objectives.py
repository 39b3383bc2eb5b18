"""The registry of adversarial objectives: a name → ``Objective(discriminator, generator)``.

``"gan"``: the minimax GAN and ``"nsgan"``: its non-saturating generator (``losses.gan``);
``"wgan"``: the Wasserstein critic (``losses.wasserstein``; its Lipschitz constraint is a
regularizer or a network property, not part of the objective);
``"lsgan"``: the least-squares GAN with the 0-1 coding a = 0, b = 1, c = 1 of Mao et al.'s Eq. 9,
which their experiments use, and ``"lsgan_pearson"``: a = −1, b = 1, c = 0 (Eq. 8), whose
generator minimizes a Pearson χ² divergence (``losses.least_squares``);
``"hinge"``: the hinge loss (``losses.hinge``);
``"fgan_<divergence>"``: f-GAN's critic for each divergence of ``losses.fgan.DIVERGENCES`` (``tv``,
``kl``, ``reverse_kl``, ``pearson``, ``neyman``, ``hellinger``, ``js``, ``gan``), with the
non-saturating generator loss −g_f(v) that Nowozin et al. recommend.
"""

import functools
from collections.abc import Callable
from typing import NamedTuple

from jaxgen.errors import UserError, closest
from jaxgen.losses import fgan, gan, hinge, least_squares, wasserstein


class Objective(NamedTuple):
    """A GAN objective: ``discriminator(real_logits, fake_logits)`` and ``generator(fake_logits)``.

    Both return one loss per example; each player minimizes the mean of its own.
    """

    discriminator: Callable
    generator: Callable


OBJECTIVES = {
    "gan": Objective(gan.discriminator_loss, gan.minimax_generator_loss),
    "nsgan": Objective(gan.discriminator_loss, gan.non_saturating_generator_loss),
    "wgan": Objective(wasserstein.critic_loss, wasserstein.generator_loss),
    "lsgan": Objective(least_squares.discriminator_loss, least_squares.generator_loss),
    "lsgan_pearson": Objective(
        functools.partial(least_squares.discriminator_loss, coding=least_squares.PEARSON),
        functools.partial(least_squares.generator_loss, coding=least_squares.PEARSON),
    ),
    "hinge": Objective(hinge.discriminator_loss, hinge.generator_loss),
    **{
        f"fgan_{name}": Objective(*fgan.losses(divergence))
        for name, divergence in fgan.DIVERGENCES.items()
    },
}


# Objectives whose discriminator is an auto-encoder and whose game is ``jaxgen.game.energy``.
ENERGY_OBJECTIVES = ("ebgan", "began")


def get_objective(name: str) -> Objective:
    """The objective registered under ``name`` (see the module docstring)."""
    if name not in OBJECTIVES:
        raise UserError(
            f"unknown GAN objective {name!r}: {closest(name, (*OBJECTIVES, *ENERGY_OBJECTIVES))}"
        )
    return OBJECTIVES[name]
