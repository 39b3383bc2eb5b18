"""``jaxgen sample --walk / --arithmetic / --numbered`` on tiny trained workdirs."""

import jax
import numpy as np
import pytest
from PIL import Image

import jaxgen
from jaxgen import cli
from jaxgen.train.images import image_grid

TILE = 32 + 1  # an 8×8 digit enlarged to 32 pixels, and a 1-pixel gap


def train(tmp_path_factory, name):
    workdir = str(tmp_path_factory.mktemp(name) / "run")
    argv = ["train", name, "--workdir", workdir, "--no-progress", "--set", "preset=tiny"]
    assert cli.main([*argv, "--set", "steps=4", "--set", "checkpoint_every=4"]) == 0
    return workdir


@pytest.fixture(scope="module")
def digits(tmp_path_factory):
    return train(tmp_path_factory, "dcgan_digits")


def run(capsys, *argv):
    status = cli.main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out.strip(), captured.err.strip()


def test_walk_png_has_a_row_per_segment(capsys, tmp_path, digits):
    out = tmp_path / "walk.png"
    status, stdout, _ = run(
        capsys, "sample", digits, "--walk", "--points", "3", "--steps", "4", "--out", str(out)
    )
    assert status == 0 and "slerp walk of 9 frames through 3 points" in stdout
    with Image.open(out) as image:
        assert image.size == (5 * TILE + 1, 2 * TILE + 1)  # 2 rows of 4 steps + the end


def test_walk_gif_has_a_frame_per_step(capsys, tmp_path, digits):
    out = tmp_path / "walk.gif"
    argv = ["sample", digits, "--walk", "--points", "3", "--steps", "5", "--linear"]
    status, stdout, _ = run(capsys, *argv, "--out", str(out))
    assert status == 0 and "linear walk of 11 frames" in stdout
    with Image.open(out) as image:
        assert image.format == "GIF" and image.n_frames == 11 and image.size == (128, 128)


def test_walk_ends_at_the_samples_of_the_seed(capsys, tmp_path, digits):
    walk, grid = tmp_path / "walk.npz", tmp_path / "grid.npz"
    argv = ["sample", digits, "--seed", "3", "--walk", "--steps", "6", "--out", str(walk)]
    assert run(capsys, *argv)[0] == 0
    assert run(capsys, "sample", digits, "--seed", "3", "--n", "2", "--out", str(grid))[0] == 0
    with np.load(walk) as frames, np.load(grid) as samples:
        assert frames["image"].shape == (7, 8, 8, 1) and frames["z"].shape == (7, 8)
        np.testing.assert_allclose(frames["image"][[0, -1]], samples["image"], atol=1e-6)


def test_walk_through_picks_samples_of_the_grid(capsys, tmp_path, digits):
    walk, grid = tmp_path / "walk.npz", tmp_path / "grid.npz"
    argv = ["sample", digits, "--seed", "1", "--n", "9", "--walk", "--through", "5,2,7"]
    assert run(capsys, *argv, "--steps", "3", "--out", str(walk))[0] == 0
    assert run(capsys, "sample", digits, "--seed", "1", "--n", "9", "--out", str(grid))[0] == 0
    with np.load(walk) as frames, np.load(grid) as samples:
        np.testing.assert_allclose(frames["image"][::3], samples["image"][[5, 2, 7]], atol=1e-6)


def test_arithmetic_is_the_generator_at_mean_a_minus_mean_b_plus_mean_c(capsys, tmp_path, digits):
    out = tmp_path / "arithmetic.npz"
    argv = ["sample", digits, "--seed", "2", "--n", "16", "--arithmetic", "0,1,2 - 3,4 + 5,6,7"]
    status, stdout, _ = run(capsys, *argv, "--out", str(out))
    assert status == 0 and "mean[0,1,2] - mean[3,4] + mean[5,6,7] (+ 8 noisy)" in stdout
    recipe, state = jaxgen.load(digits)
    z = jax.random.normal(jax.random.PRNGKey(2), (16, recipe.latent_dim))
    y = z[:3].mean(0) - z[3:5].mean(0) + z[5:8].mean(0)
    with np.load(out) as result:
        assert result["image"].shape == (9, 8, 8, 1)  # G(Y), then 8 noisy
        np.testing.assert_allclose(result["z"], y, rtol=1e-6, atol=1e-6)
        by_hand = recipe.generate(state, y[None])["image"]
        np.testing.assert_allclose(result["image"][:1], by_hand, atol=1e-5)
        assert result["averages_image"].shape == (3, 8, 8, 1)

    # Rows A, B, C, then G(Y) at the right with noisy ones left of it: 3 a row, wrapped.
    png = tmp_path / "arithmetic.png"
    assert run(capsys, *argv, "--noisy", "2", "--out", str(png))[0] == 0
    with Image.open(png) as image:
        assert image.size == (4 * TILE + 1, 4 * TILE + 1)
    assert run(capsys, *argv, "--out", str(png))[0] == 0
    with Image.open(png) as image:
        assert image.size == (4 * TILE + 1, 6 * TILE + 1)


def test_numbered_grid_labels_the_tiles(capsys, tmp_path, digits):
    arrays, numbered = tmp_path / "samples.npz", tmp_path / "numbered.png"
    assert run(capsys, "sample", digits, "--n", "12", "--out", str(arrays))[0] == 0
    assert run(capsys, "sample", digits, "--n", "12", "--numbered", "--out", str(numbered))[0] == 0
    with np.load(arrays) as samples:
        plain = image_grid(samples["image"], min_tile=64)[..., 0]
    with Image.open(numbered) as image:
        assert image.size == (4 * 65 + 1, 3 * 65 + 1)  # numbered tiles are at least 64 pixels
        differs = np.asarray(image) != plain
    for i in range(12):
        r, c = divmod(i, 4)
        tile = differs[1 + 65 * r : 65 * (r + 1), 1 + 65 * c : 65 * (c + 1)]
        assert tile[:16, :20].any() and not tile[16:].any()  # a label in the top-left corner


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--walk", "--out", "w.jpg"], "--out with --walk must end in .png, .gif or .npz"),
        (["--arithmetic", "0-1+2", "--out", "a.gif"], "--out with --arithmetic must end in .png"),
        (["--out", "s.gif"], "--out must end in .png or .npz, got /"),
        (["--arithmetic", "0,1+2-3"], "--arithmetic takes A-B+C with A, B and C comma-separated"),
        (["--arithmetic", "0,x-1+2"], "--arithmetic takes A-B+C"),
        (["--arithmetic", "0-1+64"], "--arithmetic index 64 is out of range: the grid of --n 64"),
        (["--n", "8", "--arithmetic", "0-9+2"], "index 9 is out of range"),
        (["--walk", "--through", "3"], "--through needs at least 2 indices"),
        (["--walk", "--through", "3,70"], "--through index 70 is out of range"),
        (["--walk", "--through", "1,2", "--points", "3"], "--through picks the waypoints"),
        (["--walk", "--steps", "0"], "--steps must be at least 1, got 0"),
        (["--walk", "--points", "1"], "--points must be at least 2, got 1"),
        (["--points", "3"], "--points goes with --walk"),
        (["--linear"], "--linear goes with --walk"),
        (["--noisy", "3"], "--noisy goes with --arithmetic"),
        (["--walk", "--arithmetic", "0-1+2"], "give one of them"),
        (["--walk", "--numbered"], "--numbered labels the plain sample grid, not --walk"),
        (["--numbered", "--out", "s.npz"], "--numbered labels a .png"),
    ],
)
def test_mistakes_give_one_line(capsys, tmp_path, digits, argv, message):
    argv = [str(tmp_path / a) if a.endswith((".jpg", ".gif", ".npz")) else a for a in argv]
    status, _, err = run(capsys, "sample", digits, *argv)
    assert status == 2, err
    assert err.startswith("jaxgen: error: ") and "\n" not in err, err
    assert message in err, err


def test_points_recipe_walk_is_a_scatter_plot_and_no_gif(capsys, tmp_path_factory, tmp_path):
    ring = train(tmp_path_factory, "gan_ring8")
    out = tmp_path / "walk.png"
    status, stdout, _ = run(capsys, "sample", ring, "--walk", "--points", "3", "--out", str(out))
    assert status == 0 and "17 frames through 3 points" in stdout
    with Image.open(out) as image:
        assert image.size == (512, 512)
    status, _, err = run(capsys, "sample", ring, "--walk", "--out", str(tmp_path / "w.gif"))
    assert status == 2 and "a .gif animates images; gan_ring8 generates points" in err
    assert "\n" not in err
    status, _, err = run(capsys, "sample", ring, "--numbered", "--out", str(tmp_path / "n.png"))
    assert status == 2 and "--numbered labels image tiles; gan_ring8 generates points" in err


def test_a_missing_workdir_is_one_line_and_stays_missing(capsys, tmp_path):
    absent = tmp_path / "absent"
    status, _, err = run(capsys, "sample", str(absent), "--walk")
    assert status == 2 and err == f"jaxgen: error: no such workdir: {absent}"
    assert not absent.exists()
