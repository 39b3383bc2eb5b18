"""Two-player games and the update rules that play them (DESIGN.md, "Core abstractions").

- schemes (rules): ``simultaneous``, ``alternating``, ``extragradient``, ``optimistic``
- field transforms (game → game): ``consensus``, ``sga``, ``unrolled``
- wrappers (rule → rule): ``lookahead``, ``ema``
- games: ``bilinear``, ``quadratic``, ``dirac_gan``, ``mixture_game``, and ``adversarial`` (a
  GAN from a generator, a discriminator and an objective)
- ``rollout`` runs a rule on a game as one ``lax.scan``; ``sweep`` vmaps it over a grid;
  ``jacobian`` / ``eigenvalues`` give the game Jacobian's spectrum; ``jaxgen.game.plots`` draws
  them (matplotlib, imported on use).
"""

from jaxgen.game.adversarial import adversarial
from jaxgen.game.base import Rule, gradient_field
from jaxgen.game.games import bilinear, dirac_gan, quadratic
from jaxgen.game.mixture import MixtureGame, mixture_game
from jaxgen.game.rollout import rollout
from jaxgen.game.schemes import (
    OptimisticState,
    SchemeState,
    alternating,
    extragradient,
    optimistic,
    simultaneous,
)
from jaxgen.game.spectrum import eigenvalues, jacobian
from jaxgen.game.sweeps import sweep
from jaxgen.game.transforms import consensus, sga, unrolled
from jaxgen.game.wrappers import EmaState, LookaheadState, ema, lookahead

__all__ = [
    "EmaState",
    "LookaheadState",
    "MixtureGame",
    "OptimisticState",
    "Rule",
    "SchemeState",
    "adversarial",
    "alternating",
    "bilinear",
    "consensus",
    "dirac_gan",
    "eigenvalues",
    "ema",
    "extragradient",
    "gradient_field",
    "jacobian",
    "lookahead",
    "mixture_game",
    "optimistic",
    "quadratic",
    "rollout",
    "sga",
    "simultaneous",
    "sweep",
    "unrolled",
]
