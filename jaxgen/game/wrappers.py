"""Wrappers: rule → rule.

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


def ema_decay(decay: float, count: jax.Array) -> jax.Array:
    """d_t of the module docstring."""
    count = count.astype(jnp.result_type(float))  # float64 under jax_enable_x64
    return jnp.minimum(decay, (1.0 + count) / (10.0 + count))


def ema(rule: Rule, decay: float = 0.999) -> Rule:
    """``rule`` plus a moving average of the parameters (see the module docstring)."""
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
