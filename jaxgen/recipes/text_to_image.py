"""Text-to-image GANs (Reed et al. 2016, GAN-INT-CLS): ``gancls_digits`` and ``gancls_mnist``.

    jaxgen train gancls_mnist --workdir runs/gancls_mnist
    jaxgen sample runs/gancls_mnist --text "a thin right-slanted seven"
    jaxgen sample runs/gancls_mnist --text "a thin upright two" --text "a thick upright two"

Data: ``digits`` or ``mnist5k`` with generated captions (``jaxgen.data.captioned``): "a
{thin|–|thick} {left-slanted|upright|right-slanted} {digit}", the properties measured from each
image and cut at the train split's terciles, 90 captions in all, and a caption guaranteed to
be wrong for each image.

Text encoder: a word-level ``jaxgen.nn.text.TextEncoder`` (mean of word embeddings, a dense
layer, unit norm; ``text_features`` dimensions), pretrained with an image encoder by the
structured symmetric contrastive loss (``jaxgen.nn.text``; Reed et al. pretrain a char-CNN-RNN
with DS-SJE instead) for ``text_encoder_steps`` steps, once: the weights are cached in
``JAXGEN_CACHE_DIR/text_encoders`` under a hash of the settings and the training data, and then
stored frozen in every run's model state, so a workdir samples without the cache.

GAN: the base recipe's DCGAN networks (``dcgan_digits`` / ``dcgan_mnist``), the generator
reading [z, h] and the discriminator reading h as constant channels beside the image
(``jaxgen.nn.conditioning``; Reed et al. compress h to 128 and join it after D's last
convolution instead); the matching-aware discriminator (real + right text, real + wrong text,
fake + right text) and GAN-INT's interpolated embeddings with β = ``interpolation``
(``jaxgen.game.text_conditional``); the base recipe's objective, optimizer and budget.

``sample(state, key, n, texts=None)`` draws one image per text (a caption or a list, repeated
to ``n``; None: "a upright {digit}" for the digits in turn), ``generate(state, z, texts=None)``
the images of given latents (style transfer: fixed z, changing text); both return ``"label"``,
the index of each sample's text among the distinct texts, so sample grids get a column per
text. ``experiments/text_to_image`` measures whether the samples show the digit and the
properties their captions ask for.
"""

import functools
import hashlib
import json
import os
import sys

import flax.serialization
import jax
import jax.numpy as jnp
import ml_collections
import numpy as np

from jaxgen import nn
from jaxgen.data import captioned, captions
from jaxgen.errors import UserError
from jaxgen.game import ema
from jaxgen.game.adversarial import apply_module
from jaxgen.game.text_conditional import (
    TEXT_ENCODER,
    matching_aware,
    reading_text,
    split_text_encoder,
)
from jaxgen.metrics.features.cache import cache_dir, cached_weights, write_atomically
from jaxgen.nn.text import ImageEncoder, TextEncoder, fit_joint_embedding
from jaxgen.recipes import dcgan_digits, dcgan_mnist, gan
from jaxgen.train import Recipe, TrainState, compile_step, data_mesh, make_train_step
from jaxgen.train.mesh import check_batch_size, replicated
from jaxgen.types import Pair

ENCODER_VERSION = 1  # bump when the encoder or its training changes what a config means
DATA = {"digits": dcgan_digits, "mnist": dcgan_mnist}
SUMMARY = (
    "text-to-image GAN-INT-CLS on captioned digits: a pretrained word encoder, the "
    "matching-aware D and interpolated texts (Reed et al. 2016)"
)
TINY = {
    **gan.TINY_IMAGES,
    "text_features": 8,
    "text_word_features": 8,
    "text_encoder_steps": 20,
    "text_encoder_batch": 32,
}
PRESETS = {"default": {}, "tiny": TINY}
ENCODER_KEYS = (
    "text_features",
    "text_word_features",
    "text_encoder_steps",
    "text_encoder_batch",
    "text_encoder_learning_rate",
    "text_temperature",
)


def get_config(base) -> ml_collections.ConfigDict:
    """The base recipe's config with the text keys."""
    c = base.get_config()
    c.text_features = 32  # E, the size of a text embedding
    c.text_word_features = 64
    c.text_encoder_steps = 1000
    c.text_encoder_batch = 128
    c.text_encoder_learning_rate = 3e-3
    c.text_temperature = 0.1
    c.interpolation = 0.5  # GAN-INT's β (Reed et al.: 0.5); 0: GAN-CLS alone
    return c


def recipe_names() -> tuple:
    return tuple(f"gancls_{data}" for data in DATA)


def summary(name: str) -> str:
    return f"{SUMMARY}; networks of {DATA[name.rsplit('_', 1)[1]].__name__.rsplit('.', 1)[1]}"


# Switches of the GAN recipe that the matching-aware game does not implement.
UNSUPPORTED = (
    "condition",
    "info_categorical",
    "penalty",
    "instance_noise",
    "feature_matching",
    "minibatch_kernels",
    "virtual_batch_norm",
    "weight_clip",
)


def _check(config):
    gan.check_config(config)
    used = [key for key in UNSUPPORTED if config[key]]
    if config.objective in ("ebgan", "began"):
        used.append(f"objective={config.objective}")
    if used:
        raise UserError(
            f"the text-to-image GAN (matching-aware D, read text) does not take "
            f"{', '.join(used)}: unset them"
        )
    for key in ENCODER_KEYS:
        if config[key] <= 0:
            raise UserError(f"config key {key!r} must be positive, got {config[key]}")
    if not 0 <= config.interpolation <= 1:
        raise UserError(
            f"interpolation (GAN-INT's β) must be in [0, 1], got {config.interpolation}"
        )
    if config.network != "dcgan":
        raise UserError("the text-to-image GAN draws images: use --set network=dcgan")


def build(name: str, config: ml_collections.ConfigDict) -> Recipe:
    """The ``Recipe`` of ``config`` (module docstring)."""
    _check(config)
    mesh = data_mesh()
    check_batch_size(config.batch_size, mesh)
    features = config.text_features
    base_generator, base_discriminator, _ = gan.networks(config)
    generator = nn.conditioning.LabelConcatGenerator(base_generator, features)
    discriminator = nn.conditioning.LabelConcatDiscriminator(base_discriminator, features)
    text_encoder = text_encoder_of(config)
    game = reading_text(
        matching_aware(
            generator,
            discriminator,
            gan.objective(config),
            latent_dim=config.latent_dim,
            interpolation=config.interpolation,
        ),
        text_encoder,
    )
    rule = gan.update_rule(config)
    if config.ema_decay:
        rule = ema(rule, config.ema_decay)
    shape = (config.image_size, config.image_size, config.channels)
    words = captions.MAX_WORDS

    def example_batch():
        b = config.batch_size
        return {
            "image": np.zeros((b, *shape), np.float32),
            "label": np.zeros((b,), np.int32),
            "caption": np.zeros((b,), np.int32),
            "text": np.ones((b, words), np.int32),
            "wrong_text": np.ones((b, words), np.int32),
        }

    encoder_variables = pretrained_text_encoder(config)

    def init_fn(key, batch):
        g_key, d_key, root_key = jax.random.split(key, 3)
        z = jnp.zeros((1, config.latent_dim), jnp.float32)
        h = jnp.zeros((1, features), jnp.float32)
        g_vars = dict(generator.init(g_key, z, h, train=False))
        d_vars = dict(discriminator.init(d_key, batch["image"][:1], h, train=False))
        params = Pair(g_vars.pop("params"), d_vars.pop("params"))
        g_vars[TEXT_ENCODER] = jax.tree.map(jnp.asarray, encoder_variables)
        return TrainState.create(
            params=params,
            model_state=Pair(g_vars, d_vars),
            rule_state=rule.init(params),
            key=root_key,
        )

    @jax.jit
    def generate_fn(state, z, ids):
        params = state.rule_state.average.g if config.ema_decay else state.params.g
        encoder_vars, g_state = split_text_encoder(state.model_state.g)
        h = text_encoder.apply(encoder_vars, ids)
        fake, _ = apply_module(generator, params, g_state, z, h, train=False)
        return fake

    def generate(state, z, texts=None):
        ids, labels = text_ids(texts, z.shape[0])
        return {"image": generate_fn(state, z, jnp.asarray(ids)), "label": labels}

    @functools.partial(jax.jit, static_argnums=1)
    def draw_latents(key, n):
        return jax.random.normal(key, (n, config.latent_dim), jnp.float32)

    def sample(state, key, n, texts=None):
        return generate(state, draw_latents(key, n), texts)

    def dataset(split="train"):
        return captioned.captioned_dataset(
            config.data,
            split,
            batch_size=config.batch_size,
            seed=config.seed,
            image_size=config.image_size,
        )

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
        latent_dim=config.latent_dim,
        vocabulary=captions.VOCABULARY[1:],
    )


def default_texts(n: int) -> list[str]:
    """ "a upright {digit}" for the digits 0, 1, …, 9, 0, … (medium thickness, upright)."""
    return [f"a upright {captions.DIGITS[i % 10]}" for i in range(n)]


def text_ids(texts, n: int):
    """``(word ids [n, MAX_WORDS], label [n])`` of ``texts`` (a string, a list repeated to
    ``n``, or None for ``default_texts``); label k marks the k-th distinct text."""
    if texts is None:
        texts = default_texts(n)
    elif isinstance(texts, str):
        texts = [texts]
    texts = [" ".join(str(text).lower().split()) for text in texts]
    if not texts or n < 1:
        raise UserError("give at least one text and one sample")
    try:
        distinct = list(dict.fromkeys(texts))
        tokens = captions.tokenize(distinct)
    except ValueError as error:
        raise UserError(str(error)) from None
    label_of = {text: k for k, text in enumerate(distinct)}
    labels = np.array([label_of[texts[i % len(texts)]] for i in range(n)], np.int32)
    return tokens[labels], labels


def text_encoder_of(config) -> TextEncoder:
    """The config's (untrained) ``TextEncoder`` module."""
    return TextEncoder(len(captions.VOCABULARY), config.text_features, config.text_word_features)


def _encoder_settings(config) -> dict:
    settings = {key: config[key] for key in ENCODER_KEYS}
    return {"data": config.data, "image_size": config.image_size, **settings}


def encoder_cache_key(config) -> str:
    """SHA-256 of the encoder settings, ``ENCODER_VERSION`` and the training split's bytes."""
    images, labels = captioned.signed_split(config.data, "train", config.image_size)
    digest = hashlib.sha256()
    identity = {"settings": _encoder_settings(config), "version": ENCODER_VERSION}
    digest.update(json.dumps(identity, sort_keys=True).encode())
    digest.update(np.ascontiguousarray(images).tobytes())
    digest.update(np.ascontiguousarray(labels).tobytes())
    return digest.hexdigest()


def pretrained_text_encoder(config) -> dict:
    """The text encoder's variables for ``config``: loaded from the cache, or trained (with
    ``fit_joint_embedding`` on the train split's captions) and stored there first."""
    return _load_or_train(**_encoder_settings(config))[0]


def encoder_record(config) -> dict:
    """The cached text encoder's record: its settings, cache key, weight hash and
    ``test_retrieval`` (``retrieval`` on the test split)."""
    return _load_or_train(**_encoder_settings(config))[1]


@functools.cache
def _load_or_train(**settings):
    config = ml_collections.ConfigDict(settings)
    key = encoder_cache_key(config)
    directory = os.path.join(cache_dir(), "text_encoders")
    os.makedirs(directory, exist_ok=True)
    stem = os.path.join(directory, f"{config.data}-{config.image_size}-{key[:16]}")
    weights, record = cached_weights(
        stem, "text encoder", lambda: _train_and_store(config, key, stem)
    )
    ids = jnp.ones((1, captions.MAX_WORDS), jnp.int32)
    shapes = jax.eval_shape(text_encoder_of(config).init, jax.random.PRNGKey(0), ids)
    return flax.serialization.from_bytes(shapes, weights), record


def _train_and_store(config, key, stem):
    print(
        f"jaxgen: pretraining the {config.data} text encoder once "
        f"({config.text_encoder_steps} steps; cached in {os.path.dirname(stem)})",
        file=sys.stderr,
    )
    images, ids = captioned_pairs(config.data, "train", config.image_size)
    text_variables, image_variables = fit_joint_embedding(
        images,
        ids,
        len(captions.VOCABULARY),
        features=config.text_features,
        word_features=config.text_word_features,
        steps=config.text_encoder_steps,
        batch_size=config.text_encoder_batch,
        learning_rate=config.text_encoder_learning_rate,
        temperature=config.text_temperature,
    )
    test_images, test_ids = captioned_pairs(config.data, "test", config.image_size)
    weights = flax.serialization.to_bytes(jax.device_get(text_variables))
    record = {
        "settings": config.to_dict(),
        "version": ENCODER_VERSION,
        "cache_key": key,
        "test_retrieval": retrieval(config, text_variables, image_variables, test_images, test_ids),
        "weights_sha256": hashlib.sha256(weights).hexdigest(),
    }
    write_atomically(stem + ".msgpack", weights)
    write_atomically(stem + ".json", json.dumps(record, indent=1).encode())


def captioned_pairs(name, split, image_size):
    """``(signed images, word ids)`` of a split, each image with its own caption."""
    images, labels = captioned.signed_split(name, split, image_size)
    cuts = captioned.property_cuts(name, image_size)
    return images, captioned.TOKENS[captions.caption_indices(images, labels, cuts)]


def retrieval(config, text_variables, image_variables, images, ids) -> dict:
    """How often each image's nearest caption (of all 90) is its own, and how often that
    caption's digit, thickness and slant are right."""
    text_encoder = text_encoder_of(config)
    image_encoder = ImageEncoder(config.text_features)
    h = text_encoder.apply(text_variables, jnp.asarray(captioned.TOKENS))
    v = image_encoder.apply(image_variables, jnp.asarray(images, jnp.float32))
    nearest = np.asarray(jnp.argmax(v @ h.T, axis=1))
    index = {tuple(row): i for i, row in enumerate(captioned.TOKENS.tolist())}
    true = np.array([index[tuple(row)] for row in np.asarray(ids).tolist()])
    found, wanted = captions.parts(nearest), captions.parts(true)
    shares = {part: float(np.mean(found[part] == wanted[part])) for part in found}
    return {"caption": float(np.mean(nearest == true)), **shares}


def factories(configured) -> dict:
    """``name → factory`` for ``jaxgen.recipes.register``: ``gancls_digits``, ``gancls_mnist``."""
    return {
        name: configured(
            functools.partial(get_config, base), functools.partial(build, name), PRESETS
        )
        for name, base in zip(recipe_names(), DATA.values(), strict=True)
    }
