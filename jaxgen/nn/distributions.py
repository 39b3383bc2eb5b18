"""The per-pixel output distributions of the explicit models, as log-likelihoods in nats.

``bernoulli_log_prob``: binary pixels x ∈ {0, 1} with logits l, log p(x) = x·log σ(l) +
(1 − x)·log σ(−l), summed over each example's pixels; ``log_sigmoid`` keeps it finite at any
finite logit (log σ(−100) = −100, where log(1 − σ(100)) would be −inf in float32).
"""

import jax
import jax.numpy as jnp


def bernoulli_log_prob(logits: jax.Array, x: jax.Array) -> jax.Array:
    """``Σ_pixels x·log σ(l) + (1 − x)·log σ(−l)``: ``[batch]`` from ``[batch, ...]`` inputs.

    ``logits`` and ``x`` hold the same number of values per example (any layout).
    """
    pixels = x.reshape(x.shape[0], -1)
    logits = logits.reshape(logits.shape[0], -1)
    if pixels.shape != logits.shape:
        raise ValueError(
            f"bernoulli_log_prob needs one logit per pixel, got logits {logits.shape} and "
            f"pixels {pixels.shape}"
        )
    return jnp.sum(
        pixels * jax.nn.log_sigmoid(logits) + (1 - pixels) * jax.nn.log_sigmoid(-logits), axis=-1
    )
