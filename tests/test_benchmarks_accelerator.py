"""benchmarks/accelerator_step.py --small runs on the CPU and its FLOP count is the step's."""

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_small_run_prints_a_row_with_positive_rates():
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "accelerator_step.py"), "--small"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    assert lines[0].startswith("device: cpu")
    header = lines[2].split()
    row = lines[3].split()
    assert header[:5] == ["recipe", "batch", "dtype", "k", "steps/s"]
    assert row[:4] == ["dcgan_celeba64", "8", "float32", "1"]
    assert float(row[4]) > 0
