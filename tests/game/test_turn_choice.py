"""The per-pair turn choice's running average and scores against loops over the pairs."""

import itertools

import jax.numpy as jnp
import numpy as np

from jaxgen.game import turn_choice


def test_pair_average_steps_each_seen_pair_towards_its_examples_mean():
    rng = np.random.default_rng(0)
    domains, turns, decay = 3, 4, 0.8
    average = {
        "terms": rng.normal(size=(domains, domains, turns)).astype(np.float32),
        "weight": rng.uniform(0.1, 0.9, (domains, domains)).astype(np.float32),
    }
    sources = np.array([0, 0, 1, 2, 0, 2])
    targets = np.array([1, 1, 0, 1, 2, 1])
    terms = rng.normal(size=(6, turns)).astype(np.float32)
    got = turn_choice.update_pair_average(average, sources, targets, terms, decay)
    expected_terms, expected_weight = average["terms"].copy(), average["weight"].copy()
    for s in range(domains):
        for t in range(domains):
            rows = (sources == s) & (targets == t)
            if rows.any():
                mean = terms[rows].mean(0)
                expected_terms[s, t] = decay * average["terms"][s, t] + (1 - decay) * mean
                expected_weight[s, t] = decay * average["weight"][s, t] + (1 - decay)
    np.testing.assert_allclose(got["terms"], expected_terms, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(got["weight"], expected_weight, rtol=1e-6)
    assert np.array_equal(got["terms"][1, 2], average["terms"][1, 2])  # not in the batch


def test_pair_scores_add_the_way_back_turned_back_and_are_unbiased():
    rng = np.random.default_rng(1)
    domains, turns, decay = 3, 4, 0.9
    constant = rng.normal(size=(domains, domains, turns)).astype(np.float32)
    average = turn_choice.init_pair_average(domains, turns)
    sources, targets = np.array([0, 1, 1, 2, 0]), np.array([1, 0, 2, 0, 0])
    for _ in range(3):  # the same terms every update: the bias-corrected mean is them
        terms = constant[sources, targets]
        average = turn_choice.update_pair_average(average, sources, targets, terms, decay)
    scores, known = turn_choice.pair_scores(average)
    seen = np.zeros((domains, domains), bool)
    seen[sources, targets] = True
    for s in range(domains):
        for t in range(domains):
            assert known[s, t] == (seen[s, t] and seen[t, s])
            for k in range(turns):
                if known[s, t]:
                    expected = constant[s, t, k] + constant[t, s, (turns - k) % turns]
                    np.testing.assert_allclose(scores[s, t, k], expected, rtol=1e-5, atol=1e-5)
                else:
                    assert scores[s, t, k] == 0
    # (1, 2) and (2, 0) were seen one way only: not known, so the choice does not count them
    assert not known[1, 2] and not known[2, 0] and known[0, 1] and known[0, 0]


def test_turn_choice_loss_counts_only_the_counted_examples():
    gates = jnp.array([[0.7, 0.1, 0.1, 0.1], [0.25, 0.25, 0.25, 0.25]])
    terms = jnp.array([[0.0, 1.0, 2.0, 3.0], [3.0, 2.0, 1.0, 0.0]])
    best, decisive = turn_choice.best_turns(terms, margin=1.0)
    assert best.tolist() == [0, 3] and decisive.tolist() == [True, True]
    assert turn_choice.best_turns(terms, margin=1.5)[1].tolist() == [False, False]
    loss, share = turn_choice.turn_choice_loss(gates, best, jnp.array([True, False]))
    np.testing.assert_allclose(loss, -np.log(0.7) / 2, rtol=1e-6)
    assert float(share) == 0.5


def _poses_by_loops(scores, cost):
    """Every pose assignment θ (θ_0 = 0) scored by loops; the best's turns and the runner-up gap."""
    domains, _, turns = scores.shape
    results = []
    for rest in itertools.product(range(turns), repeat=domains - 1):
        theta = (0, *rest)
        total = 0.0
        for s in range(domains):
            for t in range(s + 1, domains):
                k = (theta[t] - theta[s]) % turns
                total += scores[s, t, k] + cost * (k != 0)
        results.append((total, theta))
    results.sort()
    theta = results[0][1]
    pair_turns = [[(theta[t] - theta[s]) % turns for t in range(domains)] for s in range(domains)]
    return np.array(pair_turns), results[1][0] - results[0][0]


def test_pose_turns_are_the_best_of_every_pose_assignment():
    rng = np.random.default_rng(2)
    for cost in (0.0, 0.8):
        scores = rng.normal(size=(4, 4, 4)).astype(np.float32)
        expected, gap = _poses_by_loops(np.float64(scores), cost)
        got, got_gap = turn_choice.pose_turns(jnp.asarray(scores), cost)
        np.testing.assert_array_equal(got, expected)
        np.testing.assert_allclose(got_gap, gap, rtol=1e-5, atol=1e-5)
        for s, t, u in itertools.permutations(range(4), 3):  # s → t → u turns as s → u
            assert (got[s, t] + got[t, u]) % 4 == got[s, u]


def test_a_weakly_judged_domain_takes_its_pose_from_the_well_judged_pairs():
    # domain 1 is turned 90° from 0 and 2 (strong evidence); domain 3 is judged weakly and
    # wrongly, preferring 180° against everyone: the price of turning keeps it at 0°
    scores = np.zeros((4, 4, 4), np.float32)
    for s, t in ((0, 1), (2, 1)):
        scores[s, t, 1] = -6.0  # s → 1: 90°
    scores[0, 2, 0] = -6.0
    for s in range(3):
        scores[s, 3, 2] = -0.5  # a weak, wrong preference for 180°
    scores = scores + np.swapaxes(scores, 0, 1)[..., [0, 3, 2, 1]]  # both directions, as S is
    turns, _ = turn_choice.pose_turns(jnp.asarray(scores), turn_cost=1.0)
    assert turns[0, 1] == 1 and turns[2, 1] == 1 and turns[0, 2] == 0
    assert turns[0, 3] == 0 and turns[1, 3] == 3  # 1 → 3 turns back the 90° of 0 → 1
    free, _ = turn_choice.pose_turns(jnp.asarray(scores), turn_cost=0.0)
    assert free[0, 3] == 2  # without the price the weak verdict wins
