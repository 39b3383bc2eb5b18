"""Sample pictures: the grid layout against numpy, and the scatter plot's canvas."""

import numpy as np

from jaxgen.train.images import image_grid, picture, scatter_plot


def test_grid_places_each_image_in_raster_order():
    images = np.linspace(-1, 1, 5 * 4 * 4 * 1).reshape(5, 4, 4, 1)
    grid = image_grid(images, columns=3, pad=1, min_tile=4)
    assert grid.shape == (2 * 5 + 1, 3 * 5 + 1, 1) and grid.dtype == np.uint8
    expected = np.clip(np.round((images + 1) * 127.5), 0, 255).astype(np.uint8)
    for i in range(5):
        r, c = divmod(i, 3)
        np.testing.assert_array_equal(
            grid[1 + 5 * r : 5 + 5 * r, 1 + 5 * c : 5 + 5 * c], expected[i]
        )
    assert np.all(grid[:, -5:][6:] == 255)  # the empty sixth cell stays white


def test_small_images_are_enlarged_pixel_exactly():
    images = np.random.default_rng(0).uniform(-1, 1, (4, 8, 8, 1))
    grid = image_grid(images, columns=2, pad=0, min_tile=32)
    assert grid.shape == (64, 64, 1)
    first = grid[:32, :32, 0]
    np.testing.assert_array_equal(first, np.kron(first[::4, ::4], np.ones((4, 4), np.uint8)))


def test_scatter_plot_draws_points_where_they_are():
    canvas = scatter_plot(np.array([[1.0, 1.0]]), size=101, extent=2.0)
    assert canvas.shape == (101, 101, 3)
    ys, xs = np.nonzero(np.any(canvas != 255, axis=-1))
    assert abs(xs.mean() - 75) <= 2 and abs(ys.mean() - 25) <= 2  # up and to the right
    assert picture({"x": np.zeros((3, 2))}).shape[-1] == 3


def test_labelled_samples_get_a_column_per_class():
    images = np.linspace(-1, 1, 5 * 4 * 4 * 1).reshape(5, 4, 4, 1)
    labels = np.array([3, 1, 3, 7, 1])
    grid = picture({"image": images, "label": labels})
    # classes 1, 3, 7 as columns; row 0 holds each class's first sample, row 1 its second
    by_hand = image_grid(images[[1, 0, 3, 4, 2]], columns=3)
    np.testing.assert_array_equal(grid, by_hand)  # class 7's second cell stays white
