"""``steps_per_call = k``: k steps per host call in one ``lax.scan`` are the same steps as k
calls of one step: same parameters and the same logged metrics (reference: ``k = 1``)."""

import json

import jax
import numpy as np
import pytest

from jaxgen import recipes
from jaxgen.errors import UserError
from jaxgen.train import train

LOOP = {"preset": "tiny", "steps": 8, "log_every": 2, "sample_every": 4, "checkpoint_every": 4}


def trained(workdir, **overrides):
    state = train(recipes.get("gan_ring8", **{**LOOP, **overrides}), str(workdir), progress=False)
    with open(workdir / "metrics.jsonl") as f:
        return state, [json.loads(line) for line in f]


def test_scanned_steps_equal_single_steps_with_runs_and_stacked_batches(tmp_path):
    """Batches ``[k, runs, d_steps, B, ...]``; the plain case is checked by the resume test."""
    overrides = {"seeds": 2, "d_steps": 2}
    single, single_log = trained(tmp_path / "single", **overrides)
    scanned, scanned_log = trained(tmp_path / "scanned", steps_per_call=2, **overrides)
    assert int(scanned.step) == 8
    for a, b in zip(jax.tree.leaves(scanned), jax.tree.leaves(single), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    assert [r["step"] for r in scanned_log] == [r["step"] for r in single_log]
    for a, b in zip(scanned_log, single_log, strict=True):
        assert a == pytest.approx(b, rel=1e-6)


def test_resume_with_another_steps_per_call(tmp_path):
    """4 steps in calls of 2, then 4 more in one call of 4, equal 8 single steps."""
    single, single_log = trained(tmp_path / "single")
    trained(tmp_path / "resumed", steps=4, steps_per_call=2)
    resumed, log = trained(tmp_path / "resumed", steps_per_call=4, log_every=4)
    for a, b in zip(jax.tree.leaves(resumed), jax.tree.leaves(single), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    assert [r["step"] for r in log] == [2, 4, 8]
    by_step = {r["step"]: r for r in single_log}
    for record in log:
        assert record == pytest.approx(by_step[record["step"]], rel=1e-6)


def test_intervals_that_calls_cannot_meet_are_one_line_errors(tmp_path):
    with pytest.raises(UserError, match="steps=20 is not a multiple of steps_per_call=3"):
        recipes.get("gan_ring8", preset="tiny", steps_per_call=3)
    trained(tmp_path / "run", steps=2)
    with pytest.raises(UserError, match="resumes at step 2, not a multiple of steps_per_call=4"):
        trained(tmp_path / "run", steps_per_call=4, log_every=4)
