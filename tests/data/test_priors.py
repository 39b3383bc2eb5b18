"""The latent priors against their closed forms: moments, component shares, the roll's curve."""

import jax
import numpy as np
import pytest
from scipy import stats

from jaxgen.data import priors

N = 20_000


@pytest.mark.parametrize(
    ("name", "dim"), [("gaussian", 1), ("gaussian", 5), ("mixture10", 2), ("swiss_roll", 2)]
)
def test_shape_dtype_and_determinism(name, dim):
    prior = priors.prior(name, dim)
    assert (prior.name, prior.dim) == (name, dim)
    points = prior.sample(jax.random.PRNGKey(0), 7)
    assert points.shape == (7, dim) and points.dtype == np.float32
    np.testing.assert_array_equal(points, prior.sample(jax.random.PRNGKey(0), 7))
    assert not np.allclose(points, prior.sample(jax.random.PRNGKey(1), 7))
    assert prior.sample(jax.random.PRNGKey(0), 1).shape == (1, dim)
    jitted = jax.jit(prior.sample, static_argnums=1)(jax.random.PRNGKey(0), 7)
    np.testing.assert_allclose(jitted, points, rtol=1e-6, atol=1e-6)


def test_gaussian_mean_and_covariance_within_monte_carlo_error():
    dim = 3
    points = np.asarray(priors.prior("gaussian", dim).sample(jax.random.PRNGKey(2), N), np.float64)
    # Standard errors: 1/√N for the mean; √(2/N) for a variance and 1/√N for a covariance.
    np.testing.assert_array_less(np.abs(points.mean(axis=0)), 4 / np.sqrt(N))
    covariance = np.cov(points, rowvar=False)
    tolerance = 4 * np.where(np.eye(dim, dtype=bool), np.sqrt(2 / N), 1 / np.sqrt(N))
    np.testing.assert_array_less(np.abs(covariance - np.eye(dim)), tolerance)


def test_mixture_shares_and_each_component_in_its_own_frame():
    key = jax.random.PRNGKey(3)
    points, components = map(np.asarray, priors.gaussian_mixture(key, N))
    np.testing.assert_array_equal(points, priors.prior("mixture10", 2).sample(key, N))
    counts = np.bincount(components, minlength=10)
    assert counts.shape == (10,)
    assert stats.chisquare(counts).pvalue > 1e-3  # H0: every share is 1/10
    for k in range(10):
        angle = 2 * np.pi * k / 10
        radial = np.array([np.cos(angle), np.sin(angle)])
        tangential = np.array([-radial[1], radial[0]])
        own = points[components == k].astype(np.float64)
        # Coordinates along u_k and u_k^⊥ are independent N(r, σ_r²) and N(0, σ_t²).
        along, across = own @ radial, own @ tangential
        m = len(own)
        assert abs(along.mean() - priors.MIXTURE_RADIUS) < 4 * priors.MIXTURE_RADIAL_STD / m**0.5
        assert abs(across.mean()) < 4 * priors.MIXTURE_TANGENTIAL_STD / m**0.5
        np.testing.assert_allclose(along.std(), priors.MIXTURE_RADIAL_STD, rtol=4 / (2 * m) ** 0.5)
        np.testing.assert_allclose(
            across.std(), priors.MIXTURE_TANGENTIAL_STD, rtol=4 / (2 * m) ** 0.5
        )
        assert abs(np.corrcoef(along, across)[0, 1]) < 4 / m**0.5
        # Every point is near its own centre: within 5 standard deviations in each direction.
        assert np.all(np.abs(along - priors.MIXTURE_RADIUS) < 5 * priors.MIXTURE_RADIAL_STD)
        assert np.all(np.abs(across) < 5 * priors.MIXTURE_TANGENTIAL_STD)


def test_swiss_roll_points_lie_on_the_curve_with_positions_of_density_2t():
    key = jax.random.PRNGKey(4)
    points, positions = map(np.asarray, priors.swiss_roll(key, N))
    np.testing.assert_array_equal(points, priors.prior("swiss_roll", 2).sample(key, N))
    # Independent of the sampler: t is the radius over R, and the angle must be 4πt mod 2π.
    t = np.linalg.norm(points.astype(np.float64), axis=1) / priors.SWISS_ROLL_RADIUS
    np.testing.assert_allclose(t, positions, atol=1e-6)
    assert t.min() >= 0 and t.max() <= 1 + 1e-6
    on_curve = (
        priors.SWISS_ROLL_RADIUS
        * t[:, None]
        * np.stack([np.cos(4 * np.pi * t), np.sin(4 * np.pi * t)], axis=1)
    )
    np.testing.assert_allclose(points, on_curve, atol=1e-4)
    assert stats.kstest(t, lambda s: np.clip(s, 0, 1) ** 2).pvalue > 1e-3  # P(t ≤ s) = s²


@pytest.mark.parametrize(
    ("name", "dim", "message"),
    [
        ("gausian", 2, "unknown prior 'gausian': did you mean 'gaussian'"),
        ("mixture10", 3, "exists in dim 2 only"),
        ("swiss_roll", 1, "exists in dim 2 only"),
        ("gaussian", 0, "dim must be a Python int >= 1"),
        ("gaussian", 2.0, "dim must be a Python int >= 1"),
    ],
)
def test_bad_name_or_dimension_is_a_one_line_value_error(name, dim, message):
    with pytest.raises(ValueError, match=message) as error:
        priors.prior(name, dim)
    assert "\n" not in str(error.value)


def test_bad_count_is_a_value_error():
    with pytest.raises(ValueError, match="n >= 1"):
        priors.prior("gaussian", 2).sample(jax.random.PRNGKey(0), 0)
