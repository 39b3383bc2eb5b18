"""The energy-based GAN games, EBGAN and BEGAN, with an auto-encoder discriminator.

The discriminator maps x to ``(reconstruction, embedding)`` (``jaxgen.nn.autoencoder``); its
energy is a reconstruction error and the losses are those of ``jaxgen.losses.energy``:

- ``ebgan`` (Zhao et al. 2017): energy E(x) = mean (x − D(x))²,
  L_D = E(x) + max(0, m − E(G(z))), L_G = E(G(z)) + w_PT · f_PT(Enc(G(z))).
- ``began`` (Berthelot et al. 2017): L(v) = mean |v − D(v)|^η, L_D = L(x) − k_t·L(G(z)),
  L_G = L(G(z)). The equilibrium controller k_t lives in the discriminator's model state,
  ``model_state.d["began"]["k"]`` (checkpointed with the run); every evaluation of the game
  returns k_{t+1} = clip(k_t + λ_k (γ·L(x) − L(G(z))), 0, 1) and logs k and the convergence
  measure M_global = L(x) + |γ·L(x) − L(G(z))|. The ``simultaneous`` rule evaluates the game
  once per step for the new model state, as the paper's Algorithm (both players and k updated
  from the same losses); under ``alternating`` k moves at each player's evaluation.

Same conventions as ``jaxgen.game.adversarial``: z ~ N(0, I) from the key, the real and the
fake batch through the discriminator separately, one scalar loss per player.
"""

import jax
import jax.numpy as jnp

from jaxgen.game.adversarial import apply_module
from jaxgen.losses import energy
from jaxgen.types import Pair

KINDS = ("ebgan", "began")
BEGAN_STATE = "began"


def began_state(k0: float = 0.0) -> dict:
    """The discriminator's extra model state of BEGAN: ``{"began": {"k": k0}}``."""
    return {BEGAN_STATE: {"k": jnp.asarray(k0, jnp.float32)}}


def energy_based(
    generator,
    autoencoder,
    kind: str,
    *,
    latent_dim: int,
    data_key: str = "image",
    margin: float = 1.0,
    pt_weight: float = 0.1,
    gamma: float = 0.5,
    lambda_k: float = 1e-3,
    eta: float = 1.0,
):
    """The game ``losses(params, model_state, batch, key)`` of EBGAN or BEGAN.

    Args:
      generator: Flax module, ``generator(z, train) -> samples``.
      autoencoder: Flax module, ``autoencoder(x, train) -> (reconstruction, embedding)``.
      kind: ``"ebgan"`` or ``"began"``.
      latent_dim: size of z.
      data_key: the batch entry holding real data.
      margin: EBGAN's m, in units of the per-example mean squared error.
      pt_weight: EBGAN's weight of the pulling-away term (0: plain EBGAN).
      gamma: BEGAN's diversity ratio γ.
      lambda_k: BEGAN's gain λ_k.
      eta: BEGAN's exponent η of |v − D(v)|^η.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")

    def losses(params, model_state, batch, key):
        real = batch[data_key]
        z = jax.random.normal(key, (real.shape[0], latent_dim), jnp.float32)
        fake, g_state = apply_module(generator, params.g, model_state.g, z, train=True)
        d_state = {k: v for k, v in model_state.d.items() if k != BEGAN_STATE}
        (real_rec, _), d_state = apply_module(autoencoder, params.d, d_state, real, train=True)
        (fake_rec, fake_emb), d_state = apply_module(
            autoencoder, params.d, d_state, fake, train=True
        )
        if kind == "ebgan":
            real_energy = energy.mean_squared_error(real, real_rec)
            fake_energy = energy.mean_squared_error(fake, fake_rec)
            loss_d = jnp.mean(energy.ebgan_discriminator_loss(real_energy, fake_energy, margin))
            loss_g = jnp.mean(energy.ebgan_generator_loss(fake_energy))
            metrics = {"energy_real": jnp.mean(real_energy), "energy_fake": jnp.mean(fake_energy)}
            if pt_weight:
                metrics["pulling_away"] = energy.pulling_away_term(fake_emb)
                loss_g = loss_g + pt_weight * metrics["pulling_away"]
            return Pair(loss_g, loss_d), (Pair(g_state, d_state), metrics)
        k = model_state.d[BEGAN_STATE]["k"]
        real_loss = energy.reconstruction_loss(real, real_rec, eta)
        fake_loss = energy.reconstruction_loss(fake, fake_rec, eta)
        loss_d = jnp.mean(energy.began_discriminator_loss(real_loss, fake_loss, k))
        loss_g = jnp.mean(energy.began_generator_loss(fake_loss))
        real_mean, fake_mean = jnp.mean(real_loss), jnp.mean(fake_loss)
        new_k = energy.began_update_k(k, real_mean, fake_mean, gamma, lambda_k)
        metrics = {
            "k": k,
            "convergence": energy.began_convergence(real_mean, fake_mean, gamma),
            "reconstruction_real": real_mean,
            "reconstruction_fake": fake_mean,
        }
        d_state = {**d_state, BEGAN_STATE: {"k": new_k}}
        return Pair(loss_g, loss_d), (Pair(g_state, d_state), metrics)

    return losses
