"""Small explicit models trained on binarized digits rank on its fixed test split as the
literature says: independent pixels < FVSBN < NADE, and the gated PixelCNN no worse than NADE
beyond noise.

Budgets and sizes were chosen on this machine (CPU, about 40 s in all). Digits has 1,438
training images of 8×8, so large models overfit fast: the plain PixelCNN of the recipe (64
features, 5 blocks) reaches 18.1 nats at 400 steps and 26 nats at 1,400 (train 9.8), and
NADE with the recipe's 500 hidden units is worse than with 100. The comparisons are paired:
the mean over the test images of the difference of two models' NLLs, against its standard
error.
"""

import jax
import numpy as np

from jaxgen import recipes
from jaxgen.train.mesh import put_batch

# model → (steps, config overrides)
BUDGETS = {
    "independent": (300, {}),
    "fvsbn": (1000, {}),
    "nade": (2000, {"hidden": 100, "learning_rate": 3e-3}),
    "gated_pixelcnn": (1000, {"features": 16, "layers": 3}),
}


def test_nll_on_the_digits_test_split_ranks_as_the_literature_says():
    nlls = {}
    for model, (steps, overrides) in BUDGETS.items():
        recipe = recipes.get(f"{model}_digits", steps=steps, **overrides)
        state = recipe.init(jax.random.PRNGKey(0), recipe.example_batch())
        dataset = recipe.dataset("train")
        for position in range(steps):
            state, _ = recipe.step(state, put_batch(dataset.batch(position), recipe.mesh))
        test = next(recipe.dataset("test").epoch(1000))
        nlls[model] = -np.asarray(recipe.log_prob(state, test, None), np.float64)
        images = np.asarray(recipe.sample(state, jax.random.PRNGKey(1), 2)["image"])
        assert images.shape == (2, 8, 8, 1) and set(np.unique(images)) <= {-1.0, 1.0}

    def gap(a, b):
        """Mean paired NLL difference a − b (nats) and its standard error."""
        difference = nlls[a] - nlls[b]
        return difference.mean(), difference.std(ddof=1) / np.sqrt(len(difference))

    means = {model: round(float(v.mean()), 2) for model, v in nlls.items()}
    for worse, better in (("independent", "fvsbn"), ("fvsbn", "nade")):
        mean, error = gap(worse, better)
        assert mean > 3 * error, (worse, better, means)
    mean, error = gap("gated_pixelcnn", "nade")
    assert mean < 3 * error, means
