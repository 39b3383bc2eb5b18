"""Explicit-model recipes: autoregressive models and VAEs trained by maximum likelihood.

    jaxgen train nade_digits --workdir runs/nade_digits
    jaxgen train pixelcnn_mnist --set layers=5
    jaxgen train made_mnist --set ordering=random
    jaxgen eval runs/nade_digits                     # held-out NLL, nats and bits/dim
    jaxgen recipes                                   # {model}_{digits,mnist} and paper settings

``build(config)`` makes the ``Recipe`` of ``config`` (``base_config``): the model (``MODELS``:
``jaxgen.nn.IndependentBernoulli``, ``FVSBN``, ``NADE``, ``MADE``, ``PixelCNN``,
``GatedPixelCNN``, ``PixelRNN`` with the Row LSTM or the Diagonal BiLSTM, ``VAE``), the game
``jaxgen.game.likelihood.maximum_likelihood`` (the NLL, or the negative ELBO / IWAE bound, is
the generator's loss; the discriminator slot is empty) and Adam. Data: ``digits`` (8×8) or
``mnist5k`` (28×28) through ``jaxgen.data.load``, in the ``binary`` format (statically
thresholded at half the range) or ``binary_dynamic`` (redrawn each pass); ``uint8`` for the
256-way models of 8-bit images (``PAPER_SETTINGS``' CIFAR-10). The loop logs the batch loss in
nats and bits/dim; ``sample`` returns images in [−1, 1], so the sample grids and the sample
metrics work as for a GAN, and ``jaxgen eval WORKDIR`` reports the held-out NLL of the test
split (``jaxgen.metrics.held_out``): exact for the autoregressive models, the IWAE estimate
with ``eval_importance_samples`` samples for the VAE (Burda et al. 2016, §5: k = 5,000).

The config keys that size the models (``MODEL_DEFAULTS`` gives each model's defaults):
``hidden`` (NADE and MADE: the hidden layer's width; VAE: the width of each of its two hidden
layers; PixelRNN: h), ``features`` (PixelCNN: 2h; gated PixelCNN: the width of each stack),
``layers`` (residual blocks, gated layers or LSTM layers), ``latent`` (VAE), ``iwae_samples``
(VAE: k of the training bound; 1 is the ELBO).
"""

import functools
import math

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
import optax

from jaxgen import nn
from jaxgen.errors import UserError, closest
from jaxgen.game import simultaneous
from jaxgen.game.likelihood import maximum_likelihood
from jaxgen.train import (
    Recipe,
    TrainState,
    compile_step,
    data_mesh,
    make_train_step,
    sampling_progress,
)
from jaxgen.train.mesh import check_batch_size, replicated
from jaxgen.train.recipe import TINY_LOOP, add_loop_keys, config_dataset
from jaxgen.types import Pair

MODELS = (
    "independent",
    "fvsbn",
    "nade",
    "made",
    "pixelcnn",
    "gated_pixelcnn",
    "row_lstm",
    "diagonal_bilstm",
    "vae",
)
ORDERED = ("fvsbn", "nade", "made")  # the models that take a pixel ordering
FORMATS = ("binary", "binary_dynamic", "uint8")
DATA = {"digits": 8, "mnist": 28}  # recipe suffix → image size
DATA_NAMES = {"digits": "digits", "mnist": "mnist5k"}

# Each model's sizes on digits and mnist5k, chosen to train on a CPU in minutes: the Diagonal
# BiLSTM and Row LSTM as the PixelRNN paper's MNIST network (7 layers, h = 16), the VAE as
# Burda et al.'s (2016) one-stochastic-layer MNIST model (two hidden layers of 200, 50
# latents), NADE and MADE with the papers' 500 hidden units; the PixelCNNs narrower and
# shallower than the paper's (whose MNIST width it does not give).
MODEL_DEFAULTS = {
    # Convex in their parameters (one logistic regression per pixel): larger steps, so that
    # biases reach the log-odds of near-constant background pixels (about −10) in 1,000 steps.
    "independent": {"learning_rate": 1e-2},
    "fvsbn": {"learning_rate": 1e-2},
    "nade": {"hidden": 500},
    "made": {"hidden": 500},
    "pixelcnn": {"features": 64, "layers": 5},
    "gated_pixelcnn": {"features": 32, "layers": 5},
    "row_lstm": {"hidden": 16, "layers": 7},
    "diagonal_bilstm": {"hidden": 16, "layers": 7},
    "vae": {"hidden": 200, "latent": 50},
}

TINY = {**TINY_LOOP, "image_size": 8, "hidden": 8, "features": 8, "layers": 1, "latent": 2}
TINY_RGB = {**TINY, "features": 12, "hidden": 6}  # multiples of the 3 colour groups

# Paper settings on TFDS, with the published number each targets.
#   binarized_mnist: the fixed binarization of Larochelle & Murray (2011), stored 0/1.
#   cifar10: 8-bit RGB, 256-way softmax per channel (R → G → B).
PAPER_SETTINGS = {
    "pixelcnn_binarized_mnist": (
        "pixelcnn",
        "binarized_mnist",
        "81.30 nats (van den Oord et al. 2016, Pixel RNN, Table 4)",
    ),
    "diagonal_bilstm_binarized_mnist": (
        "diagonal_bilstm",
        "binarized_mnist",
        "79.20 nats, 7 layers h = 16 (van den Oord et al. 2016, Pixel RNN, Table 4)",
    ),
    "nade_binarized_mnist": (
        "nade",
        "binarized_mnist",
        "high 80s in nats (Larochelle & Murray 2011; listed in Pixel RNN's Table 4)",
    ),
    "made_binarized_mnist": (
        "made",
        "binarized_mnist",
        "high 80s in nats (Germain et al. 2015; listed in Pixel RNN's Table 4)",
    ),
    "pixelcnn_cifar10": (
        "pixelcnn",
        "cifar10",
        "3.14 bits/dim (van den Oord et al. 2016, Pixel RNN, Table 5)",
    ),
    "row_lstm_cifar10": (
        "row_lstm",
        "cifar10",
        "3.07 bits/dim (van den Oord et al. 2016, Pixel RNN, Table 5)",
    ),
    "diagonal_bilstm_cifar10": (
        "diagonal_bilstm",
        "cifar10",
        "3.00 bits/dim (van den Oord et al. 2016, Pixel RNN, Table 5)",
    ),
    "gated_pixelcnn_cifar10": (
        "gated_pixelcnn",
        "cifar10",
        "3.03 bits/dim (van den Oord et al. 2016, Conditional PixelCNN, Table 1)",
    ),
}
# The networks of the paper settings: PixelRNN's CIFAR-10 models (12 layers, h = 128; 129 and
# 2h = 258 are the nearest widths that split into the 3 colour groups; PixelCNN with 15
# layers), the gated PixelCNN's 20 layers of 384 features (Conditional PixelCNN §3.1), the
# Diagonal BiLSTM's MNIST model (7 layers, h = 16), and ``jaxgen.nn.PixelCNN``'s defaults
# (7 blocks, 2h = 192) for binarized MNIST.
PAPER_SIZES = {
    ("pixelcnn", "binarized_mnist"): {"features": 192, "layers": 7},
    ("diagonal_bilstm", "binarized_mnist"): {"hidden": 16, "layers": 7},
    ("nade", "binarized_mnist"): {"hidden": 500},
    ("made", "binarized_mnist"): {"hidden": 500},
    ("pixelcnn", "cifar10"): {"features": 258, "layers": 15},
    ("row_lstm", "cifar10"): {"hidden": 129, "layers": 12},
    ("diagonal_bilstm", "cifar10"): {"hidden": 129, "layers": 12},
    ("gated_pixelcnn", "cifar10"): {"features": 384, "layers": 20},
}


def base_config() -> ml_collections.ConfigDict:
    c = ml_collections.ConfigDict()
    c.preset = "default"
    c.data = "digits"
    c.data_dir = ml_collections.FieldReference(None, field_type=str)
    c.format = "binary"
    c.image_size = 8
    c.channels = 1
    c.model = "nade"
    c.hidden = 500
    c.features = 128
    c.layers = 7
    c.latent = 50
    c.iwae_samples = 1  # VAE: k of the training bound (1: the ELBO)
    c.eval_importance_samples = 5000  # VAE: k of the held-out log-likelihood estimate
    c.ordering = "raster"  # FVSBN, NADE, MADE: raster, snake or random
    c.ordering_seed = 0
    c.learning_rate = 1e-3
    c.batch_size = 64
    add_loop_keys(c)
    c.steps = 5000
    c.log_every = 100
    c.sample_every = 1000
    c.eval_num_samples = 1000
    return c


def levels_of(config) -> int:
    """Values per channel: 2 for the binary formats, 256 for ``uint8``."""
    return 256 if config.format == "uint8" else 2


def model_of(config):
    """The Flax module of ``config``."""
    shape = (config.image_size, config.image_size, config.channels)
    levels = levels_of(config)
    ordered = dict(shape=shape, ordering=config.ordering, ordering_seed=config.ordering_seed)
    if config.model == "independent":
        return nn.IndependentBernoulli(shape)
    if config.model == "fvsbn":
        return nn.FVSBN(**ordered)
    if config.model == "nade":
        return nn.NADE(hidden=config.hidden, **ordered)
    if config.model == "made":
        return nn.MADE(hidden=(config.hidden,), **ordered)
    if config.model == "pixelcnn":
        return nn.PixelCNN(shape, levels, features=config.features, layers=config.layers)
    if config.model == "gated_pixelcnn":
        return nn.GatedPixelCNN(shape, levels, features=config.features, layers=config.layers)
    if config.model in ("row_lstm", "diagonal_bilstm"):
        cell = "row" if config.model == "row_lstm" else "diagonal"
        return nn.PixelRNN(shape, levels, cell, hidden=config.hidden, layers=config.layers)
    decoder = "logistic" if config.format == "uint8" else "bernoulli"
    return nn.VAE(shape, config.latent, (config.hidden, config.hidden), decoder)


def to_signed(values, levels: int):
    """Values in {0, …, levels − 1} (or their means) → [−1, 1]. Clipped: XLA turns the division
    into a multiplication by a rounded reciprocal, which puts 255 at 1.0000001."""
    return jnp.clip(values / (levels - 1) * 2 - 1, -1, 1)


def build(name: str, config: ml_collections.ConfigDict) -> Recipe:
    _check(config)
    mesh = data_mesh()
    check_batch_size(config.batch_size, mesh)
    model = model_of(config)
    shape = (config.image_size, config.image_size, config.channels)
    levels = levels_of(config)
    dtype = np.uint8 if config.format == "uint8" else np.float32
    rule = simultaneous(Pair(optax.adam(config.learning_rate), optax.set_to_zero()))
    vae = config.model == "vae"
    if vae and config.iwae_samples > 1:
        game = maximum_likelihood(
            model, method="iwae_bound", stochastic=True, k=config.iwae_samples
        )
    elif vae:
        game = maximum_likelihood(model, method="elbo", stochastic=True)
    else:
        game = maximum_likelihood(model)

    def example_batch():
        return {"image": np.zeros((config.batch_size, *shape), dtype)}

    def init_fn(key, batch):
        model_key, root_key = jax.random.split(key)
        args = (batch["image"][:1], model_key) if vae else (batch["image"][:1],)
        params = Pair(model.init(model_key, *args)["params"], {})
        return TrainState.create(
            params=params, model_state=Pair({}, {}), rule_state=rule.init(params), key=root_key
        )

    @functools.partial(jax.jit, static_argnums=2)
    def sample(state, key, n):
        variables = {"params": state.params.g}
        if vae:
            values = model.apply(variables, key, n, method="sample")
        else:
            values = model.apply(variables, key, n, sampling_progress.advance, method="sample")
        return {"image": to_signed(values, levels)}

    @jax.jit
    def log_prob(state, batch, key):
        variables = {"params": state.params.g}
        if vae:
            k = config.eval_importance_samples
            return model.apply(variables, batch["image"], key, k, method="log_likelihood_estimate")
        return model.apply(variables, batch["image"], method="log_prob")

    dataset = config_dataset(config, image_size=config.image_size)

    generate = latent_dim = None
    if vae:
        generate = jax.jit(
            lambda state, z: {
                "image": to_signed(
                    model.apply({"params": state.params.g}, z, method="generate"), levels
                )
            }
        )
        latent_dim = config.latent
    step = compile_step(make_train_step(game, rule), mesh)
    return Recipe(
        name=name,
        config=config,
        init=jax.jit(init_fn, out_shardings=replicated(mesh)),
        step=step,
        sample=sample,
        dataset=dataset,
        example_batch=example_batch,
        batches_per_step=1,
        mesh=mesh,
        generate=generate,
        latent_dim=latent_dim or 0,
        log_prob=log_prob,
        log_prob_kind=(
            f"IWAE estimate, k = {config.eval_importance_samples} (a lower bound in expectation)"
            if vae
            else "exact"
        ),
        sample_positions=0 if vae or config.model == "independent" else math.prod(shape),
    )


def _check(config):
    for key, allowed in (
        ("model", MODELS),
        ("format", FORMATS),
        ("ordering", nn.orderings.ORDERINGS),
    ):
        if config[key] not in allowed:
            raise UserError(f"unknown {key} {config[key]!r}: {closest(config[key], allowed)}")
    for key in (
        "batch_size",
        "steps",
        "hidden",
        "features",
        "latent",
        "image_size",
        "channels",
        "log_every",
        "checkpoint_every",
        "iwae_samples",
        "eval_importance_samples",
    ):
        if config[key] < 1:
            raise UserError(f"config key {key!r} must be at least 1, got {config[key]}")
    if config.layers < 0:
        raise UserError(f"config key 'layers' must be at least 0, got {config.layers}")
    binary_only = ("independent", "fvsbn", "nade", "made")
    if config.format == "uint8" and config.model in binary_only:
        raise UserError(
            f"{config.model} models binary pixels; use format=binary or binary_dynamic, or a "
            "256-way model (pixelcnn, gated_pixelcnn, row_lstm, diagonal_bilstm, vae) for uint8"
        )
    if config.ordering != "raster" and config.model not in ORDERED:
        raise UserError(
            f"{config.model} generates in raster order; ordering={config.ordering!r} is a "
            f"setting of {', '.join(ORDERED)}"
        )
    groups = config.channels
    if config.model in ("pixelcnn",) and config.features % (2 * groups):
        raise UserError(
            f"pixelcnn needs features (2h) a multiple of 2 × {groups} channels, got "
            f"{config.features}"
        )
    if config.model == "gated_pixelcnn" and config.features % groups:
        raise UserError(
            f"gated_pixelcnn needs features a multiple of the {groups} channels, got "
            f"{config.features}"
        )
    if config.model in ("row_lstm", "diagonal_bilstm") and config.hidden % groups:
        raise UserError(
            f"{config.model} needs hidden a multiple of the {groups} channels, got {config.hidden}"
        )


def get_config(model: str, data_name: str) -> ml_collections.ConfigDict:
    c = base_config()
    c.model = model
    c.data = DATA_NAMES[data_name]
    c.image_size = DATA[data_name]
    for key, value in MODEL_DEFAULTS[model].items():
        c[key] = value
    return c


def get_paper_config(name: str) -> ml_collections.ConfigDict:
    """The config of ``PAPER_SETTINGS[name]``; its docstring role is played by ``summary``."""
    model, tfds_name, _ = PAPER_SETTINGS[name]
    c = get_config(model, "mnist")
    c.data = f"tfds:{tfds_name}"
    if tfds_name == "cifar10":
        c.format, c.image_size, c.channels = "uint8", 32, 3
        c.steps = 200_000
    else:
        c.steps = 100_000
    for key, value in PAPER_SIZES[(model, tfds_name)].items():
        c[key] = value
    return c


def factories(configured) -> dict:
    """``name → factory`` for ``jaxgen.recipes.register``: ``{model}_{data}`` and
    ``PAPER_SETTINGS``."""
    table = {
        f"{model}_{data_name}": configured(
            functools.partial(get_config, model, data_name),
            functools.partial(build, f"{model}_{data_name}"),
            {"default": {}, "tiny": TINY},
        )
        for model in MODELS
        for data_name in DATA
    }
    for name, (_, tfds_name, _) in PAPER_SETTINGS.items():
        tiny = TINY_RGB if tfds_name == "cifar10" else TINY
        table[name] = configured(
            functools.partial(get_paper_config, name),
            functools.partial(build, name),
            {"default": {}, "tiny": tiny},
        )
    return table


def is_likelihood_recipe(name: str) -> bool:
    model, _, data_name = name.rpartition("_")
    return name in PAPER_SETTINGS or (model in MODELS and data_name in DATA)


def summary(name: str) -> str:
    """One line for ``jaxgen recipes``."""
    if name in PAPER_SETTINGS:
        model, tfds_name, target = PAPER_SETTINGS[name]
        return f"{model} on tfds:{tfds_name}, the paper setting: {target}"
    model, data_name = name.rsplit("_", 1)
    side = DATA[data_name]
    return (
        f"{model} by maximum likelihood on binarized {DATA_NAMES[data_name]} ({side}×{side}); "
        "explicit models, issue 7"
    )
