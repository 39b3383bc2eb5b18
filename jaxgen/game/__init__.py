"""Two-player games and the update rules that play them (DESIGN.md, "Core abstractions").

- schemes (rules): ``simultaneous``, ``alternating``, ``extragradient``, ``optimistic``
- field transforms (game → game): ``consensus``, ``sga``, ``unrolled``
- wrappers (rule → rule): ``lookahead``, ``ema``
- games: ``bilinear``, ``quadratic``, ``dirac_gan``, ``mixture_game``, ``adversarial`` (a
  GAN from a generator, a discriminator and an objective), ``energy_based`` (EBGAN, BEGAN) and
  ``adversarial_autoencoder``, with its per-minibatch rule ``phased``
- optax transformations for a player: ``clip_weights`` (WGAN), ``historical_averaging``
- ``rollout`` runs a rule on a game as one ``lax.scan``; ``sweep`` vmaps it over a grid;
  ``jacobian`` / ``eigenvalues`` give the game Jacobian's spectrum; ``jaxgen.game.plots`` draws
  them (matplotlib, imported on use).
"""

from jaxgen.game.adversarial import Penalty, adversarial
from jaxgen.game.adversarial_autoencoder import Phases, adversarial_autoencoder, phased
from jaxgen.game.base import Rule, gradient_field
from jaxgen.game.energy import energy_based
from jaxgen.game.games import bilinear, dirac_gan, quadratic
from jaxgen.game.historical_averaging import HistoricalAveragingState, historical_averaging
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
from jaxgen.game.weight_clipping import clip_weights
from jaxgen.game.wrappers import EmaState, LookaheadState, ema, lookahead

__all__ = [
    "EmaState",
    "HistoricalAveragingState",
    "LookaheadState",
    "MixtureGame",
    "OptimisticState",
    "Penalty",
    "Phases",
    "Rule",
    "SchemeState",
    "adversarial",
    "adversarial_autoencoder",
    "alternating",
    "bilinear",
    "clip_weights",
    "consensus",
    "dirac_gan",
    "eigenvalues",
    "ema",
    "energy_based",
    "extragradient",
    "gradient_field",
    "historical_averaging",
    "jacobian",
    "lookahead",
    "mixture_game",
    "optimistic",
    "phased",
    "quadratic",
    "rollout",
    "sga",
    "simultaneous",
    "sweep",
    "unrolled",
]
