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
        _check_scalar_losses(losses)
        return getattr(losses, player), (losses, new_model_state, metrics)

    (_, aux), gradient = jax.value_and_grad(own_loss, has_aux=True)(getattr(params, player))
    return (gradient, *aux)


def _check_scalar_losses(losses):
    if not isinstance(losses, Pair):
        raise TypeError(
            f"a game must return (Pair(L_g, L_d), (model_state, metrics)), got {losses}"
        )
    for player in PLAYERS:
        shape = jax.numpy.shape(getattr(losses, player))
        if shape != ():
            raise ValueError(
                f"a game's losses must be scalars, but L_{player} has shape {shape}: "
                "reduce it (jnp.mean) inside the game"
            )


def gradient_field(game, params, model_state, batch, key):
    """The simultaneous gradient field ``v = Pair(∇_g L_g, ∇_d L_d)`` at ``params``.

    Both players see the same evaluation (same batch, same key). Returns
    ``(v, losses, new_model_state, metrics)``. Each loss comes from its own player's
    evaluation, so that XLA drops the parts of each evaluation that the other player's loss
    alone needs (the look-ahead of ``unrolled`` in the discriminator's).
    """
    grad_g, losses_g, _, _ = player_gradient(game, "g", params, model_state, batch, key)
    # The two evaluations are the same call, so they return the same model state.
    grad_d, losses_d, new_model_state, metrics = player_gradient(
        game, "d", params, model_state, batch, key
    )
    return Pair(grad_g, grad_d), Pair(losses_g.g, losses_d.d), new_model_state, metrics


def field_function(game, model_state, batch, key):
    """``θ ↦ (ξ(θ), (losses, new_model_state, metrics))`` at a fixed model state, batch and key."""

    def field(params):
        xi, losses, new_model_state, metrics = gradient_field(game, params, model_state, batch, key)
        return xi, (losses, new_model_state, metrics)

    return field


def apply_player_update(optimizer, gradient, opt_state, player_params):
    """One optax update of one player: ``(new_params, new_opt_state)``."""
    updates, opt_state = optimizer.update(gradient, opt_state, player_params)
    return optax.apply_updates(player_params, updates), opt_state


def apply_updates(optimizers: Pair, gradients: Pair, opt_state: Pair, params: Pair):
    """One optax update of each player: ``(new_params, new_opt_state)``, both ``Pair``s."""
    new_g, opt_g = apply_player_update(optimizers.g, gradients.g, opt_state.g, params.g)
    new_d, opt_d = apply_player_update(optimizers.d, gradients.d, opt_state.d, params.d)
    return Pair(new_g, new_d), Pair(opt_g, opt_d)


def init_optimizers(optimizers: Pair, params: Pair) -> Pair:
    """Each player's optax state."""
    return Pair(optimizers.g.init(params.g), optimizers.d.init(params.d))


def loss_metrics(losses: Pair) -> dict:
    return {"loss_g": losses.g, "loss_d": losses.d}
