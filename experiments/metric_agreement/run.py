"""jaxgen's sample statistics beside the reference implementations, and FID's bias in N.

    .venv/bin/python -m experiments.metric_agreement.run [--out DIR] [--quick]

1. Agreement. The mnist5k classifier embeds the train split (the reference set, 4,000 images)
   and "generated-like" sets made from the test split without a generator (``make_sets``).
   On the SAME feature arrays, jaxgen's statistics are set beside the reference codes'
   (``references.py``):

   - FID: pytorch-fid's ``calculate_frechet_distance`` (numpy, ``scipy.linalg.sqrtm``) on
     pytorch-fid's statistics (``np.mean``, ``np.cov(rowvar=False)``), against ``fid`` in
     float32 (what ``jaxgen eval`` computes) and in float64;
   - KID: torch-fidelity's ``kid_features_to_metric`` with its own subsets (numpy's RNG, so
     the two differ by subset sampling only), and torch-fidelity's per-subset estimator
     ``kernel_mmd`` on jaxgen's own subsets (``jaxgen_kid_subsets``), which must agree to
     rounding;
   - IS: torch-fidelity's ``isc_features_to_metric`` on the logits (``shuffle=False``: both
     see the sets in the same, already shuffled, order), against ``inception_score`` of their
     softmax as ``jaxgen eval`` takes it;
   - precision, recall (k = 3), density and coverage (k = 5): ``prdc.compute_prdc``, the code
     of Naeem et al. 2020.

2. FID versus sample size (Chong & Forsyth, "Effectively unbiased FID and Inception Score and
   where to find them", CVPR 2020): FID of N images drawn without replacement from one set
   against the whole of another, for several N and draws; the fit FID(N) = FID_∞ + c/N; and
   the unbiased MMD² (KID's estimator) of the same draws, which does not drift with N.

Writes ``results.md`` and ``fid_vs_n.png`` (``report.py``) into ``--out`` (default: this
folder, so a re-run regenerates the committed files). Settings and the expected result:
``config.py``.
"""

import argparse
import contextlib
import io
import pathlib
import time
from typing import NamedTuple

import jax
import numpy as np
import scipy.ndimage
import torch
from threadpoolctl import threadpool_limits

from experiments.entry import run_command
from experiments.metric_agreement import references as reference_codes
from experiments.metric_agreement import report
from experiments.metric_agreement.config import get_config
from jaxgen.metrics import density_coverage, features, fid, inception_score, kid, precision_recall
from jaxgen.metrics.features.cache import signed_split
from jaxgen.metrics.kid import mmd2_unbiased

FOLDER = pathlib.Path(__file__).parent
FID_RTOL = 1e-4  # float64 FID
# float32 FID: tr Σa + tr Σb − 2 tr √(Σa Σb) cancels terms of the size of tr Σ, so its rounding
# is absolute and scales with tr Σa + tr Σb (jaxgen/metrics/frechet.py): this many times it
# (measured: 2e-8 to 2.6e-7).
FID32_TRACE_RTOL = 1e-6
IS_RTOL = 1e-4
# KID on the same subsets: both sides sum 10⁶ float32 kernel values k(x, y) = (xᵀy/d + 1)³,
# ~2e3 on average here, and the MMD² is a difference of such sums, so float32 rounding is
# absolute and scales with the kernel: this many times the mean k(x, y) (measured: ~1e-7).
KID_KERNEL_RTOL = 1e-6
KID_STDS = 3  # KID with each library's own subsets: within this many subset stds


class Row(NamedTuple):
    """One statistic of one set by jaxgen and by the reference."""

    metric: str
    set: str
    ours: float
    reference: float
    tolerance: float  # on |ours − reference|
    tolerance_text: str
    ours_std: float = float("nan")  # KID: the std over subsets
    reference_std: float = float("nan")

    @property
    def difference(self):
        return abs(self.ours - self.reference)

    @property
    def within(self):
        return bool(self.difference <= self.tolerance)


class Curve(NamedTuple):
    """FID and the unbiased MMD² of N draws from one set against the whole of another."""

    set: str  # the set drawn from
    reference: str  # the set every draw is compared with, whole
    reference_rows: int
    sizes: np.ndarray  # [S]
    fids: np.ndarray  # [S, seeds]
    kids: np.ndarray  # [S, seeds]
    fid_infinity: float  # the fit FID(N) = FID_∞ + c/N on the means over seeds, N >= fit_min
    slope: float  # c
    fid_infinity_se: float  # standard errors of FID_∞ and c over the draws (``fid_curve``)
    slope_se: float
    fit_min: int  # the smallest N of the fit
    max_residual: float  # largest |mean FID − fit| over the sizes of the fit


class Results(NamedTuple):
    rows: list  # [Row]
    curves: list  # [Curve]
    versions: dict
    set_sizes: dict  # set -> rows
    network_card: dict
    dead_features: int  # features that are 0 on every train image
    seconds: float


def make_sets(config, test_images, test_labels):
    """The generated-like sets: name -> signed images ``[N, 28, 28, 1]``.

    The test split (sorted by label) is first put in one fixed random order, so that the
    Inception Score's consecutive splits mix the classes.
    """
    order = np.random.default_rng(config.seed).permutation(len(test_images))
    test, labels = test_images[order], test_labels[order]
    sets = {"test": test}
    for level in config.noise_levels:
        sets[f"noise {level}"] = noisy(test, level, config.seed)
    for sigma in config.blur_sigmas:
        # The signed format's background is -1: blur as if the image went on in black.
        blurred = scipy.ndimage.gaussian_filter(
            test, sigma=(0, sigma, sigma, 0), mode="constant", cval=-1.0
        )
        sets[f"blur {sigma}"] = blurred.astype(np.float32)
    for digit in config.dropped_classes:
        sets[f"no {digit}s"] = test[labels != digit]
    return sets


def noisy(images, level, seed):
    """``images`` plus Gaussian noise of std ``level``, clipped to the signed range [-1, 1]."""
    rng = np.random.default_rng((seed, round(level * 1000)))
    noise = rng.standard_normal(images.shape, dtype=np.float32)
    return np.clip(images + np.float32(level) * noise, -1, 1)


def embed(network, images, batch_size):
    """``{"features": [N, 128], "logits": [N, 10]}`` as float32 numpy arrays."""
    apply = jax.jit(network.apply)
    parts = [
        jax.device_get(apply(network.variables, images[i : i + batch_size]))
        for i in range(0, len(images), batch_size)
    ]
    return {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}


def jaxgen_kid_subsets(key, num_a, num_b, num_subsets, subset_size):
    """The row indices of each subset that ``jaxgen.metrics.kid`` draws (its docstring)."""
    subsets = []
    for subset_key in jax.random.split(key, num_subsets):
        key_a, key_b = jax.random.split(subset_key)
        rows_a = np.asarray(jax.random.permutation(key_a, num_a)[:subset_size])
        rows_b = np.asarray(jax.random.permutation(key_b, num_b)[:subset_size])
        subsets.append((rows_a, rows_b))
    return subsets


def agreement(config, references, name, generated, real):
    """The rows of the comparison table for the set ``name``: ``generated`` against ``real``."""
    fake, real = generated["features"], real["features"]
    rows = []

    fake_cov, real_cov = np.cov(fake, rowvar=False), np.cov(real, rowvar=False)
    ref_fid = references.frechet_distance(fake.mean(0), fake_cov, real.mean(0), real_cov)
    ours32 = float(fid(fake, real))
    with jax.enable_x64(True):
        ours64 = float(fid(fake.astype(np.float64), real.astype(np.float64)))
    trace = np.trace(fake_cov) + np.trace(real_cov)
    text32, text64 = f"{FID32_TRACE_RTOL:g} × tr Σ", f"rel {FID_RTOL:g}"
    rows.append(Row("FID, float32", name, ours32, ref_fid, FID32_TRACE_RTOL * trace, text32))
    rows.append(Row("FID, float64", name, ours64, ref_fid, FID_RTOL * ref_fid, text64))

    size = min(config.kid_subset_size, len(fake), len(real))
    key = jax.random.PRNGKey(config.seed)
    kid_mean, kid_std = (float(v) for v in kid(fake, real, config.kid_subsets, size, key=key))
    theirs = references.kid(
        torch.from_numpy(fake),
        torch.from_numpy(real),
        kid_subsets=config.kid_subsets,
        kid_subset_size=size,
        verbose=False,
    )
    own_mean, own_std = (theirs[f"kernel_inception_distance_{s}"] for s in ("mean", "std"))
    subsets = jaxgen_kid_subsets(key, len(fake), len(real), config.kid_subsets, size)
    same = np.array([references.kernel_mmd(fake[a], real[b]) for a, b in subsets])
    mean_kernel = np.mean((fake.astype(np.float64) @ real.T / fake.shape[1] + 1) ** 3)
    for metric, ref_mean, ref_std, tolerance, text in (
        (
            "KID, own subsets",
            own_mean,
            own_std,
            KID_STDS * max(kid_std, own_std),
            f"{KID_STDS} subset stds",
        ),
        (
            "KID, jaxgen's subsets",
            float(np.mean(same)),
            float(np.std(same)),
            KID_KERNEL_RTOL * mean_kernel,
            f"{KID_KERNEL_RTOL:g} × mean k",
        ),
    ):
        rows.append(Row(metric, name, kid_mean, ref_mean, tolerance, text, kid_std, ref_std))

    logits = generated["logits"]
    ours_is = float(inception_score(jax.nn.softmax(logits, axis=-1), config.is_splits)[0])
    ref_is = references.inception_score(
        torch.from_numpy(logits), splits=config.is_splits, shuffle=False
    )["inception_score_mean"]
    rows.append(Row("IS", name, ours_is, ref_is, IS_RTOL * ref_is, f"rel {IS_RTOL:g}"))

    with contextlib.redirect_stdout(io.StringIO()):  # prdc prints the set sizes
        ref_pr = references.prdc(real, fake, nearest_k=config.pr_k)
        ref_dc = references.prdc(real, fake, nearest_k=config.dc_k)
    precision, recall = precision_recall(real, fake, k=config.pr_k)
    density, coverage = density_coverage(real, fake, k=config.dc_k)
    # One sample on the other side of a ball's boundary moves a statistic by one count.
    for metric, ours, ref, count in (
        (f"precision, k={config.pr_k}", precision, ref_pr["precision"], len(fake)),
        (f"recall, k={config.pr_k}", recall, ref_pr["recall"], len(real)),
        (f"density, k={config.dc_k}", density, ref_dc["density"], config.dc_k * len(fake)),
        (f"coverage, k={config.dc_k}", coverage, ref_dc["coverage"], len(real)),
    ):
        rows.append(Row(metric, name, float(ours), float(ref), 1 / count, f"1/{count}"))
    return rows


def fid_curve(config, names, pool, reference, sizes):
    """FID and unbiased MMD² of N rows of ``pool`` (without replacement) against ``reference``.

    ``names``: (pool's name, reference's name). In float64, like the references. Draw ``seed``
    of size N takes ``np.random.default_rng((config.seed, N, seed)).choice(len(pool), N,
    replace=False)``.
    """
    sizes = np.array([n for n in sizes if n <= len(pool)])
    fids = np.zeros((len(sizes), config.curve_seeds))
    kids = np.zeros_like(fids)
    with jax.enable_x64(True):
        pool, reference = pool.astype(np.float64), reference.astype(np.float64)
        for i, size in enumerate(sizes):
            for seed in range(config.curve_seeds):
                rng = np.random.default_rng((config.seed, int(size), seed))
                sample = pool[rng.choice(len(pool), size, replace=False)]
                fids[i, seed] = float(fid(sample, reference))
                kids[i, seed] = float(mmd2_unbiased(sample, reference))
    fitted = sizes >= config.fit_min_size
    means = fids.mean(axis=1)[fitted]
    slope, fid_infinity = np.polyfit(1 / sizes[fitted], means, 1)
    residual = np.abs(means - (fid_infinity + slope / sizes[fitted])).max()
    # The fit is linear in the FIDs, so the fit of the means is the mean of the fits of each
    # seed's curve (draw ``seed`` at every N), and those are independent: their spread / √seeds.
    per_seed = np.polyfit(1 / sizes[fitted], fids[fitted], 1)  # [2, seeds]: (c, FID_∞)
    slope_se, fid_infinity_se = per_seed.std(axis=1, ddof=1) / np.sqrt(config.curve_seeds)
    return Curve(
        *names,
        len(reference),
        sizes,
        fids,
        kids,
        float(fid_infinity),
        float(slope),
        float(fid_infinity_se),
        float(slope_se),
        config.fit_min_size,
        float(residual),
    )


def run(config) -> Results:
    began = time.time()
    references = reference_codes.load()
    network = features.for_data(config.data)
    train_images, _ = signed_split(config.data, "train")
    test_images, test_labels = signed_split(config.data, "test")
    real = embed(network, train_images, config.batch_size)
    sets = make_sets(config, test_images, test_labels)
    embedded = {name: embed(network, images, config.batch_size) for name, images in sets.items()}
    rows = [
        row
        for name, generated in embedded.items()
        for row in agreement(config, references, name, generated, real)
    ]
    noise_name = f"noise {config.curve_noise}"
    if noise_name not in embedded:
        noise_set = noisy(sets["test"], config.curve_noise, config.seed)
        embedded[noise_name] = embed(network, noise_set, config.batch_size)
    train, test = real["features"], embedded["test"]["features"]
    noise = embedded[noise_name]["features"]
    curves = [
        fid_curve(config, ("test", "train"), test, train, config.curve_sizes),
        fid_curve(config, (noise_name, "train"), noise, train, config.curve_sizes),
        fid_curve(config, ("train", "test"), train, test, config.train_curve_sizes),
    ]
    return Results(
        rows,
        curves,
        references.versions,
        {name: len(images) for name, images in sets.items()},
        network.card,
        int(np.sum(np.all(train == 0, axis=0))),
        time.time() - began,
    )


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m experiments.metric_agreement.run", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--out", type=pathlib.Path, default=FOLDER, help="output folder")
    parser.add_argument("--quick", action="store_true", help="the test's smaller variant")
    args = parser.parse_args(argv)
    config = get_config(quick=args.quick)
    args.out.mkdir(parents=True, exist_ok=True)
    # One BLAS thread: fid's QR and SVD here are at most 4,000 × 128, and on the project's
    # 2-core machine, shared with another job, OpenBLAS's second thread made each QR ~100 times
    # slower (the full run took 6 min instead of 75 s). It also fixes the last digits of the
    # float32 FIDs, which depend on the thread count (README.md).
    with threadpool_limits(limits=1, user_api="blas"):
        results = run(config)
    text = report.markdown(results, config)
    print(text)
    (args.out / "results.md").write_text(text + "\n")
    report.save_png(report.curve_figure(results), args.out / "fid_vs_n.png")
    print(f"\nwrote {args.out}")
    return results


if __name__ == "__main__":
    run_command(main)
