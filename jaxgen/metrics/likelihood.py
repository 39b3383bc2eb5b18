"""Likelihood-based numbers: bits per dimension and anomaly scores.

**Bits per dimension.** A negative log-likelihood of −log p(x) nats for an example of D
dimensions (pixels × channels) is

    bits/dim = −log p(x) / (D · ln 2).

For 8-bit data x ∈ {0, …, 255}^D and a discrete model (a 256-way softmax per dimension, or
Bernoulli pixels for binarized images), p(x) is a probability and this is the standard number
(the CIFAR-10 bits/dim of PixelRNN/PixelCNN; 8 for a uniform model of 8-bit data).

A continuous density fitted to rescaled data is not comparable as it stands: if the model sees
y = a·x + b (e.g. a = 1/256 for [0, 1), a = 1/127.5 for [−1, 1]), then by the change of
variables p_x(x) = p_y(y)·|a|^D, so

    −log p_x(x) = −log p_y(y) − D·log|a|,

and the D·log|a| term (D·log 256 for a = 1/256, i.e. +8 bits/dim) must be added to the nats
before the conversion. The comparison with discrete models is then fair only when the density
is evaluated on dequantized data, x + u with u ~ U[0, 1)^D, in the units of x: the expected
continuous NLL is an upper bound on the NLL of the discrete model P(x) = ∫_{[0,1)^D} p(x + u) du
(Theis, van den Oord & Bethge 2016, "A note on the evaluation of generative models").

**Anomaly scores.** An explicit model scores an example by its negative log-likelihood: the
higher, the more anomalous (Bishop 1994, "Novelty detection and neural network validation").
"""

import math

import jax.numpy as jnp
import numpy as np


def bits_per_dim(nll_nats, num_dims: int):
    """Bits per dimension ``nll_nats / (num_dims · ln 2)``; ``nll_nats`` a scalar or an array of
    per-example NLLs (nats), ``num_dims`` = D the dimensions of one example (H·W·C)."""
    if isinstance(num_dims, bool) or not isinstance(num_dims, int | np.integer) or num_dims < 1:
        raise ValueError(
            f"bits_per_dim needs num_dims, the dimensions of one example (H·W·C), as a positive "
            f"integer; got {num_dims!r}"
        )
    return jnp.asarray(nll_nats) / (int(num_dims) * math.log(2))


def anomaly_scores(log_prob_fn, x):
    """−log p(x) per example, ``[batch]``: higher is more anomalous.

    ``log_prob_fn`` maps x ``[batch, ...]`` to log-likelihoods ``[batch]`` in nats, e.g.
    ``lambda x: model.apply(variables, x, method="log_prob")``.
    """
    log_probs = jnp.asarray(log_prob_fn(x))
    if log_probs.shape != (x.shape[0],):
        raise ValueError(
            f"anomaly_scores needs log_prob_fn to return one log-likelihood per example, shape "
            f"[{x.shape[0]}] for x of shape {tuple(x.shape)}; got shape {log_probs.shape}"
        )
    return -log_probs
