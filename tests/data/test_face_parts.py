"""Face parts cut at TFDS celeb_a's landmarks: the landmarks follow the crop and resize, and the
parts are the windows at their centers (on mock data)."""

import numpy as np
import pytest
import tensorflow_datasets as tfds

from jaxgen import UserError
from jaxgen.data import face_parts, tfds_source
from jaxgen.data.resize import center_crop, resize


@pytest.mark.parametrize("point", [(109, 89), (60, 40), (150, 130)])
def test_a_landmark_moves_with_the_crop_and_resize_of_its_image(point):
    """A bright 3×3 block at a stored point ends up centered where ``point_transform`` puts the
    point (the resized block's intensity centroid), for celeb_a's 218×178 → 64×64."""
    image = np.zeros((218, 178, 1), np.float32)
    row, col = point
    image[row - 1 : row + 2, col - 1 : col + 2] = 1
    resized = resize(center_crop(image)[None], 64)[0, ..., 0]
    rows, cols = np.mgrid[:64, :64]
    centroid = np.array([(rows * resized).sum(), (cols * resized).sum()]) / resized.sum()
    moved = tfds_source.point_transform((218, 178, 3), 64)([point])[0]
    np.testing.assert_allclose(moved, centroid, atol=0.05)
    expected = ((row - 20 + 0.5) * 64 / 178 - 0.5, (col + 0.5) * 64 / 178 - 0.5)
    np.testing.assert_allclose(moved, expected, rtol=1e-6)


def test_windows_are_centered_at_the_part_and_kept_inside_the_image():
    centers = np.array([[10.0, 20.0], [0.4, 62.0], [31.5, 31.5]])
    corners = face_parts.window_corners(centers, 16, 64)
    np.testing.assert_array_equal(corners, [[2, 12], [0, 48], [24, 24]])
    points = np.array([[[10, 20], [10, 40], [30, 30], [50, 24], [50, 36]]], np.float32)
    np.testing.assert_array_equal(
        face_parts.part_centers(points)[0], [[10, 20], [10, 40], [30, 30], [50, 30]]
    )


def test_mock_celeb_a_parts_are_the_windows_at_the_landmarks(tmp_path):
    settings = dict(image_size=32, patch_size=8, min_parts=2, max_parts=4)
    with tfds.testing.mock_data(num_examples=10):
        dataset = face_parts.face_parts_dataset(
            "tfds:celeb_a", batch_size=10, process_index=0, process_count=1, **settings
        )
        batch = next(dataset.epoch(10))
        source = tfds.builder("celeb_a", try_gcs=False).as_data_source(split="train")
        records = [source[i] for i in range(10)]
    assert {k: v[0] for k, v in dataset.element_spec.items()} == {
        k: v.shape[1:] for k, v in batch.items()
    }
    move = tfds_source.point_transform((218, 178, 3), 32)
    counts = set()
    for i, record in enumerate(records):
        stored = [[record["landmarks"][f"{p}_y"], record["landmarks"][f"{p}_x"]]
                  for p in face_parts.POINTS]  # fmt: skip
        centers = face_parts.part_centers(move(stored)[None])[0]
        candidates = {tuple(c) for c in face_parts.window_corners(centers, 8, 32)}
        present = batch["present"][i] > 0
        counts.add(int(present.sum()))
        mask = np.zeros((32, 32, 1), np.float32)
        kept = zip(batch["parts"][i][present], batch["corners"][i][present], strict=True)
        for part, (row, col) in kept:
            assert (row, col) in candidates
            np.testing.assert_array_equal(part, batch["image"][i, row : row + 8, col : col + 8])
            mask[row : row + 8, col : col + 8] = 1
        np.testing.assert_array_equal(batch["mask"][i], mask)
        assert np.all(batch["parts"][i][~present] == -1)
    assert counts <= {2, 3, 4} and len(counts) > 1  # k uniform in 2 .. 4


def test_face_part_errors_speak_to_the_user():
    with pytest.raises(UserError, match="a face has 4 key parts"):
        face_parts.check_face_parts(64, 16, 3, 5)
    with pytest.raises(UserError, match="cut from a TFDS set with landmarks"):
        face_parts.face_parts_dataset(
            "mnist5k", batch_size=4, image_size=28, patch_size=8, min_parts=1, max_parts=2
        )
    with tfds.testing.mock_data(num_examples=4):
        with pytest.raises(UserError, match="no landmark 'chin'"):
            tfds_source.tfds_dataset(
                "celeb_a", "train", format="signed", image_size=16, data_dir=None,
                landmarks=("chin",), batch_size=4, process_index=0, process_count=1,
            )  # fmt: skip
        with pytest.raises(UserError, match="tfds:mnist has no 'landmarks' feature"):
            tfds_source.tfds_dataset(
                "mnist", "train", format="signed", image_size=16, data_dir=None,
                landmarks=face_parts.POINTS, batch_size=4, process_index=0, process_count=1,
            )  # fmt: skip
