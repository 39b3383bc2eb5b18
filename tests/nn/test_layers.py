"""``jaxgen.nn.layers.ConvTranspose`` against ``flax.linen.ConvTranspose``: values, gradients.

Two code paths: one convolution with the phases as channels (s²·features ≤
PHASES_AS_CHANNELS_MAX: 6 features at stride 1, 1 feature at strides 2 and 3) and one
convolution per phase (6 features at strides 2 and 3).
"""

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgen.nn.layers import PHASES_AS_CHANNELS_MAX, ConvTranspose

CASES = [(k, s, 6) for k in (1, 2, 3, 4, 5) for s in (1, 2, 3)]
CASES += [(k, s, 1) for k in (2, 4) for s in (2, 3)]  # kernel 2, stride 3 leaves holes


@pytest.mark.parametrize(("kernel", "stride", "features"), CASES)
def test_matches_flax_conv_transpose(kernel, stride, features):
    x = jax.random.normal(jax.random.PRNGKey(0), (2, 5, 4, 3))
    ours = ConvTranspose(features, (kernel, kernel), (stride, stride))
    reference = nn.ConvTranspose(features, (kernel, kernel), (stride, stride), "SAME")
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
    assert y.shape == ref_y.shape == (2, 5 * stride, 4 * stride, features)
    np.testing.assert_allclose(y, ref_y, rtol=1e-5, atol=1e-5)
    for a, b in zip(jax.tree.leaves(grads), jax.tree.leaves(ref_grads), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)


def test_both_paths_are_tested():
    one_convolution = {s * s * f <= PHASES_AS_CHANNELS_MAX for _, s, f in CASES if s > 1}
    assert one_convolution == {True, False}
