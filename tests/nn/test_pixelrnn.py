"""PixelRNN (Row LSTM and Diagonal BiLSTM) against brute force, one table over cell × colour
channels × levels.

Normalization over every image of a tiny shape in float64, the autoregressive property and the
receptive field of each cell from Jacobians, sampling against ``exp(log_prob)`` by a chi-square
test, input checks and pinned parameter counts.
"""

import functools
import itertools

import explicit_model_checks as checks
import jax
import numpy as np
import pytest
from explicit_model_checks import all_images, chi_square_p_value, image_index

from jaxgen.nn.pixelrnn import CELLS, DiagonalBiLSTM, DiagonalLSTM, PixelRNN, RowLSTM, skew, unskew

# Two LSTM layers of h = 2 units per colour group: deep enough for residual paths, cheap to trace.
LAYERS = 2
CASES = list(itertools.product(CELLS, [1, 3], [2, 3]))  # cell, channels, levels


def make(cell, shape, levels, *, dtype=np.float32, scale=0.7, seed=0):
    """The model and variables with every parameter drawn from N(0, scale²)."""
    model = PixelRNN(shape, levels, cell, hidden=2 * shape[2], layers=LAYERS)
    example = np.zeros((1, *shape), dtype)
    return model, checks.random_variables(model, example, scale, dtype=dtype, seed=seed)


@functools.cache
def jitted(model, method):
    """``model.apply(variables, ..., method=method)`` jitted once per model (``n`` and
    ``progress`` of ``sample`` static)."""
    static = (2, 3) if method == "sample" else ()
    return jax.jit(functools.partial(model.apply, method=method), static_argnums=static)


def test_skew_shifts_row_r_right_by_r_and_unskew_inverts_it():
    x = np.arange(1, 13, dtype=np.float32).reshape(1, 3, 4, 1)
    skewed = np.asarray(skew(x))[0, ..., 0]
    np.testing.assert_array_equal(
        skewed, [[1, 2, 3, 4, 0, 0], [0, 5, 6, 7, 8, 0], [0, 0, 9, 10, 11, 12]]
    )
    np.testing.assert_array_equal(unskew(skew(x), 4), x)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def reference_lstm(cell, params, features):
    """The Row LSTM or one Diagonal LSTM direction of the module docstring, one pixel at a time
    in numpy, one colour group (gates i, f, o, g in blocks of h), zero states outside the image:
    ``[B, H, W, F]`` → ``[B, H, W, h]``."""
    batch, height, width, _ = features.shape
    kernel = params["input_to_state"]["conv"]["kernel"]
    bias = params["input_to_state"]["conv"]["bias"]
    state_kernel = params["state_to_state"]
    hidden = state_kernel.shape[1]
    # Padded: the state of pixel (r, c) is at [r + 1, c + 1]; row 0 and columns 0, W + 1 stay 0.
    states = np.zeros((batch, height + 1, width + 2, hidden))
    cells = np.zeros_like(states)
    for r in range(height):
        for c in range(width):
            if cell == "row":  # taps: left, centre (the right one is masked); the row above
                gates = bias + features[:, r, c] @ kernel[0, 1]
                if c > 0:
                    gates = gates + features[:, r, c - 1] @ kernel[0, 0]
                gates = gates + sum(states[:, r, c + k] @ state_kernel[k] for k in range(3))
                previous_cell = cells[:, r, c + 1]  # (r − 1, c)
            else:  # the upper neighbour (r − 1, c), then the left one (r, c − 1)
                gates = bias + features[:, r, c] @ kernel[0, 0]
                gates = gates + states[:, r, c + 1] @ state_kernel[0]
                gates = gates + states[:, r + 1, c] @ state_kernel[1]
                previous_cell = cells[:, r + 1, c]
            i, f, o, g = np.split(gates, 4, axis=-1)
            cells[:, r + 1, c + 1] = sigmoid(f) * previous_cell + sigmoid(i) * np.tanh(g)
            states[:, r + 1, c + 1] = sigmoid(o) * np.tanh(cells[:, r + 1, c + 1])
    return states[:, 1:, 1:-1]


@pytest.mark.parametrize("layer", ["row", "diagonal", "bidirectional"])
def test_lstm_layers_match_a_loop_over_pixels(layer):
    features = np.random.default_rng(0).normal(size=(2, 3, 5, 4))
    module = {"row": RowLSTM, "diagonal": DiagonalLSTM, "bidirectional": DiagonalBiLSTM}[layer]
    module = module(hidden=3, groups=1)
    with jax.enable_x64(True):
        variables = checks.random_variables(module, features, 0.7, dtype=np.float64)
        states = np.asarray(module.apply(variables, features))
    params = variables["params"]
    if layer == "bidirectional":
        flipped = reference_lstm("diagonal", params["right_to_left"], features[:, :, ::-1])
        expected = reference_lstm("diagonal", params["left_to_right"], features)
        expected[:, 1:] += flipped[:, :-1, ::-1]  # the right-to-left pass, one row down
    else:
        expected = reference_lstm(layer, params, features)
    np.testing.assert_allclose(states, expected, rtol=1e-10, atol=1e-12)


# Every image: 3×3×1 binary (512), 2×2×1 ternary (81), 2×2×3 binary (4,096), 2×1×3 ternary (729).
NORMALIZATION_SHAPES = {(1, 2): (3, 3, 1), (1, 3): (2, 2, 1), (3, 2): (2, 2, 3), (3, 3): (2, 1, 3)}


@pytest.mark.parametrize("cell, channels, levels", CASES)
def test_probabilities_of_all_images_sum_to_one(cell, channels, levels):
    shape = NORMALIZATION_SHAPES[channels, levels]
    with jax.enable_x64(True):
        model, variables = make(cell, shape, levels, dtype=np.float64)
        images = all_images(shape, levels) * 1.0
        log_probs = np.asarray(jitted(model, "log_prob")(variables, images))
    assert log_probs.dtype == np.float64
    np.testing.assert_allclose(np.exp(log_probs).sum(), 1.0, atol=1e-5)
    assert log_probs.std() > 0.5  # the random parameters make a far-from-uniform model


def seen_values(cell, shape, levels):
    """``[H, W, C, H, W, C]``: whether the logits of a value depend on each input value (the
    largest |Jacobian| over a few random images and the levels is > 0)."""
    model, variables = make(cell, shape, levels)
    # Several images: with a single one, a ReLU of the output layers that is off for it can hide
    # a dependency.
    images = np.random.default_rng(0).integers(0, levels, (8, *shape)).astype(np.float32)

    @jax.jit
    def jacobians(images):
        logits = lambda image: model.apply(variables, image[None], method="logits")[0]
        return jax.vmap(jax.jacfwd(logits))(images)

    sensitivity = np.abs(np.asarray(jacobians(images))).max(axis=0)
    if levels > 2:
        sensitivity = sensitivity.max(axis=3)
    return sensitivity > 0


def earlier_values(shape):
    """``[H, W, C, H, W, C]``: value (r', c', j') comes before (r, c, j) in raster, R → G → B
    order."""
    index = np.arange(int(np.prod(shape))).reshape(shape)
    return index[..., None, None, None] > index[None, None, None]


# Both cells × one binary channel and ternary RGB (the levels only reshape the last layer).
JACOBIAN_CASES = [(cell, 1, 2) for cell in CELLS] + [(cell, 3, 3) for cell in CELLS]


@pytest.mark.parametrize("cell, channels, levels", JACOBIAN_CASES)
def test_each_value_sees_earlier_values_only_within_the_cells_receptive_field(
    cell, channels, levels
):
    shape = (4, 6, channels)
    seen = seen_values(cell, shape, levels)
    earlier = earlier_values(shape)
    assert not np.any(seen & ~earlier), "a value's logits depend on itself or a later value"
    height, width = shape[:2]
    rows, cols = np.arange(height)[:, None, None, None], np.arange(width)[None, :, None, None]
    rows_seen, cols_seen = rows.reshape(1, 1, -1, 1), cols.reshape(1, 1, 1, -1)  # [r, c, r', c']
    if cell == "diagonal":
        # Everything earlier, above-right included, but for one value: the last channel of the
        # previous row's last pixel, for c < W − 4 (module docstring). The last pixel sees all.
        blind = (rows_seen == rows - 1) & (cols_seen == width - 1) & (cols < width - 4)
        blind = blind[:, :, None, :, :, None] & (np.arange(channels) == channels - 1)
        np.testing.assert_array_equal(seen, earlier & ~blind)
        assert np.all(seen[height - 1, width - 1, 0] == earlier[height - 1, width - 1, 0])
        # Pixel (0, W − 1) from (1, 0): hidden for one channel, only its B hidden for RGB.
        assert seen[1, 0, 0, 0, width - 1, 0] == (channels > 1)
    else:
        # The Row LSTM's triangle: m ≥ 1 rows above (r, c) it sees columns up to c + m + 2.
        in_triangle = (rows_seen == rows) | (cols_seen - cols <= rows - rows_seen + 2)
        np.testing.assert_array_equal(seen, earlier & in_triangle[:, :, None, :, :, None])
        assert not seen[1, 0, 0, 0, 4, 0]  # one row up, four columns right: outside


# Sampling: 2×2×1 binary for both cells (16 images), and 1×1×3 ternary (27) for the softmax
# and the R → G → B order; 100,000 samples each.
SAMPLE_CASES = [("row", (2, 2, 1), 2), ("diagonal", (2, 2, 1), 2), ("row", (1, 1, 3), 3)]


@pytest.mark.parametrize("cell, shape, levels", SAMPLE_CASES)
def test_sample_frequencies_match_probabilities(cell, shape, levels):
    model, variables = make(cell, shape, levels, scale=0.4)
    steps = []
    images = jitted(model, "sample")(variables, jax.random.PRNGKey(7), 100_000, steps.append)
    images = np.asarray(images)
    jax.effects_barrier()
    assert sorted(int(k) for k in steps) == list(range(int(np.prod(shape))))
    assert images.shape == (100_000, *shape) and images.dtype == np.float32
    assert set(np.unique(images)) == set(range(levels))
    counts = np.bincount(image_index(images, levels), minlength=levels ** int(np.prod(shape)))
    log_probs = jitted(model, "log_prob")(variables, all_images(shape, levels).astype(np.float32))
    assert chi_square_p_value(counts, log_probs) > 1e-3


def test_integer_images_give_the_same_log_prob():
    shape = (2, 2, 1)
    model, variables = make("diagonal", shape, 2)
    images = all_images(shape)
    log_prob = jitted(model, "log_prob")
    np.testing.assert_allclose(
        log_prob(variables, images.astype(np.int32)), log_prob(variables, images * 1.0), rtol=1e-6
    )


def test_bad_inputs_and_attributes_are_refused():
    model, variables = make("row", (2, 2, 1), 2)
    with pytest.raises(ValueError, match=r"PixelRNN.log_prob needs images x \[batch, 2, 2, 1\]"):
        model.apply(variables, np.zeros((1, 3, 3, 1)), method="log_prob")
    with pytest.raises(ValueError, match=r"PixelRNN.logits needs images x"):
        model.apply(variables, np.zeros((2, 2, 1)), method="logits")
    for n in (0, 2.5, True):
        with pytest.raises(ValueError, match="PixelRNN.sample needs n"):
            model.apply(variables, jax.random.PRNGKey(0), n, method="sample")
    example = np.zeros((1, 2, 2, 3))
    with pytest.raises(ValueError, match="multiple of the 3 channels"):
        PixelRNN((2, 2, 3), hidden=4).init(jax.random.PRNGKey(0), example)
    with pytest.raises(ValueError, match="unknown PixelRNN cell 'column'"):
        PixelRNN((2, 2, 3), cell="column").init(jax.random.PRNGKey(0), example)
    with pytest.raises(ValueError, match="levels >= 2"):
        PixelRNN((2, 2, 3), levels=1).init(jax.random.PRNGKey(0), example)
    with pytest.raises(ValueError, match="layers >= 1"):
        PixelRNN((2, 2, 3), layers=0).init(jax.random.PRNGKey(0), example)


def count(model):
    example = np.zeros((1, *model.shape))
    variables = jax.eval_shape(model.init, jax.random.PRNGKey(0), example)
    return sum(leaf.size for leaf in jax.tree.leaves(variables["params"]))


def expected_count(cell, channels, hidden, layers, logits_per_value):
    """Weights + biases with F = 2h: the 7×7 first layer, per layer the LSTM (Row: a 1×3 K^is to
    4h and a 3-tap K^ss; Diagonal, twice: a 1×1 K^is and a 2-tap K^ss) and the 1×1 residual
    projection h → F, then the two 1×1 output layers F → F → C·K."""
    features = 2 * hidden
    first = 49 * channels * features + features
    if cell == "row":
        lstm = 3 * features * 4 * hidden + 4 * hidden + 3 * hidden * 4 * hidden
    else:
        lstm = 2 * (features * 4 * hidden + 4 * hidden + 2 * hidden * 4 * hidden)
    residual = hidden * features + features
    outputs = channels * logits_per_value
    output = features * features + features + features * outputs + outputs
    return first + layers * (lstm + residual) + output


@pytest.mark.parametrize(
    "cell, shape, levels, hidden, layers, expected",
    [
        # C = 3, h = 6, F = 12, 2 layers, 3 levels: 1,776 + 2·(1,320 or 1,200 + 84) + 273.
        ("row", (2, 2, 3), 3, 6, 2, 4857),
        ("diagonal", (2, 2, 3), 3, 6, 2, 4617),
        # The defaults: 28×28 binary (h = 16, 7 layers), 32×32×3 8-bit (h = 129, 12 layers).
        ("row", (28, 28, 1), 2, None, None, 71457),
        ("diagonal", (28, 28, 1), 2, None, None, 64737),
        ("row", (32, 32, 3), 256, None, None, 7901502),
        ("diagonal", (32, 32, 3), 256, None, None, 7108926),
    ],
)
def test_parameter_counts(cell, shape, levels, hidden, layers, expected):
    assert count(PixelRNN(shape, levels, cell, hidden, layers)) == expected
    channels = shape[2]
    hidden = hidden or (16 if channels == 1 else 129)
    layers = layers or (7 if channels == 1 else 12)
    logits_per_value = 1 if levels == 2 else levels
    assert expected_count(cell, channels, hidden, layers, logits_per_value) == expected
