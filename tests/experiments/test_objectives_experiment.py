"""experiments/objectives at CI size (``--quick``: tiny presets, a few steps, 2 seeds).

Tiny networks trained for 20 steps cover few modes and draw noise, so no objective is asserted
to beat another; what holds at any budget is that every part writes its table and figure, that
the rows are the configured objectives, and that every number lies in its range.
"""

import json
import math

import PIL.Image
import pytest

from experiments.objectives import run as experiment
from experiments.objectives.config import get_config
from jaxgen.metrics import features
from jaxgen.metrics.features import cache as classifier_cache
from jaxgen.recipes import parse_overrides
from jaxgen.recipes.registry import apply_overrides


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    """``(out folder, parts)`` of ``run --quick`` with a fresh reference-embedding cache."""
    out = tmp_path_factory.mktemp("objectives")
    for data in ("mnist5k", "digits"):
        features.for_data(data, progress=False)  # trained once per machine, shared
    shared = classifier_cache.cache_dir()
    (out / "cache").mkdir()
    (out / "cache" / "classifiers").symlink_to(f"{shared}/classifiers")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JAXGEN_CACHE_DIR", str(out / "cache"))  # the spawned workers inherit it
        parts = experiment.main(["--quick", "--out", str(out), "--workdir", str(out / "runs")])
    return out, parts


def test_writes_the_tables_and_the_figures(quick):
    out, parts = quick
    assert set(parts) == {"ring8", "mnist", "critic"}
    text = (out / "results.md").read_text()
    for heading in ("## ring8: 2 seeds", "## mnist5k", "## The WGAN critic", "## Wall time"):
        assert heading in text, heading
    for name in ("grid.png", "critic_curve.png"):
        with PIL.Image.open(out / name) as image:
            assert image.width > 300 and image.height > 200, name
    for part in parts:
        assert json.loads((out / "runs" / f"{part}.json").read_text())["part"] == part


def test_ring8_rows_are_the_objectives_and_the_counts_are_modes(quick):
    out, parts = quick
    config = get_config(quick=True).ring8
    rows = experiment.ring8_rows(parts["ring8"][0])
    assert [row[0] for row in rows] == list(config.objectives)
    text = (out / "results.md").read_text()
    assert "| fgan_kl | `fgan_ring8 --set objective=fgan_kl` |" in text
    assert "| nsgan | `gan_ring8` |" in text
    for _, _, stats, diverged, runs, _ in rows:
        assert runs == config.seeds and diverged == 0
        modes, modes_se = stats["modes"]
        assert 0 <= modes <= 8 and math.isfinite(modes_se)
        assert 0 <= stats["high_quality"][0] <= 1
    results = parts["ring8"][0]["results"]
    assert sorted((r["objective"], r["overrides"]["seed"]) for r in results) == sorted(
        (objective, seed) for objective in config.objectives for seed in range(config.seeds)
    )
    samples = parts["ring8"][1]
    assert samples["nsgan/samples"].shape == (config.num_samples, 2)
    assert samples["nsgan/centers"].shape == (8, 2)


def test_mnist_scores_are_finite(quick):
    _, parts = quick
    record, samples = parts["mnist"]
    families = get_config(quick=True).mnist.families
    assert sorted(r["objective"] for r in record["results"]) == sorted(families)
    for result in record["results"]:
        scores = result["scores"]
        assert math.isfinite(scores["fid"]) and scores["fid"] > 0
        assert math.isfinite(scores["kid"])
        assert 0 <= scores["precision"] <= 1 and 0 <= scores["recall"] <= 1
        assert samples[f"{result['objective']}/samples"].shape == (16, 8, 8, 1)


def test_critic_curve_has_the_losses_and_the_fids(quick):
    _, parts = quick
    (result,) = parts["critic"][0]["results"]
    assert result["recipe"] == "wgan_gp_digits" and result["penalty_weight"] == 10.0
    series = experiment.critic_series(result, smooth=3)
    assert list(series.eval_steps) == [0, 10, 20, 30]
    assert len(series.steps) == len(series.w) == len(series.w_smooth) >= 10
    assert all(math.isfinite(x) for x in [*series.w, *series.fids])
    assert -1 <= series.rho <= 1
    assert series.steps[0] <= series.peak_step <= series.steps[-1]


def test_report_rewrites_the_outputs_from_the_saved_parts(quick, tmp_path):
    out, _ = quick
    parts = experiment.main(["--report", "--out", str(tmp_path), "--workdir", str(out / "runs")])
    assert set(parts) == {"ring8", "mnist", "critic"}
    assert (tmp_path / "results.md").read_text() == (out / "results.md").read_text()
    assert "on cpu" in (tmp_path / "results.md").read_text().lower()


def test_set_overrides_a_budget_with_its_type(tmp_path, capsys):
    config = get_config()
    settings = ["mnist.steps=10000", "mnist.families=nsgan, wgan", "workers=3"]
    apply_overrides(config, parse_overrides(settings))  # what main does with --set
    assert (config.mnist.steps, config.mnist.families, config.workers) == (
        10000,
        ("nsgan", "wgan"),
        3,
    )
    report = ["--report", "--out", str(tmp_path), "--workdir", str(tmp_path / "none")]
    for bad, message in (
        ("mnist.step=1", "unknown config key 'mnist.step': did you mean 'mnist.steps'"),
        ("mnist.steps", "--set takes KEY=VALUE"),
        ("nothing.steps=1", "unknown config key 'nothing.steps'"),
        ("mnist.steps=many", "config key 'mnist.steps' takes a int"),
    ):
        with pytest.raises(SystemExit):
            experiment.main(["--set", bad, *report])
        assert message in capsys.readouterr().err


def test_report_without_saved_parts_is_a_one_line_error(tmp_path, capsys):
    with pytest.raises(SystemExit):
        experiment.main(["--report", "--out", str(tmp_path), "--workdir", str(tmp_path / "none")])
    assert "no part is saved" in capsys.readouterr().err
