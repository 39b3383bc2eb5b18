"""Wrappers: rule → rule.

``lookahead(rule, k, alpha)`` (Zhang et al. 2019, "Lookahead Optimizer: k steps forward, 1 step
back"; for games: Chavdarova et al. 2021, "Taming GANs with Lookahead-Minmax", Algorithm 1)
keeps slow weights φ of the joint parameters of both players. The inner rule takes k fast steps
from φ; then

    φ ← φ + α·(θ − φ),     θ ← φ.

On a game whose k fast steps act linearly, θ_k = M^k·φ, the slow weights follow the map
(1 − α)·I + α·M^k: on V = x·y with simultaneous SGD, M = (1 + iη) in the complex coordinate
x + iy, and lookahead contracts whenever |1 − α + α·(1 + iη)^k| < 1. The inner rule's state
(optimizer moments, ...) carries on across synchronizations.

``ema(rule, decay)`` keeps an exponential moving average of both players' parameters
beside the rule's own state (Polyak averaging; for GANs: Yazıcı et al. 2019, "The Unusual
Effectiveness of Averaging in GAN Training"; Karras et al. 2018 sample from the averaged
generator). After update t, with θ_t the parameters of the inner rule,

    θ̄_t = d_t · θ̄_{t−1} + (1 − d_t) · θ_t,     d_t = min(decay, (1 + t) / (10 + t)),   θ̄_0 = θ_0

The warm-up d_t (TensorFlow's ``ExponentialMovingAverage(num_updates=t)``) keeps the early
average from being dominated by the random initialization. The inner rule never sees the
average: training is unchanged, and the average is read from ``rule_state.average``.
"""

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from jaxgen.game.base import Rule
from jaxgen.types import Pair


class EmaState(NamedTuple):
    inner: Any  # the wrapped rule's state
    average: Pair  # θ̄, the moving average of the parameters
    count: jax.Array  # t, number of updates so far


def _check_rule(rule, wrapper):
    if not isinstance(rule, Rule):
        raise TypeError(
            f"{wrapper} wraps a Rule such as simultaneous(optax.sgd(0.1)), got {type(rule)}; "
            "to change a game, use a transform (consensus, sga, unrolled)"
        )


def ema_decay(decay: float, count: jax.Array) -> jax.Array:
    """d_t of the module docstring."""
    count = count.astype(jnp.result_type(float))  # float64 under jax_enable_x64
    return jnp.minimum(decay, (1.0 + count) / (10.0 + count))


def ema(rule: Rule, decay: float = 0.999) -> Rule:
    """``rule`` plus a moving average of the parameters (see the module docstring)."""
    _check_rule(rule, "ema")
    if not 0.0 <= decay < 1.0:
        raise ValueError(f"ema decay must be in [0, 1), got {decay}")

    def init(params):
        return EmaState(rule.init(params), params, jnp.zeros((), jnp.int32))

    def step(game, params, model_state, rule_state, batch, key):
        params, model_state, inner, metrics = rule.step(
            game, params, model_state, rule_state.inner, batch, key
        )
        count = rule_state.count + 1
        d = ema_decay(decay, count)
        average = jax.tree.map(
            lambda mean, x: (d * mean + (1 - d) * x).astype(x.dtype), rule_state.average, params
        )
        return params, model_state, EmaState(inner, average, count), metrics

    return Rule(init, step)


class LookaheadState(NamedTuple):
    inner: Any  # the wrapped rule's state
    slow: Pair  # φ, the slow weights
    count: jax.Array  # fast steps taken so far


def lookahead(rule: Rule, k: int = 5, alpha: float = 0.5) -> Rule:
    """``rule`` with lookahead on the joint parameters (see the module docstring).

    Args:
      rule: the inner (fast) rule.
      k: fast steps between synchronizations (≥ 1).
      alpha: the slow weights' step towards the fast ones, in (0, 1].
    """
    _check_rule(rule, "lookahead")
    if int(k) != k or k < 1:
        raise ValueError(f"lookahead needs k >= 1 fast steps, got {k}")
    if not 0.0 < alpha <= 1.0:
        raise ValueError(f"lookahead alpha must be in (0, 1], got {alpha}")

    def init(params):
        return LookaheadState(rule.init(params), params, jnp.zeros((), jnp.int32))

    def step(game, params, model_state, rule_state, batch, key):
        fast, model_state, inner, metrics = rule.step(
            game, params, model_state, rule_state.inner, batch, key
        )
        count = rule_state.count + 1
        synchronize = count % k == 0
        slow = jax.tree.map(
            lambda phi, theta: jnp.where(synchronize, phi + alpha * (theta - phi), phi).astype(
                phi.dtype
            ),
            rule_state.slow,
            fast,
        )
        params = jax.tree.map(lambda phi, theta: jnp.where(synchronize, phi, theta), slow, fast)
        return params, model_state, LookaheadState(inner, slow, count), metrics

    return Rule(init, step)
