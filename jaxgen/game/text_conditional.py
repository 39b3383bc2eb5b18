"""The text-conditional GAN game: GAN-CLS and GAN-INT (Reed et al. 2016, Alg. 1 and §4.3).

The condition of each example is a text embedding h ∈ R^E (``batch[text_key]``, from any text
encoder). The generator draws G(z, h); the *matching-aware* discriminator scores three kinds
of pairs in every batch (GAN-CLS):

    s_r = D(x, h)       a real image with its own text          → "real"
    s_w = D(x, ĥ)       a real image with a mismatching text    → "fake"
    s_f = D(G(z, h), h) a generated image with the text it got  → "fake"

    L_D = log s_r + ½ (log(1 − s_w) + log(1 − s_f))     (maximized; Alg. 1, line 9)

written with the objective's per-example discriminator loss ℓ(real, fake) as
L_D = ½ (ℓ(s_r, s_f) + ℓ(s_r, s_w)), which for the GAN's ℓ is exactly −(the line above). The
mismatching texts ĥ come from ``batch["wrong_" + text_key]`` when the data provide them (so
that a wrong text can never equal the right one), else from the batch rolled by one example.

GAN-INT (``interpolation`` β > 0): the generator also learns from embeddings between two
captions of the batch, h_β = β h + (1 − β) roll(h, 1), which no real image has:
L_G = ℓ_G(D(G(z, h), h)) + ℓ_G(D(G(z', h_β), h_β)) (Reed et al. §4.3 with β = 0.5). The
discriminator does not see these pairs.

Metrics: ``d_real``, ``d_fake`` and ``d_wrong``, D's mean probability of "real" on each kind.

``reading_text`` puts a frozen, pretrained text encoder in front of such a game: the batch
carries word ids, the game sees their embeddings. The encoder's variables are an entry of the
generator's model state (``TEXT_ENCODER``), so a checkpoint holds everything sampling needs.
"""

import jax
import jax.numpy as jnp

from jaxgen.game.adversarial import apply_module
from jaxgen.losses.gan import mean_probability
from jaxgen.types import Pair

TEXT_ENCODER = "text_encoder"  # the generator's model-state entry of the frozen text encoder


def mismatched(batch, text_key):
    """``batch["wrong_" + text_key]``, or the texts rolled by one example."""
    return batch.get(f"wrong_{text_key}", jnp.roll(batch[text_key], 1, axis=0))


def matching_aware(
    generator,
    discriminator,
    objective,
    *,
    latent_dim: int,
    data_key: str = "image",
    text_key: str = "text_embedding",
    interpolation: float = 0.0,
):
    """The GAN-CLS (and with ``interpolation`` > 0, GAN-INT) game (module docstring).

    Args:
      generator: ``generator(z [B, latent_dim], h [B, E], train) -> images``.
      discriminator: ``discriminator(x, h [B, E], train) -> logits [B]``.
      objective: a ``jaxgen.losses.Objective``.
      latent_dim: size of z.
      data_key, text_key: the batch entries of the images and of their text embeddings.
      interpolation: β of GAN-INT's interpolated embeddings (0: GAN-CLS alone).
    """

    def losses(params, model_state, batch, key):
        real, texts = batch[data_key], batch[text_key]
        wrong = mismatched(batch, text_key)
        z = jax.random.normal(key, (real.shape[0], latent_dim), jnp.float32)
        fake, g_state = apply_module(generator, params.g, model_state.g, z, texts, train=True)

        def judge(x, h, state):
            return apply_module(discriminator, params.d, state, x, h, train=True)

        real_logits, d_state = judge(real, texts, model_state.d)
        wrong_logits, d_state = judge(real, wrong, d_state)
        fake_logits, d_state = judge(fake, texts, d_state)
        loss_d = 0.5 * jnp.mean(
            objective.discriminator(real_logits, fake_logits)
            + objective.discriminator(real_logits, wrong_logits)
        )
        loss_g = jnp.mean(objective.generator(fake_logits))
        if interpolation:
            between = interpolation * texts + (1 - interpolation) * jnp.roll(texts, 1, axis=0)
            z_between = jax.random.normal(jax.random.fold_in(key, 5), z.shape, jnp.float32)
            fake_between, g_state = apply_module(
                generator, params.g, g_state, z_between, between, train=True
            )
            between_logits, _ = judge(fake_between, between, d_state)  # D does not learn these
            loss_g = loss_g + jnp.mean(objective.generator(between_logits))
        metrics = {
            "d_real": mean_probability(real_logits),
            "d_wrong": mean_probability(wrong_logits),
            "d_fake": mean_probability(fake_logits),
        }
        return Pair(loss_g, loss_d), (Pair(g_state, d_state), metrics)

    return losses


def split_text_encoder(g_state):
    """``(the text encoder's variables, the rest of the generator's model state)``."""
    rest = {name: value for name, value in g_state.items() if name != TEXT_ENCODER}
    return g_state[TEXT_ENCODER], rest


def reading_text(game, text_encoder, *, ids_key: str = "text", text_key: str = "text_embedding"):
    """``game`` with ``batch[ids_key]`` (word ids) and ``batch["wrong_" + ids_key]`` replaced by
    ``text_encoder``'s embeddings, ``batch[text_key]`` and ``batch["wrong_" + text_key]``.

    The encoder's variables are ``model_state.g[TEXT_ENCODER]``: read, never trained, returned
    unchanged in the new model state."""

    def losses(params, model_state, batch, key):
        encoder_variables, g_state = split_text_encoder(model_state.g)
        batch = dict(batch)
        for prefix in ("", "wrong_"):
            if prefix + ids_key in batch:
                ids = batch.pop(prefix + ids_key)
                batch[prefix + text_key] = text_encoder.apply(encoder_variables, ids)
        values, (new_state, metrics) = game(params, Pair(g_state, model_state.d), batch, key)
        new_g_state = {**new_state.g, TEXT_ENCODER: encoder_variables}
        return values, (Pair(new_g_state, new_state.d), metrics)

    return losses
