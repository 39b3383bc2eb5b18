"""The Puzzle-GAN game against a hand computation, the part encoding, and the networks' shapes."""

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgen.game import parts
from jaxgen.nn.parts import (
    ImageGenerator,
    MaskGenerator,
    PartEncoder,
    PartsDiscriminator,
    encode_parts,
)
from jaxgen.types import Pair

B, H, P, S, F, Z = 3, 4, 2, 2, 3, 2  # batch, image side, parts, patch side, encoding, z


class LinearEncoder(nn.Module):
    @nn.compact
    def __call__(self, x):
        a = self.param("a", nn.initializers.normal(1.0), (S * S, F))
        return x.reshape(x.shape[0], -1) @ a


class LinearMask(nn.Module):
    @nn.compact
    def __call__(self, e):
        u = self.param("u", nn.initializers.normal(1.0), (F, H * H))
        return nn.sigmoid(e @ u).reshape(-1, H, H, 1), []


class LinearImage(nn.Module):
    @nn.compact
    def __call__(self, e, z, features):
        v = self.param("v", nn.initializers.normal(0.5), (F + Z, H * H))
        return jnp.tanh(jnp.concatenate([e, z], -1) @ v).reshape(-1, H, H, 1)


class LinearCritic(nn.Module):
    @nn.compact
    def __call__(self, x):
        w = self.param("w", nn.initializers.normal(1.0), (H * H,))
        return x.reshape(x.shape[0], -1) @ w


NETWORKS = (LinearEncoder(), LinearMask(), LinearImage(), LinearCritic())


def _softplus(x):
    return np.logaddexp(0, x)


@pytest.mark.parametrize(("spatial", "appearance_mask"), [("l1", "predicted"), ("bce", "true")])
def test_losses_equal_a_hand_computation(spatial, appearance_mask):
    rng = np.random.default_rng(0)
    real = rng.uniform(-1, 1, (B, H, H, 1)).astype(np.float32)
    part_images = rng.uniform(-1, 1, (B, P, S, S, 1)).astype(np.float32)
    present = np.array([[1, 1], [1, 0], [0, 1]], np.float32)
    mask = (rng.uniform(size=(B, H, H, 1)) < 0.4).astype(np.float32)
    mask[:, 0, 0] = 1  # every example has parts
    batch = {"image": real, "parts": part_images, "present": present, "mask": mask}
    params = parts.init_params(
        NETWORKS, jax.random.PRNGKey(1), jnp.asarray(part_images), jnp.asarray(present), Z
    )
    game = jax.jit(
        parts.parts_to_whole(
            NETWORKS,
            latent_dim=Z,
            spatial=spatial,
            appearance_mask=appearance_mask,
            spatial_weight=2.0,
            appearance_weight=3.0,
            composite_weight=0.5,
        )
    )
    key = jax.random.PRNGKey(7)
    (loss_g, loss_d), (state, metrics) = game(params, Pair({}, {}), batch, key)
    assert state == Pair({}, {})

    # by hand, in float64
    a = np.float64(params.g["part_encoder"]["a"])
    u = np.float64(params.g["mask_generator"]["u"])
    v = np.float64(params.g["image_generator"]["v"])
    w = np.float64(params.d["discriminator"]["w"])
    x, m = np.float64(real), np.float64(mask)
    encoding = np.einsum("bpf,bp->bf", part_images.reshape(B, P, -1) @ a, present)
    z = np.float64(jax.random.uniform(key, (B, Z), minval=-1, maxval=1))
    mask_hat = (1 / (1 + np.exp(-(encoding @ u)))).reshape(B, H, H, 1)
    fake = np.tanh(np.concatenate([encoding, z], 1) @ v).reshape(B, H, H, 1)
    shuffled = x[[2, 0, 1]]  # example b is paired with example b − 1

    def critic(images):
        return images.reshape(B, -1) @ w

    own, other = m * x + (1 - m) * shuffled, m * shuffled + (1 - m) * x
    expected_d = np.mean(_softplus(-critic(x)) + _softplus(critic(fake))) + 0.5 * np.mean(
        _softplus(critic(own)) + _softplus(critic(other))
    )
    if spatial == "l1":
        spatial_term = np.abs(mask_hat - m).mean()
    else:
        spatial_term = -np.mean(m * np.log(mask_hat) + (1 - m) * np.log(1 - mask_hat))
    fake_mask = mask_hat if appearance_mask == "predicted" else m
    appearance = np.abs(fake_mask * fake - m * x).mean()
    expected_g = np.mean(_softplus(-critic(fake))) + 2 * spatial_term + 3 * appearance
    in_mask = (m * np.abs(fake - x)).reshape(B, -1).sum(1) / m.reshape(B, -1).sum(1)
    hit, truth = mask_hat > 0.5, m > 0.5
    iou = (hit & truth).reshape(B, -1).sum(1) / (hit | truth).reshape(B, -1).sum(1)

    np.testing.assert_allclose(metrics["spatial"], spatial_term, rtol=1e-5)
    np.testing.assert_allclose(metrics["appearance"], appearance, rtol=1e-5)
    np.testing.assert_allclose(metrics["in_mask_error"], in_mask.mean(), rtol=1e-5)
    np.testing.assert_allclose(metrics["mask_iou"], iou.mean(), rtol=1e-6)
    np.testing.assert_allclose(loss_d, expected_d, rtol=1e-5)
    np.testing.assert_allclose(loss_g, expected_g, rtol=1e-5)


def test_a_part_set_encodes_to_the_sum_of_its_parts_and_the_empty_set_to_zero():
    encoder = LinearEncoder()
    part_images = jax.random.normal(jax.random.PRNGKey(0), (2, P, S, S, 1))
    params = encoder.init(jax.random.PRNGKey(1), part_images[:, 0])["params"]
    each = np.stack([encoder.apply({"params": params}, part_images[:, i]) for i in range(P)], 1)
    both = encode_parts(encoder, params, part_images, jnp.ones((2, P)))
    np.testing.assert_allclose(both, each.sum(1), rtol=1e-6)
    swapped = encode_parts(encoder, params, part_images[:, ::-1], jnp.ones((2, P)))
    np.testing.assert_allclose(swapped, both, rtol=1e-6)  # the order of the parts is ignored
    first = encode_parts(encoder, params, part_images, jnp.array([[1.0, 0.0]] * 2))
    np.testing.assert_allclose(first, each[:, 0], rtol=1e-6)
    np.testing.assert_array_equal(encode_parts(encoder, params, part_images, jnp.zeros((2, P))), 0)


def test_in_mask_error_and_composites_equal_numpy():
    rng = np.random.default_rng(3)
    images, real = rng.uniform(-1, 1, (2, 2, 3, 3, 1)).astype(np.float32)
    mask = np.zeros((2, 3, 3, 1), np.float32)
    mask[0, 0, 0] = mask[0, 2, 1] = 1  # two pixels; the second example's mask is empty
    errors = np.asarray(parts.in_mask_error(images, real, mask, power=2))
    expected = (
        (images[0, 0, 0, 0] - real[0, 0, 0, 0]) ** 2 + (images[0, 2, 1, 0] - real[0, 2, 1, 0]) ** 2
    ) / 2
    np.testing.assert_allclose(errors, [expected, 0.0], rtol=1e-6)
    own, other = parts.composites(real, mask)
    np.testing.assert_allclose(own[0], mask[0] * real[0] + (1 - mask[0]) * real[1])
    np.testing.assert_allclose(other[1], real[1])  # an empty mask keeps x's own background


def test_networks_have_the_documented_shapes_and_ranges():
    networks = (
        PartEncoder(features=8, width=4),
        MaskGenerator(8, width=4, num_upsamplings=2),
        ImageGenerator(8, channels=1, width=4, num_upsamplings=2),
        PartsDiscriminator(width=4, num_downsamplings=2),
    )
    part_images = jax.random.uniform(jax.random.PRNGKey(0), (2, 3, 3, 3, 1), minval=-1, maxval=1)
    present = jnp.array([[1.0, 1.0, 0.0], [1.0, 1.0, 1.0]])

    @jax.jit  # one compilation instead of one per operation
    def run(part_images, present):
        params = parts.init_params(networks, jax.random.PRNGKey(1), part_images, present, 5)
        z = parts.draw_latents(jax.random.PRNGKey(2), 2, 5)
        fake, mask = parts.generate(networks, params.g, part_images, present, z)
        _, features = networks[1].apply(
            {"params": params.g["mask_generator"]},
            encode_parts(networks[0], params.g["part_encoder"], part_images, present),
        )
        logits = networks[3].apply({"params": params.d["discriminator"]}, fake)
        return fake, mask, [f.shape for f in features], logits

    fake, mask, feature_shapes, logits = run(part_images, present)
    assert fake.shape == (2, 8, 8, 1) and float(jnp.max(jnp.abs(fake))) <= 1
    assert mask.shape == (2, 8, 8, 1) and float(mask.min()) >= 0 and float(mask.max()) <= 1
    assert [s[1:] for s in feature_shapes] == [(2, 2, 16), (4, 4, 8), (8, 8, 4)]
    assert logits.shape == (2,)
    with pytest.raises(ValueError, match="divisible by 2\\^num_upsamplings = 4"):
        jax.eval_shape(MaskGenerator(6, 4, 2).init, jax.random.PRNGKey(0), jnp.zeros((1, 8)))
