"""Progressive GAN's layers and growing networks against numpy and against their own stages.

- Equalized learning rate: every layer's run-time scale is He's constant gain / √fan_in (gain √2,
  1 for the linear to-RGB and output layers), fan_in = k·k·C_in for convolutions; the layers'
  outputs equal numpy's with the scaled N(0, 1) weights.
- Pixel norm and minibatch standard deviation against numpy.
- Fade-in: at α = 0 a stage's output is the previous stage's (G: upsampled; D: on the
  average-pooled image); at α = 1 the old to-RGB / from-RGB path has no effect (and at α = ½ it
  has, so the check can fail).
"""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import traverse_util

from jaxgen.nn.normalization import minibatch_stddev
from jaxgen.nn.progressive import (
    SCALES,
    EqualizedConv,
    EqualizedDense,
    ProgressiveDiscriminator,
    ProgressiveGenerator,
    downsample,
    pixel_norm,
)

WIDTHS = (8, 6, 4)  # three stages: 4, 8, 16
LATENT = 5
LINEAR_LAYERS = ("to_rgb", "output_dense")  # gain 1, as the authors' code


@pytest.fixture(scope="module")
def networks():
    generator, discriminator = ProgressiveGenerator(WIDTHS), ProgressiveDiscriminator(WIDTHS)
    z = jax.random.normal(jax.random.PRNGKey(0), (8, LATENT))
    images = jax.random.uniform(jax.random.PRNGKey(1), (8, 16, 16, 1), minval=-1, maxval=1)
    # jitted: one compilation instead of one per operation of an eager init
    g_params = jax.jit(lambda key: generator.init(key, z[:1], 2, 0.5)["params"])(
        jax.random.PRNGKey(2)
    )
    d_params = jax.jit(lambda key: discriminator.init(key, images[:1], 2, 0.5)["params"])(
        jax.random.PRNGKey(3)
    )
    # stage is static, α an argument: one compilation per network and stage
    g_apply = jax.jit(generator.apply, static_argnums=2)
    d_apply = jax.jit(discriminator.apply, static_argnums=2)
    return g_apply, d_apply, g_params, d_params, z, images


def numpy_conv_same(x, kernel):
    """A stride-1 SAME convolution ``[B, H, W, I] * [k, k, I, O]`` by summing shifted products."""
    k = kernel.shape[0]
    pad = k // 2
    padded = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    out = np.zeros((*x.shape[:3], kernel.shape[-1]))
    for i in range(k):
        for j in range(k):
            window = padded[:, i : i + x.shape[1], j : j + x.shape[2]]
            out += window @ kernel[i, j]
    return out


def test_equalized_layers_match_numpy_with_he_scaled_weights():
    x = np.asarray(jax.random.normal(jax.random.PRNGKey(4), (2, 5, 5, 3)), np.float64)
    conv = EqualizedConv(4, 3)
    variables = conv.init(jax.random.PRNGKey(5), x)
    kernel = np.asarray(variables["params"]["kernel"], np.float64)
    bias = np.linspace(-1, 1, 4)
    variables = {"params": {"kernel": jnp.asarray(kernel, jnp.float32), "bias": bias}}
    expected = numpy_conv_same(x, kernel * math.sqrt(2 / (3 * 3 * 3))) + bias
    np.testing.assert_allclose(conv.apply(variables, x), expected, rtol=1e-4, atol=1e-5)

    dense = EqualizedDense(3, gain=1.0)
    flat = x.reshape(2, -1)
    dense_variables = dense.init(jax.random.PRNGKey(6), flat)
    dense_kernel = np.asarray(dense_variables["params"]["kernel"], np.float64)
    expected = flat @ (dense_kernel / math.sqrt(flat.shape[1]))
    np.testing.assert_allclose(dense.apply(dense_variables, flat), expected, rtol=1e-4, atol=1e-5)


def test_every_layer_scale_is_he_constant_and_weights_are_standard_normal(networks):
    for module, params, inputs in (
        (ProgressiveGenerator(WIDTHS), networks[2], networks[4]),
        (ProgressiveDiscriminator(WIDTHS), networks[3], networks[5]),
    ):
        _, sown = module.apply({"params": params}, inputs, 2, 0.5, mutable=[SCALES])
        scales = traverse_util.flatten_dict(sown[SCALES])
        flat = traverse_util.flatten_dict(params)
        kernels = {path[:-1]: v for path, v in flat.items() if path[-1] == "kernel"}
        # every layer of the last stage ran: all but the to-RGB / from-RGB layers of stages < 1
        ran = {path[:-1] for path in scales}
        assert ran == {p for p in kernels if not p[0].endswith("rgb_0")}
        for path, values in scales.items():
            shape = kernels[path[:-1]].shape
            fan_in = math.prod(shape[:-1])
            gain = 1.0 if path[0].startswith(LINEAR_LAYERS) else math.sqrt(2.0)
            for value in values:
                assert value == pytest.approx(gain / math.sqrt(fan_in), rel=1e-12), path
        pooled = np.concatenate([np.ravel(k) for k in kernels.values()])
        assert abs(pooled.mean()) < 0.05 and abs(pooled.std() - 1) < 0.05


def test_pixel_norm_matches_numpy():
    x = np.asarray(jax.random.normal(jax.random.PRNGKey(7), (3, 4, 4, 6)), np.float64)
    expected = x / np.sqrt(np.mean(x**2, axis=-1, keepdims=True) + 1e-8)
    np.testing.assert_allclose(pixel_norm(jnp.asarray(x, jnp.float32)), expected, rtol=1e-5)


def test_minibatch_stddev_matches_numpy():
    x = np.asarray(jax.random.normal(jax.random.PRNGKey(8), (8, 3, 3, 2)), np.float64)
    group = 4
    expected_channel = np.empty(8)
    for i in range(8):
        members = x[i % (8 // group) :: 8 // group]  # strided groups, as the authors' code
        std = np.sqrt(members.var(axis=0) + 1e-8)
        expected_channel[i] = std.mean()
    out = np.asarray(minibatch_stddev(jnp.asarray(x, jnp.float32), group))
    np.testing.assert_allclose(out[..., :2], x, rtol=1e-6)
    np.testing.assert_allclose(
        out[..., 2], np.broadcast_to(expected_channel[:, None, None], (8, 3, 3)), rtol=1e-5
    )


@pytest.mark.parametrize("stage", [1, 2])
def test_at_alpha_zero_a_stage_is_the_previous_one(networks, stage):
    generator, discriminator, g_params, d_params, z, images = networks
    g_new = generator({"params": g_params}, z, stage, 0.0)
    g_old = generator({"params": g_params}, z, stage - 1, 1.0)
    np.testing.assert_allclose(g_new, np.repeat(np.repeat(g_old, 2, 1), 2, 2), atol=1e-6)
    x = downsample(images, 2 ** (2 - stage))
    d_new = discriminator({"params": d_params}, x, stage, 0.0)
    d_old = discriminator({"params": d_params}, downsample(x), stage - 1, 1.0)
    np.testing.assert_allclose(d_new, d_old, rtol=1e-5, atol=1e-6)


def perturbed(params, layer):
    return {**params, layer: jax.tree.map(lambda v: v + 1.0, params[layer])}


@pytest.mark.parametrize("stage", [1, 2])
def test_at_alpha_one_the_old_path_has_no_effect(networks, stage):
    generator, discriminator, g_params, d_params, z, images = networks
    x = downsample(images, 2 ** (2 - stage))
    old_rgb, old_from_rgb = f"to_rgb_{stage - 1}", f"from_rgb_{stage - 1}"
    for alpha, same in ((1.0, True), (0.5, False)):
        g = generator({"params": g_params}, z, stage, alpha)
        g_moved = generator({"params": perturbed(g_params, old_rgb)}, z, stage, alpha)
        d = discriminator({"params": d_params}, x, stage, alpha)
        d_moved = discriminator({"params": perturbed(d_params, old_from_rgb)}, x, stage, alpha)
        assert np.array_equal(g, g_moved) == same and np.array_equal(d, d_moved) == same
