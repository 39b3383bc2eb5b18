"""k-NN manifold metrics: improved precision and recall, density and coverage.

Real samples ``X_1..X_N`` and fake samples ``Y_1..Y_M`` in ``R^D`` (features, e.g. of an
Inception or VGG network). ``NND_k(x)`` is the distance from a sample to its k-th nearest
neighbour among the *other* samples of its own set, and ``B(x, r) = {z : ‖z − x‖ ≤ r}`` is the
*closed* ball: a sample on a ball's boundary is inside.

Improved precision and recall (Kynkäänniemi, Karras, Laine, Lehtinen & Aila, "Improved Precision
and Recall Metric for Assessing Generative Models", NeurIPS 2019, default ``k = 3``)
estimate each manifold by the union of its samples' k-NN balls,
``manifold(X) = ∪_i B(X_i, NND_k(X_i))``, and count the samples of one set inside the other's:

    precision = (1/M) Σ_j 1[Y_j ∈ manifold(X)],    recall = (1/N) Σ_i 1[X_i ∈ manifold(Y)].

Density and coverage (Naeem, Oh, Uh, Choi & Yoo, "Reliable Fidelity and Diversity Metrics for
Generative Models", ICML 2020, default ``k = 5``) use the real balls only:

    density  = (1/(kM)) Σ_j Σ_i 1[Y_j ∈ B(X_i, NND_k(X_i))],
    coverage = (1/N) Σ_i 1[∃ j: Y_j ∈ B(X_i, NND_k(X_i))].

Density counts every ball a fake sample falls in, so it is not bounded by 1. For ``Y = X``
(distinct samples, no tie between a sample's k-th and (k+1)-th neighbour) each ball
``B(X_i, NND_k(X_i))`` holds ``X_i`` and its ``k`` nearest neighbours, ``k + 1`` samples, so
``density = N(k + 1)/(kN) = (k + 1)/k`` exactly, while precision = recall = coverage = 1.
``E[density] = 1`` holds for two *independent* draws from the same distribution (Naeem et
al.), not for identical sets.

The radii exclude the sample itself (``jaxgen.metrics.neighbors``), as both reference codes do
by taking the (k+1)-th smallest distance including self. The boundary convention is that of
Kynkäänniemi et al.'s code (``distance <= radius``); Naeem et al.'s ``prdc`` package tests
``distance < radius`` for all four metrics, which differs only for samples exactly on a
boundary: for ``Y = X`` it gives ``density = k/k = 1`` (the k-th neighbour falls out), and on
discrete data it can give 0 where this module does not. Distances are compared squared and
computed in row chunks, so 50,000 samples per set fit in memory (``chunk_size`` below).
"""

import functools

import jax
import jax.numpy as jnp

from jaxgen.metrics.inputs import check_point_sets
from jaxgen.metrics.neighbors import (
    DEFAULT_CHUNK_SIZE,
    any_within,
    count_within,
    kth_neighbor_sq_distance,
    nearest_sq_distance,
)


def precision_recall(real, fake, k=3, *, chunk_size=DEFAULT_CHUNK_SIZE):
    """Improved precision and recall (Kynkäänniemi et al. 2019) of ``fake`` against ``real``.

    Args:
      real: ``[N, D]`` real samples (features).
      fake: ``[M, D]`` generated samples, the same ``D``.
      k: neighbour rank of the balls' radii, a Python int with ``1 ≤ k < N`` and ``k < M``
        (both sets get balls); static under ``jax.jit``.
      chunk_size: rows per distance block, a Python int ``≥ 1``; static under ``jax.jit``.
        Memory is ``O(chunk_size · max(N, M))`` on top of the inputs.

    Returns:
      ``(precision, recall)``, scalar float jax arrays in ``[0, 1]``.

    Raises:
      ValueError: a shape is not the one above, or ``k``/``chunk_size`` is out of range.
    """
    real, fake = _check_inputs(real, fake, k, fake_needs_balls=True)
    _check_chunk_size(chunk_size)
    return _precision_recall(real, fake, k=k, chunk_size=chunk_size)


def density_coverage(real, fake, k=5, *, chunk_size=DEFAULT_CHUNK_SIZE):
    """Density and coverage (Naeem et al. 2020) of ``fake`` against ``real``.

    Args:
      real: ``[N, D]`` real samples (features).
      fake: ``[M, D]`` generated samples, the same ``D``.
      k: neighbour rank of the real balls' radii, a Python int with ``1 ≤ k < N``; static
        under ``jax.jit``.
      chunk_size: rows per distance block, a Python int ``≥ 1``; static under ``jax.jit``.
        Memory is ``O(chunk_size · max(N, M))`` on top of the inputs.

    Returns:
      ``(density, coverage)``, scalar float jax arrays; density in ``[0, N/k]``, coverage in
      ``[0, 1]``.

    Raises:
      ValueError: a shape is not the one above, or ``k``/``chunk_size`` is out of range.
    """
    real, fake = _check_inputs(real, fake, k, fake_needs_balls=False)
    _check_chunk_size(chunk_size)
    return _density_coverage(real, fake, k=k, chunk_size=chunk_size)


def _check_inputs(real, fake, k, *, fake_needs_balls):
    real, fake = check_point_sets(real, fake, "real", "fake")
    limit = min(real.shape[0], fake.shape[0]) if fake_needs_balls else real.shape[0]
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k < limit:
        sets = "real and fake" if fake_needs_balls else "real"
        raise ValueError(
            f"k must be an int with 1 <= k < {limit} (fewer than the samples of {sets}, "
            f"shapes {real.shape} and {fake.shape}), got {k!r}"
        )
    return real, fake


def _check_chunk_size(chunk_size):
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
        raise ValueError(f"chunk_size must be an int >= 1, got {chunk_size!r}")


@functools.partial(jax.jit, static_argnames=("k", "chunk_size"))
def _precision_recall(real, fake, *, k, chunk_size):
    real_radii_sq = kth_neighbor_sq_distance(real, k, chunk_size=chunk_size)
    fake_radii_sq = kth_neighbor_sq_distance(fake, k, chunk_size=chunk_size)
    in_real_manifold = any_within(fake, real, real_radii_sq, chunk_size=chunk_size)
    in_fake_manifold = any_within(real, fake, fake_radii_sq, chunk_size=chunk_size)
    return jnp.mean(in_real_manifold, dtype=real.dtype), jnp.mean(
        in_fake_manifold, dtype=real.dtype
    )


@functools.partial(jax.jit, static_argnames=("k", "chunk_size"))
def _density_coverage(real, fake, *, k, chunk_size):
    real_radii_sq = kth_neighbor_sq_distance(real, k, chunk_size=chunk_size)
    balls_per_fake = count_within(fake, real, real_radii_sq, chunk_size=chunk_size)
    density = jnp.sum(balls_per_fake, dtype=real.dtype) / (k * fake.shape[0])
    # Some fake sample is in B(X_i, r_i) exactly when the nearest one is.
    nearest_fake_sq = nearest_sq_distance(real, fake, chunk_size=chunk_size)
    coverage = jnp.mean(nearest_fake_sq <= real_radii_sq, dtype=real.dtype)
    return density, coverage


__all__ = ["density_coverage", "precision_recall"]
