"""``jaxgen.nn.conditioning``: each wrapper against the wrapped network computed by hand."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgen import nn
from jaxgen.errors import UserError

CLASSES = 5


@pytest.fixture(scope="module")
def images():
    key = jax.random.PRNGKey(0)
    return jax.random.uniform(key, (6, 8, 8, 1), minval=-1, maxval=1), jnp.array([0, 1, 2, 3, 4, 0])


def discriminator():
    return nn.MLPDiscriminator((16, 16))


def test_concat_generator_reads_z_and_the_one_hot_label():
    base = nn.MLPGenerator((2,), (16,), False)
    module = nn.conditioning.LabelConcatGenerator(base, CLASSES)
    z, labels = jax.random.normal(jax.random.PRNGKey(1), (4, 3)), jnp.array([0, 4, 2, 2])
    variables = module.init(jax.random.PRNGKey(2), z, labels)
    expected = base.apply(
        {"params": variables["params"]["generator"]},
        jnp.concatenate([z, jax.nn.one_hot(labels, CLASSES)], -1),
    )
    np.testing.assert_allclose(module.apply(variables, z, labels), expected, rtol=1e-6)
    other = module.apply(variables, z, jnp.array([1, 4, 2, 3]))
    changed = np.any(np.asarray(other) != np.asarray(expected), axis=-1)
    assert changed.tolist() == [True, False, False, True]  # only the relabelled samples move


def test_concat_discriminator_appends_one_hot_channels(images):
    x, labels = images
    module = nn.conditioning.LabelConcatDiscriminator(discriminator(), CLASSES)
    variables = module.init(jax.random.PRNGKey(0), x, labels)
    channels = np.zeros((6, 8, 8, CLASSES), np.float32)
    channels[np.arange(6), :, :, np.asarray(labels)] = 1.0
    expected = discriminator().apply(
        {"params": variables["params"]["discriminator"]}, jnp.concatenate([x, channels], -1)
    )
    np.testing.assert_allclose(module.apply(variables, x, labels), expected, rtol=1e-6)


def test_projection_adds_the_label_embedding_dotted_with_the_features(images):
    x, labels = images
    module = nn.conditioning.ProjectionDiscriminator(discriminator(), CLASSES)
    variables = module.init(jax.random.PRNGKey(0), x, labels)
    params = variables["params"]
    logits, features = discriminator().apply({"params": params["discriminator"]}, x, features=True)
    embedding = np.asarray(params["class_embedding"]["embedding"])
    expected = np.asarray(logits) + np.sum(embedding[np.asarray(labels)] * features, -1)
    np.testing.assert_allclose(module.apply(variables, x, labels), expected, rtol=1e-5)
    assert embedding.shape == (CLASSES, features.shape[-1])


def test_auxiliary_classifier_is_a_linear_head_on_the_features(images):
    x, _ = images
    module = nn.conditioning.AuxiliaryClassifier(discriminator(), CLASSES)
    variables = module.init(jax.random.PRNGKey(0), x)
    params = variables["params"]
    logits, features = discriminator().apply({"params": params["discriminator"]}, x, features=True)
    source, classes = module.apply(variables, x)
    head = params["class_head"]
    np.testing.assert_allclose(source, logits, rtol=1e-6)
    np.testing.assert_allclose(
        classes, features @ head["kernel"] + head["bias"], rtol=1e-5, atol=1e-6
    )
    assert classes.shape == (6, CLASSES)


def test_check_labels_repeats_a_scalar_and_rejects_bad_labels():
    np.testing.assert_array_equal(nn.conditioning.check_labels(3, 4, CLASSES), [3, 3, 3, 3])
    np.testing.assert_array_equal(nn.conditioning.check_labels([0, 4.0], 2, CLASSES), [0, 4])
    for labels, message in (
        (5, "label 5 is out of range: this model has classes 0..4"),
        ([-1, 0], "label -1 is out of range"),
        ([0, 1, 2], r"labels must have shape \(2,\)"),
        ([0.5, 1], "labels must be integers"),
    ):
        with pytest.raises(UserError, match=message):
            nn.conditioning.check_labels(labels, 2, CLASSES)


def test_conditional_batch_norm_is_batch_norm_with_per_class_scale_and_offset(images):
    x, labels = images
    module = nn.conditioning.ConditionalBatchNorm(CLASSES)
    variables = module.init(jax.random.PRNGKey(0), x, labels, use_running_average=False)
    plain = flax_batch_norm(x)
    out, _ = module.apply(variables, x, labels, use_running_average=False, mutable=["batch_stats"])
    np.testing.assert_allclose(out, plain, atol=1e-5)  # γ = 1, β = 0 at initialization
    gamma = np.arange(1, CLASSES + 1, dtype=np.float32)[:, None] * np.ones((1, 1), np.float32)
    beta = -np.arange(CLASSES, dtype=np.float32)[:, None] * np.ones((1, 1), np.float32)
    params = {"Embed_0": {"embedding": gamma}, "Embed_1": {"embedding": beta}}
    variables = {**variables, "params": params}
    out, _ = module.apply(variables, x, labels, use_running_average=False, mutable=["batch_stats"])
    y = np.asarray(labels)
    expected = np.asarray(plain) * gamma[y][:, None, None] + beta[y][:, None, None]
    np.testing.assert_allclose(out, expected, atol=1e-5)


def flax_batch_norm(x):
    """Batch norm over [B, H, W] by hand: (x − mean) / sqrt(var + 1e-5)."""
    x = np.asarray(x, np.float64)
    mean, var = x.mean((0, 1, 2)), x.var((0, 1, 2))
    return (x - mean) / np.sqrt(var + 1e-5)


def test_dcgan_generator_with_conditional_batch_norm_takes_labels():
    generator = nn.DCGANGenerator(8, 1, 8, num_classes=CLASSES)
    z, labels = jax.random.normal(jax.random.PRNGKey(0), (4, 6)), jnp.array([0, 1, 2, 3])
    variables = generator.init(jax.random.PRNGKey(1), z, labels, train=False)
    params = variables["params"]
    params = jax.tree.map(lambda v: v, params)
    layers = [name for name in params if name.startswith("ConditionalBatchNorm")]
    assert layers and not any(name.startswith("BatchNorm") for name in params)
    for layer in layers:  # make the classes' scales differ
        embedding = params[layer]["Embed_0"]["embedding"]
        params[layer]["Embed_0"]["embedding"] = embedding * jnp.arange(1, CLASSES + 1)[:, None]
    variables = {**variables, "params": params}
    out = generator.apply(variables, z, labels, train=False)
    relabelled = generator.apply(variables, z, jnp.array([0, 1, 2, 4]), train=False)
    assert out.shape == (4, 8, 8, 1)
    changed = np.abs(np.asarray(out) - np.asarray(relabelled)).max(axis=(1, 2, 3)) > 1e-6
    assert changed.tolist() == [False, False, False, True]
    with pytest.raises(ValueError, match="takes labels exactly when num_classes > 0"):
        generator.apply(variables, z, train=False)


def test_concat_wrappers_take_a_vector_condition_as_is():
    base = nn.MLPGenerator((2,), (16,), False)
    module = nn.conditioning.LabelConcatGenerator(base, 3)
    z, h = jnp.ones((2, 4)), jnp.array([[0.5, -1.0, 2.0], [0.0, 0.0, 1.0]])
    variables = module.init(jax.random.PRNGKey(0), z, h)
    expected = base.apply({"params": variables["params"]["generator"]}, jnp.concatenate([z, h], -1))
    np.testing.assert_allclose(module.apply(variables, z, h), expected, rtol=1e-6)
    with pytest.raises(ValueError, match="a vector condition must be"):
        module.apply(variables, z, jnp.ones((2, 3, 1)))
