"""``ema`` against a numpy recursion over the same trajectory, and ``lookahead`` against its
closed form, in float64.

lookahead(k, α) around simultaneous SGD on V = x·y: in w = x + iy one fast step is
w ← (1 + iη)·w, so after k fast steps from the slow weights φ, θ = (1 + iη)^k·φ and the
synchronization gives φ ← φ + α(θ − φ) = (1 − α + α(1 + iη)^k)·φ. Between synchronizations the
fast weights are (1 + iη)^j·φ, j = 1..k−1.
"""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxgen import Pair
from jaxgen.game import alternating, bilinear, ema, lookahead, rollout, simultaneous


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


@pytest.mark.parametrize("k, alpha", [(5, 0.5), (3, 1.0), (1, 0.3)])
def test_lookahead_follows_its_closed_form(k, alpha):
    eta, syncs = 0.1, 12
    rule = lookahead(simultaneous(optax.sgd(eta)), k, alpha)
    xs = rollout(bilinear(), rule, Pair(jnp.float64(1.0), jnp.float64(0.5)), k * syncs)
    w = np.asarray(xs.g) + 1j * np.asarray(xs.d)
    slow = 1 + 0.5j
    for sync in range(syncs):
        for j in range(1, k):
            np.testing.assert_allclose(w[sync * k + j], (1 + 1j * eta) ** j * slow, rtol=1e-12)
        slow = (1 - alpha + alpha * (1 + 1j * eta) ** k) * slow
        np.testing.assert_allclose(w[(sync + 1) * k], slow, rtol=1e-12)


def test_lookahead_makes_diverging_simultaneous_play_converge():
    factor = abs(0.5 + 0.5 * (1 + 0.1j) ** 5)  # per synchronization; < 1
    xs = rollout(bilinear(), lookahead(simultaneous(optax.sgd(0.1)), 5, 0.5), Pair(1.0, 0.5), 500)
    assert factor < 1
    np.testing.assert_allclose(
        np.hypot(xs.g[-1], xs.d[-1]), np.hypot(1.0, 0.5) * factor**100, rtol=1e-9
    )


def test_wrappers_refuse_bad_arguments():
    with pytest.raises(TypeError, match="wraps a Rule"):
        lookahead(bilinear(), 5, 0.5)
    with pytest.raises(ValueError, match="k >= 1"):
        lookahead(simultaneous(optax.sgd(0.1)), 0, 0.5)
    with pytest.raises(ValueError, match="alpha"):
        lookahead(simultaneous(optax.sgd(0.1)), 5, 0.0)
