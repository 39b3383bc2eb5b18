"""``jaxgen.nn.initializers.lecun_normal`` against ``jax.nn.initializers.lecun_normal`` (Flax's
default kernel initializer): bit-identical kernels of dense, convolution and transposed
convolution shapes in float32, bfloat16 and float16, and bit-identical initial parameters of
the GAN recipes' tiny networks with the stock initializer patched in at every layer.
"""

import collections
import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import traverse_util

from jaxgen import recipes
from jaxgen.nn import autoencoder, dcgan, mlp
from jaxgen.nn.initializers import lecun_normal
from jaxgen.nn.layers import ConvTranspose
from jaxgen.recipes import gan

# Dense [in, out], 1-D and 2-D convolution kernels (the tiny DCGANs' [4, 4, in, out]).
SHAPES = [(3, 5), (64, 1), (5, 4, 3), (4, 4, 1, 8), (4, 4, 8, 16), (4, 4, 16, 8)]
CASES = [(shape, jnp.float32) for shape in SHAPES]
CASES += [((4, 4, 8, 1), jnp.bfloat16), ((3, 5), jnp.bfloat16), ((4, 4, 3, 8), jnp.float16)]


@pytest.mark.parametrize(("shape", "dtype"), CASES)
def test_matches_jax_lecun_normal(shape, dtype):
    key = jax.random.PRNGKey(3)
    ours = lecun_normal()(key, shape, dtype)
    stock = jax.nn.initializers.lecun_normal()(key, shape, dtype)
    assert ours.shape == stock.shape and ours.dtype == stock.dtype == dtype
    np.testing.assert_array_equal(ours, stock)


def test_matches_under_jit_with_a_typed_key():
    key, shape = jax.random.key(7), (4, 4, 8, 16)
    ours = jax.jit(lambda k: lecun_normal()(k, shape))(key)
    stock = jax.jit(lambda k: jax.nn.initializers.lecun_normal()(k, shape))(key)
    assert ours.dtype == jnp.float32
    np.testing.assert_array_equal(ours, stock)


def test_rejects_a_vector():
    with pytest.raises(ValueError, match="2 or more axes"):
        lecun_normal()(jax.random.PRNGKey(0), (5,))


# One recipe per network: DCGAN G and D (batch, none + spectral norm, 3 channels), the conv and
# MLP auto-encoder discriminators of BEGAN/EBGAN, the MLPs.
GAN_RECIPES = ["dcgan_digits", "hinge_digits", "dcgan_cifar10", "began_digits", "ebgan_ring8"]
GAN_RECIPES += ["gan_ring8"]


@pytest.mark.parametrize("name", GAN_RECIPES)
def test_gan_networks_keep_the_initial_values_of_flax_default(name, monkeypatch):
    recipe = recipes.get(name, preset="tiny")
    generator, discriminator, _ = gan.networks(recipe.config)
    z = jnp.zeros((1, recipe.config.latent_dim))
    (data,) = recipe.example_batch().values()
    key = jax.random.PRNGKey(5)

    def initial_values():
        return {
            "g": generator.init(key, z, train=False),
            "d": discriminator.init(key, data[:1], train=False),
        }

    ours = initial_values()
    stock_calls = []

    def stock_lecun_normal():
        def init(*args):
            stock_calls.append(args[1])
            return jax.nn.initializers.lecun_normal()(*args)

        return init

    stock_transpose = functools.partial(ConvTranspose, kernel_init=stock_lecun_normal())
    for module in (dcgan, mlp, autoencoder):
        monkeypatch.setattr(module, "lecun_normal", stock_lecun_normal)
    for module in (dcgan, autoencoder):
        monkeypatch.setattr(module, "ConvTranspose", stock_transpose)
    stock = initial_values()

    flat = traverse_util.flatten_dict(jax.tree.map(np.asarray, stock))
    kernels = [v.shape for path, v in flat.items() if path[1] == "params" and path[-1] == "kernel"]
    # The stock initializer drew every kernel (SpectralNorm's map_variables draws twice).
    assert not collections.Counter(kernels) - collections.Counter(stock_calls)
    assert jax.tree.structure(ours) == jax.tree.structure(stock)
    for a, b in zip(jax.tree.leaves(ours), jax.tree.leaves(stock), strict=True):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
