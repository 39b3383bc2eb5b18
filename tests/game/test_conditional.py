"""The conditional GAN game against the same computation written out by hand.

The fakes are G(z, y) with the real batch's labels y and z from the step's key; a
label-reading discriminator scores (x, y) pairs; AC-GAN adds λ·CE of its class head on the
real and the fake batch to L_D and λ·CE on the fakes to L_G (Odena et al. 2017, eq. 1-2).
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgen.game.adversarial import Penalty
from jaxgen.game.conditional import conditional_adversarial
from jaxgen.losses import get_objective
from jaxgen.losses.regularizers import PENALTIES
from jaxgen.nn import MLPDiscriminator, MLPGenerator
from jaxgen.nn.conditioning import (
    AuxiliaryClassifier,
    LabelConcatGenerator,
    ProjectionDiscriminator,
)
from jaxgen.types import Pair

CLASSES, LATENT = 4, 3
G = LabelConcatGenerator(MLPGenerator((2,), (8,)), CLASSES)
OBJECTIVE = get_objective("nsgan")


def setup(discriminator, reads_label=True):
    labels = jnp.array([0, 1, 2, 3, 1, 2])
    g = G.init(jax.random.PRNGKey(0), jnp.zeros((1, LATENT)), labels[:1])["params"]
    d_inputs = (jnp.zeros((1, 2)), labels[:1]) if reads_label else (jnp.zeros((1, 2)),)
    d = discriminator.init(jax.random.PRNGKey(1), *d_inputs)["params"]
    batch = {"x": jax.random.normal(jax.random.PRNGKey(2), (6, 2)), "label": labels}
    return Pair(g, d), batch, jax.random.PRNGKey(3)


def fakes(params, batch, key):
    z = jax.random.normal(key, (6, LATENT))
    return G.apply({"params": params.g}, z, batch["label"])


def test_projection_game_scores_real_and_fake_pairs_at_the_batch_labels():
    discriminator = ProjectionDiscriminator(MLPDiscriminator((8,)), CLASSES)
    params, batch, key = setup(discriminator)
    game = conditional_adversarial(G, discriminator, OBJECTIVE, latent_dim=LATENT, data_key="x")
    losses, (_, metrics) = game(params, Pair({}, {}), batch, key)

    def d(x):
        return discriminator.apply({"params": params.d}, x, batch["label"])

    real_logits, fake_logits = d(batch["x"]), d(fakes(params, batch, key))
    np.testing.assert_allclose(losses.g, OBJECTIVE.generator(fake_logits).mean(), rtol=1e-6)
    np.testing.assert_allclose(
        losses.d, OBJECTIVE.discriminator(real_logits, fake_logits).mean(), rtol=1e-6
    )
    np.testing.assert_allclose(metrics["d_real"], jax.nn.sigmoid(real_logits).mean(), rtol=1e-6)


@pytest.mark.parametrize("weight", [1.0, 2.5])
def test_acgan_adds_the_class_cross_entropies(weight):
    discriminator = AuxiliaryClassifier(MLPDiscriminator((8,)), CLASSES)
    params, batch, key = setup(discriminator, reads_label=False)
    game = conditional_adversarial(
        G, discriminator, OBJECTIVE, latent_dim=LATENT, data_key="x", auxiliary_weight=weight
    )
    losses, (_, metrics) = game(params, Pair({}, {}), batch, key)
    real_logits, real_classes = discriminator.apply({"params": params.d}, batch["x"])
    fake_logits, fake_classes = discriminator.apply({"params": params.d}, fakes(params, batch, key))
    labels = np.asarray(batch["label"])

    def cross_entropy(logits):  # by hand: −log softmax at the label
        log_p = logits - jax.scipy.special.logsumexp(logits, axis=-1, keepdims=True)
        return -np.asarray(log_p)[np.arange(len(labels)), labels]

    ce_real, ce_fake = cross_entropy(real_classes), cross_entropy(fake_classes)
    expected_g = OBJECTIVE.generator(fake_logits).mean() + weight * ce_fake.mean()
    expected_d = OBJECTIVE.discriminator(real_logits, fake_logits).mean()
    expected_d = expected_d + weight * (ce_real + ce_fake).mean()
    np.testing.assert_allclose(losses.g, expected_g, rtol=1e-5)
    np.testing.assert_allclose(losses.d, expected_d, rtol=1e-5)
    accuracy = np.mean(np.argmax(real_classes, -1) == labels)
    np.testing.assert_allclose(metrics["class_real"], accuracy)


def test_acgan_class_loss_reaches_the_generator():
    discriminator = AuxiliaryClassifier(MLPDiscriminator((8,)), CLASSES)
    params, batch, key = setup(discriminator, reads_label=False)

    def g_gradient(weight):
        game = conditional_adversarial(
            G, discriminator, OBJECTIVE, latent_dim=LATENT, data_key="x", auxiliary_weight=weight
        )
        return jax.grad(lambda g: game(params._replace(g=g), Pair({}, {}), batch, key)[0].g)(
            params.g
        )

    difference = jax.tree.map(lambda a, b: jnp.abs(a - b).max(), g_gradient(2.0), g_gradient(1.0))
    assert max(jax.tree.leaves(difference)) > 1e-4


def test_penalty_critic_reads_the_batch_labels():
    discriminator = ProjectionDiscriminator(MLPDiscriminator((8,)), CLASSES)
    params, batch, key = setup(discriminator)
    gp = Penalty(PENALTIES["gp"], 10.0)
    game = conditional_adversarial(
        G, discriminator, get_objective("wgan"), latent_dim=LATENT, data_key="x", penalty=gp
    )
    _, (_, metrics) = game(params, Pair({}, {}), batch, key)

    def critic(x):
        return discriminator.apply({"params": params.d}, x, batch["label"])

    fake = fakes(params, batch, key)
    expected = PENALTIES["gp"](critic, batch["x"], fake, jax.random.fold_in(key, 2)).mean()
    np.testing.assert_allclose(metrics["d_penalty"], expected, rtol=1e-5)

    def critic_of_label_zero(x):
        return discriminator.apply({"params": params.d}, x, jnp.zeros_like(batch["label"]))

    other = PENALTIES["gp"](critic_of_label_zero, batch["x"], fake, jax.random.fold_in(key, 2))
    assert abs(float(other.mean()) - float(expected)) > 1e-6  # the labels matter to it
