"""experiments/conditional at CI size (``--quick``: cgan_digits tiny for 10 steps).

An untrained-looking generator is recognized about 1 time in 10, so only the table's and the
figure's existence, the row set and the ranges are asserted; the 90% check on mnist5k is the
experiment's own (README.md).
"""

import json

import numpy as np
import PIL.Image

from experiments.conditional import run as experiment


def test_quick_run_writes_the_table_the_figure_and_each_familys_json(tmp_path):
    workdir, out = tmp_path / "runs", tmp_path / "out"
    argv = ["--quick", "--data", "digits", "--families", "cgan", "--workdir", str(workdir)]
    results = experiment.main([*argv, "--out", str(out)])
    assert [result["family"] for result, _ in results] == ["cgan"]
    saved = json.loads((workdir / "digits_cgan.json").read_text())
    shares = np.asarray(saved["per_class_recognized"])
    assert shares.shape == (10,) and np.all((shares >= 0) & (shares <= 1))
    np.testing.assert_allclose(saved["recognized"], shares.mean())
    assert saved["steps"] == 10 and np.isfinite(saved["fid"])
    text = (out / "results_digits.md").read_text()
    assert "| cgan | `cgan_digits` | 10 |" in text
    with PIL.Image.open(out / "samples_digits.png") as image:
        assert image.width > 200 and image.height > 200
    again = experiment.main(
        [
            "--report",
            "--data",
            "digits",
            "--workdir",
            str(workdir),
            "--out",
            str(tmp_path / "again"),
        ]
    )
    assert (tmp_path / "again" / "results_digits.md").read_text() == text
    assert len(again) == 1
