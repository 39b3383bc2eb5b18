"""``experiments.stargan.warps``: what it reports of a generator whose warp is known."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from experiments.stargan import warps
from jaxgen import UserError
from jaxgen.recipes import registry, stargan

FACTORIES = stargan.factories(registry.configured)


def _initial(**overrides):
    recipe = FACTORIES["stargan_digits"](preset="tiny", **overrides)
    return recipe, recipe.init(jax.random.PRNGKey(0), recipe.example_batch())


def test_a_fresh_rigid_warp_turns_nothing_in_every_pair():
    recipe, state = _initial(g_rigid_warp=True)
    result, _, moved = warps.summarize(recipe, state)
    assert moved is None and len(result["angles"]) == 12  # 4 domains, ordered pairs
    for pair in result["angles"].values():
        assert pair["mean"] == 0.0 and pair["within_20_degrees_of"] == {
            "0": 1.0, "90": 0.0, "180": 0.0, "-90": 0.0
        }  # fmt: skip


def test_a_map_set_to_the_quarter_turn_scores_zero_turn_error():
    recipe, state = _initial(g_input_warps=2)
    rotated_index = np.rot90(np.arange(64).reshape(8, 8), 1).ravel()
    turn = np.zeros((64, 64), np.float32)
    turn[rotated_index, np.arange(64)] = 1.0
    g = dict(state.params.g)
    g["InputWarp_0"] = {**g["InputWarp_0"], "maps": jnp.stack([jnp.asarray(turn), turn.T])}
    state = state.replace(params=state.params._replace(g=g))
    result, digits, moved = warps.summarize(recipe, state)
    errors = result["turn_error"]
    assert errors["map_1"]["to_turned"] < 1e-6 < errors["unturned"]
    assert errors["map_2"]["to_turned_back"] < 1e-6  # the transpose turns back
    np.testing.assert_allclose(moved[0], np.rot90(digits, 1, axes=(1, 2)), atol=1e-6)
    gates = np.array(list(result["gates"].values()))
    assert gates.shape == (12, 3) and np.allclose(gates.sum(1), 1.0, atol=2e-3)


@pytest.mark.parametrize("keys", [{"g_turns": 4}, {"g_pair_turns": 4, "source_weight": 1.0}])
def test_a_fresh_turn_mixture_weighs_every_turn_alike(keys):
    recipe, state = _initial(**keys)
    result, _, _ = warps.summarize(recipe, state)
    assert len(result["turn_gates"]) == 12
    for pair in result["turn_gates"].values():
        assert pair["mean"] == {"0": 0.25, "90": 0.25, "180": 0.25, "270": 0.25}
        assert sum(pair["picked"].values()) == pytest.approx(1.0)


def test_a_source_head_that_always_says_rotated_is_right_on_the_rotated_digits_only():
    recipe, state = _initial(g_pair_turns=4, source_weight=1.0)
    g = dict(state.params.g)
    dense = g["PairTurns_0"]["Dense_0"]
    g["PairTurns_0"] = {
        **g["PairTurns_0"],
        "Dense_0": {
            "kernel": jnp.zeros_like(dense["kernel"]),
            "bias": jnp.array([0.0, 5.0, 0.0, 0.0]),
        },
    }
    state = state.replace(params=state.params._replace(g=g))
    result, _, _ = warps.summarize(recipe, state)
    shares = result["source_accuracy"]
    assert shares == {"identity": 0.0, "rotated": 1.0, "thickened": 0.0, "inverted": 0.0}


def test_learned_poses_are_reported_per_domain_and_set_the_pairs_turns():
    recipe, state = _initial(g_pair_turns=4, source_weight=1.0, g_pair_poses=True)
    g = dict(state.params.g)
    poses = np.zeros((3, 4), np.float32)
    poses[0, 1] = 1.0  # rotated at 90° (the table's scale is 1 in the tiny preset)
    poses[2, 2] = 1.0  # inverted leaning to 180°
    dense = g["PairTurns_0"]["Dense_0"]
    g["PairTurns_0"] = {
        **g["PairTurns_0"],
        "poses": jnp.asarray(20 * poses),
        "Dense_0": {  # the source head always says "identity"
            "kernel": jnp.zeros_like(dense["kernel"]),
            "bias": jnp.array([40.0, 0.0, 0.0, 0.0]),
        },
    }
    state = state.replace(params=state.params._replace(g=g))
    result, _, _ = warps.summarize(recipe, state)
    assert result["poses"]["identity"] == {"0": 1.0, "90": 0.0, "180": 0.0, "270": 0.0}
    assert result["poses"]["rotated"]["90"] == 1.0
    assert result["poses"]["thickened"] == {"0": 0.25, "90": 0.25, "180": 0.25, "270": 0.25}
    assert result["turn_gates"]["identity->rotated"]["picked"]["90"] == 1.0
    assert result["turn_gates"]["identity->inverted"]["picked"]["180"] == 1.0


def test_a_run_without_a_warp_is_a_user_error():
    with pytest.raises(UserError, match="g_turns=K"):
        warps.summarize(*_initial())


def test_the_per_pair_choice_is_read_from_the_models_averaged_critic_terms():
    recipe, state = _initial(
        g_pair_turns=4, source_weight=1.0, turn_choice_weight=1.0, turn_choice_pair_decay=0.9
    )
    terms = np.zeros((4, 4, 4), np.float32)
    weight = np.zeros((4, 4), np.float32)
    terms[0, 1] = [0.0, -1.0, 0.5, 0.0]  # identity -> rotated: 90° best
    terms[1, 0] = [0.0, 0.0, 0.0, -0.5]  # rotated -> identity: 270°, the same turn back
    weight[0, 1] = weight[1, 0] = 0.5  # the terms are twice as large, unbiased
    weight[0, 2] = 0.5  # identity -> thickened seen one way only: left out
    average = {"terms": jnp.asarray(terms), "weight": jnp.asarray(weight)}
    state = state.replace(model_state=state.model_state._replace(g={"turn_choice": average}))
    choice = warps.summarize(recipe, state)[0]["critic_choice"]
    assert set(choice) == {"identity->rotated", "rotated->identity"}
    assert choice["identity->rotated"] == {
        "chosen": "90",
        "scores": {"0": 0.0, "90": -3.0, "180": 1.0, "270": 0.0},
    }
    assert choice["rotated->identity"]["chosen"] == "270"
    # with the poses, a turn that does not win by its price is not chosen
    priced, _ = _initial(
        g_pair_turns=4, source_weight=1.0, turn_choice_weight=1.0, turn_choice_pair_decay=0.9,
        turn_choice_poses=True, turn_choice_turn_cost=4.0,
    )  # fmt: skip
    choice = warps.summarize(priced, state)[0]["critic_choice"]
    assert choice["identity->rotated"]["chosen"] == "0"  # −3 + 4 > 0
    assert choice["identity->rotated"]["pair_best"] == "90"
