"""experiments/rule_zoo at CI size: every rule runs at the same budget of field evaluations, and
a rule's score equals the score of the same run driven directly through ``train_seeds``."""

import jax
import numpy as np
import pytest

from experiments.rule_zoo import run as experiment
from experiments.rule_zoo.config import RULES, get_config
from jaxgen.game import mixture_game
from jaxgen.game.mixture import train_seeds


def tiny_config(**overrides):
    config = get_config()
    config.update(
        dict(
            seeds=2,
            evaluations_per_point=42,
            points=2,
            num_samples=200,
            hidden=8,
            batch_size=16,
            workers=1,
        )
    )
    config.update(overrides)
    return config


@pytest.fixture(scope="module")
def results():
    """Every rule at CI size, compiled once for the module (one program per rule)."""
    return experiment.run(tiny_config())


def test_every_rule_runs_at_the_same_budget(results):
    assert [r.rule for r in results] == list(RULES)
    for r in results:
        np.testing.assert_array_equal(r.evaluations, [0, 42, 84])
        assert r.scores.modes.shape == (2, 3)
        assert np.all((r.scores.modes >= 0) & (r.scores.modes <= 8))
    # Scores at 0 evaluations are those of the shared initial networks: equal for every rule.
    for r in results[1:]:
        np.testing.assert_array_equal(r.scores.modes[:, 0], results[0].scores.modes[:, 0])
    table = experiment.table(results)
    assert "| extragradient | 2 | 42 |" in table and "| unrolled k=5 | 7 | 12 |" in table


def test_a_rule_is_its_train_seeds_run(results):
    config = tiny_config()
    (result,) = [r for r in results if r.rule == "extragradient"]
    game = mixture_game("ring8", hidden=(8, 8), batch_size=16)
    rule, losses = experiment.rule_and_game("extragradient", config, game.losses)
    keys = jax.random.split(jax.random.PRNGKey(0), 2)
    stats, samples = train_seeds(game, losses, rule, 42, keys, every=21, num_samples=200)
    np.testing.assert_array_equal(result.scores.modes, stats["modes_covered"])
    np.testing.assert_allclose(result.scores.samples, samples[0], rtol=1e-6)


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="unknown rules"):
        experiment.run(tiny_config(rules=("adam",)))
    with pytest.raises(ValueError, match="multiple of"):
        experiment.run(tiny_config(evaluations_per_point=10))
