"""``frechet_distance``, ``gaussian_statistics`` and ``fid`` against numpy/scipy references."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.linalg

from jaxgen.metrics.frechet import fid, frechet_distance, gaussian_statistics


@pytest.fixture
def float64():
    with jax.enable_x64(True):
        yield


def reference_eigh(mu1, sigma1, mu2, sigma2):
    """The same formula with numpy's float64 eigendecompositions."""
    eigenvalues, eigenvectors = np.linalg.eigh(sigma1)
    sqrt_sigma1 = (eigenvectors * np.sqrt(np.clip(eigenvalues, 0, None))) @ eigenvectors.T
    product = sqrt_sigma1 @ sigma2 @ sqrt_sigma1
    product = (product + product.T) / 2
    trace_sqrt = np.sum(np.sqrt(np.clip(np.linalg.eigvalsh(product), 0, None)))
    difference = mu1 - mu2
    return difference @ difference + np.trace(sigma1) + np.trace(sigma2) - 2 * trace_sqrt


def reference_sqrtm(mu1, sigma1, mu2, sigma2):
    """pytorch-fid's formula: ``tr sqrtm(Σ1 Σ2)`` with scipy's Schur-based square root."""
    covmean = scipy.linalg.sqrtm(sigma1 @ sigma2)
    assert np.all(np.isfinite(covmean))
    difference = mu1 - mu2
    return (
        difference @ difference + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean.real)
    )


def random_statistics(rng, dim, num_samples=None):
    """Well-conditioned covariances (``num_samples = None``) or sample covariances of that many."""
    statistics = []
    for _ in range(2):
        mean = rng.normal(size=dim)
        if num_samples is None:
            factor = rng.normal(size=(dim, dim)) / np.sqrt(dim)
            covariance = factor @ factor.T + 0.5 * np.eye(dim)
        else:
            covariance = np.cov(rng.normal(size=(num_samples, dim)) + mean, rowvar=False)
        statistics += [mean, covariance]
    return statistics


@pytest.mark.usefixtures("float64")
@pytest.mark.parametrize("dim", [1, 8, 64, 256])
def test_matches_eigh_and_sqrtm_references(dim):
    statistics = random_statistics(np.random.default_rng(dim), dim)
    value = frechet_distance(*statistics)
    assert value.dtype == jnp.float64
    np.testing.assert_allclose(value, reference_eigh(*statistics), rtol=1e-10)
    np.testing.assert_allclose(value, reference_sqrtm(*statistics), rtol=1e-8)


# scipy's sqrtm of a 2048 x 2048 matrix takes about 10 s on one CPU; it runs in the default suite.
@pytest.mark.usefixtures("float64")
def test_matches_eigh_and_sqrtm_references_at_inception_width():
    statistics = random_statistics(np.random.default_rng(2048), 2048)
    value = frechet_distance(*statistics)
    np.testing.assert_allclose(value, reference_eigh(*statistics), rtol=1e-6)
    np.testing.assert_allclose(value, reference_sqrtm(*statistics), rtol=1e-6)


@pytest.mark.usefixtures("float64")
@pytest.mark.parametrize("num_samples", [16, 65])
def test_near_singular_covariances_match_eigh_reference(num_samples):
    # 16 samples in 64 dimensions: rank 15; 65: full rank with eigenvalues near 0.
    statistics = random_statistics(np.random.default_rng(num_samples), 64, num_samples)
    value = frechet_distance(*statistics)
    assert np.isfinite(value)
    np.testing.assert_allclose(value, reference_eigh(*statistics), rtol=1e-6)


@pytest.mark.usefixtures("float64")
@pytest.mark.parametrize("mean1, std1, mean2, std2", [(0.0, 1.0, 0.0, 1.0), (1.5, 0.5, -2.0, 3.0)])
def test_one_dimensional_closed_form(mean1, std1, mean2, std2):
    value = frechet_distance([mean1], [[std1**2]], [mean2], [[std2**2]])
    np.testing.assert_allclose(
        value, (mean1 - mean2) ** 2 + (std1 - std2) ** 2, rtol=1e-12, atol=1e-14
    )


@pytest.mark.usefixtures("float64")
def test_commuting_covariances_closed_form():
    # Σ1 = Q D1 Qᵀ, Σ2 = Q D2 Qᵀ: tr √(Σ1 Σ2) = Σ √(d1 d2), so d² = ‖μ1 − μ2‖² + Σ (√d1 − √d2)².
    rng = np.random.default_rng(0)
    rotation, _ = np.linalg.qr(rng.normal(size=(32, 32)))
    scales1, scales2 = rng.uniform(0.1, 3.0, size=(2, 32))
    mean1, mean2 = rng.normal(size=(2, 32))
    value = frechet_distance(
        mean1, rotation * scales1 @ rotation.T, mean2, rotation * scales2 @ rotation.T
    )
    expected = np.sum((mean1 - mean2) ** 2) + np.sum((np.sqrt(scales1) - np.sqrt(scales2)) ** 2)
    np.testing.assert_allclose(value, expected, rtol=1e-10)


@pytest.mark.usefixtures("float64")
def test_gaussian_statistics_match_numpy():
    features = np.random.default_rng(0).normal(size=(50, 7))
    mean, covariance = gaussian_statistics(features)
    np.testing.assert_allclose(mean, features.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(covariance, np.cov(features, rowvar=False), rtol=1e-12)


@pytest.mark.usefixtures("float64")
def test_fid_is_frechet_distance_of_statistics():
    rng = np.random.default_rng(0)
    feats_a, feats_b = rng.normal(size=(40, 6)), rng.normal(0.3, 1.5, size=(30, 6))
    expected = reference_sqrtm(
        feats_a.mean(axis=0),
        np.cov(feats_a, rowvar=False),
        feats_b.mean(axis=0),
        np.cov(feats_b, rowvar=False),
    )
    np.testing.assert_allclose(fid(feats_a, feats_b), expected, rtol=1e-10)


@pytest.mark.usefixtures("float64")
def test_fid_of_a_set_with_itself_is_zero():
    features = np.random.default_rng(0).normal(size=(500, 64))
    trace = np.trace(np.cov(features, rowvar=False))
    assert abs(float(fid(features, features))) < 1e-12 * trace


def dead_relu_features(rng, num_samples, dim=128, dead=56, rank=8, shift=0.0):
    """ReLU features of a low-rank signal in which ``dead`` units never fire: singular
    covariances, as a small classifier's penultimate layer gives (55 of 128 dead on mnist5k)."""
    mixing = np.random.default_rng(1).normal(size=(rank, dim))
    mixing[:, :dead] = 0
    bias = np.where(np.arange(dim) < dead, -1.0, 0.5)
    signal = rng.normal(shift, 1, size=(num_samples, rank))
    return np.maximum(signal @ mixing + bias, 0) * 3


def test_float32_fid_of_singular_covariances_matches_float64():
    """The features-to-FID path factors the centered features (QR) and sums singular values, so
    the ~1e-7·λ_max rounding of the zero eigenvalues is never square-rooted. Through the float32
    covariances (``frechet_distance(*gaussian_statistics(...))``) the first case here is off by
    4e-5·tr Σ (0.63 of an FID of 15.8; on the mnist5k classifier's features 0.53 of 6.16), 40
    times this test's bound; the QR path by 1.6e-7·tr Σ."""
    rng = np.random.default_rng(0)
    real = dead_relu_features(rng, 2000)
    for fake in (dead_relu_features(rng, 1000), dead_relu_features(rng, 1000, shift=0.3)):
        statistics = (real.mean(0), np.cov(real, rowvar=False), fake.mean(0))
        expected = reference_eigh(*statistics, np.cov(fake, rowvar=False))
        value = float(fid(real.astype(np.float32), fake.astype(np.float32)))
        assert abs(value - expected) < 1e-6 * np.trace(statistics[1])
    self_fid = float(fid(real.astype(np.float32), real.astype(np.float32)))
    assert abs(self_fid) < 1e-6 * np.trace(np.cov(real, rowvar=False))


def test_float32_stays_float32_and_close():
    rng = np.random.default_rng(0)
    statistics = random_statistics(rng, 64)
    value = frechet_distance(*(np.asarray(s, np.float32) for s in statistics))
    assert value.dtype == jnp.float32
    np.testing.assert_allclose(value, reference_eigh(*statistics), rtol=1e-5)
    features = rng.normal(size=(500, 64)).astype(np.float32)
    assert abs(float(fid(features, features))) < 1e-5 * 64


def test_jit_and_vmap():
    statistics = [np.asarray(s, np.float32) for s in random_statistics(np.random.default_rng(1), 8)]
    expected = frechet_distance(*statistics)
    np.testing.assert_allclose(jax.jit(frechet_distance)(*statistics), expected, rtol=1e-6)
    batched = [np.stack([s, s]) for s in statistics]
    np.testing.assert_allclose(jax.vmap(frechet_distance)(*batched), [expected] * 2, rtol=1e-6)


@pytest.mark.parametrize(
    "shapes, name",
    [
        (((3, 1), (3, 3), (3,), (3, 3)), "mu1"),
        (((3,), (3, 2), (3,), (3, 3)), "sigma1"),
        (((3,), (3, 3), (4,), (3, 3)), "mu2"),
        (((3,), (3, 3), (3,), (3,)), "sigma2"),
    ],
)
def test_frechet_distance_rejects_bad_shapes(shapes, name):
    with pytest.raises(ValueError, match=name):
        frechet_distance(*(np.zeros(shape) for shape in shapes))


def test_statistics_and_fid_reject_bad_shapes():
    with pytest.raises(ValueError, match="features"):
        gaussian_statistics(np.zeros((1, 3)))
    with pytest.raises(ValueError, match="feats_a"):
        fid(np.zeros(5), np.zeros((5, 3)))
    with pytest.raises(ValueError, match="feats_b"):
        fid(np.zeros((5, 3)), np.zeros((5, 4)))
