"""``bernoulli_log_prob`` against scipy, and finite at extreme logits."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import stats

from jaxgen.nn import bernoulli_log_prob, categorical_log_prob


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
