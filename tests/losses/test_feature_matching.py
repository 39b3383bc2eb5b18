"""Feature matching against numpy: the squared distance between the two batches' feature means,
its gradient in closed form (−2·(m_real − m_fake)/B_fake per fake example), and 0 when the means
agree."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgen.losses.feature_matching import feature_matching_loss


@pytest.fixture(autouse=True)
def float64():
    with jax.enable_x64(True):
        yield


def test_feature_matching_matches_numpy():
    rng = np.random.default_rng(0)
    real = rng.normal(size=(4, 2, 3))
    fake = rng.normal(loc=0.5, size=(6, 2, 3))  # another batch size
    loss = feature_matching_loss(jnp.asarray(real), jnp.asarray(fake))
    assert loss.shape == () and loss.dtype == jnp.float64
    expected = np.sum((real.reshape(4, -1).mean(0) - fake.reshape(6, -1).mean(0)) ** 2)
    np.testing.assert_allclose(loss, expected, rtol=1e-12)


def test_feature_matching_gradient():
    rng = np.random.default_rng(1)
    real, fake = jnp.asarray(rng.normal(size=(5, 4))), jnp.asarray(rng.normal(size=(3, 4)))
    gradient = jax.grad(feature_matching_loss, argnums=1)(real, fake)
    assert bool(jnp.all(jnp.isfinite(gradient)))
    expected = -2 * (np.asarray(real).mean(0) - np.asarray(fake).mean(0)) / 3
    np.testing.assert_allclose(gradient, np.broadcast_to(expected, (3, 4)), rtol=1e-12)


def test_feature_matching_is_zero_when_the_means_match():
    rng = np.random.default_rng(2)
    real = rng.normal(size=(6, 5))
    fake = 2 * real.mean(axis=0) - real[::-1]  # other examples, the same mean
    assert not np.allclose(fake, real)
    loss = feature_matching_loss(jnp.asarray(real), jnp.asarray(fake))
    np.testing.assert_allclose(loss, 0.0, atol=1e-28)
    gradient = jax.grad(feature_matching_loss, argnums=1)(jnp.asarray(real), jnp.asarray(fake))
    np.testing.assert_allclose(gradient, 0.0, atol=1e-14)


def test_feature_matching_errors():
    with pytest.raises(ValueError, match="trailing shape"):
        feature_matching_loss(jnp.ones((4, 3)), jnp.ones((4, 2)))
    with pytest.raises(ValueError, match="non-empty"):
        feature_matching_loss(jnp.ones((0, 3)), jnp.ones((4, 3)))
