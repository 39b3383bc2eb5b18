"""FVSBN, NADE and MADE against brute force, one table over model × ordering.

Normalization over all 2^D images, the autoregressive property from Jacobians, sampling against
``exp(log_prob)`` by a chi-square test, the conditionals against a numpy loop over pixels, and
pinned parameter counts.
"""

import functools

import explicit_model_checks as checks
import jax
import numpy as np
import pytest
from explicit_model_checks import all_images, chi_square_p_value, image_index

from jaxgen.nn import orderings
from jaxgen.nn.fvsbn import FVSBN
from jaxgen.nn.made import MADE, made_masks
from jaxgen.nn.nade import NADE

ORDERING_SEED = 3

# name → (model for a shape and an ordering, the scale of the random parameters). The scales keep
# every 2×2 image above probability 2e-4 (≥ 20 expected counts of 100,000 for the chi-square test)
# while far from uniform; MADE's is smaller because its logits grow with the hidden widths.
MODELS = {
    "fvsbn": (lambda shape, ordering: FVSBN(shape, ordering, ORDERING_SEED), 1.5),
    "nade": (lambda shape, ordering: NADE(shape, 6, ordering, ORDERING_SEED), 1.5),
    "made": (
        lambda shape, ordering: MADE(shape, (64, 32), ordering, ORDERING_SEED, mask_seed=1),
        0.4,
    ),
}
CASES = [(name, ordering) for name in MODELS for ordering in orderings.ORDERINGS]


def random_variables(name, shape, ordering, *, dtype=np.float32, seed=0):
    """The model ``name`` and variables with every parameter drawn from N(0, scale²). (At
    Flax's init MADE's biases are 0, and with ReLU a hidden chain can be dead for every input,
    so the init can hide an earlier pixel from a logit.)"""
    make, scale = MODELS[name]
    model = make(shape, ordering)
    example = np.zeros((1, *shape), dtype)
    return model, checks.random_variables(model, example, scale, dtype=dtype, seed=seed)


@functools.cache
def jitted(model, method):
    """``model.apply(variables, ..., method=method)`` jitted once per model (``n`` of ``sample``
    static), so that tests sharing a model share its compiled programs."""
    static = (2,) if method == "sample" else ()
    return jax.jit(functools.partial(model.apply, method=method), static_argnums=static)


@pytest.mark.parametrize("shape", [(3, 3, 1), (2, 2, 2)])
@pytest.mark.parametrize("name, ordering", CASES)
def test_probabilities_of_all_images_sum_to_one(name, ordering, shape):
    with jax.enable_x64(True):
        model, variables = random_variables(name, shape, ordering, dtype=np.float64)
        log_probs = np.asarray(jitted(model, "log_prob")(variables, all_images(shape) * 1.0))
    assert log_probs.dtype == np.float64
    np.testing.assert_allclose(np.exp(log_probs).sum(), 1.0, atol=1e-5)
    assert log_probs.std() > 0.5  # the random parameters make a far-from-uniform model


@pytest.mark.parametrize("name, ordering", CASES)
def test_each_logit_depends_on_earlier_pixels_only(name, ordering):
    shape = (2, 3, 2)
    model, variables = random_variables(name, shape, ordering)
    images = np.random.default_rng(0).integers(0, 2, (32, *shape)).astype(np.float32)

    @jax.jit
    def jacobians(images):
        logits = lambda image: model.apply(variables, image[None], method="logits")[0]
        return jax.vmap(jax.jacfwd(logits))(images)

    num_pixels = int(np.prod(shape))
    order = orderings.ordering(ordering, shape, ORDERING_SEED)
    # d logit_p / d x_q over the batch, rows and columns permuted into ordering positions.
    sensitivity = np.abs(np.asarray(jacobians(images))).reshape(-1, num_pixels, num_pixels)
    sensitivity = sensitivity.max(axis=0)[np.ix_(order, order)]
    assert np.all(np.triu(sensitivity) == 0), "a logit depends on its pixel or a later one"
    earlier_used = [bool(np.any(sensitivity[k, :k] > 0)) for k in range(1, num_pixels)]
    assert all(earlier_used), f"positions that ignore every earlier pixel: {earlier_used}"


def sample_counts(model, variables, n, key):
    images = np.asarray(jitted(model, "sample")(variables, key, n))
    assert images.shape == (n, 2, 2, 1)
    assert set(np.unique(images)) <= {0.0, 1.0}
    return np.bincount(image_index(images), minlength=16)


@pytest.mark.parametrize("name, ordering", CASES)
def test_sample_frequencies_match_probabilities(name, ordering):
    shape = (2, 2, 1)
    model, variables = random_variables(name, shape, ordering)
    counts = sample_counts(model, variables, 100_000, jax.random.PRNGKey(7))
    log_probs = jitted(model, "log_prob")(variables, all_images(shape).astype(np.float32))
    assert chi_square_p_value(counts, log_probs) > 1e-3


@pytest.mark.parametrize("name", list(MODELS))
def test_sampling_in_another_ordering_is_rejected(name):
    """The chi-square test has the power to see a sampler that ignores the ordering: samples
    drawn in the snake ordering do not fit the raster model with the same parameters."""
    shape = (2, 2, 1)
    raster, variables = random_variables(name, shape, "raster")
    snake = MODELS[name][0](shape, "snake")
    counts = sample_counts(snake, variables, 100_000, jax.random.PRNGKey(7))
    log_probs = jitted(raster, "log_prob")(variables, all_images(shape).astype(np.float32))
    assert chi_square_p_value(counts, log_probs) < 1e-6


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def reference_logits(name, params, order, pixels):
    """The conditionals of the FVSBN and NADE module docstrings, one pixel at a time in numpy:
    logits ``[batch, D]`` in the flat pixel index for ``pixels`` ``[batch, D]``."""
    logits = np.zeros_like(pixels)
    if name == "fvsbn":
        lower = np.zeros((order.size, order.size))
        lower[np.tril_indices(order.size, -1)] = params["weights"]
        for k, p in enumerate(order):
            logits[:, p] = params["bias"][k] + pixels[:, order[:k]] @ lower[k, :k]
    else:
        for k, p in enumerate(order):
            w = params["input_weights"][order[:k]]  # rows W_{:,o_j}, j < k
            hidden = sigmoid(params["hidden_bias"] + pixels[:, order[:k]] @ w)
            logits[:, p] = params["output_bias"][p] + hidden @ params["output_weights"][p]
    return logits


@pytest.mark.parametrize("ordering", orderings.ORDERINGS)
@pytest.mark.parametrize("name", ["fvsbn", "nade"])
def test_fvsbn_and_nade_match_a_loop_over_pixels(name, ordering):
    # All 2×2×2 images in float64: the normalization test's compiled log_prob, reused.
    shape = (2, 2, 2)
    images = all_images(shape) * 1.0
    pixels = images.reshape(len(images), -1)
    with jax.enable_x64(True):
        model, variables = random_variables(name, shape, ordering, dtype=np.float64)
        log_probs = jitted(model, "log_prob")(variables, images)
    order = orderings.ordering(ordering, shape, ORDERING_SEED)
    logits = reference_logits(name, variables["params"], order, pixels)
    expected = np.sum(pixels * logits - np.logaddexp(0, logits), axis=1)
    np.testing.assert_allclose(log_probs, expected, rtol=1e-10)


def test_made_masks_follow_the_degree_rules():
    order = orderings.ordering("random", (2, 2, 2), 0)
    masks = made_masks(order, (32, 16), seed=5)
    assert [m.shape for m in masks] == [(8, 32), (32, 16), (16, 8)]
    # Connectivity of pixel q to output p through all layers: only earlier positions.
    paths = masks[0].astype(int) @ masks[1] @ masks[2]
    position = orderings.inverse(order)
    assert np.all((paths > 0) <= (position[:, None] < position[None, :]))
    assert paths[:, order[0]].sum() == 0  # the first pixel's logit is its bias alone
    np.testing.assert_array_equal(masks[0], made_masks(order, (32, 16), seed=5)[0])


def count(model, shape):
    variables = jax.eval_shape(model.init, jax.random.PRNGKey(0), np.zeros((1, *shape)))
    return sum(leaf.size for leaf in jax.tree.leaves(variables["params"]))


# n binary pixels: FVSBN n(n+1)/2; NADE 2·n·H + n + H; MADE Σ_layers fan_in·fan_out + fan_out.
@pytest.mark.parametrize(
    "model, shape, expected",
    [
        (FVSBN((28, 28, 1)), (28, 28, 1), 784 * 785 // 2),  # 307,720
        (FVSBN((3, 3, 1)), (3, 3, 1), 45),
        (NADE((28, 28, 1), 500), (28, 28, 1), 2 * 784 * 500 + 784 + 500),  # 785,284
        (NADE((2, 2, 2), 6), (2, 2, 2), 2 * 8 * 6 + 8 + 6),  # 110
        (MADE((28, 28, 1), (500,)), (28, 28, 1), 784 * 500 + 500 + 500 * 784 + 784),  # 785,284
        (MADE((2, 2, 2), (64, 32)), (2, 2, 2), 8 * 64 + 64 + 64 * 32 + 32 + 32 * 8 + 8),  # 2,920
    ],
)
def test_parameter_counts(model, shape, expected):
    assert count(model, shape) == expected


def test_orderings():
    np.testing.assert_array_equal(orderings.ordering("raster", (2, 3, 1)), np.arange(6))
    np.testing.assert_array_equal(orderings.ordering("snake", (2, 3, 1)), [0, 1, 2, 5, 4, 3])
    # Channels stay together and in order within a pixel: pixel (1, 1) is flat 6, 7.
    np.testing.assert_array_equal(orderings.ordering("snake", (2, 2, 2)), [0, 1, 2, 3, 6, 7, 4, 5])
    random = orderings.ordering("random", (4, 4, 3), seed=2)
    np.testing.assert_array_equal(np.sort(random), np.arange(48))
    np.testing.assert_array_equal(random, orderings.ordering("random", (4, 4, 3), seed=2))
    assert not np.array_equal(random, orderings.ordering("random", (4, 4, 3), seed=3))
    with pytest.raises(ValueError, match="unknown pixel ordering 'zigzag'"):
        orderings.ordering("zigzag", (2, 2, 1))
    with pytest.raises(ValueError, match=r"\(height, width, channels\)"):
        orderings.ordering("raster", (4, 4))


@pytest.mark.parametrize("name", list(MODELS))
def test_wrong_image_shape_and_sample_count_are_refused(name):
    model, variables = random_variables(name, (2, 2, 1), "raster")
    with pytest.raises(ValueError, match=r"needs binary images x \[batch, 2, 2, 1\].*\(3, 4\)"):
        model.apply(variables, np.zeros((3, 4), np.float32))
    with pytest.raises(ValueError, match="sample needs n, the number of images, a positive int"):
        model.apply(variables, jax.random.PRNGKey(0), 0, method="sample")


@pytest.mark.parametrize("name", list(MODELS))
def test_sampling_reports_every_position_to_the_progress_callable(name):
    model, variables = random_variables(name, (2, 3, 1), "snake")
    variables = jax.tree.map(jax.numpy.asarray, variables)  # traced indices need jax arrays
    positions = []
    images = model.apply(variables, jax.random.PRNGKey(0), 2, positions.append, method="sample")
    jax.block_until_ready(images)
    jax.effects_barrier()
    assert sorted(int(k) for k in positions) == list(range(6))
