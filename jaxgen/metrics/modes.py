"""Mode coverage and the KL of the mode histogram to uniform, of points or of class labels.

``label_mode_coverage`` takes the mode that a classifier gave each sample (stacked MNIST's
1,000 digit triples, ``jaxgen.data.stacked``); its docstring states that protocol.
``mode_coverage`` assigns points to the modes of a toy Gaussian mixture, with the protocol of
VEEGAN (Srivastava, Valkov, Russell, Gutmann & Sutton, "VEEGAN: Reducing mode
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


def label_mode_coverage(labels, num_modes):
    """Modes hit and the KL of their histogram to uniform, from the mode label of each sample.

    The stacked-MNIST protocol of Metz, Poole, Pfau & Sohl-Dickstein ("Unrolled generative
    adversarial networks", ICLR 2017, Section 3.3.1 and Table 2: "modes generated" and
    ``KL(model ‖ data)``) and of VEEGAN (Srivastava et al. 2017, Section 5 and Table 2: modes
    captured out of 1,000 and the KL divergence between the distribution of generated modes
    and the true, uniform one), also used by PacGAN (Lin et al. 2018, Table 3). A classifier
    assigns each of ``N`` generated samples a mode ``y_i`` in ``0..M−1`` (stacked MNIST: a
    digit classifier on each channel, ``y = 100 d_R + 10 d_G + d_B``, ``M = 1000``); then

    - ``counts_m = #{i : y_i = m}``, and ``modes = #{m : counts_m ≥ 1}``: a mode is hit by
      any one sample (no quality threshold, unlike ``mode_coverage``);
    - ``p_m = counts_m / N`` and ``KL(p ‖ uniform) = Σ_m p_m log(p_m M) = log M − H(p)`` in
      nats, ``0 log 0 = 0`` (the data distribution, uniform, is the second argument: model ‖
      data, PacGAN's "reverse KL"; ``scipy.stats.entropy(counts, np.ones(M))``). It lies in
      ``[0, log M]``: 0 for a perfectly balanced histogram, ``log M`` (6.91 for ``M = 1000``)
      when every sample has one mode.

    Both depend on ``N``, which results must therefore state (VEEGAN and PacGAN classify a
    fixed number of samples). ``N`` samples of a generator that is exactly uniform hit
    ``M (1 − (1 − 1/M)^N)`` modes in expectation, and their KL is not 0 but about
    ``(M − 1) / (2N)`` nats when ``N ≫ M`` (the bias of the plug-in estimate; 0.02 for
    ``M = 1000``, ``N = 25,000``): compare against the same statistic on as many real samples.

    Args:
      labels: ``[N]`` integer mode labels, ``N ≥ 1``, values in ``[0, num_modes)``.
      num_modes: ``M``, a Python int ``≥ 1``; static, so ``jax.jit`` needs it in
        ``static_argnames``.

    Returns:
      A dict of jax arrays, so that the function runs under ``jax.jit`` and ``jax.vmap``:
      ``"modes"`` (int32) modes hit, ``"kl"`` (float32) ``KL(p ‖ uniform)`` in nats,
      ``"counts"`` (int32 ``[M]``) samples per mode.

    Raises:
      ValueError: ``labels`` is not ``[N]`` of an integer dtype, ``num_modes`` is not an int
        ``≥ 1``, or (only when ``labels`` is concrete, not a tracer) a label lies outside
        ``[0, num_modes)``. Under a transformation the values cannot be checked: labels
        outside the range are then left out of ``counts``, ``p`` is normalized over the labels
        counted, and the KL is ``log M`` if none is.
    """
    if isinstance(num_modes, bool) or not isinstance(num_modes, int) or num_modes < 1:
        raise ValueError(f"num_modes must be an int >= 1, got {num_modes!r}")
    labels = jnp.asarray(labels)
    if labels.ndim != 1 or labels.shape[0] < 1:
        raise ValueError(f"labels must have shape [N] with N >= 1, got {labels.shape}")
    if not jnp.issubdtype(labels.dtype, jnp.integer):
        raise ValueError(f"labels must have an integer dtype, got {labels.dtype}")
    if not isinstance(labels, jax.core.Tracer):
        low, high = int(jnp.min(labels)), int(jnp.max(labels))
        if low < 0 or high >= num_modes:
            raise ValueError(
                f"labels must lie in [0, {num_modes}) for num_modes={num_modes}, "
                f"got values in [{low}, {high}]"
            )
    return _label_mode_coverage(labels.astype(jnp.int32), num_modes=num_modes)


@functools.partial(jax.jit, static_argnames="num_modes")
def _label_mode_coverage(labels, *, num_modes):
    in_range = (labels >= 0) & (labels < num_modes)
    # Scatter indices wrap when negative, so every out-of-range label goes to index M, which
    # mode="drop" discards.
    counts = (
        jnp.zeros(num_modes, jnp.int32)
        .at[jnp.where(in_range, labels, num_modes)]
        .add(1, mode="drop")
    )
    total = jnp.sum(counts)
    probabilities = counts.astype(jnp.float32) / jnp.maximum(total, 1).astype(jnp.float32)
    kl = jnp.sum(xlogy(probabilities, probabilities * num_modes))
    worst_kl = jnp.log(jnp.asarray(num_modes, jnp.float32))
    return {
        "modes": jnp.sum(counts > 0, dtype=jnp.int32),
        "kl": jnp.where(total > 0, kl, worst_kl),
        "counts": counts,
    }


__all__ = ["QUALITY_STDS", "label_mode_coverage", "mode_coverage"]
