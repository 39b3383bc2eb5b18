"""The GAN game built from two Flax modules and an objective.

Parameters are ``Pair(g=generator "params", d=discriminator "params")``; every other Flax
collection (batch-norm statistics, ...) is model state, ``Pair(g={...}, d={...})``.
One evaluation draws z ~ N(0, I) from the key, passes a real batch and the fakes through the
discriminator separately (so batch norm sees each on its own, as in DCGAN), and returns
``Pair(mean L_G, mean L_D)`` of the objective.
"""

import jax
import jax.numpy as jnp

from jaxgen.losses.gan import mean_probability
from jaxgen.types import Pair


def apply_module(module, params, state, inputs, *, train):
    """``module.apply`` with its non-parameter collections; returns ``(outputs, new_state)``.

    In training mode the collections in ``state`` are mutable and come back updated.
    """
    variables = {"params": params, **state}
    if not train or not state:
        return module.apply(variables, inputs, train=train), state
    outputs, new_state = module.apply(variables, inputs, train=True, mutable=list(state))
    return outputs, dict(new_state)


def adversarial(generator, discriminator, objective, *, latent_dim: int, data_key: str = "image"):
    """The GAN game ``losses(params, model_state, batch, key)`` (see the module docstring).

    Args:
      generator: Flax module, ``generator(z [B, latent_dim], train) -> samples``.
      discriminator: Flax module, ``discriminator(x, train) -> logits [B] or [B, 1]``.
      objective: a ``jaxgen.losses.Objective``.
      latent_dim: size of z.
      data_key: the batch entry holding real data (``"image"`` or ``"x"``).
    """

    def losses(params, model_state, batch, key):
        real = batch[data_key]
        z = jax.random.normal(key, (real.shape[0], latent_dim), jnp.float32)
        fake, g_state = apply_module(generator, params.g, model_state.g, z, train=True)
        real_logits, d_state = apply_module(
            discriminator, params.d, model_state.d, real, train=True
        )
        fake_logits, d_state = apply_module(discriminator, params.d, d_state, fake, train=True)
        loss_d = jnp.mean(objective.discriminator(real_logits, fake_logits))
        loss_g = jnp.mean(objective.generator(fake_logits))
        metrics = {"d_real": mean_probability(real_logits), "d_fake": mean_probability(fake_logits)}
        return Pair(loss_g, loss_d), (Pair(g_state, d_state), metrics)

    return losses
