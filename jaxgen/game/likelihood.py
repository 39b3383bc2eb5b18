"""Maximum likelihood as a one-player game, so that explicit models train in the GAN loop.

An explicit model (``jaxgen.nn.FVSBN``, ``NADE``, ``MADE``, ...) has one set of parameters and
one loss, the mean negative log-likelihood of a batch in nats. Here it is the generator's loss
of a game whose discriminator has no parameters (``params.d = {}``) and a loss of 0, so every
update rule, the TrainState, checkpoints, sharding and the training loop apply unchanged:
``simultaneous(Pair(optimizer, optax.set_to_zero()))`` is plain gradient descent on the NLL.
The metrics are the NLL (nats per example) and bits/dim (``jaxgen.metrics.bits_per_dim``).
"""

import math

import jax.numpy as jnp

from jaxgen.metrics.likelihood import bits_per_dim
from jaxgen.types import Pair


def maximum_likelihood(model, *, data_key: str = "image"):
    """The game ``losses(params, model_state, batch, key)``: ``Pair(mean NLL, 0)``.

    Args:
      model: a Flax module whose ``log_prob(x) -> [B]`` (nats) is its ``__call__`` or method.
      data_key: the batch entry holding the data.
    """

    def losses(params, model_state, batch, key):
        del key  # the models here are deterministic in training
        x = batch[data_key]
        log_prob = model.apply({"params": params.g}, x, method="log_prob")
        nll = -jnp.mean(log_prob)
        metrics = {"nll": nll, "bits_per_dim": bits_per_dim(nll, math.prod(x.shape[1:]))}
        return Pair(nll, jnp.zeros((), nll.dtype)), (model_state, metrics)

    return losses
