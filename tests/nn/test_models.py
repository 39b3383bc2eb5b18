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


def test_infogan_mnist_discriminator_with_its_dense_layer():
    # Chen et al. 2016 (appendix C.1): Conv 64 (1,088) → Conv 128 (131,200) + BN 256 → FC 1,024
    # on 7·7·128 features (6,423,552) + BN 2,048 → the output (1,025).
    d = nn.DCGANDiscriminator(28, 64, dense_width=1024)
    assert count(d, jnp.zeros((1, 28, 28, 1))) == 6_559_169
    _, features = d.apply(
        d.init(jax.random.PRNGKey(0), jnp.zeros((2, 28, 28, 1)), train=False),
        jnp.zeros((2, 28, 28, 1)),
        train=False,
        features=True,
    )
    assert features.shape == (2, 1024)


def test_gan_ring8_reference_networks():
    assert count(nn.MLPGenerator((2,), (128, 128)), jnp.zeros((1, 2))) == 17_154
    assert count(nn.MLPDiscriminator((128, 128)), jnp.zeros((1, 2))) == 17_025


# Counted by hand, z of 100:
# 8×8, one stage: G Dense 100→4·4·256 (413,696) + BN 512 + ConvT 4·4·256·1+1 (4,097);
#                 D Conv 4·4·1·64+64 (1,088) + Dense 4·4·64+1 (1,025).
# 8×8, two stages (dcgan_digits): G Dense 100→2·2·256 (103,424) + BN 512 + ConvT 4·4·256·128+128
#   (524,416) + BN 256 + ConvT 4·4·128·1+1 (2,049); D Conv 1,088 + Conv 4·4·64·128+128
#   (131,200) + BN 256 + Dense 2·2·128+1 (513).
@pytest.mark.parametrize(
    "stages, g_width, expected",
    [(None, 256, (418_305, 2_113)), (2, 128, (630_657, 133_057))],
)
def test_dcgan_8x8_networks(stages, g_width, expected):
    g = count(nn.DCGANGenerator(8, 1, g_width, stages), jnp.zeros((1, 100)))
    d = count(nn.DCGANDiscriminator(8, 64, stages), jnp.zeros((1, 8, 8, 1)))
    assert (g, d) == expected


def test_dcgan_digits_recipe_uses_the_pinned_networks():
    from jaxgen import recipes

    recipe = recipes.get("dcgan_digits")
    state = jax.eval_shape(lambda: recipe.init(jax.random.PRNGKey(0), recipe.example_batch()))
    sizes = [sum(x.size for x in jax.tree.leaves(p)) for p in state.params]
    assert sizes == [630_657, 133_057]


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
