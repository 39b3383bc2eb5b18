"""Inception Score from class probabilities.

Salimans, Goodfellow, Zaremba, Cheung, Radford & Chen, "Improved techniques for training GANs",
NeurIPS 2016, Section 4: for class probabilities ``p(y|x_i)`` of generated samples,

    IS = exp(E_x KL(p(y|x) ‖ p(y))),   p(y) = E_x p(y|x).

As in the paper's code (openai/improved-gan, ``inception_score/model.py``), the ``N`` rows are
cut into ``splits`` consecutive chunks, chunk ``s`` holding rows ``s·N // splits`` to
``(s+1)·N // splits − 1`` (sizes differ by at most one when ``splits`` does not divide ``N``);
each chunk gets ``exp(mean_i KL(p(y|x_i) ‖ p_s(y)))`` with ``p_s(y)`` the chunk's mean row, and
the result is the mean and the ``ddof=0`` std (``np.std``) over chunks. ``0 log 0 = 0``, so
one-hot rows are fine. IS lies in ``[1, C]``: 1 when every row is the same, ``C`` when the rows
are one-hot and spread evenly over the ``C`` classes.
"""

import functools

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.special import xlogy


def inception_score(probs, splits=10):
    """Inception Score ``(mean, std)`` of ``probs [N, C]`` over ``splits`` consecutive chunks.

    Args:
      probs: ``[N, C]`` class probabilities ``p(y|x_i)`` (softmax outputs, rows summing to 1),
        non-negative, ``N ≥ splits``.
      splits: number of chunks (the paper: 10), a Python int ``≥ 1``; static under ``jax.jit``.

    Returns:
      ``(mean, std)``, scalar jax arrays in the probabilities' floating dtype (float32 at
      least): the mean and the ``ddof=0`` std of the chunks' scores.

    Raises:
      ValueError: ``probs`` is not ``[N, C]`` with ``N ≥ splits``, has a negative entry
        (checked only when concrete, not a tracer), or ``splits`` is not an int ``≥ 1``.
    """
    probs = jnp.asarray(probs)
    if isinstance(splits, bool) or not isinstance(splits, int) or splits < 1:
        raise ValueError(f"splits must be an int >= 1, got {splits!r}")
    if probs.ndim != 2 or probs.shape[1] < 1 or probs.shape[0] < splits:
        raise ValueError(
            f"probs must have shape [N, C] with N >= splits = {splits} and C >= 1, "
            f"got {probs.shape}"
        )
    if not isinstance(probs, jax.core.Tracer) and bool(jnp.any(probs < 0)):
        raise ValueError(f"probs must be non-negative, got a minimum of {float(jnp.min(probs))}")
    if not jnp.issubdtype(probs.dtype, jnp.floating) or probs.dtype.itemsize < 4:
        probs = probs.astype(jnp.float32)
    return _inception_score(probs, splits=splits)


@functools.partial(jax.jit, static_argnames="splits")
def _inception_score(probs, *, splits):
    num_rows = probs.shape[0]
    # Chunk ids from the static shape: row j is in chunk s when s·N // splits <= j < (s+1)·N //
    # splits, the original code's boundaries.
    starts = np.arange(splits) * num_rows // splits
    chunk_ids = np.searchsorted(starts, np.arange(num_rows), side="right") - 1
    chunk_sizes = np.bincount(chunk_ids, minlength=splits).astype(np.dtype(probs.dtype))
    marginals = jax.ops.segment_sum(probs, chunk_ids, num_segments=splits) / chunk_sizes[:, None]
    kl_rows = jnp.sum(xlogy(probs, probs) - xlogy(probs, marginals[chunk_ids]), axis=1)
    mean_kl = jax.ops.segment_sum(kl_rows, chunk_ids, num_segments=splits) / chunk_sizes
    scores = jnp.exp(mean_kl)
    return jnp.mean(scores), jnp.std(scores)


__all__ = ["inception_score"]
