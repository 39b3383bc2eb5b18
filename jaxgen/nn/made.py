"""Masked autoencoder for distribution estimation (MADE; Germain, Gregor, Murray & Larochelle
2015, "MADE: Masked Autoencoder for Distribution Estimation", ICML, §4).

An MLP from D binary pixels to D logits becomes autoregressive in an ordering o
(``jaxgen.nn.orderings``) when its weights are multiplied by connectivity masks. Every unit gets
a degree: input pixel p has m⁰(p) = its position in the ordering, 1..D; the units of hidden
layer l have degrees m^l(k) drawn uniformly from {min_k' m^{l−1}(k'), …, D − 1} (the minimum
keeps every unit connected to the layer below); then

    hidden masks   M^l_{k',k} = 1[m^l(k) ≥ m^{l−1}(k')],
    output mask    M^V_{k,p}  = 1[m⁰(p) > m^L(k)]     (strict: a pixel never sees itself),

    h⁰ = x,   h^l = relu(h^{l−1} (W^l ⊙ M^l) + b^l),   logits = h^L (V ⊙ M^V) + b^V,

so the logit of pixel p depends on pixel q only through paths of non-decreasing degree from
m⁰(q) to a hidden degree < m⁰(p): only on pixels earlier in the ordering. The first pixel in the
ordering sees nothing (its logit is its bias), and hidden units of degree D − 1 feed only the
last pixel. log p(x) = Σ_p [x_p log σ(l_p) + (1 − x_p) log σ(−l_p)], all D conditionals in one
forward pass.

Masks are fixed when the module is built: ``made_masks`` draws the hidden degrees from
``np.random.default_rng(mask_seed)`` and the input degrees come from the ordering, so the same
attributes always give the same network. This slice has one ordering and one mask per model:
no order-agnostic training and no connectivity-agnostic training (resampling masks per
minibatch and averaging over masks at test time, the paper's §4 variants), and no direct
input-to-output connections.

Parameters are those of the dense layers, stored whole and indexed by pixel (``layers_l``,
l = 0..L, a ``MaskedDense`` with ``kernel`` ``[fan_in, fan_out]`` and ``bias``):
D·H₁ + H₁ + Σ_l (H_l·H_{l+1} + H_{l+1}) + H_L·D + D stored, of which the masked-out kernel
entries (``made_masks``) never receive a gradient. Kernels start from LeCun normal over the full
fan-in, biases at 0. Sampling draws the pixels one at a time in the ordering (``lax.fori_loop``
over the D positions), one full forward pass per pixel.
"""

from collections.abc import Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

from jaxgen.nn import orderings
from jaxgen.nn.distributions import bernoulli_log_prob


def made_masks(order: np.ndarray, hidden: Sequence[int], seed: int = 0) -> tuple[np.ndarray, ...]:
    """MADE connectivity masks for pixels generated in ``order`` ``[D]`` and hidden widths.

    Returns boolean masks in Flax kernel layout ``[fan_in, fan_out]``: ``[D, H₁]``,
    ``[H₁, H₂]``, …, ``[H_L, D]`` (True = connected), the hidden degrees drawn from
    ``np.random.default_rng(seed)``.
    """
    order = np.asarray(order)
    num_pixels = order.size
    if num_pixels < 2:
        raise ValueError(
            f"MADE needs at least 2 pixels (hidden degrees are 1..D−1), got D={num_pixels}"
        )
    if len(hidden) < 1 or any(width < 1 for width in hidden):
        raise ValueError(f"MADE needs one or more hidden layers of width >= 1, got {hidden}")
    input_degrees = np.empty(num_pixels, np.int64)
    input_degrees[order] = np.arange(1, num_pixels + 1)
    rng = np.random.default_rng(seed)
    degrees = [input_degrees]
    for width in hidden:
        degrees.append(rng.integers(degrees[-1].min(), num_pixels - 1, size=width, endpoint=True))
    masks = [
        below[:, None] <= above[None, :]
        for below, above in zip(degrees[:-1], degrees[1:], strict=True)
    ]
    masks.append(degrees[-1][:, None] < input_degrees[None, :])
    return tuple(masks)


class MaskedDense(nn.Module):
    """``x (kernel ⊙ mask) + bias`` for x ``[batch, fan_in]``, with a fixed boolean ``mask``
    ``[fan_in, fan_out]``; returns ``[batch, fan_out]``."""

    mask: np.ndarray

    @nn.compact
    def __call__(self, x):
        fan_in, fan_out = self.mask.shape
        kernel = self.param("kernel", nn.initializers.lecun_normal(), (fan_in, fan_out))
        bias = self.param("bias", nn.initializers.zeros, (fan_out,))
        return x @ jnp.where(self.mask, kernel, 0) + bias


class MADE(nn.Module):
    """MADE over binary images ``[batch, H, W, C]`` in {0, 1}, hidden layers of ``hidden`` widths.

    ``shape`` is (H, W, C); ``ordering`` one of ``orderings.ORDERINGS`` (``ordering_seed`` seeds
    ``random``); ``mask_seed`` draws the hidden degrees (``made_masks``). ``__call__`` is
    ``log_prob``.
    """

    shape: Sequence[int]
    hidden: Sequence[int] = (500,)
    ordering: str = "raster"
    ordering_seed: int = 0
    mask_seed: int = 0

    def setup(self):
        self.order = orderings.ordering(self.ordering, self.shape, self.ordering_seed)
        self.layers = [
            MaskedDense(mask) for mask in made_masks(self.order, self.hidden, self.mask_seed)
        ]

    def _logits(self, pixels):
        """[batch, D] pixels → [batch, D] logits, both in the flat pixel index."""
        for layer in self.layers[:-1]:
            pixels = nn.relu(layer(pixels))
        return self.layers[-1](pixels)

    def logits(self, x):
        """Logits of p(x_p = 1 | pixels before p) for x ``[batch, H, W, C]``: ``[batch, D]``,
        in the flat pixel index p (not in ordering position)."""
        return self._logits(orderings.flatten_images(x, self.shape, "MADE.logits"))

    def log_prob(self, x):
        """log p(x) in nats for binary x ``[batch, H, W, C]``: ``[batch]``."""
        logits = self.logits(x)
        return bernoulli_log_prob(logits, x)

    def __call__(self, x):
        return self.log_prob(x)

    def sample(self, key, n: int, progress=None):
        """``n`` images ``[n, H, W, C]`` in {0, 1}, drawn pixel by pixel in the ordering;
        ``progress(k)``, if given, is called (``jax.debug.callback``) at each position k."""
        orderings.check_sample_count(n, "MADE.sample")
        num_pixels = self.order.size
        order = jnp.asarray(self.order)
        dtype = self.layers[-1].variables["params"]["bias"].dtype
        uniforms = jax.random.uniform(key, (n, num_pixels), dtype)

        def draw(k, pixels):
            orderings.report_progress(progress, k)
            pixel = order[k]
            logit = self._logits(pixels)[:, pixel]
            bit = (uniforms[:, k] < jax.nn.sigmoid(logit)).astype(dtype)
            return pixels.at[:, pixel].set(bit)

        pixels = jax.lax.fori_loop(0, num_pixels, draw, jnp.zeros((n, num_pixels), dtype))
        return pixels.reshape(n, *self.shape)
