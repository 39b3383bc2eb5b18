"""Budgets of experiments/dcgan_latent: the full run and the ``--quick`` one of the test.

    .venv/bin/python -m experiments.dcgan_latent.run            # ~30 min on 2 CPU cores
    .venv/bin/python -m experiments.dcgan_latent.run --quick    # ~50 s

Full: dcgan_mnist (default preset: 28×28 mnist5k, batch 64) for 4,000 steps, resumed from the
workdir's checkpoint when there is one. At the 0.39 s a step of the 2,000-step run of
experiments/fid_during_training that is 26 minutes of training; the run in README.md took
0.70 s a step (3,531 s in all) on the project's 2-core machine under a load average of 8 to 12.
The rest takes under 3 minutes: 6 slerp walks of 8 steps and a 72-frame GIF, a linear-vs-slerp
comparison on 1,024 pairs, vector arithmetic on concepts found among 2,048 samples by the
mnist5k classifier's class and a measured attribute (stroke thickness, slant), and the linear
probe (DCGAN §5.1) on the mnist5k train/test split, also with 100 and 1,000 labels (10 random
subsets each). Expected (README.md): probe accuracy with 100 labels 0.711 (raw pixels), 0.776
(D at initialization), 0.819 (trained D); all 4,000 labels 0.897, 0.968, 0.972.
"""

import ml_collections


def get_config(quick: bool = False) -> ml_collections.ConfigDict:
    c = ml_collections.ConfigDict()
    c.recipe = "dcgan_mnist"
    c.preset = "default"
    c.steps = 4000
    c.sample_every = 500
    c.checkpoint_every = 500
    c.seed = 0  # the walks', concepts' and probe subsets' randomness (not the training seed)
    # §6.1 walks: rows of slerp walks between random latents, and the GIF's waypoints.
    c.walk_rows = 6
    c.walk_steps = 8  # frames per segment: a row is walk_steps + 1 images
    c.gif_points = 6  # the GIF walks through this many latents and back to the first
    c.gif_steps = 12
    c.compare_rows = 3  # linear vs slerp on the same endpoints
    # §6.3.2 arithmetic: concepts among a pool of samples, three z each, the paper's noise.
    c.pool = 2048
    c.per_concept = 3
    c.num_noisy = 8
    c.noise_scale = 0.25
    c.min_confidence = 0.9  # a concept's samples: the classifier's softmax at least this
    c.check_samples = 64  # G(Y + u) samples that verify each equation's result
    c.equations = 3  # arithmetic equations shown (one per pair of digits)
    # §5.1 linear probe: logistic regression, all train labels and few-label subsets.
    c.probe_sizes = (100, 1000)
    c.probe_repeats = 10
    c.probe_grid = 4  # every conv layer's output max-pooled to probe_grid × probe_grid
    c.probe_c = 1.0  # inverse L2 strength of sklearn's LogisticRegression
    c.probe_max_iter = 1000
    if quick:
        c.preset = "tiny"
        c.steps = 20
        c.sample_every = 10
        c.checkpoint_every = 10
        c.walk_rows = 2
        c.walk_steps = 4
        c.gif_points = 3
        c.gif_steps = 4
        c.compare_rows = 1
        c.pool = 256
        c.min_confidence = 0.0
        c.check_samples = 8
        c.equations = 1
        c.probe_sizes = (50,)
        c.probe_repeats = 2
        c.probe_max_iter = 100
    return c
