"""``held_out_nll``: the negative log-likelihood of an explicit model on a held-out split.

This is ``jaxgen eval WORKDIR`` for a recipe with a ``log_prob`` (the explicit models of issue
7). Over the N examples x_i of the split (the recipe's own data format, e.g. the fixed
binarization of the test set, in order and without shuffling),

    NLL = −(1/N) Σ_i log p(x_i)   (nats per example),     bits/dim = NLL / (D · ln 2),

with D the values of one example (H·W·C), and the standard error of the mean
s/√N (s the sample standard deviation of −log p(x_i)), which says how far two models' numbers
must be apart to differ on this split. The recipe says what its ``log_prob`` is
(``Recipe.log_prob_kind``): ``exact`` for the autoregressive models; for a VAE an importance-
sampled estimate (IWAE with k samples), a lower bound on log p(x) in expectation, so its NLL
is an upper bound in expectation.
"""

import datetime
import math
import sys

import jax
import numpy as np
from tqdm.auto import tqdm

from jaxgen.errors import UserError
from jaxgen.metrics.likelihood import bits_per_dim

SPLITS = ("train", "test", "all")


def held_out_nll(recipe, state, *, split="test", batch_size=500, seed=0, progress=True):
    """``{"metrics": {nll, nll_sem, bits_per_dim}, "protocol": {...}}`` (module docstring).

    Args:
      recipe, state: a recipe with a ``log_prob`` and its TrainState (``jaxgen.load``).
      split: the data split (``test`` by default: ``digits`` and ``mnist5k`` have fixed ones).
      batch_size: examples per ``log_prob`` call.
      seed: the key of a stochastic ``log_prob`` (batch i uses ``fold_in(key, i)``).
      progress: show a progress bar.
    """
    if recipe.log_prob is None:
        raise UserError(
            f"{recipe.name} has no likelihood (it is not an explicit model); use the sample "
            "metrics instead: --metrics fid,kid,is,pr,dc"
        )
    if split not in SPLITS:
        raise UserError(f"--split must be one of {', '.join(SPLITS)}, got {split!r}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise UserError(f"batch_size must be a positive integer, got {batch_size!r}")
    dataset = recipe.dataset(split)
    total = dataset.num_examples
    key = jax.random.PRNGKey(seed)
    nlls = []
    with tqdm(
        total=total, disable=not progress, unit="example", desc=f"log p(x) {split}", file=sys.stderr
    ) as bar:
        for index, batch in enumerate(dataset.epoch(batch_size)):
            log_probs = recipe.log_prob(state, batch, jax.random.fold_in(key, index))
            nlls.append(-np.asarray(jax.device_get(log_probs), np.float64))
            bar.update(len(nlls[-1]))
    nlls = np.concatenate(nlls)
    if not np.all(np.isfinite(nlls)):
        raise UserError(
            f"{int(np.sum(~np.isfinite(nlls)))} of {len(nlls)} {split} examples have a "
            "non-finite log-likelihood; the model assigns them probability 0 or diverged"
        )
    num_dims = math.prod(recipe.example_batch()["image"].shape[1:])
    mean = float(nlls.mean())
    metrics = {
        "nll": mean,
        "nll_sem": float(nlls.std(ddof=1) / math.sqrt(len(nlls))) if len(nlls) > 1 else 0.0,
        "bits_per_dim": float(bits_per_dim(mean, num_dims)),
    }
    protocol = {
        "recipe": recipe.name,
        "step": int(jax.device_get(state.step)),
        "seed": seed,
        "data": recipe.config.data,
        "split": split,
        "format": recipe.config.format,
        "num_examples": len(nlls),
        "num_dims": num_dims,
        "log_prob": recipe.log_prob_kind,
        "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }
    return {"metrics": metrics, "protocol": protocol}


def format_nll(result):
    """The held-out NLL result as text lines."""
    metrics, protocol = result["metrics"], result["protocol"]
    return "\n".join(
        [
            f"{'metric':14s} value",
            f"{'nll (nats)':14s} {metrics['nll']:.4f} ± {metrics['nll_sem']:.4f} (s.e.m.)",
            f"{'bits/dim':14s} {metrics['bits_per_dim']:.5f}",
            "",
            f"protocol: {protocol['recipe']} at step {protocol['step']}, log p(x) "
            f"{protocol['log_prob']}, on {protocol['num_examples']} examples of "
            f"{protocol['data']}:{protocol['split']} ({protocol['format']}, "
            f"{protocol['num_dims']} values each)",
        ]
    )
