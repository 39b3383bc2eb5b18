"""The metric registry and the evaluation driver behind ``jaxgen eval`` and training-time eval.

A sample set (generated or reference) is first *embedded*: images go through a
``FeatureNetwork`` (``jaxgen.metrics.features``), 2-D points of a toy mixture are their own
features. The embedding is a dict of numpy arrays: ``features [N, F]``, and where the network
gives them ``logits [N, K]`` (Inception Score) and ``modes [N]`` (the mode each sample falls in).
``compute(metrics, generated, reference, ...)`` then runs the statistics of ``METRICS``:

- ``fid``: ``fid(generated, reference)`` (Heusel et al. 2017);
- ``kid``: mean and std over subsets of the unbiased MMD² (Bińkowski et al. 2018), 100 subsets
  of ``min(1000, N_gen, N_ref)`` rows;
- ``is``: the Inception Score of the generated logits, 10 splits (Salimans et al. 2016); on a
  data set's classifier this is the "MNIST score";
- ``pr``: precision and recall with k = 3 (Kynkäänniemi et al. 2019);
- ``dc``: density and coverage with k = 5 (Naeem et al. 2020);
- ``modes``: on a toy mixture the VEEGAN/PacGAN counts of ``mode_coverage`` (covered modes,
  high-quality share, KL to uniform); on images the distinct modes the classifier assigns
  (10 digits, or stacked MNIST's 1,000 triples) and the KL of their histogram to uniform.

Every call records what it measured: ``settings()`` gives the parameters above, and the caller
(``jaxgen.metrics.run_eval``) adds sample counts, reference, seed and the feature network's card.
"""

import sys

import jax
import numpy as np
from tqdm.auto import tqdm

from jaxgen.errors import UserError, closest
from jaxgen.metrics.frechet import fid
from jaxgen.metrics.inception_score import inception_score
from jaxgen.metrics.kid import kid
from jaxgen.metrics.manifold import density_coverage, precision_recall
from jaxgen.metrics.modes import label_mode_coverage, mode_coverage

METRICS = {
    "fid": "Fréchet distance of Gaussian fits to the features (Heusel et al. 2017)",
    "kid": "kernel distance, unbiased MMD² with a cubic kernel (Bińkowski et al. 2018)",
    "is": "Inception Score of the classifier's logits (Salimans et al. 2016)",
    "pr": "precision and recall of k-NN manifolds, k = 3 (Kynkäänniemi et al. 2019)",
    "dc": "density and coverage, k = 5 (Naeem et al. 2020)",
    "modes": "modes covered and KL of the mode histogram to uniform (VEEGAN, PacGAN)",
}
IMAGE_DEFAULTS = ("fid", "kid", "is", "pr", "dc")
POINT_DEFAULTS = ("modes", "fid", "kid", "pr", "dc")

KID_SUBSETS = 100
KID_SUBSET_SIZE = 1000
IS_SPLITS = 10
PR_K = 3
DC_K = 5


def parse_metrics(text):
    """``"fid,kid"`` → ``("fid", "kid")``; a UserError naming an unknown metric."""
    names = tuple(dict.fromkeys(name.strip().lower() for name in text.split(",") if name.strip()))
    if not names:
        raise UserError(f"--metrics needs at least one of {', '.join(METRICS)}")
    for name in names:
        if name not in METRICS:
            raise UserError(f"unknown metric {name!r}: {closest(name, METRICS)}")
    return names


def settings(num_generated, num_reference):
    """The parameters of each statistic, as ``compute`` uses them for these sample counts."""
    return {
        "kid": {
            "subsets": KID_SUBSETS,
            "subset_size": kid_subset_size(num_generated, num_reference),
        },
        "is": {"splits": IS_SPLITS},
        "pr": {"k": PR_K},
        "dc": {"k": DC_K},
    }


def kid_subset_size(num_generated, num_reference):
    return min(KID_SUBSET_SIZE, num_generated, num_reference)


def embed(batches, embed_fn, *, total, description, progress=True):
    """The embedding of the first ``total`` rows of ``batches`` (arrays), as numpy arrays.

    ``embed_fn(array) -> dict`` runs once per batch (jit it); a progress bar counts rows.
    """
    parts = []
    rows = 0
    with tqdm(
        total=total, disable=not progress, unit="sample", desc=description, file=sys.stderr
    ) as bar:
        for batch in batches:
            batch = batch[: total - rows]
            parts.append(jax.device_get(embed_fn(batch)))
            rows += len(batch)
            bar.update(len(batch))
            if rows >= total:
                break
    if rows < total:
        raise UserError(f"{description}: only {rows} samples, {total} requested; lower --n")
    return {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}


def compute(metrics, generated, reference, *, key=None, mixture=None, num_modes=None):
    """The values of ``metrics`` (names of ``METRICS``) as a flat dict of Python numbers.

    Args:
      generated, reference: embeddings (``embed``): dicts with ``features`` and optionally
        ``logits`` and ``modes``.
      key: the ``jax.random`` key of KID's subsets; ``PRNGKey(0)`` when None.
      mixture: ``(centers, std)`` of a toy mixture: ``modes`` then counts the generated points
        near each center (``mode_coverage``).
      num_modes: the number of modes of ``generated["modes"]`` labels (``label_mode_coverage``).
    """
    gen, ref = generated["features"], reference["features"]
    values = {}
    for name in metrics:  # in the order asked for
        if name == "fid":
            values["fid"] = fid(gen, ref)
        elif name == "kid":
            size = kid_subset_size(len(gen), len(ref))
            if size < 2:
                raise UserError("kid needs at least 2 generated and 2 reference samples")
            values["kid"], values["kid_std"] = kid(gen, ref, KID_SUBSETS, size, key=key)
        elif name == "is":
            values["is"], values["is_std"] = _inception_score(generated)
        elif name == "pr":
            values["precision"], values["recall"] = precision_recall(ref, gen, k=PR_K)
        elif name == "dc":
            values["density"], values["coverage"] = density_coverage(ref, gen, k=DC_K)
        elif name == "modes":
            values.update(_modes(generated, mixture, num_modes))
        else:
            raise UserError(f"unknown metric {name!r}: {closest(name, METRICS)}")
    return {name: _number(value) for name, value in values.items()}


def _inception_score(generated):
    if "logits" not in generated:
        raise UserError("these features have no class logits: drop 'is' from --metrics")
    if len(generated["logits"]) < IS_SPLITS:
        raise UserError(f"the Inception Score needs at least {IS_SPLITS} samples")
    probs = jax.nn.softmax(np.asarray(generated["logits"], np.float32), axis=-1)
    return inception_score(probs, IS_SPLITS)


def _modes(generated, mixture, num_modes):
    if mixture is not None:
        centers, std = mixture
        result = mode_coverage(generated["features"], centers, std)
        return {
            "modes": result["modes_covered"],
            "num_modes": result["num_modes"],
            "high_quality": result["high_quality"],
            "mode_kl": result["kl"],
        }
    if num_modes is None or "modes" not in generated:
        raise UserError("'modes' needs a toy mixture or a classifier with modes: drop it")
    result = label_mode_coverage(generated["modes"], num_modes)
    return {"modes": result["modes"], "num_modes": num_modes, "mode_kl": result["kl"]}


def _number(value):
    value = np.asarray(jax.device_get(value))
    return int(value) if np.issubdtype(value.dtype, np.integer) else float(value)
