"""``jaxgen eval WORKDIR`` and the evaluation during training (``--set eval_every=K``)."""

import json

import numpy as np
import pytest

from jaxgen import cli
from jaxgen.metrics import features


@pytest.fixture(scope="module")
def ring_workdir(tmp_path_factory):
    """A tiny gan_ring8 run that evaluated itself every 10 steps."""
    workdir = tmp_path_factory.mktemp("ring") / "run"
    argv = ["train", "gan_ring8", "--workdir", str(workdir), "--no-progress"]
    argv += ["--set", "preset=tiny", "--set", "eval_every=10", "--set", "eval_num_samples=200"]
    assert cli.main(argv) == 0
    return workdir


def test_training_logs_the_evaluation_every_k_steps(ring_workdir):
    records = [
        json.loads(line) for line in (ring_workdir / "metrics.jsonl").read_text().splitlines()
    ]
    evaluations = [r for r in records if "eval/modes" in r]
    assert [r["step"] for r in evaluations] == [0, 10, 20]  # step 0: the fresh generator
    assert {"eval/mode_kl", "eval/fid", "eval/precision", "eval/coverage"} <= set(evaluations[0])
    card = json.loads((ring_workdir / "eval" / "step_0000020_n200_seed0.json").read_text())
    assert card["protocol"]["num_generated"] == 200 and card["protocol"]["step"] == 20
    assert card["metrics"]["modes"] == evaluations[2]["eval/modes"]


def test_eval_prints_the_table_and_writes_json_with_the_protocol(capsys, ring_workdir):
    argv = ["eval", str(ring_workdir), "--n", "500", "--metrics", "modes,fid", "--no-progress"]
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    for fragment in (
        "modes",
        "mode_kl",
        "fid",
        "gan_ring8 at step 20, seed 0",
        "500 generated",
        "settings: kid subsets=100, subset_size=500",
    ):
        assert fragment in out
    path = ring_workdir / "eval" / "step_0000020_n500_seed0.json"
    assert f"json: {path}" in out
    assert (ring_workdir / "eval" / "step_0000020_n200_seed0.json").exists()  # not overwritten
    result = json.loads(path.read_text())
    assert list(result["metrics"]) == ["modes", "num_modes", "high_quality", "mode_kl", "fid"]
    protocol = result["protocol"]
    assert protocol["num_generated"] == 500 and protocol["num_reference"] == 10_000
    assert protocol["reference"]["data"] == "ring8" and protocol["jaxgen_version"]


def test_eval_of_an_image_run_uses_the_data_sets_classifier(capsys, tmp_path):
    features.for_data("digits", progress=False)  # trained once, outside the timed part
    workdir = str(tmp_path / "digits")
    argv = ["train", "dcgan_digits", "--workdir", workdir, "--set", "preset=tiny"]
    assert cli.main([*argv, "--no-progress"]) == 0
    out_json = tmp_path / "result.json"
    argv = ["eval", workdir, "--n", "200", "--ref", "test", "--json", str(out_json)]
    assert cli.main([*argv, "--no-progress"]) == 0
    result = json.loads(out_json.read_text())
    assert {"fid", "kid", "is", "precision", "density"} <= set(result["metrics"])
    assert result["protocol"]["features"]["name"] == "digits-classifier"
    assert result["protocol"]["reference"]["split"] == "test"
    assert result["protocol"]["num_reference"] == 359


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--metrics", "fdi"], "unknown metric 'fdi': did you mean 'fid'"),
        (["--n", "0"], "num_samples must be a positive integer"),
        (["--metrics", "is"], "no class logits"),
        (["--ref", "nowhere.npz"], "no such reference file"),
    ],
)
def test_eval_mistakes_are_one_line(capsys, ring_workdir, args, message):
    assert cli.main(["eval", str(ring_workdir), "--no-progress", "--n", "50", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("jaxgen: error: ") and "\n" not in err and message in err, err


def test_eval_of_a_missing_workdir(capsys, tmp_path):
    assert cli.main(["eval", str(tmp_path / "nothing")]) == 2
    assert "no such workdir" in capsys.readouterr().err


def test_training_stops_at_once_for_an_unknown_eval_metric(capsys, tmp_path):
    argv = ["train", "gan_ring8", "--workdir", str(tmp_path), "--set", "preset=tiny"]
    argv += ["--set", "eval_every=5", "--set", "eval_metrics=fid,bogus"]
    assert cli.main(argv) == 2
    assert "unknown metric 'bogus'" in capsys.readouterr().err
    assert not (tmp_path / "checkpoints").exists()


def test_eval_counts_the_1000_modes_of_stacked_mnist(capsys, tmp_path):
    """A DCGAN on stacked_mnist is measured with the mnist5k classifier on each channel."""
    features.for_data("mnist5k", progress=False)  # trained once, outside the timed part
    workdir = str(tmp_path / "stacked")
    argv = ["train", "dcgan_mnist", "--workdir", workdir, "--set", "preset=tiny", "--no-progress"]
    assert cli.main([*argv, "--set", "data=stacked_mnist", "--set", "channels=3"]) == 0
    out_json = tmp_path / "stacked.json"
    argv = ["eval", workdir, "--n", "300", "--ref", "test", "--n-ref", "500", "--no-progress"]
    assert cli.main([*argv, "--json", str(out_json)]) == 0
    result = json.loads(out_json.read_text())
    assert list(result["metrics"])[:3] == ["modes", "num_modes", "mode_kl"]  # modes first
    assert result["metrics"]["num_modes"] == 1000 and 1 <= result["metrics"]["modes"] <= 300
    assert 0 <= result["metrics"]["mode_kl"] <= np.log(1000)
    assert result["protocol"]["features"]["name"] == "stacked-mnist5k-classifier"
    assert result["protocol"]["num_reference"] == 500


@pytest.fixture(scope="module")
def nade_workdir(tmp_path_factory):
    """A tiny nade_digits run (20 steps)."""
    workdir = tmp_path_factory.mktemp("nade") / "run"
    argv = ["train", "nade_digits", "--workdir", str(workdir), "--set", "preset=tiny"]
    assert cli.main([*argv, "--no-progress"]) == 0
    return workdir


def test_eval_of_an_explicit_model_reports_the_held_out_nll(capsys, nade_workdir):
    import jaxgen
    from jaxgen import data

    workdir = nade_workdir
    capsys.readouterr()
    assert cli.main(["eval", str(workdir), "--batch-size", "64", "--no-progress"]) == 0
    out = capsys.readouterr().out
    result = json.loads((workdir / "eval" / "step_0000020_nll_test.json").read_text())
    # The reference: log_prob of the module on every binarized test image, in numpy float64.
    recipe, state = jaxgen.load(str(workdir))
    test = data.load("digits", "test", batch_size=64, format="binary", image_size=8)
    images = np.concatenate([batch["image"] for batch in test.epoch()])
    model = jaxgen.nn.NADE((8, 8, 1), hidden=recipe.config.hidden)
    log_probs = np.asarray(model.apply({"params": state.params.g}, images), np.float64)
    assert result["protocol"]["num_examples"] == len(images) == test.num_examples
    np.testing.assert_allclose(result["metrics"]["nll"], -log_probs.mean(), rtol=1e-6)
    np.testing.assert_allclose(
        result["metrics"]["bits_per_dim"], -log_probs.mean() / (64 * np.log(2)), rtol=1e-6
    )
    assert "nll (nats)" in out and "bits/dim" in out and "exact" in out


def test_eval_nll_of_a_gan_is_refused_in_one_line(capsys, ring_workdir):
    assert cli.main(["eval", str(ring_workdir), "--metrics", "nll", "--no-progress"]) == 2
    assert "gan_ring8 has no likelihood" in capsys.readouterr().err


def test_sampling_an_autoregressive_model_shows_a_bar_of_its_pixels(capsys, nade_workdir, tmp_path):
    capsys.readouterr()
    out = tmp_path / "grid.npz"
    assert cli.main(["sample", str(nade_workdir), "--n", "4", "--out", str(out)]) == 0
    assert "64/64" in capsys.readouterr().err  # 8×8 binary pixels, drawn one at a time
    images = np.load(out)["image"]
    assert images.shape == (4, 8, 8, 1) and set(np.unique(images)) <= {-1.0, 1.0}
