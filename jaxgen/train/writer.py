"""Metrics to ``metrics.jsonl`` (one JSON object per logged step) and TensorBoard event files.

TensorBoard events are written by tensorboardX, which needs no TensorFlow:
``tensorboard --logdir WORKDIR/tensorboard``. Several runs trained as one program
(``jaxgen.train.runs``) write one record per run and step, with its ``run`` index, and one
TensorBoard directory per run (``tensorboard/run_K``), which TensorBoard overlays.
With several processes (``jax.distributed``) only process 0 writes: the metrics are replicated,
so every process holds the same values, and the workdir is shared.
"""

import json
import os

import jax
import numpy as np


class MetricWriter:
    """Appends scalars to ``WORKDIR/metrics.jsonl`` and ``WORKDIR/tensorboard``."""

    def __init__(self, workdir: str, *, resume_step: int = 0, runs: int = 1):
        self.path = os.path.join(workdir, "metrics.jsonl")
        self.runs = runs
        self.active = jax.process_index() == 0  # elsewhere every method does nothing
        if not self.active:
            return
        from tensorboardX import SummaryWriter  # imported here: it is slow to import

        _truncate_after(self.path, resume_step)
        self._file = open(self.path, "a")  # noqa: SIM115 (closed by close())
        directory = os.path.join(workdir, "tensorboard")
        self._tensorboard = (
            [SummaryWriter(directory)]
            if runs == 1
            else [SummaryWriter(os.path.join(directory, f"run_{run}")) for run in range(runs)]
        )

    def scalars(self, step: int, metrics: dict) -> None:
        """``metrics``: name → scalar, or name → [runs] values with several runs."""
        if not self.active:
            return
        for run, tensorboard in enumerate(self._tensorboard):
            values = {k: float(v if self.runs == 1 else v[run]) for k, v in metrics.items()}
            record = {"step": int(step), **({"run": run} if self.runs > 1 else {}), **values}
            self._file.write(json.dumps(record) + "\n")
            for name, value in values.items():
                tensorboard.add_scalar(name, value, int(step))
        self._file.flush()

    def image(self, step: int, name: str, image: np.ndarray, *, run: int = 0) -> None:
        """``image``: uint8 [H, W, C], of run ``run``."""
        if not self.active:
            return
        self._tensorboard[run].add_image(name, image, int(step), dataformats="HWC")

    def close(self) -> None:
        if not self.active:
            return
        self._file.close()
        for tensorboard in self._tensorboard:
            tensorboard.close()


def _truncate_after(path: str, step: int) -> None:
    """Drops records of steps after ``step``: a resumed run rewrites them from its checkpoint."""
    if not os.path.exists(path):
        return
    with open(path) as f:
        lines = [line for line in f if line.strip() and json.loads(line)["step"] <= step]
    with open(path, "w") as f:
        f.writelines(lines)
