"""``Recipe``: what the training loop needs from a model, a loss, a rule and data."""

from collections.abc import Callable
from typing import NamedTuple

import ml_collections
from jax.sharding import Mesh

from jaxgen import data


class Recipe(NamedTuple):
    """A configured training setup (built by ``jaxgen.recipes.get``).

    Attributes:
      name: the registered recipe name.
      config: the ``ml_collections.ConfigDict`` it was built from.
      init: ``init(key, batch) -> TrainState`` (replicated over the mesh).
      step: ``step(state, batch) -> (state, metrics)``, jitted and sharded; donates ``state``.
      sample: ``sample(state, key, n) -> batch`` of ``n`` generated examples.
      dataset: ``dataset(split) -> jaxgen.data.Dataset`` (lazy: sampling needs no data).
      example_batch: ``example_batch() -> batch`` of zeros with the data's shapes.
      batches_per_step: batches one step consumes (stacked on a leading axis when > 1).
      mesh: the device mesh.
      generate: ``generate(state, z) -> batch``, the samples of given latents ``z [n, latent]``
        (``None`` for a model without a latent space); ``sample`` is ``generate`` at
        ``z ~ N(0, I)``.
      latent_dim: the size of z (0 without a latent space).
      prior: ``prior(key, n) -> z [n, latent_dim]``, the latents ``sample`` draws when they are
        not N(0, I) (an adversarial autoencoder's mixture or swiss roll); None for N(0, I).
      log_prob: ``log_prob(state, batch, key) -> [B]``, log p(x) in nats of the batch's
        examples, for an explicit model (``None`` for a GAN); ``jaxgen eval`` reports the
        held-out NLL with it (``jaxgen.metrics.held_out``).
      log_prob_kind: what ``log_prob`` is: ``exact``, or the estimate or bound it computes.
      sample_positions: the positions ``sample`` draws one after another (H·W·C for an
        autoregressive model, reported through ``jaxgen.train.sampling_progress``; 0 when it
        draws everything at once).
      num_classes: the classes of a class-conditional recipe (0: unconditional), whose
        ``sample(state, key, n, labels=None)`` and ``generate(state, z, labels=None)`` take
        one label per sample in 0 .. num_classes − 1.
      latent_codes: the names of an InfoGAN recipe's codes (``("c1", "c2", "c3")``: c1
        categorical, the rest continuous), which ``sample(state, key, n, codes={...})`` fixes.
      infer_codes: ``infer_codes(state, images) -> {"c1": [B], "c1_logits": [B, K], "c2": [B],
        ...}``, InfoGAN's recognition network Q on images.
      vocabulary: the words a text-to-image recipe's captions are made of, whose
        ``sample(state, key, n, texts=None)`` and ``generate(state, z, texts=None)`` take one
        caption or a list (empty: the recipe reads no text).
      runs: independent runs stacked on a leading axis of the TrainState, the batch, the
        metrics and the samples (``jaxgen.train.runs``; 1: a single run, no such axis).
      steps_per_call: steps that one call of ``step`` runs (``jaxgen.train.multistep``): its
        batches and metrics have a leading axis of that many steps when it is above 1.
    """

    name: str
    config: ml_collections.ConfigDict
    init: Callable
    step: Callable
    sample: Callable
    dataset: Callable
    example_batch: Callable
    batches_per_step: int
    mesh: Mesh
    generate: Callable | None = None
    latent_dim: int = 0
    prior: Callable | None = None
    log_prob: Callable | None = None
    log_prob_kind: str = ""
    sample_positions: int = 0
    runs: int = 1
    steps_per_call: int = 1
    num_classes: int = 0
    latent_codes: tuple = ()
    infer_codes: Callable | None = None
    vocabulary: tuple = ()


# The loop's part of every recipe's ``tiny`` preset: batch 8, 20 steps, frequent logs.
TINY_LOOP = {
    "batch_size": 8,
    "steps": 20,
    "log_every": 5,
    "sample_every": 10,
    "checkpoint_every": 10,
    "num_samples": 16,
}


def add_loop_keys(c: ml_collections.ConfigDict) -> ml_collections.ConfigDict:
    """Adds the config keys that the training loop reads, with neutral defaults; a recipe's
    config calls it and then overrides what it needs."""
    c.steps = 1000
    c.seed = 0
    c.sample_seed = 1234  # the fixed latent batch (or key) of the sample grids
    c.num_samples = 64
    c.log_every = 50
    c.sample_every = 500
    c.checkpoint_every = 1000
    c.keep_checkpoints = 3
    c.seeds = 1  # independent runs of seeds seed, seed + 1, ... as one program (--seeds N)
    c.steps_per_call = 1  # train steps per host call, in one lax.scan (jaxgen.train.multistep)
    # evaluation during training (jaxgen.metrics.run_eval); 0: off
    c.eval_every = 0
    c.eval_metrics = ""  # comma-separated; "": the data's defaults (as `jaxgen eval`)
    c.eval_num_samples = 2000
    c.eval_reference = "train"
    return c


def config_dataset(config: ml_collections.ConfigDict, *, image_size=None) -> Callable:
    """A recipe's ``dataset(split="train")``: ``jaxgen.data.load`` of the config's ``data``,
    ``batch_size``, ``seed``, ``format`` (``signed`` when the config has none) and
    ``data_dir``, at ``image_size`` (None: the stored size, as for 2-D points)."""

    def dataset(split="train"):
        return data.load(
            config.data,
            split,
            batch_size=config.batch_size,
            seed=config.seed,
            format=config.get("format", "signed"),
            data_dir=config.data_dir,
            image_size=image_size,
        )

    return dataset
