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
