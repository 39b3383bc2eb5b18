"""Key patches of digits: crops, masks and the ink-weighted draw against brute force."""

import numpy as np
import pytest

from jaxgen import UserError
from jaxgen.data import patches
from jaxgen.data.captioned import signed_split

SETTINGS = {"patch_size": 3, "min_parts": 2, "max_parts": 3}


def test_window_ink_equals_a_loop_over_windows():
    image = np.random.default_rng(0).uniform(-1, 1, (6, 5, 2))
    ink = patches.window_ink(image, 3)
    expected = np.array(
        [[((image[r : r + 3, c : c + 3] + 1) / 2).sum() for c in range(3)] for r in range(4)]
    )
    np.testing.assert_allclose(ink, expected, rtol=1e-10)


def test_parts_are_the_crops_at_their_corners_and_the_mask_is_their_union():
    images, _ = signed_split("digits", "train", 8)
    for seed, image in enumerate(images[:20]):
        drawn = patches.draw_parts(image, np.random.default_rng(seed), **SETTINGS)
        again = patches.draw_parts(image, np.random.default_rng(seed), **SETTINGS)
        for key in drawn:
            np.testing.assert_array_equal(drawn[key], again[key])  # a function of the rng
        count = int(drawn["present"].sum())
        assert 2 <= count <= 3 and np.all(drawn["present"][:count] == 1)
        expected_mask = np.zeros((8, 8, 1), np.float32)
        corners = [tuple(c) for c in drawn["corners"][:count]]
        assert len(set(corners)) == count  # distinct positions
        for part, (row, col) in zip(drawn["parts"][:count], corners, strict=True):
            np.testing.assert_array_equal(part, image[row : row + 3, col : col + 3])
            expected_mask[row : row + 3, col : col + 3] = 1
        np.testing.assert_array_equal(drawn["mask"], expected_mask)
        assert np.all(drawn["parts"][count:] == -1) and np.all(drawn["corners"][count:] == 0)


def test_one_part_is_drawn_in_proportion_to_its_windows_ink():
    image = -np.ones((4, 4, 1), np.float32)
    image[0, 0] = 1.0  # ink in one pixel: only the top-left window holds it
    settings = {"patch_size": 3, "min_parts": 1, "max_parts": 1}
    rng = np.random.default_rng(0)
    draws = 4000
    counts = np.zeros((2, 2))
    for _ in range(draws):
        counts[tuple(patches.draw_parts(image, rng, **settings)["corners"][0])] += 1
    weights = patches.window_ink(image, 3) + patches.BLANK_WEIGHT * 9  # 1.45 and 0.45 each
    expected = draws * weights / weights.sum()
    assert np.all(np.abs(counts - expected) < 4 * np.sqrt(expected)), (counts, expected)


def test_dataset_batches_are_pure_in_position_and_hold_the_digits():
    dataset = patches.parts_dataset("digits", batch_size=6, image_size=8, **SETTINGS)
    batch = dataset.batch(3)
    again = dataset.batch(3)
    for key in batch:
        np.testing.assert_array_equal(batch[key], again[key])
    assert batch["parts"].shape == (6, 3, 3, 3, 1) and batch["mask"].shape == (6, 8, 8, 1)
    for i in range(6):
        for part, (row, col), present in zip(
            batch["parts"][i], batch["corners"][i], batch["present"][i], strict=True
        ):
            if present:
                np.testing.assert_array_equal(part, batch["image"][i, row : row + 3, col : col + 3])


def test_settings_errors_speak_to_the_user():
    with pytest.raises(UserError, match="max_parts 40 exceeds the 36 distinct"):
        patches.parts_dataset("digits", batch_size=4, patch_size=3, min_parts=1, max_parts=40)
    with pytest.raises(UserError, match="min_parts <= max_parts"):
        patches.parts_dataset("digits", batch_size=4, patch_size=3, min_parts=3, max_parts=2)
    with pytest.raises(UserError, match="a part set is made from an offline set"):
        patches.parts_dataset("ring8", batch_size=4, **SETTINGS)
