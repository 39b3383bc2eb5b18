"""Checkpoints: 2N steps in one run equal N steps, stop, resume, N steps, bit for bit."""

import os
import signal
import subprocess
import sys
import time

import jax
import numpy as np
import pytest

from jaxgen import UserError, recipes
from jaxgen.recipes.restore import load
from jaxgen.train import Checkpointer, train


def tiny(name="dcgan_digits", **overrides):
    return recipes.get(name, preset="tiny", **overrides)


def assert_states_equal(a, b):
    leaves_a, tree_a = jax.tree.flatten(a)
    leaves_b, tree_b = jax.tree.flatten(b)
    assert tree_a == tree_b
    for x, y in zip(leaves_a, leaves_b, strict=True):
        np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


@pytest.mark.parametrize("name", ["dcgan_digits", "gan_ring8"])
def test_resume_is_bit_for_bit(tmp_path, name):
    n = 12  # checkpoints every 10 steps in the tiny preset: the resume point is not one of them
    straight = train(tiny(name, steps=2 * n), str(tmp_path / "straight"), progress=False)
    train(tiny(name, steps=n), str(tmp_path / "resumed"), progress=False)
    resumed = train(tiny(name, steps=2 * n), str(tmp_path / "resumed"), progress=False)
    assert int(resumed.step) == 2 * n and int(resumed.data_state) == 2 * n
    assert_states_equal(straight, resumed)
    _, restored = load(str(tmp_path / "resumed"))
    assert_states_equal(straight, restored)


def test_metrics_log_has_no_duplicate_steps_after_resume(tmp_path):
    train(tiny(steps=12), str(tmp_path), progress=False)
    train(tiny(steps=24), str(tmp_path), progress=False)
    with open(tmp_path / "metrics.jsonl") as f:
        steps = [int(line.split(",")[0].split(":")[1]) for line in f]
    assert steps == sorted(set(steps)) and steps[-1] == 24


def test_sigterm_saves_a_checkpoint_and_the_run_resumes_exactly(tmp_path):
    workdir = str(tmp_path / "run")
    command = [
        sys.executable,
        "-m",
        "jaxgen.cli",
        "train",
        "gan_ring8",
        "--workdir",
        workdir,
        "--set",
        "preset=tiny",
        "--set",
        "steps=1000000",
        "--set",
        "log_every=1",
        "--no-progress",
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    metrics = os.path.join(workdir, "metrics.jsonl")
    deadline = time.time() + 120
    while not (os.path.exists(metrics) and os.path.getsize(metrics) > 0):
        assert time.time() < deadline and process.poll() is None, process.communicate()[0]
        time.sleep(0.1)
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=120)
    assert process.returncode == 0, output
    assert "stopped by SIGTERM" in output
    stopped_at = Checkpointer(workdir).latest_step()
    assert 0 < stopped_at < 1_000_000
    target = stopped_at + 7
    resumed = train(tiny("gan_ring8", steps=target, log_every=1), workdir, progress=False)
    straight = train(
        tiny("gan_ring8", steps=target, log_every=1), str(tmp_path / "straight"), progress=False
    )
    assert_states_equal(straight, resumed)


def test_half_written_checkpoint_is_ignored(tmp_path):
    train(tiny(steps=20), str(tmp_path), progress=False)
    directory = tmp_path / "checkpoints"
    # What Orbax leaves when a save of step 30 dies before its final rename.
    partial = directory / "30.orbax-checkpoint-tmp-1234567890"
    partial.mkdir()
    (partial / "state").mkdir()
    assert Checkpointer(str(tmp_path)).latest_step() == 20
    state = train(tiny(steps=25), str(tmp_path), progress=False)
    assert int(state.step) == 25


def test_corrupted_checkpoint_is_one_clear_line(tmp_path):
    train(tiny(steps=20), str(tmp_path), progress=False)
    state_dir = tmp_path / "checkpoints" / "20" / "state"
    for root, _, files in os.walk(state_dir):
        for name in files:
            with open(os.path.join(root, name), "wb") as f:
                f.write(b"garbage")
    with pytest.raises(UserError) as error:
        train(tiny(steps=30), str(tmp_path), progress=False)
    message = str(error.value)
    assert "unreadable" in message and "resume from step 10" in message and "\n" not in message


def test_nan_loss_stops_with_step_and_loss_named(tmp_path):
    recipe = tiny(
        "gan_ring8",
        steps=20,
        g_learning_rate=1e38,
        d_learning_rate=1e38,
        log_every=1,
        checkpoint_every=1,
    )
    with pytest.raises(UserError) as error:
        train(recipe, str(tmp_path), progress=False)
    message = str(error.value)
    assert "at step" in message and "loss" in message and "\n" not in message
    latest = Checkpointer(str(tmp_path)).latest_step()
    if latest is not None:  # whatever was saved is finite
        _, state = load(str(tmp_path))
        assert all(np.all(np.isfinite(x)) for x in jax.tree.leaves(state.params))
