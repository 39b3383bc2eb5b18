"""The text encoder and the structured contrastive loss: the loss against CLIP's formula by
hand, the encoder's handling of pads, and a short training that makes captions retrievable."""

import jax
import jax.numpy as jnp
import numpy as np

from jaxgen.data import captions
from jaxgen.metrics.features.cache import signed_split
from jaxgen.nn.text import ImageEncoder, TextEncoder, contrastive_loss, fit_joint_embedding


def log_softmax(x, axis):
    x = np.asarray(x, np.float64)
    return (
        x
        - np.log(np.exp(x - x.max(axis, keepdims=True)).sum(axis, keepdims=True))
        - x.max(axis, keepdims=True)
    )


def unit(key, shape):
    x = jax.random.normal(key, shape)
    return x / jnp.linalg.norm(x, axis=-1, keepdims=True)


def test_distinct_captions_give_clips_loss():
    v, h = unit(jax.random.PRNGKey(0), (5, 4)), unit(jax.random.PRNGKey(1), (5, 4))
    ids = jnp.arange(5)[:, None] + 1  # five different one-word captions
    logits = np.asarray(v @ h.T, np.float64) / 0.1
    clip = -0.5 * (np.trace(log_softmax(logits, 1)) + np.trace(log_softmax(logits, 0))) / 5
    np.testing.assert_allclose(contrastive_loss(v, h, ids, 0.1), clip, rtol=1e-5)


def test_repeated_captions_share_the_target():
    v, h = unit(jax.random.PRNGKey(0), (4, 4)), unit(jax.random.PRNGKey(1), (4, 4))
    ids = jnp.array([[3, 1], [3, 1], [2, 0], [5, 0]])  # examples 0 and 1 have one caption
    logits = np.asarray(v @ h.T, np.float64) / 0.5
    targets = np.array([[0.5, 0.5, 0, 0], [0.5, 0.5, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]])
    rows = -(targets * log_softmax(logits, 1)).sum(1).mean()
    columns = -(targets * log_softmax(logits, 0)).sum(0).mean()
    np.testing.assert_allclose(contrastive_loss(v, h, ids, 0.5), 0.5 * (rows + columns), 1e-5)


def test_text_encoder_ignores_pads_and_returns_unit_vectors():
    encoder = TextEncoder(len(captions.VOCABULARY), features=8)
    ids = captions.tokenize(["a thin seven", "a seven"])
    padded = np.concatenate([ids, np.zeros((2, 3), np.int32)], axis=1)
    variables = encoder.init(jax.random.PRNGKey(0), ids)
    out = encoder.apply(variables, ids)
    np.testing.assert_allclose(out, encoder.apply(variables, padded), rtol=1e-6)
    np.testing.assert_allclose(jnp.linalg.norm(out, axis=-1), 1.0, rtol=1e-6)
    assert not np.allclose(out[0], out[1])


def test_a_short_training_makes_the_digit_of_each_image_retrievable():
    images, labels = signed_split("digits", "train")
    texts = captions.captions(images, labels, captions.property_cuts(images))
    ids, images = jnp.asarray(captions.tokenize(texts)), jnp.asarray(images, jnp.float32)
    text_variables, image_variables = fit_joint_embedding(
        images, ids, len(captions.VOCABULARY), steps=150, seed=0
    )
    text_encoder, image_encoder = TextEncoder(len(captions.VOCABULARY)), ImageEncoder()
    digit_texts = jnp.asarray(captions.tokenize([f"a {word}" for word in captions.DIGITS]))
    h = text_encoder.apply(text_variables, digit_texts)
    v = image_encoder.apply(image_variables, images)
    retrieved = np.asarray(v @ h.T).argmax(1)
    assert np.mean(retrieved == labels) >= 0.8  # 92% measured; chance 10%
