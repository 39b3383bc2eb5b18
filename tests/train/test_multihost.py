"""Training on 2 processes × 4 CPU devices equals training on 1 process × 8, and resumes exactly.

Each run is ``tests/train/multihost_worker.py``: ``jax.distributed.initialize`` on localhost
(gloo collectives), ``XLA_FLAGS=--xla_force_host_platform_device_count=4`` per process, then
``jaxgen.train.train`` of ``dcgan_digits`` (tiny: batch 8, batch norm in both networks, so
that the statistics must come from the global batch) for 5 steps in a workdir that both
processes share, checkpointing at steps 3 and 5 (orbax: every process writes its part).

- The two processes end with bit-identical parameters, and each fed its own rows: the global
  batches assembled from them are the single process's batches.
- The parameters equal those of 1 process with 8 devices to 1e-5 relative, per tensor (the
  test prints the largest difference): not bit for bit, as in ``test_multidevice.py`` and for
  the same reason, since the cross-process all-reduce adds the 8 partial gradients in another
  order. The biases that batch norm shadows (see there) are checked only to stay within 10·lr.
- Resume: a copy of the workdir without its step-5 checkpoint is what a run preempted after
  step 3 leaves; 2 fresh processes resume it to step 5 and end bit for bit where the
  uninterrupted run ended.
- Only process 0 writes metrics.jsonl and the sample grid.

Compiling is most of this test's cost, and LLVM's optimizations are most of the compile time,
so every run compiles with ``--xla_backend_optimization_level=0`` (the flag is part of JAX's
compilation-cache key: no other test loads these programs).
"""

import json
import os
import shutil
import socket
import subprocess
import sys

import numpy as np
import test_multidevice  # beside this file: the parameters that batch norm makes irrelevant

from jaxgen import recipes

WORKER = os.path.join(os.path.dirname(__file__), "multihost_worker.py")
RECIPE = "dcgan_digits"
STEPS = 5
RESUME_FROM = 3
TIMEOUT_S = 300
FAST_COMPILE = "--xla_backend_optimization_level=0"
SHADOWED_BY_BATCH_NORM = test_multidevice.SHADOWED_BY_BATCH_NORM["dcgan_digits"]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(name, tmp_path, workdir, *, processes, devices):
    """Starts ``processes`` workers of one run; returns them with their output files."""
    flags = f"--xla_force_host_platform_device_count={devices} {FAST_COMPILE}"
    env = {**os.environ, "XLA_FLAGS": flags}
    port = str(free_port())
    workers = []
    for process_id in range(processes):
        out = tmp_path / f"{name}_{process_id}.npz"
        log = tmp_path / f"{name}_{process_id}.log"
        command = [sys.executable, WORKER, "--process-id", str(process_id)]
        command += ["--processes", str(processes), "--port", port, "--steps", str(STEPS)]
        command += ["--checkpoint-every", str(RESUME_FROM), "--workdir", str(workdir)]
        with open(log, "w") as stderr:
            process = subprocess.Popen(
                [*command, "--out", str(out)], env=env, stdout=stderr, stderr=stderr
            )
        workers.append((process, out, log))
    return workers


def stop(workers):
    for process, _, _ in workers:
        if process.poll() is None:
            process.kill()
            process.wait()


def finish(workers):
    """Waits for the workers (killing all when one fails or hangs); their saved arrays."""
    try:
        for process, _, _ in workers:
            process.wait(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        pass
    finally:
        stop(workers)
    if any(process.returncode for process, _, _ in workers):
        logs = [
            f"--- process {i} (exit {process.returncode}):\n{log.read_text()[-3000:]}"
            for i, (process, _, log) in enumerate(workers)
        ]
        raise AssertionError("a worker failed or hung:\n" + "\n".join(logs))
    results = []
    for _, out, _ in workers:
        with np.load(out) as arrays:
            results.append(dict(arrays))
    return results


def state(result):
    return {k.removeprefix("state/"): v for k, v in result.items() if k.startswith("state/")}


def logged_steps(workdir):
    with open(workdir / "metrics.jsonl") as f:
        return [json.loads(line)["step"] for line in f]


def assert_bitwise_equal(a, b, what):
    assert a.keys() == b.keys() and a, what
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=f"{what}: {key}")


def test_two_processes_train_and_resume_like_one(tmp_path):
    straight, resumed = tmp_path / "straight", tmp_path / "resumed"
    reference = start("one", tmp_path, tmp_path / "one", processes=1, devices=8)
    try:  # the reference runs beside both 2-process runs
        first, second = finish(start("two", tmp_path, straight, processes=2, devices=4))
        # One writer: one record per logged step (log_every is 5; a checkpoint logs too).
        assert logged_steps(straight) == [RESUME_FROM, STEPS]
        assert (straight / "samples" / f"step_{STEPS:07d}.png").exists()
        shutil.copytree(straight, resumed)
        shutil.rmtree(resumed / "checkpoints" / str(STEPS))
        assert sorted(os.listdir(resumed / "checkpoints")) == [str(RESUME_FROM)]
        first_resumed, second_resumed = finish(
            start("resumed", tmp_path, resumed, processes=2, devices=4)
        )
        (single,) = finish(reference)
    finally:
        stop(reference)
    assert first["device_count"] == second["device_count"] == single["device_count"] == 8

    # Each process fed its own rows, which together are the single process's batches.
    for position in range(5):
        whole = single[f"global/{position}"]
        assert len(whole) == 8
        np.testing.assert_array_equal(first[f"local/{position}"], whole[:4])
        np.testing.assert_array_equal(second[f"local/{position}"], whole[4:])
        np.testing.assert_array_equal(first[f"global/{position}"], whole)
        np.testing.assert_array_equal(second[f"global/{position}"], whole)
        assert not np.array_equal(whole[:4], whole[4:])

    assert_bitwise_equal(state(first), state(second), "process 0 vs process 1")
    assert_bitwise_equal(state(first), state(first_resumed), "resumed vs straight")
    assert_bitwise_equal(state(second), state(second_resumed), "resumed vs straight, process 1")
    assert logged_steps(resumed) == [RESUME_FROM, STEPS]

    two_processes, one_process = state(first), state(single)
    assert two_processes.keys() == one_process.keys()
    learning_rate = recipes.get(RECIPE, preset="tiny").config.g_learning_rate
    for key in SHADOWED_BY_BATCH_NORM:
        difference = np.abs(two_processes.pop(key) - one_process.pop(key)).max()
        assert difference <= 10 * learning_rate, key
    largest = 0.0
    for key, expected in one_process.items():
        actual = two_processes[key]
        relative = np.linalg.norm(actual - expected) / max(np.linalg.norm(expected), 1e-30)
        assert relative <= 1e-5, (key, relative)
        largest = max(largest, relative)
    print(f"largest relative difference, 2 × 4 vs 1 × 8 devices: {largest:.1e}")
