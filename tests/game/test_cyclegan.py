"""CycleGAN's game and history buffer against hand computations and a sequential reference."""

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgen.game import cyclegan
from jaxgen.nn.cyclegan import PatchGAN, ResnetGenerator, instance_norm, reflect_pad
from jaxgen.types import Pair


class PixelAffine(nn.Module):
    """y = w·x + c per pixel: a network whose outputs numpy can compute by hand."""

    @nn.compact
    def __call__(self, x):
        return nn.Dense(1)(x)


def affine(w, c):
    return {"Dense_0": {"kernel": jnp.array([[w]], jnp.float32), "bias": jnp.array([c])}}


# generators G_AB, G_BA and discriminators D_A, D_B as (w, c)
G_AB, G_BA, D_A, D_B = (0.5, 0.1), (-0.8, 0.2), (1.5, -0.3), (-0.7, 0.4)


def hand_losses(a, b, cycle_weight, identity_weight):
    """L_G and L_D of the module docstring in numpy, with an empty history (D sees the fresh
    translations)."""

    def f(params, x):
        return params[0] * x + params[1]

    fake_b, fake_a = f(G_AB, a), f(G_BA, b)
    cycle = np.abs(f(G_BA, fake_b) - a).mean() + np.abs(f(G_AB, fake_a) - b).mean()
    identity = np.abs(f(G_BA, a) - a).mean() + np.abs(f(G_AB, b) - b).mean()
    adversarial = ((f(D_B, fake_b) - 1) ** 2).mean() + ((f(D_A, fake_a) - 1) ** 2).mean()
    loss_g = adversarial + cycle_weight * cycle + cycle_weight * identity_weight * identity
    loss_d = 0.0
    for d, real, fake in ((D_A, a, fake_a), (D_B, b, fake_b)):
        loss_d += 0.5 * ((f(d, real) - 1) ** 2).mean() + 0.5 * (f(d, fake) ** 2).mean()
    return loss_g, loss_d


def test_losses_equal_a_hand_computation():
    rng = np.random.default_rng(0)
    a = rng.uniform(-1, 1, (3, 4, 4, 1)).astype(np.float32)
    b = rng.uniform(-1, 1, (3, 4, 4, 1)).astype(np.float32)
    params = Pair(
        g={"g_ab": affine(*G_AB), "g_ba": affine(*G_BA)},
        d={"d_a": affine(*D_A), "d_b": affine(*D_B)},
    )
    game = cyclegan.cyclegan(PixelAffine(), PixelAffine(), cycle_weight=10.0, identity_weight=0.5)
    state = cyclegan.init_model_state((4, 4, 1), (4, 4, 1), size=5)
    losses, (new_state, metrics) = jax.jit(game)(
        params, state, {"image": a, "image_b": b}, jax.random.PRNGKey(0)
    )
    expected_g, expected_d = hand_losses(a, b, 10.0, 0.5)
    np.testing.assert_allclose(losses.g, expected_g, rtol=1e-5)
    identity = metrics["identity_a"] + metrics["identity_b"]
    without_identity = losses.g - 10.0 * 0.5 * identity
    np.testing.assert_allclose(without_identity, hand_losses(a, b, 10.0, 0.0)[0], rtol=1e-5)
    np.testing.assert_allclose(losses.d, expected_d, rtol=1e-5)
    np.testing.assert_allclose(
        metrics["cycle_a"], np.abs(G_BA[0] * (G_AB[0] * a + G_AB[1]) + G_BA[1] - a).mean(), 1e-5
    )
    # the fresh translations filled the first three slots of each history
    np.testing.assert_allclose(new_state["fake_b"].images[:3], G_AB[0] * a + G_AB[1], rtol=1e-6)
    assert int(new_state["fake_a"].count) == 3


query_with = jax.jit(cyclegan.query_history_with)


def reference_query(stored, count, images, swap, slot):
    """The authors' ``ImagePool.query`` as a Python loop, fed the same draws."""
    stored, returned = list(stored), []
    for image, s, k in zip(images, swap, slot, strict=True):
        if count < len(stored):
            stored[count] = image
            count += 1
            returned.append(image)
        elif s:
            returned.append(stored[k])
            stored[k] = image
        else:
            returned.append(image)
    return np.stack(returned), np.stack(stored), count


@pytest.mark.parametrize("count", [0, 2, 4])
def test_query_equals_the_sequential_reference(count):
    size, n = 4, 5
    rng = np.random.default_rng(count)
    history = cyclegan.ImageHistory(
        jnp.asarray(rng.normal(size=(size, 2, 2, 1)), jnp.float32), jnp.asarray(count, jnp.int32)
    )
    for trial in range(4):
        images = jnp.asarray(rng.normal(size=(n, 2, 2, 1)), jnp.float32)
        draws = cyclegan.history_draws(jax.random.PRNGKey(trial), n, size)
        returned, new = query_with(history, images, draws)
        expected = reference_query(
            np.asarray(history.images), int(history.count), np.asarray(images), *draws
        )
        np.testing.assert_array_equal(returned, expected[0])
        np.testing.assert_array_equal(new.images, expected[1])
        assert int(new.count) == expected[2]
        history = new


def test_an_empty_history_stores_and_returns_the_new_images():
    images = jnp.arange(50, dtype=jnp.float32).reshape(50, 1, 1, 1)
    returned, history = jax.jit(cyclegan.query_history)(
        cyclegan.init_history(50, (1, 1, 1)), images, jax.random.PRNGKey(3)
    )
    np.testing.assert_array_equal(returned, images)
    np.testing.assert_array_equal(history.images, images)
    assert int(history.count) == 50


def full_history(size=50):
    return cyclegan.ImageHistory(
        jnp.arange(size, dtype=jnp.float32).reshape(size, 1, 1, 1), jnp.asarray(size, jnp.int32)
    )


def test_a_full_history_returns_half_old_half_new_and_keeps_every_image():
    history, draws = full_history(), 4000
    new_image = jnp.full((1, 1, 1, 1), -1.0)
    keys = jax.random.split(jax.random.PRNGKey(0), draws)
    returned, histories = jax.jit(jax.vmap(cyclegan.query_history, in_axes=(None, None, 0)))(
        history, new_image, keys
    )
    returned = np.asarray(returned).reshape(draws)
    old = returned[returned >= 0]
    # Binomial(4000, ½): standard deviation 0.0079 of the fraction
    assert abs(len(old) / draws - 0.5) < 0.03
    counts = np.bincount(old.astype(int), minlength=50)
    expected = len(old) / 50
    assert np.sum((counts - expected) ** 2 / expected) < 100  # χ² with 49 dof: p ≈ 2e-5
    # what goes in is what comes out: buffer + new image = new buffer + returned image
    before = np.sort(np.append(np.arange(50.0), -1.0))
    after = np.sort(
        np.concatenate([np.asarray(histories.images).reshape(draws, 50), returned[:, None]], 1)
    )
    np.testing.assert_array_equal(after, np.broadcast_to(before, after.shape))


def test_the_history_is_deterministic_given_the_key():
    images = jnp.linspace(-1, 0, 8).reshape(8, 1, 1, 1)

    @jax.jit
    def query(key):
        return cyclegan.query_history(full_history(), images, key)

    first, again, other = (query(jax.random.PRNGKey(seed)) for seed in (1, 1, 2))
    for x, y in zip(jax.tree.leaves(first), jax.tree.leaves(again), strict=True):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(first[0], other[0])


def test_reflect_pad_and_instance_norm_match_numpy():
    x = np.random.default_rng(1).normal(size=(2, 4, 5, 3)).astype(np.float32)
    np.testing.assert_array_equal(
        reflect_pad(x, 2), np.pad(x, ((0, 0), (2, 2), (2, 2), (0, 0)), mode="reflect")
    )
    mean, var = x.mean(axis=(1, 2), keepdims=True), x.var(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(instance_norm(x), (x - mean) / np.sqrt(var + 1e-5), atol=1e-5)


@pytest.mark.parametrize(
    ("size", "downsamplings", "patches"), [(8, 1, 2), (28, 2, 5), (256, 3, 30)]
)
def test_network_shapes(size, downsamplings, patches):
    x = jnp.zeros((1, size, size, 3))
    generator = ResnetGenerator(width=4, num_downsamplings=downsamplings, num_blocks=1)
    discriminator = PatchGAN(width=4, num_downsamplings=downsamplings)
    out = jax.eval_shape(lambda x: generator.init_with_output(jax.random.PRNGKey(0), x)[0], x)
    assert out.shape == x.shape
    out = jax.eval_shape(lambda x: discriminator.init_with_output(jax.random.PRNGKey(0), x)[0], x)
    assert out.shape == (1, patches, patches, 1)


def test_the_paper_networks_have_the_authors_parameter_counts():
    """The PyTorch code prints 11.378 M for resnet_9blocks and 2.765 M for the 70×70 PatchGAN
    (3 channels, width 64, instance norm, biases)."""
    x = jnp.zeros((1, 256, 256, 3))
    for module, expected in ((ResnetGenerator(), 11_378_179), (PatchGAN(), 2_764_737)):
        params = jax.eval_shape(module.init, jax.random.PRNGKey(0), x)
        assert sum(leaf.size for leaf in jax.tree.leaves(params)) == expected
