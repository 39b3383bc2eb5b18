"""One recipe per GAN objective and data set: ``{family}_{data}``, e.g. ``wgan_gp_ring8``.

    jaxgen train wgan_gp_ring8 --workdir runs/wgan_gp_ring8
    jaxgen train fgan_digits --set objective=fgan_pearson     # any f-divergence
    python -m experiments.objectives.run                      # every family side by side

Each family is a set of config overrides with its paper's settings, applied to the data set's
base recipe: ``gan_ring8`` (MLPs, 5,000 steps of batch 512), ``dcgan_digits`` (8×8 DCGAN,
8,000 steps) and ``dcgan_mnist`` (28×28 DCGAN, 10,000 steps), whose non-saturating GAN is the
``nsgan`` entry of the comparison. So within a data set every objective has the same generator,
the same discriminator up to what the objective demands (WGAN-GP's layer norm, SN-GAN's spectral
normalization without batch norm, the auto-encoder of EBGAN and BEGAN), the same batch and the
same number of generator updates; the optimizer is the paper's. ``tfds:`` variants keep the
settings of the papers that used those sets (``wgan_gp_cifar10``, ``hinge_cifar10``,
``began_celeba64``, ``ebgan_celeba64``).

What each should reach: ``experiments/objectives/README.md`` holds the measured table (modes
covered and high-quality share on ring8 over 5 seeds; FID, KID, precision and recall on mnist5k).
"""

import functools
from typing import NamedTuple

from jaxgen.recipes import dcgan_celeba64, dcgan_cifar10, dcgan_digits, dcgan_mnist, gan, gan_ring8


class Family(NamedTuple):
    """An objective's summary line (with its paper) and its config overrides."""

    summary: str
    overrides: dict


FAMILIES = {
    "minimax": Family(
        "the minimax GAN, log(1 − D(G(z))) for G (Goodfellow et al. 2014, Eq. 1)",
        {"objective": "gan"},
    ),
    "wgan": Family(
        "WGAN: critic with weights clipped to ±0.01, RMSprop 5e-5, 5 critic steps "
        "(Arjovsky et al. 2017, Alg. 1)",
        {
            "objective": "wgan",
            "weight_clip": 0.01,
            "optimizer": "rmsprop",
            "g_learning_rate": 5e-5,
            "d_learning_rate": 5e-5,
            "d_steps": 5,
        },
    ),
    "wgan_gp": Family(
        "WGAN-GP: gradient penalty λ = 10, layer-norm critic, Adam 1e-4 β = (0, 0.9), "
        "5 critic steps (Gulrajani et al. 2017, Alg. 1)",
        {
            "objective": "wgan",
            "penalty": "gp",
            "penalty_weight": 10.0,
            "d_norm": "layer",
            "g_learning_rate": 1e-4,
            "d_learning_rate": 1e-4,
            "beta1": 0.0,
            "beta2": 0.9,
            "d_steps": 5,
        },
    ),
    "lsgan": Family(
        "LSGAN, least squares with the 0-1-1 coding (Mao et al. 2017, Eq. 9)",
        {"objective": "lsgan"},
    ),
    "hinge": Family(
        "SN-GAN: hinge loss, spectrally normalized D without batch norm "
        "(Miyato et al. 2018; Lim & Ye 2017)",
        {"objective": "hinge", "spectral_norm": True, "d_norm": "none"},
    ),
    "fgan": Family(
        "f-GAN, KL by default; --set objective=fgan_<tv|kl|reverse_kl|pearson|neyman|"
        "hellinger|js|gan> (Nowozin et al. 2016)",
        {"objective": "fgan_kl"},
    ),
    "ebgan": Family(
        "EBGAN-PT: auto-encoder D, margin 1 on the mean squared error, pulling-away term 0.1 "
        "(Zhao et al. 2017)",
        {"objective": "ebgan", "ebgan_margin": 1.0, "ebgan_pt_weight": 0.1},
    ),
    "began": Family(
        "BEGAN: auto-encoder D, k_t controller γ = 0.5 and λ_k = 0.001, Adam 1e-4, "
        "simultaneous updates (Berthelot et al. 2017)",
        {
            "objective": "began",
            "began_gamma": 0.5,
            "began_lambda_k": 0.001,
            "g_learning_rate": 1e-4,
            "d_learning_rate": 1e-4,
            "rule": "simultaneous",
        },
    ),
}

# data name in the recipe name → the base recipe module (its config and presets).
DATA = {"ring8": gan_ring8, "digits": dcgan_digits, "mnist": dcgan_mnist}
# The tfds: variants that reproduce a paper's own setting.
PAPER_SETTINGS = {
    "wgan_gp_cifar10": ("wgan_gp", dcgan_cifar10),
    "hinge_cifar10": ("hinge", dcgan_cifar10),
    "began_celeba64": ("began", dcgan_celeba64),
    "ebgan_celeba64": ("ebgan", dcgan_celeba64),
}


def recipe_table() -> dict:
    """``name → (family, base module)`` for every objective recipe."""
    table = {
        f"{family}_{data}": (family, module) for family in FAMILIES for data, module in DATA.items()
    }
    return {**table, **PAPER_SETTINGS}


def get_config(family: str, base) -> "gan.ml_collections.ConfigDict":
    """The base recipe's config with the family's overrides."""
    config = base.get_config()
    for key, value in FAMILIES[family].overrides.items():
        config[key] = value
    return config


def summary(name: str) -> str:
    """The one line that ``jaxgen recipes`` prints for ``name``."""
    family, base = recipe_table()[name]
    return f"{FAMILIES[family].summary}; networks and data of {base.__name__.rsplit('.', 1)[1]}"


def factories(configured) -> dict:
    """``name → factory`` for ``jaxgen.recipes.register``."""
    return {
        name: configured(
            functools.partial(get_config, family, base),
            functools.partial(gan.build, name),
            base.PRESETS,
        )
        for name, (family, base) in recipe_table().items()
    }
