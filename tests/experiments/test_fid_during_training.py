"""experiments/fid_during_training at CI size (``--quick``: 8×8 tiny dcgan_mnist, 20 steps).

The tiny generator barely moves in 20 steps, so its FID is not asserted to fall; what holds at
any budget is that real test digits score far better against the train split than a freshly
initialized generator, and that the report has every row and the ``jaxgen eval`` cards.
"""

import PIL.Image
import pytest

from experiments.fid_during_training import run as experiment
from jaxgen.metrics import features
from jaxgen.metrics.features import cache as classifier_cache


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    """``(out folder, Results)`` of ``run --quick`` with a fresh reference-embedding cache."""
    out = tmp_path_factory.mktemp("fid_during_training")
    features.for_data("mnist5k", progress=False)  # trained once per machine (~1 min), shared
    shared = classifier_cache.cache_dir()
    (out / "cache").mkdir()
    (out / "cache" / "classifiers").symlink_to(f"{shared}/classifiers")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JAXGEN_CACHE_DIR", str(out / "cache"))
        results = experiment.main(["--quick", "--out", str(out), "--workdir", str(out / "runs")])
    return out, results


def test_writes_the_report_and_the_figure(quick):
    out, _ = quick
    assert (out / "results.md").stat().st_size > 0
    with PIL.Image.open(out / "fid_vs_step.png") as image:
        assert image.width > 500 and image.height > 300
    # `jaxgen eval` wrote its JSON beside, not over, the training-time evaluation of step 20.
    evals = sorted(path.name for path in (out / "runs" / "dcgan_mnist" / "eval").iterdir())
    assert evals == [
        "final_n300.json",
        "step_0000000_n200_seed0.json",
        "step_0000010_n200_seed0.json",
        "step_0000020_n200_seed0.json",
    ]


def test_the_table_has_every_step_and_the_real_data_row(quick):
    out, results = quick
    assert results.steps == [0, 10, 20]
    text = (out / "results.md").read_text()
    for label in ("0", "10", "20", "real: 200 test images"):
        assert f"\n| {label} | " in text, label
    assert text.count("| step | FID | KID | precision | recall | density | coverage | IS |") == 1
    for scores in (*results.scores, results.real):
        assert {"fid", "kid", "precision", "recall", "density", "coverage", "is"} <= set(scores)


def test_real_test_digits_beat_a_fresh_generator(quick):
    _, results = quick
    fresh, real = results.scores[0], results.real
    assert fresh["fid"] > 10 * real["fid"], (fresh["fid"], real["fid"])
    assert 0 < real["fid_float64"] < fresh["fid"] / 10
    assert fresh["kid"] > real["kid"] and real["precision"] > fresh["precision"]


def test_jaxgen_eval_tables_carry_the_protocol_card(quick):
    out, results = quick
    text = (out / "results.md").read_text()
    assert "protocol: dcgan_mnist at step 20, seed 0" in results.mnist_eval
    assert "300 generated, 4000 reference from mnist5k:train" in results.mnist_eval
    assert "features: mnist5k-classifier, weights sha256" in results.mnist_eval
    assert "protocol: gan_ring8 at step 20, seed 0" in results.ring_eval
    assert "num_modes      8" in results.ring_eval and "high_quality" in results.ring_eval
    assert results.mnist_eval.strip() in text and results.ring_eval.strip() in text
    assert results.ring_steps == [0, 10, 20]
    assert all(0 <= scores["modes"] <= 8 for scores in results.ring_scores)
