"""Brute-force checks shared by the tests of the explicit models: every image of a tiny
shape, random parameters, a chi-square test. (``import explicit_model_checks``: pytest puts
this folder on ``sys.path``; a package named ``tests`` in site-packages shadows ``tests.nn``.)"""

import jax
import numpy as np
import scipy.stats


def all_images(shape, levels=2):
    """Every image of ``shape`` with values in {0, …, levels − 1}: ``[levels^D, H, W, C]``;
    image i has value p = digit p of i in base ``levels`` (``image_index`` inverts it)."""
    num_values = int(np.prod(shape))
    index = np.arange(levels**num_values)[:, None]
    return (index // levels ** np.arange(num_values) % levels).reshape(-1, *shape)


def image_index(images, levels=2):
    """The index i of each image in ``all_images(shape, levels)``: ``[n]`` ints."""
    flat = np.asarray(images).reshape(len(images), -1).astype(np.int64)
    return flat @ levels ** np.arange(flat.shape[1])


def random_variables(model, example, scale, *, dtype=np.float32, seed=0):
    """Variables of ``model`` (initialized on ``example``) with every parameter drawn from
    N(0, scale²): non-zero biases and conditionals far from uniform, so that no dependency
    hides behind a zero parameter or a dead unit."""
    shapes = jax.eval_shape(model.init, jax.random.PRNGKey(0), example)
    leaves, treedef = jax.tree.flatten(shapes)
    rng = np.random.default_rng(seed)
    return jax.tree.unflatten(
        treedef, [(scale * rng.standard_normal(leaf.shape)).astype(dtype) for leaf in leaves]
    )


def chi_square_p_value(counts, log_probs):
    """The p-value of observed ``counts`` per image against the model's ``log_probs``.

    Float32 probabilities sum to 1 within ~1e-7; scipy wants the expected counts to sum to n."""
    probs = np.exp(np.asarray(log_probs, np.float64))
    expected = probs / probs.sum() * counts.sum()
    assert expected.min() >= 5, "the chi-square approximation needs >= 5 expected counts a cell"
    return scipy.stats.chisquare(counts, expected).pvalue
