"""Squared Euclidean distances between point sets, and k-NN reductions over them in row chunks.

For ``a [n, d]`` and ``b [m, d]``,

    D_ij = ‖a_i − b_j‖² = ‖a_i‖² + ‖b_j‖² − 2 a_iᵀb_j,

computed as one matmul at ``Precision.HIGHEST`` and clipped at 0 (rounding can make the
expansion slightly negative for near-identical points). The reductions below never hold the
whole ``[n, m]`` matrix: they pad the queries to a multiple of ``chunk_size`` rows, run
``jax.lax.map`` over the ``[chunk_size, m]`` blocks one at a time and drop the padded rows, so
shapes stay static under ``jax.jit`` and memory is ``O(chunk_size · m)`` on top of the inputs
(50,000 × 50,000 with ``chunk_size = 1024`` in float32: blocks of 205 MB instead of 10 GB).

The reductions are what the k-NN manifold metrics need (``jaxgen.metrics.manifold``):

- ``kth_neighbor_sq_distance``: ``NND_k(x_i)²``, the squared distance of each point to its
  k-th nearest neighbour among the *other* points of its set. The point itself is masked out
  by index, which equals the reference codes' "(k+1)-th smallest including self"
  (Kynkäänniemi et al. 2019; Naeem et al. 2020) in exact arithmetic, and is immune to the
  rounding of the self-distance. A duplicate of ``x_i`` is another point, at distance 0.
- ``count_within`` / ``any_within``: for each query ``q``, the number of (whether any) points
  ``p_j`` with ``‖q − p_j‖² ≤ radii_sq[j]``, i.e. ``q`` in the closed ball ``B(p_j, r_j)``:
  a query on a ball's boundary counts as inside.
- ``nearest_sq_distance``: ``min_j ‖q − p_j‖²`` for each query.

Comparing squared distances to squared radii (no square roots) keeps exact ties exact when the
arithmetic is exact, as on integer coordinates (discrete data, where ties actually occur) of
moderate size: every quantity above is then an exact integer in floating point. Otherwise the
matmul's summation order depends on the block's shape (and the backend), so distances, and
with them a point within rounding of a ball's boundary, can differ between chunk sizes by an
ulp or so.
"""

import functools

import jax
import jax.numpy as jnp

from jaxgen.metrics.inputs import check_point_sets, compute_dtype

_HIGHEST = jax.lax.Precision.HIGHEST

# Rows of the [chunk_size, m] distance block computed at once; 1024 × 50,000 float32 is 205 MB.
DEFAULT_CHUNK_SIZE = 1024


def pairwise_sq_distances(a, b):
    """All squared Euclidean distances ``‖a_i − b_j‖²`` between ``a [n, d]`` and ``b [m, d]``.

    Args:
      a: ``[n, d]`` points, ``n ≥ 1``.
      b: ``[m, d]`` points, ``m ≥ 1``, the same ``d``.

    Returns:
      ``[n, m]`` jax array in the inputs' floating dtype (float32 at least), ``≥ 0``. It holds
      the whole matrix; use the chunked reductions below for large sets.

    Raises:
      ValueError: a shape is not the one above.
    """
    a, b = check_point_sets(a, b, "a", "b")
    return _pairwise_sq_distances(a, b)


def kth_neighbor_sq_distance(points, k, *, chunk_size=DEFAULT_CHUNK_SIZE):
    """Squared distance of each of ``points [n, d]`` to its k-th nearest *other* point.

    Args:
      points: ``[n, d]`` points, ``n ≥ 2``.
      k: neighbour rank, a Python int with ``1 ≤ k < n`` (the point itself is excluded, so
        ``k = 1`` is the nearest other point); static under ``jax.jit``.
      chunk_size: rows per distance block, a Python int ``≥ 1``; static under ``jax.jit``.

    Returns:
      ``[n]`` jax array, ``NND_k(points_i)²``. Memory ``O(min(chunk_size, n) · n)``.

    Raises:
      ValueError: a shape is not the one above, or ``k``/``chunk_size`` is out of range.
    """
    points = _check_points(points, "points")
    num_points = points.shape[0]
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k < num_points:
        raise ValueError(
            f"k must be an int with 1 <= k < {num_points} (the number of points, {points.shape}),"
            f" got {k!r}"
        )
    chunk_size = _check_chunk_size(chunk_size, num_points)
    return _kth_neighbor_sq_distance(points, k=k, chunk_size=chunk_size)


def nearest_sq_distance(queries, points, *, chunk_size=DEFAULT_CHUNK_SIZE):
    """``min_j ‖queries_i − points_j‖²`` for each of ``queries [n, d]``, over ``points [m, d]``.

    Args:
      queries: ``[n, d]`` points, ``n ≥ 1``.
      points: ``[m, d]`` points, ``m ≥ 1``, the same ``d``.
      chunk_size: query rows per distance block, a Python int ``≥ 1``; static under jit.

    Returns:
      ``[n]`` jax array. Memory ``O(min(chunk_size, n) · m)``.

    Raises:
      ValueError: a shape is not the one above, or ``chunk_size < 1``.
    """
    queries, points = check_point_sets(queries, points, "queries", "points")
    chunk_size = _check_chunk_size(chunk_size, queries.shape[0])
    return _nearest_sq_distance(queries, points, chunk_size=chunk_size)


def count_within(queries, points, radii_sq, *, chunk_size=DEFAULT_CHUNK_SIZE):
    """Number of closed balls ``B(points_j, r_j)`` that contain each of ``queries``.

    Args:
      queries: ``[n, d]`` points, ``n ≥ 1``.
      points: ``[m, d]`` ball centers, ``m ≥ 1``, the same ``d``.
      radii_sq: ``[m]`` squared radii ``r_j²``; a query ``q`` is in ball ``j`` when
        ``‖q − points_j‖² ≤ radii_sq[j]`` (the boundary counts as inside).
      chunk_size: query rows per distance block, a Python int ``≥ 1``; static under jit.

    Returns:
      ``[n]`` int32 jax array of counts in ``[0, m]``. Memory ``O(min(chunk_size, n) · m)``.

    Raises:
      ValueError: a shape is not the one above, or ``chunk_size < 1``.
    """
    queries, points, radii_sq = _check_balls(queries, points, radii_sq)
    chunk_size = _check_chunk_size(chunk_size, queries.shape[0])
    return _count_within(queries, points, radii_sq, chunk_size=chunk_size)


def any_within(queries, points, radii_sq, *, chunk_size=DEFAULT_CHUNK_SIZE):
    """Whether each of ``queries`` lies in at least one closed ball ``B(points_j, r_j)``.

    Arguments as in ``count_within``; returns a ``[n]`` bool jax array, ``count_within > 0``.
    """
    return count_within(queries, points, radii_sq, chunk_size=chunk_size) > 0


def _check_points(points, name):
    points = jnp.asarray(points)
    if points.ndim != 2 or points.shape[0] < 1 or points.shape[1] < 1:
        raise ValueError(
            f"{name} must have shape [N, D] with N >= 1 and D >= 1, got {points.shape}"
        )
    return points.astype(compute_dtype(points))


def _check_balls(queries, points, radii_sq):
    queries, points = check_point_sets(queries, points, "queries", "points")
    radii_sq = jnp.asarray(radii_sq)
    if radii_sq.shape != (points.shape[0],):
        raise ValueError(
            f"radii_sq must have shape [M] with the M of points {points.shape} "
            f"(M = {points.shape[0]}), got {radii_sq.shape}"
        )
    dtype = compute_dtype(queries, radii_sq)
    return queries.astype(dtype), points.astype(dtype), radii_sq.astype(dtype)


def _check_chunk_size(chunk_size, num_rows):
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
        raise ValueError(f"chunk_size must be an int >= 1, got {chunk_size!r}")
    # A block taller than the queries would only compute padding.
    return min(chunk_size, num_rows)


@jax.jit
def _pairwise_sq_distances(a, b):
    a_sq = jnp.sum(jnp.square(a), axis=1)
    b_sq = jnp.sum(jnp.square(b), axis=1)
    cross = jnp.matmul(a, b.T, precision=_HIGHEST)
    return jnp.maximum(a_sq[:, None] + b_sq[None, :] - 2 * cross, 0)


def _map_row_chunks(block_fn, queries, chunk_size):
    """``block_fn(rows [chunk_size, d], row_ids [chunk_size]) -> [chunk_size]`` over all rows.

    The last chunk is padded with zero rows (ids ``≥ n``) whose results are dropped.
    """
    num_rows = queries.shape[0]
    num_chunks = -(-num_rows // chunk_size)
    padding = num_chunks * chunk_size - num_rows
    padded = jnp.pad(queries, ((0, padding), (0, 0)))
    chunks = padded.reshape(num_chunks, chunk_size, queries.shape[1])
    row_ids = jnp.arange(num_chunks * chunk_size).reshape(num_chunks, chunk_size)
    results = jax.lax.map(lambda xs: block_fn(*xs), (chunks, row_ids))
    return results.reshape(num_chunks * chunk_size)[:num_rows]


@functools.partial(jax.jit, static_argnames=("k", "chunk_size"))
def _kth_neighbor_sq_distance(points, *, k, chunk_size):
    columns = jnp.arange(points.shape[0])

    def block(rows, row_ids):
        distances = _pairwise_sq_distances(rows, points)
        distances = jnp.where(row_ids[:, None] == columns[None, :], jnp.inf, distances)
        # k rounds of "take the row minimum and mask it out": XLA's CPU top_k is many times
        # slower than a row minimum, and k is small (3 or 5).
        for _ in range(k - 1):
            first = jnp.argmin(distances, axis=1)
            distances = distances.at[jnp.arange(distances.shape[0]), first].set(jnp.inf)
        return jnp.min(distances, axis=1)

    return _map_row_chunks(block, points, chunk_size)


@functools.partial(jax.jit, static_argnames="chunk_size")
def _nearest_sq_distance(queries, points, *, chunk_size):
    def block(rows, _):
        return jnp.min(_pairwise_sq_distances(rows, points), axis=1)

    return _map_row_chunks(block, queries, chunk_size)


@functools.partial(jax.jit, static_argnames="chunk_size")
def _count_within(queries, points, radii_sq, *, chunk_size):
    def block(rows, _):
        inside = _pairwise_sq_distances(rows, points) <= radii_sq[None, :]
        return jnp.sum(inside, axis=1, dtype=jnp.int32)

    return _map_row_chunks(block, queries, chunk_size)


__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "any_within",
    "count_within",
    "kth_neighbor_sq_distance",
    "nearest_sq_distance",
    "pairwise_sq_distances",
]
