"""consensus, sga and unrolled against their closed-form linear maps, in float64.

On V(x, y) = x·y the field is ξ = (y, −x) and the game Jacobian J = [[0, 1], [−1, 0]] is
antisymmetric, so Jᵀξ = (x, y) and Aᵀξ = ½(Jᵀ − J)ξ = Jᵀξ = (x, y):
- consensus(γ): each loss plus γ/2·(x² + y²), so the field is (y + γx, −x + γy), and a plain
  gradient step of size η is the map [[1 − ηγ, −η], [η, 1 − ηγ]]: the radius is multiplied by
  √((1 − ηγ)² + η²) per step;
- sga(λ): ξ + λ·Aᵀξ = (y + λx, −x + λy), the same map with γ = λ; with ``align`` the sign is
  sign(⟨ξ, Jᵀξ⟩⟨Aᵀξ, Jᵀξ⟩/d + ε) = sign(0 + ε) = +1 since ⟨ξ, Jᵀξ⟩ = yx − xy = 0;
- unrolled(k, SGD(μ)), unroll="d": k ascent steps give y_k = y + kμ·x, so the generator's loss
  x·y_k = xy + kμx² has gradient y + 2kμ·x (the derivative flows through y_k), while the
  discriminator's field stays −x: the map is [[1 − 2kμη, −η], [η, 1]]. unroll="g": x_k =
  x − kμ·y, the discriminator's loss −x_k·y has gradient −x + 2kμ·y: [[1, −η], [η, 1 − 2kμη]].
On a quadratic game with symmetric A, C the Jacobian is [[A, B], [−Bᵀ, C]]; the tests compare
one step of consensus and SGA there against numpy's ξ + γJᵀξ and ξ + λ·½(Jᵀ − J)ξ.
"""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxgen import Pair
from jaxgen.game import (
    bilinear,
    consensus,
    gradient_field,
    quadratic,
    rollout,
    sga,
    simultaneous,
    unrolled,
)


@pytest.fixture(autouse=True)
def float64():
    with jax.enable_x64(True):
        yield


ETA = 0.1


def linear_trajectory(matrix, start, steps):
    points = [np.asarray(start, np.float64)]
    for _ in range(steps):
        points.append(matrix @ points[-1])
    return np.array(points)


def rollout_xy(game, steps=40):
    xs = rollout(
        game, simultaneous(optax.sgd(ETA)), Pair(jnp.float64(1.0), jnp.float64(0.5)), steps
    )
    return np.stack([np.asarray(xs.g), np.asarray(xs.d)], axis=1)


@pytest.mark.parametrize(
    "transform, c",
    [
        (lambda g: consensus(g, 0.5), 0.5),
        (lambda g: sga(g, 0.5), 0.5),
        (lambda g: sga(g, 0.5, align=True), 0.5),
        (lambda g: sga(g, 2.0), 2.0),
    ],
    ids=["consensus", "sga", "sga-align", "sga-lambda2"],
)
def test_consensus_and_sga_on_bilinear_follow_their_linear_map(transform, c):
    expected = linear_trajectory(np.array([[1 - ETA * c, -ETA], [ETA, 1 - ETA * c]]), [1, 0.5], 40)
    np.testing.assert_allclose(rollout_xy(transform(bilinear())), expected, rtol=1e-12)
    rate = np.sqrt((1 - ETA * c) ** 2 + ETA**2)
    assert rate < 1  # converges where simultaneous play alone diverges


@pytest.mark.parametrize("unroll", ["d", "g"])
@pytest.mark.parametrize("k", [1, 3])
def test_unrolled_on_bilinear_follows_its_linear_map(k, unroll):
    mu = 0.2
    a = 2 * k * mu * ETA
    matrix = (
        np.array([[1 - a, -ETA], [ETA, 1]])
        if unroll == "d"
        else np.array([[1, -ETA], [ETA, 1 - a]])
    )
    game = unrolled(bilinear(), k, optax.sgd(mu), unroll=unroll)
    np.testing.assert_allclose(
        rollout_xy(game), linear_trajectory(matrix, [1, 0.5], 40), rtol=1e-12
    )


def random_quadratic(seed, n=3, m=2):
    rng = np.random.default_rng(seed)
    a, c = rng.normal(size=(n, n)), rng.normal(size=(m, m))
    A, C, B = (a + a.T) / 2, (c + c.T) / 2, rng.normal(size=(n, m))
    jac = np.block([[A, B], [-B.T, C]])
    params = Pair(jnp.asarray(rng.normal(size=n)), jnp.asarray(rng.normal(size=m)))
    return quadratic(A, B, C), jac, params


def flat_field(game, params):
    xi, _, _, _ = gradient_field(game, params, None, None, jax.random.PRNGKey(0))
    return np.concatenate([np.asarray(xi.g), np.asarray(xi.d)])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_consensus_and_sga_adjust_the_field_of_a_quadratic_game(seed):
    game, jac, params = random_quadratic(seed)
    xi = flat_field(game, params)
    np.testing.assert_allclose(
        flat_field(consensus(game, 0.3), params), xi + 0.3 * jac.T @ xi, rtol=1e-12
    )
    correction = 0.5 * (jac.T - jac) @ xi
    np.testing.assert_allclose(
        flat_field(sga(game, 0.7), params), xi + 0.7 * correction, rtol=1e-12
    )
    # Alignment (Balduzzi et al. 2018, Eq. 8): sign(⟨ξ, ∇H⟩⟨Aᵀξ, ∇H⟩/d + ε), ∇H = Jᵀξ.
    grad_h = jac.T @ xi
    sign = np.sign((xi @ grad_h) * (correction @ grad_h) / xi.size + 0.1)
    np.testing.assert_allclose(
        flat_field(sga(game, 0.7, align=True), params), xi + sign * 0.7 * correction, rtol=1e-12
    )


def test_sga_surrogate_keeps_the_loss_values():
    game, _, params = random_quadratic(0)
    key = jax.random.PRNGKey(0)
    plain, _ = game(params, None, None, key)
    adjusted, (_, metrics) = sga(game, 0.7)(params, None, None, key)
    np.testing.assert_allclose([adjusted.g, adjusted.d], [plain.g, plain.d], rtol=1e-14)
    assert float(metrics["sga_scale"]) == 0.7


def test_compositions_that_cannot_work_raise_clear_errors():
    rule = simultaneous(optax.sgd(0.1))
    with pytest.raises(TypeError, match="transforms a game, not a Rule"):
        consensus(rule, 1.0)
    with pytest.raises(ValueError, match="k >= 1"):
        unrolled(bilinear(), 0, optax.sgd(0.1))
    with pytest.raises(ValueError, match="unroll must be"):
        unrolled(bilinear(), 1, optax.sgd(0.1), unroll="x")
    with pytest.raises(TypeError, match="inner_opt"):
        unrolled(bilinear(), 1, 0.1)

    def no_discriminator(params, model_state, batch, key):
        return Pair(jnp.sum(params.g**2), jnp.float64(0.0)), (model_state, {})

    with pytest.raises(ValueError, match="no parameters|has none"):
        rollout(unrolled(no_discriminator, 2, optax.sgd(0.1)), rule, Pair(jnp.ones(2), {}), 3)

    def vector_losses(params, model_state, batch, key):
        return Pair(params.g * params.d, -params.g * params.d), (model_state, {})

    with pytest.raises(ValueError, match="must be scalars"):
        consensus(vector_losses, 1.0)(Pair(jnp.ones(2), jnp.ones(2)), None, None, None)
