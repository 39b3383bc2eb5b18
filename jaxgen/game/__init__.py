"""Two-player games and the update rules that play them (DESIGN.md, "Core abstractions").

schemes: ``simultaneous``, ``alternating``; wrappers: ``ema``; games: ``bilinear``,
``adversarial`` (a GAN from a generator, a discriminator and an objective); ``rollout`` runs a
rule on a game.
"""

from jaxgen.game.adversarial import adversarial
from jaxgen.game.base import Rule
from jaxgen.game.games import bilinear
from jaxgen.game.rollout import rollout
from jaxgen.game.schemes import SchemeState, alternating, simultaneous
from jaxgen.game.wrappers import EmaState, ema

__all__ = [
    "EmaState",
    "Rule",
    "SchemeState",
    "adversarial",
    "alternating",
    "bilinear",
    "ema",
    "rollout",
    "simultaneous",
]
