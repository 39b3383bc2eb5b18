"""Independent Bernoulli pixels: the baseline that every autoregressive model must beat.

p(x) = Π_p σ(l_p)^{x_p} (1 − σ(l_p))^{1 − x_p}, one logit l_p per pixel and channel: D
parameters, no pixel informs another. Maximum likelihood sets σ(l_p) to the share of ones of
pixel p in the training set; its NLL is the sum of the pixels' binary entropies, the number an
explicit model must lower by modelling dependencies (the "fully independent" row of
``experiments/parameter_counting``). Same interface as ``jaxgen.nn.FVSBN``.
"""

from collections.abc import Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxgen.nn import orderings
from jaxgen.nn.distributions import bernoulli_log_prob


class IndependentBernoulli(nn.Module):
    """Independent Bernoulli pixels over binary images ``[batch, H, W, C]``; ``shape`` is
    (H, W, C). ``__call__`` is ``log_prob``."""

    shape: Sequence[int]

    def setup(self):
        num_pixels = orderings.ordering("raster", self.shape).size
        self.pixel_logits = self.param("logits", nn.initializers.zeros, (num_pixels,))

    def logits(self, x):
        """The logits ``[batch, D]`` (the same for every x) in the flat pixel index."""
        pixels = orderings.flatten_images(x, self.shape, "IndependentBernoulli.logits")
        return jnp.broadcast_to(self.pixel_logits, pixels.shape).astype(self.pixel_logits.dtype)

    def log_prob(self, x):
        """log p(x) in nats for binary x ``[batch, H, W, C]``: ``[batch]``."""
        return bernoulli_log_prob(self.logits(x), x)

    def __call__(self, x):
        return self.log_prob(x)

    def sample(self, key, n: int, progress=None):
        """``n`` images ``[n, H, W, C]`` in {0, 1}, all pixels at once (``progress`` unused)."""
        del progress
        orderings.check_sample_count(n, "IndependentBernoulli.sample")
        probs = jax.nn.sigmoid(self.pixel_logits)
        bits = jax.random.uniform(key, (n, probs.size), probs.dtype) < probs
        return bits.astype(probs.dtype).reshape(n, *self.shape)
