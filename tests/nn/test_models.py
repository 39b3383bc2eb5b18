"""Parameter counts of every network, pinned (DESIGN.md's reference networks included)."""

import jax
import jax.numpy as jnp
import pytest

from jaxgen import nn


def count(module, *inputs):
    variables = module.init(jax.random.PRNGKey(0), *inputs, train=False)
    return sum(x.size for x in jax.tree.leaves(variables["params"]))


def test_dcgan_mnist_reference_networks():
    assert count(nn.DCGANGenerator(28, 1, 128), jnp.zeros((1, 100))) == 1_794_177
    assert count(nn.DCGANDiscriminator(28, 64), jnp.zeros((1, 28, 28, 1))) == 138_817


def test_gan_ring8_reference_networks():
    assert count(nn.MLPGenerator((2,), (128, 128)), jnp.zeros((1, 2))) == 17_154
    assert count(nn.MLPDiscriminator((128, 128)), jnp.zeros((1, 2))) == 17_025


# (resolution, channels, g_width, d_width, latent) -> (G params, D params), by hand:
# 8: G Dense 100→4·4·256 (413,696) + BN 512 + ConvT 4·4·256·1+1 (4,097);
#    D Conv 4·4·1·64+64 (1,088) + Dense 4·4·64+1 (1,025).
@pytest.mark.parametrize(
    "resolution, channels, g_width, d_width, expected",
    [
        (8, 1, 256, 64, (418_305, 2_113)),
    ],
)
def test_dcgan_digits_networks(resolution, channels, g_width, d_width, expected):
    g = count(nn.DCGANGenerator(resolution, channels, g_width), jnp.zeros((1, 100)))
    d = count(
        nn.DCGANDiscriminator(resolution, d_width), jnp.zeros((1, resolution, resolution, channels))
    )
    assert (g, d) == expected


@pytest.mark.parametrize("resolution", [8, 16, 28, 32, 64])
def test_dcgan_output_shapes(resolution):
    g = nn.DCGANGenerator(resolution, 3, 16)
    variables = g.init(jax.random.PRNGKey(0), jnp.zeros((2, 10)), train=False)
    images = g.apply(variables, jnp.ones((2, 10)), train=False)
    assert images.shape == (2, resolution, resolution, 3)
    assert float(jnp.max(jnp.abs(images))) <= 1.0
    d = nn.DCGANDiscriminator(resolution, 16)
    d_vars = d.init(jax.random.PRNGKey(0), images, train=False)
    assert d.apply(d_vars, images, train=False).shape == (2,)


def test_unsupported_resolution_is_refused():
    with pytest.raises(ValueError, match="resolution"):
        nn.dcgan.upsampling_plan(24)
