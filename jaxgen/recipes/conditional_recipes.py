"""Class-conditional GANs and InfoGAN: ``{family}_{data}``, e.g. ``cgan_mnist``, ``infogan_mnist``.

    jaxgen train cgan_mnist --workdir runs/cgan_mnist
    jaxgen sample runs/cgan_mnist --label 7              # 64 sevens
    jaxgen sample runs/cgan_mnist                        # classes 0..9 in turn

Each family sets how the label enters the networks (``jaxgen.nn.conditioning``) and is
applied to a data set's base recipe, whose networks, batch, optimizer and budget it keeps:
``gan_ring8`` (8 classes, the mixture's modes), ``dcgan_digits`` and ``dcgan_mnist`` (10
digits). ``tfds:`` variants: ``cgan_cifar10`` and ``acgan_cifar10`` (``dcgan_cifar10``'s
networks). The generator always reads [z, onehot(y)]; fakes are generated with the real
batch's labels (``jaxgen.game.conditional``).

- ``cgan``: Mirza & Osindero 2014, the discriminator reads onehot(y) too (as constant image
  channels).
- ``acgan``: Odena et al. 2017, the discriminator predicts the class with a linear head beside
  its real/fake output; class losses with weight 1 for both players.
- ``pcgan``: Miyato & Koyama 2018, the projection discriminator ψ(φ(x)) + embed(y)ᵀφ(x).
- ``infogan``: Chen et al. 2016, unsupervised: no label is read; a categorical code c1 of as
  many values as the data's classes (and, on images, two continuous codes c2, c3, 62 noise
  dimensions, Adam rates 1e-3 for G, 2e-4 for D, a dense layer of 1,024 with batch norm before
  D's output and batch norm in Q's hidden layer: the paper's MNIST setting) must be
  recoverable by a Q head on D
  (``jaxgen.game.infogan``). ``jaxgen sample WORKDIR --code c1=3 --code c2=0.5``.

What each should reach: ``experiments/conditional`` measures how often the mnist5k classifier
recognizes the requested digit in the generated samples (issue 9 asks ≥ 90% on mnist5k);
``experiments/infogan`` how well c1 matches the digit classes.
"""

import functools
from typing import NamedTuple

from jaxgen.recipes import dcgan_cifar10, dcgan_digits, dcgan_mnist, gan, gan_ring8


class Family(NamedTuple):
    """A conditioning's summary line (with its paper) and its config overrides."""

    summary: str
    overrides: dict


FAMILIES = {
    "cgan": Family(
        "conditional GAN: G and D read the one-hot label (Mirza & Osindero 2014)",
        {"condition": "concat"},
    ),
    "acgan": Family(
        "AC-GAN: G reads the label, D predicts it beside real/fake, λ = 1 (Odena et al. 2017)",
        {"condition": "auxiliary", "auxiliary_weight": 1.0},
    ),
    "pcgan": Family(
        "projection cGAN: D(x, y) = ψ(φ(x)) + embed(y)ᵀφ(x) (Miyato & Koyama 2018)",
        {"condition": "projection"},
    ),
    "infogan": Family(
        "InfoGAN: a categorical code (one value per class) and on images 2 continuous codes, "
        "recovered by a Q head on D, λ = 1 (Chen et al. 2016)",
        {"info_weight": 1.0, "info_continuous_weight": 0.1},
    ),
}

# data name in the recipe name → (base recipe module, number of classes)
DATA = {"ring8": (gan_ring8, 8), "digits": (dcgan_digits, 10), "mnist": (dcgan_mnist, 10)}
PAPER_SETTINGS = {
    "cgan_cifar10": ("cgan", dcgan_cifar10, 10),
    "acgan_cifar10": ("acgan", dcgan_cifar10, 10),
}


def recipe_table() -> dict:
    """``name → (family, base module, number of classes)`` for every conditional recipe."""
    table = {
        f"{family}_{data}": (family, module, classes)
        for family in FAMILIES
        for data, (module, classes) in DATA.items()
    }
    return {**table, **PAPER_SETTINGS}


def get_config(family: str, base, num_classes: int):
    """The base recipe's config with the family's overrides and the data's classes."""
    config = base.get_config()
    for key, value in FAMILIES[family].overrides.items():
        config[key] = value
    config.num_classes = num_classes
    if family == "infogan":
        config.info_categorical = num_classes
        if config.network == "dcgan":  # images: the paper's MNIST setting (its appendix)
            config.info_continuous = 2
            config.latent_dim = 62  # 62 + 10 + 2 inputs; the tiny preset sets its own
            config.g_learning_rate = 1e-3  # G learns 5× faster than D, as in the paper
            config.d_learning_rate = 2e-4
            # The appendix's networks: G = FC 1024 → FC 7×7×128 → deconv 64 → deconv 1;
            # D: FC 1024 + BN before both heads; Q: FC 128 + BN
            config.g_width, config.g_dense_width = 64, 1024
            config.d_dense_width = 1024
            config.info_q_batch_norm = True
            config.info_noise = "uniform"  # the authors' code: 62 values of U(−1, 1)
    return config


def summary(name: str) -> str:
    """The one line that ``jaxgen recipes`` prints for ``name``."""
    family, base, _ = recipe_table()[name]
    return f"{FAMILIES[family].summary}; networks and data of {base.__name__.rsplit('.', 1)[1]}"


def factories(configured) -> dict:
    """``name → factory`` for ``jaxgen.recipes.register``."""
    return {
        name: configured(
            functools.partial(get_config, family, base, classes),
            functools.partial(gan.build, name),
            presets(family, base),
        )
        for name, (family, base, classes) in recipe_table().items()
    }


def presets(family: str, base) -> dict:
    """The base recipe's presets; InfoGAN's tiny image preset keeps small dense layers."""
    if family != "infogan" or base.get_config().network != "dcgan":
        return base.PRESETS
    tiny = {**base.PRESETS["tiny"], "d_dense_width": 16, "g_dense_width": 16}
    return {**base.PRESETS, "tiny": tiny}
