"""``ema`` against a numpy recursion over the same trajectory, in float64."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxgen import Pair
from jaxgen.game import alternating, bilinear, ema, rollout, simultaneous


@pytest.fixture(autouse=True)
def float64():
    with jax.enable_x64(True):
        yield


@pytest.mark.parametrize("inner", [simultaneous, alternating])
def test_ema_averages_the_trajectory_and_leaves_it_unchanged(inner):
    decay, steps = 0.9, 30
    game, key = bilinear(), jax.random.PRNGKey(0)
    start = Pair(jnp.array([1.0, -2.0]), jnp.array([0.5, 0.25]))
    rule = ema(inner(optax.sgd(0.1)), decay)
    params, state, trajectory = start, rule.init(start), [start]
    for t in range(steps):
        params, _, state, _ = rule.step(game, params, None, state, None, jax.random.fold_in(key, t))
        trajectory.append(params)
    # The wrapped rule's trajectory is the plain rule's (up to jit-vs-eager rounding) ...
    plain = rollout(game, inner(optax.sgd(0.1)), start, steps, key=key)
    np.testing.assert_allclose(params.g, plain.g[-1], rtol=1e-7)
    # ... and the average follows θ̄_t = d_t θ̄_{t−1} + (1 − d_t) θ_t, d_t = min(decay, (1+t)/(10+t)).
    for player in ("g", "d"):
        trajectory_of_player = np.asarray([getattr(p, player) for p in trajectory])
        mean = trajectory_of_player[0]
        for t in range(1, steps + 1):
            d = min(decay, (1 + t) / (10 + t))
            mean = d * mean + (1 - d) * trajectory_of_player[t]
        np.testing.assert_allclose(getattr(state.average, player), mean, rtol=1e-12)
    assert int(state.count) == steps


def test_ema_decay_out_of_range_is_refused():
    with pytest.raises(ValueError, match="decay"):
        ema(simultaneous(optax.sgd(0.1)), 1.0)
