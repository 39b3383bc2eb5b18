"""Pixel orderings of an H×W×C image, for the autoregressive models (FVSBN, NADE, MADE).

An image ``[height, width, channels]`` is flattened NHWC-style to D = H·W·C pixels, the flat
index of (h, w, c) being (h·W + w)·C + c, so the channels of one pixel are adjacent (R→G→B for
RGB). An autoregressive model factorizes p(x) = Π_k p(x_{o_k} | x_{o_1}, …, x_{o_{k−1}}) in an
ordering o, a permutation of the D flat indices: position k of the ordering holds the flat index
o_k of the k-th pixel generated. The orderings:

- ``raster``: row by row, left to right, channels in order within a pixel: o = (0, 1, …, D−1).
- ``snake``: boustrophedon rows, left to right on even rows (0, 2, …) and right to left on odd
  ones, channels in order within a pixel; consecutive pixels are always neighbours.
- ``random``: a fixed permutation of the D indices, ``np.random.default_rng(seed).permutation``,
  channels included (it is the one ordering that may split a pixel's channels).

Orderings are numpy arrays computed when a model is built: they are static structure, not
parameters, and the models index with them inside jitted code.
"""

from collections.abc import Sequence

import jax
import numpy as np

ORDERINGS = ("raster", "snake", "random")


def _check_shape(shape: Sequence[int]) -> tuple[int, int, int]:
    shape = tuple(shape)
    if len(shape) != 3 or not all(isinstance(s, int | np.integer) and s > 0 for s in shape):
        raise ValueError(
            f"an image shape is (height, width, channels) of positive integers, got {shape}"
        )
    return tuple(int(s) for s in shape)


def raster(shape: Sequence[int]) -> np.ndarray:
    """The raster ordering of an image of ``shape`` (H, W, C): ``[D]``, o_k = k."""
    height, width, channels = _check_shape(shape)
    return np.arange(height * width * channels)


def snake(shape: Sequence[int]) -> np.ndarray:
    """The boustrophedon ordering of ``shape`` (H, W, C): ``[D]``, odd rows right to left."""
    height, width, channels = _check_shape(shape)
    index = np.arange(height * width * channels).reshape(height, width, channels)
    index[1::2] = index[1::2, ::-1]
    return index.reshape(-1)


def random(shape: Sequence[int], seed: int = 0) -> np.ndarray:
    """A fixed random permutation of the D = H·W·C flat indices of ``shape``, from ``seed``."""
    height, width, channels = _check_shape(shape)
    return np.random.default_rng(seed).permutation(height * width * channels)


def ordering(name: str, shape: Sequence[int], seed: int = 0) -> np.ndarray:
    """The ordering ``name`` (one of ``ORDERINGS``) of an image of ``shape`` (H, W, C).

    Returns ``[D]`` integers, a permutation of 0..D−1: entry k is the flat index of the k-th
    pixel generated. ``seed`` is used by ``random`` only.
    """
    if name == "raster":
        return raster(shape)
    if name == "snake":
        return snake(shape)
    if name == "random":
        return random(shape, seed)
    raise ValueError(f"unknown pixel ordering {name!r}; choose one of {', '.join(ORDERINGS)}")


def check_sample_count(n, where: str) -> None:
    """Raises a ValueError naming ``where`` unless ``n`` (images to sample) is a positive int."""
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"{where} needs n, the number of images, a positive int; got {n!r}")


def flatten_images(x, shape: Sequence[int], where: str):
    """Checks that ``x`` is ``[batch, H, W, C]`` with (H, W, C) = ``shape`` and returns it as
    ``[batch, D]`` in the flat pixel index; ``where`` names the caller in the error."""
    shape = _check_shape(shape)
    if x.ndim != 4 or tuple(x.shape[1:]) != shape:
        raise ValueError(
            f"{where} needs binary images x [batch, {shape[0]}, {shape[1]}, {shape[2]}] (the "
            f"model's shape), got shape {tuple(x.shape)}"
        )
    return x.reshape(x.shape[0], -1)


def inverse(order: np.ndarray) -> np.ndarray:
    """The inverse permutation: ``inverse(order)[p]`` is the position of pixel p in ``order``,
    so ``values_in_order[..., inverse(order)]`` puts per-position values back in pixel index."""
    return np.argsort(order)


def report_progress(progress, position) -> None:
    """Calls ``progress(position)`` on the host from inside a jitted sampling loop
    (``jax.debug.callback``), unless ``progress`` is None: how the CLI draws a progress bar."""
    if progress is not None:
        jax.debug.callback(progress, position)
