"""``progressive_mnist``: the growth schedule, the stage switch, and a mid-fade resume.

- The schedule (stage and α of every step, phase starts) against a table written by hand.
- At the switch to 8×8 (the first fade-in step) the parameter tree keeps its structure and
  shapes, every parameter of the finished 4×4 stage moves by at most Adam's step size (fresh
  Adam with β1 = 0 moves each by lr·|g|/(|g| + ε) ≤ lr: nothing is reinitialized), and the new
  stage's layers, which got zero gradients so far (and at α = 0), are exactly at their initial
  values; they move at the next step.
- The tiny preset trains through the fade without NaN, and a run stopped at a checkpoint in the
  middle of the fade (α = 3/8) resumes to the same state bit for bit as a run made in one go.
- Samples are at the final size: the 4×4 stage's upsampled by nearest neighbour.

The recipe is built from ``jaxgen.recipes.progressive`` directly (its registration is a
one-line change to ``jaxgen/recipes/__init__.py``) and compiled once for the module.
"""

import jax
import numpy as np
import pytest
from flax import traverse_util

from jaxgen.errors import UserError
from jaxgen.game.progressive import Schedule
from jaxgen.recipes import progressive
from jaxgen.recipes.registry import configured
from jaxgen.train import train


def tiny(**overrides):
    return progressive.factories(configured)["progressive_mnist"](preset="tiny", **overrides)


@pytest.fixture(scope="module")
def recipe():
    return tiny()


def with_steps(recipe, steps):
    """The same recipe (and compiled step) with another ``steps``."""
    config = recipe.config.copy_and_resolve_references()
    config.steps = steps
    return recipe._replace(config=config)


def assert_trees_equal(a, b):
    leaves_a, tree_a = jax.tree.flatten(a)
    leaves_b, tree_b = jax.tree.flatten(b)
    assert tree_a == tree_b
    for x, y in zip(leaves_a, leaves_b, strict=True):
        np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


def test_schedule_matches_a_hand_table():
    schedule = Schedule(num_stages=3, fade_steps=4, stabilize_steps=2)
    # stage 0: steps 0-1; stage 1: fade 2-5, stable 6-7; stage 2: fade 8-11, stable 12-13, ...
    stages = [0, 0, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2]
    alphas = [1, 1, 0, 0.25, 0.5, 0.75, 1, 1, 0, 0.25, 0.5, 0.75, 1, 1, 1, 1]
    starts = [s in (2, 6, 8, 12) for s in range(16)]
    for step in range(16):
        growth = schedule.growth_at(step)
        assert (int(growth.stage), float(growth.alpha)) == (stages[step], alphas[step]), step
        assert bool(schedule.phase_start(step)) == starts[step], step
    assert schedule.total_steps == 14 and schedule.stage_end(1) == 8


def by_layer(params):
    return traverse_util.flatten_dict(params, sep="/")


def new_stage_layer(path):
    return path.split("/")[0] in ("convs_1_0", "convs_1_1", "to_rgb_1", "from_rgb_1")


def test_stage_switch_carries_parameters_over(recipe):
    lr = recipe.config.learning_rate
    dataset = recipe.dataset("train")
    init = recipe.init(jax.random.PRNGKey(0), recipe.example_batch())
    initial = jax.device_get(init.params)
    states = [init]
    for position in range(8):  # stage 0 is steps 0-5; step 6 is the first fade-in step (α = 0)
        state, _ = recipe.step(states[-1], dataset.batch(position))
        states.append(jax.device_get(state))
    before, at_switch, after = (states[k].params for k in (6, 7, 8))
    assert (int(states[7].model_state.stage), float(states[7].model_state.alpha)) == (1, 0.0)
    assert jax.tree.map(np.shape, before) == jax.tree.map(np.shape, at_switch)
    for player in ("g", "d"):
        start = by_layer(getattr(initial, player))
        old, switched, later = (by_layer(getattr(p, player)) for p in (before, at_switch, after))
        for path, value in switched.items():
            if new_stage_layer(path):  # zero gradients before the switch and at α = 0
                np.testing.assert_array_equal(value, start[path])
                np.testing.assert_array_equal(old[path], start[path])
            else:
                moved = np.abs(value - old[path])
                assert moved.max() <= lr * (1 + 1e-4) and moved.max() > lr / 2, path
        assert any(
            not np.array_equal(later[path], start[path]) for path in later if new_stage_layer(path)
        )


def test_tiny_trains_and_resumes_exactly_from_the_middle_of_a_fade(recipe, tmp_path):
    stopped = train(with_steps(recipe, 10), str(tmp_path / "resumed"), progress=False)
    assert int(stopped.step) == 10 and float(stopped.model_state.alpha) == 3 / 8
    resumed = train(recipe, str(tmp_path / "resumed"), progress=False, log=lambda _: None)
    straight = train(recipe, str(tmp_path / "straight"), progress=False)
    assert int(straight.step) == 20 and int(straight.model_state.stage) == 1
    assert all(np.all(np.isfinite(x)) for x in jax.tree.leaves(straight.params))
    assert_trees_equal(straight, resumed)


def test_samples_are_at_the_final_size(recipe):
    state = recipe.init(jax.random.PRNGKey(0), recipe.example_batch())
    images = np.asarray(recipe.sample(state, jax.random.PRNGKey(1), 16)["image"])
    assert images.shape == (16, 8, 8, 1) and images.min() >= -1 and images.max() <= 1
    blocks = images.reshape(16, 4, 2, 4, 2, 1)  # stage 0 (4×4), upsampled by repetition
    np.testing.assert_array_equal(blocks, np.broadcast_to(blocks[:, :, :1, :, :1], blocks.shape))


@pytest.mark.parametrize(
    "overrides, match",
    [
        ({"resolutions": (4, 16)}, "resolutions must double"),
        ({"widths": (8,)}, "one positive channel count per resolution"),
        ({"batch_size": 6}, "multiple of group_size"),
    ],
)
def test_impossible_settings_are_one_line_errors(overrides, match):
    with pytest.raises(UserError, match=match):
        tiny(**overrides)
