"""stacked_mnist: shapes and formats, channels against mnist5k, determinism, splits, errors."""

import numpy as np
import pytest

from jaxgen.data import formats, load
from jaxgen.data.offline import split_arrays
from jaxgen.data.stacked import digits_of, source_images, triples
from jaxgen.data.streams import epoch_order
from jaxgen.errors import UserError


def _load(split="train", **kwargs):
    kwargs = {"batch_size": 8, "process_index": 0, "process_count": 1, **kwargs}
    return load("stacked_mnist", split, **kwargs)


def _ordered_pass(dataset):
    batches = list(dataset.epoch(batch_size=5000))
    return {key: np.concatenate([b[key] for b in batches]) for key in batches[0]}


def _rows_to_labels(images, labels):
    """Raw bytes of each ``[H, W]`` uint8 image -> its digit label."""
    return {image.tobytes(): int(label) for image, label in zip(images, labels, strict=True)}


@pytest.mark.parametrize("format", formats.FORMATS)
@pytest.mark.parametrize("image_size", [None, 16])
def test_batches_have_the_spec_shapes_dtypes_and_ranges(format, image_size):
    dataset = _load("test", format=format, image_size=image_size, batch_size=32)
    batch = dataset.batch(5)
    side = 28 if image_size is None else image_size
    assert dataset.element_spec == {
        "image": ((side, side, 3), formats.dtype(format)),
        "label": ((), np.dtype(np.int32)),
        "digits": ((3,), np.dtype(np.int32)),
    }
    for key, (shape, dtype) in dataset.element_spec.items():
        assert batch[key].shape == (32, *shape) and batch[key].dtype == dtype, key
    assert dataset.info["num_classes"] == 1000
    image = batch["image"]
    low, high = {"signed": (-1, 1), "uint8": (0, 255)}.get(format, (0, 1))
    assert image.min() == low and image.max() == high
    if format.startswith("binary"):
        assert set(np.unique(image)) <= {0.0, 1.0}


def test_split_sizes_are_the_documented_ones():
    sizes = {split: _load(split).num_examples for split in ("train", "test", "all")}
    assert sizes == {"train": 50_000, "test": 10_000, "all": 60_000}


@pytest.mark.parametrize("split", ["train", "test"])
def test_every_channel_is_an_mnist5k_image_of_the_same_split_with_the_claimed_digit(split):
    """Each channel, as uint8 (exact: mnist values are integers), is found among the mnist5k
    images of the split, with the label that ``digits`` claims, and never among the other
    split's images; the label is 100 d_R + 10 d_G + d_B."""
    other = {"train": "test", "test": "train"}[split]
    images, labels = split_arrays("mnist5k", split, 28)
    own = _rows_to_labels(images[..., 0].astype(np.uint8), labels)
    other_images, _ = split_arrays("mnist5k", other, 28)
    foreign = {image.tobytes() for image in other_images[..., 0].astype(np.uint8)}
    # The first 2,000 examples of the ordered pass keep the test fast.
    batch = next(_load(split, format="uint8").epoch(batch_size=2000))
    for channel in range(3):
        for image, digit in zip(
            batch["image"][..., channel], batch["digits"][:, channel], strict=True
        ):
            key = image.tobytes()
            assert own[key] == digit and key not in foreign
    weights = np.array([100, 10, 1])
    np.testing.assert_array_equal(batch["label"], batch["digits"] @ weights)
    np.testing.assert_array_equal(digits_of(batch["label"]), batch["digits"])


def test_triples_index_the_source_images_they_stack():
    positions, labels = triples("test")
    dataset = _load("test", format="uint8", image_size=16)
    batch = next(dataset.epoch(batch_size=300))
    source = source_images("test", 16)
    expected = np.rint(np.moveaxis(source[positions[:300], ..., 0], 1, -1)).astype(np.uint8)
    np.testing.assert_array_equal(batch["image"], expected)
    np.testing.assert_array_equal(batch["label"], labels[:300])


def test_train_triples_use_only_train_images_and_test_triples_only_test_images():
    """Positions of ``all`` below 4,000 are train images, the rest test images."""
    num_train_images = len(split_arrays("mnist5k", "train", 28)[1])
    train, _ = triples("train")
    test, _ = triples("test")
    every, every_labels = triples("all")
    assert train.max() < num_train_images and test.max() < 1000 and train.min() >= 0
    np.testing.assert_array_equal(every[:50_000], train)
    np.testing.assert_array_equal(every[50_000:], test + num_train_images)
    all_images = source_images("all", 28)
    np.testing.assert_array_equal(all_images[num_train_images:], source_images("test", 28))
    np.testing.assert_array_equal(every_labels[50_000:], triples("test")[1])


@pytest.mark.parametrize("split, per_mode", [("train", 50), ("test", 10)])
def test_every_one_of_the_1000_modes_occurs_equally_often(split, per_mode):
    labels = _ordered_pass(_load(split))["label"]
    np.testing.assert_array_equal(np.bincount(labels, minlength=1000), per_mode)
    assert labels.min() == 0 and labels.max() == 999
    # Shuffled, not sorted by label: a prefix already spreads over many modes.
    assert len(np.unique(labels[:1000])) > 500


def test_every_source_image_is_used():
    """Channel digits are uniform and positions uniform within a digit, so each of the 4,000
    train images fills 3 · 50,000 / 4,000 = 37.5 channels on average (binomial, std ≈ 6)."""
    positions, _ = triples("train")
    uses = np.bincount(positions.ravel(), minlength=4000)
    assert len(uses) == 4000 and uses.min() > 10 and uses.max() < 75


def test_loads_are_deterministic_and_the_seed_only_reorders():
    first = _load(seed=3, format="binary_dynamic").batch(17)
    again = _load(seed=3, format="binary_dynamic").batch(17)
    for key in first:
        np.testing.assert_array_equal(first[key], again[key])
    # Batch 0 of seed 4 holds the examples that epoch 0's permutation of seed 4 visits first.
    other_seed = _load(seed=4, batch_size=1000, format="uint8", image_size=8).batch(0)["label"]
    np.testing.assert_array_equal(other_seed, triples("train")[1][epoch_order(4, 0, 50_000)[:1000]])


def test_splits_draw_different_triples():
    train, test = triples("train")[1], triples("test")[1]
    assert not np.array_equal(train[:10_000], test)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"split": "validation"}, "stacked_mnist has no split 'validation'; its splits are"),
        ({"image_size": 12}, r"stacked_mnist supports image_size in \{8, 16, 28, 32, 64\}"),
        ({"image_size": True}, "image_size"),
        ({"format": "rgb"}, "unknown format 'rgb'"),
    ],
)
def test_bad_split_size_or_format_is_a_one_line_user_error(kwargs, match):
    with pytest.raises(UserError, match=match) as error:
        _load(**kwargs)
    assert "\n" not in str(error.value)
