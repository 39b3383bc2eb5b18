"""Metrics to ``metrics.jsonl`` (one JSON object per logged step) and TensorBoard event files.

TensorBoard events are written by tensorboardX, which needs no TensorFlow:
``tensorboard --logdir WORKDIR/tensorboard``.
"""

import json
import os

import numpy as np


class MetricWriter:
    """Appends scalars to ``WORKDIR/metrics.jsonl`` and ``WORKDIR/tensorboard``."""

    def __init__(self, workdir: str, *, resume_step: int = 0):
        from tensorboardX import SummaryWriter  # imported here: it is slow to import

        self.path = os.path.join(workdir, "metrics.jsonl")
        _truncate_after(self.path, resume_step)
        self._file = open(self.path, "a")  # noqa: SIM115 (closed by close())
        self._tensorboard = SummaryWriter(os.path.join(workdir, "tensorboard"))

    def scalars(self, step: int, metrics: dict) -> None:
        record = {"step": int(step), **{k: float(v) for k, v in metrics.items()}}
        self._file.write(json.dumps(record) + "\n")
        self._file.flush()
        for name, value in metrics.items():
            self._tensorboard.add_scalar(name, float(value), int(step))

    def image(self, step: int, name: str, image: np.ndarray) -> None:
        """``image``: uint8 [H, W, C]."""
        self._tensorboard.add_image(name, image, int(step), dataformats="HWC")

    def close(self) -> None:
        self._file.close()
        self._tensorboard.close()


def _truncate_after(path: str, step: int) -> None:
    """Drops records of steps after ``step``: a resumed run rewrites them from its checkpoint."""
    if not os.path.exists(path):
        return
    with open(path) as f:
        lines = [line for line in f if line.strip() and json.loads(line)["step"] <= step]
    with open(path, "w") as f:
        f.writelines(lines)
