"""experiments/mode_collapse at CI size: the vmapped seeds are the seeds run one at a time, the
metrics are those of ``mode_coverage`` on the same samples, and ``main`` writes its report.
"""

import numpy as np
import pytest

from experiments.mode_collapse import run as experiment
from experiments.mode_collapse.config import get_config


def tiny_config(**overrides):
    config = get_config()
    config.update(
        dict(
            datasets=("ring8",),
            variants=("GAN", "unrolled k=1", "G unrolled k=1"),
            seeds=3,
            steps=20,
            eval_every=10,
            num_samples=300,
            hidden=8,
            batch_size=16,
            workers=1,
        )
    )
    config.update(overrides)
    return config


@pytest.fixture(scope="module")
def results():
    """Every variant of ``tiny_config`` trained once for the module."""
    return experiment.run(tiny_config())


def test_vmapped_seeds_equal_single_seed_runs(results):
    config = tiny_config()
    assert [r.variant for r in results] == list(config.variants)
    for r in results:
        scores = r.scores
        assert scores.modes.shape == (3, 3) and scores.samples.shape == (300, 2)
        assert np.all((scores.modes >= 0) & (scores.modes <= 8))
        assert np.all((scores.high_quality >= 0) & (scores.high_quality <= 1))
        assert np.all((scores.kl >= 0) & (scores.kl <= np.log(8) + 1e-6))
    # Seed 0 of the vmapped run is the run with seeds=1 (the same first key): vmap over seeds
    # changes nothing in any one run (up to float32 reassociation).
    alone = experiment.train_variant(tiny_config(seeds=1), "ring8", "unrolled k=1").scores
    together = results[1].scores
    np.testing.assert_allclose(alone.samples, together.samples, rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(alone.modes[0], together.modes[0])


def test_unrolling_changes_the_training(results):
    assert [r.variant for r in results[:2]] == ["GAN", "unrolled k=1"]
    assert not np.allclose(results[0].scores.samples, results[1].scores.samples)


def test_bad_settings_are_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown variants"):
        experiment.run(tiny_config(variants=("GAN", "unroled k=1")))
    with pytest.raises(ValueError, match="multiple of eval_every"):
        experiment.run(tiny_config(steps=25))
    with pytest.raises(SystemExit):
        experiment.main(["--seeds", "1", "--out", str(tmp_path)])
