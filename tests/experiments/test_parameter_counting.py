"""experiments/parameter_counting: the formulas against brute force and against the modules, and
the ``--quick`` run end to end (tiny FVSBN and MADE, 20 steps, raster and random orderings).

The formulas are checked three ways: closed forms against the sums they come from, against the
free probabilities counted by listing every prefix, and against the rank of the Jacobian of the
2ⁿ probabilities (the family's dimension). Twenty training steps say nothing about which
ordering is better, so the quick run is only asserted to train (better than uniform pixels),
to measure both splits whole and to write its tables and figures.
"""

import math

import numpy as np
import PIL.Image
import pytest

from experiments.parameter_counting import brute_force, counts, ordering
from experiments.parameter_counting import run as experiment
from experiments.parameter_counting.config import get_config
from jaxgen import nn


@pytest.mark.parametrize("n", range(1, 13))
def test_closed_forms_are_the_sums(n):
    assert counts.joint_table(n) == counts.chain_rule_tabular(n) == 2**n - 1
    assert counts.chain_rule_tabular(n) == sum(2**k for k in range(n))
    assert counts.independent(n) == n
    assert counts.markov(n) == 1 + 2 * (n - 1)
    assert counts.fvsbn(n) == sum(1 + k for k in range(n))  # a bias and k earlier pixels
    for hidden in (1, 7):
        assert counts.nade(n, hidden) == hidden * n + hidden + n * hidden + n  # W, c, V, b
        assert counts.made_stored(n, hidden) == (n * hidden + hidden) + (hidden * n + n)


def test_784_pixels():
    joint = counts.joint_table(784)
    assert joint == int("1" * 784, 2)  # 784 binary ones
    assert counts.num_digits(joint) == 237
    assert counts.scientific(joint) == "1.017 × 10^236"
    assert counts.scientific(307_720) == "3.077 × 10^5"
    assert counts.fvsbn(784) == 307_720  # fvsbn.py's docstring
    assert counts.nade(784, 500) == 785_284  # nade.py's docstring
    assert counts.markov(784) == 1_567


@pytest.mark.parametrize("n", range(1, 8))
def test_enumerated_prefixes_match_the_formulas(n):
    for family in (*brute_force.CONTEXTS, "full joint table"):
        assert brute_force.enumerated_count(n, family) == counts.FAMILY[family].count(n, 0)


def test_conditional_index_uses_every_parameter():
    index = brute_force.conditional_index(3, "first-order Markov")
    # Pixel 1 always the same parameter; pixel k > 1 one of two, by x_{k−1}.
    bits = brute_force.all_bits(3)
    assert len(np.unique(index[:, 0])) == 1
    for k in (1, 2):
        for value in (0, 1):
            assert len(np.unique(index[bits[:, k - 1] == value, k])) == 1
    assert sorted(np.unique(index)) == list(range(5))


@pytest.mark.parametrize("shape", [(28, 28, 1), (3, 2, 1), (2, 2, 3)])
def test_module_counts_match_the_formulas(shape):
    n, hidden = math.prod(shape), (500 if shape == (28, 28, 1) else 3)
    found = {m.name: m for m in counts.core_module_counts(shape, hidden)}
    assert found["FVSBN"].count == counts.fvsbn(n)
    assert found[f"NADE, H = {hidden}"].count == counts.nade(n, hidden)
    assert found[f"MADE ({hidden},), stored"].count == counts.made_stored(n, hidden)
    assert found[f"MADE ({hidden},), connected"].count == counts.made_connected(n, hidden)


@pytest.mark.parametrize("ordering_name", nn.orderings.ORDERINGS)
@pytest.mark.parametrize("mask_seed", [0, 1, 2])
def test_made_connects_n_weights_per_hidden_unit(ordering_name, mask_seed):
    model = nn.MADE((3, 4, 1), (17,), ordering_name, ordering_seed=5, mask_seed=mask_seed)
    masks = nn.made_masks(nn.orderings.ordering(ordering_name, (3, 4, 1), 5), (17,), mask_seed)
    assert (masks[0].sum(0) + masks[1].sum(1) == 12).all()  # whatever each unit's degree
    assert counts.made_connected_count(model) == counts.made_connected(12, 17)


def test_optional_modules_are_counted_or_left_out_with_a_reason():
    found, left_out = counts.optional_module_counts((28, 28, 1))
    assert len(found) + len(left_out) == len(counts.CANDIDATES)
    assert all(m.count > 0 for m in found)
    for module in found:
        if module.family is not None:
            assert module.count == counts.FAMILY[module.family].count(784, 500)


@pytest.mark.parametrize("hidden", [1, 2, 3])
def test_nade_rank_is_its_dimension(hidden):
    parameters, rank = brute_force.module_rank(nn.NADE((1, 5, 1), hidden))
    assert parameters == counts.nade(5, hidden)
    assert rank == brute_force.nade_dimension(5, hidden) < parameters


def test_summary_mean_and_sample_std():
    results = [
        {
            "model": "nade",
            "ordering": o,
            "seed": s,
            "test_nll": v,
            "test_bits_per_dim": v / 10,
            "train_nll": v - 1,
            "seconds": 1.0,
            "parameters": 5,
            "steps": 3,
            "hidden": 2,
            "num_test": 9,
        }
        for o, values in (("raster", (1.0, 2.0, 4.0)), ("random", (3.0,)))
        for s, v in enumerate(values)
    ]
    raster, random = ordering.summary(results)
    assert raster["test_nll"] == pytest.approx((7 / 3, np.std([1, 2, 4], ddof=1)))
    assert raster["per_seed"] == [1.0, 2.0, 4.0] and raster["seeds"] == 3
    assert random["test_nll"][0] == 3.0 and math.isnan(random["test_nll"][1])


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    """``(out folder, what main returns)`` of ``run --quick``."""
    out = tmp_path_factory.mktemp("parameter_counting")
    return out, experiment.main(["--quick", "--out", str(out)])


def test_quick_run_checks_every_family_by_brute_force(quick):
    _, measured = quick
    rows = {row["family"]: row for row in measured["check"]}
    n, hidden = 4, get_config(quick=True).check_hidden
    assert {row["n"] for row in measured["check"]} == {n}
    for family in (*brute_force.CONTEXTS, "full joint table"):
        assert rows[family]["enumerated"] == rows[family]["count"] == rows[family]["rank"]
    fvsbn = rows["logistic conditionals (FVSBN)"]
    assert fvsbn["module"] == fvsbn["rank"] == counts.fvsbn(n)
    assert rows["NADE"]["rank"] == brute_force.nade_dimension(n, hidden) == 2**n - 1
    made = rows["MADE, 1 hidden layer, connected"]
    assert made["module"] == counts.made_connected(n, hidden)
    assert made["rank"] <= made["module"] - hidden  # ReLU units: a scale per unit is free


def test_quick_run_trains_and_measures_both_splits(quick):
    _, measured = quick
    config = get_config(quick=True)
    results = measured["ordering"]
    expected = [(m, o) for m in config.models for o in config.orderings]
    assert [(r["model"], r["ordering"]) for r in results] == expected
    uniform = 64 * math.log(2)  # NLL of independent fair coins on 8×8 pixels
    for result in results:
        assert (result["num_test"], result["num_train"]) == (359, 1438)
        assert 0 < result["test_nll"] < uniform and 0 < result["train_nll"] < uniform
        assert result["test_bits_per_dim"] == pytest.approx(result["test_nll"] / uniform, 1e-6)


def test_quick_run_writes_its_tables_and_figures(quick):
    out, _ = quick
    text = (out / "results.md").read_text()
    for heading in (
        "## Families over n binary pixels",
        "## The jaxgen modules on 28×28×1",
        "## Brute-force check",
        "## The ordering's effect on held-out likelihood",
    ):
        assert heading in text, heading
    assert str(2**784 - 1) in text and "1.017 × 10^236 (237 digits)" in text
    assert "| FVSBN | 307,720 | logistic conditionals (FVSBN) | n(n + 1)/2: 307,720 | yes |" in text
    assert "| FVSBN | 2,080 | 20 | raster | 1 | " in text  # 64·65/2 parameters on 8×8
    assert "**no**" not in text
    for name in ("counts.png", "ordering.png"):
        with PIL.Image.open(out / name) as image:
            assert image.width > 500 and image.height > 300, name
