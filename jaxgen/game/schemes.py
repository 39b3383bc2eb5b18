"""The basic schemes of two-player gradient play: simultaneous and alternating updates.

Both players take gradient steps on their own loss. With plain gradient steps of size η on
the bilinear game V(x, y) = x·y (x minimizes, y maximizes):

- simultaneous: ``(x, y) ← (x − η·y, y + η·x)``, which multiplies x² + y² by exactly 1 + η²
  per step: the iterates spiral out (Mescheder et al. 2017, "The Numerics of GANs", §3;
  Gidel et al. 2019, "Negative Momentum for Improved Game Dynamics", Thm. 1);
- alternating, discriminator first: ``y ← y + η·x`` then ``x ← x − η·y``, which conserves
  x² + y² + η·x·y: the iterates stay on an ellipse (Gidel et al. 2019, §3; Bailey et al. 2020,
  "Finite Regret and Cycles with Fixed Step-Size via Alternating Gradient Descent-Ascent").
"""

from typing import NamedTuple

import jax

from jaxgen.game.base import (
    Rule,
    apply_player_update,
    loss_metrics,
    optimizer_pair,
    player_gradient,
)
from jaxgen.types import Pair


class SchemeState(NamedTuple):
    """The optax state of each player."""

    opt_state: Pair


def _init(optimizers):
    def init(params):
        return SchemeState(Pair(optimizers.g.init(params.g), optimizers.d.init(params.d)))

    return init


def simultaneous(optimizer) -> Rule:
    """Both players step from the same point with the same randomness (one key).

    Args:
      optimizer: an optax optimizer for both players, or a ``Pair`` of them.
    """
    optimizers = optimizer_pair(optimizer)

    def step(game, params, model_state, rule_state, batch, key):
        grad_g, _, _, _ = player_gradient(game, "g", params, model_state, batch, key)
        # The two evaluations are the same call, so they return the same model state.
        grad_d, losses, new_model_state, metrics = player_gradient(
            game, "d", params, model_state, batch, key
        )
        new_g, opt_g = apply_player_update(optimizers.g, grad_g, rule_state.opt_state.g, params.g)
        new_d, opt_d = apply_player_update(optimizers.d, grad_d, rule_state.opt_state.d, params.d)
        metrics = {**metrics, **loss_metrics(losses)}
        return Pair(new_g, new_d), new_model_state, SchemeState(Pair(opt_g, opt_d)), metrics

    return Rule(_init(optimizers), step)


def alternating(optimizer, d_steps: int = 1, g_steps: int = 1, *, d_first: bool = True) -> Rule:
    """``d_steps`` discriminator updates, then ``g_steps`` generator updates (GAN convention).

    Each update draws its own key. With ``d_steps > 1`` the batch carries ``d_steps`` batches
    stacked on a leading axis ``[d_steps, B, ...]``, one per discriminator update; the
    generator updates reuse the last of them. ``d_first=False`` moves the generator first.

    Args:
      optimizer: an optax optimizer for both players, or a ``Pair`` of them.
      d_steps: discriminator updates per step (WGAN's critic iterations).
      g_steps: generator updates per step.
      d_first: whether the discriminator moves first.
    """
    if d_steps < 1 or g_steps < 1:
        raise ValueError(f"d_steps and g_steps must be >= 1, got {d_steps} and {g_steps}")
    optimizers = optimizer_pair(optimizer)

    def player_steps(player, game, params, model_state, opt_state, batches, key):
        """One update of ``player`` per batch in the list ``batches``.

        A Python loop, not ``lax.scan``: XLA's CPU backend runs the convolutions of a loop
        body many times slower, even with ``unroll`` (benchmarks/conv_transpose.py), and the
        step counts of GAN rules are small.
        """
        optimizer = getattr(optimizers, player)
        for batch, step_key in zip(batches, jax.random.split(key, len(batches)), strict=True):
            grad, losses, model_state, metrics = player_gradient(
                game, player, params, model_state, batch, step_key
            )
            own, opt_state = apply_player_update(
                optimizer, grad, opt_state, getattr(params, player)
            )
            params = params._replace(**{player: own})
        return params, model_state, opt_state, (getattr(losses, player), metrics)

    def step(game, params, model_state, rule_state, batch, key):
        if d_steps > 1:
            d_batches = [jax.tree.map(lambda x, i=i: x[i], batch) for i in range(d_steps)]
        else:
            d_batches = [batch]
        inputs = {"d": d_batches, "g": [d_batches[-1]] * g_steps}
        opt_state = rule_state.opt_state
        metrics, losses = {}, {}
        order = ("d", "g") if d_first else ("g", "d")
        for player, player_key in zip(order, jax.random.split(key), strict=True):
            params, model_state, player_opt, (loss, player_metrics) = player_steps(
                player,
                game,
                params,
                model_state,
                getattr(opt_state, player),
                inputs[player],
                player_key,
            )
            opt_state = opt_state._replace(**{player: player_opt})
            losses[player] = loss
            metrics.update(player_metrics)
        metrics.update(loss_metrics(Pair(**losses)))
        return params, model_state, SchemeState(opt_state), metrics

    return Rule(_init(optimizers), step)
