"""``bernoulli_log_prob`` against scipy, and finite at extreme logits."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import stats

from jaxgen.nn import bernoulli_log_prob, categorical_log_prob
from jaxgen.nn.distributions import discretized_logistic_log_prob


def test_bernoulli_log_prob_matches_scipy():
    with jax.enable_x64(True):
        rng = np.random.default_rng(0)
        logits = rng.normal(size=(3, 2, 2, 1)) * 3
        x = (rng.uniform(size=logits.shape) < 0.5).astype(np.float64)
        expected = stats.bernoulli.logpmf(x, 1 / (1 + np.exp(-logits))).reshape(3, -1).sum(1)
        np.testing.assert_allclose(bernoulli_log_prob(jnp.asarray(logits), x), expected, rtol=1e-12)


def test_bernoulli_log_prob_is_finite_at_extreme_logits():
    logits = jnp.array([[100.0, -100.0]])
    value, gradient = jax.value_and_grad(
        lambda logit: bernoulli_log_prob(logit, jnp.array([[0.0, 1.0]]))[0]
    )(logits)
    np.testing.assert_allclose(value, -200.0, rtol=1e-6)
    assert np.all(np.isfinite(gradient))


def test_bernoulli_log_prob_needs_one_logit_per_pixel():
    with pytest.raises(ValueError, match="one logit per pixel"):
        bernoulli_log_prob(jnp.zeros((2, 3)), jnp.zeros((2, 4)))


def test_categorical_log_prob_matches_scipy():
    with jax.enable_x64(True):
        rng = np.random.default_rng(1)
        logits = rng.normal(size=(4, 2, 3, 5)) * 2
        x = rng.integers(0, 5, size=(4, 2, 3))
        probs = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
        expected = np.log(np.take_along_axis(probs, x[..., None], -1)).reshape(4, -1).sum(1)
        np.testing.assert_allclose(
            categorical_log_prob(jnp.asarray(logits), x), expected, rtol=1e-12
        )


def test_categorical_log_prob_needs_an_axis_of_levels():
    with pytest.raises(ValueError, match="axis of levels"):
        categorical_log_prob(jnp.zeros((2, 3)), jnp.zeros((2, 3), jnp.int32))


def discretized_logistic_reference(mean, scale, values):
    """p(x) = F(x̃ + 1/255) − F(x̃ − 1/255), F the logistic CDF (scipy), with the bin of 0
    reaching −∞ and that of 255 reaching +∞; above the mean as the difference of survival
    functions 1 − F, which keeps the digits that 1 − F ≈ 0 would cancel."""
    centre = values * 2 / 255 - 1
    upper = np.where(values == 255, np.inf, centre + 1 / 255)
    lower = np.where(values == 0, -np.inf, centre - 1 / 255)
    below = stats.logistic.cdf(upper, mean, scale) - stats.logistic.cdf(lower, mean, scale)
    above = stats.logistic.sf(lower, mean, scale) - stats.logistic.sf(upper, mean, scale)
    return np.where(centre < mean, below, above)


@pytest.mark.parametrize("mean, log_scale", [(0.3, -2.0), (-0.9, -4.0), (1.4, 0.5), (0.0, -6.0)])
def test_discretized_logistic_sums_to_one_and_matches_scipy(mean, log_scale):
    values = np.arange(256).reshape(256, 1)
    with jax.enable_x64(True):
        log_probs = discretized_logistic_log_prob(
            jnp.full((256, 1), mean), jnp.full((256, 1), log_scale), jnp.asarray(values)
        )
    probs = np.exp(np.asarray(log_probs))
    np.testing.assert_allclose(probs.sum(), 1.0, rtol=1e-12)
    expected = discretized_logistic_reference(mean, np.exp(log_scale), values[:, 0])
    np.testing.assert_allclose(probs, expected, rtol=1e-10, atol=1e-300)


def test_discretized_logistic_is_finite_far_from_the_mean():
    """A bin 1,000 scales from μ: σ(b) − σ(a) rounds to 0 in float32, the log-space form does not
    (log p = −softplus(a) + log σ(b) + log(1 − e^{a−b}))."""
    mean, log_scale = jnp.array([[-0.8]]), jnp.array([[-7.0]])
    x = jnp.array([[200]])
    value, gradient = jax.value_and_grad(
        lambda m: discretized_logistic_log_prob(m, log_scale, x)[0]
    )(mean)
    scale = np.exp(-7.0)
    centre = 200 * 2 / 255 - 1
    lower, upper = (centre - 1 / 255 + 0.8) / scale, (centre + 1 / 255 + 0.8) / scale
    expected = -np.logaddexp(0, lower) - np.logaddexp(0, -upper) + np.log(-np.expm1(lower - upper))
    np.testing.assert_allclose(value, expected, rtol=1e-5)
    assert np.isfinite(gradient).all() and value < -1000


def test_discretized_logistic_needs_one_shape():
    with pytest.raises(ValueError, match="of one shape"):
        discretized_logistic_log_prob(jnp.zeros((2, 3)), jnp.zeros((2, 3)), jnp.zeros((2, 4)))
