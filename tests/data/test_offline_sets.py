"""digits and mnist5k: split sizes, stratification, disjointness, resizing, caching."""

import time

import numpy as np
import pytest
from sklearn.datasets import load_digits

from jaxgen.data import load
from jaxgen.data.offline import split_arrays, stratified_split
from jaxgen.errors import UserError


def _load(name, split="train", **kwargs):
    kwargs = {"batch_size": 8, "process_index": 0, "process_count": 1, **kwargs}
    return load(name, split, **kwargs)


def _ordered_pass(dataset):
    batches = list(dataset.epoch(batch_size=1000))
    return {key: np.concatenate([b[key] for b in batches]) for key in batches[0]}


def test_digits_split_sizes_are_the_documented_ones():
    sizes = {split: _load("digits", split).num_examples for split in ("train", "test", "all")}
    assert sizes == {"train": 1438, "test": 359, "all": 1797}


def test_digits_split_is_stratified_disjoint_and_covers_all():
    labels = load_digits().target
    train, test = stratified_split(labels, "train"), stratified_split(labels, "test")
    assert not set(train) & set(test)
    np.testing.assert_array_equal(np.sort(np.concatenate([train, test])), np.arange(len(labels)))
    for label in range(10):
        in_class = np.sum(labels == label)
        assert np.sum(labels[train] == label) == round(0.8 * in_class)


def test_digits_ordered_pass_is_the_split_of_sklearn_in_signed_format():
    digits = load_digits()
    test = stratified_split(digits.target, "test")
    got = _ordered_pass(_load("digits", "test"))
    np.testing.assert_allclose(got["image"][..., 0], digits.images[test] / 8 - 1, atol=1e-6)
    np.testing.assert_array_equal(got["label"], digits.target[test])
    assert got["label"].dtype == np.int32


def test_mnist5k_split_has_400_and_100_per_class():
    for split, per_class in (("train", 400), ("test", 100)):
        dataset = _load("mnist5k", split)
        labels = _ordered_pass(dataset)["label"]
        assert dataset.num_examples == 10 * per_class
        np.testing.assert_array_equal(np.bincount(labels, minlength=10), per_class)
        assert dataset.element_spec["image"] == ((28, 28, 1), np.float32)


def test_mnist5k_train_and_test_images_are_disjoint_and_cover_all():
    train, _ = split_arrays("mnist5k", "train", 28)
    test, _ = split_arrays("mnist5k", "test", 28)
    everything, _ = split_arrays("mnist5k", "all", 28)
    rows = lambda images: {row.tobytes() for row in images.reshape(len(images), -1)}
    assert not rows(train) & rows(test)
    assert rows(train) | rows(test) == rows(everything)


@pytest.mark.parametrize("name, image_size", [("digits", 16), ("digits", 32), ("mnist5k", 16)])
def test_resized_images_keep_the_shape_and_value_range(name, image_size):
    dataset = _load(name, image_size=image_size, format="uint8", batch_size=64)
    image = dataset.batch(0)["image"]
    assert image.shape == (64, image_size, image_size, 1)
    assert dataset.element_spec["image"] == ((image_size, image_size, 1), np.uint8)
    assert image.max() > 200  # the range is kept, not squashed
    signed = _load(name, image_size=image_size, batch_size=64).batch(0)["image"]
    assert signed.min() >= -1 and signed.max() <= 1


def test_resizing_keeps_the_mean_intensity():
    native, _ = split_arrays("digits", "test", 8)
    resized, _ = split_arrays("digits", "test", 32)
    np.testing.assert_allclose(resized.mean(axis=(1, 2, 3)), native.mean(axis=(1, 2, 3)), rtol=0.1)


def test_loading_again_is_cached():
    _load("mnist5k")
    start = time.perf_counter()
    _load("mnist5k")
    assert time.perf_counter() - start < 0.1


def test_cached_arrays_are_read_only():
    images, labels = split_arrays("digits", "train", 8)
    assert not images.flags.writeable and not labels.flags.writeable


@pytest.mark.parametrize(
    "name, kwargs, match",
    [
        ("digits", {"split": "validation"}, "splits are train, test, all"),
        ("digits", {"image_size": 12}, r"image_size in \{8, 16, 28, 32\}"),
        ("mnist5k", {"image_size": True}, "image_size"),
    ],
)
def test_bad_split_or_size_is_a_one_line_user_error(name, kwargs, match):
    with pytest.raises(UserError, match=match) as error:
        _load(name, **kwargs)
    assert "\n" not in str(error.value)
