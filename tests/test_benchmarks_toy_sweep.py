"""benchmarks/toy_sweep.py --small runs, prints every row, and vmap agrees with the loop."""

import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
GAMES = ("bilinear", "dirac_gan")
METHODS = ("vmap", "loop")


def _table(stdout):
    """The printed table as {(game, method): {column: cell}}."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.split()[:1] == ["game"])
    header = lines[start].split()
    rows = []
    for line in lines[start + 1 :]:
        if line.split()[:1] not in ([game] for game in GAMES):
            break
        rows.append(dict(zip(header, line.split(), strict=True)))
    return {(row["game"], row["method"]): row for row in rows}


def test_small_sweep_prints_every_row_and_vmap_matches_the_loop():
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "toy_sweep.py"), "--small", "--repeats", "1"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    table = _table(result.stdout)
    assert set(table) == {(game, method) for game in GAMES for method in METHODS}
    for (_, method), row in table.items():
        assert (row["configs"], row["steps"]) == ("64", "100"), row
        for column in ("first_s", "run_s", "speedup_first", "speedup_run"):
            assert float(row[column]) > 0, (row, column)
        # the same jitted rollout, vmapped or not, ends at the same points to rounding
        assert float(row["max|diff|"]) <= 1e-5, row
        if method == "loop":
            assert (row["speedup_first"], row["speedup_run"]) == ("1.0", "1.0"), row
    # every configuration stays on its own ellipse x² + y² + η·x·y = const: the step size
    # really varies over the sweep
    drift = re.search(r"max relative drift of .*: (\S+)", result.stdout)
    assert drift and float(drift.group(1)) < 1e-5, result.stdout
