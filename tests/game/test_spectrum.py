"""``jacobian`` and ``eigenvalues`` against matrices known in closed form, and Arnoldi against the
dense spectrum.

For the quadratic game V = ½xᵀAx + xᵀBy − ½yᵀCy with symmetric A, C the field is
ξ = (Ax + By, Cy − Bᵀx), so J = [[A, B], [−Bᵀ, C]] exactly, at every point.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgen import Pair
from jaxgen.game import eigenvalues, jacobian, mixture_game, quadratic
from jaxgen.game.spectrum import arnoldi


@pytest.fixture(autouse=True)
def float64():
    with jax.enable_x64(True):
        yield


def quadratic_case(seed, n, m, scale_b=1.0):
    rng = np.random.default_rng(seed)
    a, c = rng.normal(size=(n, n)), rng.normal(size=(m, m))
    A, C, B = (a + a.T) / 2, (c + c.T) / 2, scale_b * rng.normal(size=(n, m))
    params = Pair(jnp.asarray(rng.normal(size=n)), jnp.asarray(rng.normal(size=m)))
    return quadratic(A, B, C), np.block([[A, B], [-B.T, C]]), params


def test_jacobian_of_a_quadratic_game_is_its_block_matrix():
    game, expected, params = quadratic_case(0, 3, 2)
    np.testing.assert_allclose(jacobian(game, params), expected, rtol=1e-13, atol=1e-14)


def test_dense_eigenvalues_match_numpy_sorted_by_modulus():
    game, matrix, params = quadratic_case(1, 4, 3)
    values = eigenvalues(game, params)
    expected = np.linalg.eigvals(matrix)
    np.testing.assert_allclose(values, expected[np.argsort(-np.abs(expected))], rtol=1e-10)
    assert np.all(np.diff(np.abs(values)) <= 1e-12)


def test_arnoldi_with_a_full_krylov_space_is_exact():
    rng = np.random.default_rng(0)
    matrix = rng.normal(size=(12, 12))
    hessenberg = arnoldi(lambda v: matrix @ v, 12, 12)
    np.testing.assert_allclose(
        np.sort_complex(np.linalg.eigvals(hessenberg)),
        np.sort_complex(np.linalg.eigvals(matrix)),
        rtol=1e-9,
    )


def test_top_eigenvalues_by_jvp_match_the_dense_spectrum():
    # A strong bilinear coupling gives a few well-separated eigenvalues of large modulus.
    rng = np.random.default_rng(3)
    n = m = 30
    A, C = np.diag(rng.uniform(0.1, 0.2, n)), np.diag(rng.uniform(0.1, 0.2, m))
    B = np.diag(np.concatenate([[8.0, 6.0, 4.0], rng.uniform(0.0, 0.5, n - 3)]))
    params = Pair(jnp.asarray(rng.normal(size=n)), jnp.asarray(rng.normal(size=m)))
    game = quadratic(A, B, C)
    dense = eigenvalues(game, params)
    top = eigenvalues(game, params, top=6, iterations=30)
    np.testing.assert_allclose(np.abs(top), np.abs(dense[:6]), rtol=1e-8)
    np.testing.assert_allclose(np.sort_complex(top), np.sort_complex(dense[:6]), rtol=1e-8)


def test_network_game_top_eigenvalues_agree_with_its_dense_jacobian():
    game = mixture_game("ring8", hidden=(4,), batch_size=16)
    params = game.init(jax.random.PRNGKey(0))
    key = jax.random.PRNGKey(1)
    dense = eigenvalues(game.losses, params, key=key)
    n = dense.size
    top = eigenvalues(game.losses, params, key=key, top=3, iterations=n)
    np.testing.assert_allclose(np.abs(top), np.abs(dense[:3]), rtol=1e-4)


def test_top_out_of_range_is_refused():
    game, _, params = quadratic_case(0, 2, 2)
    with pytest.raises(ValueError, match="top must be"):
        eigenvalues(game, params, top=5)
