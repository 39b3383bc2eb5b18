"""Settings of experiments/parameter_counting: the full run and the ``--quick`` one of the test.

    nice -n 10 .venv/bin/python -m experiments.parameter_counting.run            # 6-8 min
    .venv/bin/python -m experiments.parameter_counting.run --quick               # ~20 s

Counts: the formulas of ``counts.FAMILIES`` at n = 4, 9 and 784 (H = 500), beside the counts of
FVSBN, NADE and MADE on 28×28×1 (and of any other explicit model in ``jaxgen.nn``), and the
brute-force check of ``brute_force.check_table`` at n = 4 and 6 with H = 2 (seconds).

Ordering: ``{fvsbn,nade,made}_digits`` (binarized 8×8 digits, the recipes' fixed 1,438 / 359
split, batch 64, Adam 1e-3) in the raster, snake and random orderings, 3 seeds each (seed s is
the training seed, and the random ordering's seed too), then the NLL of the whole test and train
splits. Budgets per model (``steps``), chosen on raster seed 0 before the comparison: FVSBN
converges by 10,000 steps; MADE (H = 500) overfits after about 4,000 (its test NLL rises from
17.1 to 20.5 nats by 15,000); NADE runs with H = 100 instead of the recipe's 500, which costs
5× less (its step builds a ``[batch, D, H]`` array of pre-activations) and reaches 17.4 nats
at 5,000 steps where H = 500 reached 17.6 at 3,000.

Measured on the project's 2-core CPU machine, shared: 27 runs and the rest in 370 s at a load
average of 2-6 (492 s at 8-12), nearly all of it NADE; the two runs gave the same NLLs to the
last digit. Expected (README.md has the tables), test NLL in nats for raster / snake / random:
FVSBN 18.256 / 18.236 / 18.294 (the same optimum from every seed: its log-likelihood is
concave), NADE 17.38 / 17.38 / 17.51, MADE 17.17 / 17.21 / 17.04 (± 0.03 to 0.2 over seeds).
"""

import ml_collections

MODELS = ("fvsbn", "nade", "made")
ORDERINGS = ("raster", "snake", "random")


def get_config(quick: bool = False) -> ml_collections.ConfigDict:
    c = ml_collections.ConfigDict()
    # Parameter counts: the formulas at these n, the modules at 28×28×1.
    c.count_sizes = (4, 9, 784)
    c.module_shape = (28, 28, 1)
    c.hidden = 500  # H of the formulas and of NADE and MADE in the count tables
    c.check_sizes = (4, 6)  # the brute-force check (every one of the 2ⁿ images)
    c.check_hidden = 2
    # The ordering's effect on held-out likelihood.
    c.data = "digits"
    c.models = MODELS
    c.orderings = ORDERINGS
    c.seeds = 3
    c.preset = "default"
    c.steps = ml_collections.ConfigDict({"fvsbn": 10_000, "nade": 5_000, "made": 4_000})
    c.hidden_of = ml_collections.ConfigDict({"nade": 100, "made": 500})  # FVSBN has none
    if quick:
        c.count_sizes = (4, 784)
        c.check_sizes = (4,)
        c.models = ("fvsbn", "made")
        c.orderings = ("raster", "random")
        c.seeds = 1
        c.preset = "tiny"  # batch 8, hidden 8
        c.steps = ml_collections.ConfigDict({"fvsbn": 20, "made": 20})
        c.hidden_of = ml_collections.ConfigDict({"made": 8})
    return c
