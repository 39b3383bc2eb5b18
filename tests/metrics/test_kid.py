"""``mmd2_unbiased`` and ``kid`` against a numpy loop over pairs and the documented subset draw."""

import jax
import numpy as np
import pytest

from jaxgen.metrics.kid import kid, mmd2_unbiased


@pytest.fixture
def float64():
    with jax.enable_x64(True):
        yield


def reference_mmd2(x, y):
    """Unbiased MMD² with ``k(a, b) = (aᵀb / d + 1)³``, one pair at a time in float64."""
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    dim = x.shape[1]

    def kernel(a, b):
        return (np.dot(a, b) / dim + 1) ** 3

    m, n = len(x), len(y)
    xx = sum(kernel(x[i], x[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    yy = sum(kernel(y[i], y[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    xy = sum(kernel(x[i], y[j]) for i in range(m) for j in range(n)) / (m * n)
    return xx + yy - 2 * xy


@pytest.mark.usefixtures("float64")
@pytest.mark.parametrize("m, n", [(12, 12), (7, 10)])
def test_mmd2_matches_loop(m, n):
    rng = np.random.default_rng(m + n)
    x, y = rng.normal(size=(m, 5)), rng.normal(0.5, 1.2, size=(n, 5))
    np.testing.assert_allclose(mmd2_unbiased(x, y), reference_mmd2(x, y), rtol=1e-12)


@pytest.mark.usefixtures("float64")
def test_kid_with_full_subsets_is_deterministic():
    # Subsets of the full size are permutations, and MMD² does not depend on the order.
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(15, 4)), rng.normal(0.3, 1.0, size=(15, 4))
    mean, std = kid(x, y, num_subsets=5, subset_size=15, key=jax.random.PRNGKey(3))
    np.testing.assert_allclose(mean, reference_mmd2(x, y), rtol=1e-10)
    np.testing.assert_allclose(std, 0.0, atol=1e-12)


@pytest.mark.usefixtures("float64")
def test_kid_matches_loop_over_documented_subsets():
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(20, 3)), rng.normal(0.2, 1.1, size=(17, 3))
    key, num_subsets, subset_size = jax.random.PRNGKey(7), 4, 9
    values = []
    for subset_key in jax.random.split(key, num_subsets):
        key_a, key_b = jax.random.split(subset_key)
        rows_a = np.asarray(jax.random.permutation(key_a, len(x)))[:subset_size]
        rows_b = np.asarray(jax.random.permutation(key_b, len(y)))[:subset_size]
        assert len(set(rows_a.tolist())) == subset_size  # without replacement
        values.append(reference_mmd2(x[rows_a], y[rows_b]))
    mean, std = kid(x, y, num_subsets, subset_size, key=key)
    np.testing.assert_allclose(mean, np.mean(values), rtol=1e-10)
    np.testing.assert_allclose(std, np.std(values), rtol=1e-8)  # ddof=0, as torch-fidelity


def test_kid_default_key_is_prngkey_zero():
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(30, 4)), rng.normal(size=(30, 4))
    default = kid(x, y, 3, 10)
    explicit = kid(x, y, 3, 10, key=jax.random.PRNGKey(0))
    np.testing.assert_array_equal(default, explicit)


def test_kid_same_distribution_near_zero_relative_to_shifted():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(2, 400, 64)).astype(np.float32)
    same_mean, same_std = kid(x, y, num_subsets=10, subset_size=200)
    shifted_mean, _ = kid(x, y + 0.5, num_subsets=10, subset_size=200)
    assert shifted_mean > 0.01
    assert abs(same_mean) < 0.05 * shifted_mean
    assert abs(same_mean) < 3 * same_std + 1e-4


def test_kid_jits_with_traced_key():
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(2, 20, 3)).astype(np.float32)
    jitted = jax.jit(kid, static_argnames=("num_subsets", "subset_size"))
    key = jax.random.PRNGKey(1)
    np.testing.assert_allclose(
        jitted(x, y, num_subsets=3, subset_size=8, key=key),
        kid(x, y, 3, 8, key=key),
        rtol=1e-6,
    )


def test_rejects_bad_inputs():
    with pytest.raises(ValueError, match="x must"):
        mmd2_unbiased(np.zeros((1, 3)), np.zeros((4, 3)))
    with pytest.raises(ValueError, match="y must"):
        mmd2_unbiased(np.zeros((4, 3)), np.zeros((4, 2)))
    with pytest.raises(ValueError, match="feats_a must"):
        kid(np.zeros(10), np.zeros((10, 3)))
    with pytest.raises(ValueError, match="feats_b has 5 rows"):
        kid(np.zeros((10, 3)), np.zeros((5, 3)), subset_size=8)
    with pytest.raises(ValueError, match="subset_size"):
        kid(np.zeros((10, 3)), np.zeros((10, 3)), subset_size=1)
    with pytest.raises(ValueError, match="num_subsets"):
        kid(np.zeros((10, 3)), np.zeros((10, 3)), num_subsets=0, subset_size=5)
