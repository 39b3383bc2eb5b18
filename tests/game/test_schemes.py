"""Simultaneous and alternating gradient play on the bilinear game, against closed forms.

With plain gradient steps of size η on V(x, y) = x·y (Gidel et al. 2019, §3):
- simultaneous: x² + y² is multiplied by exactly 1 + η² per step;
- alternating, y (discriminator) first: x² + y² + η·x·y is conserved;
- alternating, x (generator) first: x² + y² − η·x·y is conserved.
"""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxgen import Pair
from jaxgen.game import alternating, bilinear, rollout, simultaneous


@pytest.fixture(autouse=True)
def float64():
    with jax.enable_x64(True):
        yield


ETA = 0.1
STEPS = 50


def trajectory(rule):
    start = Pair(jnp.float64(1.0), jnp.float64(0.5))
    xs = rollout(bilinear(), rule, start, STEPS)
    return np.asarray(xs.g), np.asarray(xs.d)


def test_simultaneous_multiplies_the_squared_norm_by_one_plus_eta_squared():
    x, y = trajectory(simultaneous(optax.sgd(ETA)))
    norms = x**2 + y**2
    np.testing.assert_allclose(norms[1:] / norms[:-1], 1 + ETA**2, rtol=1e-13)


@pytest.mark.parametrize("d_first, sign", [(True, 1.0), (False, -1.0)])
def test_alternating_conserves_the_modified_energy(d_first, sign):
    x, y = trajectory(alternating(optax.sgd(ETA), d_first=d_first))
    energy = x**2 + y**2 + sign * ETA * x * y
    np.testing.assert_allclose(energy, energy[0], rtol=1e-13)
    # ... while the plain squared norm does change: the check above is not vacuous.
    assert np.ptp(x**2 + y**2) > 1e-3


def test_alternating_moves_the_discriminator_first():
    x, y = trajectory(alternating(optax.sgd(ETA)))
    y1 = 0.5 + ETA * 1.0  # y ← y + η·x at the old x
    x1 = 1.0 - ETA * y1  # x ← x − η·y at the new y
    np.testing.assert_allclose([x[1], y[1]], [x1, y1], rtol=1e-15)


def test_each_player_has_its_own_optimizer():
    x, y = trajectory(simultaneous(Pair(optax.sgd(ETA), optax.sgd(0.0))))
    np.testing.assert_array_equal(y, 0.5)  # d's step size is 0: it never moves
    np.testing.assert_allclose(x, 1.0 - ETA * 0.5 * np.arange(STEPS + 1), atol=1e-13)


def test_matrix_bilinear_game_follows_the_linear_map():
    A = jnp.array([[2.0, 0.0], [1.0, 1.0]])
    start = Pair(jnp.array([1.0, -1.0]), jnp.array([0.5, 0.25]))
    xs = rollout(bilinear(A), simultaneous(optax.sgd(ETA)), start, 3)
    x, y = np.asarray(start.g), np.asarray(start.d)
    for t in range(1, 4):
        x, y = x - ETA * (np.asarray(A) @ y), y + ETA * (np.asarray(A).T @ x)
        np.testing.assert_allclose(xs.g[t], x, rtol=1e-13)
        np.testing.assert_allclose(xs.d[t], y, rtol=1e-13)


def quadratic_with_batch(params, model_state, batch, key):
    """L_g = (g − mean(batch))², L_d = (d + g)²: records which batch each update saw."""
    del key
    target = jnp.mean(batch["x"])
    return Pair((params.g - target) ** 2, (params.d + params.g) ** 2), (model_state, {})


def test_alternating_d_steps_use_one_stacked_batch_each():
    rule = alternating(optax.sgd(0.25), d_steps=3, g_steps=2)
    params = Pair(jnp.float64(0.0), jnp.float64(1.0))
    batch = {"x": jnp.array([[1.0], [2.0], [3.0]])}  # [d_steps, B=1]
    new, _, _, metrics = rule.step(
        quadratic_with_batch, params, None, rule.init(params), batch, jax.random.PRNGKey(0)
    )
    d, g = 1.0, 0.0
    for _ in range(3):  # d ← d − 0.25·2(d + g)
        d -= 0.25 * 2 * (d + g)
    for _ in range(2):  # g ← g − 0.25·2(g − 3): the generator sees the last batch
        g -= 0.25 * 2 * (g - 3.0)
    np.testing.assert_allclose([new.g, new.d], [g, d], rtol=1e-15)
    assert set(metrics) >= {"loss_g", "loss_d"}


def test_bad_step_counts_are_refused():
    with pytest.raises(ValueError, match="d_steps"):
        alternating(optax.sgd(0.1), d_steps=0)
