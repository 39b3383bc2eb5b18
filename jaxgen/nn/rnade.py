"""Real-valued neural autoregressive density estimator (RNADE; Uria, Murray & Larochelle 2013,
"RNADE: The real-valued neural autoregressive density-estimator", NeurIPS, §2, eq. 3-6).

NADE (``jaxgen.nn.nade``) for continuous values: D real values in an ordering o
(``jaxgen.nn.orderings``), each conditional a mixture of K Gaussians whose parameters come from
a one-hidden-layer network of the values before it, with the input weights shared across the
conditionals (eq. 3-6):

    a_1 = c,        a_{k+1} = a_k + W_{:,o_k} x_{o_k},        h_k = σ(ρ_k a_k),

    π_{o_k} = softmax(V^π_{o_k}ᵀ h_k + b^π_{o_k}),    μ_{o_k} = V^μ_{o_k}ᵀ h_k + b^μ_{o_k},
    σ_{o_k} = exp(V^σ_{o_k}ᵀ h_k + b^σ_{o_k}),

    log p(x) = Σ_k log Σ_j π_{o_k,j} N(x_{o_k}; μ_{o_k,j}, σ_{o_k,j}²),

with W ∈ R^{H×D}, c ∈ R^H, ρ ∈ R^D and per value p the output weights V^π_p, V^μ_p, V^σ_p ∈
R^{H×K} and biases b^π_p, b^μ_p, b^σ_p ∈ R^K: D·H + H + D + 3·D·K·(H + 1) = D·(3K + 1)·(H + 1) + H
parameters (12,176,804 for 28×28 images with the defaults H = 500, K = 10). ρ_k is the paper's
per-step scale of the pre-activations, indexed by position k (a_k sums k − 1 terms, so its scale
grows along the ordering); it starts at 1. The inner sum is a logsumexp of log π + log N, so
log p(x) stays finite where every component's density underflows. As in NADE, all the a_k come at
once as c plus an exclusive cumulative sum over positions (a ``[batch, D, H]`` array), and
``sample`` carries a_k through a ``lax.fori_loop`` over the D positions, drawing the component
then the Gaussian value.

Data are ``[batch, H, W, C]`` real values (a vector of D values is an image of shape (1, D, 1));
the network sees them as they are, and ``log_prob`` is a log-density in nats in the units of x,
not a probability. Bits per dimension comparable with discrete models need dequantized data
(x + u, u ~ U[0, 1)^D, in the units of the 8-bit values) and, when the model sees rescaled data
y = a·x + b (e.g. dequantized digits in [0, 1] or [−1, 1]), the change of variables
−log p_x(x) = −log p_y(y) − D·log|a| before the conversion: see ``jaxgen.metrics.likelihood``.

Parameters are indexed by value (flat pixel index) as in the paper, except ρ (by position):
``input_weights`` ``[D, H]`` has row p = W_{:,p}, ``hidden_bias`` ``[H]`` is c,
``activation_scale`` ``[D]`` is ρ, and ``{logit,mean,log_std}_weights`` ``[D, H, K]`` and
``{logit,mean,log_std}_bias`` ``[D, K]`` are V and b of the mixture logits, means and log
standard deviations. W starts from N(0, 1/D), the V from N(0, 1/H), ρ at 1, c and the b at 0.
"""

import math
from collections.abc import Callable, Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxgen.nn import orderings


def _mixture_log_density(log_weights, means, log_stds, x):
    """log Σ_j π_j N(x; μ_j, σ_j²) for parameters ``[..., K]`` and x ``[...]``: ``[...]``."""
    standardized = (x[..., None] - means) * jnp.exp(-log_stds)
    log_normal = -0.5 * standardized**2 - log_stds - 0.5 * math.log(2 * math.pi)
    return jax.nn.logsumexp(log_weights + log_normal, axis=-1)


class RNADE(nn.Module):
    """RNADE over real-valued images ``[batch, H, W, C]``: ``hidden`` units, ``components``
    Gaussians per conditional.

    ``shape`` is (H, W, C) ((1, D, 1) for vectors of D values); ``ordering`` one of
    ``orderings.ORDERINGS`` (``ordering_seed`` seeds ``random``). ``__call__`` is ``log_prob``.
    """

    shape: Sequence[int]
    hidden: int = 500
    components: int = 10
    ordering: str = "raster"
    ordering_seed: int = 0

    def setup(self):
        if self.hidden < 1:
            raise ValueError(f"RNADE needs hidden >= 1 units, got {self.hidden}")
        if self.components < 1:
            raise ValueError(
                f"RNADE needs components >= 1 Gaussians per conditional, got {self.components}"
            )
        self.order = orderings.ordering(self.ordering, self.shape, self.ordering_seed)
        self.position = orderings.inverse(self.order)
        num_values, hidden, components = self.order.size, self.hidden, self.components
        self.input_weights = self.param(
            "input_weights", nn.initializers.normal(num_values**-0.5), (num_values, hidden)
        )
        self.hidden_bias = self.param("hidden_bias", nn.initializers.zeros, (hidden,))
        self.activation_scale = self.param("activation_scale", nn.initializers.ones, (num_values,))
        output_init = nn.initializers.normal(hidden**-0.5)
        output_shape = (num_values, hidden, components)
        self.logit_weights = self.param("logit_weights", output_init, output_shape)
        self.mean_weights = self.param("mean_weights", output_init, output_shape)
        self.log_std_weights = self.param("log_std_weights", output_init, output_shape)
        bias_shape = (num_values, components)
        self.logit_bias = self.param("logit_bias", nn.initializers.zeros, bias_shape)
        self.mean_bias = self.param("mean_bias", nn.initializers.zeros, bias_shape)
        self.log_std_bias = self.param("log_std_bias", nn.initializers.zeros, bias_shape)

    def _flatten(self, x, where):
        if x.ndim != 4 or tuple(x.shape[1:]) != tuple(self.shape):
            height, width, channels = self.shape
            raise ValueError(
                f"{where} needs real-valued images x [batch, {height}, {width}, {channels}] (the "
                f"model's shape; a vector of D values is (1, D, 1)), got shape {tuple(x.shape)}"
            )
        return x.reshape(x.shape[0], -1)

    def _outputs(self, hidden, values):
        """Mixture log weights, means and log stds ``[..., K]`` of the values ``values`` (flat
        indices, or ``[D]`` of them) from hidden activations ``[..., H]``."""

        def linear(weights, bias):
            weights, bias = jnp.asarray(weights), jnp.asarray(bias)
            return jnp.einsum("...h,...hj->...j", hidden, weights[values]) + bias[values]

        logits = linear(self.logit_weights, self.logit_bias)
        return (
            jax.nn.log_softmax(logits, axis=-1),
            linear(self.mean_weights, self.mean_bias),
            linear(self.log_std_weights, self.log_std_bias),
        )

    def mixture_params(self, x):
        """The mixture of each conditional p(x_p | values before p) for x ``[batch, H, W, C]``:
        log weights log π, means μ and log standard deviations log σ, each ``[batch, D, K]`` in
        the flat pixel index p (not in ordering position)."""
        values = self._flatten(x, "RNADE.mixture_params")
        in_order = values[:, self.order]
        terms = in_order[:, :, None] * self.input_weights[self.order]  # [B, D, H]
        # Exclusive sum: a_k sees positions < k only. Summing all but the last term and shifting
        # keeps a_k free of x_{o_k} exactly, where cumsum − terms would leave rounding residue.
        preceding = jnp.cumsum(terms[:, :-1], axis=1)
        preceding = jnp.concatenate([jnp.zeros_like(terms[:, :1]), preceding], axis=1)
        hidden = jax.nn.sigmoid(self.activation_scale[:, None] * (self.hidden_bias + preceding))
        params_in_order = self._outputs(hidden, self.order)
        return tuple(param[:, self.position] for param in params_in_order)

    def log_prob(self, x):
        """log p(x), a log-density in nats in the units of x ``[batch, H, W, C]``: ``[batch]``."""
        log_weights, means, log_stds = self.mixture_params(x)
        values = x.reshape(x.shape[0], -1)
        return jnp.sum(_mixture_log_density(log_weights, means, log_stds, values), axis=-1)

    def __call__(self, x):
        return self.log_prob(x)

    def sample(self, key, n: int, progress: Callable[[int], None] | None = None):
        """``n`` images ``[n, H, W, C]`` drawn value by value in the ordering: at each position a
        component j ~ π, then x ~ N(μ_j, σ_j²). ``progress``, if given, is called with each
        position k (``jax.debug.callback``)."""
        orderings.check_sample_count(n, "RNADE.sample")
        num_values = self.order.size
        dtype = self.hidden_bias.dtype
        # Parameters may come as numpy arrays, which a traced position cannot index.
        input_weights = jnp.asarray(self.input_weights)[self.order]
        activation_scale = jnp.asarray(self.activation_scale)
        order = jnp.asarray(self.order)
        component_key, noise_key = jax.random.split(key)

        def draw(k, carry):
            in_order, preactivation = carry
            if progress is not None:
                jax.debug.callback(progress, k)
            hidden = jax.nn.sigmoid(activation_scale[k] * preactivation)
            log_weights, means, log_stds = self._outputs(hidden, order[k])
            component = jax.random.categorical(jax.random.fold_in(component_key, k), log_weights)
            mean = jnp.take_along_axis(means, component[:, None], axis=1)[:, 0]
            log_std = jnp.take_along_axis(log_stds, component[:, None], axis=1)[:, 0]
            noise = jax.random.normal(jax.random.fold_in(noise_key, k), (n,), dtype)
            value = mean + jnp.exp(log_std) * noise
            return in_order.at[:, k].set(value), preactivation + value[:, None] * input_weights[k]

        start = (
            jnp.zeros((n, num_values), dtype),
            jnp.broadcast_to(self.hidden_bias, (n, self.hidden)),
        )
        in_order, _ = jax.lax.fori_loop(0, num_values, draw, start)
        return in_order[:, self.position].reshape(n, *self.shape)
