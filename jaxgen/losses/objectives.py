"""The registry of adversarial objectives: a name → ``Objective(discriminator, generator)``.

``"gan"``: the minimax GAN and ``"nsgan"``: its non-saturating generator (``losses.gan``);
``"wgan"``: the Wasserstein critic (``losses.wasserstein``; its Lipschitz constraint is a
regularizer or a network property, not part of the objective).
"""

from collections.abc import Callable
from typing import NamedTuple

from jaxgen.errors import UserError, closest
from jaxgen.losses import gan, wasserstein


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
}


def get_objective(name: str) -> Objective:
    """The objective registered under ``name`` (see the module docstring)."""
    if name not in OBJECTIVES:
        raise UserError(f"unknown GAN objective {name!r}: {closest(name, OBJECTIVES)}")
    return OBJECTIVES[name]
