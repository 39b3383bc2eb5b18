"""VAE and IWAE bound: the closed-form KL against numpy and Monte Carlo, the IWAE bound against
its definition and the ELBO, the chunked estimate against the unchunked bound, and a 2×2 binary
model with a 1-D latent against log p(x) by quadrature over z (normalization, the k → ∞ limit,
sample frequencies); the logistic decoder on a 1×1 image by enumeration of its 256 values.
"""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from explicit_model_checks import all_images, chi_square_p_value, image_index
from scipy import stats

from jaxgen.nn.vae import VAE, gaussian_kl

SHAPE = (2, 2, 1)
# MODEL, with random parameters, has an encoder q(z|x) far from the posterior (wide gaps between
# the bounds); TINY and LOGISTIC have a 1-D latent, small enough to integrate over z on a grid.
MODEL = VAE(SHAPE, latent=2, hidden=(8,))
TINY = VAE(SHAPE, latent=1, hidden=(6,))
LOGISTIC = VAE((1, 1, 1), latent=1, hidden=(6,), decoder="logistic")
STATIC = {"sample": (2,), "iwae_bound": (3,), "log_likelihood_estimate": (3, 4)}


def random_variables(model, scale, encoder_scale=None, *, dtype=np.float32, seed=0):
    """Every parameter from N(0, scale²), so that no bias or unit hides behind its init; the
    encoder's from N(0, encoder_scale²) where given (a small one keeps q(z|x) near N(0, 1), a
    proposal that importance sampling can correct with a few thousand samples)."""
    example = np.zeros((1, *model.shape), dtype)
    shapes = jax.eval_shape(model.init, jax.random.PRNGKey(0), example, jax.random.PRNGKey(0))
    rng = np.random.default_rng(seed)

    def draw(path, leaf):
        in_encoder = encoder_scale is not None and "encoder" in jax.tree_util.keystr(path)
        std = encoder_scale if in_encoder else scale
        return (std * rng.standard_normal(leaf.shape)).astype(dtype)

    return jax.tree_util.tree_map_with_path(draw, shapes)


@functools.cache
def jitted(model, method):
    """``model.apply(variables, ..., method=method)`` jitted once per model (counts static), so
    that tests sharing a model share its compiled programs."""
    apply = functools.partial(model.apply, method=method)
    return jax.jit(apply, static_argnums=STATIC.get(method, ()))


def binary_images(n, seed=0):
    return np.random.default_rng(seed).integers(0, 2, (n, *SHAPE)).astype(np.float32)


def normal_log_pdf(z, mean=0.0, std=1.0):
    return np.sum(stats.norm.logpdf(z, mean, std), axis=-1)


def test_gaussian_kl_matches_the_matrix_formula_in_float64():
    rng = np.random.default_rng(0)
    mean, log_std = rng.normal(size=(2, 3, 4))
    with jax.enable_x64(True):
        kl = np.asarray(gaussian_kl(jnp.asarray(mean), jnp.asarray(log_std)))
    # KL(N(μ, Σ) ‖ N(0, I)) = ½ (tr Σ + μᵀμ − d − log det Σ)
    expected = [
        0.5 * (np.trace(cov) + m @ m - m.size - np.linalg.slogdet(cov)[1])
        for m, cov in zip(mean, [np.diag(np.exp(2 * s)) for s in log_std], strict=True)
    ]
    np.testing.assert_allclose(kl, expected, rtol=1e-12)


def test_gaussian_kl_matches_monte_carlo():
    rng = np.random.default_rng(1)
    mean, log_std = rng.normal(size=(2, 3, 4)) * 0.7
    z = mean + np.exp(log_std) * rng.standard_normal((200_000, 3, 4))
    log_ratio = normal_log_pdf(z, mean, np.exp(log_std)) - normal_log_pdf(z)  # [samples, 3]
    standard_error = log_ratio.std(0) / np.sqrt(len(z))
    kl = np.asarray(gaussian_kl(jnp.asarray(mean, jnp.float32), jnp.asarray(log_std, jnp.float32)))
    assert np.all(np.abs(kl - log_ratio.mean(0)) < 4 * standard_error)


def test_iwae_at_one_sample_is_the_log_weight_of_the_elbos_latent():
    @jax.jit
    def quantities(variables, x, key):
        apply = functools.partial(MODEL.apply, variables)
        z = apply(x, key, 1, method="posterior_latents")[0]
        return {
            "z": z,
            "encoded": apply(x, method="encode"),
            "log_likelihood": apply(x, z, method="decoder_log_prob"),
            "logits": apply(z, method="decode_logits"),
            "iwae": apply(x, key, 1, method="iwae_bound"),
            "elbo": apply(x, key),
        }

    x = binary_images(5).astype(np.float64)
    with jax.enable_x64(True):
        variables = random_variables(MODEL, 1.0, dtype=np.float64)
        results = jax.tree.map(np.asarray, quantities(variables, x, jax.random.PRNGKey(3)))
    z, (mean, log_std), log_likelihood, iwae, elbo = (
        results[name] for name in ("z", "encoded", "log_likelihood", "iwae", "elbo")
    )
    logits, pixels = results["logits"].reshape(5, -1), x.reshape(5, -1)
    np.testing.assert_allclose(
        log_likelihood, np.sum(pixels * logits - np.logaddexp(0, logits), axis=1), rtol=1e-12
    )
    log_weight = log_likelihood + normal_log_pdf(z) - normal_log_pdf(z, mean, np.exp(log_std))
    np.testing.assert_allclose(iwae, log_weight, rtol=1e-12)
    closed_form_kl = np.sum(0.5 * (mean**2 + np.exp(2 * log_std) - 1) - log_std, axis=1)
    np.testing.assert_allclose(elbo, log_likelihood - closed_form_kl, rtol=1e-12)


@pytest.fixture(scope="module")
def bounds_over_keys():
    """ELBO and IWAE bounds (k = 1, 5, 50) of 4 images under 2,000 keys: ``{name: [keys, 4]}``,
    names "elbo" and "iwae_{k}"."""

    @jax.jit
    @functools.partial(jax.vmap, in_axes=(None, None, 0))
    def bounds(variables, x, key):
        apply = functools.partial(MODEL.apply, variables, x, key)
        return {"elbo": apply(), **{f"iwae_{k}": apply(k, method="iwae_bound") for k in (1, 5, 50)}}

    variables = random_variables(MODEL, 1.0)
    x = binary_images(4, seed=1)
    keys = jax.random.split(jax.random.PRNGKey(0), 2000)
    return variables, x, jax.tree.map(np.float64, bounds(variables, x, keys))


def assert_below(lower, upper, sigmas=4):
    """Per example, mean(upper − lower) over keys exceeds ``sigmas`` standard errors."""
    difference = upper - lower
    standard_error = difference.std(0) / np.sqrt(len(difference))
    assert np.all(difference.mean(0) > sigmas * standard_error), difference.mean(0)


def test_iwae_at_one_sample_averages_to_the_elbo(bounds_over_keys):
    _, _, bounds = bounds_over_keys
    difference = bounds["iwae_1"] - bounds["elbo"]  # the Monte Carlo KL's error, zero on average
    standard_error = difference.std(0) / np.sqrt(len(difference))
    assert np.all(np.abs(difference.mean(0)) < 4 * standard_error)
    assert np.all(difference.std(0) > 0.1)  # not the same number: two different KL terms


def test_iwae_bound_rises_with_k(bounds_over_keys):
    _, _, bounds = bounds_over_keys
    assert_below(bounds["iwae_1"], bounds["iwae_5"])
    assert_below(bounds["iwae_5"], bounds["iwae_50"])


def test_chunked_estimate_equals_the_unchunked_bound(bounds_over_keys):
    variables, x, bounds = bounds_over_keys
    key = jax.random.PRNGKey(11)
    chunked = jitted(MODEL, "log_likelihood_estimate")(variables, x, key, 5000, 64)  # 78⅛ chunks
    unchunked = jitted(MODEL, "iwae_bound")(variables, x, key, 5000)
    np.testing.assert_allclose(chunked, unchunked, rtol=1e-5)
    assert np.all(np.asarray(chunked) > bounds["iwae_50"].mean(0))
    assert np.all(bounds["iwae_50"].mean(0) > bounds["elbo"].mean(0))


@pytest.fixture(scope="module")
def tiny_model():
    """TINY in float64, all 16 2×2 images, log p(x|z) of each on a grid of z ``[z, 16]``, and
    the exact log p(x) by quadrature over z: a Riemann sum on z ∈ [−10, 10] in steps of 0.01
    (the integrand is smooth and below e^{−50} at the ends: the error is far below the
    tolerances used)."""
    with jax.enable_x64(True):
        variables = random_variables(TINY, 1.5, 0.1, dtype=np.float64)
        images = all_images(SHAPE) * 1.0
        grid = np.linspace(-10, 10, 2001)
        z = np.broadcast_to(grid[:, None, None], (len(grid), len(images), 1))
        log_likelihoods = np.asarray(jitted(TINY, "decoder_log_prob")(variables, images, z))
    exact = integrate(log_likelihoods + stats.norm.logpdf(grid)[:, None], grid)
    return variables, images, grid, log_likelihoods, exact


def integrate(log_integrand, grid):
    """log ∫ exp(log_integrand) dz over the grid (axis 0), by a Riemann sum."""
    return np.logaddexp.reduce(log_integrand, axis=0) + np.log(grid[1] - grid[0])


def test_exact_probabilities_of_all_images_sum_to_one(tiny_model):
    exact = tiny_model[-1]
    np.testing.assert_allclose(np.exp(exact).sum(), 1.0, rtol=1e-10)
    assert exact.std() > 0.5  # far from uniform


def test_estimate_approaches_the_exact_log_likelihood(tiny_model):
    variables, images, grid, log_likelihoods, exact = tiny_model
    key, k = jax.random.PRNGKey(5), 50_000
    with jax.enable_x64(True):
        estimate = jitted(TINY, "log_likelihood_estimate")(variables, images, key, k, 2000)
        elbo_over_keys = jax.jit(jax.vmap(TINY.apply, (None, None, 0)))
        elbo = elbo_over_keys(variables, images, jax.random.split(key, 500))
        mean, log_std = TINY.apply(variables, images, method="encode")
    estimate, elbo = np.asarray(estimate), np.asarray(elbo)
    mean, log_std = np.asarray(mean)[:, 0], np.asarray(log_std)[:, 0]
    # Tolerance from the weights w = p(x, z)/q(z|x): the estimate log(mean of k w) has standard
    # deviation ≈ sqrt(v/k) and bias ≈ −v/(2k), v = Var_q(w)/p(x)² = E_q[w²]/p(x)² − 1, finite
    # where q's tails are wider than p(z)²'s: σ² > 1/2.
    assert np.all(np.exp(2 * log_std) > 0.5)
    log_joint = log_likelihoods + stats.norm.logpdf(grid)[:, None]
    log_encoder_density = stats.norm.logpdf(grid[:, None], mean, np.exp(log_std))
    relative_variance = np.exp(integrate(2 * log_joint - log_encoder_density, grid) - 2 * exact)
    relative_variance -= 1
    tolerance = 5 * np.sqrt(relative_variance / k) + relative_variance / (2 * k)
    elbo_gap = exact - elbo.mean(0)
    assert np.all(elbo_gap > 10 * tolerance)  # the bound is loose at k = 1 ...
    assert np.all(np.abs(estimate - exact) < tolerance)  # ... and tight at k = 50,000


def test_samples_follow_the_exact_probabilities(tiny_model):
    variables, exact = tiny_model[0], tiny_model[-1]
    samples = np.asarray(jitted(TINY, "sample")(variables, jax.random.PRNGKey(2), 100_000))
    assert samples.shape == (100_000, *SHAPE) and set(np.unique(samples)) <= {0.0, 1.0}
    counts = np.bincount(image_index(samples), minlength=16)
    assert chi_square_p_value(counts, exact) > 1e-3


def test_bernoulli_mean_image_is_the_probability_of_ones(tiny_model):
    variables, images = tiny_model[:2]
    z = np.array([[-1.3], [0.4], [2.0]])
    with jax.enable_x64(True):
        mean_images = np.asarray(TINY.apply(variables, z, method="generate"))
        each = np.broadcast_to(z[:, None], (3, 16, 1))
        probs = np.exp(TINY.apply(variables, images, each, method="decoder_log_prob"))
    expected = np.einsum("zi,ihwc->zhwc", np.asarray(probs), images)
    np.testing.assert_allclose(mean_images, expected, rtol=1e-10)


@pytest.fixture(scope="module")
def logistic_model():
    """LOGISTIC in float64 with log p(v | z) of the 256 values v on a grid of z: ``[z, 256]``."""
    with jax.enable_x64(True):
        variables = random_variables(LOGISTIC, 0.5, dtype=np.float64)
        values = np.arange(256).reshape(256, 1, 1, 1)
        grid = np.linspace(-10, 10, 1001)
        z = np.broadcast_to(grid[:, None, None], (len(grid), 256, 1))
        log_likelihoods = jitted(LOGISTIC, "decoder_log_prob")(variables, values, z)
    return variables, grid, np.asarray(log_likelihoods)


def test_logistic_mean_image_is_the_mean_value(logistic_model):
    variables, grid, log_likelihoods = logistic_model
    np.testing.assert_allclose(np.exp(log_likelihoods).sum(1), 1.0, rtol=1e-12)
    with jax.enable_x64(True):
        mean_images = np.asarray(LOGISTIC.apply(variables, grid[:, None], method="generate"))
    expected = np.exp(log_likelihoods) @ np.arange(256)
    np.testing.assert_allclose(mean_images.reshape(-1), expected, rtol=1e-10)


def test_logistic_samples_follow_the_marginal(logistic_model):
    variables, grid, log_likelihoods = logistic_model
    marginal = integrate(log_likelihoods + stats.norm.logpdf(grid)[:, None], grid)
    samples = np.asarray(jitted(LOGISTIC, "sample")(variables, jax.random.PRNGKey(4), 200_000))
    assert set(np.unique(samples)) <= set(range(256))
    # 256 cells pooled into 32 of 8 consecutive values, so that each expects >= 5 counts.
    counts = np.bincount(samples.reshape(-1).astype(int), minlength=256).reshape(32, 8).sum(1)
    pooled = np.logaddexp.reduce(marginal.reshape(32, 8), axis=1)
    assert chi_square_p_value(counts, pooled) > 1e-3


def test_logistic_bounds_take_integer_images():
    variables = random_variables(LOGISTIC, 0.5)
    x = np.arange(0, 256, 51, dtype=np.uint8).reshape(6, 1, 1, 1)
    elbo = jitted(LOGISTIC, "elbo")(variables, x, jax.random.PRNGKey(0))
    same = jitted(LOGISTIC, "elbo")(variables, x.astype(np.float32), jax.random.PRNGKey(0))
    np.testing.assert_array_equal(elbo, same)
    assert elbo.shape == (6,) and np.all(np.isfinite(elbo)) and np.all(elbo < 0)


def test_elbo_gradients_reach_every_parameter():
    variables = random_variables(MODEL, 0.5)
    elbo_sum = lambda v: MODEL.apply(v, binary_images(4), jax.random.PRNGKey(0)).sum()
    grads = jax.jit(jax.grad(elbo_sum))(variables)
    for path, grad in jax.tree_util.tree_leaves_with_path(grads):
        assert np.all(np.isfinite(grad)) and np.any(grad != 0), path


def test_wrong_shapes_and_counts_are_refused():
    variables = random_variables(MODEL, 0.5)
    key = jax.random.PRNGKey(0)
    wrong = np.zeros((3, 2, 2))
    with pytest.raises(ValueError, match=r"VAE\.elbo needs images x \[batch, 2, 2, 1\]"):
        MODEL.apply(variables, wrong, key)
    with pytest.raises(ValueError, match=r"VAE\.encode needs images x \[batch, 2, 2, 1\]"):
        MODEL.apply(variables, wrong, method="encode")
    for k in (0, 2.5, True):
        with pytest.raises(ValueError, match="needs k, the number of importance samples"):
            MODEL.apply(variables, binary_images(2), key, k, method="iwae_bound")
    with pytest.raises(ValueError, match="needs chunk"):
        MODEL.apply(variables, binary_images(2), key, 10, 0, method="log_likelihood_estimate")
    with pytest.raises(ValueError, match=r"latents z \[\.\.\., batch, 2\]"):
        MODEL.apply(variables, binary_images(2), np.zeros((2, 3)), method="decoder_log_prob")
    with pytest.raises(ValueError, match="positive int"):
        MODEL.apply(variables, key, 0, method="sample")
    with pytest.raises(ValueError, match="unknown VAE decoder 'gaussian'"):
        VAE(SHAPE, decoder="gaussian").init(key, binary_images(1), key)


def count(model):
    example = np.zeros((1, *model.shape), np.float32)
    shapes = jax.eval_shape(model.init, jax.random.PRNGKey(0), example, jax.random.PRNGKey(0))
    return sum(leaf.size for leaf in jax.tree.leaves(shapes["params"]))


def test_parameter_counts():
    # D values, hidden h, latent L: encoder D·h + h + h·2L + 2L, decoder L·h + h + h·oD + oD,
    # o = 1 output per value (Bernoulli) or 2 (logistic: mean and log-scale).
    # 2×2×1, h = 5, L = 3: encoder 25 + 36, decoder 20 + 24 (Bernoulli) or 20 + 48 (logistic).
    assert count(VAE(SHAPE, latent=3, hidden=(5,))) == 105
    assert count(VAE(SHAPE, latent=3, hidden=(5,), decoder="logistic")) == 129
    # Burda et al.'s MNIST model, 784-200-200-50: encoder 157,000 + 40,200 + 20,100, decoder
    # 10,200 + 40,200 + 157,584.
    assert count(VAE((28, 28, 1))) == 425_284
