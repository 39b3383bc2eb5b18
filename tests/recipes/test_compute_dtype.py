"""``compute_dtype=bfloat16``: the networks compute in bfloat16, everything kept is float32.

Reference: the same parameters applied by the float32 networks; bfloat16 keeps 8 bits of
mantissa (relative rounding 2^-9 per operation), so outputs agree to a few percent.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgen import recipes
from jaxgen.errors import UserError
from jaxgen.recipes.gan import networks
from jaxgen.train.loop import call_batch


@pytest.mark.parametrize("name", ["dcgan_digits", "gan_ring8"])
def test_bfloat16_networks_match_float32_and_train(name):
    recipe = recipes.get(name, preset="tiny", compute_dtype="bfloat16")
    state = recipe.init(jax.random.PRNGKey(0), recipe.example_batch())
    assert {leaf.dtype for leaf in jax.tree.leaves(state.params)} == {jnp.dtype("float32")}
    generator, discriminator, _ = networks(recipe.config)
    g32, d32, _ = networks(recipes.get(name, preset="tiny").config)
    z = jax.random.normal(jax.random.PRNGKey(1), (8, recipe.config.latent_dim))
    variables = {"params": state.params.g, **state.model_state.g}
    fake16 = generator.apply(variables, z, train=False)
    fake32 = g32.apply(variables, z, train=False)
    assert fake16.dtype == jnp.float32
    np.testing.assert_allclose(fake16, fake32, atol=0.05)
    assert not np.array_equal(fake16, fake32)  # it did compute in bfloat16
    d_variables = {"params": state.params.d, **state.model_state.d}
    logits16 = discriminator.apply(d_variables, fake32, train=False)
    logits32 = d32.apply(d_variables, fake32, train=False)
    assert logits16.dtype == jnp.float32
    np.testing.assert_allclose(logits16, logits32, atol=0.05 * float(np.abs(logits32).max()))
    dataset, position = recipe.dataset("train"), 0
    for _ in range(3):
        batch, position = call_batch(recipe, dataset, position)
        state, metrics = recipe.step(state, batch)
    assert all(np.isfinite(float(v)) for v in metrics.values())
    assert {leaf.dtype for leaf in jax.tree.leaves(state)} <= {
        jnp.dtype(t) for t in ("float32", "int32", "uint32")
    }


def test_an_unknown_compute_dtype_is_a_one_line_error():
    with pytest.raises(UserError, match="compute_dtype='float8': choose one of float32, bf"):
        recipes.get("gan_ring8", compute_dtype="float8")
