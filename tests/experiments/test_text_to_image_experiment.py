"""experiments/text_to_image: the summary against counts by hand, and a CI-sized run (``--quick``:
gancls_digits tiny for 4 steps, 2 samples per caption) that writes its table and figure. The
≥ 80% check is the experiment's own (its README)."""

import json

import numpy as np
import PIL.Image

from experiments.text_to_image import run as experiment
from jaxgen.data import captions


def test_summary_counts_digits_and_property_bins_by_hand():
    # Asked: "a thin left-slanted zero" (index 0) twice and "a thick right-slanted seven" twice.
    asked = np.array([0, 0, 7 * 9 + 8, 7 * 9 + 8])
    assert captions.ALL_CAPTIONS[asked[2]] == "a thick right-slanted seven"
    found = {
        "digit": np.array([0, 6, 7, 7]),  # 3 of 4 recognized
        "thickness": np.array([0.1, 0.2, 0.5, 0.3]),
        "thickness_bin": np.array([0, 1, 2, 2]),  # 3 of 4 in the asked bin
        "slant": np.array([-0.2, -0.1, 0.2, 0.0]),
        "slant_bin": np.array([0, 0, 2, 1]),  # 3 of 4
    }
    result = experiment.summarize(asked, found)
    assert result["recognized"] == 0.75 and result["thickness_in_bin"] == 0.75
    assert result["slant_in_bin"] == 0.75 and result["all_three"] == 0.5  # samples 0 and 2
    assert result["recognized_per_digit"][0] == 0.5 and result["recognized_per_digit"][7] == 1
    np.testing.assert_allclose(result["thickness_mean_per_bin"][0], 0.15)
    np.testing.assert_allclose(result["slant_mean_per_bin"][2], 0.1)


def test_quick_run_writes_the_table_and_the_style_transfer_figure(tmp_path):
    out = tmp_path / "out"
    argv = ["--quick", "--data", "digits", "--workdir", str(tmp_path / "run")]
    result = experiment.main([*argv, "--out", str(out)])
    saved = json.loads((out / "results_digits.json").read_text())
    assert saved == json.loads(json.dumps(result)) and saved["steps"] == 4
    assert saved["per_caption"] == 2
    for name in ("recognized", "thickness_in_bin", "slant_in_bin", "all_three"):
        assert 0 <= saved[name] <= 1
    assert "| digit recognized |" in (out / "results_digits.md").read_text()
    with PIL.Image.open(out / "style_transfer_digits.png") as image:
        assert image.width > 600 and image.height > 200
