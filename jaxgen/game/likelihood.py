"""Maximum likelihood as a one-player game, so that explicit models train in the GAN loop.

An explicit model (``jaxgen.nn.FVSBN``, ``NADE``, ``PixelCNN``, ``VAE``, ...) has one set of
parameters and one loss, the mean negative log-likelihood of a batch in nats, or the negative
of a bound on it (the VAE's ELBO, the IWAE bound). Here it is the generator's loss of a game
whose discriminator has no parameters (``params.d = {}``) and a loss of 0, so every update
rule, the TrainState, checkpoints, sharding and the training loop apply unchanged:
``simultaneous(Pair(optimizer, optax.set_to_zero()))`` is plain gradient descent on the loss.
The metrics are the loss (``nll`` for ``log_prob``, ``negative_elbo`` for ``elbo``, ...) and
its bits/dim (``jaxgen.metrics.bits_per_dim``).
"""

import math

import jax.numpy as jnp

from jaxgen.metrics.likelihood import bits_per_dim
from jaxgen.types import Pair


def maximum_likelihood(
    model, *, method: str = "log_prob", stochastic: bool = False, data_key: str = "image", **kwargs
):
    """The game ``losses(params, model_state, batch, key)``: ``Pair(−mean objective, 0)``.

    Args:
      model: a Flax module whose ``method(x, **kwargs) -> [B]`` is log p(x) in nats or a lower
        bound on it.
      method: the method to maximize: ``log_prob`` (exact), ``elbo``, ``iwae_bound``, ...
      stochastic: the method takes a key after x (``elbo(x, key)``); the step's key is passed.
      data_key: the batch entry holding the data.
      **kwargs: passed to the method (``k=5`` for ``iwae_bound``).
    """
    metric = "nll" if method == "log_prob" else f"negative_{method}"

    def losses(params, model_state, batch, key):
        x = batch[data_key]
        args = (x, key) if stochastic else (x,)
        objective = model.apply({"params": params.g}, *args, method=method, **kwargs)
        loss = -jnp.mean(objective)
        metrics = {metric: loss, "bits_per_dim": bits_per_dim(loss, math.prod(x.shape[1:]))}
        return Pair(loss, jnp.zeros((), loss.dtype)), (model_state, metrics)

    return losses
