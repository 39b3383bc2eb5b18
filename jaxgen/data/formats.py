"""Pixel formats: how raw image values in ``[0, max_value]`` become the arrays a model sees.

- ``signed``: float32 in [-1, 1], ``x / max_value * 2 - 1`` (GANs with a tanh output).
- ``binary``: float32 in {0, 1}, statically thresholded at half the range, ``x > max_value / 2``.
- ``binary_dynamic``: float32 in {0, 1}, Bernoulli with ``p = x / max_value``, redrawn each pass
  over the data (dynamic binarization, a regularizer for likelihood models); the draw of a row
  is seeded by its own entropy key (``streams.example_key``), so batches stay pure functions of
  their position. One generator per row costs about 20 µs (10 ms for 512 rows of 28x28).
- ``uint8``: integers 0..255 as uint8, ``round(x * 255 / max_value)`` (8-bit likelihood models).

``max_value`` is 16 for ``digits`` and 255 for the others.
"""

import numpy as np

from jaxgen.errors import UserError, closest

FORMATS = ("signed", "binary", "binary_dynamic", "uint8")


def check_format(format):
    """A UserError unless ``format`` is one of ``FORMATS``."""
    if format not in FORMATS:
        raise UserError(f"unknown format {format!r}: {closest(str(format), FORMATS)}")


def dtype(format):
    """The numpy dtype of images in ``format``."""
    return np.dtype(np.uint8 if format == "uint8" else np.float32)


def encode(values, format, max_value, draw_keys):
    """Images ``[batch, height, width, channels]`` with values in ``[0, max_value]`` in ``format``.

    ``draw_keys`` holds one entropy list per row; only ``binary_dynamic`` draws from it.
    """
    if format == "binary":
        return (np.asarray(values) > max_value / 2).astype(np.float32)
    scaled = np.asarray(values, np.float32) / np.float32(max_value)
    if format == "signed":
        return np.clip(scaled * 2 - 1, -1, 1)
    if format == "binary_dynamic":
        uniforms = np.stack(
            [np.random.default_rng(key).random(scaled.shape[1:], np.float32) for key in draw_keys]
        )
        return (uniforms < scaled).astype(np.float32)
    return np.rint(np.clip(scaled, 0, 1) * 255).astype(np.uint8)
