"""The parts-to-whole recipes: a tiny run without NaN, exact resume, sampling, the no-parts
baseline, the experiment's report."""

import json

import jax
import numpy as np
import pytest
import tensorflow_datasets as tfds

from experiments.parts_to_whole import run as experiment
from jaxgen import UserError
from jaxgen.game import parts as game_lib
from jaxgen.recipes import parts_to_whole, registry
from jaxgen.train import train

FACTORIES = parts_to_whole.factories(registry.configured)


@pytest.fixture(scope="module")
def recipe():
    return FACTORIES["parts_digits"](preset="tiny")


@pytest.fixture(scope="module")
def straight_run(recipe, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("parts") / "straight"
    return workdir, train(recipe, str(workdir), progress=False)


def test_tiny_run_has_no_nan(straight_run, recipe):
    workdir, state = straight_run
    assert int(state.step) == recipe.config.steps == 20
    assert set(state.params.g) == {"part_encoder", "mask_generator", "image_generator"}
    assert set(state.params.d) == {"discriminator"}
    for leaf in jax.tree.leaves(state.params):
        assert np.all(np.isfinite(leaf))
    records = [json.loads(line) for line in (workdir / "metrics.jsonl").read_text().splitlines()]
    for name in ("loss_g", "loss_d", "spatial", "appearance", "in_mask_error", "mask_iou"):
        assert np.isfinite(records[-1][name]), name


def test_a_run_resumed_from_step_10_equals_the_uninterrupted_run(
    straight_run, recipe, resumes_bit_for_bit
):
    workdir, straight = straight_run
    resumes_bit_for_bit(recipe, workdir, straight, latest=20)  # step 10's checkpoint is next


def test_sample_and_generate_make_wholes_of_the_test_parts(straight_run, recipe):
    _, state = straight_run
    key, n = jax.random.PRNGKey(0), recipe.config.num_samples  # the grids' n: compiled once
    samples = recipe.sample(state, key, n)
    test = experiment.test_set(recipe)
    order_key, z_key = jax.random.split(key)
    rows = np.resize(np.asarray(jax.random.permutation(order_key, len(test["label"]))), n)
    np.testing.assert_array_equal(samples["label"], test["label"][rows])
    chosen = {k: v[rows] for k, v in test.items()}
    wholes, masks = parts_to_whole.generate(recipe, state, chosen, z_key)
    np.testing.assert_allclose(samples["image"], wholes, atol=1e-6)
    assert masks.shape == (n, 8, 8, 1)
    # no parts: the generator at the empty set's encoding, 0, with the same z
    empty, _ = parts_to_whole.generate(recipe, state, chosen, z_key, no_parts=True)
    z = game_lib.draw_latents(z_key, n, recipe.config.latent_dim)
    nets = parts_to_whole.networks(recipe.config)
    mask_params = {"params": state.params.g["mask_generator"]}
    _, features = nets[1].apply(mask_params, np.zeros((n, recipe.config.encoding_dim)))
    expected = nets[2].apply(
        {"params": state.params.g["image_generator"]},
        np.zeros((n, recipe.config.encoding_dim), np.float32),
        z,
        features,
    )
    np.testing.assert_allclose(empty, expected, atol=1e-6)
    with pytest.raises(UserError, match="parts must be"):
        parts_to_whole.generate(recipe, state, {**chosen, "parts": chosen["parts"][:, :2]}, key)


def test_report_rewrites_the_readme_table(tmp_path):
    results = {
        "steps": 5,
        "train_seconds": 1.0,
        "in_mask_l1_parts": 0.2,
        "in_mask_l1_no_parts": 0.8,
        "in_mask_ratio": 0.25,
        "in_mask_ratio_l2": 0.1,
        "digit_accuracy": 0.9,
        "digit_accuracy_no_parts": 0.1,
        "real_digit_accuracy": 0.99,
        "mask_iou": 0.5,
        "whole_l1_parts": 0.3,
        "whole_l1_no_parts": 0.6,
        "accepted": True,
    }
    (tmp_path / "results_digits.json").write_text(json.dumps(results))
    (tmp_path / "README.md").write_text(
        f"before\n{experiment.TABLE_START}\nold\n{experiment.TABLE_END}\nafter\n"
    )
    experiment.main(["--report", "--out", str(tmp_path)])
    text = (tmp_path / "README.md").read_text()
    assert text.startswith("before\n") and text.endswith("after\n") and "old" not in text
    assert "| **in-mask L1 ratio** (≤ 0.5 asked) | **0.250** |" in text
    assert "| whole-image L1, from parts / no parts | 0.300 / 0.600 |" in text


def test_config_errors_speak_to_the_user():
    with pytest.raises(UserError, match="g_upsamplings"):
        FACTORIES["parts_digits"](preset="tiny", g_upsamplings=4)
    with pytest.raises(UserError, match="max_parts"):
        FACTORIES["parts_digits"](preset="tiny", max_parts=100)
    with pytest.raises(UserError, match="spatial_loss"):
        FACTORIES["parts_digits"](preset="tiny", spatial_loss="l2")


def test_evaluate_counts_against_the_labels_and_the_rolled_neighbours(straight_run, recipe):
    """``evaluate`` with a stand-in classifier that always answers digit 3: every accuracy is
    the share of 3s, the same-class share of the other-parts reference is counted on the
    rolled labels, and the in-mask ratio is the quotient of the two errors it reports."""
    _, state = straight_run
    test = experiment.test_set(recipe)
    test["label"] = np.sort(test["label"])  # as mnist5k's test split: neighbours share a class
    labels = test["label"]

    def always_three(images):
        return {"logits": np.tile(np.eye(10)[3], (len(images), 1))}

    results, wholes, masks, empty = experiment.evaluate(recipe, state, always_three, test)
    share = np.mean(labels == 3)
    for name in ("digit_accuracy", "digit_accuracy_no_parts", "real_digit_accuracy"):
        assert results[name] == pytest.approx(share)
    same = sum(labels[i] == labels[i - 1] for i in range(len(labels))) / len(labels)
    assert results["other_parts_same_class"] == pytest.approx(same)
    assert same > 0.9
    assert results["in_mask_ratio"] == pytest.approx(
        results["in_mask_l1_parts"] / results["in_mask_l1_no_parts"]
    )
    assert wholes.shape == empty.shape == test["image"].shape


def test_the_paper_celeba_setting_traces_at_full_size_and_samples_faces_without_labels():
    """``parts_celeba``'s default config (64², widths 64, z of 100, 16×16 parts, the paper's
    L1 spatial loss) builds and one step traces; its tiny preset samples mock faces."""
    recipe = FACTORIES["parts_celeba"]()
    config = recipe.config
    assert (config.image_size, config.channels, config.patch_size, config.latent_dim) == (
        64, 3, 16, 100,
    )  # fmt: skip
    assert (config.spatial_loss, config.appearance_mask) == ("l1", "predicted")
    example = recipe.example_batch()
    assert example["parts"].shape == (64, 3, 16, 16, 3) and "label" not in example
    state = jax.eval_shape(recipe.init, jax.random.PRNGKey(0), example)
    new_state, metrics = jax.eval_shape(recipe.step, state, example)
    assert jax.tree.map(np.shape, new_state.params) == jax.tree.map(np.shape, state.params)
    with pytest.raises(UserError, match="a face has 4 key parts"):
        FACTORIES["parts_celeba"](preset="tiny", max_parts=5)
    tiny = FACTORIES["parts_celeba"](preset="tiny")
    state = jax.jit(tiny.init)(jax.random.PRNGKey(0), tiny.example_batch())
    with tfds.testing.mock_data(num_examples=6):
        samples = tiny.sample(state, jax.random.PRNGKey(1), 4)
    assert samples["image"].shape == (4, 8, 8, 3) and "label" not in samples
    assert np.all(np.isfinite(samples["image"]))
