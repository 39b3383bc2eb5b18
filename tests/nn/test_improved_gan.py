"""Minibatch discrimination and virtual batch normalization against numpy loops.

- Minibatch discrimination: o(x_i)_b = Σ_{j≠i} exp(−‖M_{i,b} − M_{j,b}‖₁) by a double loop over
  the batch; changing example j changes example i's o (the layer couples the batch); B equal
  examples give o_b = B − 1 (B with include_self), with finite gradients at the zero distances.
- Virtual batch norm: each example normalized by the mean and variance of the pooled positions
  of the reference and itself (np.concatenate, np.mean, np.var): an independent route to the
  module's weighted combination; float32 with a large mean against float64 numpy; example i
  does not depend on example j; reference rows come out with mean 0 and variance 1.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgen.nn.improved_gan import (
    MinibatchDiscrimination,
    VirtualBatchNorm,
    minibatch_features,
    split_reference,
    with_reference,
)

# Inputs come from numpy and init/apply are jitted: eager JAX ops compile one by one, which
# would make this file several times slower on a small machine.


def normal(shape, seed=0, dtype=np.float32) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=shape).astype(dtype)


def init_and_apply(layer, x):
    """Jitted init (key 1) and apply."""
    return jax.jit(layer.init)(jax.random.PRNGKey(1), x), jax.jit(layer.apply)


# ---------------------------------------------------------------------------------------------
# Minibatch discrimination


def minibatch_reference(features, kernel, kernels: int, dim: int, include_self: bool):
    """[f, o] by a double loop over the batch, in float64."""
    batch = features.shape[0]
    flat = features.reshape(batch, -1).astype(np.float64)
    rows = (flat @ np.asarray(kernel, np.float64)).reshape(batch, kernels, dim)
    closeness = np.zeros((batch, kernels))
    for i in range(batch):
        for j in range(batch):
            if j == i and not include_self:
                continue
            for b in range(kernels):
                closeness[i, b] += np.exp(-np.sum(np.abs(rows[i, b] - rows[j, b])))
    return np.concatenate([flat, closeness], axis=1)


@pytest.mark.parametrize("include_self", [False, True])
def test_minibatch_discrimination_matches_a_double_loop(include_self):
    kernels, dim = 4, 3
    layer = MinibatchDiscrimination(num_kernels=kernels, kernel_dim=dim, include_self=include_self)
    x = normal((5, 2, 3))  # flattened to A = 6
    variables, apply = init_and_apply(layer, x)
    kernel = variables["params"]["kernel"]
    assert kernel.shape == (6, kernels * dim)
    # Scaled up so that the distances are O(1) and the exponentials are far from 0 and 1.
    variables = {"params": {"kernel": kernel * 4}}
    out = apply(variables, x)
    assert out.shape == (5, 6 + kernels) and out.dtype == jnp.float32
    expected = minibatch_reference(x, kernel * 4, kernels, dim, include_self)
    assert expected[:, 6:].min() > 0.05 and expected[:, 6:].max() < 3.5  # a test with teeth
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)


def test_minibatch_discrimination_couples_the_batch():
    layer = MinibatchDiscrimination(num_kernels=3, kernel_dim=2)
    x = normal((4, 5))
    variables, apply = init_and_apply(layer, x)
    out = apply(variables, x)
    moved = x.copy()
    moved[3] += 0.5
    changed = apply(variables, moved)
    np.testing.assert_array_equal(changed[0, :5], out[0, :5])  # example 0's own features
    assert np.all(np.abs(changed[0, 5:] - out[0, 5:]) > 1e-4)  # its minibatch features move


@pytest.mark.parametrize(
    "options, expected", [({}, 5.0), ({"include_self": True}, 6.0)], ids=["default", "self"]
)
def test_identical_examples_give_the_batch_size(options, expected):
    layer = MinibatchDiscrimination(num_kernels=7, kernel_dim=3, **options)
    x = np.repeat(normal((1, 4)), 6, axis=0)
    variables, apply = init_and_apply(layer, x)
    out = apply(variables, x)
    np.testing.assert_allclose(out[:, 4:], expected, rtol=1e-6)

    def total(params, x):
        return jnp.sum(layer.apply({"params": params}, x))

    grads = jax.jit(jax.grad(total, argnums=(0, 1)))(variables["params"], x)  # at |0|
    assert all(np.all(np.isfinite(g)) for g in jax.tree.leaves(grads))


def test_distant_examples_keep_their_small_closeness():
    """exp(−20) survives next to the diagonal's 1, which "sum − 1" would cancel in float32."""
    rows = np.zeros((2, 1, 4), np.float32)
    rows[1] = 5.0  # L1 distance 20
    closeness = jax.jit(minibatch_features)(rows)
    np.testing.assert_allclose(closeness, np.exp(-20.0), rtol=1e-5)


def test_minibatch_kernel_is_initialized_like_the_authors():
    layer = MinibatchDiscrimination()  # K = 100, D = 5
    variables, _ = init_and_apply(layer, np.ones((2, 40), np.float32))
    kernel = np.asarray(variables["params"]["kernel"])
    assert kernel.shape == (40, 500)
    assert abs(kernel.mean()) < 0.002 and abs(kernel.std() - 0.05) < 0.002  # 20,000 draws


def test_minibatch_features_errors():
    with pytest.raises(ValueError, match="kernel_dim"):
        minibatch_features(np.ones((4, 3)))
    with pytest.raises(ValueError, match="batch"):
        MinibatchDiscrimination().init(jax.random.PRNGKey(0), np.ones((4,)))


# ---------------------------------------------------------------------------------------------
# Virtual batch normalization


def vbn_reference(x: np.ndarray, size: int, scale, bias, epsilon: float) -> np.ndarray:
    """Pools the positions of the reference (and of the example) per channel, in float64."""
    x = np.asarray(x, np.float64)
    channels = x.shape[-1]
    reference_positions = x[:size].reshape(-1, channels)
    out = np.empty_like(x)
    for i in range(x.shape[0]):
        pooled = reference_positions
        if i >= size:
            pooled = np.concatenate([reference_positions, x[i].reshape(-1, channels)])
        mean, var = pooled.mean(axis=0), pooled.var(axis=0)
        out[i] = (x[i] - mean) / np.sqrt(var + epsilon)
    return out * np.asarray(scale, np.float64) + np.asarray(bias, np.float64)


def random_affine(channels: int):
    """γ and β away from their initial 1 and 0, so that the test sees them."""
    return {"params": {"scale": 1 + 0.5 * normal(channels, 1), "bias": normal(channels, 2)}}


@pytest.mark.parametrize("shape", [(7, 3, 2, 4), (7, 4), (7, 5, 3)], ids=["nhwc", "dense", "nwc"])
@pytest.mark.parametrize("size", [1, 3])
def test_vbn_matches_pooled_statistics(shape, size):
    with jax.enable_x64(True):
        # Rows of different spread and offset, so that mixing up rows or axes shows.
        rows = np.arange(1, shape[0] + 1).reshape(-1, *(1,) * (len(shape) - 1))
        x = rows * (2.0 + 3.0 * normal(shape, dtype=np.float64))
        layer = VirtualBatchNorm(reference_size=size)
        variables, apply = init_and_apply(layer, x)
        shapes = {"scale": shape[-1:], "bias": shape[-1:]}
        assert jax.tree.map(np.shape, variables) == {"params": shapes}
        variables = random_affine(shape[-1])
        out = apply(variables, x)
    assert out.shape == shape and out.dtype == jnp.float64
    params = variables["params"]
    expected = vbn_reference(x, size, params["scale"], params["bias"], 1e-5)
    np.testing.assert_allclose(out, expected, rtol=1e-10, atol=1e-12)


def test_vbn_float32_keeps_its_digits_with_a_large_mean():
    """E[x²] − μ² (the authors' and TF-GAN's form) is off by up to 25% of the variance here."""
    x = 1000.0 + normal((6, 4, 4, 3))
    layer = VirtualBatchNorm(reference_size=4)
    variables, apply = init_and_apply(layer, x)
    out = apply(variables, x)
    assert out.dtype == jnp.float32
    expected = vbn_reference(x, 4, 1.0, 0.0, 1e-5)
    np.testing.assert_allclose(out, expected, atol=2e-3)


def test_vbn_example_depends_on_the_reference_and_itself_only():
    size = 3
    x = normal((size + 4, 3, 3, 2))
    layer = VirtualBatchNorm(reference_size=size)
    variables, apply = init_and_apply(layer, x)
    out = apply(variables, x)
    others = x.copy()
    others[size + 2] *= 5.0
    others[size + 3] += 2.0
    changed = apply(variables, others)
    np.testing.assert_array_equal(changed[: size + 2], out[: size + 2])  # all but the changed
    assert not np.allclose(changed[size + 2 :], out[size + 2 :])
    reference = x.copy()
    reference[0] += 1.0
    moved_reference = apply(variables, reference)
    assert np.all(np.abs(moved_reference - out) > 0)  # everyone sees the reference

    def example_output(x):
        return jnp.sum(jnp.square(layer.apply(variables, x)[size + 1]))

    grad = jax.jit(jax.grad(example_output))(x)  # gradients flow through the statistics
    assert np.all(np.abs(grad[:size]) > 0) and np.all(np.abs(grad[size + 1]) > 0)
    np.testing.assert_array_equal(grad[size], 0.0)
    np.testing.assert_array_equal(grad[size + 2 :], 0.0)


def test_vbn_reference_rows_are_standardized():
    x = 5.0 + 2.0 * normal((8 + 3, 4, 4, 3))
    layer = VirtualBatchNorm(reference_size=8)
    variables, apply = init_and_apply(layer, x)
    np.testing.assert_array_equal(variables["params"]["scale"], np.ones(3))
    np.testing.assert_array_equal(variables["params"]["bias"], np.zeros(3))
    reference, examples = split_reference(apply(variables, x), 8)
    assert reference.shape == (8, 4, 4, 3) and examples.shape == (3, 4, 4, 3)
    np.testing.assert_allclose(reference.mean(axis=(0, 1, 2)), 0.0, atol=1e-5)
    np.testing.assert_allclose(reference.var(axis=(0, 1, 2)), 1.0, atol=1e-4)  # 1 − ε/σ²


def test_vbn_errors():
    with pytest.raises(ValueError, match="reference_size"):
        VirtualBatchNorm(reference_size=5).init(jax.random.PRNGKey(0), np.ones((4, 3)))
    with pytest.raises(ValueError, match="reference_size"):
        VirtualBatchNorm(reference_size=0).init(jax.random.PRNGKey(0), np.ones((4, 3)))
    with pytest.raises(ValueError, match="channels"):
        VirtualBatchNorm(reference_size=1).init(jax.random.PRNGKey(0), np.ones((4,)))


def test_reference_helpers_round_trip():
    z_reference, z = normal((3, 8)), normal((5, 8), 1)
    stacked = with_reference(z_reference, z)
    assert stacked.shape == (8, 8)
    reference, rest = split_reference(stacked, 3)
    np.testing.assert_array_equal(reference, z_reference)
    np.testing.assert_array_equal(rest, z)
    with pytest.raises(ValueError, match="trailing shape"):
        with_reference(z_reference, np.ones((5, 7)))
    with pytest.raises(ValueError, match="reference_size"):
        split_reference(stacked, 9)
