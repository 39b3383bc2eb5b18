"""How many parameters a distribution over n binary pixels needs, as exact Python integers.

A distribution p over x ∈ {0, 1}ⁿ is a point of the simplex of 2ⁿ probabilities; the families
below (Murphy 2012, "Machine Learning: A Probabilistic Perspective", §10.1-10.2; Bishop 2006,
"Pattern Recognition and Machine Learning", §8.1; Frey 1998; Larochelle & Murray 2011, §2-3;
Germain et al. 2015, §4) trade that generality for parameters:

- full joint table: one probability per configuration, less one for Σ p = 1:   2ⁿ − 1;
- fully independent: p(x) = Π_k p(x_k), one Bernoulli each:                   n;
- chain rule with tabular conditionals, p(x) = Π_k p(x_k | x_<k) with one free probability per
  prefix x_<k ∈ {0, 1}^{k−1}: Σ_k 2^{k−1} = 2ⁿ − 1 (as general as the joint table);
- first-order Markov chain, p(x_k | x_<k) = p(x_k | x_{k−1}): 1 + 2(n − 1) =   2n − 1;
- logistic conditionals (FVSBN), p(x_k = 1 | x_<k) = σ(b_k + Σ_{j<k} W_kj x_j): a bias and
  k − 1 weights for pixel k, Σ_k k =                                            n(n + 1)/2;
- NADE with H hidden units (W ∈ R^{H×n}, V ∈ R^{n×H}, b ∈ Rⁿ, c ∈ R^H):        2nH + n + H,
  nH + n + H with tied weights V = Wᵀ;
- MADE with one hidden layer of H units stores the dense layers' 2nH + n + H, of which
  nH + n + H are connected: a hidden unit of degree m sees the m inputs of degree ≤ m and
  feeds the n − m outputs of degree > m, n connections whatever m.

``core_module_counts`` and ``optional_module_counts`` read the counts of the jaxgen modules off
``jax.eval_shape(model.init, …)``: shapes only, no parameter is allocated. The formulas take
(n, H) alike; those without hidden units ignore H.
"""

import decimal
import importlib
from collections.abc import Callable
from typing import NamedTuple

import jax
import numpy as np

from jaxgen import nn


class Family(NamedTuple):
    """A family of distributions over n binary pixels and its exact parameter count."""

    name: str
    formula: str
    count: Callable[[int, int], int]  # (n, H) -> parameters


def joint_table(n: int, hidden: int = 0) -> int:
    """A probability per configuration, less one: 2ⁿ − 1."""
    return 2**n - 1


def independent(n: int, hidden: int = 0) -> int:
    """One Bernoulli per pixel: n."""
    return n


def chain_rule_tabular(n: int, hidden: int = 0) -> int:
    """One probability p(x_k = 1 | x_<k) per pixel k and prefix: Σ_{k=1}^{n} 2^{k−1}."""
    return sum(2 ** (k - 1) for k in range(1, n + 1))


def markov(n: int, hidden: int = 0) -> int:
    """p(x_1) and, for each k > 1, p(x_k = 1 | x_{k−1} = 0 or 1): 1 + 2(n − 1)."""
    return 1 + 2 * (n - 1)


def fvsbn(n: int, hidden: int = 0) -> int:
    """A bias and k − 1 weights for pixel k: n(n + 1)/2."""
    return n * (n + 1) // 2


def nade(n: int, hidden: int) -> int:
    """W, V, b and c of NADE: 2nH + n + H."""
    return 2 * n * hidden + n + hidden


def nade_tied(n: int, hidden: int) -> int:
    """NADE with V = Wᵀ: nH + n + H."""
    return n * hidden + n + hidden


def made_stored(n: int, hidden: int) -> int:
    """The two dense layers of a one-hidden-layer MADE, masks ignored: 2nH + n + H."""
    return 2 * n * hidden + n + hidden


def made_connected(n: int, hidden: int) -> int:
    """Unmasked weights and the biases of a one-hidden-layer MADE: nH + n + H."""
    return n * hidden + n + hidden


FAMILIES = (
    Family("full joint table", "2ⁿ − 1", joint_table),
    Family("fully independent", "n", independent),
    Family("chain rule, tabular conditionals", "Σₖ 2ᵏ⁻¹ = 2ⁿ − 1", chain_rule_tabular),
    Family("first-order Markov", "2n − 1", markov),
    Family("logistic conditionals (FVSBN)", "n(n + 1)/2", fvsbn),
    Family("NADE", "2nH + n + H", nade),
    Family("NADE, tied V = Wᵀ", "nH + n + H", nade_tied),
    Family("MADE, 1 hidden layer, stored", "2nH + n + H", made_stored),
    Family("MADE, 1 hidden layer, connected", "nH + n + H", made_connected),
)
FAMILY = {family.name: family for family in FAMILIES}


def scientific(count: int, digits: int = 4) -> str:
    """``count`` as ``m.mmm × 10^e``, rounded from the exact integer (``digits`` significant)."""
    mantissa, exponent = f"{decimal.Decimal(count):.{digits - 1}e}".split("e")
    return f"{mantissa} × 10^{int(exponent)}"


def num_digits(count: int) -> int:
    """Decimal digits of a non-negative integer."""
    return len(str(count))


def parameter_count(model, *init_args) -> int:
    """Parameters of a Flax module, from the shapes of ``model.init(key, *init_args)``."""
    shapes = jax.eval_shape(model.init, jax.random.PRNGKey(0), *init_args)
    return sum(int(np.prod(leaf.shape)) for leaf in jax.tree.leaves(shapes["params"]))


def made_connected_count(model: nn.MADE) -> int:
    """Unmasked kernel entries and the biases of a MADE (what training can change)."""
    order = nn.orderings.ordering(model.ordering, model.shape, model.ordering_seed)
    masks = nn.made_masks(order, model.hidden, model.mask_seed)
    return sum(int(mask.sum()) + mask.shape[1] for mask in masks)


class ModuleCount(NamedTuple):
    """A jaxgen module's parameter count beside the family formula it implements (if any)."""

    name: str  # how the table names it, with its settings
    family: str | None  # a key of ``FAMILY``, or None for networks without a formula here
    count: int


def core_module_counts(shape, hidden: int = 500) -> list[ModuleCount]:
    """FVSBN, NADE and MADE on binary images of ``shape`` with ``hidden`` units."""
    example = np.zeros((1, *shape), np.float32)
    made = nn.MADE(shape, (hidden,))
    return [
        ModuleCount(
            "FVSBN", "logistic conditionals (FVSBN)", parameter_count(nn.FVSBN(shape), example)
        ),
        ModuleCount(
            f"NADE, H = {hidden}", "NADE", parameter_count(nn.NADE(shape, hidden), example)
        ),
        ModuleCount(
            f"MADE ({hidden},), stored",
            "MADE, 1 hidden layer, stored",
            parameter_count(made, example),
        ),
        ModuleCount(
            f"MADE ({hidden},), connected",
            "MADE, 1 hidden layer, connected",
            made_connected_count(made),
        ),
    ]


class Candidate(NamedTuple):
    """An explicit model that may exist in ``jaxgen.nn`` when the experiment runs."""

    name: str
    module: str  # under jaxgen.nn
    attribute: str
    settings: dict
    family: str | None
    takes_key: bool = False  # ``__call__(x, key)`` (the VAE's ELBO)


# The other explicit models of issue 7, which jaxgen.nn may or may not have yet: each is counted
# at its defaults (the papers' MNIST networks) when it is there, and listed as left out if not.
CANDIDATES = (
    Candidate(
        "IndependentBernoulli", "independent", "IndependentBernoulli", {}, "fully independent"
    ),
    Candidate("PixelCNN", "pixelcnn", "PixelCNN", {}, None),
    Candidate("GatedPixelCNN", "pixelcnn", "GatedPixelCNN", {}, None),
    Candidate("PixelRNN, Row LSTM", "pixelrnn", "PixelRNN", {"cell": "row"}, None),
    Candidate("PixelRNN, Diagonal BiLSTM", "pixelrnn", "PixelRNN", {"cell": "diagonal"}, None),
    Candidate("RNADE (real-valued pixels)", "rnade", "RNADE", {}, None),
    Candidate("VAE (decoder + encoder)", "vae", "VAE", {}, None, takes_key=True),
)


def optional_module_counts(shape) -> tuple[list[ModuleCount], list[str]]:
    """Counts of the ``CANDIDATES`` present in ``jaxgen.nn`` at their default settings, and one
    line per candidate left out (absent, or failing to build) saying why."""
    counts, left_out = [], []
    example = np.zeros((1, *shape), np.float32)
    for candidate in CANDIDATES:
        try:
            module = importlib.import_module(f"jaxgen.nn.{candidate.module}")
        except ModuleNotFoundError:
            left_out.append(f"{candidate.name}: no jaxgen.nn.{candidate.module}")
            continue
        model_class = getattr(module, candidate.attribute, None)
        if model_class is None:
            left_out.append(
                f"{candidate.name}: no jaxgen.nn.{candidate.module}.{candidate.attribute}"
            )
            continue
        args = (example, jax.random.PRNGKey(1)) if candidate.takes_key else (example,)
        try:
            count = parameter_count(model_class(shape, **candidate.settings), *args)
        except (TypeError, ValueError) as error:  # a module still being written
            left_out.append(f"{candidate.name}: could not be built ({error})")
            continue
        counts.append(ModuleCount(candidate.name, candidate.family, count))
    return counts, left_out
