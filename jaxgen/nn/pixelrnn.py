"""Pixel recurrent neural networks: the Row LSTM and the Diagonal BiLSTM (van den Oord,
Kalchbrenner & Kavukcuoglu 2016, "Pixel Recurrent Neural Networks", ICML, §3.1–§3.4, Table 1).

An image x ``[H, W, C]`` with values in {0, …, L − 1} is generated in raster order, row by row
and left to right, and the C channels of a pixel R → G → B (``jaxgen.nn.masked``):

    p(x) = Π_{r, c} Π_j p(x_{r,c,j} | pixels before (r, c), channels < j of (r, c)).

The network (§3.3, Table 1), with h hidden units per LSTM and feature maps of 2h:

    first layer   7×7 mask-A convolution to 2h features;
    `layers` ×    v ← v + 1×1 mask-B conv of LSTM(v)   (the LSTM: 2h in, h state and output);
    output        ReLU → 1×1 mask-B conv to 2h → ReLU → 1×1 mask-B conv to C·K logits,

K = 1 for L = 2 (a Bernoulli logit per value) and K = L otherwise (an L-way softmax per value).
Every convolution keeps the features in C contiguous colour groups (``conv_mask``): a feature
of group j at (r, c) depends only on pixels before (r, c) and channels < j of (r, c).

Both LSTMs share the cell of §3.1: from the input-to-state term K^is ⊛ v (computed for the
whole map at once) and the state-to-state term K^ss ⊛ h_prev (the sequential part),

    [i, f, o, g] = [σ, σ, σ, tanh](K^is ⊛ v + K^ss ⊛ h_prev),
    c = f ⊙ c_prev + i ⊙ g,        h = o ⊙ tanh(c).

The h state units are C contiguous groups of h/C, and each gate keeps that structure: K^is is
one masked convolution of 4h outputs ordered group-major (group j owns the outputs
j·4h/C … (j+1)·4h/C − 1, i.e. the four gates of its h/C units), so the gates of the units of
group j see the current pixel's groups ≤ j only (mask B; the first LSTM's input came through the
mask-A layer). K^ss is unmasked: it only reads states of strictly earlier pixels (below).

Row LSTM (§3.1): a ``lax.scan`` over the rows. K^is is a 1×3 (along the row) mask-B
convolution, so it sees the left neighbour and the pixel itself; K^ss is an unmasked 1×3
convolution of the previous row's h, which depends on rows < r only. A state at (r, c) sees the
states of row r − 1 at columns c − 1 … c + 1, so its receptive field is a triangle: at m rows
above, the rightmost column seen is c + m + 2 (the 7×7 first layer reaches c + 3 one row up and
each row up adds one column), whatever the depth; pixels further to the upper right are never
seen.

Diagonal BiLSTM (§3.2): the input map is skewed, row r shifted right by r,

    skew(v)[r, t] = v[r, t − r]  (0 where t − r ∉ [0, W)),  [H, W, F] → [H, W + H − 1, F],

so that pixel (r, c) lands in column t = r + c: its left neighbour (r, c − 1) and its upper
neighbour (r − 1, c) both lie in column t − 1, at rows r and r − 1. K^is is a 1×1 mask-B
convolution, applied before skewing: the paper convolves the skewed map, which differs only in
the fill, where zero pre-activations (not the bias) keep the states left of the image exactly 0,
as at the other borders. A ``lax.scan`` over the W + H − 1 columns applies K^ss, a 2×1 (along
the column) unmasked convolution of the previous column's h at rows r − 1 and r, i.e. of the
upper and the left neighbour, both earlier pixels; unskewing, h[r, c] = hs[r, r + c], returns
``[H, W, h]``. The state at (r, c) sees every pixel (r', c') with r' ≤ r, c' ≤ c.

The second direction runs the same (separately parameterized) LSTM on the horizontally flipped
map and flips its output back: it sees r' ≤ r, c' ≥ c, which includes the future pixels to the
right in row r. Its output is therefore shifted down by one row (row r takes row r − 1's, row
0 zeros) before the two are added: the sum sees the rows above and the left of row r. One value
stays out of reach at any depth: the last channel of the previous row's last pixel,
(r − 1, W − 1, C − 1), from the pixels (r, c) with c < W − 4. The mask-A layer keeps a value
out of the features at its own position, so no feature of row r − 1 carries it; the 7×7 layer
puts it into row r at columns ≥ W − 4 only, and within a row information flows only rightwards
(the shifted pass only brings row r − 1 down). This is the paper's architecture as specified;
the last pixel of the image, and every pixel of an image at most 4 wide, sees all earlier
values.

Initialization is Flax's (LeCun normal kernels over the full fan-in, zero biases); the
state-to-state kernels (``state_to_state``, ``[taps, h, 4h]``) have no bias. The default widths
follow the paper: for one channel its MNIST network (a 7-layer Diagonal BiLSTM, h = 16), for
colour its CIFAR-10 networks (12 layers, h = 128, rounded up to a multiple of C: 129 for RGB).
The paper does not give the width of the output layers; here they have 2h features. Sampling is
a ``lax.fori_loop`` over the H·W·C values in order, one full forward pass per value.
"""

import math
from collections.abc import Callable, Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

from jaxgen.nn import orderings
from jaxgen.nn.distributions import bernoulli_log_prob, categorical_log_prob
from jaxgen.nn.masked import MaskedConv

CELLS = ("row", "diagonal")


def lstm_update(gates, cell, groups: int):
    """One LSTM step from pre-activations ``gates`` ``[..., 4h]`` laid out group-major (group j:
    the i, f, o, g gates of its h/C units, in that order) and the previous ``cell`` ``[..., h]``;
    returns (hidden, cell), both ``[..., h]`` with units in C contiguous groups."""
    *batch, four_hidden = gates.shape
    gates = gates.reshape(*batch, groups, 4, four_hidden // (4 * groups))
    input_gate, forget_gate, output_gate, candidate = (
        gates[..., k, :].reshape(*batch, four_hidden // 4) for k in range(4)
    )
    cell = nn.sigmoid(forget_gate) * cell + nn.sigmoid(input_gate) * jnp.tanh(candidate)
    return nn.sigmoid(output_gate) * jnp.tanh(cell), cell


def skew(features):
    """``[B, H, W, F]`` → ``[B, H, W + H − 1, F]``, row r shifted right by r (zeros elsewhere)."""
    batch, height, width, channels = features.shape
    # Rows padded to W + H, read back as rows of W + H − 1: row r starts r places further right.
    padded = jnp.pad(features, ((0, 0), (0, 0), (0, height), (0, 0)))
    flat = padded.reshape(batch, height * (width + height), channels)
    return flat[:, : height * (width + height - 1)].reshape(
        batch, height, width + height - 1, channels
    )


def unskew(skewed, width: int):
    """The inverse of ``skew``: ``[B, H, W + H − 1, F]`` → ``[B, H, W, F]``."""
    batch, height, skewed_width, channels = skewed.shape
    flat = skewed.reshape(batch, height * skewed_width, channels)
    flat = jnp.pad(flat, ((0, 0), (0, height), (0, 0)))
    return flat.reshape(batch, height, skewed_width + 1, channels)[:, :, :width]


class RowLSTM(nn.Module):
    """The Row LSTM of the module docstring: ``[B, H, W, F]`` → h states ``[B, H, W, hidden]``.

    ``groups`` is the number of colour channels; ``hidden`` and F must be multiples of it."""

    hidden: int
    groups: int

    @nn.compact
    def __call__(self, features):
        input_gates = MaskedConv(4 * self.hidden, (1, 3), "B", self.groups, name="input_to_state")
        input_gates = input_gates(features)
        kernel = self.param(
            "state_to_state", nn.initializers.lecun_normal(), (3, self.hidden, 4 * self.hidden)
        )
        kernel = kernel.reshape(3 * self.hidden, 4 * self.hidden)
        batch, _, width, _ = features.shape

        def step(carry, row_gates):
            hidden, cell = carry
            padded = jnp.pad(hidden, ((0, 0), (1, 1), (0, 0)))
            neighbours = jnp.concatenate([padded[:, k : k + width] for k in range(3)], axis=-1)
            hidden, cell = lstm_update(row_gates + neighbours @ kernel, cell, self.groups)
            return (hidden, cell), hidden

        zeros = jnp.zeros((batch, width, self.hidden), input_gates.dtype)
        _, hiddens = jax.lax.scan(step, (zeros, zeros), jnp.moveaxis(input_gates, 1, 0))
        return jnp.moveaxis(hiddens, 0, 1)


class DiagonalLSTM(nn.Module):
    """One direction of the Diagonal BiLSTM (module docstring): ``[B, H, W, F]`` → h states
    ``[B, H, W, hidden]``, the state at (r, c) seeing the pixels (r' ≤ r, c' ≤ c)."""

    hidden: int
    groups: int

    @nn.compact
    def __call__(self, features):
        batch, height, width, _ = features.shape
        input_gates = MaskedConv(4 * self.hidden, (1, 1), "B", self.groups, name="input_to_state")
        input_gates = skew(input_gates(features))
        kernel = self.param(
            "state_to_state", nn.initializers.lecun_normal(), (2, self.hidden, 4 * self.hidden)
        )
        kernel = kernel.reshape(2 * self.hidden, 4 * self.hidden)

        def step(carry, column_gates):
            hidden, cell = carry
            above = jnp.pad(hidden[:, :-1], ((0, 0), (1, 0), (0, 0)))
            neighbours = jnp.concatenate([above, hidden], axis=-1)
            hidden, cell = lstm_update(column_gates + neighbours @ kernel, cell, self.groups)
            return (hidden, cell), hidden

        zeros = jnp.zeros((batch, height, self.hidden), input_gates.dtype)
        _, hiddens = jax.lax.scan(step, (zeros, zeros), jnp.moveaxis(input_gates, 2, 0))
        return unskew(jnp.moveaxis(hiddens, 0, 2), width)


class DiagonalBiLSTM(nn.Module):
    """Two ``DiagonalLSTM`` directions, the right-to-left one shifted down a row and added:
    ``[B, H, W, F]`` → ``[B, H, W, hidden]``."""

    hidden: int
    groups: int

    @nn.compact
    def __call__(self, features):
        left_to_right = DiagonalLSTM(self.hidden, self.groups, name="left_to_right")(features)
        right_to_left = DiagonalLSTM(self.hidden, self.groups, name="right_to_left")
        right_to_left = right_to_left(features[:, :, ::-1])[:, :, ::-1]
        # Row r of the right-to-left pass sees row r to the right of (r, c): use row r − 1's.
        right_to_left = jnp.pad(right_to_left[:, :-1], ((0, 0), (1, 0), (0, 0), (0, 0)))
        return left_to_right + right_to_left


class PixelRNN(nn.Module):
    """A PixelRNN over images ``[batch, H, W, C]`` with values in {0, …, levels − 1}.

    ``shape`` is (H, W, C); ``cell`` is ``"row"`` (Row LSTM) or ``"diagonal"`` (Diagonal
    BiLSTM, the default: the better of the two in the paper); ``hidden`` (h, a multiple of C)
    and ``layers`` default to the paper's networks (module docstring). One module with a
    ``cell`` switch rather than two classes: the two models differ only in the LSTM layer, and
    everything else (masks, residuals, output, sampling) is shared. ``__call__`` is
    ``log_prob``.
    """

    shape: Sequence[int]
    levels: int = 2
    cell: str = "diagonal"
    hidden: int | None = None
    layers: int | None = None

    def setup(self):
        shape = tuple(self.shape)
        if len(shape) != 3 or not all(isinstance(s, int | np.integer) and s > 0 for s in shape):
            raise ValueError(
                f"PixelRNN needs shape (height, width, channels) of positive ints, got {shape}"
            )
        if self.levels < 2:
            raise ValueError(f"PixelRNN needs levels >= 2 values per channel, got {self.levels}")
        if self.cell not in CELLS:
            raise ValueError(f"unknown PixelRNN cell {self.cell!r}; choose 'row' or 'diagonal'")
        channels = shape[2]
        hidden = self.hidden
        if hidden is None:
            hidden = 16 if channels == 1 else math.ceil(128 / channels) * channels
        layers = self.layers if self.layers is not None else (7 if channels == 1 else 12)
        if hidden < 1 or hidden % channels:
            raise ValueError(
                f"PixelRNN needs hidden, a positive multiple of the {channels} channels (the "
                f"units split into colour groups), got {hidden}"
            )
        if layers < 1:
            raise ValueError(f"PixelRNN needs layers >= 1 LSTM layers, got {layers}")
        lstm = RowLSTM if self.cell == "row" else DiagonalBiLSTM
        features = 2 * hidden
        self.input_conv = MaskedConv(features, (7, 7), "A", channels)
        self.lstms = [lstm(hidden, channels) for _ in range(layers)]
        self.residual_convs = [MaskedConv(features, (1, 1), "B", channels) for _ in range(layers)]
        self.output_hidden = MaskedConv(features, (1, 1), "B", channels)
        logits_per_value = 1 if self.levels == 2 else self.levels
        self.output_logits = MaskedConv(channels * logits_per_value, (1, 1), "B", channels)

    def _check_images(self, x, where: str):
        height, width, channels = self.shape
        if x.ndim != 4 or tuple(x.shape[1:]) != (height, width, channels):
            raise ValueError(
                f"{where} needs images x [batch, {height}, {width}, {channels}] (the model's "
                f"shape), got shape {tuple(x.shape)}"
            )

    def _logits(self, x):
        """Logits for unchecked images ``[batch, H, W, C]`` (module docstring layout)."""
        dtype = x.dtype if jnp.issubdtype(x.dtype, jnp.floating) else jnp.result_type(float)
        features = self.input_conv(x.astype(dtype) * (2 / (self.levels - 1)) - 1)
        for lstm, residual_conv in zip(self.lstms, self.residual_convs, strict=True):
            features = features + residual_conv(lstm(features))
        logits = self.output_logits(nn.relu(self.output_hidden(nn.relu(features))))
        if self.levels == 2:
            return logits
        return logits.reshape(*logits.shape[:-1], self.shape[2], self.levels)

    def logits(self, x):
        """For x ``[batch, H, W, C]``: ``[batch, H, W, C]`` logits of p(x = 1 | earlier values)
        if levels == 2, else ``[batch, H, W, C, levels]`` softmax logits."""
        self._check_images(x, "PixelRNN.logits")
        return self._logits(x)

    def log_prob(self, x):
        """log p(x) in nats for x ``[batch, H, W, C]`` in {0, …, levels − 1}: ``[batch]``."""
        self._check_images(x, "PixelRNN.log_prob")
        logits = self._logits(x)
        if self.levels == 2:
            return bernoulli_log_prob(logits, x.astype(logits.dtype))
        return categorical_log_prob(logits, x)

    def __call__(self, x):
        return self.log_prob(x)

    def sample(self, key, n: int, progress: Callable[[int], None] | None = None):
        """``n`` images ``[n, H, W, C]`` of values in {0, …, levels − 1} (float, the params'
        dtype), drawn value by value in raster order; ``progress(k)`` is called at value k."""
        orderings.check_sample_count(n, "PixelRNN.sample")
        num_values = int(np.prod(self.shape))
        dtype = self.output_logits.variables["params"]["conv"]["bias"].dtype

        def draw(k, canvas):
            if progress is not None:
                jax.debug.callback(progress, k)
            logits = self._logits(canvas).reshape(n, num_values, -1)[:, k]
            value_key = jax.random.fold_in(key, k)
            if self.levels == 2:
                value = jax.random.bernoulli(value_key, nn.sigmoid(logits[:, 0]))
            else:
                value = jax.random.categorical(value_key, logits)
            flat = canvas.reshape(n, num_values).at[:, k].set(value.astype(dtype))
            return flat.reshape(canvas.shape)

        return jax.lax.fori_loop(0, num_values, draw, jnp.zeros((n, *self.shape), dtype))
