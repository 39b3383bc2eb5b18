"""tfds: sets through TFDS's mock data and a tiny array_record set prepared without TensorFlow."""

import sys

import numpy as np
import pytest
import tensorflow_datasets as tfds

from jaxgen.data import load, tfds_source
from jaxgen.errors import UserError

TRAIN_SIZE, TEST_SIZE = 5, 3


class JaxgenTinyImages(tfds.core.GeneratorBasedBuilder):
    """5 + 3 images 6x4x1 whose pixel (r, c) of example i is 40 * (i // 2) + 10 * r + c.

    Stored as a plain uint8 tensor: encoding an ``Image`` feature would need TensorFlow.
    """

    VERSION = tfds.core.Version("1.0.0")

    def _info(self):
        features = {
            "image": tfds.features.Tensor(shape=(6, 4, 1), dtype=np.uint8),
            "label": tfds.features.ClassLabel(num_classes=3),
        }
        return tfds.core.DatasetInfo(builder=self, features=tfds.features.FeaturesDict(features))

    def _split_generators(self, dl_manager):
        return {
            "train": self._generate_examples(TRAIN_SIZE),
            "test": self._generate_examples(TEST_SIZE),
        }

    def _generate_examples(self, num_examples):
        for i in range(num_examples):
            yield i, _tiny_example(i)


def _tiny_example(i):
    rows, columns = np.meshgrid(np.arange(6), np.arange(4), indexing="ij")
    image = (40 * (i // 2) + 10 * rows + columns).astype(np.uint8)[..., None]
    return {"image": image, "label": i % 3}


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("tfds")
    JaxgenTinyImages(data_dir=data_dir, file_format="array_record").download_and_prepare()
    return str(data_dir)


def _load(name, split="train", **kwargs):
    kwargs = {"batch_size": 4, "process_index": 0, "process_count": 1, **kwargs}
    return load(name, split, **kwargs)


def test_mock_mnist_batches_are_signed_28x28x1_and_tensorflow_stays_out():
    with tfds.testing.mock_data(num_examples=20):
        dataset = _load("tfds:mnist", batch_size=8)
        batch = dataset.batch(3)
    assert dataset.num_examples == 20 and dataset.info["num_classes"] == 10
    assert batch["image"].shape == (8, 28, 28, 1) and batch["image"].dtype == np.float32
    assert batch["image"].min() >= -1 and batch["image"].max() <= 1
    assert batch["label"].dtype == np.int32 and batch["label"].shape == (8,)
    assert "tensorflow" not in sys.modules


@pytest.mark.parametrize(
    "name, image_size, shape",
    [("tfds:mnist", 32, (32, 32, 1)), ("tfds:celeb_a", 64, (64, 64, 3))],
)
def test_mock_images_are_resized(name, image_size, shape):
    with tfds.testing.mock_data(num_examples=6):
        dataset = _load(name, image_size=image_size, format="uint8")
        image = dataset.batch(0)["image"]
    assert image.shape == (4, *shape) and image.dtype == np.uint8
    assert dataset.element_spec["image"] == (shape, np.uint8)


def test_prepared_set_reads_the_records_of_the_split(tiny_dir):
    dataset = _load("tfds:jaxgen_tiny_images", "test", data_dir=tiny_dir, format="uint8")
    assert dataset.num_examples == TEST_SIZE
    batch = next(dataset.epoch(batch_size=TEST_SIZE))
    assert batch["image"].shape == (TEST_SIZE, 6, 4, 1)
    got = {(image.tobytes(), int(label)) for image, label in zip(*batch.values(), strict=True)}
    examples = [_tiny_example(i) for i in range(TEST_SIZE)]
    assert got == {(e["image"].tobytes(), e["label"]) for e in examples}


def test_prepared_set_is_center_cropped_to_a_square(tiny_dir):
    dataset = _load("tfds:jaxgen_tiny_images", data_dir=tiny_dir, format="uint8", image_size=4)
    full = next(_load("tfds:jaxgen_tiny_images", data_dir=tiny_dir, format="uint8").epoch())
    cropped = next(dataset.epoch())
    np.testing.assert_array_equal(cropped["image"], full["image"][:, 1:5])


def test_prepared_set_streams_every_example_once_per_epoch(tiny_dir):
    dataset = _load("tfds:jaxgen_tiny_images", "train+test", data_dir=tiny_dir, batch_size=2)
    assert dataset.num_examples == TRAIN_SIZE + TEST_SIZE
    ordered = next(dataset.epoch(batch_size=8))["image"]
    stream = np.concatenate([dataset.batch(p)["image"] for p in range(4)])
    order = np.random.default_rng([0, 0]).permutation(8)
    np.testing.assert_array_equal(stream, ordered[order])


def test_binary_format_thresholds_at_half_the_sets_own_range(tiny_dir, monkeypatch):
    # binarized_mnist stores 0/1: a threshold at 127.5 would make every image blank.
    assert tfds_source.max_value("binarized_mnist") == 1 and tfds_source.max_value("mnist") == 255
    monkeypatch.setitem(tfds_source.MAX_VALUES, "jaxgen_tiny_images", 40)
    dataset = _load("tfds:jaxgen_tiny_images", "test", data_dir=tiny_dir, format="binary")
    binary = next(dataset.epoch(batch_size=TEST_SIZE))["image"]
    expected = [(_tiny_example(i)["image"] > 20).astype(np.float32) for i in range(TEST_SIZE)]
    assert sorted(image.tobytes() for image in binary) == sorted(e.tobytes() for e in expected)
    assert 0 < binary.mean() < 1


def _assert_one_line_user_error(match, name, **kwargs):
    with pytest.raises(UserError, match=match) as error:
        _load(name, **kwargs)
    assert "\n" not in str(error.value)
    return str(error.value)


def test_unprepared_set_says_how_to_prepare_it(tmp_path):
    message = _assert_one_line_user_error("array_record", "tfds:mnist", data_dir=str(tmp_path))
    assert "tfds build mnist" in message and str(tmp_path) in message


def test_unknown_tfds_name_is_a_one_line_user_error(tmp_path):
    _assert_one_line_user_error("did you mean 'mnist'", "tfds:mnistt", data_dir=str(tmp_path))


def test_unknown_split_lists_the_splits(tiny_dir):
    _assert_one_line_user_error(
        "splits are train, test", "tfds:jaxgen_tiny_images", split="validation", data_dir=tiny_dir
    )
