"""benchmarks/fid_statistics.py --small runs and prints every row, with values that agree."""

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
METRICS = ("fid", "kid", "pr")
DTYPES = ("float32", "float64")


def _table(stdout):
    """The printed table as {(metric, dtype): {column: cell}}."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.split()[:1] == ["metric"])
    header = lines[start].split()
    rows = [dict(zip(header, line.split(), strict=True)) for line in lines[start + 1 :]]
    return {(row["metric"], row["dtype"]): row for row in rows}


def test_small_benchmark_prints_every_row_and_fid_agrees_with_scipy():
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "fid_statistics.py"), "--small"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    table = _table(result.stdout)
    assert set(table) == {(metric, dtype) for metric in METRICS for dtype in DTYPES}
    for row in table.values():
        assert (row["N"], row["d"]) == ("2000", "256")
        for column in ("1st_s", "jaxgen_s", "numpy/scipy_s", "ratio"):
            assert float(row[column]) > 0, (row, column)
    # float64 matches pytorch-fid's scipy formula to rounding; float32 keeps the few 1e-6 that
    # the cancellation of tr Σ1 + tr Σ2 − 2 tr √(Σ1Σ2) leaves (jaxgen.metrics.frechet).
    assert float(table["fid", "float64"]["rel.diff"]) < 1e-6
    assert float(table["fid", "float32"]["rel.diff"]) < 1e-5
    # KID on the very same subsets and precision/recall agree to rounding in float64.
    assert float(table["kid", "float64"]["rel.diff"]) < 1e-9
    assert float(table["pr", "float64"]["rel.diff"]) < 1e-9
