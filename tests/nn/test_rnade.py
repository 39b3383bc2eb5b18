"""RNADE against references: the density of two values integrates to 1 on a quadrature grid,
log_prob matches a numpy loop over the paper's equations, each conditional depends on earlier
values only, samples fit the integrated density per bin (chi-square), pinned parameter counts.
"""

import functools

import explicit_model_checks as checks
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.stats
from explicit_model_checks import chi_square_p_value

from jaxgen.nn import orderings
from jaxgen.nn.rnade import RNADE

# Two values (shape (1, 2, 1)): seed 3 of the random ordering is (1, 0), the reverse of raster.
PAIR = (1, 2, 1)
REVERSED_SEED = 3
# With 3 hidden units, 3 components and N(0, 0.7²) parameters the conditional of the second
# value moves with the first while every σ stays in [0.15, 1.9]: a grid of 8 cells per smallest σ
# covers the mass in about 1,500 × 1,000 points.
PAIR_SCALE = 0.7


def pair_model(ordering="raster"):
    return RNADE(PAIR, hidden=3, components=3, ordering=ordering, ordering_seed=REVERSED_SEED)


def random_variables(model, scale, *, dtype=np.float32, seed=0):
    """Variables with every parameter drawn from N(0, scale²), but ρ from N(1, scale²): a ρ_k
    near 0 would hold every hidden unit near ½ and hide the earlier values from position k."""
    example = np.zeros((1, *model.shape), dtype)
    variables = checks.random_variables(model, example, scale, dtype=dtype, seed=seed)
    variables["params"]["activation_scale"] += 1
    return variables


@functools.cache
def jitted(model, method):
    """``model.apply(variables, ..., method=method)`` jitted once per model (``n`` of ``sample``
    static), so that tests sharing a model share its compiled programs."""
    static = (2,) if method == "sample" else ()
    return jax.jit(functools.partial(model.apply, method=method), static_argnums=static)


@functools.cache
def pair_density(ordering):
    """``quadrature_grid`` of ``pair_model(ordering)`` with the seed-0 parameters, computed once."""
    model = pair_model(ordering)
    return quadrature_grid(model, random_variables(model, PAIR_SCALE, dtype=np.float64)["params"])


def quadrature_grid(model, params, cells_per_sigma=8):
    """Cell edges ``([n₀ + 1], [n₁ + 1])`` and probabilities ``[n₀, n₁]`` (density at the cell
    centre × cell area, float64) of a grid covering the mass of a two-value RNADE.

    h ∈ (0, 1)^H bounds every mean and log std: b + Σ min(V, 0) ≤ V·h + b ≤ b + Σ max(V, 0). The
    grid spans the extreme means ± 9 of the largest σ, and its cells are an eighth of the
    smallest σ: the midpoint rule over the grid is then exact to rounding (the trapezoid and
    midpoint rules converge exponentially on the whole line), and per bin of the chi-square test
    within 1e-3 of the bin's mass (under 0.3 of 100,000 counts)."""

    def bounds(name):
        weights, bias = params[f"{name}_weights"], params[f"{name}_bias"]
        return bias + np.minimum(weights, 0).sum(1), bias + np.maximum(weights, 0).sum(1)

    (mean_low, mean_high), (log_std_low, log_std_high) = bounds("mean"), bounds("log_std")
    edges = []
    for p in range(2):
        largest_std, smallest_std = np.exp(log_std_high[p].max()), np.exp(log_std_low[p].min())
        low, high = mean_low[p].min() - 9 * largest_std, mean_high[p].max() + 9 * largest_std
        edges.append(np.arange(low, high + smallest_std, smallest_std / cells_per_sigma))
    centres = [(e[1:] + e[:-1]) / 2 for e in edges]
    grid = np.stack(np.meshgrid(*centres, indexing="ij"), axis=-1)  # [n₀, n₁, 2]
    with jax.enable_x64(True):
        variables = {"params": jax.tree.map(np.float64, params)}
        log_probs = jitted(model, "log_prob")(variables, grid.reshape(-1, *PAIR))
    cell_areas = np.outer(np.diff(edges[0]), np.diff(edges[1]))
    return edges, np.exp(np.asarray(log_probs)).reshape(grid.shape[:2]) * cell_areas


@pytest.mark.parametrize("ordering", ["raster", "random"])
def test_density_of_two_values_integrates_to_one(ordering):
    _, cell_probs = pair_density(ordering)
    assert cell_probs.size > 10**6
    np.testing.assert_allclose(cell_probs.sum(), 1.0, atol=1e-4)
    # The second value's conditional moves with the first: the density is no product of marginals.
    product = np.outer(cell_probs.sum(1), cell_probs.sum(0))
    assert np.abs(cell_probs - product).sum() > 0.05


def binned(edges, cell_probs, samples, bins_per_axis=10):
    """Expected probabilities and observed counts of ``samples`` ``[n, 1, 2, 1]`` in a grid of
    bins at the deciles of each marginal (snapped to the cell edges), flattened, the bins below 5
    expected counts merged into one (and that one into the smallest other if still below 5)."""
    starts, histogram_edges = [], []
    for axis, axis_edges in enumerate(edges):
        cdf = np.cumsum(cell_probs.sum(1 - axis))
        cuts = np.unique(np.searchsorted(cdf, np.arange(1, bins_per_axis) / bins_per_axis))
        starts.append(np.concatenate([[0], cuts]))
        histogram_edges.append(np.concatenate([[-np.inf], axis_edges[cuts], [np.inf]]))
    expected = np.add.reduceat(np.add.reduceat(cell_probs, starts[0], 0), starts[1], 1).ravel()
    flat = samples.reshape(len(samples), 2)
    counts = np.histogram2d(flat[:, 0], flat[:, 1], histogram_edges)[0].ravel()
    expected = expected * len(samples)
    small = expected < 5
    if small.any():
        expected = np.append(expected[~small], expected[small].sum())
        counts = np.append(counts[~small], counts[small].sum())
        if expected[-1] < 5:
            smallest = np.argmin(expected[:-1])
            expected[smallest] += expected[-1]
            counts[smallest] += counts[-1]
            expected, counts = expected[:-1], counts[:-1]
    return expected, counts


def sample_pairs(model, variables):
    samples = np.asarray(jitted(model, "sample")(variables, jax.random.PRNGKey(7), 100_000))
    assert samples.shape == (100_000, *PAIR) and samples.dtype == np.float32
    return samples


@pytest.mark.parametrize("ordering", ["raster", "random"])
def test_sample_frequencies_match_the_integrated_density(ordering):
    model = pair_model(ordering)
    variables = random_variables(model, PAIR_SCALE)
    expected, counts = binned(*pair_density(ordering), sample_pairs(model, variables))
    assert len(expected) > 80
    assert chi_square_p_value(counts, np.log(expected)) > 1e-3


@pytest.mark.parametrize("source", ["another parameter draw", "the reverse ordering"])
def test_samples_of_another_model_are_rejected(source):
    """The chi-square test has the power to see samples of another model: another draw of the
    parameters, or the same parameters generating the values in the reverse order."""
    model = pair_model("raster")
    variables = random_variables(model, PAIR_SCALE)
    if source == "another parameter draw":
        samples = sample_pairs(model, random_variables(model, PAIR_SCALE, seed=1))
    else:
        samples = sample_pairs(pair_model("random"), variables)
    expected, counts = binned(*pair_density("raster"), samples)
    assert chi_square_p_value(counts, np.log(expected)) < 1e-6


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def reference_log_prob(params, order, values):
    """Eq. 3-6 of the paper one value at a time in numpy: ``[batch]`` for ``[batch, D]``."""
    preactivation = np.broadcast_to(
        params["hidden_bias"], (len(values), params["hidden_bias"].size)
    )
    log_density = np.zeros(len(values))
    for k, p in enumerate(order):
        hidden = sigmoid(params["activation_scale"][k] * preactivation)
        logits = hidden @ params["logit_weights"][p] + params["logit_bias"][p]
        weights = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        means = hidden @ params["mean_weights"][p] + params["mean_bias"][p]
        stds = np.exp(hidden @ params["log_std_weights"][p] + params["log_std_bias"][p])
        normals = scipy.stats.norm.pdf(values[:, p, None], means, stds)
        log_density += np.log(np.sum(weights * normals, axis=1))
        preactivation = preactivation + values[:, p, None] * params["input_weights"][p]
    return log_density


@pytest.mark.parametrize("ordering", orderings.ORDERINGS)
def test_log_prob_matches_a_loop_over_the_papers_equations(ordering):
    shape = (2, 2, 2)
    model = RNADE(shape, hidden=4, components=3, ordering=ordering, ordering_seed=REVERSED_SEED)
    x = np.random.default_rng(0).normal(size=(64, *shape))
    with jax.enable_x64(True):
        variables = random_variables(model, 1.0, dtype=np.float64)
        log_probs = np.asarray(jitted(model, "log_prob")(variables, x))
    assert log_probs.dtype == np.float64
    order = orderings.ordering(ordering, shape, REVERSED_SEED)
    expected = reference_log_prob(variables["params"], order, x.reshape(len(x), -1))
    np.testing.assert_allclose(log_probs, expected, rtol=1e-10)


@pytest.mark.parametrize("ordering", orderings.ORDERINGS)
def test_each_conditional_depends_on_earlier_values_only(ordering):
    shape = (2, 3, 2)
    model = RNADE(shape, hidden=6, components=3, ordering=ordering, ordering_seed=REVERSED_SEED)
    variables = random_variables(model, 1.0)
    images = np.random.default_rng(0).normal(size=(16, *shape)).astype(np.float32)

    @jax.jit
    def jacobians(images):
        def mixture(image):
            params = model.apply(variables, image[None], method="mixture_params")
            return jnp.concatenate([param[0] for param in params], axis=-1)  # [D, 3K]

        return jax.vmap(jax.jacfwd(mixture))(images)

    num_values = int(np.prod(shape))
    order = orderings.ordering(ordering, shape, REVERSED_SEED)
    # d param_{p, j} / d x_q over the batch and the 3K parameters, in ordering positions.
    sensitivity = np.abs(np.asarray(jacobians(images))).reshape(-1, num_values, 9, num_values)
    sensitivity = sensitivity.max(axis=(0, 2))[np.ix_(order, order)]
    assert np.all(np.triu(sensitivity) == 0), "a conditional depends on its value or a later one"
    earlier_used = [bool(np.any(sensitivity[k, :k] > 0)) for k in range(1, num_values)]
    assert all(earlier_used), f"positions that ignore every earlier value: {earlier_used}"


def test_sample_reports_progress_once_per_position_in_the_params_dtype():
    shape = (2, 2, 1)
    model = RNADE(shape, hidden=4, components=2)
    positions = []
    with jax.enable_x64(True):
        variables = random_variables(model, 1.0, dtype=np.float64)
        samples = model.apply(
            variables, jax.random.PRNGKey(0), 3, method="sample", progress=positions.append
        )
        jax.effects_barrier()
    assert samples.shape == (3, *shape) and samples.dtype == np.float64
    assert sorted(int(k) for k in positions) == [0, 1, 2, 3]


def test_wrong_inputs_are_refused():
    model = pair_model()
    variables = random_variables(model, 1.0)
    for method in ("log_prob", "mixture_params"):
        with pytest.raises(ValueError, match=r"needs real-valued images x \[batch, 1, 2, 1\]"):
            model.apply(variables, np.zeros((3, 2), np.float32), method=method)
    with pytest.raises(ValueError, match="RNADE.sample needs n, the number of images"):
        model.apply(variables, jax.random.PRNGKey(0), 0, method="sample")
    with pytest.raises(ValueError, match="RNADE.sample needs n, the number of images"):
        model.apply(variables, jax.random.PRNGKey(0), 2.5, method="sample")
    example = np.zeros((1, *PAIR), np.float32)
    with pytest.raises(ValueError, match="components >= 1 Gaussians per conditional, got 0"):
        RNADE(PAIR, components=0).init(jax.random.PRNGKey(0), example)
    with pytest.raises(ValueError, match="hidden >= 1 units, got 0"):
        RNADE(PAIR, hidden=0).init(jax.random.PRNGKey(0), example)


def count(model):
    example = np.zeros((1, *model.shape))
    variables = jax.eval_shape(model.init, jax.random.PRNGKey(0), example)
    return sum(leaf.size for leaf in jax.tree.leaves(variables["params"]))


# D values, H hidden units, K components: D·(3K + 1)·(H + 1) + H (W, c, ρ, and per value three
# [H, K] output matrices and three [K] biases).
@pytest.mark.parametrize(
    "model, expected",
    [
        (RNADE((28, 28, 1)), 784 * 31 * 501 + 500),  # 12,176,804
        (RNADE((2, 2, 1), hidden=5, components=3), 4 * 10 * 6 + 5),  # 245
    ],
)
def test_parameter_counts(model, expected):
    assert count(model) == expected
