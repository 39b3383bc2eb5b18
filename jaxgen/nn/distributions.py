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


def discretized_logistic_log_prob(mean: jax.Array, log_scale: jax.Array, x: jax.Array) -> jax.Array:
    """The discretized logistic of PixelCNN++ (Salimans, Karpathy, Chen & Kingma 2017,
    "PixelCNN++", ICLR, §2.1) for 8-bit values x ∈ {0, …, 255}: ``[batch]``, summed over each
    example's values, from ``mean``, ``log_scale`` and ``x`` of one shape ``[batch, ...]``.

    x is rescaled to x̃ = 2x/255 − 1 ∈ [−1, 1]; value x owns the bin [x̃ − 1/255, x̃ + 1/255]
    (width 2/255, one intensity level), so with F the logistic CDF of location μ and scale
    s = exp(log_scale), a = (x̃ − 1/255 − μ)/s and b = (x̃ + 1/255 − μ)/s,

        p(x) = σ(b) − σ(a)     for 0 < x < 255,
        p(0) = σ(b),           p(255) = 1 − σ(a)       (the edge bins reach −∞ and +∞),

    and the 256 probabilities sum to 1. The difference is taken in log space as
    log(σ(b) − σ(a)) = log σ(b) + log σ(−a) + log(1 − e^{a−b}), exact and finite where
    σ(b) − σ(a) rounds to 0 (a bin many scales from μ); PixelCNN++'s implementation instead
    falls back to the density at the bin centre there.
    """
    if not mean.shape == log_scale.shape == x.shape:
        raise ValueError(
            f"discretized_logistic_log_prob needs mean, log_scale and x of one shape, got "
            f"{mean.shape}, {log_scale.shape} and {x.shape}"
        )
    values = x.astype(mean.dtype)
    centre = values * (2 / 255) - 1
    inverse_scale = jnp.exp(-log_scale)
    lower = (centre - 1 / 255 - mean) * inverse_scale
    upper = (centre + 1 / 255 - mean) * inverse_scale
    log_below_upper = jax.nn.log_sigmoid(upper)
    log_above_lower = jax.nn.log_sigmoid(-lower)
    interior = log_below_upper + log_above_lower + jnp.log(-jnp.expm1(lower - upper))
    log_probs = jnp.where(
        values <= 0, log_below_upper, jnp.where(values >= 255, log_above_lower, interior)
    )
    return jnp.sum(log_probs.reshape(x.shape[0], -1), axis=-1)
