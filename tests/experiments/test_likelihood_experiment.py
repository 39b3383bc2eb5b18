"""experiments/likelihood end to end on its ``--quick`` budget: the table, the figure, and a
second call that reuses the finished models instead of training them again."""

import json
import math

from experiments.likelihood import run
from jaxgen import data


def test_quick_run_writes_the_table_and_resumes(tmp_path):
    argv = ["--quick", "--out", str(tmp_path / "out"), "--workdir", str(tmp_path / "runs")]
    rows = run.main(argv)
    test_size = data.load("digits", "test", batch_size=1).num_examples
    assert [row["model"] for row in rows] == ["independent", "nade"]
    for row in rows:
        assert row["num_test"] == test_size  # every image of digits' fixed test split
        assert math.isclose(row["bits_per_dim"], row["nll"] / (64 * math.log(2)), rel_tol=1e-6)
        assert row["log_prob"] == "exact" and row["steps"] == 20
    table = (tmp_path / "out" / "results.md").read_text()
    assert "| independent | 64 |" in table and "| nade |" in table
    assert (tmp_path / "out" / "samples.png").stat().st_size > 0
    stored = json.loads((tmp_path / "runs" / "nade" / "result.json").read_text())
    assert run.main(argv)[1] == stored  # read back, not retrained
