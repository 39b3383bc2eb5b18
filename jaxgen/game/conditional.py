"""The class-conditional GAN game: conditional GAN, projection cGAN and AC-GAN.

One evaluation draws z ~ N(0, I) from the key and generates one fake per real example *with
the real example's label*, G(z_i, y_i), so the fakes follow the data's class frequencies (the
class prior p(y) of Mirza & Osindero 2014 and of AC-GAN) and every penalty that mixes a real
and a fake example (WGAN-GP's interpolates, DRAGAN) sees one label for both. Then:

- conditional discriminator (``jaxgen.nn.conditioning``: concatenation or projection): the
  objective's losses on D(x, y) for the real pairs and D(G(z, y), y) for the fakes, exactly
  as ``jaxgen.game.adversarial`` does on D(x);
- auxiliary classifier (``auxiliary_weight`` λ > 0, AC-GAN; Odena et al. 2017, eq. 1-2): D(x)
  returns a source logit and class logits. With the class log-likelihood
  L_C = E[log P(C = y | x_real)] + E[log P(C = y | x_fake)], D maximizes L_S + L_C and G
  maximizes L_C − L_S. As losses to minimize, with CE the softmax cross-entropy:
  L_D = objective_D(real, fake) + λ·(CE(real) + CE(fake)) and
  L_G = objective_G(fake) + λ·CE(fake) (the non-saturating objective_G is the paper's
  −log D(G(z)) in practice). λ = 1 is the paper's.

Metrics: ``d_real``, ``d_fake`` as the unconditional game, and for AC-GAN the auxiliary
classifier's accuracy on the real and the fake batch (``class_real``, ``class_fake``).
"""

import jax
import jax.numpy as jnp
import optax

from jaxgen.game.adversarial import Penalty, apply_module
from jaxgen.losses.gan import mean_probability
from jaxgen.losses.regularizers import instance_noise
from jaxgen.types import Pair


def conditional_adversarial(
    generator,
    discriminator,
    objective,
    *,
    latent_dim: int,
    data_key: str = "image",
    label_key: str = "label",
    auxiliary_weight: float = 0.0,
    penalty: Penalty | None = None,
    noise_std: float = 0.0,
):
    """The conditional GAN game ``losses(params, model_state, batch, key)`` (module docstring).

    Args:
      generator: Flax module, ``generator(z [B, latent_dim], labels [B], train) -> samples``.
      discriminator: with ``auxiliary_weight == 0``, ``discriminator(x, labels, train) ->
        logits [B]``; otherwise ``discriminator(x, train) -> (logits [B], class logits
        [B, K])`` (``jaxgen.nn.conditioning.AuxiliaryClassifier``).
      objective: a ``jaxgen.losses.Objective``.
      latent_dim: size of z.
      data_key, label_key: the batch entries holding the real data and their int labels.
      auxiliary_weight: λ of AC-GAN's class losses (0: a discriminator that reads the label).
      penalty: a discriminator regularizer, or None; its critic is D(·, y) at the batch labels.
      noise_std: instance noise σ on the discriminator's inputs (0: none).
    """
    auxiliary = auxiliary_weight > 0

    def losses(params, model_state, batch, key):
        real, labels = batch[data_key], batch[label_key]
        z = jax.random.normal(key, (real.shape[0], latent_dim), jnp.float32)
        fake, g_state = apply_module(generator, params.g, model_state.g, z, labels, train=True)
        if noise_std:
            real_key, fake_key = jax.random.split(jax.random.fold_in(key, 1))
            real = instance_noise(real_key, real, noise_std)
            fake = instance_noise(fake_key, fake, noise_std)
        conditioning = () if auxiliary else (labels,)

        def judge(x, state):
            return apply_module(discriminator, params.d, state, x, *conditioning, train=True)

        real_out, d_state = judge(real, model_state.d)
        fake_out, d_state = judge(fake, d_state)
        metrics = {}
        if auxiliary:
            (real_logits, real_classes), (fake_logits, fake_classes) = real_out, fake_out
            ce_real = optax.softmax_cross_entropy_with_integer_labels(real_classes, labels)
            ce_fake = optax.softmax_cross_entropy_with_integer_labels(fake_classes, labels)
            class_loss_d = auxiliary_weight * jnp.mean(ce_real + ce_fake)
            class_loss_g = auxiliary_weight * jnp.mean(ce_fake)
            metrics["class_real"] = jnp.mean(jnp.argmax(real_classes, -1) == labels)
            metrics["class_fake"] = jnp.mean(jnp.argmax(fake_classes, -1) == labels)
        else:
            real_logits, fake_logits = real_out, fake_out
            class_loss_d = class_loss_g = 0.0
        loss_g = jnp.mean(objective.generator(fake_logits)) + class_loss_g
        loss_d = jnp.mean(objective.discriminator(real_logits, fake_logits)) + class_loss_d
        metrics["d_real"] = mean_probability(real_logits)
        metrics["d_fake"] = mean_probability(fake_logits)
        if penalty is not None:

            def critic(x):
                out, _ = apply_module(
                    discriminator, params.d, d_state, x, *conditioning, train=False
                )
                return out[0] if auxiliary else out

            values = penalty.fn(critic, real, fake, jax.random.fold_in(key, 2))
            metrics["d_penalty"] = jnp.mean(values)
            loss_d = loss_d + penalty.weight * metrics["d_penalty"]
        return Pair(loss_g, loss_d), (Pair(g_state, d_state), metrics)

    return losses
