"""Images with several binary attributes: the digit compositions and TFDS celeb_a's attributes."""

import numpy as np
import pytest
import tensorflow_datasets as tfds

from jaxgen import UserError
from jaxgen.data import multi_domain, multi_label
from jaxgen.data.captioned import signed_split


def test_compose_applies_thickening_then_rotation_then_inversion():
    x = -np.ones((1, 4, 4, 1), np.float32)
    x[0, 0, 3, 0] = 1.0  # ink in the top-right corner
    every = multi_label.compose(x, [[1, 1, 1]])
    expected = -multi_domain.rotate(multi_domain.thicken(x))
    np.testing.assert_array_equal(every, expected)
    # the other order differs: thickening the inverted image spreads the background instead
    assert not np.array_equal(every, multi_domain.thicken(-multi_domain.rotate(x)))
    np.testing.assert_array_equal(multi_label.compose(x, [[0, 0, 0]]), x)
    # a subset of the attributes, named in any order, keeps the canonical order of application
    np.testing.assert_array_equal(
        multi_label.compose(x, [[1, 1]], names=("inverted", "thickened")),
        -multi_domain.thicken(x),
    )
    with pytest.raises(ValueError, match=r"attributes must be \[1, 3\]"):
        multi_label.compose(x, [[1, 1]])


def test_digit_batches_are_the_composition_of_their_attributes():
    names = ("rotated", "inverted")
    dataset = multi_label.digit_attribute_dataset(
        "digits", batch_size=64, image_size=8, attributes=names
    )
    batch = dataset.batch(3)
    np.testing.assert_array_equal(batch["image"], dataset.batch(3)["image"])  # pure in position
    images, labels = signed_split("digits", "train", 8)
    rows_of_batch = zip(batch["image"], batch["attributes"], batch["label"], strict=True)
    for image, attributes, label in rows_of_batch:
        candidates = multi_label.compose(images, np.tile(attributes, (len(images), 1)), names)
        rows = np.flatnonzero((np.abs(candidates - image) < 1e-6).all(axis=(1, 2, 3)))
        assert len(rows) >= 1 and label in labels[rows]
    every = next(dataset.epoch(len(labels)))["attributes"]
    assert every.shape == (len(labels), 2) and set(np.unique(every)) == {0.0, 1.0}
    combinations = np.bincount((every @ [2, 1]).astype(int), minlength=4) / len(labels)
    assert np.all(np.abs(combinations - 0.25) < 0.04), combinations  # independent halves


def test_digit_attribute_errors_speak_to_the_user():
    with pytest.raises(UserError, match="unknown digit attribute 'rotate'.*rotated"):
        multi_label.digit_attribute_dataset("digits", batch_size=8, attributes=("rotate",))
    with pytest.raises(UserError, match="distinct"):
        multi_label.check_digit_attributes(("inverted", "inverted"))
    with pytest.raises(UserError, match="a digit with attributes is made from an offline set"):
        multi_label.attribute_dataset("ring8", attributes=("inverted",), batch_size=8)


def test_celeb_a_batches_hold_the_named_attributes_of_their_records():
    names = ("Male", "Black_Hair", "Young")
    with tfds.testing.mock_data(num_examples=12):
        dataset = multi_label.attribute_dataset(
            "tfds:celeb_a", attributes=names, batch_size=12, image_size=16,
            process_index=0, process_count=1,
        )  # fmt: skip
        batch = next(dataset.epoch(12))
        source = tfds.builder("celeb_a", try_gcs=False).as_data_source(split="train")
        records = [source[i] for i in range(12)]
        with pytest.raises(UserError, match="no attribute 'Blonde_Hair'.*Blond_Hair"):
            multi_label.attribute_dataset(
                "tfds:celeb_a", attributes=("Blonde_Hair",), batch_size=4,
                process_index=0, process_count=1,
            )  # fmt: skip
        with pytest.raises(UserError, match="tfds:mnist has no 'attributes' feature"):
            multi_label.attribute_dataset(
                "tfds:mnist", attributes=("Male",), batch_size=4, process_index=0,
                process_count=1,
            )  # fmt: skip
    expected = np.array([[r["attributes"][n] for n in names] for r in records], np.float32)
    assert batch["attributes"].dtype == np.float32
    np.testing.assert_array_equal(batch["attributes"], expected)  # the ordered pass: records 0..11
    assert batch["image"].shape == (12, 16, 16, 3) and "label" not in batch
    assert dataset.element_spec["attributes"] == ((3,), np.float32)


def test_an_unknown_celeb_a_attribute_is_named_before_the_missing_data(tmp_path):
    """The attribute names are checked against TFDS's static feature list first, so a typo is
    reported even where the data is not prepared yet."""
    with pytest.raises(UserError, match="no attribute 'Blonde_Hair'"):
        multi_label.attribute_dataset(
            "tfds:celeb_a", attributes=("Male", "Blonde_Hair"), batch_size=4,
            data_dir=str(tmp_path), process_index=0, process_count=1,
        )  # fmt: skip
    with pytest.raises(UserError, match="not prepared in array_record format"):
        multi_label.attribute_dataset(
            "tfds:celeb_a", attributes=multi_label.CELEBA, batch_size=4,
            data_dir=str(tmp_path), process_index=0, process_count=1,
        )  # fmt: skip
