"""Every registered recipe trains its tiny preset end to end (TFDS sets on mock data)."""

import contextlib

import jax
import numpy as np
import pytest
import tensorflow_datasets as tfds

from jaxgen import UserError, recipes
from jaxgen.losses.objectives import OBJECTIVES
from jaxgen.recipes import conditional_recipes, likelihood
from jaxgen.recipes.objective_recipes import FAMILIES, recipe_table
from jaxgen.train import train
from jaxgen.train.mesh import put_batch

# The objective, likelihood, conditional and aae_mnist recipes are stepped or compared in their
# own files; cgan_cifar10 stands here for the conditional ones on TFDS labels. The recipes of
# TRAINED_ELSEWHERE run the whole loop in their own test files; their siblings on mnist5k
# (SAME_STEP_AS) differ from them only in the data, whose batches are checked below
# (gancls_mnist has dcgan_mnist's networks, not dcgan_digits': it trains here).
TRAINED_ELSEWHERE = {
    "aae_mnist",
    "cyclegan_digits",
    "gancls_digits",
    "parts_digits",
    "progressive_mnist",
    "stargan_digits",
}
SAME_STEP_AS = {
    "cyclegan_mnist": "cyclegan_digits",
    "parts_mnist": "parts_digits",
    "stargan_mnist": "stargan_digits",
}
BASE_RECIPES = [
    name
    for name in recipes.names()
    if name not in recipe_table()
    and not likelihood.is_likelihood_recipe(name)
    and (name not in conditional_recipes.recipe_table() or name == "cgan_cifar10")
    and name not in TRAINED_ELSEWHERE
    and name not in SAME_STEP_AS
]


@pytest.mark.parametrize("name", sorted(SAME_STEP_AS))
def test_mnist_siblings_differ_only_in_data_that_fits_the_step(name):
    """The tiny presets of ``name`` and its digits sibling (trained in its own file) have one
    config but for the data, and ``name``'s batches have the shapes and types its step takes."""
    recipe, sibling = (
        recipes.get(name, preset="tiny"),
        recipes.get(SAME_STEP_AS[name], preset="tiny"),
    )
    differ = {
        key
        for key, value in recipe.config.to_dict().items()
        if sibling.config.to_dict().get(key) != value
    }
    assert differ <= {"data"}, differ
    example, batch = recipe.example_batch(), recipe.dataset("train").batch(0)
    assert {key: (v.shape, v.dtype) for key, v in batch.items()} == {
        key: (v.shape, v.dtype) for key, v in example.items()
    }


# The issue-10 recipes whose Cloud command swaps in a TFDS set by --set data=...
CLOUD_DATA = {
    "cyclegan_digits": {"data": "tfds:cycle_gan/horse2zebra", "channels": 3},
    "progressive_mnist": {"data": "tfds:celeb_a", "channels": 3},
}


@pytest.mark.parametrize("name", sorted(CLOUD_DATA))
def test_cloud_data_of_a_docstring_command_trains_on_mock_data(tmp_path, name):
    """The TFDS set of ``name``'s Cloud command (``cycle_gan/*``: images of varying stored
    size, two splits per domain) feeds its tiny preset."""
    recipe = recipes.get(name, preset="tiny", **CLOUD_DATA[name])
    with tfds.testing.mock_data(num_examples=16):
        state = train(recipe, str(tmp_path), progress=False)
        samples = recipe.sample(state, jax.random.PRNGKey(0), 4)
    assert int(state.step) == recipe.config.steps
    assert samples["image"].shape == (4, 8, 8, 3) and np.all(np.isfinite(samples["image"]))


@pytest.mark.parametrize("name", BASE_RECIPES)
def test_tiny_preset_trains_and_samples(tmp_path, name):
    """The whole loop (checkpoints, sample grids); tests/recipes/test_objective_recipes.py
    steps the objective recipes built on these."""
    recipe = recipes.get(name, preset="tiny")
    mock = recipe.config.data.startswith("tfds:")
    with tfds.testing.mock_data(num_examples=16) if mock else contextlib.nullcontext():
        state = train(recipe, str(tmp_path), progress=False)
    assert int(state.step) == recipe.config.steps
    samples = recipe.sample(state, jax.random.PRNGKey(0), 4)
    values = samples["x" if "x" in samples else "image"]
    assert values.shape[0] == 4 and np.all(np.isfinite(values))
    assert (tmp_path / "samples" / "latest.png").exists()


def test_presets_and_overrides_are_checked():
    assert recipes.get("gan_ring8", preset="tiny", steps="7").config.steps == 7
    with pytest.raises(UserError, match="unknown preset 'tinny'.*'tiny'"):
        recipes.get("gan_ring8", preset="tinny")
    with pytest.raises(UserError, match="must be at least 1"):
        recipes.get("gan_ring8", batch_size=0)
    with pytest.raises(UserError, match="network=mlp"):
        recipes.get("gan_ring8", network="dcgan")


COVERED = {FAMILIES[family].overrides["objective"] for family in FAMILIES} | {"nsgan"}


@pytest.mark.parametrize("objective", sorted(set(OBJECTIVES) - COVERED))
def test_every_objective_trains_the_mlp_gan_without_nan(objective):
    """Each registered objective drives the gan_ring8 step (10 steps) to finite parameters;
    those of the objective recipes are stepped in tests/recipes/test_objective_recipes.py."""
    recipe = recipes.get("gan_ring8", preset="tiny", objective=objective, d_learning_rate=1e-3)
    state = recipe.init(jax.random.PRNGKey(0), recipe.example_batch())
    dataset = recipe.dataset("train")
    before = jax.tree.leaves(state.params)[0].copy()
    for position in range(10):
        state, metrics = recipe.step(state, put_batch(dataset.batch(position), recipe.mesh))
    leaves = jax.tree.leaves(state.params)
    assert all(bool(np.all(np.isfinite(leaf))) for leaf in leaves)
    assert all(np.isfinite(float(v)) for v in metrics.values())
    assert not np.array_equal(before, leaves[0])
