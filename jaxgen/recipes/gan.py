"""The GAN recipe: a generator, a discriminator, an objective, an update rule and data.

``build(config)`` turns a config (see ``base_config``) into a ``Recipe``. Networks: ``dcgan``
(``jaxgen.nn.DCGANGenerator`` / ``DCGANDiscriminator``) for images, ``mlp`` for 2-D points or
flattened images. The rule is ``alternating`` (``d_steps`` discriminator updates, then
``g_steps`` generator updates) with Adam for each player.
"""

import functools

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
import optax

from jaxgen import data, nn
from jaxgen.errors import UserError, closest
from jaxgen.game import adversarial, alternating, ema
from jaxgen.game.adversarial import apply_module
from jaxgen.losses import get_objective
from jaxgen.train import Recipe, TrainState, compile_step, data_mesh, make_train_step
from jaxgen.train.mesh import check_batch_size, replicated
from jaxgen.types import Pair

NETWORKS = ("dcgan", "mlp")

# The `tiny` preset of the image recipes, for tests: 8×8 images, widths of 8, batch 8, 20 steps.
TINY_IMAGES = {
    "image_size": 8,
    "g_width": 8,
    "d_width": 8,
    "latent_dim": 8,
    "batch_size": 8,
    "steps": 20,
    "log_every": 5,
    "sample_every": 10,
    "checkpoint_every": 10,
    "num_samples": 16,
}


def base_config() -> ml_collections.ConfigDict:
    """The keys every GAN recipe has, with neutral defaults; recipes override them."""
    c = ml_collections.ConfigDict()
    c.preset = "default"
    # data
    c.data = "digits"
    c.data_dir = ml_collections.FieldReference(None, field_type=str)
    c.image_size = 8  # images are image_size × image_size × channels
    c.channels = 1
    # networks
    c.network = "dcgan"
    c.latent_dim = 100
    c.g_width = 128  # dcgan: channels of G's last hidden layer; mlp: hidden width
    c.dcgan_stages = 0  # dcgan: stride-2 layers per network; 0: from image_size (base 4 or 7)
    c.d_width = 64
    c.mlp_depth = 2  # mlp only: hidden layers
    # objective and rule
    c.objective = "nsgan"
    c.d_steps = 1
    c.g_steps = 1
    c.g_learning_rate = 2e-4
    c.d_learning_rate = 2e-4
    c.beta1 = 0.5
    c.beta2 = 0.999
    c.ema_decay = 0.0  # > 0: sample from a moving average of G's parameters (game.ema)
    # run
    c.batch_size = 64
    c.steps = 1000
    c.seed = 0
    c.sample_seed = 1234  # the fixed latent batch of the sample grids
    c.num_samples = 64
    c.log_every = 50
    c.sample_every = 500
    c.checkpoint_every = 1000
    c.keep_checkpoints = 3
    # evaluation during training (jaxgen.metrics.run_eval); 0: off
    c.eval_every = 0
    c.eval_metrics = ""  # comma-separated; "": the data's defaults (as `jaxgen eval`)
    c.eval_num_samples = 2000
    c.eval_reference = "train"
    return c


def build(name: str, config: ml_collections.ConfigDict) -> Recipe:
    """The ``Recipe`` of ``config`` (see the module docstring)."""
    _check(config)
    mesh = data_mesh()
    check_batch_size(config.batch_size, mesh)
    generator, discriminator, data_key = networks(config)
    game = adversarial(
        generator,
        discriminator,
        get_objective(config.objective),
        latent_dim=config.latent_dim,
        data_key=data_key,
    )
    adam = lambda lr: optax.adam(lr, b1=config.beta1, b2=config.beta2)
    rule = alternating(
        Pair(adam(config.g_learning_rate), adam(config.d_learning_rate)),
        d_steps=config.d_steps,
        g_steps=config.g_steps,
    )
    if config.ema_decay:
        rule = ema(rule, config.ema_decay)
    data_shape = _data_shape(config)

    def example_batch():
        return {data_key: np.zeros((config.batch_size, *data_shape), np.float32)}

    def init_fn(key, batch):
        g_key, d_key, root_key = jax.random.split(key, 3)
        z = jnp.zeros((1, config.latent_dim), jnp.float32)
        g_vars = dict(generator.init(g_key, z, train=False))
        d_vars = dict(discriminator.init(d_key, batch[data_key][:1], train=False))
        params = Pair(g_vars.pop("params"), d_vars.pop("params"))
        return TrainState.create(
            params=params,
            model_state=Pair(g_vars, d_vars),
            rule_state=rule.init(params),
            key=root_key,
        )

    init = jax.jit(init_fn, out_shardings=replicated(mesh))

    @jax.jit
    def generate(state, z):
        params = state.rule_state.average.g if config.ema_decay else state.params.g
        fake, _ = apply_module(generator, params, state.model_state.g, z, train=False)
        return {data_key: fake}

    @functools.partial(jax.jit, static_argnums=2)
    def sample(state, key, n):
        return generate(state, jax.random.normal(key, (n, config.latent_dim), jnp.float32))

    def dataset(split="train"):
        return data.load(
            config.data,
            split,
            batch_size=config.batch_size,
            seed=config.seed,
            data_dir=config.data_dir,
            image_size=None if data_key == "x" else config.image_size,
        )

    step = compile_step(
        make_train_step(game, rule, batches_per_step=config.d_steps),
        mesh,
        stacked=config.d_steps > 1,
    )
    return Recipe(
        name=name,
        config=config,
        init=init,
        step=step,
        sample=sample,
        dataset=dataset,
        example_batch=example_batch,
        batches_per_step=config.d_steps,
        mesh=mesh,
        generate=generate,
        latent_dim=config.latent_dim,
    )


def _check(config):
    if config.network not in NETWORKS:
        raise UserError(f"unknown network {config.network!r}: {closest(config.network, NETWORKS)}")
    for key in (
        "batch_size",
        "steps",
        "latent_dim",
        "d_steps",
        "g_steps",
        "log_every",
        "checkpoint_every",
        "keep_checkpoints",
        "num_samples",
    ):
        if config[key] < 1:
            raise UserError(f"config key {key!r} must be at least 1, got {config[key]}")
    if config.eval_every < 0:
        raise UserError(f"config key 'eval_every' must be 0 (off) or more, got {config.eval_every}")
    if config.eval_every and config.eval_num_samples < 2:
        raise UserError(
            f"config key 'eval_num_samples' must be at least 2, got {config.eval_num_samples}"
        )
    if config.network == "dcgan":
        try:
            nn.dcgan.upsampling_plan(config.image_size, config.dcgan_stages or None)
        except ValueError as error:
            raise UserError(f"{error}; set --set image_size=...") from None


def _is_points(config):
    return config.data in ("ring8", "grid25")


def _data_shape(config):
    if _is_points(config):
        return (2,)
    return (config.image_size, config.image_size, config.channels)


def networks(config):
    """``(generator, discriminator, data_key)`` of a GAN config."""
    shape = _data_shape(config)
    data_key = "x" if _is_points(config) else "image"
    if config.network == "dcgan":
        if data_key == "x":
            raise UserError(
                f"the dcgan network needs images; {config.data} gives 2-D points: "
                "use --set network=mlp"
            )
        stages = config.dcgan_stages or None
        return (
            nn.DCGANGenerator(config.image_size, config.channels, config.g_width, stages),
            nn.DCGANDiscriminator(config.image_size, config.d_width, stages),
            data_key,
        )
    generator = nn.MLPGenerator(
        shape, (config.g_width,) * config.mlp_depth, tanh_output=data_key == "image"
    )
    discriminator = nn.MLPDiscriminator((config.d_width,) * config.mlp_depth)
    return generator, discriminator, data_key
