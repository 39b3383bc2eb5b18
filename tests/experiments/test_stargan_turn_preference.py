"""``experiments.stargan.turn_preference``: the forced table and the critic's terms per turn."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from experiments.stargan import turn_preference
from jaxgen import UserError
from jaxgen.data.captioned import signed_split
from jaxgen.nn.stargan import PairTurns
from jaxgen.recipes import registry, stargan

FACTORIES = stargan.factories(registry.configured)


def test_a_forced_table_picks_the_turn_for_any_source_estimate_and_turns_back():
    table = jnp.asarray(np.random.default_rng(0).normal(size=(3, 3, 4)), jnp.float32)
    forced = turn_preference.forced_table(table, source=2, target=0, turn=1, scale=4.0)
    np.testing.assert_array_equal(forced[:, 1], table[:, 1])  # other targets untouched
    images = np.random.default_rng(1).uniform(-1, 1, (5, 6, 6, 1)).astype(np.float32)
    layer = PairTurns(3, num_turns=4, table_scale=4.0)
    params = dict(layer.init(jax.random.PRNGKey(0), images, jnp.zeros(5, jnp.int32))["params"])
    params["table"] = forced
    params["Dense_0"] = jax.tree.map(lambda w: 5 * w + 1, params["Dense_0"])  # any estimate
    for target, turn in ((0, 1), (2, 3)):
        targets = jnp.full(5, target, jnp.int32)
        _, sown = layer.apply({"params": params}, images, targets, mutable=["intermediates"])
        np.testing.assert_allclose(
            sown["intermediates"]["gates"][0], np.eye(4)[[turn] * 5], atol=1e-6
        )


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


def test_poses_or_no_table_is_a_user_error():
    recipe = FACTORIES["stargan_digits"](preset="tiny")
    state = recipe.init(jax.random.PRNGKey(0), recipe.example_batch())
    with pytest.raises(UserError, match="g_pair_turns=K"):
        turn_preference.preferences(recipe, state, np.zeros((2, 8, 8, 1), np.float32))
