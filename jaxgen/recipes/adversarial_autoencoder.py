"""Adversarial autoencoder recipes (Makhzani et al. 2016): ``aae_digits`` and ``aae_mnist``.

    jaxgen train aae_mnist --workdir runs/aae_mnist                  # 2-D codes, 10-mixture prior
    jaxgen train aae_mnist --set prior=swiss_roll
    jaxgen train aae_digits --set prior=gaussian --set latent=8
    jaxgen sample runs/aae_mnist --walk                              # decoded walks in code space

``build(config)`` makes the ``Recipe``: the paper's MLP encoder, decoder and code
discriminator (``jaxgen.game.adversarial_autoencoder.mlp_networks``, ReLU layers of
``hidden`` units), the game ``adversarial_autoencoder`` with a Bernoulli reconstruction of the
``binary`` images, and the paper's per-minibatch phases (``phased``: reconstruction, then the
discriminator on codes, then the encoder as generator), each phase with its own Adam. The
prior (``jaxgen.data.priors``) only needs a sampler: ``gaussian`` in ``latent`` dimensions, or
the 2-D ``mixture10`` and ``swiss_roll`` of the paper's Figure 4. ``sample`` decodes prior
samples to the decoder's mean image (σ of the logits) in [−1, 1], so the sample grids, latent
walks (``generate``) and sample metrics work as for a GAN.

What to expect: with 2-D codes the encoder's codes of the test set fill the prior's shape and
the digit classes occupy separate regions (the paper's Figures 2 and 4); the reconstruction
loss falls below that of the independent-pixel model of the same data.
"""

import functools

import jax
import ml_collections
import numpy as np
import optax

from jaxgen.data import priors
from jaxgen.errors import UserError
from jaxgen.game.adversarial_autoencoder import (
    DECODER,
    ENCODER,
    Phases,
    adversarial_autoencoder,
    init_params,
    mlp_networks,
    phased,
)
from jaxgen.train import Recipe, TrainState, compile_step, data_mesh, make_train_step
from jaxgen.train.mesh import check_batch_size, replicated
from jaxgen.train.recipe import TINY_LOOP, add_loop_keys, config_dataset
from jaxgen.types import Pair

DATA = {"digits": ("digits", 8), "mnist": ("mnist5k", 28)}
TINY = {**TINY_LOOP, "image_size": 8, "hidden": 16}


def get_config(data_name: str) -> ml_collections.ConfigDict:
    c = ml_collections.ConfigDict()
    c.preset = "default"
    c.data, c.image_size = DATA[data_name]
    c.data_dir = ml_collections.FieldReference(None, field_type=str)
    c.format = "binary"
    c.prior = "mixture10"  # gaussian, mixture10 or swiss_roll
    c.latent = 2
    c.posterior = "deterministic"  # or gaussian
    c.hidden = 1000  # the width of the two hidden layers of each network (the paper's MNIST)
    c.adversarial_weight = 1.0
    c.learning_rate = 1e-3  # the reconstruction phase
    c.regularization_learning_rate = 1e-4  # the discriminator and the encoder-as-generator
    c.batch_size = 100
    add_loop_keys(c)
    c.steps = 10_000
    c.log_every = 100
    c.sample_every = 1000
    return c


def build(name: str, config: ml_collections.ConfigDict) -> Recipe:
    try:
        prior = priors.prior(config.prior, config.latent)
    except ValueError as error:
        raise UserError(str(error)) from None
    for key in ("hidden", "batch_size", "steps", "image_size"):
        if config[key] < 1:
            raise UserError(f"config key {key!r} must be at least 1, got {config[key]}")
    if config.format not in ("binary", "binary_dynamic"):
        raise UserError(
            f"aae reconstructs binary pixels: format must be binary or binary_dynamic, got "
            f"{config.format!r}"
        )
    mesh = data_mesh()
    check_batch_size(config.batch_size, mesh)
    shape = (config.image_size, config.image_size, 1)
    networks = mlp_networks(
        shape, config.latent, hidden=(config.hidden, config.hidden), posterior=config.posterior
    )
    game = adversarial_autoencoder(
        *networks,
        prior.sample,
        reconstruction="bernoulli",
        adversarial_weight=config.adversarial_weight,
        posterior=config.posterior,
    )
    regularization = optax.adam(config.regularization_learning_rate, b1=0.5)
    rule = phased(Phases(optax.adam(config.learning_rate), regularization, regularization))

    def example_batch():
        return {"image": np.zeros((config.batch_size, *shape), np.float32)}

    def init_fn(key, batch):
        params_key, root_key = jax.random.split(key)
        params = init_params(networks, params_key, batch["image"][:1], prior.sample)
        return TrainState.create(
            params=params, model_state=Pair({}, {}), rule_state=rule.init(params), key=root_key
        )

    @jax.jit
    def generate(state, z):
        logits = networks.decoder.apply({"params": state.params.g[DECODER]}, z)
        return {"image": jax.nn.sigmoid(logits) * 2 - 1}

    @functools.partial(jax.jit, static_argnums=2)
    def sample(state, key, n):
        return generate(state, prior.sample(key, n))

    dataset = config_dataset(config, image_size=config.image_size)

    return Recipe(
        name=name,
        config=config,
        init=jax.jit(init_fn, out_shardings=replicated(mesh)),
        step=compile_step(make_train_step(game, rule), mesh),
        sample=sample,
        dataset=dataset,
        example_batch=example_batch,
        batches_per_step=1,
        mesh=mesh,
        generate=generate,
        latent_dim=config.latent,
        prior=prior.sample,
    )


def encode(recipe: Recipe, state, images):
    """The encoder's codes ``[n, latent]`` of ``images`` (means for a Gaussian posterior)."""
    networks = mlp_networks(
        (recipe.config.image_size, recipe.config.image_size, 1),
        recipe.config.latent,
        hidden=(recipe.config.hidden, recipe.config.hidden),
        posterior=recipe.config.posterior,
    )
    encoded = networks.encoder.apply({"params": state.params.g[ENCODER]}, images)
    return encoded[:, : recipe.config.latent]


def factories(configured) -> dict:
    """``name → factory`` for ``jaxgen.recipes.register``: ``aae_digits``, ``aae_mnist``."""
    return {
        f"aae_{data_name}": configured(
            functools.partial(get_config, data_name),
            functools.partial(build, f"aae_{data_name}"),
            {"default": {}, "tiny": TINY},
        )
        for data_name in DATA
    }
