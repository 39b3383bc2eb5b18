"""Explicit-model recipes: an autoregressive model trained by maximum likelihood on binary images.

    jaxgen train nade_digits --workdir runs/nade_digits
    jaxgen train made_mnist --set ordering=random
    jaxgen recipes                                   # {fvsbn,nade,made}_{digits,mnist}

``build(config)`` makes the ``Recipe`` of ``config`` (``base_config``): the model
(``jaxgen.nn.FVSBN``, ``NADE`` or ``MADE`` over ``image_size``² binary pixels in the config's
pixel ``ordering``), the game ``jaxgen.game.likelihood.maximum_likelihood`` (the NLL is the
generator's loss; the discriminator slot is empty) and Adam. Data: ``digits`` (8×8) or
``mnist5k`` (28×28), ``binary`` (statically thresholded at half the range) or
``binary_dynamic`` (redrawn each pass) through ``jaxgen.data.load``. The loop logs the batch
NLL in nats and bits/dim; ``sample`` returns images in [−1, 1] ({0, 1} mapped to {−1, 1}), so
the sample grids and ``jaxgen eval``'s sample metrics work as for a GAN.

``jaxgen eval WORKDIR`` reports the exact held-out NLL on the test split
(``jaxgen.metrics.held_out``).
"""

import functools
import math

import jax
import ml_collections
import numpy as np
import optax

from jaxgen import data, nn
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
from jaxgen.train.recipe import TINY_LOOP, add_loop_keys
from jaxgen.types import Pair

MODELS = ("fvsbn", "nade", "made")
FORMATS = ("binary", "binary_dynamic")
DATA = {"digits": 8, "mnist": 28}  # recipe suffix → image size
DATA_NAMES = {"digits": "digits", "mnist": "mnist5k"}

TINY = {**TINY_LOOP, "image_size": 8, "hidden": 8}


def base_config() -> ml_collections.ConfigDict:
    c = ml_collections.ConfigDict()
    c.preset = "default"
    c.data = "digits"
    c.data_dir = ml_collections.FieldReference(None, field_type=str)
    c.format = "binary"
    c.image_size = 8
    c.channels = 1
    c.model = "nade"
    c.hidden = 500  # NADE: hidden units; MADE: the width of its one hidden layer
    c.ordering = "raster"  # raster, snake or random
    c.ordering_seed = 0
    c.learning_rate = 1e-3
    c.batch_size = 64
    add_loop_keys(c)
    c.steps = 5000
    c.log_every = 100
    c.sample_every = 1000
    c.eval_num_samples = 1000
    return c


def model_of(config):
    """The Flax module of ``config``."""
    shape = (config.image_size, config.image_size, config.channels)
    common = dict(shape=shape, ordering=config.ordering, ordering_seed=config.ordering_seed)
    if config.model == "fvsbn":
        return nn.FVSBN(**common)
    if config.model == "nade":
        return nn.NADE(hidden=config.hidden, **common)
    return nn.MADE(hidden=(config.hidden,), **common)


def build(name: str, config: ml_collections.ConfigDict) -> Recipe:
    _check(config)
    mesh = data_mesh()
    check_batch_size(config.batch_size, mesh)
    model = model_of(config)
    shape = (config.image_size, config.image_size, config.channels)
    rule = simultaneous(Pair(optax.adam(config.learning_rate), optax.set_to_zero()))

    def example_batch():
        return {"image": np.zeros((config.batch_size, *shape), np.float32)}

    def init_fn(key, batch):
        model_key, root_key = jax.random.split(key)
        params = Pair(model.init(model_key, batch["image"][:1])["params"], {})
        return TrainState.create(
            params=params, model_state=Pair({}, {}), rule_state=rule.init(params), key=root_key
        )

    @functools.partial(jax.jit, static_argnums=2)
    def sample(state, key, n):
        pixels = model.apply(
            {"params": state.params.g}, key, n, sampling_progress.advance, method="sample"
        )
        return {"image": 2 * pixels - 1}

    @jax.jit
    def log_prob(state, batch, key):
        del key  # exact and deterministic
        return model.apply({"params": state.params.g}, batch["image"], method="log_prob")

    def dataset(split="train"):
        return data.load(
            config.data,
            split,
            batch_size=config.batch_size,
            seed=config.seed,
            format=config.format,
            data_dir=config.data_dir,
            image_size=config.image_size,
        )

    step = compile_step(make_train_step(maximum_likelihood(model), rule), mesh)
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
        log_prob=log_prob,
        log_prob_kind="exact",
        sample_positions=math.prod(shape),
    )


def _check(config):
    for key, allowed in (
        ("model", MODELS),
        ("format", FORMATS),
        ("ordering", nn.orderings.ORDERINGS),
    ):
        if config[key] not in allowed:
            raise UserError(f"unknown {key} {config[key]!r}: {closest(config[key], allowed)}")
    for key in ("batch_size", "steps", "hidden", "image_size", "log_every", "checkpoint_every"):
        if config[key] < 1:
            raise UserError(f"config key {key!r} must be at least 1, got {config[key]}")


def get_config(model: str, data_name: str) -> ml_collections.ConfigDict:
    c = base_config()
    c.model = model
    c.data = DATA_NAMES[data_name]
    c.image_size = DATA[data_name]
    return c


def factories(configured) -> dict:
    """``name → factory`` for ``jaxgen.recipes.register``: ``{model}_{data}``."""
    return {
        f"{model}_{data_name}": configured(
            functools.partial(get_config, model, data_name),
            functools.partial(build, f"{model}_{data_name}"),
            {"default": {}, "tiny": TINY},
        )
        for model in MODELS
        for data_name in DATA
    }


def summary(name: str) -> str:
    model, data_name = name.rsplit("_", 1)
    return (
        f"{model.upper()} by maximum likelihood on binarized {DATA_NAMES[data_name]} "
        f"({DATA[data_name]}×{DATA[data_name]}); explicit models, issue 7"
    )
