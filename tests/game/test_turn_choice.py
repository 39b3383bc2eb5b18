"""The per-pair turn choice's running average and scores against loops over the pairs."""

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
    loss, decisive = turn_choice.turn_choice_loss(gates, terms, counted=jnp.array([True, False]))
    np.testing.assert_allclose(loss, -np.log(0.7) / 2, rtol=1e-6)
    assert float(decisive) == 0.5
