"""The per-pixel output distributions of the explicit models, as log-likelihoods in nats.

``bernoulli_log_prob``: binary pixels x ∈ {0, 1} with logits l, log p(x) = x·log σ(l) +
(1 − x)·log σ(−l), summed over each example's pixels; ``log_sigmoid`` keeps it finite at any
finite logit (log σ(−100) = −100, where log(1 − σ(100)) would be −inf in float32).

``categorical_log_prob``: pixel values x ∈ {0, …, L − 1} (L = 256 for 8-bit images) with
logits l ``[..., L]``, log p(x) = l_x − logsumexp(l) (a softmax over the L levels), summed
over each example's values (pixels × channels).
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


def categorical_log_prob(logits: jax.Array, x: jax.Array) -> jax.Array:
    """``Σ_values log softmax(l)[x]``: ``[batch]`` for integer ``x`` ``[batch, ...]`` and
    ``logits`` ``[batch, ..., levels]`` (the layout of x plus a trailing axis of levels)."""
    if logits.shape[:-1] != x.shape:
        raise ValueError(
            f"categorical_log_prob needs logits of x's shape plus an axis of levels, got logits "
            f"{logits.shape} and values {x.shape}"
        )
    values = x.astype(jnp.int32)[..., None]
    log_probs = jnp.take_along_axis(jax.nn.log_softmax(logits, axis=-1), values, axis=-1)
    return jnp.sum(log_probs.reshape(x.shape[0], -1), axis=-1)
