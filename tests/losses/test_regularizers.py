"""Gradient penalties against discriminators whose input gradient is known in closed form.

- D(x) = wᵀx (linear): ∇_x D = w for every x, so R1 = R2 = ‖w‖² and the WGAN-GP penalty is
  (‖w‖ − 1)² at every interpolate.
- D(x) = ½·Σ x² per example: ∇_x D = x, so R1 = ‖x‖² per example, and at the interpolate
  x̂ = εx_r + (1 − ε)x_f the penalty is (‖x̂‖ − 1)² with ε drawn from the key.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgen.losses import OBJECTIVES, regularizers, wasserstein


@pytest.fixture(autouse=True)
def float64():
    with jax.enable_x64(True):
        yield


def test_linear_discriminator_penalties():
    w = jnp.array([0.3, -1.2, 2.0])
    linear = lambda x: x.reshape(x.shape[0], -1) @ w
    real = jnp.asarray(np.random.default_rng(0).normal(size=(5, 3)))
    fake = real + 1.0
    norm2 = float(w @ w)
    np.testing.assert_allclose(regularizers.r1_penalty(linear, real), np.full(5, norm2))
    np.testing.assert_allclose(regularizers.r2_penalty(linear, fake), np.full(5, norm2))
    gp = regularizers.gradient_penalty(linear, real, fake, jax.random.PRNGKey(0))
    np.testing.assert_allclose(gp, np.full(5, (np.sqrt(norm2) - 1) ** 2), rtol=1e-12)


def test_quadratic_discriminator_penalties_per_example():
    half_square = lambda x: 0.5 * jnp.sum(x.reshape(x.shape[0], -1) ** 2, axis=1)
    rng = np.random.default_rng(1)
    real, fake = jnp.asarray(rng.normal(size=(4, 2, 3))), jnp.asarray(rng.normal(size=(4, 2, 3)))
    np.testing.assert_allclose(
        regularizers.r1_penalty(half_square, real), np.sum(np.asarray(real) ** 2, axis=(1, 2))
    )
    key = jax.random.PRNGKey(3)
    eps = np.asarray(jax.random.uniform(key, (4, 1, 1), jnp.float64))
    interpolates = eps * np.asarray(real) + (1 - eps) * np.asarray(fake)
    expected = (np.sqrt(np.sum(interpolates**2, axis=(1, 2))) - 1.0) ** 2
    gp = regularizers.gradient_penalty(half_square, real, fake, key)
    np.testing.assert_allclose(gp, expected, rtol=1e-12)


def test_gradient_penalty_has_a_finite_gradient_at_a_zero_gradient():
    def penalty(w):
        critic = lambda x: x[:, 0] * w
        return jnp.sum(
            regularizers.gradient_penalty(
                critic, jnp.ones((2, 1)), jnp.zeros((2, 1)), jax.random.PRNGKey(0)
            )
        )

    assert float(jax.grad(penalty)(0.0)) == 0.0  # a NaN without safe_norm


def test_instance_noise_has_the_requested_scale():
    x = jnp.zeros((20_000, 2))
    noisy = regularizers.instance_noise(jax.random.PRNGKey(0), x, 0.3)
    assert abs(float(jnp.std(noisy)) - 0.3) < 0.01 and noisy.shape == x.shape


def test_wasserstein_objective():
    real, fake = jnp.array([1.0, 2.0]), jnp.array([[0.5], [-1.0]])
    np.testing.assert_allclose(wasserstein.critic_loss(real, fake), [-0.5, -3.0])
    np.testing.assert_allclose(wasserstein.generator_loss(fake), [-0.5, 1.0])
    assert OBJECTIVES["wgan"].discriminator is wasserstein.critic_loss
