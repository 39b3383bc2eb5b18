"""EBGAN's and BEGAN's losses against hand values, numpy references and their gradients."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgen.losses import energy


@pytest.fixture
def float64():
    with jax.enable_x64(True):
        yield


def mean_loss_gradients(loss, *arguments):
    return jax.grad(lambda *a: jnp.mean(loss(*a)), argnums=tuple(range(len(arguments))))(*arguments)


# EBGAN


def test_ebgan_losses_by_hand():
    real = jnp.array([0.5, 2.0, 0.0, 3.0])
    fake = jnp.array([1.0, 4.0, 7.5, 0.0])
    # m = 4: hinges max(0, 4 − fake) = 3, 0, 0, 4.
    np.testing.assert_allclose(
        energy.ebgan_discriminator_loss(real, fake, 4.0), [3.5, 2.0, 0.0, 7.0]
    )
    np.testing.assert_allclose(energy.ebgan_generator_loss(fake), fake)
    # [B, 1] energies give [B] losses, like the other objectives.
    np.testing.assert_allclose(
        energy.ebgan_discriminator_loss(real[:, None], fake[:, None], 4.0), [3.5, 2.0, 0.0, 7.0]
    )


def test_margin_stops_the_push_on_fakes_above_it():
    margin = 2.0
    real = jnp.array([0.3, 0.3, 0.3, 0.3, 0.3])
    fake = jnp.array([0.0, 1.0, 1.999, 2.0, 50.0])  # the last two at or above the margin
    loss = energy.ebgan_discriminator_loss(real, fake, margin)
    np.testing.assert_allclose(loss, real + np.maximum(0.0, margin - np.asarray(fake)), rtol=1e-6)
    d_real, d_fake = jax.vmap(jax.grad(energy.ebgan_discriminator_loss, argnums=(0, 1)))(
        real, fake, jnp.full(5, margin)
    )
    np.testing.assert_array_equal(d_real, np.ones(5))
    np.testing.assert_array_equal(d_fake, [-1.0, -1.0, -1.0, 0.0, 0.0])
    assert float(loss[3] - real[3]) == 0.0 and float(loss[4] - real[4]) == 0.0


def mean_squared_error_reference(x, reconstruction):
    difference = np.asarray(x, np.float64) - np.asarray(reconstruction, np.float64)
    return np.array([np.mean(d**2) for d in difference])


def test_mean_squared_error_is_per_example_mean(float64):
    x, reconstruction = jax.random.normal(jax.random.PRNGKey(0), (2, 3, 4, 5, 2))
    np.testing.assert_allclose(
        energy.mean_squared_error(x, reconstruction),
        mean_squared_error_reference(x, reconstruction),
        rtol=1e-12,
    )


def pulling_away_reference(embeddings):
    """The double loop of Eq. 7, in float64."""
    s = np.asarray(embeddings, np.float64).reshape(len(embeddings), -1)
    n, total = len(s), 0.0
    for i in range(n):
        for j in range(n):
            if i != j:
                total += (s[i] @ s[j] / (np.linalg.norm(s[i]) * np.linalg.norm(s[j]))) ** 2
    return total / (n * (n - 1))


@pytest.mark.parametrize("shape", [(2, 3), (7, 16), (5, 2, 3, 4)])
def test_pulling_away_term_matches_the_double_loop(float64, shape):
    embeddings = jax.random.normal(jax.random.PRNGKey(shape[0]), shape)
    np.testing.assert_allclose(
        energy.pulling_away_term(embeddings), pulling_away_reference(embeddings), rtol=1e-12
    )


def test_pulling_away_term_of_orthogonal_and_parallel_embeddings():
    orthogonal = jnp.eye(4, 6) * jnp.array([[1.0], [3.0], [0.2], [7.0]])
    np.testing.assert_allclose(energy.pulling_away_term(orthogonal), 0.0, atol=1e-7)
    direction = jax.random.normal(jax.random.PRNGKey(1), (8,))
    # Parallel and antiparallel: cos² = 1 for every pair, whatever the scales.
    parallel = direction[None, :] * jnp.array([[1.0], [2.0], [-0.5], [10.0], [1.0]])
    np.testing.assert_allclose(energy.pulling_away_term(parallel), 1.0, rtol=1e-6)


def test_pulling_away_term_with_a_zero_embedding_is_finite():
    embeddings = jnp.array([[0.0, 0.0, 0.0], [1.0, 2.0, 0.5], [-1.0, 0.5, 2.0]])
    value, gradient = jax.value_and_grad(energy.pulling_away_term)(embeddings)
    # The zero vector counts as orthogonal: only the pair (1, 2) and (2, 1) contribute.
    cos = float(embeddings[1] @ embeddings[2]) / float(
        jnp.linalg.norm(embeddings[1]) * jnp.linalg.norm(embeddings[2])
    )
    np.testing.assert_allclose(value, 2 * cos**2 / 6, rtol=1e-6)
    assert np.all(np.isfinite(gradient))
    np.testing.assert_array_equal(gradient[0], 0.0)
    all_zero = jax.grad(energy.pulling_away_term)(jnp.zeros((3, 4)))
    assert np.all(np.isfinite(all_zero))
    assert float(energy.pulling_away_term(jnp.zeros((3, 4)))) == 0.0


@pytest.mark.parametrize("shape", [(1, 4), (4,), ()])
def test_pulling_away_term_needs_two_embeddings(shape):
    with pytest.raises(ValueError, match="N ≥ 2"):
        energy.pulling_away_term(jnp.ones(shape))


# BEGAN


@pytest.mark.parametrize("eta", [1, 2, 1.5])
def test_reconstruction_loss_matches_numpy(float64, eta):
    x, reconstruction = jax.random.normal(jax.random.PRNGKey(2), (2, 3, 8, 8, 3))
    difference = np.abs(np.asarray(x) - np.asarray(reconstruction)).reshape(3, -1)
    np.testing.assert_allclose(
        energy.reconstruction_loss(x, reconstruction, eta),
        np.mean(difference**eta, axis=1),
        rtol=1e-12,
    )


def test_reconstruction_loss_defaults_to_eta_one_and_checks_its_inputs():
    x = jnp.array([[1.0, -1.0], [0.0, 0.5]])
    np.testing.assert_allclose(energy.reconstruction_loss(x, jnp.zeros((2, 2))), [1.0, 0.25])
    with pytest.raises(ValueError, match="same shape"):
        energy.reconstruction_loss(x, jnp.zeros((2, 3)))
    with pytest.raises(ValueError, match="eta"):
        energy.reconstruction_loss(x, x, eta=0)


def test_began_losses_by_hand():
    real, fake = jnp.array([0.2, 0.4]), jnp.array([0.1, 0.3])
    np.testing.assert_allclose(energy.began_discriminator_loss(real, fake, 0.5), [0.15, 0.25])
    np.testing.assert_allclose(energy.began_generator_loss(fake), fake)


def test_no_gradient_flows_into_k():
    real, fake, k = jnp.array([0.2, 0.4]), jnp.array([0.1, 0.3]), jnp.float32(0.25)
    d_real, d_fake, d_k = mean_loss_gradients(energy.began_discriminator_loss, real, fake, k)
    np.testing.assert_allclose(d_real, [0.5, 0.5])
    np.testing.assert_allclose(d_fake, [-0.125, -0.125])
    assert float(d_k) == 0.0
    gradients = jax.grad(energy.began_update_k, argnums=(0, 1, 2))(k, 0.3, 0.1, 0.5)
    assert all(float(g) == 0.0 for g in gradients)


def test_update_k_by_hand():
    # 0.1 + 0.01 · (0.5 · 0.4 − 0.1) = 0.101
    np.testing.assert_allclose(energy.began_update_k(0.1, 0.4, 0.1, 0.5, 0.01), 0.101, rtol=1e-6)
    assert float(energy.began_update_k(0.0, 0.4, 0.9, 0.5)) == 0.0
    assert float(energy.began_update_k(1.0, 9.0, 0.0, 0.5)) == 1.0


@pytest.mark.parametrize("lambda_k", [1e-3, 0.1])
def test_k_stays_in_the_unit_interval_and_follows_the_clipped_recursion(float64, lambda_k):
    keys = jax.random.split(jax.random.PRNGKey(3), 3)
    steps = 2000
    losses = jnp.exp(3 * jax.random.normal(keys[0], (steps, 2)))  # from ~1e-4 to ~1e4
    extremes = jax.random.choice(keys[1], jnp.array([0.0, 1e4]), (steps, 2))
    use_extreme = jax.random.bernoulli(keys[2], 0.1, (steps, 2))
    losses = jnp.where(use_extreme, extremes, losses)
    gamma = 0.5

    def step(k, pair):
        k = energy.began_update_k(k, pair[0], pair[1], gamma, lambda_k)
        return k, k

    _, ks = jax.jit(lambda: jax.lax.scan(step, jnp.float64(0.0), losses))()
    ks = np.asarray(ks)
    reference, k = [], 0.0
    for real, fake in np.asarray(losses):
        k = min(max(k + lambda_k * (gamma * real - fake), 0.0), 1.0)
        reference.append(k)
    np.testing.assert_allclose(ks, reference, rtol=1e-12, atol=1e-15)
    assert np.all((ks >= 0) & (ks <= 1))
    assert np.any(ks == 0.0) and np.any(ks == 1.0)  # both bounds were reached


def test_convergence_measure_by_hand():
    np.testing.assert_allclose(energy.began_convergence(0.4, 0.1, 0.5), 0.4 + 0.1)
    np.testing.assert_allclose(energy.began_convergence(0.4, 0.3, 0.5), 0.4 + 0.1)
    np.testing.assert_allclose(energy.began_convergence(0.2, 0.14, 0.7), 0.2)


# Every loss at energies 0 and 1e4


@pytest.mark.parametrize("value", [0.0, 1e4])
def test_every_loss_is_finite_with_finite_gradients(value):
    energies = jnp.full((4,), value)
    images = jnp.full((4, 3, 3, 1), value)
    zeros = jnp.zeros_like(images)
    losses = {
        "ebgan_d": lambda e: energy.ebgan_discriminator_loss(e, e, 10.0),
        "ebgan_g": energy.ebgan_generator_loss,
        "began_d": lambda e: energy.began_discriminator_loss(e, e, 0.5),
        "began_g": energy.began_generator_loss,
        "update_k": lambda e: energy.began_update_k(0.5, e.mean(), e.mean(), 0.5),
        "convergence": lambda e: energy.began_convergence(e.mean(), e.mean(), 0.5),
    }
    for name, loss in losses.items():
        value_, gradient = jax.value_and_grad(lambda e, loss=loss: jnp.mean(loss(e)))(energies)
        assert np.isfinite(value_) and np.all(np.isfinite(gradient)), name
    on_images = {
        "mse": energy.mean_squared_error,
        "l1": energy.reconstruction_loss,
        "l2": lambda x, r: energy.reconstruction_loss(x, r, 2),
    }
    for name, loss in on_images.items():
        for x, reconstruction in [(images, zeros), (images, images)]:
            value_, gradients = jax.value_and_grad(
                lambda x, r, loss=loss: jnp.mean(loss(x, r)), argnums=(0, 1)
            )(x, reconstruction)
            assert np.isfinite(value_), name
            assert all(np.all(np.isfinite(g)) for g in gradients), name
    value_, gradient = jax.value_and_grad(energy.pulling_away_term)(images)
    assert np.isfinite(value_) and np.all(np.isfinite(gradient))
