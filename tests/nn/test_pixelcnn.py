"""PixelCNN and the gated PixelCNN against brute force, one table over model × channels × levels.

Normalization over every image of a tiny shape in float64, the raster and R → G → B order from
Jacobians (and the blind spot that the gated model removes), sampling against
``exp(log_prob)`` by a chi-square test, pinned parameter counts and the errors.
"""

import functools

import explicit_model_checks as checks
import jax
import numpy as np
import pytest
from explicit_model_checks import all_images, chi_square_p_value, image_index

from jaxgen.nn.pixelcnn import GatedPixelCNN, PixelCNN

# The scales of the random parameters: far from uniform models (the gated model's gates shrink
# its logits' dependence on the image, so it takes larger parameters).
SCALES = {"pixelcnn": 0.5, "gated": 1.0}
CASES = [(name, channels, levels) for name in SCALES for channels in (1, 3) for levels in (2, 3)]
# Every image of these shapes: 512, 81, 4,096 and 729 of them.
NORMALIZATION_SHAPES = {(1, 2): (3, 3, 1), (1, 3): (2, 2, 1), (3, 2): (2, 2, 3), (3, 3): (2, 1, 3)}


@functools.cache
def make(name, shape, levels, layers=2, kernel_size=3):
    """A tiny model: four features a colour group (eight for PixelCNN's 2h)."""
    channels = shape[-1]
    if name == "pixelcnn":
        return PixelCNN(shape, levels, 8 * channels, layers, kernel_size)
    return GatedPixelCNN(shape, levels, 4 * channels, layers, kernel_size)


def random_variables(name, model, *, scale=None, dtype=np.float32, seed=0):
    example = np.zeros((1, *model.shape), dtype)
    scale = SCALES[name] if scale is None else scale
    return checks.random_variables(model, example, scale, dtype=dtype, seed=seed)


@functools.cache
def jitted(model, method):
    """``model.apply(variables, ..., method=method)`` jitted once per model (``n`` of ``sample``
    static)."""
    static = (2,) if method == "sample" else ()
    return jax.jit(functools.partial(model.apply, method=method), static_argnums=static)


@pytest.mark.parametrize("name, channels, levels", CASES)
def test_probabilities_of_all_images_sum_to_one(name, channels, levels):
    shape = NORMALIZATION_SHAPES[channels, levels]
    with jax.enable_x64(True):
        model = make(name, shape, levels)
        variables = random_variables(name, model, dtype=np.float64)
        images = all_images(shape, levels) * 1.0
        log_probs = np.asarray(jitted(model, "log_prob")(variables, images))
    assert log_probs.dtype == np.float64
    np.testing.assert_allclose(np.exp(log_probs).sum(), 1.0, atol=1e-5)
    assert log_probs.std() > 0.5  # the random parameters make a far-from-uniform model


def dependencies(model, variables, images):
    """``seen[r, c, ch, r', c', ch']``: whether a logit of value (r, c, ch) moves with value
    (r', c', ch') on any of ``images``, from the Jacobians of the logits."""

    @jax.jit
    def jacobians(images):
        logits = lambda image: model.apply(variables, image[None], method="logits")[0]
        return jax.vmap(jax.jacfwd(logits))(images)

    sensitivity = np.abs(np.asarray(jacobians(images)))
    if model.levels > 2:  # [batch, H, W, C, levels, H, W, C]: any level's logit
        sensitivity = sensitivity.max(axis=4)
    return sensitivity.max(axis=0) > 0


def earlier_values(shape):
    """``earlier[r, c, ch, r', c', ch']``: value (r', c', ch') comes before (r, c, ch) in the
    raster order, R → G → B within a pixel."""
    order = np.arange(np.prod(shape)).reshape(shape)
    return order[..., None, None, None] > order[None, None, None]


@pytest.mark.parametrize("name, channels, levels", CASES)
def test_each_value_depends_on_earlier_values_only(name, channels, levels):
    shape = (5, 5, channels)
    model = make(name, shape, levels, layers=3)
    variables = random_variables(name, model)
    rng = np.random.default_rng(0)
    images = rng.uniform(0, levels - 1, (16, *shape)).astype(np.float32)
    seen = dependencies(model, variables, images)
    earlier = earlier_values(shape)
    assert not np.any(seen & ~earlier), "a logit depends on its own value or a later one"
    # Power: every value sees the pixel to its left and the one above (all their channels) and
    # the earlier channels of its own pixel.
    for row, column in np.ndindex(shape[:2]):
        assert column == 0 or np.all(seen[row, column, :, row, column - 1])
        assert row == 0 or np.all(seen[row, column, :, row - 1, column])
        for channel in range(1, channels):
            assert np.all(seen[row, column, channel, row, column, :channel])


@pytest.mark.parametrize("channels", [1, 3])
def test_the_gated_model_has_no_blind_spot(channels):
    """Within reach, the gated model's centre values see every earlier value; PixelCNN with
    the same 3×3 kernels and depth misses the pixel one row up and two columns right."""
    shape = (5, 5, channels)
    images = np.random.default_rng(1).uniform(0, 1, (16, *shape)).astype(np.float32)
    earlier = earlier_values(shape)[2, 2]
    seen = {}
    for name in SCALES:
        model = make(name, shape, 2, layers=3)
        seen[name] = dependencies(model, random_variables(name, model), images)[2, 2]
    np.testing.assert_array_equal(seen["gated"], earlier)
    missed = earlier & ~seen["pixelcnn"]
    assert np.all(missed[:, 1, 4]) and np.all(seen["pixelcnn"][:, 1, 3])
    assert not np.any(missed[:, :, :3]), "PixelCNN's blind spot is above and to the right"


def sample_counts(model, variables, n, key):
    images = np.asarray(jitted(model, "sample")(variables, key, n))
    assert images.shape == (n, *model.shape)
    assert images.dtype == np.float32
    assert set(np.unique(images)) <= set(range(model.levels))
    return np.bincount(image_index(images, model.levels), minlength=model.levels ** images[0].size)


# The scales keep every image above probability 2e-4 (>= 20 expected counts of 100,000) while
# far from uniform (log-probabilities with a standard deviation of about 1 nat or more).
@pytest.mark.parametrize(
    "name, shape, levels, scale",
    [
        ("pixelcnn", (2, 2, 1), 2, 0.4),
        ("pixelcnn", (1, 1, 3), 3, 0.4),
        ("gated", (2, 2, 1), 2, 1.0),
        ("gated", (1, 1, 3), 3, 0.4),
    ],
)
def test_sample_frequencies_match_probabilities(name, shape, levels, scale):
    model = make(name, shape, levels)
    variables = random_variables(name, model, scale=scale)
    counts = sample_counts(model, variables, 100_000, jax.random.PRNGKey(7))
    images = all_images(shape, levels)
    log_probs = jitted(model, "log_prob")(variables, images.astype(np.float32))
    assert np.exp(log_probs).min() >= 2e-4
    assert chi_square_p_value(counts, log_probs) > 1e-3
    # Power: the samples do not fit the same probabilities given to the images read backwards
    # (what a sampler drawing in the reverse order would fit).
    backwards = np.asarray(log_probs)[image_index(images[:, ::-1, ::-1, ::-1], levels)]
    assert chi_square_p_value(counts, backwards) < 1e-6
    # Integer values give the same log-probabilities as floats.
    int_log_probs = jitted(model, "log_prob")(variables, images.astype(np.int32))
    np.testing.assert_allclose(int_log_probs, log_probs, rtol=1e-6)


def test_progress_is_called_once_per_value():
    model = make("gated", (2, 2, 3), 2)
    variables = random_variables("gated", model)
    calls = []
    model.apply(variables, jax.random.PRNGKey(0), 2, calls.append, method="sample")
    assert sorted(int(k) for k in calls) == list(range(12))


def test_the_gated_model_takes_a_condition():
    shape = (3, 3, 1)
    model = GatedPixelCNN(shape, features=2, layers=2, kernel_size=3, condition_size=4)
    x = np.zeros((5, *shape), np.float32)
    condition = np.random.default_rng(0).normal(size=(5, 4)).astype(np.float32)
    # Random variables from the shapes alone: an eager or jitted init costs seconds of compiling.
    shapes = jax.eval_shape(model.init, jax.random.PRNGKey(0), x, condition)
    rng = np.random.default_rng(0)
    variables = jax.tree.map(lambda leaf: rng.normal(size=leaf.shape).astype(np.float32), shapes)
    log_probs = model.apply(variables, x, condition)
    assert log_probs.shape == (5,)
    assert np.std(log_probs) > 0  # the same image, other conditions: other probabilities
    sample = jax.jit(functools.partial(model.apply, method="sample"), static_argnums=2)
    samples = sample(variables, jax.random.PRNGKey(1), 5, condition=condition)
    assert samples.shape == (5, *shape)
    with pytest.raises(ValueError, match=r"needs condition \[5, 4\].*got None"):
        model.apply(variables, x)
    with pytest.raises(ValueError, match=r"GatedPixelCNN.sample needs condition \[2, 4\]"):
        model.apply(variables, jax.random.PRNGKey(1), 2, condition=condition, method="sample")
    unconditioned = make("gated", shape, 2)
    with pytest.raises(ValueError, match="condition_size=0"):
        jax.eval_shape(unconditioned.init, jax.random.PRNGKey(0), x, condition)


def count(model, *args):
    variables = jax.eval_shape(model.init, jax.random.PRNGKey(0), *args)
    return sum(leaf.size for leaf in jax.tree.leaves(variables["params"]))


def pixelcnn_count(channels, logits, features, layers, kernel_size):
    """The module docstring's formula, F = 2h features, ``logits`` = C·L'."""
    hidden = features // 2
    block = features * hidden + hidden + 9 * hidden**2 + hidden + hidden * features + features
    return (
        kernel_size**2 * channels * features
        + features
        + layers * block
        + features**2
        + features
        + features * logits
        + logits
    )


def gated_count(channels, logits, features, layers, kernel_size, condition_size=0):
    """The module docstring's formula, p = ``features``, ``logits`` = C·L'."""
    taps = kernel_size // 2 + 1
    both = 2 * features

    def layer(inputs):
        return (
            taps * kernel_size * inputs * both
            + taps * inputs * both
            + both**2
            + features**2
            + 7 * features
            + 2 * condition_size * both
        )

    head = features**2 + features + features * logits + logits
    return layer(channels) + (layers - 1) * layer(features) + head


@pytest.mark.parametrize(
    "model, expected",
    [
        (PixelCNN((28, 28, 1)), pixelcnn_count(1, 1, 192, 7, 7)),  # 888,193
        (PixelCNN((32, 32, 3), 256), pixelcnn_count(3, 3 * 256, 192, 7, 7)),  # 1,055,040
        (PixelCNN((4, 4, 3), 4, 12, 2, 5), pixelcnn_count(3, 12, 12, 2, 5)),
        (GatedPixelCNN((28, 28, 1)), gated_count(1, 1, 96, 7, 5)),  # 2,330,785
        (GatedPixelCNN((32, 32, 3), 256), gated_count(3, 3 * 256, 96, 7, 5)),  # 2,412,096
        (GatedPixelCNN((4, 4, 3), 4, 6, 3, 3), gated_count(3, 12, 6, 3, 3)),
    ],
)
def test_parameter_counts(model, expected):
    assert count(model, np.zeros((1, *model.shape))) == expected


def test_parameter_count_of_a_conditioned_gated_model():
    model = GatedPixelCNN((4, 4, 1), 2, 4, 2, 3, condition_size=5)
    args = np.zeros((1, 4, 4, 1)), np.zeros((1, 5))
    assert count(model, *args) == gated_count(1, 1, 4, 2, 3, condition_size=5)


@pytest.mark.parametrize("name", list(SCALES))
def test_wrong_shapes_features_and_sample_counts_are_refused(name):
    model = make(name, (2, 2, 3), 4)
    variables = random_variables(name, model)
    title = {"pixelcnn": "PixelCNN", "gated": "GatedPixelCNN"}[name]
    for method in ("log_prob", "logits"):
        expected = rf"{title}.{method} needs images x \[batch, 2, 2, 3\]"
        with pytest.raises(ValueError, match=expected):
            model.apply(variables, np.zeros((3, 2, 2, 1), np.float32), method=method)
    with pytest.raises(ValueError, match="sample needs n, the number of images, a positive int"):
        model.apply(variables, jax.random.PRNGKey(0), 0, method="sample")
    x = np.zeros((1, 2, 2, 3), np.float32)
    multiple = {"pixelcnn": "multiple of 2·C = 6", "gated": "multiple of C = 3"}[name]
    with pytest.raises(ValueError, match=multiple):
        jax.eval_shape(type(model)((2, 2, 3), 2, features=4).init, jax.random.PRNGKey(0), x)
    with pytest.raises(ValueError, match="levels"):
        jax.eval_shape(type(model)((2, 2, 3), 1).init, jax.random.PRNGKey(0), x)
    with pytest.raises(ValueError, match="kernel_size must be"):
        jax.eval_shape(type(model)((2, 2, 3), kernel_size=4).init, jax.random.PRNGKey(0), x)
