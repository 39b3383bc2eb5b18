"""``jaxgen.nn.layers.ConvTranspose`` against ``flax.linen.ConvTranspose``: values, gradients."""

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgen.nn.layers import ConvTranspose


@pytest.mark.parametrize("kernel", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("stride", [1, 2, 3])
def test_matches_flax_conv_transpose(kernel, stride):
    x = jax.random.normal(jax.random.PRNGKey(0), (2, 5, 4, 3))
    ours = ConvTranspose(6, (kernel, kernel), (stride, stride))
    reference = nn.ConvTranspose(6, (kernel, kernel), (stride, stride), "SAME")
    params = reference.init(jax.random.PRNGKey(1), x)
    params = jax.tree.map(lambda p: p + 0.1, params)  # a non-zero bias too
    assert jax.tree.structure(ours.init(jax.random.PRNGKey(1), x)) == jax.tree.structure(params)

    def loss(module, params, x):
        y = module.apply(params, x)
        return jnp.sum(jnp.sin(y)), y

    (value, y), grads = jax.value_and_grad(loss, argnums=(1, 2), has_aux=True)(ours, params, x)
    (ref_value, ref_y), ref_grads = jax.value_and_grad(loss, argnums=(1, 2), has_aux=True)(
        reference, params, x
    )
    assert y.shape == ref_y.shape == (2, 5 * stride, 4 * stride, 6)
    np.testing.assert_allclose(y, ref_y, rtol=1e-5, atol=1e-5)
    for a, b in zip(jax.tree.leaves(grads), jax.tree.leaves(ref_grads), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)
