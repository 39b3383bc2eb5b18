"""``progressive_mnist``: Progressive GAN (Karras et al. 2018) growing 4→8→16→32 on mnist5k.

    jaxgen train progressive_mnist --workdir runs/progressive          # mnist5k resized to 32
    python -m experiments.progressive.run                              # FID and figure per stage

The networks are ``jaxgen.nn.ProgressiveGenerator`` / ``ProgressiveDiscriminator`` (equalized
learning rate, pixel norm, minibatch standard deviation), the game is
``jaxgen.game.progressive.progressive_wgan_gp`` (WGAN-GP, λ = 10, drift ε = 0.001), the rule
alternates one critic and one generator update with Adam(1e-3, β1 = 0, β2 = 0.99, ε = 1e-8),
the paper's settings (§A.1), and Adam's moments are reset at every phase start
(``reset_optimizer``, as the authors' ``reset_opt_for_new_lod``). Samples come from an
exponential moving average of G's parameters (``ema_decay``, 0.999 in the paper).

The growth is config: ``resolutions`` (4, 8, ..., ``image_size``, each the double of the one
before), ``widths`` (the channels of each resolution's block, for G and D), ``stabilize_steps``
(stage 0's steps, and each later stage's steps at α = 1) and ``fade_steps`` (each later stage's
fade-in). The schedule lasts stabilize + (S − 1)·(fade + stabilize) steps (``steps`` defaults to
it; a longer run keeps training the last stage at α = 1). The stage and α are
``state.model_state`` (``jaxgen.game.progressive.Growth``), a function of the step.

``sample(state, key, n)`` returns ``{"image": [n, R, R, C]}`` at the final resolution R: the
current stage's images (at its α) upsampled by nearest neighbour, and clipped to [−1, 1] (G's
output is linear, as in the paper), so sample grids and ``jaxgen eval`` work at every stage.

CelebA at 128 on a Cloud accelerator (the paper's CelebA setting is 1024 from CelebA-HQ with
512-channel blocks and 800k images per phase; this is its 128 cut, widths halved above 32,
batch 16, 800k images = 50k steps per phase; not run here)::

    tfds build celeb_a --file_format=array_record --data_dir=DIR   # once, with network
    jaxgen train progressive_mnist --workdir runs/progressive_celeba128 --set data_dir=DIR \\
      --set data=tfds:celeb_a --set image_size=128 --set channels=3 --set latent_dim=512 \\
      --set resolutions="(4, 8, 16, 32, 64, 128)" --set widths="(512, 512, 512, 512, 256, 128)" \\
      --set batch_size=16 --set fade_steps=50000 --set stabilize_steps=50000 --set steps=550000 \\
      --set sample_every=5000 --set checkpoint_every=5000

The ``cpu`` preset (``--set preset=cpu``: widths (32, 32, 32, 16), batch 32, 200 steps per
phase) is what ``experiments/progressive`` runs on a 2-core CPU; see its README for the
numbers it reaches and what the default (GPU-sized) config leaves to do.
"""

import functools

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
import optax

from jaxgen.errors import UserError
from jaxgen.game import alternating, ema
from jaxgen.game.progressive import Schedule, progressive_wgan_gp
from jaxgen.nn.progressive import ProgressiveDiscriminator, ProgressiveGenerator, upsample
from jaxgen.train import Recipe, TrainState, compile_step, data_mesh, make_train_step
from jaxgen.train.mesh import check_batch_size, replicated
from jaxgen.train.recipe import TINY_LOOP, add_loop_keys, config_dataset
from jaxgen.types import Pair

TINY = {
    **TINY_LOOP,
    "image_size": 8,
    "resolutions": (4, 8),
    "widths": (8, 8),
    "latent_dim": 8,
    "stabilize_steps": 6,
    "fade_steps": 8,  # the fade of 8×8 is steps 6 .. 13: the checkpoint of step 10 is mid-fade
    "steps": 20,
    "ema_decay": 0.0,
}
CPU = {
    "widths": (32, 32, 32, 16),
    "latent_dim": 64,
    "batch_size": 32,
    "stabilize_steps": 200,
    "fade_steps": 200,
    "steps": 1400,
    "ema_decay": 0.99,
    "sample_every": 200,
    "checkpoint_every": 200,
}
PRESETS = {"default": {}, "tiny": TINY, "cpu": CPU}


def get_config() -> ml_collections.ConfigDict:
    c = ml_collections.ConfigDict()
    c.preset = "default"
    c.data = "mnist5k"
    c.data_dir = ml_collections.FieldReference(None, field_type=str)
    c.image_size = 32
    c.channels = 1
    c.resolutions = (4, 8, 16, 32)
    c.widths = (128, 128, 64, 32)  # channels of each resolution's block
    c.latent_dim = 128
    c.stabilize_steps = 2000
    c.fade_steps = 2000
    c.learning_rate = 1e-3
    c.beta1 = 0.0
    c.beta2 = 0.99
    c.adam_eps = 1e-8
    c.gp_weight = 10.0
    c.drift_weight = 1e-3
    c.group_size = 4  # minibatch standard deviation
    c.ema_decay = 0.999  # 0: sample from G's own parameters
    c.reset_optimizer = True  # fresh Adam moments at every fade-in and stabilization start
    c.batch_size = 64
    add_loop_keys(c)
    c.steps = 14_000  # stabilize + 3 · (fade + stabilize): the whole schedule
    c.sample_every = 1000
    c.checkpoint_every = 1000
    return c


def schedule_of(config) -> Schedule:
    return Schedule(len(config.resolutions), config.fade_steps, config.stabilize_steps)


def build(name: str, config: ml_collections.ConfigDict) -> Recipe:
    _check(config)
    mesh = data_mesh()
    check_batch_size(config.batch_size, mesh)
    schedule = schedule_of(config)
    last = schedule.num_stages - 1
    widths = tuple(config.widths)
    generator = ProgressiveGenerator(widths, config.channels)
    discriminator = ProgressiveDiscriminator(widths, config.group_size)
    game = progressive_wgan_gp(
        generator,
        discriminator,
        latent_dim=config.latent_dim,
        num_stages=schedule.num_stages,
        gp_weight=config.gp_weight,
        drift_weight=config.drift_weight,
    )
    optimizer = optax.adam(config.learning_rate, config.beta1, config.beta2, config.adam_eps)
    inner_rule = alternating(optimizer)
    rule = ema(inner_rule, config.ema_decay) if config.ema_decay else inner_rule
    shape = (config.image_size, config.image_size, config.channels)

    def example_batch():
        return {"image": np.zeros((config.batch_size, *shape), np.float32)}

    def init_fn(key, batch):
        g_key, d_key, root_key = jax.random.split(key, 3)
        z = jnp.zeros((1, config.latent_dim), jnp.float32)
        params = Pair(
            generator.init(g_key, z, last, 0.5)["params"],
            discriminator.init(d_key, batch["image"][:1], last, 0.5)["params"],
        )
        return TrainState.create(
            params=params,
            model_state=schedule.growth_at(0),
            rule_state=rule.init(params),
            key=root_key,
        )

    def reset_optimizer(rule_state, params, start):
        """The optimizer state, fresh where ``start`` (the EMA, if any, is kept)."""
        inner = rule_state.inner if config.ema_decay else rule_state
        inner = jax.tree.map(
            lambda fresh, old: jnp.where(start, fresh, old), inner_rule.init(params), inner
        )
        return rule_state._replace(inner=inner) if config.ema_decay else inner

    plain_step = make_train_step(game, rule)

    def train_step(state, batch):
        rule_state = state.rule_state
        if config.reset_optimizer:
            rule_state = reset_optimizer(rule_state, state.params, schedule.phase_start(state.step))
        growth = schedule.growth_at(state.step)
        return plain_step(state.replace(model_state=growth, rule_state=rule_state), batch)

    def at_final_size(stage):
        def branch(params, alpha, z):
            images = generator.apply({"params": params}, z, stage, alpha)
            return upsample(images, 2 ** (last - stage))

        return branch

    @jax.jit
    def generate(state, z):
        params = state.rule_state.average.g if config.ema_decay else state.params.g
        growth = state.model_state
        branches = [at_final_size(stage) for stage in range(schedule.num_stages)]
        images = jax.lax.switch(growth.stage, branches, params, growth.alpha, z)
        return {"image": jnp.clip(images, -1.0, 1.0)}

    @functools.partial(jax.jit, static_argnums=2)
    def sample(state, key, n):
        return generate(state, jax.random.normal(key, (n, config.latent_dim), jnp.float32))

    return Recipe(
        name=name,
        config=config,
        init=jax.jit(init_fn, out_shardings=replicated(mesh)),
        step=compile_step(train_step, mesh),
        sample=sample,
        dataset=config_dataset(config, image_size=config.image_size),
        example_batch=example_batch,
        batches_per_step=1,
        mesh=mesh,
        generate=generate,
        latent_dim=config.latent_dim,
    )


def _check(config):
    resolutions = tuple(config.resolutions)
    expected = tuple(4 * 2**s for s in range(len(resolutions)))
    if len(resolutions) < 1 or resolutions != expected or resolutions[-1] != config.image_size:
        raise UserError(
            f"resolutions must double from 4 up to image_size={config.image_size}, got "
            f'{resolutions}; e.g. --set resolutions="{tuple(4 * 2**s for s in range(4))}"'
        )
    if len(config.widths) != len(resolutions) or min(config.widths) < 1:
        raise UserError(
            f"widths needs one positive channel count per resolution ({len(resolutions)}), "
            f"got {tuple(config.widths)}"
        )
    for key in ("stabilize_steps", "batch_size", "steps", "latent_dim", "channels", "group_size"):
        if config[key] < 1:
            raise UserError(f"config key {key!r} must be at least 1, got {config[key]}")
    if config.fade_steps < 0:
        raise UserError(f"fade_steps must be 0 (no fade-in) or more, got {config.fade_steps}")
    group = min(config.group_size, config.batch_size)
    if config.batch_size % group:
        raise UserError(
            f"batch_size={config.batch_size} must be a multiple of group_size="
            f"{config.group_size} (the minibatch standard deviation's groups)"
        )
    if not 0 <= config.ema_decay < 1:
        raise UserError(f"ema_decay must be in [0, 1), got {config.ema_decay}")


def factories(configured) -> dict:
    """``name → factory`` for ``jaxgen.recipes.register``: ``progressive_mnist``."""
    return {
        "progressive_mnist": configured(
            get_config, functools.partial(build, "progressive_mnist"), PRESETS
        )
    }
