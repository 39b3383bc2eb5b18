"""Pixel formats against numpy, on explicit values and through the digits stream."""

import numpy as np
import pytest

from jaxgen.data import load
from jaxgen.data.formats import encode
from jaxgen.data.offline import split_arrays
from jaxgen.errors import UserError

SEED = 3


def _digits(format, batch_size):
    return load(
        "digits", batch_size=batch_size, seed=SEED, format=format, process_index=0, process_count=1
    )


def _epoch_in_dataset_order(dataset, epoch):
    """Epoch ``epoch`` of a dataset whose batch size is its size, rows put back in split order."""
    order = np.random.default_rng([SEED, epoch]).permutation(dataset.num_examples)
    batch_images = dataset.batch(epoch)["image"]
    images = np.empty_like(batch_images)
    images[order] = batch_images
    return images


FORMULAS = {  # float64 references, as the formats module docstring states them
    "signed": lambda x: x / 16 * 2 - 1,
    "binary": lambda x: (x > 8).astype(np.float64),
    "uint8": lambda x: np.round(x * 255 / 16),
}


@pytest.mark.parametrize("format", sorted(FORMULAS))
def test_static_formats_match_numpy_on_the_digits_stream(format):
    dataset = _digits(format, batch_size=64)
    raw, _ = split_arrays("digits", "train", 8)
    order = np.random.default_rng([SEED, 0]).permutation(dataset.num_examples)[:64]
    image = dataset.batch(0)["image"]
    assert image.dtype == dataset.element_spec["image"][1]
    np.testing.assert_allclose(image, FORMULAS[format](raw[order].astype(np.float64)), atol=1e-6)


@pytest.mark.parametrize("format", sorted(FORMULAS))
def test_static_formats_match_numpy_on_every_digits_value(format):
    values = np.arange(17, dtype=np.float64).reshape(1, 17, 1, 1)
    np.testing.assert_allclose(encode(values, format, 16, [None]), FORMULAS[format](values))


def test_uint8_rounds_half_to_even_like_python():
    values = np.arange(17).reshape(1, 17, 1, 1)
    expected = [round(v * 255 / 16) for v in range(17)]  # 8 -> 127.5 -> 128
    assert encode(values, "uint8", 16, [None]).ravel().tolist() == expected


def test_format_value_sets():
    images = {
        f: _digits(f, batch_size=256).batch(1)["image"]
        for f in ("signed", "binary", "binary_dynamic", "uint8")
    }
    assert images["signed"].dtype == np.float32
    assert images["signed"].min() == -1 and images["signed"].max() == 1
    for format in ("binary", "binary_dynamic"):
        assert images[format].dtype == np.float32
        assert set(np.unique(images[format])) == {0.0, 1.0}
    assert images["uint8"].dtype == np.uint8
    assert images["uint8"].min() == 0 and images["uint8"].max() == 255


def test_binary_dynamic_is_bernoulli_with_the_intensity_and_redrawn_each_epoch():
    num_epochs = 4
    dataset = _digits("binary_dynamic", batch_size=1438)  # one batch is one epoch
    raw, _ = split_arrays("digits", "train", 8)
    intensity = raw / 16
    draws = np.stack([_epoch_in_dataset_order(dataset, e) for e in range(num_epochs)])
    np.testing.assert_array_equal(draws[:, intensity == 0], 0)
    np.testing.assert_array_equal(draws[:, intensity == 1], 1)
    middle = (intensity > 0.3) & (intensity < 0.7)
    mean_error = (draws[:, middle] - intensity[middle]).mean()
    assert abs(mean_error) < 5 * 0.5 / np.sqrt(num_epochs * middle.sum())  # five sigma
    assert (draws[0] != draws[1])[middle].mean() > 0.3  # a fresh draw each epoch
    # Deterministic: the same position draws the same values.
    np.testing.assert_array_equal(
        dataset.batch(2)["image"], _digits("binary_dynamic", 1438).batch(2)["image"]
    )


def test_binary_dynamic_ordered_pass_is_fixed():
    first, again = (next(_digits("binary_dynamic", 64).epoch())["image"] for _ in range(2))
    np.testing.assert_array_equal(first, again)


def test_unknown_format_is_a_one_line_user_error():
    with pytest.raises(UserError, match="did you mean 'binary'") as error:
        _digits("binry", batch_size=4)
    assert "\n" not in str(error.value)
