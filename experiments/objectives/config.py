"""Budgets of experiments/objectives: the full comparison and the ``--quick`` one of the test.

    .venv/bin/python -m experiments.objectives.run                 # every part, 2 processes
    .venv/bin/python -m experiments.objectives.run --part ring8    # or mnist, critic
    .venv/bin/python -m experiments.objectives.run --quick         # ~1 min, for the test
    python -m experiments.objectives.run --part mnist --set workers=3   # on a GPU: 4 min

ring8: every objective (``OBJECTIVES``) × 5 seeds at the recipes' default budget (5,000
generator steps of batch 512; the WGANs' 5 critic steps per generator step come on top), scored
by ``jaxgen.metrics.mode_coverage`` on 2,500 samples. mnist: one run per family
(``MNIST_FAMILIES``) of ``{family}_mnist`` for ``mnist.steps`` generator steps, the recipes'
10,000 (about 9 CPU-hours on the 2-core machine, 256 s in 3 processes on one H100), scored on
2,000 samples against the mnist5k train split with the classifier's features. critic:
``wgan_digits`` and ``wgan_gp_digits`` with the critic's loss logged every ``log_every`` steps
and FID measured every ``eval_every`` steps.

Measured on the project's 2-core CPU machine, shared (load average 4-11), 2 processes: ring8 39
min, the critic part 11 min; ``--quick`` 67 s; the mnist part on an NVIDIA H100. Expected
(README.md has the tables): on ring8 nsgan, minimax, lsgan and fgan_{kl, pearson, hellinger,
js, gan} cover 8.0 of 8 modes (fgan_js and fgan_gan repeat nsgan exactly), WGAN 7.6, EBGAN 6.2,
hinge 5.4, fgan_reverse_kl 3.8, WGAN-GP 3.4, BEGAN 0.6, fgan_neyman 0.2, fgan_tv 0; on mnist
after 10,000 steps FID 58 (WGAN-GP), 87 (hinge), 153-244 (nsgan, LSGAN, WGAN, minimax), and
collapses for EBGAN, BEGAN and (in that run) the KL f-GAN; the clipped WGAN's critic estimate
falls with FID from its peak on (Spearman ρ = 0.96).
"""

import ml_collections

from jaxgen.losses.fgan import DIVERGENCES

# objective → (recipe name without the data suffix, config overrides). The non-saturating GAN
# ("nsgan") is the base recipe of each data set; every f-divergence is fgan with its objective.
BASE_RECIPE = {"ring8": "gan_ring8", "digits": "dcgan_digits", "mnist": "dcgan_mnist"}
FAMILIES = ("nsgan", "minimax", "wgan", "wgan_gp", "lsgan", "hinge", "fgan", "ebgan", "began")
OBJECTIVES = (
    "nsgan",
    "minimax",
    "wgan",
    "wgan_gp",
    "lsgan",
    "hinge",
    *(f"fgan_{name}" for name in DIVERGENCES),
    "ebgan",
    "began",
)
MNIST_FAMILIES = FAMILIES  # fgan is its default, the KL divergence


def recipe_of(objective: str, data: str) -> tuple[str, dict]:
    """``(recipe name, overrides)`` of ``objective`` on ``data`` (ring8, digits or mnist)."""
    if objective == "nsgan":
        return BASE_RECIPE[data], {}
    if objective.startswith("fgan_"):
        return f"fgan_{data}", {"objective": objective}
    return f"{objective}_{data}", {}


def get_config(quick: bool = False) -> ml_collections.ConfigDict:
    c = ml_collections.ConfigDict()
    c.workers = 2  # processes; the project's CPU machine has 2 cores
    c.ring8 = ml_collections.ConfigDict(
        dict(
            objectives=OBJECTIVES,
            seeds=5,
            preset="default",
            steps=5000,  # generator steps: the recipe's default
            num_samples=2500,  # VEEGAN/PacGAN protocol, as experiments/mode_collapse
            log_every=50,
        )
    )
    c.mnist = ml_collections.ConfigDict(
        dict(
            families=MNIST_FAMILIES,
            preset="default",
            steps=10000,  # generator steps, the same for every family: the recipes' budget
            num_samples=2000,
            metrics="fid,kid,pr",
            log_every=50,
        )
    )
    c.critic = ml_collections.ConfigDict(
        dict(
            recipes=("wgan_digits", "wgan_gp_digits"),
            preset="default",
            steps=800,
            log_every=10,
            eval_every=40,
            eval_num_samples=1000,
            smooth=11,  # logged points in the moving median of −loss_d
        )
    )
    c.grid_samples = 16  # mnist samples per objective in grid.png
    if quick:
        c.ring8.update(dict(objectives=("nsgan", "fgan_kl"), seeds=2, preset="tiny", steps=20))
        c.ring8.log_every = 5
        c.mnist.update(dict(families=("nsgan", "lsgan"), preset="tiny", steps=10))
        c.mnist.update(dict(num_samples=200, log_every=5))
        c.critic.update(dict(recipes=("wgan_gp_digits",), preset="tiny", steps=30, log_every=2))
        c.critic.update(dict(eval_every=10, eval_num_samples=200, smooth=3))
    return c
