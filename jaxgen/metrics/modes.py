"""Mode coverage of samples from a Gaussian mixture: modes captured, high-quality rate, mode KL.

The protocol of VEEGAN (Srivastava, Valkov, Russell, Gutmann & Sutton, "VEEGAN: Reducing mode
collapse in GANs using implicit variational learning", NeurIPS 2017, Table 1) as used by
PacGAN (Lin, Khetan, Fanti & Oh, "PacGAN: The power of two samples in generative adversarial
networks", NeurIPS 2018, Table 1) on the 2D-ring and 2D-grid mixtures
(``jaxgen.data.toy``). For samples ``x_1..x_N`` in ``R^D``, mode centers ``c_1..c_M`` and the
mixture's per-coordinate std ``σ``:

- each sample goes to its nearest center, ``m(x) = argmin_m ‖x − c_m‖`` (Euclidean; ties to
  the lowest index);
- a sample is *high quality* when ``‖x − c_{m(x)}‖ ≤ 3σ``;
- ``counts_m = #{high-quality x with m(x) = m}``, and mode ``m`` is *covered* when
  ``counts_m ≥ min_samples`` (PacGAN: at least one high-quality sample, ``min_samples=1``);
- with ``p_m = counts_m / Σ_k counts_k``, the mode KL (PacGAN's "reverse KL") is
  ``KL(p ‖ uniform) = Σ_m p_m log(p_m M)`` in nats, with ``0 log 0 = 0``; it lies in
  ``[0, log M]``, ``0`` for a perfectly balanced histogram and ``log M`` when every
  high-quality sample sits on one mode.

When no sample is high quality, ``p`` is undefined; the KL is then ``log M``, the worst value
any histogram reaches. A generator that produces nothing near any mode so never scores better
than one that collapses onto a single mode, and the value stays finite, so that averages over a
vmapped seeds axis stay meaningful (``modes_covered = 0`` and ``high_quality = 0`` flag the
case). Non-finite samples are never high quality.
"""

import functools

import jax
import jax.numpy as jnp
from jax.scipy.special import xlogy

from jaxgen.metrics.inputs import compute_dtype

# A sample within this many stds of its nearest center is high quality (VEEGAN, PacGAN).
QUALITY_STDS = 3.0


def mode_coverage(samples, centers, std, *, min_samples=1):
    """Mode coverage of ``samples [N, D]`` against a mixture with ``centers [M, D]`` and ``std``.

    Args:
      samples: ``[N, D]`` numpy or jax array, ``N ≥ 1``.
      centers: ``[M, D]`` mode centers, ``M ≥ 1``, the same ``D`` as ``samples``.
      std: the mixture's per-coordinate std σ, a positive scalar; high quality means within 3σ.
      min_samples: high-quality samples a mode needs to count as covered (PacGAN: 1); static
        (a Python int), so ``jax.jit`` needs it in ``static_argnames``.

    Returns:
      A dict of jax arrays (scalars unless noted), so that the function runs under ``jax.jit``
      and ``jax.vmap`` (e.g. ``jax.vmap(mode_coverage, in_axes=(0, None, None))`` over a
      leading seeds axis); call ``int``/``float`` on them for Python numbers:
      ``"modes_covered"`` (int32) modes with at least ``min_samples`` high-quality samples;
      ``"num_modes"`` (int32) ``M``;
      ``"high_quality"`` (float) fraction of all ``N`` samples that are high quality;
      ``"kl"`` (float) ``KL(p ‖ uniform)`` in nats, ``log M`` when no sample is high quality;
      ``"counts"`` (int32 ``[M]``) high-quality samples nearest to each mode.

    Memory is that of the ``[N, M, D]`` sample-to-center differences; split ``samples`` and add
    the ``counts`` for sets too large for it.

    Raises:
      ValueError: a shape is not the one above, ``std`` is not a positive scalar (checked only
        when ``std`` is concrete, not a tracer), or ``min_samples < 1``.
    """
    samples, centers, std = _check_inputs(samples, centers, std, min_samples)
    return _mode_coverage(samples, centers, std, min_samples=min_samples)


def _check_inputs(samples, centers, std, min_samples):
    # Shapes are static even under jit and vmap, so they are always checked; std's value only
    # when it is concrete.
    samples, centers, std = jnp.asarray(samples), jnp.asarray(centers), jnp.asarray(std)
    if samples.ndim != 2 or samples.shape[0] < 1:
        raise ValueError(f"samples must have shape [N, D] with N >= 1, got {samples.shape}")
    if centers.ndim != 2 or centers.shape[0] < 1:
        raise ValueError(f"centers must have shape [M, D] with M >= 1, got {centers.shape}")
    if centers.shape[1] != samples.shape[1]:
        raise ValueError(
            f"centers must have shape [M, D] with the D of samples {samples.shape} "
            f"(D = {samples.shape[1]}), got {centers.shape}"
        )
    if std.ndim != 0:
        raise ValueError(f"std must be a scalar (shape ()), got shape {std.shape}")
    if not isinstance(std, jax.core.Tracer) and not float(std) > 0:
        raise ValueError(f"std must be > 0, got {float(std)}")
    if isinstance(min_samples, bool) or not isinstance(min_samples, int) or min_samples < 1:
        raise ValueError(f"min_samples must be an int >= 1, got {min_samples!r}")
    # std only sets a threshold and follows the points' dtype.
    dtype = compute_dtype(samples, centers)
    return samples.astype(dtype), centers.astype(dtype), std.astype(dtype)


@functools.partial(jax.jit, static_argnames="min_samples")
def _mode_coverage(samples, centers, std, *, min_samples):
    num_samples, num_modes = samples.shape[0], centers.shape[0]
    # Differences rather than ‖x‖² − 2x·c + ‖c‖²: the expansion loses the small distances that
    # the 3σ test compares to the cancellation of ‖x‖² and ‖c‖² (|x| ≈ 4, σ = 0.05 on grid25).
    squared_distances = jnp.sum(jnp.square(samples[:, None, :] - centers[None, :, :]), axis=-1)
    nearest = jnp.argmin(squared_distances, axis=1)
    high_quality = jnp.min(squared_distances, axis=1) <= jnp.square(QUALITY_STDS * std)
    counts = jnp.zeros(num_modes, jnp.int32).at[nearest].add(high_quality.astype(jnp.int32))
    total = jnp.sum(counts)
    probabilities = counts.astype(samples.dtype) / jnp.maximum(total, 1).astype(samples.dtype)
    kl = jnp.sum(xlogy(probabilities, probabilities * num_modes))
    worst_kl = jnp.log(jnp.asarray(num_modes, samples.dtype))
    return {
        "modes_covered": jnp.sum(counts >= min_samples, dtype=jnp.int32),
        "num_modes": jnp.asarray(num_modes, jnp.int32),
        "high_quality": total.astype(samples.dtype) / num_samples,
        "kl": jnp.where(total > 0, kl, worst_kl),
        "counts": counts,
    }


__all__ = ["QUALITY_STDS", "mode_coverage"]
