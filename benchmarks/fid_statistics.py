"""Seconds of jaxgen's FID, KID and precision/recall statistics against numpy/scipy references
on the same features, and how far apart their values are, measured in one run.

    .venv/bin/python benchmarks/fid_statistics.py            # N = 10,000 and 50,000, d = 2,048
    .venv/bin/python benchmarks/fid_statistics.py --small    # N = 2,000, d = 256 (tests)

Features: two sets of ``N`` synthetic ReLU features of dimension ``d`` (a rank-64 Gaussian
signal plus isotropic noise through a ReLU, like Inception's pool features non-negative), with
different means and covariances (set B's mixing matrix and offset are perturbed copies of
set A's). They are generated in float32, as Inception features are.

Each row times one statistic of the two sets, jitted, in one dtype (float64 under
``jax.enable_x64``): ``1st s`` is the first call (tracing, compiling and running), ``jaxgen s``
the best of ``--repeats`` further calls, with the inputs already on the device. The reference,
run once per statistic and N and the same in both dtype rows, computes in float64 (best of up
to ``--repeats`` runs within ``--budget`` seconds):

- ``fid``: ``gaussian_statistics`` of each set and ``frechet_distance``, against ``np.mean``
  (float64) and ``np.cov(rowvar=False)`` with pytorch-fid's ``calculate_frechet_distance``:
  ``tr sqrtm(Σ1 Σ2)`` by ``scipy.linalg.sqrtm`` (a Schur method), the ``1e-6 I`` offset when
  the product is singular, and the real part.
- ``kid``: ``kid`` (100 subsets of 1,000; ``--small``: 10 of 500) against the unbiased MMD²
  with the cubic kernel in numpy on the very same subsets (drawn as ``jaxgen.metrics.kid``
  documents, outside the reference's time), so the values differ by rounding only.
- ``pr``: ``precision_recall`` (k = 3) against a numpy k-NN in 1,024-row chunks that follows
  Kynkäänniemi et al.'s reference code. At N = 50,000 a cell whose time, extrapolated
  quadratically from N = 10,000, exceeds ``--skip-after`` seconds (2 minutes) is skipped and
  shows the estimate.

``ratio`` is reference s / jaxgen s (above 1: jaxgen is faster). ``rel.diff`` is
``|jaxgen − reference| / |reference|`` of the value (FID; KID's mean; for pr the larger of
precision's and recall's). float64 FID agrees with the reference to ~2e-14. float32
FID keeps only the digits that the cancellation of ``tr Σ1 + tr Σ2 − 2 tr √(Σ1 Σ2)`` leaves
(``jaxgen.metrics.frechet``): on these features (``tr Σ ≈ 1,400``, FID ≈ 190-230) it was off
by 1e-5 to 2e-5 relative (about 3e-6 of ``tr Σ``), and by 3e-7 with ``--small``.
Timings on shared CPUs are noisy: compare rows of one run. The full run took 16 minutes on 2
threads of an AMD EPYC shared with other jobs (``--small``: about 10 s); there jaxgen float32
was 2.9-3.2x faster than numpy/scipy on FID, 1.1-1.6x on KID and 3.4x on pr at N = 10,000,
and pr at N = 50,000 was skipped (estimated 5 minutes for jaxgen float32, 17 for numpy).
"""

import argparse
import time

import jax
import jax.numpy as jnp
import numpy as np
import scipy
import scipy.linalg
from machine import cpu_name

from jaxgen.metrics import frechet_distance, gaussian_statistics, kid, precision_recall

LATENT_DIM = 64
PR_K = 3
PR_CHUNK = 1024
HEADER = ("metric", "N", "d", "dtype", "1st_s", "jaxgen_s", "numpy/scipy_s", "ratio", "value")
HEADER += ("rel.diff",)


def features(num, dim, seed):
    """Two float32 feature sets ``[num, dim]`` with different means and covariances."""
    rng = np.random.default_rng(seed)
    mixing = rng.standard_normal((LATENT_DIM, dim)) / np.sqrt(LATENT_DIM)
    offset = rng.normal(0.5, 0.5, dim)
    sets = []
    for perturbation in (0.0, 0.3):
        set_mixing = mixing + perturbation * rng.standard_normal(mixing.shape) / np.sqrt(LATENT_DIM)
        set_offset = offset + perturbation * rng.standard_normal(dim)
        latents = rng.standard_normal((num, LATENT_DIM))
        noise = rng.standard_normal((num, dim), np.float32)
        values = latents @ set_mixing + set_offset + 0.5 * noise
        sets.append(np.maximum(values, 0).astype(np.float32))
    return sets


# References, in float64 numpy.


def frechet_reference(mu1, sigma1, mu2, sigma2, eps=1e-6):
    """pytorch-fid's ``calculate_frechet_distance`` (``src/pytorch_fid/fid_score.py``)."""
    diff = mu1 - mu2
    covmean = scipy.linalg.sqrtm(sigma1 @ sigma2)
    if not np.isfinite(covmean).all():
        # A singular product: pytorch-fid adds eps to the diagonals and tries again.
        offset = np.eye(sigma1.shape[0]) * eps
        covmean = scipy.linalg.sqrtm((sigma1 + offset) @ (sigma2 + offset))
    if np.iscomplexobj(covmean):
        if not np.allclose(np.diagonal(covmean).imag, 0, atol=1e-3):
            raise ValueError(f"imaginary component {np.max(np.abs(covmean.imag))}")
        covmean = covmean.real
    return diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean)


def fid_reference(feats_a, feats_b):
    statistics = [
        (np.mean(feats, axis=0, dtype=np.float64), np.cov(feats, rowvar=False))
        for feats in (feats_a, feats_b)
    ]
    return frechet_reference(*statistics[0], *statistics[1])


def kid_subset_rows(num_a, num_b, num_subsets, subset_size, key):
    """The rows of each subset that ``jaxgen.metrics.kid`` draws (its module docstring)."""
    rows_a, rows_b = [], []
    for subset_key in jax.random.split(key, num_subsets):
        key_a, key_b = jax.random.split(subset_key)
        rows_a.append(np.asarray(jax.random.permutation(key_a, num_a)[:subset_size]))
        rows_b.append(np.asarray(jax.random.permutation(key_b, num_b)[:subset_size]))
    return rows_a, rows_b


def kid_reference(feats_a, feats_b, rows_a, rows_b):
    """Mean and std (ddof=0) of the unbiased MMD², ``k(x, y) = (xᵀy / d + 1)³``, over subsets."""
    dim = feats_a.shape[1]
    kernel = lambda x, y: (x @ y.T / dim + 1) ** 3
    off_diagonal_mean = lambda k: (k.sum() - np.trace(k)) / (len(k) * (len(k) - 1))
    mmd2s = []
    for subset_a, subset_b in zip(rows_a, rows_b, strict=True):
        x = feats_a[subset_a].astype(np.float64)
        y = feats_b[subset_b].astype(np.float64)
        mmd2s.append(
            off_diagonal_mean(kernel(x, x))
            + off_diagonal_mean(kernel(y, y))
            - 2 * kernel(x, y).mean()
        )
    return np.mean(mmd2s), np.std(mmd2s)


def _sq_distances(a, b):
    return np.maximum((a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2 * a @ b.T, 0)


def _kth_neighbor_sq(points, k):
    radii = np.empty(len(points))
    for start in range(0, len(points), PR_CHUNK):
        block = _sq_distances(points[start : start + PR_CHUNK], points)
        rows = np.arange(len(block))
        block[rows, start + rows] = np.inf  # the point itself
        radii[start : start + PR_CHUNK] = np.partition(block, k - 1, axis=1)[:, k - 1]
    return radii


def _fraction_inside(queries, points, radii_sq):
    inside = [
        (_sq_distances(queries[start : start + PR_CHUNK], points) <= radii_sq).any(axis=1)
        for start in range(0, len(queries), PR_CHUNK)
    ]
    return np.concatenate(inside).mean()


def precision_recall_reference(real, fake, k=PR_K):
    real, fake = real.astype(np.float64), fake.astype(np.float64)
    precision = _fraction_inside(fake, real, _kth_neighbor_sq(real, k))
    recall = _fraction_inside(real, fake, _kth_neighbor_sq(fake, k))
    return precision, recall


# Timing.


def best_time(fn, repeats, budget_s=float("inf")):
    """``(first, best, value)``: the first call's seconds, the best of up to ``repeats`` more
    calls (fewer once ``budget_s`` seconds are spent), and the last value."""
    start = time.perf_counter()
    value = jax.block_until_ready(fn())
    first = time.perf_counter() - start
    spent, best = first, float("inf")
    for _ in range(repeats):
        if spent > budget_s and best < float("inf"):
            break
        start = time.perf_counter()
        value = jax.block_until_ready(fn())
        elapsed = time.perf_counter() - start
        best, spent = min(best, elapsed), spent + elapsed
    return first, best, value


def relative_difference(value, reference):
    value, reference = np.atleast_1d(value), np.atleast_1d(reference)
    return float(np.max(np.abs(value - reference) / np.abs(reference)))


class Benchmark:
    def __init__(self, args):
        self.args = args
        self.rows = []
        self.quadratic_estimates = {}  # (metric, implementation) -> seconds at the last N

    def skip_estimate(self, metric, implementation, num):
        """Seconds expected at ``num`` rows, if over ``--skip-after``; else None."""
        if metric != "pr" or (metric, implementation) not in self.quadratic_estimates:
            return None
        seconds, measured_at = self.quadratic_estimates[(metric, implementation)]
        estimate = seconds * (num / measured_at) ** 2
        return estimate if estimate > self.args.skip_after else None

    def run_metric(self, metric, jaxgen_fn, reference_fn, feats_a, feats_b, value_text):
        num, dim = feats_a.shape
        estimate = self.skip_estimate(metric, "reference", num)
        if estimate is None:
            _, reference_s, reference = best_time(
                lambda: reference_fn(feats_a, feats_b), self.args.repeats, self.args.budget
            )
            self.quadratic_estimates[(metric, "reference")] = (reference_s, num)
            reference_text = f"{reference_s:.3f}"
        else:
            reference, reference_s = None, None
            reference_text = f"skip(~{estimate:.0f})"
        for dtype in (np.float32, np.float64):
            dtype_name = np.dtype(dtype).name
            estimate = self.skip_estimate(metric, dtype_name, num)
            if estimate is not None:
                cells = ("-", f"skip(~{estimate:.0f})", reference_text, "-", "-", "-")
                self.rows.append((metric, str(num), str(dim), dtype_name, *cells))
                continue
            with jax.enable_x64(dtype == np.float64):
                a, b = jax.device_put(feats_a.astype(dtype)), jax.device_put(feats_b.astype(dtype))
                first, best, value = best_time(
                    lambda a=a, b=b: jaxgen_fn(a, b), self.args.repeats, self.args.budget
                )
                value = np.atleast_1d(np.asarray(value, np.float64))
            self.quadratic_estimates[(metric, dtype_name)] = (best, num)
            ratio, difference = "-", "-"
            if reference is not None:
                ratio = f"{reference_s / best:.2f}"
                difference = f"{relative_difference(value, np.asarray(reference)):.1e}"
            self.rows.append(
                (
                    metric,
                    str(num),
                    str(dim),
                    dtype_name,
                    f"{first:.3f}",
                    f"{best:.3f}",
                    reference_text,
                    ratio,
                    value_text(value),
                    difference,
                )
            )

    def print_table(self):
        widths = [max(len(h), *(len(r[i]) for r in self.rows)) for i, h in enumerate(HEADER)]
        for row in (HEADER, *self.rows):
            print("  ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", action="store_true", help="N = 2,000, d = 256 (for tests)")
    parser.add_argument("--repeats", type=int, default=3, help="timed calls after the first")
    parser.add_argument("--budget", type=float, default=60.0, help="seconds per cell, roughly")
    parser.add_argument("--skip-after", type=float, default=120.0, help="see the docstring")
    args = parser.parse_args()
    sizes, dim = ((2000,), 256) if args.small else ((10_000, 50_000), 2048)
    num_subsets, subset_size = (10, 500) if args.small else (100, 1000)
    key = jax.random.PRNGKey(0)

    fid_fn = jax.jit(
        lambda a, b: frechet_distance(*gaussian_statistics(a), *gaussian_statistics(b))
    )
    kid_fn = lambda a, b: kid(a, b, num_subsets, subset_size, key=key)[0]  # the mean
    benchmark = Benchmark(args)
    for num in sizes:
        feats_a, feats_b = features(num, dim, seed=num)
        benchmark.run_metric(
            "fid", fid_fn, fid_reference, feats_a, feats_b, lambda value: f"{value[0]:.4f}"
        )
        rows = kid_subset_rows(num, num, num_subsets, subset_size, key)
        benchmark.run_metric(
            "kid",
            kid_fn,
            lambda a, b, rows=rows: kid_reference(a, b, *rows)[0],
            feats_a,
            feats_b,
            lambda value: f"{value[0]:.6f}",
        )
        benchmark.run_metric(
            "pr",
            lambda a, b: jnp.stack(precision_recall(a, b, PR_K)),
            precision_recall_reference,
            feats_a,
            feats_b,
            lambda value: f"{value[0]:.4f}/{value[1]:.4f}",
        )
        del feats_a, feats_b
    print(
        f"device: {jax.devices()[0].device_kind} x{jax.device_count()}, cpu: {cpu_name()}, "
        f"jax {jax.__version__}, numpy {np.__version__}, scipy {scipy.__version__}"
    )
    print(
        f"repeats {args.repeats} (budget {args.budget:.0f} s a cell); "
        f"kid: {num_subsets} subsets of {subset_size}; pr: k = {PR_K}"
    )
    benchmark.print_table()


if __name__ == "__main__":
    main()
