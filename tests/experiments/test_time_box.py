"""A time-boxed run (SIGTERM at a deadline, ``experiments/accelerator_queue.sh``): StarGAN with
``--measure-stopped`` and Progressive GAN measure the step reached instead of losing the run;
StarGAN without the flag ends with how to go on. Training, classifiers and measuring are
replaced by stand-ins: what is checked is the control flow around them."""

import json
import signal
import types

import pytest

import jaxgen.train
from experiments.progressive import run as progressive_run
from experiments.stargan import run as stargan_run
from experiments.stargan import sweep as stargan_sweep


def stopped_train(at):
    """A stand-in for ``jaxgen.train.train`` stopped by SIGTERM at step ``at``."""

    def train(recipe, workdir, **kwargs):
        return types.SimpleNamespace(step=min(at, recipe.config.steps))

    return train


@pytest.fixture
def sigterm_restored():
    previous = signal.getsignal(signal.SIGTERM)
    yield
    signal.signal(signal.SIGTERM, previous)


def test_stargan_measures_a_stopped_run_only_when_asked(monkeypatch, tmp_path, sigterm_restored):
    monkeypatch.setattr(jaxgen.train, "train", stopped_train(7))
    monkeypatch.setattr(stargan_run, "fit_classifiers", lambda *a: ({}, {}))
    monkeypatch.setattr(
        stargan_run, "evaluate", lambda *a: {"domain_accuracy": 0.5, "digit_accuracy": 0.25}
    )
    monkeypatch.setattr(stargan_run, "figure", lambda *a: None)
    argv = ["--quick", "--steps", "20", "--out", str(tmp_path), "--workdir", str(tmp_path)]
    with pytest.raises(SystemExit, match="stopped at step 7 of 20; rerun with --resume"):
        stargan_run.main(argv)
    assert not (tmp_path / "results_digits.json").exists()

    stargan_run.main([*argv, "--measure-stopped"])
    results = json.loads((tmp_path / "results_digits.json").read_text())
    assert (results["steps"], results["stopped_at_step"]) == (7, 7)
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_IGN  # a second SIGTERM waits

    monkeypatch.setattr(jaxgen.train, "train", stopped_train(10**6))  # finished: no mark
    stargan_run.main([*argv, "--measure-stopped"])
    results = json.loads((tmp_path / "results_digits.json").read_text())
    assert results["steps"] == 20 and "stopped_at_step" not in results


def test_the_sweep_passes_measure_stopped_on(tmp_path):
    _, argv = stargan_sweep.command("mnist_skips_id10", 2, tmp_path, 1.0, measure_stopped=True)
    assert argv[-1] == "--measure-stopped" and "seed=2" in argv
    _, argv = stargan_sweep.command("mnist_skips_id10", 2, tmp_path, 1.0)
    assert "--measure-stopped" not in argv


def test_progressive_measures_the_stopped_stage_and_trains_it_on(
    monkeypatch, tmp_path, sigterm_restored
):
    recipe = progressive_run.build("tiny", {})
    schedule_end = recipe.config.steps
    measured = []

    def measure(recipe, state, stage, seconds, fid_samples, classifier, workdir):
        measured.append((stage, state.step))
        (workdir / f"stage_{stage}.json").write_text(json.dumps({"step": state.step}))

    monkeypatch.setattr(progressive_run, "measure_stage", measure)
    monkeypatch.setattr("jaxgen.metrics.features.for_data", lambda *a, **k: None)
    monkeypatch.setattr(jaxgen.train, "train", stopped_train(1))
    line = progressive_run.run(recipe, tmp_path, fid_samples=8)
    assert measured == [(0, 1)]
    assert line.startswith("stopped at step 1 of ") and "(stage 0)" in line
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_IGN

    # the same command again: stage 0 was measured before its end, so it is trained on
    monkeypatch.setattr(jaxgen.train, "train", stopped_train(schedule_end - 1))
    measured.clear()
    progressive_run.run(recipe, tmp_path, fid_samples=8)
    assert measured[0][0] == 0 and measured[0][1] > 1


@pytest.mark.parametrize("tag", sorted(stargan_sweep.SETTINGS))
def test_every_sweep_setting_is_a_valid_stargan_config(tag):
    from jaxgen.recipes import stargan

    data, _, overrides = stargan_sweep.SETTINGS[tag]
    config = stargan.get_config(data)
    config.lock()
    config.update(overrides)  # an unknown key raises
    stargan._check(config)
