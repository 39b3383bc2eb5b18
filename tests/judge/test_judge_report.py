"""The report's statistics against hand computations and published values."""

import math

import pytest

from jaxgen.judge import report


@pytest.mark.parametrize(
    "successes, n, low, high",
    # Newcombe (1998), Statistics in Medicine 17:857, Table I, method 3 (Wilson score).
    [(81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611),
     (1, 29, 0.0061, 0.1718)],
)  # fmt: skip
def test_wilson_interval_matches_published_values(successes, n, low, high):
    interval = report.wilson_interval(successes, n)
    assert interval == pytest.approx((low, high), abs=5e-5)


def test_wilson_interval_by_hand_and_with_no_trials():
    z = 1.959963984540054
    p, n = 0.3, 10
    centre = (p + z**2 / 20) / (1 + z**2 / 10)
    half = z / (1 + z**2 / 10) * math.sqrt(p * (1 - p) / 10 + z**2 / 400)
    assert report.wilson_interval(3, n) == pytest.approx((centre - half, centre + half), abs=1e-12)
    assert all(math.isnan(value) for value in report.wilson_interval(0, 0))


def test_two_proportion_z_test_by_hand():
    # 30/50 against 20/50: pooled 1/2, standard error sqrt(1/4 * 2/50) = 0.1, z = 0.2/0.1 = 2.
    z, p = report.two_proportion_z_test(30, 50, 20, 50)
    assert z == pytest.approx(2.0, abs=1e-12)
    assert p == pytest.approx(math.erfc(2 / math.sqrt(2)), abs=1e-12)  # 2(1 − Φ(2)) = 0.0455
    assert report.two_proportion_z_test(5, 5, 7, 7) == (0.0, 1.0)


def _row(participant, truth, answer, response_ms, training=False):
    return {
        "participant": participant,
        "truth": truth,
        "answer": answer,
        "correct": int(truth == answer),
        "response_ms": response_ms,
        "training": int(training),
    }


# ann: 10 test trials, fooled (picked the real side) in 3; one training answer, not counted.
# bob: 5 test trials, fooled in 4.
ANSWERS_2AFC = (
    [_row("ann", "left", "right", 900, training=True)]
    + [_row("ann", "left", "left", t) for t in (500, 700, 800, 1000)]
    + [_row("ann", "right", "right", t) for t in (600, 1200, 400)]
    + [_row("ann", "left", "right", 2000), _row("ann", "right", "left", 300)]
    + [_row("ann", "right", "left", 1500)]
    + [_row("bob", "left", "right", t) for t in (100, 200, 300, 400)]
    + [_row("bob", "right", "right", 5000)]
)


def test_fooling_rates_intervals_and_times_of_a_fixed_answer_table():
    summary = report.summarize(ANSWERS_2AFC, "2afc")
    ann, bob, overall = (
        summary["participants"]["ann"],
        summary["participants"]["bob"],
        summary["overall"],
    )
    assert (ann["trials"], ann["fooled"], ann["fooling_rate"]) == (10, 3, 0.3)
    assert ann["ci95"] == pytest.approx([0.1078, 0.6032], abs=5e-5)  # 3/10, computed above
    # ann's times sorted: 300 400 500 600 700 800 1000 1200 1500 2000 → median (700 + 800) / 2
    assert ann["median_response_ms"] == 750
    assert ann["accuracy"] == 0.7
    assert (bob["trials"], bob["fooled"], bob["median_response_ms"]) == (5, 4, 300)
    assert (overall["trials"], overall["fooled"]) == (15, 7)
    assert overall["fooling_rate"] == pytest.approx(7 / 15)
    assert overall["ci95"] == pytest.approx(report.wilson_interval(7, 15))
    assert summary["training_answers"] == 1


def test_single_mode_counts_only_generated_images():
    rows = [
        _row("cy", "fake", "real", 100),  # fooled
        _row("cy", "fake", "fake", 100),
        _row("cy", "real", "fake", 100),  # a false alarm: not a fooling
        _row("cy", "real", "real", 100),
    ]
    overall = report.summarize(rows, "single")["overall"]
    assert (overall["answers"], overall["trials"], overall["fooled"]) == (4, 2, 1)
    assert overall["accuracy"] == 0.5


def test_comparison_against_brute_force_fisher():
    a = {"fooled": 12, "trials": 20}
    b = {"fooled": 4, "trials": 20}
    result = report.compare(a, b)
    assert result["difference"] == pytest.approx(0.4)
    assert (result["z"], result["p_value"]) == report.two_proportion_z_test(12, 20, 4, 20)

    # Fisher: the hypergeometric probabilities of all tables with the same margins that are no
    # more likely than the one observed.
    def table_probability(k):
        return math.comb(20, k) * math.comb(20, 16 - k) / math.comb(40, 16)

    observed = table_probability(12)
    fisher = sum(table_probability(k) for k in range(17) if table_probability(k) <= observed)
    assert result["fisher_p_value"] == pytest.approx(fisher, rel=1e-9)
