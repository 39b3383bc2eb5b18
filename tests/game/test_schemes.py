"""The four schemes on the bilinear game, against closed forms.

V(x, y) = x·y, x minimizes and y maximizes: the field is ξ = (∂_x V, −∂_y V) = (y, −x). In the
complex coordinate w = x + iy, ξ = y − ix = −i·w, so a gradient step w ← w − η·ξ is
w ← (1 + iη)·w. With plain gradient steps of size η:
- simultaneous: |w| × |1 + iη| = √(1 + η²) per step, so x² + y² × (1 + η²) exactly;
- alternating, y (discriminator) first: y₁ = y + ηx, x₁ = x − ηy₁. Then
  x₁² + y₁² + η·x₁·y₁ = x² + y² + η·x·y (expand), so the iterates stay on an ellipse, which is
  bounded for η < 2 (the quadratic form is positive definite iff η² < 4); x first: the same
  with −η·x·y (Gidel et al. 2019, §3);
- extragradient: w_½ = (1 + iη)·w, w₁ = w + iη·w_½ = (1 − η² + iη)·w, so the radius is
  multiplied by |1 − η² + iη| = √(1 − η² + η⁴) per step;
- optimistic: w_{t+1} = w_t + iη·(2w_t − w_{t−1}), i.e. w_{t+1} = (1 + 2iη)·w_t − iη·w_{t−1},
  with w₁ = (1 + iη)·w₀ (no past at the first step). The solutions are combinations of z^t for
  the roots z of z² − (1 + 2iη)·z + iη, so the rate is the largest root modulus: ≈ 0.99494 at
  η = 0.1, < 1 (converging) for η ≤ 1/2, > 1 (diverging) above 1/√3.
"""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxgen import Pair
from jaxgen.game import alternating, bilinear, extragradient, optimistic, rollout, simultaneous


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


def test_alternating_is_bounded_below_step_two():
    for eta in (0.5, 1.9):
        x, y = trajectory(alternating(optax.sgd(eta)))
        energy0 = 1.0 + 0.25 + eta * 0.5  # x² + y² + η·x·y at the start (1, 0.5)
        # On the ellipse x² + y² + ηxy = E, x² + y² ≤ E / (1 − η/2) (smallest eigenvalue).
        assert np.max(x**2 + y**2) <= energy0 / (1 - eta / 2) * (1 + 1e-12)


def test_extragradient_contracts_by_the_closed_form_rate():
    x, y = trajectory(extragradient(optax.sgd(ETA)))
    norms = x**2 + y**2
    np.testing.assert_allclose(norms[1:] / norms[:-1], 1 - ETA**2 + ETA**4, rtol=1e-13)


def optimistic_recurrence(eta, w0, steps):
    """w₁ = (1 + iη)w₀, w_{t+1} = (1 + 2iη)w_t − iη·w_{t−1} (module docstring)."""
    w = [w0, (1 + 1j * eta) * w0]
    for _ in range(steps - 1):
        w.append((1 + 2j * eta) * w[-1] - 1j * eta * w[-2])
    return np.array(w)


def largest_root(eta):
    return np.max(np.abs(np.roots([1, -(1 + 2j * eta), 1j * eta])))


def test_optimistic_follows_its_recurrence_and_rate():
    steps = 2000
    xs = rollout(bilinear(), optimistic(optax.sgd(ETA)), Pair(1.0, 0.5), steps)
    w = np.asarray(xs.g) + 1j * np.asarray(xs.d)
    np.testing.assert_allclose(w, optimistic_recurrence(ETA, 1 + 0.5j, steps), rtol=1e-10)
    np.testing.assert_allclose(largest_root(ETA), 0.99494, atol=1e-5)
    # The smaller root (≈ 0.1) has died out: the radius shrinks by the largest root modulus.
    np.testing.assert_allclose(np.abs(w[-1]) / np.abs(w[-2]), largest_root(ETA), rtol=1e-9)


@pytest.mark.parametrize("eta", [0.05, 0.3, 0.5, 0.6, 0.8])
def test_optimistic_converges_up_to_one_half_and_diverges_above_one_over_root_three(eta):
    xs = rollout(bilinear(), optimistic(optax.sgd(eta)), Pair(1.0, 0.5), 200)
    radius = np.hypot(np.asarray(xs.g), np.asarray(xs.d))
    # The growth rate over the last 100 steps (at η = 1/2 both roots have modulus 1/√2, so
    # single-step ratios oscillate; their geometric mean does not).
    np.testing.assert_allclose(
        (radius[-1] / radius[-101]) ** (1 / 100), largest_root(eta), rtol=0.02
    )
    if eta <= 0.5:
        assert largest_root(eta) < 1 and radius[-1] < radius[0]
    if eta > 1 / np.sqrt(3):
        assert largest_root(eta) > 1 and radius[-1] > radius[0]


def momentum_map(eta, beta, scheme):
    """The linear map of (x, y, m_x, m_y) under SGD with momentum β (optax: m ← ξ + β·m,
    θ ← θ − η·m) on V = x·y, where ξ = (y, −x).

    simultaneous: m_x' = y + β·m_x, m_y' = −x + β·m_y, x' = x − η·m_x', y' = y − η·m_y'.
    alternating (y first): m_y' = −x + β·m_y, y' = y − η·m_y', then m_x' = y' + β·m_x,
    x' = x − η·m_x'. Each line is linear in the state, so we compose elementary matrices.
    """

    def row_update(matrix, row, coefficients):
        out = np.eye(4)
        out[row] = coefficients
        return out @ matrix

    x, y, mx, my = range(4)
    if scheme == "simultaneous":
        m = np.eye(4)
        m[mx] = [0, 1, beta, 0]
        m[my] = [-1, 0, 0, beta]
        m[x] = np.eye(4)[x] - eta * m[mx]
        m[y] = np.eye(4)[y] - eta * m[my]
        return m
    m = row_update(np.eye(4), my, [-1, 0, 0, beta])
    m = row_update(m, y, [0, 1, 0, -eta])
    m = row_update(m, mx, [0, 1, beta, 0])
    return row_update(m, x, [1, 0, -eta, 0])


@pytest.mark.parametrize("scheme", ["simultaneous", "alternating"])
def test_negative_momentum_converges_only_with_alternating_updates(scheme):
    """Gidel et al. 2019, "Negative Momentum for Improved Game Dynamics", Thm. 3 and §5."""
    eta, beta, steps = 0.3, -0.5, 300
    rule = {"simultaneous": simultaneous, "alternating": alternating}[scheme]
    xs = rollout(bilinear(), rule(optax.sgd(eta, momentum=beta)), Pair(1.0, 0.5), steps)
    state = np.array([1.0, 0.5, 0.0, 0.0])
    m = momentum_map(eta, beta, scheme)
    for t in range(1, steps + 1):
        state = m @ state
        if t in (1, 2, steps):
            np.testing.assert_allclose([xs.g[t], xs.d[t]], state[:2], rtol=1e-9, atol=1e-14)
    spectral_radius = np.max(np.abs(np.linalg.eigvals(m)))
    final_radius = np.hypot(xs.g[-1], xs.d[-1])
    if scheme == "alternating":
        assert spectral_radius < 1 and final_radius < 0.05 * np.hypot(1.0, 0.5)
    else:
        assert spectral_radius > 1 and final_radius > 2 * np.hypot(1.0, 0.5)


@pytest.mark.parametrize("scheme", [simultaneous, alternating, extragradient, optimistic])
def test_every_scheme_runs_adam_with_one_state_per_player(scheme):
    rule = scheme(Pair(optax.adam(0.01), optax.sgd(0.1, momentum=0.9)))
    start = Pair(jnp.array([1.0, -1.0]), jnp.array([0.5, 0.25]))
    state = rule.init(start)
    assert jax.tree.structure(state.opt_state.g) == jax.tree.structure(
        optax.adam(0.01).init(start.g)
    )
    xs = rollout(bilinear(), rule, start, 10)
    assert np.all(np.isfinite(xs.g)) and not np.allclose(xs.g[-1], xs.g[0])


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


@pytest.mark.parametrize("d_first", [True, False])
def test_alternating_reports_the_discriminators_own_diagnostics(d_first):
    """D's metrics come from D's last evaluation (before its update), whichever moves first.

    On L_g = g·d = −L_d from (g, d) = (1, 2) with SGD(0.5): d first evaluates D at (1, 2) and
    G at (1, 2.5); g first evaluates G at (1, 2) and D at (0, 2). D saw d = 2 both times.
    """

    def game(params, model_state, batch, key):
        losses = Pair(params.g * params.d, -params.g * params.d)
        return losses, (model_state, {"d_seen": params.d, "g_seen": params.g})

    rule = alternating(optax.sgd(0.5), d_first=d_first)
    start = Pair(jnp.asarray(1.0), jnp.asarray(2.0))
    _, _, _, metrics = rule.step(game, start, None, rule.init(start), None, jax.random.PRNGKey(0))
    assert float(metrics["d_seen"]) == 2.0
    assert float(metrics["g_seen"]) == (1.0 if d_first else 0.0)
