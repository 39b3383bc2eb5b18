"""``experiments.stargan.turn_preference``: the critic's terms per forced turn."""

import jax
import numpy as np
import pytest

from experiments.stargan import turn_preference
from jaxgen import UserError
from jaxgen.data.captioned import signed_split
from jaxgen.recipes import registry, stargan

FACTORIES = stargan.factories(registry.configured)


def test_the_critic_terms_of_a_rotated_source_are_those_of_its_upright_digit_turned_once_more():
    """x in the rotated domain is turn(x, 90°), so turning it by k quarter turns is turning
    the upright x by k + 1: pair rotated → t at turn k scores as identity → t at turn k + 1."""
    recipe = FACTORIES["stargan_digits"](preset="tiny", g_pair_turns=4, source_weight=1.0)
    state = recipe.init(jax.random.PRNGKey(0), recipe.example_batch())
    digits, _ = signed_split(recipe.config.data, "test", recipe.config.image_size)
    pairs = turn_preference.preferences(recipe, state, digits[:64])
    assert len(pairs) == 12
    for target in ("thickened", "inverted"):
        upright = pairs[f"identity->{target}"]["critic"]
        turned = pairs[f"rotated->{target}"]["critic"]
        assert len(set(upright.values())) == 4  # the turns score differently
        for k, name in enumerate(("0", "90", "180", "270")):
            once_more = ("0", "90", "180", "270")[(k + 1) % 4]
            assert turned[name] == pytest.approx(upright[once_more], abs=2e-3)
        assert pairs[f"identity->{target}"]["preferred"] == min(upright, key=upright.get)


def test_a_run_without_a_pair_table_is_a_user_error():
    recipe = FACTORIES["stargan_digits"](preset="tiny")
    state = recipe.init(jax.random.PRNGKey(0), recipe.example_batch())
    with pytest.raises(UserError, match="g_pair_turns=K"):
        turn_preference.preferences(recipe, state, np.zeros((2, 8, 8, 1), np.float32))
