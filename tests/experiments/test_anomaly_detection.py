"""experiments/anomaly_detection at CI size (``--quick``: 8×8 digits, the independent model
and the VAE, 30 steps each).

Models trained for 30 steps are near uniform, so no AUROC is asserted to be good; what holds
at any budget is that the AUROC, the ROC curve and the baseline are those of scikit-learn on
the same scores, that the scored images are the recipes' own test data, that the report and
the figure are written, and that a rerun reads the finished models back instead of training.
"""

import json

import numpy as np
import PIL.Image
import pytest
import sklearn.metrics

from experiments.anomaly_detection import run as experiment
from experiments.anomaly_detection.config import get_config
from jaxgen import recipes

DIGIT = 1  # the quick config's held-out digit


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    """``(out folder, workdir, results by digit)`` of ``run --quick``."""
    out = tmp_path_factory.mktemp("anomaly_detection")
    workdir = out / "runs"
    by_digit = experiment.main(["--quick", "--out", str(out), "--workdir", str(workdir)])
    return out, workdir, by_digit


def test_auroc_and_roc_curve_match_sklearn_with_ties():
    rng = np.random.default_rng(0)
    scores = rng.integers(0, 6, 200).astype(float)  # many ties
    positive = rng.random(200) < 0.3
    expected = sklearn.metrics.roc_auc_score(positive, scores)
    assert experiment.auroc(scores, positive) == pytest.approx(expected, abs=1e-12)
    fpr, tpr = experiment.roc_curve(scores, positive)
    sk_fpr, sk_tpr, _ = sklearn.metrics.roc_curve(positive, scores, drop_intermediate=False)
    np.testing.assert_allclose(fpr, sk_fpr)
    np.testing.assert_allclose(tpr, sk_tpr)
    assert np.trapezoid(tpr, fpr) == pytest.approx(expected, abs=1e-12)
    with pytest.raises(ValueError, match="both positive and negative"):
        experiment.auroc(scores, np.ones(200, bool))


def test_scored_images_are_the_recipes_test_split():
    config = get_config(quick=True)
    images, labels = experiment.split_images(config, "test")
    dataset = recipes.get("made_digits", preset="tiny").dataset("test")
    batches = list(dataset.epoch(dataset.num_examples))
    np.testing.assert_array_equal(images, np.concatenate([b["image"] for b in batches]))
    np.testing.assert_array_equal(labels, np.concatenate([b["label"] for b in batches]))
    assert set(np.unique(images)) == {0.0, 1.0}


def test_auroc_of_every_model_and_the_baseline_is_sklearns(quick):
    out, workdir, by_digit = quick
    assert list(by_digit) == [DIGIT]
    results, base = by_digit[DIGIT]
    assert [r["model"] for r in results] == list(get_config(quick=True).models)
    images, labels = experiment.split_images(get_config(quick=True), "test")
    positive = labels == DIGIT
    for r in [*results, base]:
        scores = np.asarray(r["scores"])
        assert scores.shape == (len(labels),) and np.all(np.isfinite(scores))
        assert r["auroc"] == pytest.approx(
            sklearn.metrics.roc_auc_score(positive, scores), abs=1e-12
        )
        assert r["nll_in"] == pytest.approx(scores[~positive].mean())
        assert r["nll_out"] == pytest.approx(scores[positive].mean())
    np.testing.assert_array_equal(base["scores"], images.sum(axis=(1, 2, 3)))
    independent, vae = results
    ratio = np.asarray(vae["scores"]) - np.asarray(independent["scores"])
    assert vae["auroc_ratio"] == pytest.approx(
        sklearn.metrics.roc_auc_score(positive, ratio), abs=1e-12
    )
    assert "auroc_ratio" not in independent
    for r in results:
        # 8×8 binary pixels: a model near uniform scores about 64 ln 2 = 44.4 nats
        assert 0 < r["nll_in"] < 64 * np.log(2) * 1.5
        saved = json.loads((workdir / f"digit{DIGIT}" / r["model"] / "results.json").read_text())
        assert saved["auroc"] == r["auroc"] and saved["budget"]["steps"] == 30


def test_writes_the_table_and_the_figure(quick):
    out, _, _ = quick
    text = (out / "results.md").read_text()
    assert "## Digit 1 held out" in text and "| *baseline: on pixels* |" in text
    for row in ("| independent | `independent_digits` | 30 |", "| vae | `vae_digits` | 30 |"):
        assert row in text, row
    with PIL.Image.open(out / "roc.png") as image:
        assert image.width > 250 and image.height > 250


def test_a_rerun_reads_the_finished_models_back(quick, capsys):
    out, workdir, by_digit = quick
    again = experiment.main(["--quick", "--out", str(out), "--workdir", str(workdir)])
    assert "done before" in capsys.readouterr().out
    for first, second in zip(by_digit[DIGIT][0], again[DIGIT][0], strict=True):
        assert first["scores"] == second["scores"] and first["auroc"] == second["auroc"]
