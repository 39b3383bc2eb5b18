"""Fully visible sigmoid belief network (FVSBN; Frey 1998, "Graphical Models for Machine Learning
and Digital Communication"; Gan, Henao, Carlson & Carin 2015, "Learning Deep Sigmoid Belief
Networks with Data Augmentation", AISTATS).

D binary pixels in an ordering o (``jaxgen.nn.orderings``) have logistic conditionals

    p(x_{o_k} = 1 | x_{o_1}, …, x_{o_{k−1}}) = σ(b_k + Σ_{j<k} W_kj x_{o_j}),

a logistic regression of each pixel on all the pixels before it, so
log p(x) = Σ_k [x_{o_k} log σ(l_k) + (1 − x_{o_k}) log σ(−l_k)] with l = b + W x_o, and W
strictly lower triangular. That is D(D − 1)/2 weights and D biases, n(n + 1)/2 parameters for
n = D pixels (307,720 for 28×28 binary MNIST), against 2ⁿ − 1 for a full table.

Parameters are indexed by ordering position, not by pixel: ``bias`` ``[D]`` holds b_k and
``weights`` ``[D(D − 1)/2]`` holds the strictly lower triangle of W packed row by row (the entry
W_kj, j < k, at k(k − 1)/2 + j, the order of ``np.tril_indices(D, -1)``). Stored and effective
parameters are therefore the same, n(n + 1)/2; a masked dense [D, D] matrix would store
D² + D, half of them dead. The same parameters under another ordering are a pixel-permuted
model. Weights start from N(0, 0.01²), biases at 0.

Sampling draws the pixels one at a time in the ordering (``lax.fori_loop`` over the D
positions), each step an O(n·D) dot product with row k of W for n samples.
"""

from collections.abc import Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

from jaxgen.nn import orderings
from jaxgen.nn.distributions import bernoulli_log_prob


class FVSBN(nn.Module):
    """Fully visible sigmoid belief net over binary images ``[batch, H, W, C]`` in {0, 1}.

    ``shape`` is (H, W, C); ``ordering`` one of ``orderings.ORDERINGS`` (``ordering_seed`` seeds
    ``random``). ``__call__`` is ``log_prob``.
    """

    shape: Sequence[int]
    ordering: str = "raster"
    ordering_seed: int = 0

    def setup(self):
        self.order = orderings.ordering(self.ordering, self.shape, self.ordering_seed)
        self.position = orderings.inverse(self.order)
        num_pixels = self.order.size
        self.weights = self.param(
            "weights", nn.initializers.normal(0.01), (num_pixels * (num_pixels - 1) // 2,)
        )
        self.bias = self.param("bias", nn.initializers.zeros, (num_pixels,))

    def _lower_triangle(self):
        """W ``[D, D]``, strictly lower triangular in ordering positions."""
        num_pixels = self.order.size
        rows, cols = np.tril_indices(num_pixels, -1)
        # The indices are constants known to be sorted, unique and in bounds; saying so spares
        # XLA a bounds check that it constant-folds over all n(n−1)/2 of them (seconds at 784).
        return (
            jnp.zeros((num_pixels, num_pixels), self.weights.dtype)
            .at[rows, cols]
            .set(
                self.weights, indices_are_sorted=True, unique_indices=True, mode="promise_in_bounds"
            )
        )

    def logits(self, x):
        """Logits l of p(x_p = 1 | pixels before p) for x ``[batch, H, W, C]``: ``[batch, D]``,
        in the flat pixel index p (not in ordering position)."""
        pixels = orderings.flatten_images(x, self.shape, "FVSBN.logits")
        in_order = pixels[:, self.order]
        logits_in_order = in_order @ self._lower_triangle().T + self.bias
        return logits_in_order[:, self.position]

    def log_prob(self, x):
        """log p(x) in nats for binary x ``[batch, H, W, C]``: ``[batch]``."""
        logits = self.logits(x)
        return bernoulli_log_prob(logits, x)

    def __call__(self, x):
        return self.log_prob(x)

    def sample(self, key, n: int, progress=None):
        """``n`` images ``[n, H, W, C]`` in {0, 1}, drawn pixel by pixel in the ordering;
        ``progress(k)``, if given, is called (``jax.debug.callback``) at each position k."""
        orderings.check_sample_count(n, "FVSBN.sample")
        num_pixels = self.order.size
        lower = self._lower_triangle()
        uniforms = jax.random.uniform(key, (n, num_pixels), self.bias.dtype)

        def draw(k, in_order):
            orderings.report_progress(progress, k)
            logit = self.bias[k] + in_order @ lower[k]
            bit = (uniforms[:, k] < jax.nn.sigmoid(logit)).astype(in_order.dtype)
            return in_order.at[:, k].set(bit)

        in_order = jax.lax.fori_loop(
            0, num_pixels, draw, jnp.zeros((n, num_pixels), self.bias.dtype)
        )
        return in_order[:, self.position].reshape(n, *self.shape)
