"""Neural autoregressive distribution estimator (NADE; Larochelle & Murray 2011, "The Neural
Autoregressive Distribution Estimator", AISTATS, §3; notation of Uria, Côté, Gregor, Murray &
Larochelle 2016, "Neural Autoregressive Distribution Estimation", JMLR, §2).

D binary pixels in an ordering o (``jaxgen.nn.orderings``); the conditional of the k-th pixel is
a one-hidden-layer network of the pixels before it, with weights shared across the conditionals:

    h_k = σ(c + W_{:,o_<k} x_{o_<k}),        p(x_{o_k} = 1 | x_{o_<k}) = σ(b_{o_k} + V_{o_k} · h_k),

with W ∈ R^{H×D}, V ∈ R^{D×H}, b ∈ R^D, c ∈ R^H: 2·D·H + D + H parameters (785,284 for
28×28 binary MNIST with the paper's H = 500), and log p(x) = Σ_k log p(x_{o_k} | x_{o_<k}).
Because W is shared, the pre-activations obey the recurrence

    a_1 = c,        a_{k+1} = a_k + W_{:,o_k} x_{o_k},        h_k = σ(a_k),

so all D hidden vectors cost O(D·H) instead of O(D²·H). ``log_prob`` computes the a_k at once as
c plus an exclusive cumulative sum over positions of the terms W_{:,o_k} x_{o_k} (a ``[B, D, H]``
array: about 160 MB in float32 for a batch of 100 MNIST images at H = 500); ``sample`` carries
a_k through a ``lax.fori_loop`` over the D positions, O(n·H) per pixel for n samples.

Parameters are indexed by pixel as in the papers: ``input_weights`` ``[D, H]`` has row p =
W_{:,p}, ``output_weights`` ``[D, H]`` has row p = V_p, ``output_bias`` ``[D]`` is b and
``hidden_bias`` ``[H]`` is c; the same parameters under another ordering are another model.
W starts from N(0, 1/D), V from N(0, 1/H), the biases at 0. The tied variant (V = Wᵀ) is not
implemented.
"""

from collections.abc import Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxgen.nn import orderings
from jaxgen.nn.distributions import bernoulli_log_prob


class NADE(nn.Module):
    """NADE over binary images ``[batch, H, W, C]`` in {0, 1}, ``hidden`` units.

    ``shape`` is (H, W, C); ``ordering`` one of ``orderings.ORDERINGS`` (``ordering_seed`` seeds
    ``random``). ``__call__`` is ``log_prob``.
    """

    shape: Sequence[int]
    hidden: int = 500
    ordering: str = "raster"
    ordering_seed: int = 0

    def setup(self):
        if self.hidden < 1:
            raise ValueError(f"NADE needs hidden >= 1 units, got {self.hidden}")
        self.order = orderings.ordering(self.ordering, self.shape, self.ordering_seed)
        self.position = orderings.inverse(self.order)
        num_pixels = self.order.size
        self.input_weights = self.param(
            "input_weights", nn.initializers.normal(num_pixels**-0.5), (num_pixels, self.hidden)
        )
        self.hidden_bias = self.param("hidden_bias", nn.initializers.zeros, (self.hidden,))
        self.output_weights = self.param(
            "output_weights", nn.initializers.normal(self.hidden**-0.5), (num_pixels, self.hidden)
        )
        self.output_bias = self.param("output_bias", nn.initializers.zeros, (num_pixels,))

    def logits(self, x):
        """Logits of p(x_p = 1 | pixels before p) for x ``[batch, H, W, C]``: ``[batch, D]``,
        in the flat pixel index p (not in ordering position)."""
        pixels = orderings.flatten_images(x, self.shape, "NADE.logits")
        in_order = pixels[:, self.order]
        terms = in_order[:, :, None] * self.input_weights[self.order]  # [B, D, H]
        # Exclusive sum: a_k sees positions < k only. Summing all but the last term and shifting
        # keeps a_k free of x_{o_k} exactly, where cumsum − terms would leave rounding residue.
        preceding = jnp.cumsum(terms[:, :-1], axis=1)
        preceding = jnp.concatenate([jnp.zeros_like(terms[:, :1]), preceding], axis=1)
        hidden = jax.nn.sigmoid(self.hidden_bias + preceding)
        logits_in_order = (
            jnp.einsum("bkh,kh->bk", hidden, self.output_weights[self.order])
            + self.output_bias[self.order]
        )
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
        orderings.check_sample_count(n, "NADE.sample")
        num_pixels = self.order.size
        dtype = self.output_bias.dtype
        input_weights = self.input_weights[self.order]
        output_weights = self.output_weights[self.order]
        output_bias = self.output_bias[self.order]
        uniforms = jax.random.uniform(key, (n, num_pixels), dtype)

        def draw(k, carry):
            orderings.report_progress(progress, k)
            in_order, preactivation = carry
            logit = output_bias[k] + jax.nn.sigmoid(preactivation) @ output_weights[k]
            bit = (uniforms[:, k] < jax.nn.sigmoid(logit)).astype(dtype)
            return in_order.at[:, k].set(bit), preactivation + bit[:, None] * input_weights[k]

        start = (
            jnp.zeros((n, num_pixels), dtype),
            jnp.broadcast_to(self.hidden_bias, (n, self.hidden)),
        )
        in_order, _ = jax.lax.fori_loop(0, num_pixels, draw, start)
        return in_order[:, self.position].reshape(n, *self.shape)
