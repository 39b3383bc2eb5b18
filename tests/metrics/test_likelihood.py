"""``bits_per_dim`` by hand and ``anomaly_scores`` = −log_prob."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgen.metrics.likelihood import anomaly_scores, bits_per_dim
from jaxgen.nn.fvsbn import FVSBN


def test_bits_per_dim_by_hand():
    # 79.20 nats on 28×28 binarized MNIST (Diagonal BiLSTM): 79.20 / (784 · 0.693147…) bits.
    np.testing.assert_allclose(bits_per_dim(79.20, 784), 0.145742, rtol=1e-5)
    # A uniform model of 8-bit data: D·log 256 nats, 8 bits/dim; one bit per binary pixel.
    np.testing.assert_allclose(bits_per_dim(3072 * math.log(256), 3072), 8.0, rtol=1e-6)
    np.testing.assert_allclose(bits_per_dim(np.array([0.0, 784 * math.log(2)]), 784), [0, 1])
    # 3.00 bits/dim on CIFAR-10 is 3 · 3072 · ln 2 = 6,388.04 nats per image.
    np.testing.assert_allclose(bits_per_dim(6388.04, 32 * 32 * 3), 3.00, rtol=1e-6)


def test_bits_per_dim_with_a_rescaled_continuous_density():
    """The docstring's change of variables: the uniform density on [0, 1)^D of y = x / 256 has
    NLL 0 in y; in units of x it is 0 − D·log(1/256) nats, 8 bits/dim."""
    num_dims, scale = 12, 1 / 256
    nll_y = 0.0
    np.testing.assert_allclose(bits_per_dim(nll_y - num_dims * math.log(scale), num_dims), 8.0)


@pytest.mark.parametrize("num_dims", [0, -3, 2.5, True, "784"])
def test_bits_per_dim_refuses_a_bad_dimension_count(num_dims):
    with pytest.raises(ValueError, match="positive integer"):
        bits_per_dim(1.0, num_dims)


def test_bits_per_dim_accepts_numpy_integers():
    np.testing.assert_allclose(bits_per_dim(math.log(2), np.int64(1)), 1.0, rtol=1e-6)


def test_anomaly_scores_are_negative_log_likelihoods():
    model = FVSBN((2, 2, 1))
    images = np.random.default_rng(0).integers(0, 2, (6, 2, 2, 1)).astype(np.float32)
    variables = model.init(jax.random.PRNGKey(0), images)
    log_prob = jax.jit(lambda x: model.apply(variables, x, method="log_prob"))
    scores = anomaly_scores(log_prob, images)
    assert scores.shape == (6,)
    np.testing.assert_array_equal(scores, -log_prob(images))
    assert np.all(scores > 0)  # probabilities of binary images are below 1


def test_anomaly_scores_refuse_a_log_prob_that_is_not_per_example():
    with pytest.raises(ValueError, match=r"shape \[4\].*got shape \(4, 3\)"):
        anomaly_scores(lambda x: jnp.zeros((4, 3)), np.zeros((4, 3)))
