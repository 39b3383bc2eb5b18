"""GAN-CLS and GAN-INT (Reed et al. 2016) against Algorithm 1 written out by hand.

Each discriminator batch scores exactly three kinds of pairs: a real image with its text, a
real image with a mismatching text, a generated image with its text; L_D is
−[log s_r + ½ (log(1 − s_w) + log(1 − s_f))] with the non-saturating GAN.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgen.data import captions
from jaxgen.game.text_conditional import TEXT_ENCODER, matching_aware, reading_text
from jaxgen.losses import get_objective
from jaxgen.nn import MLPDiscriminator, MLPGenerator
from jaxgen.nn.conditioning import LabelConcatDiscriminator, LabelConcatGenerator
from jaxgen.nn.text import TextEncoder
from jaxgen.types import Pair

E, LATENT = 5, 3
G = LabelConcatGenerator(MLPGenerator((2,), (8,)), E)
D = LabelConcatDiscriminator(MLPDiscriminator((8,)), E)


@pytest.fixture(scope="module")
def setup():
    texts = jax.random.normal(jax.random.PRNGKey(4), (6, E))
    params = Pair(
        G.init(jax.random.PRNGKey(0), jnp.zeros((1, LATENT)), texts[:1])["params"],
        D.init(jax.random.PRNGKey(1), jnp.zeros((1, 2)), texts[:1])["params"],
    )
    batch = {"x": jax.random.normal(jax.random.PRNGKey(2), (6, 2)), "text_embedding": texts}
    return params, batch, jax.random.PRNGKey(3)


def log_sigmoid(x):
    return np.asarray(jax.nn.log_sigmoid(x), np.float64)


def by_hand(params, batch, key, wrong):
    h = batch["text_embedding"]
    z = jax.random.normal(key, (6, LATENT))
    fake = G.apply({"params": params.g}, z, h)

    def d(x, t):
        return D.apply({"params": params.d}, x, t)

    s_r, s_w, s_f = d(batch["x"], h), d(batch["x"], wrong), d(fake, h)
    loss_d = -np.mean(log_sigmoid(s_r) + 0.5 * (log_sigmoid(-s_w) + log_sigmoid(-s_f)))
    return loss_d, -np.mean(log_sigmoid(s_f)), (s_r, s_w, s_f)


def test_gan_cls_scores_three_kinds_of_pairs(setup):
    params, batch, key = setup
    game = matching_aware(G, D, get_objective("nsgan"), latent_dim=LATENT, data_key="x")
    losses, (_, metrics) = game(params, Pair({}, {}), batch, key)
    wrong = jnp.roll(batch["text_embedding"], 1, axis=0)
    loss_d, loss_g, (s_r, s_w, s_f) = by_hand(params, batch, key, wrong)
    np.testing.assert_allclose(losses.d, loss_d, rtol=1e-5)
    np.testing.assert_allclose(losses.g, loss_g, rtol=1e-5)
    for name, logits in (("d_real", s_r), ("d_wrong", s_w), ("d_fake", s_f)):
        np.testing.assert_allclose(metrics[name], jax.nn.sigmoid(logits).mean(), rtol=1e-5)


def test_gan_cls_takes_the_data_sets_mismatching_texts(setup):
    params, batch, key = setup
    wrong = jax.random.normal(jax.random.PRNGKey(9), (6, E))
    game = matching_aware(G, D, get_objective("nsgan"), latent_dim=LATENT, data_key="x")
    losses, _ = game(params, Pair({}, {}), {**batch, "wrong_text_embedding": wrong}, key)
    np.testing.assert_allclose(losses.d, by_hand(params, batch, key, wrong)[0], rtol=1e-5)


def test_gan_int_adds_the_generator_loss_at_interpolated_texts(setup):
    params, batch, key = setup
    plain = matching_aware(G, D, get_objective("nsgan"), latent_dim=LATENT, data_key="x")
    game = matching_aware(
        G, D, get_objective("nsgan"), latent_dim=LATENT, data_key="x", interpolation=0.5
    )
    losses, _ = game(params, Pair({}, {}), batch, key)
    h = batch["text_embedding"]
    between = 0.5 * h + 0.5 * jnp.roll(h, 1, axis=0)
    z = jax.random.normal(jax.random.fold_in(key, 5), (6, LATENT))
    fake = G.apply({"params": params.g}, z, between)
    extra = -np.mean(log_sigmoid(D.apply({"params": params.d}, fake, between)))
    base = plain(params, Pair({}, {}), batch, key)[0]
    np.testing.assert_allclose(losses.g, base.g + extra, rtol=1e-5)
    np.testing.assert_allclose(losses.d, base.d, rtol=1e-6)  # D never sees the interpolations


def test_reading_text_embeds_the_word_ids_and_keeps_the_encoder_frozen(setup):
    params, batch, key = setup
    encoder = TextEncoder(len(captions.VOCABULARY), E, 4)
    ids = jnp.asarray(captions.tokenize(captions.ALL_CAPTIONS[:6]))
    wrong_ids = jnp.asarray(captions.tokenize(captions.ALL_CAPTIONS[10:16]))
    encoder_vars = encoder.init(jax.random.PRNGKey(7), ids)
    game = matching_aware(G, D, get_objective("nsgan"), latent_dim=LATENT, data_key="x")
    reading = reading_text(game, encoder)
    id_batch = {"x": batch["x"], "text": ids, "wrong_text": wrong_ids}
    state = Pair({TEXT_ENCODER: encoder_vars}, {})
    losses, (new_state, _) = reading(params, state, id_batch, key)
    embedded = {
        "x": batch["x"],
        "text_embedding": encoder.apply(encoder_vars, ids),
        "wrong_text_embedding": encoder.apply(encoder_vars, wrong_ids),
    }
    expected, _ = game(params, Pair({}, {}), embedded, key)
    np.testing.assert_allclose(losses.d, expected.d, rtol=1e-6)
    np.testing.assert_allclose(losses.g, expected.g, rtol=1e-6)
    assert new_state.g[TEXT_ENCODER] is encoder_vars
