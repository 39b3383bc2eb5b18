"""The GAN game built from two Flax modules and an objective.

Parameters are ``Pair(g=generator "params", d=discriminator "params")``; every other Flax
collection (batch-norm statistics, ...) is model state, ``Pair(g={...}, d={...})``.
One evaluation draws z ~ N(0, I) from the key, passes a real batch and the fakes through the
discriminator separately (so batch norm sees each on its own, as in DCGAN), and returns
``Pair(mean L_G, mean L_D)`` of the objective.

Options, each off by default (and then drawing no extra random numbers, so that a plain run
repeats exactly):

- ``penalty``: a discriminator regularizer ``Penalty(fn, weight)`` whose
  ``fn(critic, real, fake, key) -> [B]`` is added to L_D as ``weight · mean`` (the WGAN-GP
  penalty, R1, R2, DRAGAN: ``jaxgen.losses.regularizers.PENALTIES``). ``critic`` is the
  discriminator in evaluation mode at the current parameters, so batch norm would use its
  running statistics there: give penalized discriminators layer norm or none, as WGAN-GP does.
- ``noise_std``: instance noise, N(0, σ²I) added to every real and fake input of the
  discriminator (Sønderby et al. 2017; Arjovsky & Bottou 2017), fresh at every evaluation.
- ``feature_matching``: the generator minimizes ‖E f(x) − E f(G(z))‖² on the discriminator's
  last hidden features instead of the objective's generator loss (Salimans et al. 2016, §3.1;
  ``jaxgen.losses.feature_matching``). The discriminator must accept ``features=True``.
"""

from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp

from jaxgen.losses.feature_matching import feature_matching_loss
from jaxgen.losses.gan import mean_probability
from jaxgen.losses.regularizers import instance_noise
from jaxgen.types import Pair


class Penalty(NamedTuple):
    """``weight · mean(fn(critic, real, fake, key))`` added to the discriminator's loss."""

    fn: Callable
    weight: float


def apply_module(module, params, state, *inputs, train, **kwargs):
    """``module.apply`` with its non-parameter collections; returns ``(outputs, new_state)``.

    ``inputs`` are the module's positional inputs (``z``; or ``z, labels`` for a conditional
    one). In training mode the collections in ``state`` are mutable and come back updated.
    ``kwargs`` go to the module (``features=True``) when given.
    """
    variables = {"params": params, **state}
    kwargs = {k: v for k, v in kwargs.items() if v}
    if not train or not state:
        return module.apply(variables, *inputs, train=train, **kwargs), state
    outputs, new_state = module.apply(variables, *inputs, train=True, mutable=list(state), **kwargs)
    return outputs, dict(new_state)


def adversarial(
    generator,
    discriminator,
    objective,
    *,
    latent_dim: int,
    data_key: str = "image",
    penalty: Penalty | None = None,
    noise_std: float = 0.0,
    feature_matching: bool = False,
):
    """The GAN game ``losses(params, model_state, batch, key)`` (see the module docstring).

    Args:
      generator: Flax module, ``generator(z [B, latent_dim], train) -> samples``.
      discriminator: Flax module, ``discriminator(x, train) -> logits [B] or [B, 1]``.
      objective: a ``jaxgen.losses.Objective``.
      latent_dim: size of z.
      data_key: the batch entry holding real data (``"image"`` or ``"x"``).
      penalty: a discriminator regularizer, or None.
      noise_std: instance noise σ (0: none).
      feature_matching: the generator matches the discriminator's mean features.
    """

    def losses(params, model_state, batch, key):
        real = batch[data_key]
        z = jax.random.normal(key, (real.shape[0], latent_dim), jnp.float32)
        fake, g_state = apply_module(generator, params.g, model_state.g, z, train=True)
        if noise_std:
            real_key, fake_key = jax.random.split(jax.random.fold_in(key, 1))
            real = instance_noise(real_key, real, noise_std)
            fake = instance_noise(fake_key, fake, noise_std)

        def judge(x, state):
            return apply_module(
                discriminator, params.d, state, x, train=True, features=feature_matching
            )

        real_out, d_state = judge(real, model_state.d)
        fake_out, d_state = judge(fake, d_state)
        if feature_matching:
            (real_logits, real_features), (fake_logits, fake_features) = real_out, fake_out
            loss_g = feature_matching_loss(real_features, fake_features)
        else:
            real_logits, fake_logits = real_out, fake_out
            loss_g = jnp.mean(objective.generator(fake_logits))
        loss_d = jnp.mean(objective.discriminator(real_logits, fake_logits))
        metrics = {"d_real": mean_probability(real_logits), "d_fake": mean_probability(fake_logits)}
        if penalty is not None:

            def critic(x):
                return apply_module(discriminator, params.d, d_state, x, train=False)[0]

            values = penalty.fn(critic, real, fake, jax.random.fold_in(key, 2))
            metrics["d_penalty"] = jnp.mean(values)
            loss_d = loss_d + penalty.weight * metrics["d_penalty"]
        return Pair(loss_g, loss_d), (Pair(g_state, d_state), metrics)

    return losses
