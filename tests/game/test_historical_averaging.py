"""``historical_averaging`` against numpy, in float64.

- Its state after t calls holds t and the numpy mean of the first t params (the current one
  included), and it adds 2·w·(θ_t − θ̄_t) to the updates.
- Chained with optax.sgd on a scalar it follows the hand-written recursion
  θ_{t+1} = θ_t − η·(∇f(θ_t) + 2w·(θ_t − mean(θ_1..θ_t))).
- On the paper's game V = (f(x) − 1)(y − 1), f(x) = x for x < 0 and x² otherwise (§3.3),
  simultaneous SGD diverges and historical averaging converges to the equilibrium (1, 1).
"""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxgen import Pair
from jaxgen.game import rollout, simultaneous
from jaxgen.game.historical_averaging import HistoricalAveragingState, historical_averaging


@pytest.fixture(autouse=True)
def float64():
    with jax.enable_x64(True):
        yield


def test_state_is_the_mean_of_the_params_seen():
    weight, steps = 0.3, 5
    rng = np.random.default_rng(0)
    sequence = [{"w": rng.normal(size=(2, 3)), "b": rng.normal(size=(3,))} for _ in range(steps)]
    transform = historical_averaging(weight)
    state = transform.init(jax.tree.map(jnp.asarray, sequence[0]))
    assert isinstance(state, HistoricalAveragingState) and int(state.count) == 0
    update = jax.jit(transform.update)
    for t in range(1, steps + 1):
        params = jax.tree.map(jnp.asarray, sequence[t - 1])
        gradient = jax.tree.map(jnp.ones_like, params)
        updates, state = update(gradient, state, params)
        assert int(state.count) == t
        for name in ("w", "b"):
            mean = np.mean([p[name] for p in sequence[:t]], axis=0)
            np.testing.assert_allclose(state.average[name], mean, rtol=1e-12, atol=1e-15)
            expected = 1 + 2 * weight * (sequence[t - 1][name] - mean)
            np.testing.assert_allclose(updates[name], expected, rtol=1e-12)
            if t == 1:  # θ̄_1 = θ_1: the first call adds nothing
                np.testing.assert_array_equal(updates[name], 1.0)


def test_chained_with_sgd_follows_the_hand_written_recursion():
    weight, lr, steps = 0.5, 0.1, 3

    def loss(theta):
        return (theta - 2.0) ** 2 + jnp.sin(theta)

    optimizer = optax.chain(historical_averaging(weight), optax.sgd(lr))
    theta = jnp.asarray(0.7)
    state = optimizer.init(theta)
    expected, history = 0.7, []
    for _ in range(steps):
        updates, state = optimizer.update(jax.grad(loss)(theta), state, theta)
        theta = optax.apply_updates(theta, updates)

        history.append(expected)
        gradient = 2 * (expected - 2.0) + np.cos(expected)
        expected = expected - lr * (gradient + 2 * weight * (expected - np.mean(history)))
        np.testing.assert_allclose(theta, expected, rtol=1e-14)
    assert len(set(history)) == steps  # the penalty mattered: θ̄ ≠ θ after the first step
    np.testing.assert_allclose(state[0].average, np.mean(history), rtol=1e-14)


def test_needs_params_and_a_non_negative_weight():
    transform = historical_averaging(1.0)
    state = transform.init(jnp.zeros(3))
    with pytest.raises(ValueError, match="params"):
        transform.update(jnp.ones(3), state)
    with pytest.raises(ValueError, match="weight"):
        historical_averaging(-0.1)


def paper_game(params, model_state, batch, key):
    """V(x, y) = (f(x) − 1)(y − 1) of §3.3: x minimizes, y maximizes; equilibrium (1, 1)."""
    del batch, key
    x, y = params.g, params.d
    value = (jnp.where(x < 0, x, x**2) - 1) * (y - 1)
    return Pair(value, -value), (model_state, {})


def test_finds_the_equilibrium_of_the_papers_game():
    start = Pair(jnp.asarray(0.5), jnp.asarray(0.5))
    plain = rollout(paper_game, simultaneous(optax.sgd(0.1)), start, 1500, every=1500)
    final = np.array([plain.g[-1], plain.d[-1]])
    assert not np.all(np.abs(final - 1) < 0.5)  # diverges (to inf or nan) without the penalty
    averaged = rollout(
        paper_game,
        simultaneous(optax.chain(historical_averaging(0.5), optax.sgd(0.1))),
        start,
        1500,
        every=1500,
    )
    np.testing.assert_allclose([averaged.g[-1], averaged.d[-1]], [1.0, 1.0], atol=0.02)
