"""The CycleGAN recipes: unpaired domains, a tiny run without NaN, exact resume, sampling."""

import jax
import numpy as np
import pytest

from jaxgen import UserError, data
from jaxgen.data import domains
from jaxgen.recipes import cyclegan, registry
from jaxgen.train import train

FACTORIES = cyclegan.factories(registry.configured)


@pytest.fixture(scope="module")
def recipe():
    return FACTORIES["cyclegan_digits"](preset="tiny")


@pytest.fixture(scope="module")
def straight_run(recipe, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("cyclegan") / "straight"
    return workdir, train(recipe, str(workdir), progress=False)


def test_transform_inverts_a_3x3_dilation():
    x = -np.ones((1, 4, 5, 1), np.float32)
    x[0, 1, 2, 0] = 1.0  # one ink pixel
    x[0, 3, 4, 0] = 0.5  # one grey pixel in a corner
    expected = np.ones((4, 5), np.float32)
    expected[0:3, 1:4] = -1.0
    expected[2:4, 3:5] = np.minimum(expected[2:4, 3:5], -0.5)
    expected[2, 3] = -1.0  # the max of both neighbourhoods
    np.testing.assert_array_equal(domains.transform(x)[0, ..., 0], expected)


def test_the_domains_are_disjoint_halves_drawn_independently(recipe):
    images_a, images_b = domains.offline_domains("digits", "train", 8)
    everything = next(iter(data.load("digits", "train", batch_size=2000).epoch()))
    np.testing.assert_array_equal(images_a, everything["image"][0::2])
    np.testing.assert_array_equal(images_b, domains.transform(everything["image"][1::2]))
    dataset = recipe.dataset("train")
    batch = dataset.batch(3)
    np.testing.assert_array_equal(batch["image"], dataset.batch(3)["image"])  # pure in position
    assert batch["image"].shape == batch["image_b"].shape == (8, 8, 8, 1)
    # the halves are equally long: drawn with one seed, A and B would take the same positions
    rows_b = [np.flatnonzero((images_b == row).all(axis=(1, 2, 3)))[0] for row in batch["image_b"]]
    rows_a = [np.flatnonzero((images_a == row).all(axis=(1, 2, 3)))[0] for row in batch["image"]]
    assert rows_a != rows_b
    with pytest.raises(UserError, match="unpaired domains"):
        domains.load("ring8", batch_size=8)


def test_tiny_run_has_no_nan_and_fills_the_history(straight_run, recipe):
    workdir, state = straight_run
    assert int(state.step) == recipe.config.steps == 20
    for leaf in jax.tree.leaves(state.params):
        assert np.all(np.isfinite(leaf))
    # 20 steps of 8 translations each filled the 4-image histories
    assert int(state.model_state["fake_a"].count) == 4
    assert np.all(np.isfinite(np.asarray(state.model_state["fake_b"].images)))
    log = (workdir / "metrics.jsonl").read_text()
    assert "cycle_a" in log and "NaN" not in log


def test_a_run_resumed_from_step_10_equals_the_uninterrupted_run(
    straight_run, recipe, resumes_bit_for_bit
):
    workdir, straight = straight_run
    resumes_bit_for_bit(recipe, workdir, straight, latest=20)  # step 10's checkpoint is next


def test_sample_translates_test_images_into_domain_a(straight_run, recipe):
    _, state = straight_run
    key, n = jax.random.PRNGKey(0), recipe.config.num_samples  # the grids' n: compiled once
    samples = recipe.sample(state, key, n)["image"]
    test_b = np.concatenate([b["image_b"] for b in recipe.dataset("test").epoch(256)])
    order = np.asarray(jax.random.permutation(key, len(test_b)))[:n]
    expected = cyclegan.translate(recipe, state, test_b[order], "ba")
    np.testing.assert_allclose(samples, expected, atol=1e-6)
    with pytest.raises(UserError, match="direction"):
        cyclegan.translate(recipe, state, test_b, "aa")


def test_config_errors_speak_to_the_user():
    with pytest.raises(UserError, match="g_downsamplings"):
        FACTORIES["cyclegan_mnist"](preset="tiny", g_downsamplings=4)
    with pytest.raises(UserError, match="rule"):
        FACTORIES["cyclegan_digits"](preset="tiny", rule="extra")


def test_the_experiment_measures_translation_errors_and_draws_both_directions(
    straight_run, recipe, tmp_path
):
    from experiments.cyclegan import run

    _, state = straight_run
    errors, pictures = run.evaluate(recipe, state)
    a, target = pictures["a"], pictures["target_b"]
    np.testing.assert_allclose(errors["unchanged"], np.abs(a - target).mean(), rtol=1e-6)
    fake_b = np.asarray(cyclegan.translate(recipe, state, a, "ab"))
    np.testing.assert_allclose(errors["translation_ab"], np.abs(fake_b - target).mean(), 1e-6)
    run.figure(pictures, tmp_path / "figure.png", "tiny")
    assert (tmp_path / "figure.png").stat().st_size > 0
