"""``Rule``, the update-rule interface, and the gradient helpers that the schemes share.

A rule copies optax's ``GradientTransformation``: a NamedTuple of two pure functions,

    init(params: Pair) -> rule_state
    step(game, params, model_state, rule_state, batch, key)
        -> (params, model_state, rule_state, metrics)

Each player has its own optax optimizer: a rule is built from one optimizer (used by both
players, each with its own state) or from a ``Pair`` of them.
"""

from collections.abc import Callable
from typing import NamedTuple

import jax
import optax

from jaxgen.types import Pair

PLAYERS = ("g", "d")


class Rule(NamedTuple):
    """An update rule for a two-player game (see the module docstring)."""

    init: Callable
    step: Callable


def optimizer_pair(optimizer) -> Pair:
    """``Pair(opt, opt)`` for one optax optimizer, or the ``Pair`` itself."""
    if isinstance(optimizer, Pair):
        return optimizer
    if not isinstance(optimizer, optax.GradientTransformation):
        raise TypeError(
            f"expected an optax GradientTransformation or a Pair of them, got {type(optimizer)}"
        )
    return Pair(optimizer, optimizer)


def player_gradient(game, player, params, model_state, batch, key):
    """``∇_p L_p``: the gradient of ``player``'s own loss with respect to its own parameters.

    Returns ``(gradient, losses, new_model_state, metrics)`` of that evaluation.
    """

    def own_loss(own_params):
        losses, (new_model_state, metrics) = game(
            params._replace(**{player: own_params}), model_state, batch, key
        )
        return getattr(losses, player), (losses, new_model_state, metrics)

    (_, aux), gradient = jax.value_and_grad(own_loss, has_aux=True)(getattr(params, player))
    return (gradient, *aux)


def apply_player_update(optimizer, gradient, opt_state, player_params):
    """One optax update of one player: ``(new_params, new_opt_state)``."""
    updates, opt_state = optimizer.update(gradient, opt_state, player_params)
    return optax.apply_updates(player_params, updates), opt_state


def loss_metrics(losses: Pair) -> dict:
    return {"loss_g": losses.g, "loss_d": losses.d}
