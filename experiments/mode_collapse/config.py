"""Mode collapse on ring8 and grid25: a standard GAN against Unrolled GANs, 10 seeds each.

    .venv/bin/python -m experiments.mode_collapse.run

rewrites results.md, coverage.png and samples.png in this folder. On the project's 2-core CPU
machine it takes the time stated in README.md (two worker processes, one per data set).

Protocol (PacGAN, Lin et al. 2018, Table 1; VEEGAN, Srivastava et al. 2017, Table 1): after
training, 2,500 samples per run; a sample is high quality within 3σ of its nearest mode; a mode
is covered when at least one high-quality sample is nearest to it; the KL is that of the
high-quality samples' mode histogram against uniform (``jaxgen.metrics.mode_coverage``).
Means ± standard errors over ``seeds`` runs, all seeds of a variant being one vmapped program.

Networks and budget are scaled to the 10-minute CPU budget, not the papers' (PacGAN: G of four
400-unit layers, maxout D, batch 100, 400 epochs of 100,000 points, i.e. 400k steps): both
players are MLPs 2 → 64 → 64 → out, z of 2, batch 128, non-saturating loss, Adam(1e-3,
β1 = 0.5), 2,000 alternating steps (one D then one G update). The unrolled players look ahead
through k SGD steps of size ``inner_lr`` (≈ the size of the discriminator's own Adam steps,
1e-3 per weight); the ``inner_lr`` variant shows what a 10× larger look-ahead step does.
"""

import ml_collections

# name → (k, unroll, inner_lr or None for the default)
VARIANTS = {
    "GAN": (0, "d", None),
    "unrolled k=1": (1, "d", None),
    "unrolled k=5": (5, "d", None),
    "unrolled k=10": (10, "d", None),
    "unrolled k=5, inner lr ×10": (5, "d", 1e-2),
    "G unrolled k=1": (1, "g", None),
    "G unrolled k=5": (5, "g", None),
}


def get_config():
    c = ml_collections.ConfigDict()
    c.datasets = ("ring8", "grid25")
    c.variants = tuple(VARIANTS)
    c.seeds = 10
    c.steps = 2000
    c.eval_every = 500  # mode coverage along training, for coverage.png
    c.num_samples = 2500
    c.batch_size = 128
    c.hidden = 64
    c.latent_dim = 2
    c.objective = "nsgan"
    c.learning_rate = 1e-3
    c.beta1 = 0.5
    c.inner_lr = 1e-3
    c.workers = 2  # processes; one data set each
    return c
