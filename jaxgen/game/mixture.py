"""``mixture_game``: an MLP GAN on a toy mixture of Gaussians, as one pure game.

The standard test bed of mode collapse (Metz et al. 2017, "Unrolled Generative Adversarial
Networks", §3.1; Lin et al. 2018, PacGAN). Real points are drawn inside the game from the
evaluation key (the data is infinite), so a whole training run is one ``rollout`` that
``jax.vmap`` maps over seeds (``train_seeds``). The networks are ``gan_ring8``'s reference MLPs
(DESIGN.md).
"""

from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from jaxgen.data.toy import MIXTURES
from jaxgen.errors import UserError, closest
from jaxgen.game.adversarial import adversarial
from jaxgen.game.rollout import rollout
from jaxgen.losses import get_objective
from jaxgen.metrics import mode_coverage
from jaxgen.nn import MLPDiscriminator, MLPGenerator
from jaxgen.types import Pair


class MixtureGame(NamedTuple):
    """The game and what a run needs around it.

    losses: the game, ``losses(params, model_state, batch, key)``; with ``batch=None`` it draws
      ``batch_size`` real points from the mixture with ``key``.
    init: ``init(key) -> params``, a ``Pair`` of the two networks' parameters.
    sample: ``sample(params, key, n) -> [n, 2]`` generated points.
    centers: ``[modes, 2]`` mixture centers; std: their standard deviation.
    """

    losses: Callable
    init: Callable
    sample: Callable
    centers: np.ndarray
    std: float


def mixture_game(
    data="ring8", objective="nsgan", *, hidden=(128, 128), latent_dim=2, batch_size=512
) -> MixtureGame:
    """An MLP GAN on the toy mixture ``data`` (``"ring8"`` or ``"grid25"``).

    Args:
      data: the mixture (``jaxgen.data`` toy sets).
      objective: a ``jaxgen.losses`` objective name.
      hidden: hidden widths of both MLPs (ReLU).
      latent_dim: size of z ∼ N(0, I).
      batch_size: real and generated points per evaluation.
    """
    if data not in MIXTURES:
        raise UserError(f"unknown mixture {data!r}: {closest(data, MIXTURES)}")
    mixture = MIXTURES[data]
    centers = jnp.asarray(mixture.centers, jnp.float32)
    generator = MLPGenerator(output_shape=(2,), hidden=tuple(hidden))
    discriminator = MLPDiscriminator(hidden=tuple(hidden))
    gan = adversarial(
        generator, discriminator, get_objective(objective), latent_dim=latent_dim, data_key="x"
    )
    no_state = Pair({}, {})

    def draw(key, n):
        mode_key, noise_key = jax.random.split(key)
        modes = jax.random.randint(mode_key, (n,), 0, len(mixture.centers))
        return centers[modes] + mixture.std * jax.random.normal(noise_key, (n, 2), jnp.float32)

    def losses(params, model_state, batch, key):
        data_key, game_key = jax.random.split(key)
        if batch is None:
            batch = {"x": draw(data_key, batch_size)}
        result, (_, metrics) = gan(params, no_state, batch, game_key)
        return result, (model_state, metrics)

    def init(key):
        g_key, d_key = jax.random.split(key)
        g = generator.init(g_key, jnp.zeros((1, latent_dim), jnp.float32))["params"]
        d = discriminator.init(d_key, jnp.zeros((1, 2), jnp.float32))["params"]
        return Pair(g, d)

    def sample(params, key, n):
        z = jax.random.normal(key, (n, latent_dim), jnp.float32)
        return generator.apply({"params": params.g}, z)

    return MixtureGame(losses, init, sample, mixture.centers.copy(), mixture.std)


def train_seeds(game: MixtureGame, losses, rule, steps, keys, *, every, num_samples=2500):
    """One training run per key, all as one vmapped program, scored along the way.

    Run i initializes the networks, trains and samples with keys split from ``keys[i]``, so the
    same keys give every rule the same initial networks (paired comparisons). After steps 0,
    every, ..., steps it scores ``num_samples`` samples with ``jaxgen.metrics.mode_coverage``.

    Args:
      game: a ``MixtureGame``.
      losses: the game to train: ``game.losses`` or a transform of it.
      rule: a ``Rule``.
      steps: training steps (a multiple of ``every``).
      keys: ``[seeds, 2]`` PRNG keys.
      every: steps between evaluations.
      num_samples: samples per evaluation.

    Returns:
      ``(stats, samples)``: ``mode_coverage``'s dict with leading axes [seeds, evaluations],
      and ``[seeds, num_samples, 2]`` samples after the last step.
    """

    def one_seed(key):
        init_key, train_key, sample_key = jax.random.split(key, 3)
        trajectory = rollout(losses, rule, game.init(init_key), steps, key=train_key, every=every)

        def evaluate(params):
            samples = game.sample(params, sample_key, num_samples)
            return mode_coverage(samples, game.centers, game.std), samples

        stats, samples = jax.vmap(evaluate)(trajectory)
        return stats, samples[-1]

    return jax.jit(jax.vmap(one_seed))(keys)
