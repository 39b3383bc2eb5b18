"""The parameter counts of ``counts`` checked by brute force on a few binary pixels.

Two independent checks for n small enough to list all 2ⁿ images:

- **Enumeration.** A model with tabular conditionals p(x_k = 1 | context_k(x_<k)) has one free
  probability per pixel k and distinct context: the number is counted by listing every prefix
  x_<k ∈ {0, 1}^{k−1} and collecting its context (the whole prefix for the chain rule, its last
  pixel for a first-order Markov chain, nothing for independent pixels). The joint table counts
  its 2ⁿ configurations, less one.
- **Dimension.** A parameterization θ ↦ (p_θ(x))_{x ∈ {0,1}ⁿ} maps into the (2ⁿ − 1)-dimensional
  simplex; the rank of its Jacobian at a generic θ is the dimension of the family it traces,
  which equals the parameter count exactly when no parameter is redundant (the map is locally
  injective). It is computed in float64 with ``jax.jacfwd`` and ``np.linalg.matrix_rank``, for
  the tabular families (conditionals as logits) and for the jaxgen modules themselves (FVSBN,
  NADE, MADE; random N(0, 1) parameters). A count above 2ⁿ − 1 cannot be reached: NADE and
  MADE at small n are over-parameterized, and the rank says by how much.
"""

import itertools
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree

from experiments.parameter_counting import counts
from jaxgen import nn

# The context of pixel k's conditional, a function of its prefix (x_1, …, x_{k−1}).
CONTEXTS: dict[str, Callable[[tuple[int, ...]], tuple[int, ...]]] = {
    "fully independent": lambda prefix: (),
    "chain rule, tabular conditionals": lambda prefix: prefix,
    "first-order Markov": lambda prefix: prefix[-1:],
}
PARAMETER_SCALE = 1.0  # N(0, 1) parameters: conditionals well inside (0, 1), none saturated


def all_bits(n: int) -> np.ndarray:
    """Every x ∈ {0, 1}ⁿ: ``[2ⁿ, n]`` int, row i holding the binary digits of i (x_1 lowest)."""
    return (np.arange(2**n)[:, None] >> np.arange(n)) & 1


def enumerated_count(n: int, family: str) -> int:
    """Free probabilities of ``family`` (a key of ``CONTEXTS`` or the full joint table), counted
    by listing every configuration or every prefix of every pixel."""
    if family == "full joint table":
        return sum(1 for _ in itertools.product((0, 1), repeat=n)) - 1
    context = CONTEXTS[family]
    return sum(
        len({context(prefix) for prefix in itertools.product((0, 1), repeat=k)}) for k in range(n)
    )


def conditional_index(n: int, family: str) -> np.ndarray:
    """``[2ⁿ, n]``: the parameter (one logit per pixel and context) that image i uses for
    pixel k under ``family``'s contexts, numbered in order of first use."""
    context = CONTEXTS[family]
    numbers: dict[tuple, int] = {}
    bits = all_bits(n)
    index = np.empty_like(bits)
    for k in range(n):
        for i, x in enumerate(bits):
            index[i, k] = numbers.setdefault((k, context(tuple(x[:k].tolist()))), len(numbers))
    return index


def family_log_probs(n: int, family: str) -> tuple[Callable, int]:
    """``(log_probs, num_parameters)``: ``log_probs(θ)`` is ``[2ⁿ]`` log p_θ of ``all_bits(n)``
    for ``family`` parameterized by logits (the joint table: a softmax with one logit fixed)."""
    if family == "full joint table":

        def joint(theta):
            return jax.nn.log_softmax(jnp.concatenate([theta, jnp.zeros(1, theta.dtype)]))

        return joint, 2**n - 1
    index = conditional_index(n, family)
    signs = 2 * all_bits(n) - 1

    def tabular(theta):
        return jnp.sum(jax.nn.log_sigmoid(signs * theta[index]), axis=1)

    return tabular, int(index.max()) + 1


def jacobian_rank(log_probs: Callable, theta: jax.Array) -> int:
    """Rank of d p_θ(x) / dθ ``[2ⁿ, parameters]`` at ``theta`` (float64 under x64)."""
    jacobian = jax.jit(jax.jacfwd(lambda t: jnp.exp(log_probs(t))))(theta)
    return int(np.linalg.matrix_rank(np.asarray(jacobian, np.float64)))


def family_rank(n: int, family: str, *, seed: int = 0) -> int:
    """The dimension of ``family`` on n pixels: ``jacobian_rank`` at random N(0, 1) logits."""
    with jax.enable_x64(True):
        log_probs, num_parameters = family_log_probs(n, family)
        theta = np.random.default_rng(seed).normal(0, PARAMETER_SCALE, num_parameters)
        return jacobian_rank(log_probs, jnp.asarray(theta))


def module_rank(model, *, seed: int = 0) -> tuple[int, int]:
    """``(parameters, Jacobian rank)`` of a binary jaxgen model at random N(0, 1) float64
    parameters, over every image of its shape (raster order of ``all_bits``)."""
    shape = tuple(model.shape)
    n = int(np.prod(shape))
    with jax.enable_x64(True):
        images = jnp.asarray(all_bits(n).reshape(-1, *shape), jnp.float64)
        shapes = jax.eval_shape(model.init, jax.random.PRNGKey(0), images[:1])["params"]
        rng = np.random.default_rng(seed)
        params = jax.tree.map(
            lambda leaf: jnp.asarray(rng.normal(0, PARAMETER_SCALE, leaf.shape)), shapes
        )
        flat, unravel = ravel_pytree(params)

        def log_probs(theta):
            return model.apply({"params": unravel(theta)}, images, method="log_prob")

        return int(flat.size), jacobian_rank(log_probs, flat)


def nade_dimension(n: int, hidden: int) -> int:
    """The rank that NADE's 2nH + n + H parameters can reach on n pixels with H hidden units.

    Two groups of parameters are redundant: the input weights W_{:,o_n} of the last pixel feed
    no conditional (H), and the H + 1 parameters b_{o_k}, V_{o_k} of pixel k's output, which
    touch nothing but pixel k's 2^{k−1} logits, are in excess when H + 1 > 2^{k−1}
    (H for the first pixel, H − 1 for the second, …). Capped at 2ⁿ − 1, the simplex. An upper
    bound by this argument, and the rank measured in 22 cases with n = 2 to 9 and H = 1 to 4."""
    excess = sum(max(0, hidden + 1 - 2 ** (k - 1)) for k in range(1, n + 1))
    return min(2**n - 1, counts.nade(n, hidden) - hidden - excess)


def check_table(n: int, hidden: int) -> list[dict]:
    """One row per family on n pixels (``shape`` (1, n, 1)), NADE and MADE with ``hidden``
    units: the formula, the enumerated count, the module's count, the Jacobian rank and the rank
    expected (the count where no parameter is redundant, ``nade_dimension`` for NADE, none for
    MADE, whose ReLU units make the rank depend on the point)."""
    shape = (1, n, 1)
    made = nn.MADE(shape, (hidden,))
    modules = {
        "logistic conditionals (FVSBN)": nn.FVSBN(shape),
        "NADE": nn.NADE(shape, hidden),
        "MADE, 1 hidden layer, stored": made,
    }
    rows = []
    for family in counts.FAMILIES:
        if family.name == "NADE, tied V = Wᵀ":
            continue  # not implemented in jaxgen, nothing to check it against
        row = {"family": family.name, "formula": family.formula, "count": family.count(n, hidden)}
        if family.name in CONTEXTS or family.name == "full joint table":
            row["enumerated"] = enumerated_count(n, family.name)
            row["rank"] = family_rank(n, family.name)
            row["expected_rank"] = row["count"]
        if family.name in modules:
            row["module"], row["rank"] = module_rank(modules[family.name])
        if family.name == "logistic conditionals (FVSBN)":
            row["expected_rank"] = row["count"]
        if family.name == "NADE":
            row["expected_rank"] = nade_dimension(n, hidden)
        if family.name == "MADE, 1 hidden layer, connected":
            # The masked-out weights get no gradient: the stored row's rank is this one's too.
            row["module"] = counts.made_connected_count(made)
            row["rank"] = rows[-1]["rank"]
        rows.append(row)
    return rows
