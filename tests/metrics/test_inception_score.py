"""``inception_score`` against hand-computed cases and the original code's numpy loop."""

import jax
import numpy as np
import pytest

from jaxgen.metrics.inception_score import inception_score


@pytest.fixture
def float64():
    with jax.enable_x64(True):
        yield


def reference_inception_score(probs, splits):
    """openai/improved-gan's loop over chunks, in float64."""
    probs = np.asarray(probs, np.float64)
    num_rows, scores = len(probs), []
    for split in range(splits):
        part = probs[split * num_rows // splits : (split + 1) * num_rows // splits]
        marginal = part.mean(axis=0, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            kl = np.where(part > 0, part * (np.log(part) - np.log(marginal)), 0.0)
        scores.append(np.exp(np.mean(np.sum(kl, axis=1))))
    return np.mean(scores), np.std(scores)


def test_uniform_probabilities_score_one():
    mean, std = inception_score(np.full((20, 5), 0.2, np.float32), splits=4)
    np.testing.assert_allclose(mean, 1.0, rtol=1e-6)
    np.testing.assert_allclose(std, 0.0, atol=1e-6)


def test_evenly_spread_one_hot_scores_num_classes():
    num_classes = 7
    probs = np.eye(num_classes, dtype=np.float32)[np.arange(70) % num_classes]
    mean, std = inception_score(probs, splits=10)
    np.testing.assert_allclose(mean, num_classes, rtol=1e-6)
    np.testing.assert_allclose(std, 0.0, atol=1e-5)


@pytest.mark.usefixtures("float64")
def test_two_by_two_by_hand():
    # Rows (1, 0) and (0.5, 0.5): p(y) = (0.75, 0.25); KL1 = log(4/3),
    # KL2 = 0.5 log(2/3) + 0.5 log 2; IS = exp((KL1 + KL2) / 2).
    probs = np.array([[1.0, 0.0], [0.5, 0.5]])
    expected = np.exp((np.log(4 / 3) + 0.5 * np.log(2 / 3) + 0.5 * np.log(2)) / 2)
    mean, std = inception_score(probs, splits=1)
    np.testing.assert_allclose(mean, expected, rtol=1e-12)
    assert std == 0


@pytest.mark.usefixtures("float64")
@pytest.mark.parametrize("num_rows, splits", [(100, 10), (103, 10), (11, 11), (50, 1)])
def test_matches_reference_loop(num_rows, splits):
    rng = np.random.default_rng(num_rows + splits)
    logits = rng.normal(scale=3.0, size=(num_rows, 12))
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    probs[0] = np.eye(12)[3]  # an exact zero, 0 log 0 = 0
    mean, std = inception_score(probs, splits=splits)
    expected_mean, expected_std = reference_inception_score(probs, splits)
    np.testing.assert_allclose(mean, expected_mean, rtol=1e-12)
    np.testing.assert_allclose(std, expected_std, rtol=1e-9, atol=1e-14)


def test_jit():
    probs = np.random.default_rng(0).dirichlet(np.ones(4), size=30).astype(np.float32)
    jitted = jax.jit(inception_score, static_argnames="splits")
    np.testing.assert_allclose(jitted(probs, splits=3), inception_score(probs, 3), rtol=1e-6)


def test_rejects_bad_inputs():
    with pytest.raises(ValueError, match="probs must have shape"):
        inception_score(np.full(10, 0.1))
    with pytest.raises(ValueError, match="probs must have shape"):
        inception_score(np.full((5, 3), 1 / 3), splits=10)
    with pytest.raises(ValueError, match="probs must be non-negative"):
        inception_score(np.array([[1.5, -0.5], [0.5, 0.5]]), splits=1)
    with pytest.raises(ValueError, match="splits"):
        inception_score(np.full((5, 3), 1 / 3), splits=0)
