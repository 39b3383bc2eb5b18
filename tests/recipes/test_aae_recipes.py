"""The adversarial autoencoder recipes: samples decode the prior, the phases train, errors are
one line (the full loop of their tiny presets runs in tests/recipes/test_recipes.py)."""

import jax
import numpy as np
import pytest

from jaxgen import UserError, latent, recipes
from jaxgen.data import priors
from jaxgen.recipes.adversarial_autoencoder import encode
from jaxgen.train.mesh import put_batch


@pytest.mark.parametrize("prior", ["mixture10", "swiss_roll"])
def test_samples_decode_the_prior_and_codes_are_2d(prior):
    recipe = recipes.get("aae_digits", preset="tiny", prior=prior)
    state = recipe.init(jax.random.PRNGKey(0), recipe.example_batch())
    dataset = recipe.dataset("train")
    for position in range(3):
        state, metrics = recipe.step(state, put_batch(dataset.batch(position), recipe.mesh))
    assert {"reconstruction", "encoder_adversarial", "d_accuracy"} <= set(metrics)
    key = jax.random.PRNGKey(1)
    z = latent.sample_latents(recipe, key, 5)
    np.testing.assert_allclose(z, priors.prior(prior, 2).sample(key, 5))
    images = recipe.sample(state, key, 5)["image"]
    np.testing.assert_allclose(images, recipe.generate(state, z)["image"], atol=1e-6)
    assert images.shape == (5, 8, 8, 1) and images.min() >= -1 and images.max() <= 1
    codes = encode(recipe, state, dataset.batch(0)["image"])
    assert codes.shape == (8, 2) and np.all(np.isfinite(codes))


@pytest.mark.parametrize(
    "overrides, match",
    [
        ({"prior": "ring"}, "unknown prior 'ring'"),
        ({"prior": "swiss_roll", "latent": 3}, "exists in dim 2 only"),
        ({"format": "signed"}, "binary or binary_dynamic"),
    ],
)
def test_impossible_settings_are_one_line_errors(overrides, match):
    with pytest.raises(UserError, match=match) as error:
        recipes.get("aae_digits", **overrides)
    assert "\n" not in str(error.value)


def test_aae_mnist_differs_from_aae_digits_only_in_the_data():
    mnist = recipes.get("aae_mnist").config.to_dict()
    digits = recipes.get("aae_digits").config.to_dict()
    assert {key for key in mnist if mnist[key] != digits[key]} == {"data", "image_size"}
