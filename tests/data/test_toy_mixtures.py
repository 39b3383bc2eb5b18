"""ring8 and grid25: centers, spread and mode use against the PacGAN settings."""

import itertools

import numpy as np
import pytest

from jaxgen.data import load
from jaxgen.errors import UserError

SETTINGS = {  # name -> (centers, std), PacGAN's 2D-ring and 2D-grid
    "ring8": (
        np.array([(np.cos(2 * np.pi * k / 8), np.sin(2 * np.pi * k / 8)) for k in range(8)]),
        0.01,
    ),
    "grid25": (np.array(list(itertools.product([-4, -2, 0, 2, 4], repeat=2)), float), 0.05),
}


def _load(name, seed=0, batch_size=1000, **kwargs):
    kwargs = {"process_index": 0, "process_count": 1, **kwargs}
    return load(name, batch_size=batch_size, seed=seed, **kwargs)


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_points_are_gaussian_around_the_centers_and_use_every_mode(name):
    centers, std = SETTINGS[name]
    dataset = _load(name)
    np.testing.assert_allclose(dataset.info["centers"], centers, atol=1e-12)
    assert dataset.info["std"] == std
    batches = [dataset.batch(p) for p in range(20)]
    points = np.concatenate([b["x"] for b in batches]).astype(np.float64)
    labels = np.concatenate([b["label"] for b in batches])
    assert batches[0]["x"].dtype == np.float32 and labels.dtype == np.int32
    counts = np.bincount(labels, minlength=len(centers))
    assert len(counts) == len(centers) and counts.min() > 0.5 * len(labels) / len(centers)
    for mode, center in enumerate(centers):
        in_mode = points[labels == mode]
        mean_error = np.abs(in_mode.mean(axis=0) - center)
        assert np.all(mean_error < 5 * std / np.sqrt(len(in_mode)))
        np.testing.assert_allclose(in_mode.std(axis=0), std, rtol=0.15)
    # The nearest center of every point is its mode: the modes are far apart for these stds.
    nearest = np.argmin(((points[:, None] - centers[None]) ** 2).sum(-1), axis=1)
    np.testing.assert_array_equal(nearest, labels)


def test_batches_are_deterministic_and_depend_on_the_seed_and_position():
    a, b, other = _load("ring8", seed=1), _load("ring8", seed=1), _load("ring8", seed=2)
    np.testing.assert_array_equal(a.batch(5)["x"], b.batch(5)["x"])
    assert not np.array_equal(a.batch(5)["x"], other.batch(5)["x"])
    assert not np.array_equal(a.batch(5)["x"], a.batch(6)["x"])
    for position, batch in zip(itertools.count(3), itertools.islice(a.iterate(3), 3)):
        np.testing.assert_array_equal(batch["x"], a.batch(position)["x"])


def test_process_shards_concatenate_to_the_global_batch():
    global_batch = _load("grid25", batch_size=12).batch(4)
    shards = [_load("grid25", batch_size=12, process_index=i, process_count=3) for i in range(3)]
    for key in ("x", "label"):
        np.testing.assert_array_equal(
            np.concatenate([s.batch(4)[key] for s in shards]), global_batch[key]
        )


def test_evaluation_set_is_fixed_and_apart_from_training():
    dataset = _load("ring8", batch_size=512)
    assert dataset.num_examples is None
    batches = list(dataset.epoch(batch_size=3000))
    assert [len(b["x"]) for b in batches] == [3000, 3000, 3000, 1000]
    points = np.concatenate([b["x"] for b in batches])
    np.testing.assert_array_equal(points, np.concatenate([b["x"] for b in dataset.epoch(3000)]))
    training = np.concatenate([dataset.batch(p)["x"] for p in range(20)])
    assert not set(map(bytes, points)) & set(map(bytes, training))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"format": "binary"}, "2-D points"),
        ({"image_size": 8}, "2-D points"),
        ({"split": "validation"}, "splits are train, test"),
    ],
)
def test_bad_inputs_are_one_line_user_errors(kwargs, match):
    with pytest.raises(UserError, match=match) as error:
        _load("ring8", **kwargs)
    assert "\n" not in str(error.value)
