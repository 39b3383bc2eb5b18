"""The explicit-model recipes: every model steps on digits and gives finite log-likelihoods and
samples in [−1, 1]; the mnist5k and TFDS paper settings differ from it only where they say
(the full loop, checkpoints and ``jaxgen eval`` run in tests/cli/test_eval.py)."""

import jax
import numpy as np
import pytest
import tensorflow_datasets as tfds

from jaxgen import UserError, recipes
from jaxgen.recipes import likelihood
from jaxgen.train.mesh import put_batch

# The keys in which a paper setting or an mnist5k recipe may differ from its digits recipe.
DATA_KEYS = {"data", "image_size", "format", "channels", "steps"}
SIZE_KEYS = {"hidden", "features", "layers", "latent"}


def stepped(recipe, steps=3):
    """The recipe's state after ``steps`` steps on its own data, and the metrics of each."""
    state = recipe.init(jax.random.PRNGKey(0), recipe.example_batch())
    dataset = recipe.dataset("train")
    history = []
    for position in range(steps):
        state, metrics = recipe.step(state, put_batch(dataset.batch(position), recipe.mesh))
        history.append(jax.device_get(metrics))
    return state, history


# independent, fvsbn, nade and gated_pixelcnn train, score and sample in
# tests/recipes/test_likelihood_ranking.py.
@pytest.mark.parametrize("model", ["made", "pixelcnn", "row_lstm", "diagonal_bilstm", "vae"])
def test_every_model_steps_scores_and_samples_on_digits(model):
    recipe = recipes.get(f"{model}_digits", preset="tiny", learning_rate=1e-2)
    state, history = stepped(recipe, steps=3)
    loss = "negative_elbo" if model == "vae" else "nll"
    assert history[-1][loss] < history[0][loss]  # the same examples come back: digits is small
    assert np.isfinite(history[-1]["bits_per_dim"])
    test = next(recipe.dataset("test").epoch(8))
    log_probs = recipe.log_prob(state, test, jax.random.PRNGKey(1))
    assert log_probs.shape == (8,) and np.all(np.isfinite(log_probs))
    assert np.all(np.asarray(log_probs) < 0)  # probabilities of binary images are below 1
    images = np.asarray(recipe.sample(state, jax.random.PRNGKey(2), 3)["image"])
    assert images.shape == (3, 8, 8, 1)
    if model == "vae":
        assert images.min() >= -1 and images.max() <= 1
    else:
        assert set(np.unique(images)) <= {-1.0, 1.0}


def _differences(name, reference):
    config = recipes.get(name).config.to_dict()
    base = recipes.get(reference).config.to_dict()
    return {key for key in config if config[key] != base[key]}


@pytest.mark.parametrize("model", likelihood.MODELS)
def test_mnist_recipes_differ_from_digits_only_in_the_data(model):
    assert _differences(f"{model}_mnist", f"{model}_digits") == {"data", "image_size"}


@pytest.mark.parametrize("name", sorted(likelihood.PAPER_SETTINGS))
def test_paper_settings_differ_in_data_and_sizes_and_state_their_target(name):
    model, tfds_name, target = likelihood.PAPER_SETTINGS[name]
    assert _differences(name, f"{model}_mnist") <= DATA_KEYS | SIZE_KEYS
    assert recipes.get(name).config.data == f"tfds:{tfds_name}"
    assert "Table" in target and ("nats" in target or "bits/dim" in target)


def test_a_256_way_rgb_paper_setting_steps_on_mock_cifar10():
    recipe = recipes.get("pixelcnn_cifar10", preset="tiny")
    assert recipe.config.format == "uint8" and recipe.config.channels == 3
    with tfds.testing.mock_data(num_examples=16):
        state, history = stepped(recipe, steps=2)
        test = next(recipe.dataset("test").epoch(4))
    # 8×8×3 values of 256 levels: a fresh model is near uniform, 8 bits per value.
    assert 6 < history[0]["bits_per_dim"] < 10
    assert test["image"].dtype == np.uint8
    assert np.all(np.isfinite(recipe.log_prob(state, test, None)))
    images = np.asarray(recipe.sample(state, jax.random.PRNGKey(0), 2)["image"])
    assert images.shape == (2, 8, 8, 3) and images.min() >= -1 and images.max() <= 1


@pytest.mark.parametrize(
    "overrides, match",
    [
        ({"format": "uint8"}, "nade models binary pixels"),
        ({"model": "pixelcnn", "ordering": "snake"}, "generates in raster order"),
        ({"model": "pixelnn"}, "unknown model 'pixelnn'.*pixelcnn"),
        ({"model": "pixelcnn", "channels": 3, "features": 8}, "multiple of 2 × 3"),
    ],
)
def test_impossible_settings_are_one_line_errors(overrides, match):
    with pytest.raises(UserError, match=match) as error:
        recipes.get("nade_digits", **overrides)
    assert "\n" not in str(error.value)
