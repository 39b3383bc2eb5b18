"""Every update rule on the ``gan_ring8`` GAN at an equal number of gradient evaluations.

    .venv/bin/python -m experiments.rule_zoo.run

rewrites results.md, coverage.png and samples.png in this folder; its wall time on the
project's 2-core CPU machine is in README.md.

The game is DESIGN.md's ``gan_ring8`` reference GAN (MLPs 2 → 128 → 128 → out, z of 2, batch
512, non-saturating loss) as ``jaxgen.game.mixture_game("ring8")``; every rule uses
Adam(``learning_rate``, β1 = 0.5) per player. The budget is counted in evaluations of the
gradient field (both players' gradients at one point): simultaneous, alternating, optimistic
and lookahead steps cost 1; extragradient 2; consensus 2 (ξ and the gradient of ½‖ξ‖², one
more backward pass); SGA 3 (ξ, a JVP and a VJP); unrolled k 2 + k (k inner discriminator
gradients, the look-ahead gradient and the discriminator's own). A rule with cost c takes
``budget / c`` steps. Scored with ``jaxgen.metrics.mode_coverage`` (PacGAN protocol) on 2,500
samples per run, mean ± standard error over the vmapped seeds.
"""

import ml_collections

# name → cost per step in field evaluations
RULES = {
    "simultaneous": 1,
    "alternating": 1,
    "optimistic": 1,
    "lookahead(alternating)": 1,
    "extragradient": 2,
    "consensus": 2,
    "sga": 3,
    "unrolled k=5": 7,
}


def get_config():
    c = ml_collections.ConfigDict()
    c.rules = tuple(RULES)
    c.seeds = 5
    c.evaluations_per_point = 420  # divisible by every cost: 1, 2, 3 and 7
    c.points = 10  # budget = points × evaluations_per_point = 4,200 field evaluations
    c.num_samples = 2500
    c.batch_size = 512
    c.hidden = 128
    c.learning_rate = 1e-3
    c.beta1 = 0.5
    c.consensus_gamma = 0.1
    c.sga_lambda = 1.0
    c.unrolled_inner_lr = 1e-3  # SGD look-ahead steps, about Adam's step per weight
    c.lookahead_k = 5
    c.lookahead_alpha = 0.5
    c.workers = 2
    return c
