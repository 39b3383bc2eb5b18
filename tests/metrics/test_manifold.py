"""``precision_recall`` and ``density_coverage`` against brute-force numpy and hand-made cases.

Hand-made answers, with ``r(x) = NND_k(x)`` and closed balls ``B(x, r) = {z : ‖z − x‖ ≤ r}``:

- Identical sets ``Y = X`` (distinct samples, no tie between any sample's k-th and (k+1)-th
  neighbour): every ``Y_j = X_j`` is in its own ball, so precision = recall = coverage = 1;
  ball ``i`` holds ``X_i`` and exactly its ``k`` nearest neighbours, ``k + 1`` samples, so
  ``density = N(k + 1)/(kN) = (k + 1)/k``. Integer coordinates in ``[−500, 500]`` keep every
  squared distance an exact integer, so the k-th neighbour sits exactly on the boundary and
  counts (with ``<``, as in the ``prdc`` package, density would be ``k/k = 1``).
- Far-apart sets (fake shifted by 1000 with radii of order 1): no sample is in a ball of the
  other set, so all four metrics are 0.
- Ties, in 1-D with ``k = 1``: real ``{0, 1, 3}`` has ``r² = (1, 1, 4)``, fake ``{−1, 5, −2, 6}``
  has ``r² = (1, 1, 1, 1)`` (neighbours −2↔−1 and 5↔6). Fake −1 is on the boundary of
  ``B(0, 1)`` and fake 5 on that of ``B(3, 2)``; −2 (‖·−0‖² = 4 > 1) and 6 (‖·−3‖² = 9 > 4) are
  in no real ball: precision = 2/4, and density = (1 + 1)/(1·4) = 1/2 (each of −1 and 5 is in
  one ball; ``B(1, 1)`` holds no fake). Real 0 is on the boundary of ``B(−1, 1)``, real 1 (at
  ‖·−(−1)‖² = 4) and real 3 (at ‖·−5‖² = 4) are in no fake ball: recall = 1/3. The nearest fake
  of 0, 1, 3 is at squared distance 1, 4, 4 against ``r² = 1, 1, 4``: coverage = 2/3. With a
  strict ``<`` all four would be 0.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.spatial.distance import cdist

from jaxgen.metrics.manifold import density_coverage, precision_recall

NUM_REAL, NUM_FAKE, DIM = 200, 150, 5


@pytest.fixture
def float64():
    with jax.enable_x64(True):
        yield


@pytest.fixture(scope="module")
def sets():
    rng = np.random.default_rng(0)
    return rng.normal(size=(NUM_REAL, DIM)), rng.normal(0.4, 1.3, size=(NUM_FAKE, DIM))


def reference_radii(samples, k):
    """Distance to the k-th nearest other sample, one sample at a time."""
    distances = cdist(samples, samples)
    return np.array([np.sort(np.delete(row, i))[k - 1] for i, row in enumerate(distances)])


def reference_metrics(real, fake, k):
    """The four definitions as written, with explicit loops over samples and balls."""
    real_radii, fake_radii = reference_radii(real, k), reference_radii(fake, k)
    real_to_fake = cdist(real, fake)  # [N, M]
    in_real_balls = [
        [real_to_fake[i, j] <= real_radii[i] for i in range(len(real))] for j in range(len(fake))
    ]
    precision = np.mean([any(balls) for balls in in_real_balls])
    density = sum(sum(balls) for balls in in_real_balls) / (k * len(fake))
    recall = np.mean(
        [
            any(real_to_fake[i, j] <= fake_radii[j] for j in range(len(fake)))
            for i in range(len(real))
        ]
    )
    coverage = np.mean(
        [
            any(real_to_fake[i, j] <= real_radii[i] for j in range(len(fake)))
            for i in range(len(real))
        ]
    )
    return precision, recall, density, coverage


@pytest.fixture(scope="module")
def references(sets):
    """``reference_metrics`` of ``sets`` for k = 3 and 5, computed once (the loops are slow)."""
    real, fake = sets
    return {k: reference_metrics(real, fake, k) for k in (3, 5)}


@pytest.mark.usefixtures("float64")
@pytest.mark.parametrize("k", [3, 5])
@pytest.mark.parametrize("chunk_size", [7, 64, NUM_REAL])
def test_matches_brute_force(sets, references, k, chunk_size):
    real, fake = sets
    precision, recall = precision_recall(real, fake, k, chunk_size=chunk_size)
    density, coverage = density_coverage(real, fake, k, chunk_size=chunk_size)
    expected = references[k]
    assert all(0 < value < 1 for value in (expected[0], expected[1], expected[3]))
    for value in (precision, recall, density, coverage):
        assert value.shape == () and value.dtype == jnp.float64
    np.testing.assert_allclose([precision, recall, density, coverage], expected, rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("k", [1, 5])
def test_identical_sets(dtype, k):
    samples = np.random.default_rng(k).integers(-500, 501, size=(NUM_REAL, DIM)).astype(dtype)
    sorted_sq = np.sort(cdist(samples, samples, "sqeuclidean"), axis=1)  # column 0: itself
    assert np.all(sorted_sq[:, k] < sorted_sq[:, k + 1])  # the docstring's no-tie condition
    with jax.enable_x64(dtype == np.float64):
        for chunk_size in (7, NUM_REAL):
            precision, recall = precision_recall(samples, samples, k, chunk_size=chunk_size)
            density, coverage = density_coverage(samples, samples, k, chunk_size=chunk_size)
            assert (float(precision), float(recall), float(coverage)) == (1.0, 1.0, 1.0)
            np.testing.assert_allclose(density, (k + 1) / k, rtol=1e-6)


def test_far_apart_sets_score_zero():
    rng = np.random.default_rng(3)
    real = rng.normal(size=(60, DIM)).astype(np.float32)
    fake = rng.normal(size=(40, DIM)).astype(np.float32) + 1000
    precision, recall = precision_recall(real, fake)
    density, coverage = density_coverage(real, fake)
    assert [float(v) for v in (precision, recall, density, coverage)] == [0.0] * 4


def test_ties_at_the_boundary_count_as_inside():
    real = np.array([[0.0], [1.0], [3.0]])
    fake = np.array([[-1.0], [5.0], [-2.0], [6.0]])
    precision, recall = precision_recall(real, fake, k=1)
    density, coverage = density_coverage(real, fake, k=1)
    np.testing.assert_allclose([precision, recall], [1 / 2, 1 / 3], rtol=1e-6)
    np.testing.assert_allclose([density, coverage], [1 / 2, 2 / 3], rtol=1e-6)
    np.testing.assert_allclose(
        [precision, recall, density, coverage], reference_metrics(real, fake, 1), rtol=1e-6
    )


def test_runs_under_jit_in_float32(sets):
    real, fake = (x.astype(np.float32) for x in sets)
    static = ("k", "chunk_size")
    precision, recall = jax.jit(precision_recall, static_argnames=static)(real, fake, k=3)
    density, coverage = jax.jit(density_coverage, static_argnames=static)(real, fake, k=5)
    assert precision.dtype == jnp.float32 and density.dtype == jnp.float32
    np.testing.assert_allclose([precision, recall], precision_recall(real, fake, k=3), rtol=1e-6)
    np.testing.assert_allclose([density, coverage], density_coverage(real, fake, k=5), rtol=1e-6)


@pytest.mark.parametrize("metric", [precision_recall, density_coverage])
@pytest.mark.parametrize(
    "real_shape, fake_shape, k, argument",
    [
        ((10,), (8, 2), 3, "real"),
        ((10, 2), (8, 2, 1), 3, "fake"),
        ((10, 2), (8, 3), 3, "fake"),
        ((3, 2), (8, 2), 3, "k"),
        ((10, 2), (8, 2), 0, "k"),
    ],
)
def test_bad_inputs_are_refused_naming_the_argument(metric, real_shape, fake_shape, k, argument):
    with pytest.raises(ValueError, match=rf"^{argument} must"):
        metric(np.zeros(real_shape), np.zeros(fake_shape), k)


def test_recall_needs_more_fake_samples_than_k():
    # Recall uses the fake samples' k-NN balls; density and coverage only the real ones.
    real, fake = np.random.default_rng(4).normal(size=(2, 10, 2))
    with pytest.raises(ValueError, match="^k must"):
        precision_recall(real, fake[:3], k=3)
    density, coverage = density_coverage(real, fake[:3], k=3)
    assert np.isfinite(float(density)) and 0 <= float(coverage) <= 1


def test_chunk_size_must_be_positive():
    real = np.zeros((10, 2))
    with pytest.raises(ValueError, match="^chunk_size must"):
        precision_recall(real, real, chunk_size=0)
    with pytest.raises(ValueError, match="^chunk_size must"):
        density_coverage(real, real, chunk_size=0)
