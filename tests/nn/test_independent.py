"""``IndependentBernoulli`` against brute force and its closed-form maximum likelihood."""

import jax
import jax.numpy as jnp
import numpy as np
from explicit_model_checks import all_images, chi_square_p_value, image_index, random_variables

from jaxgen.nn.independent import IndependentBernoulli


def test_probabilities_sum_to_one_and_samples_match_them():
    shape = (2, 2, 1)
    model = IndependentBernoulli(shape)
    variables = random_variables(model, np.zeros((1, *shape), np.float32), 1.5)
    log_probs = model.apply(variables, all_images(shape).astype(np.float32))
    np.testing.assert_allclose(np.exp(np.asarray(log_probs, np.float64)).sum(), 1.0, atol=1e-6)
    images = model.apply(variables, jax.random.PRNGKey(0), 100_000, method="sample")
    counts = np.bincount(image_index(images), minlength=16)
    assert chi_square_p_value(counts, log_probs) > 1e-3


def test_maximum_likelihood_is_the_share_of_ones_per_pixel():
    shape = (3, 3, 1)
    model = IndependentBernoulli(shape)
    images = (np.random.default_rng(0).uniform(size=(50, *shape)) < 0.3).astype(np.float32)
    images[0], images[1] = 1.0, 0.0  # every pixel is seen as 1 and as 0: finite logits
    share = images.reshape(50, -1).mean(0)
    variables = {"params": {"logits": jnp.log(share / (1 - share))}}
    nll = lambda v: -jnp.mean(model.apply(v, images))
    gradient = jax.grad(nll)(variables)["params"]["logits"]
    np.testing.assert_allclose(gradient, 0, atol=1e-6)
    entropy = -(share * np.log(share) + (1 - share) * np.log(1 - share)).sum()
    np.testing.assert_allclose(nll(variables), entropy, rtol=1e-5)
