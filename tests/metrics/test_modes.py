"""``mode_coverage`` against a numpy loop over samples and modes, and hand-derived cases;
``label_mode_coverage`` against hand computations and ``scipy.stats.entropy``."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.stats

from jaxgen.data.toy import MIXTURES
from jaxgen.metrics import mode_coverage
from jaxgen.metrics.modes import label_mode_coverage

KEYS = ("modes_covered", "num_modes", "high_quality", "kl", "counts")


def reference_mode_coverage(samples, centers, std, min_samples=1):
    """The VEEGAN/PacGAN protocol in float64, one sample and one mode at a time."""
    samples, centers = np.asarray(samples, np.float64), np.asarray(centers, np.float64)
    num_modes = len(centers)
    counts = [0] * num_modes
    for x in samples:
        nearest, nearest_distance = 0, math.inf
        for m, center in enumerate(centers):
            distance = math.sqrt(sum((xi - ci) ** 2 for xi, ci in zip(x, center, strict=True)))
            if distance < nearest_distance:
                nearest, nearest_distance = m, distance
        # The float32 implementation must take the same side of 3σ as this float64 one.
        assert abs(nearest_distance - 3 * std) > 1e-4 * std
        if nearest_distance <= 3 * std:
            counts[nearest] += 1
    total = sum(counts)
    kl = math.log(num_modes)
    if total:
        kl = sum(c / total * math.log(c / total * num_modes) for c in counts if c)
    return {
        "modes_covered": sum(c >= min_samples for c in counts),
        "num_modes": num_modes,
        "high_quality": total / len(samples),
        "kl": kl,
        "counts": np.array(counts),
    }


def near_mixture(name, seed, num_samples=400):
    """Samples spread at 2σ around a random, unevenly weighted subset of the modes, plus outliers.

    At 2σ per coordinate about a third of the points fall outside 3σ, some modes get none, and the
    weights make the histogram uneven, so every output is away from its trivial value.
    """
    centers, std = MIXTURES[name]
    rng = np.random.default_rng(seed)
    weights = rng.dirichlet(np.ones(len(centers))) * (rng.random(len(centers)) < 0.7)
    labels = rng.choice(len(centers), size=num_samples, p=weights / weights.sum())
    samples = centers[labels] + rng.normal(scale=2 * std, size=(num_samples, 2))
    outliers = rng.random(num_samples) < 0.1
    samples[outliers] = rng.uniform(-5, 5, size=(outliers.sum(), 2))
    return samples.astype(np.float32), centers, std


def assert_results_equal(result, expected):
    assert set(result) == set(KEYS)
    for key in ("modes_covered", "num_modes"):
        assert int(result[key]) == expected[key], key
    np.testing.assert_array_equal(result["counts"], expected["counts"])
    np.testing.assert_allclose(float(result["high_quality"]), expected["high_quality"], rtol=1e-6)
    np.testing.assert_allclose(float(result["kl"]), expected["kl"], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("min_samples", [1, 5])
@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("name", ["ring8", "grid25"])
def test_matches_the_reference_near_toy_mixtures(name, seed, min_samples):
    samples, centers, std = near_mixture(name, seed)
    expected = reference_mode_coverage(samples, centers, std, min_samples)
    assert 0 < expected["modes_covered"] < len(centers)
    assert 0 < expected["high_quality"] < 1 and expected["kl"] > 0.05
    assert_results_equal(mode_coverage(samples, centers, std, min_samples=min_samples), expected)


@pytest.mark.parametrize("name", ["ring8", "grid25"])
def test_all_samples_on_one_center_cover_one_mode_with_the_largest_kl(name):
    """p = e_k, so KL = 1·log(1·M) = log M; each sample is at distance 0 ≤ 3σ."""
    centers, std = MIXTURES[name]
    samples = np.repeat(centers[3:4], 50, axis=0)
    result = mode_coverage(samples, centers, std)
    assert int(result["modes_covered"]) == 1 and int(result["num_modes"]) == len(centers)
    assert float(result["high_quality"]) == 1.0
    np.testing.assert_array_equal(result["counts"], 50 * (np.arange(len(centers)) == 3))
    np.testing.assert_allclose(float(result["kl"]), math.log(len(centers)), rtol=1e-6)


@pytest.mark.parametrize("name", ["ring8", "grid25"])
def test_equal_numbers_on_every_center_cover_all_modes_with_zero_kl(name):
    """p_m = 1/M, so KL = Σ (1/M) log(M/M) = 0."""
    centers, std = MIXTURES[name]
    samples = jnp.asarray(np.tile(centers, (4, 1)))
    result = mode_coverage(samples, jnp.asarray(centers), std)
    assert int(result["modes_covered"]) == len(centers)
    np.testing.assert_array_equal(result["counts"], np.full(len(centers), 4))
    assert float(result["high_quality"]) == 1.0
    np.testing.assert_allclose(float(result["kl"]), 0.0, atol=1e-6)


def test_the_quality_threshold_is_three_stds():
    """Around grid25's center (2, −4), σ = 0.05: along the unit vector (0.6, 0.8) a point at 2.9σ
    (0.145) is high quality and one at 3.1σ (0.155) is not; both stay nearest to (2, −4), whose
    neighbours are 2 away. So one sample of two is high quality, on mode 15, and KL = log 25."""
    centers, std = MIXTURES["grid25"]
    mode = int(np.flatnonzero((centers == (2.0, -4.0)).all(axis=1))[0])
    direction = np.array([0.6, 0.8])
    samples = centers[mode] + np.array([2.9, 3.1])[:, None] * std * direction
    result = mode_coverage(samples, centers, std)
    assert mode == 15 and int(result["modes_covered"]) == 1
    np.testing.assert_array_equal(result["counts"], np.arange(25) == mode)
    assert float(result["high_quality"]) == 0.5
    np.testing.assert_allclose(float(result["kl"]), math.log(25), rtol=1e-6)


def test_samples_far_away_cover_no_mode_and_take_the_worst_kl():
    """No sample within 3σ: counts are 0, and KL takes its documented value log M."""
    centers, std = MIXTURES["ring8"]
    samples = np.array([[100.0, 100.0], [0.0, 0.0], [-3.0, 2.0]])
    result = mode_coverage(samples, centers, std)
    assert int(result["modes_covered"]) == 0 and float(result["high_quality"]) == 0.0
    np.testing.assert_array_equal(result["counts"], np.zeros(8))
    np.testing.assert_allclose(float(result["kl"]), math.log(8), rtol=1e-6)


def test_non_finite_samples_are_not_high_quality():
    centers, std = MIXTURES["ring8"]
    samples = np.array([[np.nan, 0.0], [np.inf, np.inf], centers[2]])
    result = mode_coverage(samples, centers, std)
    np.testing.assert_array_equal(result["counts"], np.arange(8) == 2)
    np.testing.assert_allclose(float(result["high_quality"]), 1 / 3, rtol=1e-6)


def test_vmap_over_sample_sets_equals_each_set():
    sets = [near_mixture("grid25", seed) for seed in range(3)]
    centers, std = sets[0][1], sets[0][2]
    stacked = np.stack([samples for samples, _, _ in sets])
    batched = jax.vmap(mode_coverage, in_axes=(0, None, None))(stacked, centers, std)
    # A traced std skips the value check and gives the same numbers.
    every_centers = np.stack([centers] * 3)
    traced_std = jax.jit(jax.vmap(mode_coverage))(stacked, every_centers, jnp.full(3, std))
    for i, (samples, _, _) in enumerate(sets):
        single = mode_coverage(samples, centers, std)
        for key in KEYS:
            np.testing.assert_allclose(batched[key][i], single[key], rtol=1e-6, err_msg=key)
            np.testing.assert_allclose(traced_std[key][i], single[key], rtol=1e-6, err_msg=key)


def test_mixed_dtypes_pass_strict_promotion_under_x64():
    samples, centers, std = near_mixture("ring8", 0, num_samples=50)
    expected = reference_mode_coverage(samples, centers, std)
    with jax.enable_x64(True), jax.numpy_dtype_promotion("strict"):
        result = mode_coverage(samples, centers, std)  # float32 samples, float64 centers
    assert_results_equal(result, expected)


@pytest.mark.parametrize(
    ("samples_shape", "centers_shape", "std", "kwargs", "argument"),
    [
        ((10,), (8, 2), 0.01, {}, "samples"),
        ((0, 2), (8, 2), 0.01, {}, "samples"),
        ((10, 2), (8,), 0.01, {}, "centers"),
        ((10, 2), (8, 3), 0.01, {}, "centers"),
        ((10, 2), (8, 2), 0.0, {}, "std"),
        ((10, 2), (8, 2), np.array([0.01, 0.01]), {}, "std"),
        ((10, 2), (8, 2), 0.01, {"min_samples": 0}, "min_samples"),
    ],
)
def test_bad_inputs_are_refused_naming_the_argument(
    samples_shape, centers_shape, std, kwargs, argument
):
    with pytest.raises(ValueError, match=rf"^{argument} must"):
        mode_coverage(np.zeros(samples_shape), np.zeros(centers_shape), std, **kwargs)


# label_mode_coverage: modes hit and KL to uniform from class labels (stacked MNIST protocol).

LABEL_KEYS = ("modes", "kl", "counts")


def test_label_coverage_of_a_hand_computed_histogram():
    """Labels 0, 0, 1, 3 of M = 4: counts (2, 1, 0, 1), three modes hit and p = (½, ¼, 0, ¼), so
    KL = ½ log(½ · 4) + ¼ log(¼ · 4) + 0 + ¼ log(¼ · 4) = ½ log 2."""
    result = label_mode_coverage(np.array([0, 0, 1, 3]), num_modes=4)
    assert set(result) == set(LABEL_KEYS)
    assert int(result["modes"]) == 3 and result["modes"].dtype == jnp.int32
    np.testing.assert_array_equal(result["counts"], [2, 1, 0, 1])
    np.testing.assert_allclose(float(result["kl"]), 0.5 * math.log(2), rtol=1e-6)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_label_coverage_matches_scipy_on_skewed_stacked_mnist_labels(seed):
    """1,000 modes, Dirichlet-weighted with some weights zeroed, so some modes are missed."""
    rng = np.random.default_rng(seed)
    weights = rng.dirichlet(np.full(1000, 0.3)) * (rng.random(1000) < 0.8)
    labels = rng.choice(1000, size=26_000, p=weights / weights.sum())
    counts = np.bincount(labels, minlength=1000)
    result = label_mode_coverage(jnp.asarray(labels, jnp.int32), 1000)
    assert 500 < int(result["modes"]) < 1000
    assert int(result["modes"]) == len(np.unique(labels))
    np.testing.assert_array_equal(result["counts"], counts)
    # scipy.stats.entropy normalizes both arguments: KL(counts/N ‖ uniform).
    expected = scipy.stats.entropy(counts, np.ones(1000))
    np.testing.assert_allclose(float(result["kl"]), expected, rtol=1e-5)


@pytest.mark.parametrize("num_modes", [1, 10, 1000])
def test_label_coverage_of_one_mode_and_of_a_balanced_histogram(num_modes):
    collapsed = label_mode_coverage(np.full(50, num_modes - 1), num_modes)
    assert int(collapsed["modes"]) == 1
    np.testing.assert_allclose(float(collapsed["kl"]), math.log(num_modes), atol=1e-6)
    balanced = label_mode_coverage(np.tile(np.arange(num_modes), 3), num_modes)
    assert int(balanced["modes"]) == num_modes
    np.testing.assert_array_equal(balanced["counts"], np.full(num_modes, 3))
    np.testing.assert_allclose(float(balanced["kl"]), 0.0, atol=1e-6)


def test_label_coverage_jits_with_static_num_modes_and_vmaps_over_sets():
    rng = np.random.default_rng(3)
    sets = rng.integers(0, 7, size=(4, 30)) * rng.integers(1, 3, size=(4, 1))  # some skewed
    jitted = jax.jit(label_mode_coverage, static_argnames="num_modes")
    batched = jax.vmap(lambda labels: label_mode_coverage(labels, 13))(sets)
    for i, labels in enumerate(sets):
        single = label_mode_coverage(labels, 13)
        for key in LABEL_KEYS:
            np.testing.assert_allclose(jitted(labels, num_modes=13)[key], single[key], rtol=1e-6)
            np.testing.assert_allclose(batched[key][i], single[key], rtol=1e-6, err_msg=key)


def test_label_coverage_under_jit_leaves_out_of_range_labels_uncounted():
    """Traced labels cannot be checked: −1 and M are dropped (not wrapped to mode M − 1), and
    with nothing counted the KL takes its documented worst value log M."""
    jitted = jax.jit(label_mode_coverage, static_argnames="num_modes")
    result = jitted(jnp.array([-1, 2, 2, 5, 7, 1]), num_modes=5)
    expected = label_mode_coverage(np.array([2, 2, 1]), 5)
    for key in LABEL_KEYS:
        np.testing.assert_allclose(result[key], expected[key], rtol=1e-6, err_msg=key)
    nothing = jitted(jnp.array([-1, 5]), num_modes=5)
    assert int(nothing["modes"]) == 0
    np.testing.assert_array_equal(nothing["counts"], np.zeros(5))
    np.testing.assert_allclose(float(nothing["kl"]), math.log(5), rtol=1e-6)


def test_label_coverage_of_uniform_samples_has_the_documented_size_bias():
    """The docstring's numbers, each averaged over 20 sets of N uniform labels of M = 1000
    modes: M(1 − (1 − 1/M)^N) modes hit in expectation (N = 2,000, far from 1000), and
    KL ≈ (M − 1)/(2N) = 0.02 for N = 25,000 (the approximation needs N ≫ M)."""
    coverage = jax.vmap(lambda labels: label_mode_coverage(labels, 1000))
    rng = np.random.default_rng(4)
    few = coverage(rng.integers(0, 1000, size=(20, 2000)))
    expected_modes = 1000 * (1 - (1 - 1 / 1000) ** 2000)
    np.testing.assert_allclose(np.mean(few["modes"]), expected_modes, rtol=0.01)
    many = coverage(rng.integers(0, 1000, size=(20, 25_000)))
    np.testing.assert_allclose(np.mean(many["kl"]), 999 / 50_000, rtol=0.05)


def test_label_coverage_accepts_int64_labels_under_x64_and_strict_promotion():
    labels = np.array([0, 4, 4, 2])
    expected = label_mode_coverage(labels, 5)
    with jax.enable_x64(True), jax.numpy_dtype_promotion("strict"):
        result = label_mode_coverage(jnp.asarray(labels, jnp.int64), 5)
    for key in LABEL_KEYS:
        np.testing.assert_allclose(result[key], expected[key], rtol=1e-6, err_msg=key)


@pytest.mark.parametrize(
    ("labels", "num_modes", "argument"),
    [
        (np.zeros((2, 3), np.int32), 10, "labels"),
        (np.zeros(0, np.int32), 10, "labels"),
        (np.array([0.0, 1.0]), 10, "labels"),
        (np.array([0, 10]), 10, "labels"),
        (np.array([-1, 3]), 10, "labels"),
        (np.array([0, 1]), 0, "num_modes"),
        (np.array([0, 1]), True, "num_modes"),
        (np.array([0, 1]), 10.0, "num_modes"),
    ],
)
def test_label_coverage_refuses_bad_inputs_naming_the_argument(labels, num_modes, argument):
    with pytest.raises(ValueError, match=rf"^{argument} must"):
        label_mode_coverage(labels, num_modes)
