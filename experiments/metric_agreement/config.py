"""Settings of experiments/metric_agreement: the full run and the ``--quick`` one of the test.

    .venv/bin/python -m experiments.metric_agreement.run            # full
    .venv/bin/python -m experiments.metric_agreement.run --quick    # the test's variant

Full: 1 min 52 s wall on the project's 2-core CPU machine (shared with another job); quick:
about 30 s. Both with the mnist5k classifier already cached (its first training takes about a
minute).

Features: the offline mnist5k classifier (``features.for_data("mnist5k")``, 128 ReLU features
and 10 logits). Reference set: the 4,000 images of the train split. "Generated-like" sets, made
without a generator from the 1,000 test images (in one fixed shuffled order): the test split
itself, Gaussian pixel noise of three levels (clipped to [-1, 1]), a Gaussian blur, and the
test split without one digit (mode dropping, 900 images).

Expected (README.md): 54 comparisons on 6 sets, all within tolerance. jaxgen's FID equals
pytorch-fid's to 1.2e-6 relative in float64 and in float32 to 2.6e-7 of tr Σ_set + tr Σ_train
(4.1e-5 relative) at most; IS equals torch-fidelity's to 3e-7 relative; precision, recall, density
and coverage equal prdc's counts exactly; KID on jaxgen's own subsets equals torch-fidelity's
estimator on the same subsets to float32 rounding, and with each library's own subsets within
0.3 subset stds. FID of N test images against the train split falls from 149 at N = 50 to 6.2
at N = 1,000, like 1/N (fit on N >= 200: c = 7,370, FID_∞ = -1.5 ± 0.9); the unbiased MMD²
(KID) stays at about -6 at every N.
"""

import ml_collections


def get_config(quick: bool = False) -> ml_collections.ConfigDict:
    c = ml_collections.ConfigDict()
    c.data = "mnist5k"
    c.seed = 0  # the test split's order, the noise, the FID-versus-N draws, KID's subsets
    c.batch_size = 500  # images per feature-network call
    # Pixel noise std in the signed format ([-1, 1]); 0.8 leaves ~64% test accuracy.
    c.noise_levels = (0.1, 0.3, 0.8)
    c.blur_sigmas = (1.0,)  # Gaussian blur std, pixels
    c.dropped_classes = (0,)  # one set per digit, without that digit (mode dropping)
    # jaxgen eval's settings (jaxgen.metrics.evaluation): KID 100 subsets of min(1000, N, M)
    # rows, IS in 10 splits, precision/recall k = 3, density/coverage k = 5.
    c.kid_subsets = 100
    c.kid_subset_size = 1000
    c.is_splits = 10
    c.pr_k = 3
    c.dc_k = 5
    # FID versus sample size: N test images drawn without replacement against the whole train
    # split, ``curve_seeds`` draws per N; the same for the test split with the noise below; and
    # N train images against the whole test split, which reaches N = 4,000.
    c.curve_sizes = (50, 70, 100, 150, 200, 300, 500, 700, 1000)
    c.train_curve_sizes = (50, 70, 100, 150, 200, 300, 500, 700, 1000, 1500, 2000, 3000, 4000)
    c.curve_seeds = 10
    c.curve_noise = 0.3
    # FID(N) = FID_∞ + c/N is fitted on N >= this: below ~3 times the 73 features that are not
    # constant, FID grows faster than 1/N (README.md).
    c.fit_min_size = 200
    if quick:
        c.noise_levels = (0.3,)
        c.blur_sigmas = ()
        c.kid_subsets = 10
        c.curve_sizes = (50, 200, 1000)
        c.train_curve_sizes = (200, 1000, 4000)
        c.curve_seeds = 3
    return c
