"""The StarGAN game against a hand computation, its target domains, and its networks' shapes."""

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgen.game import stargan
from jaxgen.nn.stargan import SpatialMixing, StarGANDiscriminator, StarGANGenerator
from jaxgen.types import Pair


class ScaleShift(nn.Module):
    """G(x, c) = a[c]·x + b[c]: a generator whose translations are easy to write by hand."""

    num_domains: int

    @nn.compact
    def __call__(self, images, domains):
        a = self.param("a", nn.initializers.ones, (self.num_domains,))
        b = self.param("b", nn.initializers.zeros, (self.num_domains,))
        return a[domains][:, None, None, None] * images + b[domains][:, None, None, None]


class QuadraticCritic(nn.Module):
    """Patch outputs w ⊙ x² (one patch per pixel, so D_src(x) = mean w ⊙ x² and
    ∇_x D_src = 2 w ⊙ x / #pixels) and linear domain logits x·V."""

    num_domains: int

    @nn.compact
    def __call__(self, images):
        w = self.param("w", nn.initializers.normal(1.0), images.shape[1:])
        v = self.param("v", nn.initializers.normal(1.0), (images[0].size, self.num_domains))
        return w * images**2, images.reshape(images.shape[0], -1) @ v


def _cross_entropy(logits, labels):
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return -log_probs[np.arange(len(labels)), labels]


def test_losses_equal_a_hand_computation():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (3, 2, 2, 1)).astype(np.float32)
    source = np.array([0, 1, 1], np.int32)
    a, b = np.array([0.5, -1.5], np.float32), np.array([0.1, 0.3], np.float32)
    w = rng.normal(size=(2, 2, 1)).astype(np.float32)
    v = rng.normal(size=(4, 2)).astype(np.float32)
    params = Pair({"a": a, "b": b}, {"w": w, "v": v})
    game = jax.jit(stargan.stargan(ScaleShift(2), QuadraticCritic(2), num_domains=2))
    key = jax.random.PRNGKey(7)
    (loss_g, loss_d), (state, metrics) = game(
        params, Pair({}, {}), {"image": x, "domain": source}, key
    )
    assert state == Pair({}, {})

    # With two domains the target is the other one; by hand, in float64:
    target = 1 - source
    x64, a64, b64, w64, v64 = (np.float64(t) for t in (x, a, b, w, v))

    def g(images, domains):
        return a64[domains][:, None, None, None] * images + b64[domains][:, None, None, None]

    def score(images):
        return (w64 * images**2).reshape(3, -1).mean(axis=1)

    fake = g(x64, target)
    reconstruction = np.abs(x64 - g(fake, source)).mean()
    class_real = _cross_entropy(x64.reshape(3, -1) @ v64, source).mean()
    class_fake = _cross_entropy(fake.reshape(3, -1) @ v64, target).mean()
    _, penalty_key = jax.random.split(key)
    eps = np.float64(jax.random.uniform(penalty_key, (3, 1, 1, 1)))
    interpolates = eps * x64 + (1 - eps) * fake
    gradient = 2 * w64 * interpolates / 4
    penalty = (np.sqrt((gradient**2).reshape(3, -1).sum(axis=1)) - 1) ** 2
    expected_d = np.mean(score(fake) - score(x64)) + 10 * penalty.mean() + class_real
    expected_g = -score(fake).mean() + class_fake + 10 * reconstruction

    np.testing.assert_allclose(metrics["reconstruction"], reconstruction, rtol=1e-6)
    np.testing.assert_allclose(metrics["class_loss_real"], class_real, rtol=1e-5)
    np.testing.assert_allclose(metrics["class_loss_fake"], class_fake, rtol=1e-5)
    np.testing.assert_allclose(metrics["d_penalty"], penalty.mean(), rtol=1e-5)
    np.testing.assert_allclose(loss_d, expected_d, rtol=1e-5)
    np.testing.assert_allclose(loss_g, expected_g, rtol=1e-5)
    real_logits = x64.reshape(3, -1) @ v64
    np.testing.assert_allclose(metrics["class_real"], np.mean(real_logits.argmax(1) == source))


def test_target_domains_differ_from_the_source_and_cover_the_others():
    source = jnp.asarray(np.arange(4000) % 4, jnp.int32)
    target = np.asarray(stargan.target_domains(jax.random.PRNGKey(0), source, 4))
    assert np.all(target != np.asarray(source))
    for c in range(4):  # each of the 3 others about 1/3 of the time (1000 draws per source)
        counts = np.bincount(target[np.asarray(source) == c], minlength=4)
        assert counts[c] == 0 and np.all(np.abs(np.delete(counts, c) - 1000 / 3) < 60), counts
    with pytest.raises(ValueError, match="at least 2 domains"):
        stargan.stargan(ScaleShift(1), QuadraticCritic(1), num_domains=1)


def test_networks_read_the_target_domain_and_have_two_heads():
    generator = StarGANGenerator(3, width=4, num_downsamplings=1, num_blocks=1, outer_kernel=3)
    discriminator = StarGANDiscriminator(3, width=4, num_downsamplings=2)
    images = jax.random.uniform(jax.random.PRNGKey(0), (2, 8, 8, 1), minval=-1, maxval=1)

    @jax.jit  # one compilation instead of one per operation
    def run(images):
        domains = jnp.array([0, 2], jnp.int32)
        params = stargan.init_params(
            generator, discriminator, jax.random.PRNGKey(1), images, domains
        )
        out = stargan.translate(generator, params.g, images, domains)
        other = stargan.translate(generator, params.g, images, jnp.array([1, 2], jnp.int32))
        return out, other, discriminator.apply({"params": params.d}, images)

    out, other, (patches, logits) = run(images)
    assert out.shape == images.shape and float(jnp.max(jnp.abs(out))) <= 1
    assert not np.allclose(out[0], other[0]) and np.allclose(out[1], other[1])
    assert patches.shape == (2, 2, 2, 1) and logits.shape == (2, 3)
    with pytest.raises(ValueError, match="divisible"):
        jax.eval_shape(generator.init, jax.random.PRNGKey(0), images[:, :7, :7], images[:, 0, 0, 0])


def test_skips_give_the_decoder_the_encoders_features_of_the_same_resolution():
    images, domains = jnp.zeros((2, 8, 8, 1)), jnp.zeros((2,), jnp.int32)
    kernels = {}
    for skips in (False, True):
        generator = StarGANGenerator(
            3, width=4, num_downsamplings=1, num_blocks=1, outer_kernel=3, skips=skips
        )
        params = jax.eval_shape(generator.init, jax.random.PRNGKey(0), images, domains)["params"]
        kernels[skips] = params["Conv_2"]["kernel"].shape  # the last convolution
    # 4 upsampled channels, plus the first convolution's 4 at 8×8 with skips
    assert kernels == {False: (3, 3, 4, 1), True: (3, 3, 8, 1)}


def test_identity_term_adds_the_own_domain_translation_error():
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, (3, 2, 2, 1)).astype(np.float32)
    source = np.array([0, 1, 1], np.int32)
    a, b = np.array([0.5, -1.5], np.float32), np.array([0.1, 0.3], np.float32)
    params = Pair(
        {"a": a, "b": b},
        {"w": rng.normal(size=(2, 2, 1)).astype(np.float32), "v": np.ones((4, 2), np.float32)},
    )
    batch, key = {"image": x, "domain": source}, jax.random.PRNGKey(3)

    @jax.jit  # one compilation for both games
    def both(params, batch):
        def losses(identity_weight):
            game = stargan.stargan(
                ScaleShift(2), QuadraticCritic(2), num_domains=2, identity_weight=identity_weight
            )
            return game(params, Pair({}, {}), batch, key)

        return losses(0.0), losses(2.5)

    ((loss_g0, loss_d0), _), ((loss_g, loss_d), (_, metrics)) = both(params, batch)
    # by hand, in float64: G(x, c) = a[c]·x + b[c] with each example's own domain c
    x64, a64, b64 = np.float64(x), np.float64(a)[source], np.float64(b)[source]
    own = a64[:, None, None, None] * x64 + b64[:, None, None, None]
    identity = np.abs(x64 - own).mean()
    np.testing.assert_allclose(metrics["identity"], identity, rtol=1e-6)
    np.testing.assert_allclose(loss_g - loss_g0, 2.5 * identity, rtol=1e-5, atol=1e-5)
    assert loss_d == loss_d0  # the critic's loss does not see it


@pytest.mark.parametrize("shared", [False, True])
def test_spatial_mixing_can_rotate_every_channel(shared):
    images = np.random.default_rng(0).normal(size=(2, 4, 4, 3)).astype(np.float32)
    # M[c, p, q] = 1 where position q of the output reads position p of the input under rot90
    index = np.arange(16).reshape(4, 4)
    rotated_index = np.rot90(index, 1).ravel()  # output position q holds input rotated_index[q]
    permutation = np.zeros((16, 16), np.float32)
    permutation[rotated_index, np.arange(16)] = 1.0
    matrices = 1 if shared else 3
    mixing = np.broadcast_to(permutation, (matrices, 16, 16))

    layer = SpatialMixing(shared=shared)
    out = jax.jit(layer.apply)({"params": {"mixing": mixing}}, images)
    np.testing.assert_allclose(out, np.rot90(np.asarray(images), 1, axes=(1, 2)), atol=1e-6)
    params = jax.eval_shape(layer.init, jax.random.PRNGKey(1), images)["params"]
    assert params["mixing"].shape == (matrices, 16, 16)


def test_shared_mixing_moves_every_channel_alike():
    """One matrix for all channels: channel c of the output is M applied to channel c alone."""
    images = np.random.default_rng(1).normal(size=(2, 3, 3, 4)).astype(np.float32)
    matrix = np.random.default_rng(2).normal(size=(9, 9)).astype(np.float32)
    out = SpatialMixing(shared=True).apply({"params": {"mixing": matrix[None]}}, images)
    flat = images.reshape(2, 9, 4)
    expected = np.stack([flat[:, :, c] @ matrix for c in range(4)], axis=-1).reshape(images.shape)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)


def test_zero_initialized_mixing_starts_as_the_generator_without_it():
    """Also on the skip: the bottleneck's map (8 channels, 4×4 positions) and the skip's (the
    first convolution's 4 channels, 8×8 positions) both start at zero."""
    images = jnp.asarray(np.random.default_rng(0).uniform(-1, 1, (2, 8, 8, 1)), jnp.float32)
    domains = jnp.array([1, 3])
    sizes = dict(
        num_domains=4, width=4, num_downsamplings=1, num_blocks=1, outer_kernel=3, skips=True
    )
    mixed = StarGANGenerator(**sizes, spatial_mixing=True, mixing_init_scale=0.0, mixing_skips=True)
    variables = mixed.init(jax.random.PRNGKey(0), images, domains)
    without_mixing = dict(variables["params"])
    for name, shape in (("SpatialMixing_0", (8, 16, 16)), ("SpatialMixing_1", (4, 64, 64))):
        mixing = without_mixing.pop(name)["mixing"]
        assert mixing.shape == shape and not np.any(mixing)
    plain = StarGANGenerator(**sizes).apply({"params": without_mixing}, images, domains)
    np.testing.assert_allclose(mixed.apply(variables, images, domains), plain, atol=1e-6)
    # the default scale draws M as LeCun normal: std 1/√(h·w) over the 4×4 positions
    drawn = StarGANGenerator(**sizes, spatial_mixing=True).init(
        jax.random.PRNGKey(0), images, domains
    )
    assert 0.2 < float(jnp.std(drawn["params"]["SpatialMixing_0"]["mixing"])) < 0.3
