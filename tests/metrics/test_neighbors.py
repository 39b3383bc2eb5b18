"""The chunked k-NN reductions of ``jaxgen.metrics.neighbors`` against scipy and loops."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.spatial.distance import cdist

from jaxgen.metrics.neighbors import (
    any_within,
    count_within,
    kth_neighbor_sq_distance,
    nearest_sq_distance,
    pairwise_sq_distances,
)

NUM_QUERIES, NUM_POINTS, DIM = 150, 200, 5


@pytest.fixture
def float64():
    with jax.enable_x64(True):
        yield


@pytest.fixture
def sets():
    rng = np.random.default_rng(0)
    return rng.normal(size=(NUM_QUERIES, DIM)), rng.normal(0.3, 1.2, size=(NUM_POINTS, DIM))


def reference_kth_neighbor(points, k):
    """k-th smallest squared distance to the other points, one point at a time."""
    radii = []
    for i, point in enumerate(points):
        others = np.delete(points, i, axis=0)
        radii.append(np.sort(np.sum((others - point) ** 2, axis=1))[k - 1])
    return np.array(radii)


def reference_count_within(queries, points, radii_sq):
    return np.array(
        [
            sum(np.sum((q - p) ** 2) <= r for p, r in zip(points, radii_sq, strict=True))
            for q in queries
        ]
    )


@pytest.mark.usefixtures("float64")
def test_pairwise_matches_cdist(sets):
    queries, points = sets
    distances = pairwise_sq_distances(queries, points)
    assert distances.shape == (NUM_QUERIES, NUM_POINTS) and distances.dtype == jnp.float64
    np.testing.assert_allclose(
        distances, cdist(queries, points, "sqeuclidean"), rtol=1e-12, atol=1e-12
    )


def test_pairwise_of_a_point_with_itself_is_clipped_at_zero():
    # ‖a‖² + ‖a‖² − 2aᵀa rounds to ±ε in float32 for large |a|; the clip keeps it ≥ 0.
    points = np.random.default_rng(1).normal(100.0, 1.0, size=(50, 8)).astype(np.float32)
    assert np.all(np.asarray(pairwise_sq_distances(points, points)) >= 0)


@pytest.mark.usefixtures("float64")
@pytest.mark.parametrize("k", [1, 3])
@pytest.mark.parametrize("chunk_size", [7, 64, NUM_POINTS, 1024])
def test_kth_neighbor_excludes_the_point_itself(sets, k, chunk_size):
    _, points = sets
    radii = kth_neighbor_sq_distance(points, k, chunk_size=chunk_size)
    assert radii.shape == (NUM_POINTS,)
    np.testing.assert_allclose(radii, reference_kth_neighbor(points, k), rtol=1e-12)


def test_kth_neighbor_counts_a_duplicate_as_another_point():
    # Points 0 and 1 coincide: each is the other's nearest neighbour at distance 0; the point
    # at 1 has both at distance 1. The second neighbours are all at distance 1.
    points = np.array([[0.0], [0.0], [1.0]])
    np.testing.assert_array_equal(kth_neighbor_sq_distance(points, 1), [0.0, 0.0, 1.0])
    np.testing.assert_array_equal(kth_neighbor_sq_distance(points, 2), [1.0, 1.0, 1.0])


@pytest.mark.usefixtures("float64")
@pytest.mark.parametrize("chunk_size", [7, 64, NUM_QUERIES])
def test_nearest_matches_cdist(sets, chunk_size):
    queries, points = sets
    nearest = nearest_sq_distance(queries, points, chunk_size=chunk_size)
    expected = cdist(queries, points, "sqeuclidean").min(axis=1)
    np.testing.assert_allclose(nearest, expected, rtol=1e-12)


@pytest.mark.usefixtures("float64")
@pytest.mark.parametrize("chunk_size", [7, 64, NUM_QUERIES])
def test_count_and_any_within_match_loop(sets, chunk_size):
    queries, points = sets
    radii_sq = reference_kth_neighbor(points, 3)
    expected = reference_count_within(queries, points, radii_sq)
    assert 0 < np.mean(expected > 0) < 1  # the test separates inside from outside
    counts = count_within(queries, points, radii_sq, chunk_size=chunk_size)
    assert counts.dtype == jnp.int32
    np.testing.assert_array_equal(counts, expected)
    np.testing.assert_array_equal(
        any_within(queries, points, radii_sq, chunk_size=chunk_size), expected > 0
    )


@pytest.mark.usefixtures("float64")
@pytest.mark.parametrize("chunk_size", [7, 64])
def test_chunked_equals_unchunked(sets, chunk_size):
    # The matmul of a [chunk_size, d] block may sum in another order than that of a taller
    # one, so distances agree to rounding; counts, away from any boundary, exactly.
    queries, points = sets
    radii_sq = kth_neighbor_sq_distance(points, 2, chunk_size=NUM_POINTS)
    np.testing.assert_allclose(
        kth_neighbor_sq_distance(points, 2, chunk_size=chunk_size), radii_sq, rtol=1e-13
    )
    np.testing.assert_allclose(
        nearest_sq_distance(queries, points, chunk_size=chunk_size),
        nearest_sq_distance(queries, points, chunk_size=NUM_QUERIES),
        rtol=1e-13,
    )
    np.testing.assert_array_equal(
        count_within(queries, points, radii_sq, chunk_size=chunk_size),
        count_within(queries, points, radii_sq, chunk_size=NUM_QUERIES),
    )


def test_ties_at_the_boundary_count_as_inside():
    # Integer coordinates: every squared distance is an exact integer. Ball 0 is B(0, 1), ball 1
    # is B(3, 2): the queries -1 and 5 lie on a boundary, -2 and 6 just outside, 0 inside one.
    points, radii_sq = np.array([[0.0], [3.0]]), np.array([1.0, 4.0])
    queries = np.array([[-1.0], [5.0], [-2.0], [6.0], [0.0], [1.0]])
    # The query 1 is in both balls: ‖1 − 0‖² = 1 ≤ 1 and ‖1 − 3‖² = 4 ≤ 4.
    np.testing.assert_array_equal(count_within(queries, points, radii_sq), [1, 1, 0, 0, 1, 2])


def test_float32_by_default_and_jit():
    points = np.random.default_rng(2).normal(size=(40, 3)).astype(np.float32)
    kth = jax.jit(kth_neighbor_sq_distance, static_argnames=("k", "chunk_size"))
    radii = kth(points, 2, chunk_size=16)
    assert radii.dtype == jnp.float32
    np.testing.assert_allclose(radii, reference_kth_neighbor(points, 2), rtol=1e-4)


def test_large_sets_never_build_the_full_matrix():
    # Only the program is built (no compile, no run): its largest array is one row chunk.
    points = jax.ShapeDtypeStruct((5000, 16), jnp.float32)
    kth = jax.jit(kth_neighbor_sq_distance, static_argnames=("k", "chunk_size"))
    text = kth.lower(points, 3, chunk_size=128).as_text()
    assert "128x5000xf32" in text
    assert "5000x5000" not in text


@pytest.mark.parametrize(
    "call, argument",
    [
        (lambda: pairwise_sq_distances(np.zeros(3), np.zeros((2, 3))), "a"),
        (lambda: pairwise_sq_distances(np.zeros((2, 3)), np.zeros((2, 4))), "b"),
        (lambda: kth_neighbor_sq_distance(np.zeros((4, 2)), 4), "k"),
        (lambda: kth_neighbor_sq_distance(np.zeros((4, 2)), 0), "k"),
        (lambda: kth_neighbor_sq_distance(np.zeros((4, 2)), 1, chunk_size=0), "chunk_size"),
        (lambda: nearest_sq_distance(np.zeros((0, 2)), np.zeros((4, 2))), "queries"),
        (lambda: count_within(np.zeros((3, 2)), np.zeros((4, 2)), np.zeros(3)), "radii_sq"),
        (lambda: any_within(np.zeros((3, 2)), np.zeros((4, 1)), np.zeros(4)), "points"),
    ],
)
def test_bad_inputs_are_refused_naming_the_argument(call, argument):
    with pytest.raises(ValueError, match=rf"^{argument} must"):
        call()
