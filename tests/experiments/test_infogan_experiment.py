"""experiments/infogan at CI size (``--quick``: infogan_digits tiny for 10 steps, one seed),
and its code-to-class matching against brute force."""

import itertools
import json

import numpy as np
import PIL.Image
import pytest

from experiments.infogan import run as experiment


def test_matching_is_the_best_one_to_one_assignment():
    rng = np.random.default_rng(0)
    codes, labels = rng.integers(0, 5, 300), rng.integers(0, 5, 300)
    labels[:150] = (codes[:150] + 2) % 5  # half the codes name a shifted class
    accuracy, digit_of = experiment.matching(codes, labels, 5)
    best = max(
        np.mean(np.asarray(assignment)[codes] == labels)
        for assignment in itertools.permutations(range(5))
    )
    np.testing.assert_allclose(accuracy, best)
    np.testing.assert_allclose(np.mean(digit_of[codes] == labels), best)


def test_quick_run_writes_the_table_and_the_traversals(tmp_path):
    """A ``--set`` variant (``--tag``): its own file names, its settings in JSON and table."""
    workdir, out = tmp_path / "runs", tmp_path / "out"
    argv = ["--quick", "--data", "digits", "--seeds", "0", "--workdir", str(workdir)]
    argv += ["--set", "info_noise=normal", "--tag", "normal"]
    results = experiment.main([*argv, "--out", str(out)])
    ((result, samples),) = results
    saved = json.loads((workdir / "digits_normal_seed0.json").read_text())
    assert saved == result and 0 <= saved["code_error"] <= 0.9
    assert saved["settings"] == ["info_noise=normal"]
    assert sorted(saved["digit_of_category"]) == list(range(10))
    with open(workdir / "digits_normal_seed0" / "metrics.jsonl") as f:
        last = [json.loads(line) for line in f][-1]
    assert saved["last_logged"]["code_accuracy"] == last["code_accuracy"]
    assert samples["c2"].shape == (10, len(experiment.TRAVERSAL), 8, 8, 1)
    table = (out / "results_digits_normal.md").read_text()
    assert "| 0 | 10 |" in table and "Settings: `info_noise=normal`." in table
    for name in ("c2", "c3"):
        with PIL.Image.open(out / f"traversal_digits_normal_{name}.png") as image:
            assert image.width > 200 and image.height > 200


def test_bad_settings_are_refused(capsys):
    for argv, message in (
        (["--set", "info_noise"], "--set takes KEY=VALUE"),
        (["--set", "info_noise=normal"], "name the variant with --tag"),
        (["--tag", "a/b"], "letters, digits and _ only"),
    ):
        with pytest.raises(SystemExit):
            experiment.main(argv)
        assert message in capsys.readouterr().err


def record(seed, code_error):
    return {
        "seed": seed,
        "steps": 10,
        "code_error": code_error,
        "generated_error": 0.5,
        "digit_of_category": list(range(10)),
        "settings": [],
        "device": "cpu",
        "seconds": 1.0,
    }


def test_seeds_from_other_machines_add_up_and_keep_their_figures(tmp_path):
    """Seed 0 recorded in ``out`` (trained elsewhere), seed 1 trained here: both in the table;
    the traversals are drawn only when the best seed's samples are here."""
    workdir, out = tmp_path / "runs", tmp_path / "out"
    workdir.mkdir(), out.mkdir()
    (out / "results_digits.json").write_text(json.dumps([record(0, 0.2), record(1, 0.9)]))
    (workdir / "digits_seed1.json").write_text(json.dumps(record(1, 0.4)))
    samples = np.zeros((10, len(experiment.TRAVERSAL), 8, 8, 1), np.uint8)
    np.savez(workdir / "digits_seed1.npz", c2=samples)
    results = experiment.main(
        ["--report", "--data", "digits", "--workdir", str(workdir), "--out", str(out)]
    )
    assert [(result["seed"], result["code_error"]) for result, _ in results] == [(0, 0.2), (1, 0.4)]
    assert json.loads((out / "results_digits.json").read_text()) == [record(0, 0.2), record(1, 0.4)]
    table = (out / "results_digits.md").read_text()
    assert "| 0 | 10 | 20.0% |" in table and "| 1 | 10 | 40.0% |" in table
    assert "Best of 2 seeds: 20.0% (seed 0)" in table
    assert not (out / "traversal_digits_c2.png").exists()  # seed 0's samples are elsewhere
    (workdir / "digits_seed1.json").write_text(json.dumps(record(1, 0.1)))
    experiment.main(["--report", "--data", "digits", "--workdir", str(workdir), "--out", str(out)])
    assert (out / "traversal_digits_c2.png").exists()
