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


def image_linear_critic(w):
    """D(x) = ⟨w, x⟩ per image: ∇_x D = w for every image, ‖∇‖ = ‖w‖ over all H·W·C values."""
    return lambda x: jnp.sum(x * w, axis=tuple(range(1, x.ndim)))


def test_gradient_penalty_is_per_sample_on_images():
    rng = np.random.default_rng(4)
    w = rng.normal(size=(4, 4, 3))
    w *= 2.5 / np.linalg.norm(w)  # ‖w‖ = 2.5 over the whole image
    real, fake = jnp.asarray(rng.normal(size=(2, 5, 4, 4, 3)))
    critic = image_linear_critic(jnp.asarray(w))
    gp = regularizers.gradient_penalty(critic, real, fake, jax.random.PRNGKey(0))
    np.testing.assert_allclose(gp, np.full(5, 1.5**2), rtol=1e-12)
    # What the bugs would give: a norm per pixel (over channels) or over the whole batch.
    per_pixel = np.mean((np.linalg.norm(w, axis=-1) - 1) ** 2)
    per_batch = (np.sqrt(5) * 2.5 - 1) ** 2
    assert not np.isclose(per_pixel, 1.5**2, rtol=0.1)
    assert not np.isclose(per_batch, 1.5**2, rtol=0.1)
    np.testing.assert_allclose(regularizers.squared_gradient_norm(critic, real), np.full(5, 6.25))


def test_r1_by_hand_on_a_linear_image_discriminator():
    # w on a 2×2×1 image: ‖w‖² = 0.25 + 1 + 4 + 0 = 5.25; γ/2 · E‖∇D‖² with γ = 10 is 26.25.
    w = jnp.array([[[0.5], [-1.0]], [[2.0], [0.0]]])
    real = jnp.asarray(np.random.default_rng(5).normal(size=(3, 2, 2, 1)))
    r1 = regularizers.r1_penalty(image_linear_critic(w), real)
    np.testing.assert_allclose(r1, [5.25, 5.25, 5.25], rtol=1e-12)
    np.testing.assert_allclose(10 / 2 * jnp.mean(r1), 26.25, rtol=1e-12)


@pytest.mark.parametrize("norm, two_sided, one_sided", [(0.5, 0.25, 0.0), (2.0, 1.0, 1.0)])
def test_one_sided_and_two_sided_penalties(norm, two_sided, one_sided):
    w = jnp.array([0.6, 0.8]) * norm  # ‖w‖ = norm
    linear = lambda x: x @ w
    real, fake = jnp.ones((3, 2)), jnp.zeros((3, 2))
    key = jax.random.PRNGKey(1)
    for penalty in (
        lambda **kw: regularizers.gradient_penalty(linear, real, fake, key, **kw),
        lambda **kw: regularizers.dragan_penalty(linear, real, key, **kw),
    ):
        np.testing.assert_allclose(penalty(), np.full(3, two_sided), rtol=1e-12)
        np.testing.assert_allclose(penalty(one_sided=True), np.full(3, one_sided), atol=1e-15)
    # Below the target the one-sided penalty pulls on nothing.
    grad = jax.grad(
        lambda w: jnp.sum(
            regularizers.gradient_penalty(lambda x: x @ w, real, fake, key, one_sided=True)
        )
    )(w)
    assert np.all(np.asarray(grad) == 0.0) == (norm < 1)


def test_dragan_points_follow_the_authors_perturbation():
    real = jnp.asarray(np.random.default_rng(6).normal(1.0, 2.0, size=(256, 3, 3, 2)))
    key = jax.random.PRNGKey(7)
    points = regularizers.dragan_points(key, real)
    assert points.shape == real.shape and points.dtype == real.dtype
    # Exactly x + α·0.5·std(x)·U with U per element, α per example, std over the whole batch:
    noise_key, alpha_key = jax.random.split(key)
    uniform = np.asarray(jax.random.uniform(noise_key, real.shape, jnp.float64))
    alpha = np.asarray(jax.random.uniform(alpha_key, (256, 1, 1, 1), jnp.float64))
    expected = np.asarray(real) + alpha * 0.5 * np.std(np.asarray(real)) * uniform
    np.testing.assert_allclose(points, expected, rtol=1e-12)
    # The distribution: (x̃ − x) / (0.5·std) = α·U ∈ [0, 1], mean 1/4, mean square 1/9.
    ratio = np.asarray(points - real) / (0.5 * float(jnp.std(real)))
    assert ratio.min() >= 0.0 and ratio.max() <= 1.0
    assert abs(ratio.mean() - 1 / 4) < 0.03 and abs(np.mean(ratio**2) - 1 / 9) < 0.02
    assert abs(float(jnp.std(real)) - 2.0) < 0.1  # the scale follows the data's spread


def test_dragan_penalty_values():
    rng = np.random.default_rng(8)
    real = jnp.asarray(rng.normal(size=(4, 2, 2, 3)))
    w = jnp.asarray(rng.normal(size=(2, 2, 3)))
    key = jax.random.PRNGKey(9)
    linear = regularizers.dragan_penalty(image_linear_critic(w), real, key)
    np.testing.assert_allclose(linear, np.full(4, (float(jnp.linalg.norm(w)) - 1) ** 2))
    # D = ½‖x‖² has ∇D = x: the penalty is (‖x̃‖ − 1)² at DRAGAN's points.
    half_square = lambda x: 0.5 * jnp.sum(x**2, axis=(1, 2, 3))
    points = np.asarray(regularizers.dragan_points(key, real)).reshape(4, -1)
    np.testing.assert_allclose(
        regularizers.dragan_penalty(half_square, real, key),
        (np.linalg.norm(points, axis=1) - 1) ** 2,
        rtol=1e-12,
    )
