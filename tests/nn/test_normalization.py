"""Spectral normalization against numpy's SVD; minibatch standard deviation against a loop.

- The power iteration's σ = uᵀWv rises to numpy's top singular value, for a Dense kernel and
  a Conv kernel (reshaped our way, [h·w·in, out], and the paper's way, [out, in·h·w]: the same
  singular values), and its gradient at convergence is the top singular pair's outer product.
- The wrapped layer, trained for a few calls, has a normalized matrix whose top singular value
  is 1 (read off the layer by feeding it one-hot inputs).
- u lives in the "spectral" collection, moves under update_stats=True only, and survives
  flax.serialization (which stands in for the checkpoint).
"""

import functools

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import serialization

from jaxgen.game.adversarial import apply_module
from jaxgen.nn import DCGANDiscriminator, MinibatchStdDev, SpectralNorm, minibatch_stddev
from jaxgen.nn.normalization import SPECTRAL, kernel_matrix, power_iteration

KERNELS = {"dense": (6, 5), "conv": (3, 3, 4, 8)}


def top_singular_value(matrix) -> float:
    return float(np.linalg.svd(np.asarray(matrix, np.float64), compute_uv=False)[0])


@pytest.mark.parametrize("shape", KERNELS.values(), ids=KERNELS.keys())
def test_power_iteration_converges_to_the_top_singular_value(shape):
    with jax.enable_x64(True):
        kernel = jax.random.normal(jax.random.PRNGKey(0), shape, jnp.float64)
        matrix = kernel_matrix(kernel)
        expected = top_singular_value(matrix)
        if kernel.ndim == 4:  # the paper's W [out, in·h·w] from an OIHW kernel: same spectrum
            paper_w = np.transpose(np.asarray(kernel), (3, 2, 0, 1)).reshape(shape[-1], -1)
            np.testing.assert_allclose(top_singular_value(paper_w), expected, rtol=1e-12)
        u = jax.random.normal(jax.random.PRNGKey(1), (shape[-1],), jnp.float64)

        def step(u, _):
            u, _, sigma = power_iteration(matrix, u)
            return u, sigma

        # 500 steps: this conv kernel's (σ₂/σ₁)² is 0.93, the error's factor per step.
        _, estimates = jax.lax.scan(step, u, length=500)
    estimates = np.asarray(estimates)
    assert np.all(estimates <= expected * (1 + 1e-12))  # uᵀWv ≤ σ_max for unit u, v
    assert np.all(np.diff(estimates) >= -1e-12 * expected)  # and it only rises
    assert estimates[0] < expected * (1 - 1e-4)  # one step is not enough: the test has teeth
    np.testing.assert_allclose(estimates[-1], expected, rtol=1e-10)


def test_sigma_gradient_is_the_top_singular_pair():
    """∂σ/∂W = u₁v₁ᵀ (Miyato et al. §2.2): u, v are constants, W is differentiated."""
    with jax.enable_x64(True):
        matrix = jax.random.normal(jax.random.PRNGKey(2), (7, 4), jnp.float64)
        u = jax.random.normal(jax.random.PRNGKey(3), (4,), jnp.float64)
        u, _, _ = power_iteration(matrix, u, n_steps=200)
        gradient = jax.grad(lambda m: power_iteration(m, u)[2])(matrix)
    left, _, right_t = np.linalg.svd(np.asarray(matrix))
    expected = np.outer(left[:, 0], right_t[0])  # sign-free: the product of the pair
    np.testing.assert_allclose(gradient, expected, atol=1e-10)


def train_calls(module, variables, x, calls):
    """``calls`` training calls threading the "spectral" state; returns the final variables."""

    @jax.jit
    def step(variables):
        _, updates = module.apply(variables, x, update_stats=True, mutable=[SPECTRAL])
        return {**variables, **updates}

    for _ in range(calls):
        variables = step(variables)
    return variables


def effective_matrix(module, variables, one_hot):
    """The normalized kernel as ``[fan_in, out]``, read off the layer's outputs on one-hots."""
    outputs = module.apply(variables, one_hot, update_stats=False)
    return np.asarray(outputs).reshape(one_hot.shape[0], -1)


@pytest.mark.parametrize("kind", ["dense", "conv"])
def test_normalized_layer_has_unit_spectral_norm(kind):
    shape = KERNELS[kind]
    fan_in = int(np.prod(shape[:-1]))
    if kind == "dense":
        module = SpectralNorm(nn.Dense(shape[-1], use_bias=False))
        one_hot = jnp.eye(fan_in)
    else:  # a VALID conv of an h×w input with an h×w kernel is one dot product per output
        module = SpectralNorm(nn.Conv(shape[-1], shape[:2], padding="VALID", use_bias=False))
        one_hot = jnp.eye(fan_in).reshape(fan_in, *shape[:3])
    variables = module.init(jax.random.PRNGKey(0), one_hot[:1], update_stats=False)
    kernel = variables["params"]["module"]["kernel"]
    assert kernel.shape == shape
    top = top_singular_value(kernel_matrix(kernel))

    first = top_singular_value(effective_matrix(module, variables, one_hot))
    assert first > 1.001  # σ is underestimated before the iterations converge
    variables = train_calls(module, variables, one_hot[:1], 60)
    normalized = effective_matrix(module, variables, one_hot)
    np.testing.assert_allclose(top_singular_value(normalized), 1.0, rtol=1e-5)
    np.testing.assert_allclose(normalized, np.asarray(kernel_matrix(kernel)) / top, atol=1e-5)


def test_u_is_model_state_updated_only_in_training():
    module = SpectralNorm(nn.Dense(3))
    x = jax.random.normal(jax.random.PRNGKey(1), (4, 5))
    variables = module.init(jax.random.PRNGKey(0), x, update_stats=False)
    assert set(variables) == {"params", SPECTRAL}
    u = variables[SPECTRAL]["u"]["kernel"]
    assert u.shape == (3,) and "u" not in jax.tree.leaves(variables["params"])

    eval_out, same = module.apply(variables, x, update_stats=False, mutable=[SPECTRAL])
    np.testing.assert_array_equal(same[SPECTRAL]["u"]["kernel"], u)
    train_out, updated = module.apply(variables, x, update_stats=True, mutable=[SPECTRAL])
    assert not np.allclose(updated[SPECTRAL]["u"]["kernel"], u)
    # Evaluation runs the same iteration without storing it (the authors' code): same outputs.
    np.testing.assert_array_equal(train_out, eval_out)
    np.testing.assert_array_equal(module.apply(variables, x, update_stats=False), eval_out)
    with pytest.raises(TypeError, match="update_stats"):
        module.apply(variables, x)


def test_dcgan_discriminator_with_spectral_norm_in_the_game():
    """``train`` drives update_stats through adversarial.apply_module; batch norm still works."""
    discriminator = SpectralNorm(DCGANDiscriminator(resolution=8, width=4, stages=2))
    x = jax.random.normal(jax.random.PRNGKey(1), (4, 8, 8, 1))
    variables = dict(discriminator.init(jax.random.PRNGKey(0), x[:1], train=False))
    params = variables.pop("params")
    assert set(variables) == {"batch_stats", SPECTRAL}
    assert set(variables[SPECTRAL]["u"]) == {"Conv_0", "Conv_1", "Dense_0"}
    plain = jax.eval_shape(
        functools.partial(DCGANDiscriminator(resolution=8, width=4, stages=2).init, train=False),
        jax.random.PRNGKey(0),
        x[:1],
    )
    assert jax.tree.structure(params["module"]) == jax.tree.structure(plain["params"])

    @jax.jit
    def train_loss(params, state):
        logits, new_state = apply_module(discriminator, params, state, x, train=True)
        return jnp.sum(logits), (logits, new_state)

    grads, (logits, new_state) = jax.grad(train_loss, has_aux=True)(params, variables)
    assert logits.shape == (4,)
    assert all(bool(jnp.all(jnp.isfinite(g))) for g in jax.tree.leaves(grads))
    changed = jax.tree.map(lambda a, b: bool(jnp.any(a != b)), variables, new_state)
    assert all(jax.tree.leaves(changed["batch_stats"])) and all(jax.tree.leaves(changed[SPECTRAL]))
    _, eval_state = apply_module(discriminator, params, variables, x, train=False)
    assert eval_state is variables


def test_spectral_state_round_trips_through_serialization():
    module = SpectralNorm(nn.Dense(4))
    x = jax.random.normal(jax.random.PRNGKey(2), (2, 3))
    variables = train_calls(module, module.init(jax.random.PRNGKey(0), x, update_stats=False), x, 3)
    template = module.init(jax.random.PRNGKey(7), x, update_stats=False)  # other values
    restored = serialization.from_bytes(template, serialization.to_bytes(variables))
    assert jax.tree.structure(restored) == jax.tree.structure(variables)
    for a, b in zip(jax.tree.leaves(restored), jax.tree.leaves(variables), strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(
        module.apply(restored, x, update_stats=False),
        module.apply(variables, x, update_stats=False),
    )


def minibatch_stddev_reference(x: np.ndarray, group_size: int) -> np.ndarray:
    """A loop over groups: example i belongs to group i mod (B / G), as in Karras et al.'s code."""
    batch = x.shape[0]
    group = min(group_size, batch)
    num_groups = batch // group
    extra = np.zeros((*x.shape[:-1], 1))
    for g in range(num_groups):
        members = [i for i in range(batch) if i % num_groups == g]
        assert len(members) == group
        value = np.mean(np.sqrt(np.var(x[members], axis=0) + 1e-8))
        extra[members] = value
    return np.concatenate([x, extra], axis=-1)


@pytest.mark.parametrize(
    "shape, group_size",
    [((8, 3, 3, 2), 4), ((8, 3, 3, 2), 2), ((6, 2, 2, 3), 8), ((4, 5), 2), ((3, 2, 2, 1), 1)],
)
def test_minibatch_stddev_matches_a_loop(shape, group_size):
    x = np.random.default_rng(0).normal(size=shape) * np.arange(1, shape[0] + 1).reshape(
        -1, *(1,) * (len(shape) - 1)
    )  # groups of different spread, so that a wrong grouping shows
    out = minibatch_stddev(jnp.asarray(x, jnp.float32), group_size)
    assert out.shape == (*shape[:-1], shape[-1] + 1) and out.dtype == jnp.float32
    np.testing.assert_allclose(out, minibatch_stddev_reference(x, group_size), rtol=1e-5)


def test_minibatch_stddev_layer_and_errors():
    x = jnp.ones((4, 2, 2, 3))
    variables = MinibatchStdDev(group_size=2).init(jax.random.PRNGKey(0), x)
    assert not jax.tree.leaves(variables)  # no parameters
    out = MinibatchStdDev(group_size=2).apply(variables, x)
    np.testing.assert_allclose(out[..., -1], 1e-4, rtol=1e-3)  # √(0 + 1e-8): equal examples
    with pytest.raises(ValueError, match="multiple of group_size"):
        minibatch_stddev(jnp.ones((6, 2)), 4)
