"""``stacked_mnist``: three ``mnist5k`` digits stacked as the R, G and B channels of one image.

The benchmark of mode collapse with 1,000 discrete modes of Metz, Poole, Pfau & Sohl-Dickstein
("Unrolled generative adversarial networks", ICLR 2017, Section 3.3.1) and Srivastava, Valkov,
Russell, Gutmann & Sutton ("VEEGAN: Reducing mode collapse in GANs using implicit variational
learning", NeurIPS 2017, Section 5): example ``k`` is the triple of digit images
``(x_R, x_G, x_B)`` with digits ``(d_R, d_G, d_B)``, one ``[H, W, 3]`` image, and its mode is
``label = 100 d_R + 10 d_G + d_B`` in ``0..999``. A generator's modes are counted by classifying
each channel with a digit classifier (``jaxgen.metrics.modes.label_mode_coverage``).

Split ``s`` (``train`` or ``test``) stacks only images of the same split of ``mnist5k``
(``jaxgen.data.offline``: 4,000 / 1,000 images, 400 / 100 per digit), so the two splits share
no source image. Sizes: ``train`` 50,000 triples (50 per mode), ``test`` 10,000 (10 per
mode); ``all`` is ``train`` then ``test``. Published sizes differ from paper to paper (e.g.
240,000 images in later work such as Inclusive GAN's ``dataset_tool``); with 400 source images
per digit the variety is bounded by the source set anyway, and 50 examples per mode keep one
epoch short.

The draw is stratified over modes, so the labels of a split are exactly uniform (KL to uniform
0, all 1,000 modes present): with ``rng = np.random.default_rng([TRIPLE_SEED, t])`` (``t`` = 0
for ``train``, 1 for ``test``), the split's labels are
``rng.permutation(np.repeat(np.arange(1000), per_mode))`` and then, for channel R, G, B in turn
and digit 0..9 in turn, the rows whose channel holds that digit take ``rng.integers`` positions
among that digit's images of the mnist5k split (with replacement across triples). The order
of a split, that of ``Dataset.epoch``, is this shuffled one (not sorted by label as mnist5k's),
so any prefix of the ordered pass is a uniform random sample of the split.

Only the ``[N, 3]`` index triples are stored (0.6 MB for ``train``); ``read(indices)`` gathers
the batch's channels from the cached mnist5k split, so no stacked image is materialized beyond
one batch. ``image_size`` resizes the source digits once (as ``mnist5k`` does); pixel formats
are those of the offline sets (``formats``), ``binary_dynamic`` drawing each channel's pixels.
"""

import functools

import numpy as np

from jaxgen.data import formats, offline
from jaxgen.data.finite import finite_dataset
from jaxgen.errors import UserError

NAME = "stacked_mnist"
SOURCE = "mnist5k"
NUM_CHANNELS = 3
NUM_DIGITS = 10
NUM_MODES = NUM_DIGITS**NUM_CHANNELS
SPLITS = ("train", "test", "all")
TRIPLES_PER_MODE = {"train": 50, "test": 10}
TRIPLE_SEED = 2017
_SPLIT_TAGS = {"train": 0, "test": 1}
_NATIVE_SIZE = offline.SOURCES[SOURCE].native_size
# Mode weights of the channels: label = 100 d_R + 10 d_G + d_B.
_PLACE_VALUES = np.array([100, 10, 1], np.int32)


def digits_of(labels):
    """``labels [...]`` in ``0..999`` as their channel digits ``[..., 3]`` (d_R, d_G, d_B)."""
    labels = np.asarray(labels)
    return (labels[..., None] // _PLACE_VALUES) % NUM_DIGITS


@functools.cache
def _split_triples(split):
    """Positions ``[N, 3]`` in mnist5k split ``split`` (train or test), and the labels ``[N]``."""
    _, source_labels = offline.split_arrays(SOURCE, split, _NATIVE_SIZE)
    rng = np.random.default_rng([TRIPLE_SEED, _SPLIT_TAGS[split]])
    labels = rng.permutation(np.repeat(np.arange(NUM_MODES), TRIPLES_PER_MODE[split]))
    digits = digits_of(labels)
    triples = np.empty(digits.shape, np.int64)
    for channel in range(NUM_CHANNELS):
        for digit in range(NUM_DIGITS):
            rows = np.flatnonzero(digits[:, channel] == digit)
            members = np.flatnonzero(source_labels == digit)
            triples[rows, channel] = members[rng.integers(len(members), size=len(rows))]
    return triples, labels.astype(np.int32)


@functools.cache
def triples(split):
    """Index triples ``[N, 3]`` and int32 labels ``[N]`` of ``split`` (read-only).

    Row ``k`` holds the positions of example ``k``'s R, G and B digits among
    ``source_images(split, ...)``: the images of mnist5k split ``split``, and for ``all`` the
    train images followed by the test images (the first 50,000 rows are ``train``'s triples,
    the last 10,000 ``test``'s, shifted past the 4,000 train images).
    """
    if split == "all":
        (train, train_labels), (test, test_labels) = map(_split_triples, ("train", "test"))
        num_train_images = len(offline.split_arrays(SOURCE, "train", _NATIVE_SIZE)[1])
        positions = np.concatenate([train, test + num_train_images])
        labels = np.concatenate([train_labels, test_labels])
    else:
        positions, labels = (array.copy() for array in _split_triples(split))
    for array in (positions, labels):
        array.flags.writeable = False
    return positions, labels


@functools.cache
def source_images(split, image_size):
    """The float32 mnist5k images ``[n, H, W, 1]`` that ``triples(split)`` index (read-only)."""
    if split == "all":
        parts = [offline.split_arrays(SOURCE, part, image_size)[0] for part in ("train", "test")]
        images = np.concatenate(parts)
        images.flags.writeable = False
        return images
    return offline.split_arrays(SOURCE, split, image_size)[0]


def stacked_dataset(split, *, format, image_size, **dataset_kwargs):
    """The Dataset of split ``split`` of ``stacked_mnist`` in pixel ``format``.

    Batches hold ``image [B, H, W, 3]`` (channel c is digit ``digits[:, c]``), ``label [B]``
    (int32, ``100 d_R + 10 d_G + d_B``) and ``digits [B, 3]`` (int32).
    """
    source = offline.SOURCES[SOURCE]
    if split not in SPLITS:
        raise UserError(f"{NAME} has no split {split!r}; its splits are {', '.join(SPLITS)}")
    image_size = source.native_size if image_size is None else image_size
    if isinstance(image_size, bool) or image_size not in source.image_sizes:
        sizes = ", ".join(map(str, source.image_sizes))
        raise UserError(f"{NAME} supports image_size in {{{sizes}}}, got {image_size!r}")
    images = source_images(split, int(image_size))
    positions, labels = triples(split)
    digits = digits_of(labels).astype(np.int32)

    def read(indices, draw_keys):
        # [B, 3, H, W, 1] -> [B, H, W, 3]: each stacked digit becomes one channel.
        stacked = np.moveaxis(images[positions[indices], ..., 0], 1, -1)
        image = formats.encode(stacked, format, source.max_value, draw_keys)
        return {"image": image, "label": labels[indices], "digits": digits[indices]}

    return finite_dataset(
        NAME,
        read,
        len(labels),
        element_spec={
            "image": ((*images.shape[1:3], NUM_CHANNELS), formats.dtype(format)),
            "label": ((), np.dtype(np.int32)),
            "digits": ((NUM_CHANNELS,), np.dtype(np.int32)),
        },
        info={"num_classes": NUM_MODES, "format": format, "split": split, "source": SOURCE},
        **dataset_kwargs,
    )
