"""Budgets of experiments/fid_during_training: the full run and the ``--quick`` one of the test.

    .venv/bin/python -m experiments.fid_during_training.run            # 12 min, 2 CPU cores
    .venv/bin/python -m experiments.fid_during_training.run --quick    # ~30 s

Full: dcgan_mnist (the default recipe: 28×28 mnist5k, batch 64) for 2,000 steps, measured at
step 0 (the freshly initialized generator) and every 250 steps on 1,000 samples (the size of
the mnist5k test split, so that the real-data row, the test split against the train split, has
the same sample count and so the same FID bias); then ``jaxgen eval WORKDIR --n 5000`` of the
last step. gan_ring8 (default recipe, 5,000 steps, modes counted every 1,000 steps) and its
``jaxgen eval``. 11 min 58 s wall (``time``) on the project's 2-core CPU machine, shared with
another job. Expected (README.md; the numbers repeat exactly): FID against the train split
1,913 at step 0, 199 at step 2,000, not monotonically (270 at step 750, 307 at 1,000); the
real test split 6.2 (float32; 6.16 in float64); gan_ring8 covers 8 of 8 modes from step 2,000.
"""

import ml_collections


def get_config(quick: bool = False) -> ml_collections.ConfigDict:
    c = ml_collections.ConfigDict()
    c.mnist = ml_collections.ConfigDict(
        dict(
            recipe="dcgan_mnist",
            preset="default",
            steps=2000,
            eval_every=250,
            # = the mnist5k test split (1,000 images): the real-data row uses all of it.
            eval_num_samples=1000,
            sample_every=250,
        )
    )
    c.final_eval_num_samples = 5000  # `jaxgen eval WORKDIR --n 5000`
    c.sample_steps = (0, 250, 500, 1000, 1500, 2000)  # sample grids in fid_vs_step.png
    c.ring = ml_collections.ConfigDict(
        dict(recipe="gan_ring8", preset="default", steps=5000, eval_every=1000)
    )
    c.ring_eval_num_samples = 10_000  # `jaxgen eval`'s default
    if quick:
        c.mnist.update(
            dict(preset="tiny", steps=20, eval_every=10, eval_num_samples=200, sample_every=10)
        )
        c.final_eval_num_samples = 300
        c.sample_steps = (0, 10, 20)
        c.ring.update(dict(preset="tiny", steps=20, eval_every=10))
        c.ring_eval_num_samples = 1000
    return c
