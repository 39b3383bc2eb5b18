"""Budgets of experiments/likelihood: the full table and the ``--quick`` one of the test.

    .venv/bin/python -m experiments.likelihood.run              # every model on mnist5k
    .venv/bin/python -m experiments.likelihood.run --models nade,pixelcnn
    .venv/bin/python -m experiments.likelihood.run --quick      # digits, 2 models, ~1 min

Full: each model of ``jaxgen.recipes.likelihood.MODELS`` trained by its ``{model}_mnist``
recipe (binarized mnist5k, 28×28, the fixed 4,000 / 1,000 split, batch 64, Adam 1e-3) for
``steps[model]`` steps, in a workdir under ``runs/likelihood`` that a second call resumes; then the
exact held-out NLL of the 1,000 test images (the VAE: the IWAE estimate with
``eval_importance_samples`` samples) by ``jaxgen.metrics.held_out``, and ``num_samples``
samples per model for the grid. Each model's result is written as soon as it is done, so an
interrupted run redoes only the unfinished models. README.md holds the table, the wall time
and the machine.
"""

import ml_collections

from jaxgen.recipes.likelihood import MODELS


def get_config(quick: bool = False) -> ml_collections.ConfigDict:
    c = ml_collections.ConfigDict()
    c.data = "mnist"  # the recipe suffix: mnist (mnist5k, 28×28) or digits (8×8)
    c.models = MODELS
    c.preset = "default"
    # Steps per model, sized to what one session of the project's shared 2-core CPU allowed:
    # 1,000 (16 passes over the 4,000 training images at batch 64) for FVSBN and NADE (whose
    # [64, 784, 500] hidden pre-activations cost about a second a step), 500 for the
    # convolutional and recurrent models (one to several seconds a step), more for the cheap
    # MLP models, which 1,000 steps leave far from converged. Every number in README.md is at
    # these budgets: far from the papers' hundreds of epochs.
    c.steps = ml_collections.ConfigDict(
        {
            "independent": 1000,
            "fvsbn": 1000,
            "nade": 1000,
            "made": 5000,
            "pixelcnn": 500,
            "gated_pixelcnn": 500,
            "row_lstm": 500,
            "diagonal_bilstm": 500,
            "vae": 10_000,
        }
    )
    c.eval_importance_samples = 5000  # the VAE's k (Burda et al. 2016)
    c.num_samples = 16
    c.sample_seed = 0
    if quick:
        c.data = "digits"
        c.models = ("independent", "nade")
        c.preset = "tiny"
        c.steps = {model: 20 for model in c.steps}
        c.eval_importance_samples = 50
        c.num_samples = 4
    return c
