"""Schemes of two-player gradient play: simultaneous, alternating, extragradient, optimistic.

Each player takes steps of its own optax optimizer on its own loss; the schemes differ in which
point each gradient is taken at. With plain gradient steps of size η on the bilinear game
V(x, y) = x·y (x minimizes, y maximizes; in the complex coordinate w = x + iy the field is
v = −i·w, so a gradient step is w ← w + iη·w):

- simultaneous: ``(x, y) ← (x − η·y, y + η·x)``, which multiplies x² + y² by exactly 1 + η²
  per step: the iterates spiral out (Mescheder et al. 2017, "The Numerics of GANs", §3;
  Gidel et al. 2019, "Negative Momentum for Improved Game Dynamics", Thm. 1);
- alternating, discriminator first: ``y ← y + η·x`` then ``x ← x − η·y``, which conserves
  x² + y² + η·x·y: the iterates stay on an ellipse (Gidel et al. 2019, §3; Bailey et al. 2020,
  "Finite Regret and Cycles with Fixed Step-Size via Alternating Gradient Descent-Ascent");
- extragradient: ``w ← w + iη·(w + iη·w) = (1 − η² + iη)·w``, which multiplies the radius by
  √(1 − η² + η⁴) < 1 per step: it converges (Korpelevich 1976; Gidel et al. 2019, "A
  Variational Inequality Perspective on Generative Adversarial Networks");
- optimistic (OGDA): ``w_{t+1} = w_t + iη·(2w_t − w_{t−1})``, whose characteristic polynomial
  z² − (1 + 2iη)·z + iη has a largest root of modulus ≈ 0.9949 at η = 0.1 (Daskalakis et al.
  2018, "Training GANs with Optimism").
"""

from typing import NamedTuple

import jax
import jax.numpy as jnp

from jaxgen.game.base import (
    Rule,
    apply_player_update,
    apply_updates,
    gradient_field,
    init_optimizers,
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
        return SchemeState(init_optimizers(optimizers, params))

    return init


def simultaneous(optimizer) -> Rule:
    """Both players step from the same point with the same randomness (one key).

    Args:
      optimizer: an optax optimizer for both players, or a ``Pair`` of them.
    """
    optimizers = optimizer_pair(optimizer)

    def step(game, params, model_state, rule_state, batch, key):
        field, losses, model_state, metrics = gradient_field(game, params, model_state, batch, key)
        params, opt_state = apply_updates(optimizers, field, rule_state.opt_state, params)
        return params, model_state, SchemeState(opt_state), {**metrics, **loss_metrics(losses)}

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

    The metrics are those of the discriminator's last evaluation (before its last update), with
    what only the generator's evaluation reports added, and both players' last losses.
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
        per_player, losses = {}, {}
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
            per_player[player] = player_metrics
        # The discriminator's diagnostics (D(x), D(G(z)), its penalty) are those of its own last
        # evaluation, as GAN training logs show them; the generator's evaluation adds the rest.
        metrics = {**per_player["g"], **per_player["d"], **loss_metrics(Pair(**losses))}
        return params, model_state, SchemeState(opt_state), metrics

    return Rule(_init(optimizers), step)


def extragradient(optimizer) -> Rule:
    """Both players extrapolate from the same point, then update from it with the field there.

        θ_{t+½} = θ_t + u(v(θ_t)),    θ_{t+1} = θ_t + u(v(θ_{t+½}))

    where u is each player's optax update. The optimizer state advances at both half-steps, as
    in Extra-Adam (Gidel et al. 2019, Algorithm 4); with plain SGD this is Korpelevich's
    extragradient. Both evaluations use the same batch and key. Costs two field evaluations.

    Args:
      optimizer: an optax optimizer for both players, or a ``Pair`` of them.
    """
    optimizers = optimizer_pair(optimizer)

    def step(game, params, model_state, rule_state, batch, key):
        field, _, model_state, _ = gradient_field(game, params, model_state, batch, key)
        ahead, opt_state = apply_updates(optimizers, field, rule_state.opt_state, params)
        field, losses, model_state, metrics = gradient_field(game, ahead, model_state, batch, key)
        params, opt_state = apply_updates(optimizers, field, opt_state, params)
        return params, model_state, SchemeState(opt_state), {**metrics, **loss_metrics(losses)}

    return Rule(_init(optimizers), step)


class OptimisticState(NamedTuple):
    """Each player's optax state, the previous field and the number of steps taken."""

    opt_state: Pair
    previous: Pair
    count: jax.Array


def optimistic(optimizer) -> Rule:
    """Optimistic gradient descent–ascent: the optimizer receives ``2·v_t − v_{t−1}``.

    Daskalakis, Ilyas, Syrgkanis & Zeng 2018, "Training GANs with Optimism", Eq. 3: with SGD,
    θ_{t+1} = θ_t − η·(2·v(θ_t) − v(θ_{t−1})). The first step has no past and takes
    ``v_{−1} = v_0``, a plain gradient step. Any optax optimizer consumes the optimistic field
    (with Adam this differs from the paper's Optimistic Adam, which applies optimism to Adam's
    update rather than to the gradient). One field evaluation per step.

    Args:
      optimizer: an optax optimizer for both players, or a ``Pair`` of them.
    """
    optimizers = optimizer_pair(optimizer)

    def init(params):
        zeros = jax.tree.map(jnp.zeros_like, params)
        return OptimisticState(init_optimizers(optimizers, params), zeros, jnp.zeros((), jnp.int32))

    def step(game, params, model_state, rule_state, batch, key):
        field, losses, model_state, metrics = gradient_field(game, params, model_state, batch, key)
        first = rule_state.count == 0
        optimistic_field = jax.tree.map(
            lambda now, before: 2 * now - jnp.where(first, now, before), field, rule_state.previous
        )
        params, opt_state = apply_updates(
            optimizers, optimistic_field, rule_state.opt_state, params
        )
        state = OptimisticState(opt_state, field, rule_state.count + 1)
        return params, model_state, state, {**metrics, **loss_metrics(losses)}

    return Rule(init, step)
