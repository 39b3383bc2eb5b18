"""PixelCNN (van den Oord, Kalchbrenner & Kavukcuoglu 2016, "Pixel Recurrent Neural Networks",
ICML, §3.5, Table 1 and Figure 5) and the gated PixelCNN (van den Oord, Kalchbrenner, Vinyals,
Espeholt, Graves & Kavukcuoglu 2016, "Conditional Image Generation with PixelCNN Decoders",
NeurIPS, §2.1–2.3, Equations 2 and 4, Figure 2).

Both model an image x ``[H, W, C]`` of values in {0, …, L − 1} in raster order, row by row
and left to right, channels R → G → B within a pixel:

    p(x) = Π_{r,c,ch} p(x_{r,c,ch} | every pixel before (r, c), channels < ch of (r, c)),

each conditional a Bernoulli (L = 2: one logit, ``bernoulli_log_prob``) or an L-way softmax
(L logits, ``categorical_log_prob``; L = 256 for 8-bit images). One pass of a convolutional
network whose receptive fields respect the order gives all H·W·C conditionals, so log p(x) is
exact and costs one pass. The network sees x rescaled to [−1, 1], x·2/(L − 1) − 1. Its last
layer has C·L' features (L' = 1 for L = 2, else L) in C contiguous groups: group ch holds the
logits of channel ch. Sampling draws the H·W·C values one at a time in the order, a
``lax.fori_loop`` with one pass of the whole network per value.

PixelCNN (Table 1, first column), F = 2h features, every convolution masked
(``jaxgen.nn.masked``: features in C contiguous colour groups, mask A in the first layer, B
after):

    k×k mask A (k = ``kernel_size``, 7 in the paper), C → 2h;
    ``layers`` residual blocks (Figure 5):  y ← y + conv1×1(relu(conv3×3(relu(conv1×1(relu(y))))))
                                            with 2h → h → h → 2h features;
    relu → 1×1, 2h → 2h → relu → 1×1, 2h → C·L'  ("ReLU followed by 1×1 conv, mask B (2 layers)").

A stack of masked convolutions has a blind spot: each layer reaches one row further up and one
column further left or right, but only from pixels it already reaches, so the pixels above and
to the right of a line of slope 1 stay out of reach at any depth: with a k×k first layer and
3×3 layers after it, pixel (r − a, c + b) is never seen by the output at (r, c) when
b ≥ a + k//2 (for k = 3, already the pixel one row up and two columns right).

Gated PixelCNN (Figure 2), p = ``features`` per stack, k = ``kernel_size`` (odd), n = k//2, and
gate(a) = tanh(a_f) ⊙ σ(a_g) (Equation 2), for ``layers`` layers:

    vertical     a_v = conv_{(n+1)×k}(v), v padded with n rows on top and n columns either side,
                 so a_v at row r sees rows r − n … r of v;  v ← gate(a_v);
    link         a_v shifted down one row (row 0 gets zeros): it sees only rows < r;
    horizontal   a_h = conv_{1×(n+1)}(h) (columns c − n … c of row r, the centre tap masked A in
                 the first layer and B after) + conv1×1(shifted a_v);
                 h ← h + conv1×1_B(gate(a_h))   (no residual in the first layer);

both stacks starting from the image, then relu → 1×1 mask B, p → p → relu → 1×1 mask B,
p → C·L' as in PixelCNN. The vertical features at row r depend on the image rows ≤ r, so
they reach the output only through the shifted link; with it, after l layers the output at
(r, c) sees (at least) rows r − l·n … r − 1 in columns c − l·n … c + l·n and row r in columns
c − l·n … c − 1: every earlier pixel within reach, no blind spot. Colour groups: the vertical
stack sees only earlier rows and mixes the channels freely; the horizontal stack keeps C groups
of p/C features, each group's 2p/C pre-activations holding its own f half then its g half so
that the gate never mixes groups, and its centre taps are masked like PixelCNN's. With
``condition_size`` K > 0 a vector c ``[batch, K]`` enters every gate of both stacks through a
bias-free linear map, a_v += V_v c and a_h += V_h c (Equation 4): a per-image constant, which
changes no dependency between pixels.

Parameters (flax ``Conv`` kernels stored whole; masked-out entries never receive a gradient;
kernels start from LeCun normal over the full fan-in, biases at 0), with F = 2h, L' as above:

    PixelCNN  k²·C·F + F + layers·(F·h + h + 9·h² + h + h·F + F) + F² + F + F·C·L' + C·L';
    gated     first layer (n+1)·k·C·2p + (n+1)·C·2p + (2p)² + p² + 7p,
              each later layer (n+1)·k·p·2p + (n+1)·p·2p + (2p)² + p² + 7p,
              every layer 2·K·2p more when conditioned, then p² + p + p·C·L' + C·L'.

Defaults: PixelCNN's k = 7 first layer, 3×3 blocks and two-layer 1×1 head are the paper's
Table 1; the depth (``layers`` = 7) and width (F = 192, h = 96) are this library's choice for
28×28 images (the paper's CIFAR-10 PixelCNN is deeper and wider; F must be a multiple of 2·C,
h of C). The gated defaults (p = 96, 7 layers, 5×5) are likewise this library's; the paper
does not use the gated model on binarized MNIST.
"""

from collections.abc import Callable, Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

from jaxgen.nn import orderings
from jaxgen.nn.distributions import bernoulli_log_prob, categorical_log_prob
from jaxgen.nn.masked import MaskedConv, conv_mask


def _check_shape(shape: Sequence[int], where: str) -> tuple[int, int, int]:
    shape = tuple(shape)
    if len(shape) != 3 or not all(isinstance(s, int | np.integer) and s > 0 for s in shape):
        raise ValueError(
            f"{where}: shape is (height, width, channels) of positive integers, got {shape}"
        )
    return tuple(int(s) for s in shape)


def _check_levels(levels: int, where: str) -> None:
    if isinstance(levels, bool) or not isinstance(levels, int | np.integer) or levels < 2:
        raise ValueError(
            f"{where}: levels (values per channel) must be an int >= 2, got {levels!r}"
        )


def _check_images(x, shape: tuple[int, int, int], levels: int, where: str) -> None:
    if x.ndim != 4 or tuple(x.shape[1:]) != shape:
        raise ValueError(
            f"{where} needs images x [batch, {shape[0]}, {shape[1]}, {shape[2]}] (the model's "
            f"shape) of values in {{0, …, {levels - 1}}}, got shape {tuple(x.shape)}"
        )


def _network_input(x, levels: int):
    """Values in {0, …, levels − 1} → [−1, 1], in x's float dtype (float32 for integer x)."""
    values = jnp.asarray(x)
    if not jnp.issubdtype(values.dtype, jnp.floating):
        values = values.astype(jnp.float32)
    return values * (2 / (levels - 1)) - 1


def _logits_per_value(levels: int) -> int:
    return 1 if levels == 2 else levels


def _split_logits(outputs, levels: int):
    """``[batch, H, W, C·L']`` in C contiguous groups → ``[batch, H, W, C]`` (L = 2) or
    ``[batch, H, W, C, L]``."""
    *batch, features = outputs.shape
    logits = outputs.reshape(*batch, features // _logits_per_value(levels), -1)
    return logits[..., 0] if levels == 2 else logits


def _log_prob(logits, x, levels: int):
    if levels == 2:
        return bernoulli_log_prob(logits, x)
    return categorical_log_prob(logits, x)


def _sample(logits_fn, key, n: int, shape, levels: int, dtype, progress):
    """``n`` images drawn value by value in raster order, R → G → B within a pixel; each step
    runs ``logits_fn`` (images → logits, the layout of ``_split_logits``) on the canvas."""
    height, width, channels = shape

    def draw(k, canvas):
        if progress is not None:
            jax.debug.callback(progress, k)
        row, column, channel = k // (width * channels), k // channels % width, k % channels
        logits = logits_fn(canvas)[:, row, column, channel]
        position_key = jax.random.fold_in(key, k)
        if levels == 2:
            value = jax.random.bernoulli(position_key, jax.nn.sigmoid(logits))
        else:
            value = jax.random.categorical(position_key, logits)
        return canvas.at[:, row, column, channel].set(value.astype(dtype))

    canvas = jnp.zeros((n, height, width, channels), dtype)
    return jax.lax.fori_loop(0, height * width * channels, draw, canvas)


class ResidualBlock(nn.Module):
    """PixelCNN's residual block (Figure 5): relu → 1×1 → relu → 3×3 → relu → 1×1, mask B,
    ``2·hidden`` → ``hidden`` → ``hidden`` → ``2·hidden`` features, added to the input."""

    hidden: int
    groups: int

    @nn.compact
    def __call__(self, x):
        y = MaskedConv(self.hidden, (1, 1), "B", self.groups, name="narrow")(nn.relu(x))
        y = MaskedConv(self.hidden, (3, 3), "B", self.groups, name="spatial")(nn.relu(y))
        return x + MaskedConv(x.shape[-1], (1, 1), "B", self.groups, name="widen")(nn.relu(y))


class PixelCNN(nn.Module):
    """PixelCNN over images ``[batch, H, W, C]`` of values in {0, …, ``levels`` − 1}.

    ``shape`` is (H, W, C); ``features`` is 2h, a multiple of 2·C; ``layers`` residual blocks
    follow a ``kernel_size`` × ``kernel_size`` mask-A layer. ``__call__`` is ``log_prob``.
    """

    shape: Sequence[int]
    levels: int = 2
    features: int = 192
    layers: int = 7
    kernel_size: int = 7

    def setup(self):
        height, width, channels = _check_shape(self.shape, "PixelCNN")
        _check_levels(self.levels, "PixelCNN")
        if self.features < 1 or self.features % (2 * channels):
            raise ValueError(
                f"PixelCNN: features={self.features} (2h) must be a positive multiple of "
                f"2·C = {2 * channels}, so that 2h and h split into the C colour groups"
            )
        if self.layers < 0:
            raise ValueError(f"PixelCNN: layers (residual blocks) must be >= 0, got {self.layers}")
        if self.kernel_size < 1 or self.kernel_size % 2 == 0:
            raise ValueError(
                f"PixelCNN: kernel_size must be a positive odd int, got {self.kernel_size}"
            )
        kernel = (self.kernel_size, self.kernel_size)
        self.input_layer = MaskedConv(self.features, kernel, "A", channels)
        self.blocks = [ResidualBlock(self.features // 2, channels) for _ in range(self.layers)]
        self.hidden_layer = MaskedConv(self.features, (1, 1), "B", channels)
        self.output_layer = MaskedConv(
            channels * _logits_per_value(self.levels), (1, 1), "B", channels
        )

    def _logits(self, x):
        features = self.input_layer(_network_input(x, self.levels))
        for block in self.blocks:
            features = block(features)
        features = self.hidden_layer(nn.relu(features))
        return _split_logits(self.output_layer(nn.relu(features)), self.levels)

    def logits(self, x):
        """Logits of each value's conditional for x ``[batch, H, W, C]``: ``[batch, H, W, C]``
        (the logit of 1) for ``levels`` = 2, else ``[batch, H, W, C, levels]``."""
        _check_images(x, tuple(self.shape), self.levels, "PixelCNN.logits")
        return self._logits(x)

    def log_prob(self, x):
        """log p(x) in nats for x ``[batch, H, W, C]``: ``[batch]``."""
        _check_images(x, tuple(self.shape), self.levels, "PixelCNN.log_prob")
        return _log_prob(self._logits(x), x, self.levels)

    def __call__(self, x):
        return self.log_prob(x)

    def sample(self, key, n: int, progress: Callable[[int], None] | None = None):
        """``n`` images ``[n, H, W, C]`` (float, values in {0, …, levels − 1}), drawn value by
        value in raster order; ``progress(k)`` is called at each position k if given."""
        orderings.check_sample_count(n, "PixelCNN.sample")
        dtype = jax.tree.leaves(self.variables["params"])[0].dtype
        return _sample(self._logits, key, n, tuple(self.shape), self.levels, dtype, progress)


def gate(preactivations, groups: int):
    """tanh(a_f) ⊙ σ(a_g) (Equation 2) for ``[..., 2p]`` pre-activations in ``groups``
    contiguous colour groups of 2p/groups, each its f half then its g half: ``[..., p]``, in
    ``groups`` contiguous groups of p/groups."""
    *batch, features = preactivations.shape
    pairs = preactivations.reshape(*batch, groups, 2, features // (2 * groups))
    gated = jnp.tanh(pairs[..., 0, :]) * jax.nn.sigmoid(pairs[..., 1, :])
    return gated.reshape(*batch, features // 2)


class HorizontalConv(nn.Module):
    """A 1 × ``width`` convolution over columns c − width + 1 … c of each row (NHWC, padded on
    the left), its last (centre) tap masked like ``masked.conv_mask``'s centre tap."""

    features: int
    width: int
    mask_type: str
    groups: int

    @nn.compact
    def __call__(self, x):
        mask = np.ones((1, self.width, x.shape[-1], self.features), bool)
        mask[0, -1] = conv_mask((1, 1), x.shape[-1], self.features, self.mask_type, self.groups)
        padding = ((0, 0), (self.width - 1, 0))
        return nn.Conv(self.features, (1, self.width), padding=padding, mask=mask, name="conv")(x)


class GatedLayer(nn.Module):
    """One layer of both stacks of the gated PixelCNN (Figure 2, module docstring):
    ``(vertical, horizontal, condition) → (vertical, horizontal)``, p = ``features`` each."""

    features: int
    kernel_size: int
    groups: int
    first: bool

    @nn.compact
    def __call__(self, vertical, horizontal, condition):
        reach = self.kernel_size // 2
        both = 2 * self.features
        vertical_pre = nn.Conv(
            both,
            (reach + 1, self.kernel_size),
            padding=((reach, 0), (reach, reach)),
            name="vertical",
        )(vertical)
        horizontal_pre = HorizontalConv(
            both, reach + 1, "A" if self.first else "B", self.groups, name="horizontal"
        )(horizontal)
        if condition is not None:
            vertical_pre += nn.Dense(both, use_bias=False, name="condition_vertical")(condition)[
                :, None, None
            ]
            horizontal_pre += nn.Dense(both, use_bias=False, name="condition_horizontal")(
                condition
            )[:, None, None]
        rows_above = jnp.pad(vertical_pre, ((0, 0), (1, 0), (0, 0), (0, 0)))[:, :-1]
        horizontal_pre += nn.Conv(both, (1, 1), name="vertical_to_horizontal")(rows_above)
        update = MaskedConv(self.features, (1, 1), "B", self.groups, name="horizontal_out")(
            gate(horizontal_pre, self.groups)
        )
        horizontal = update if self.first else horizontal + update
        return gate(vertical_pre, self.groups), horizontal


class GatedPixelCNN(nn.Module):
    """Gated PixelCNN over images ``[batch, H, W, C]`` of values in {0, …, ``levels`` − 1}.

    ``shape`` is (H, W, C); ``features`` (p, a multiple of C) per stack; ``layers`` gated
    layers with ``kernel_size`` k (odd, >= 3); ``condition_size`` K > 0 makes every method take
    ``condition`` ``[batch, K]`` (``[n, K]`` for ``sample``). ``__call__`` is ``log_prob``.
    """

    shape: Sequence[int]
    levels: int = 2
    features: int = 96
    layers: int = 7
    kernel_size: int = 5
    condition_size: int = 0

    def setup(self):
        height, width, channels = _check_shape(self.shape, "GatedPixelCNN")
        _check_levels(self.levels, "GatedPixelCNN")
        if self.features < 1 or self.features % channels:
            raise ValueError(
                f"GatedPixelCNN: features={self.features} must be a positive multiple of "
                f"C = {channels}, so that they split into the C colour groups"
            )
        if self.layers < 1:
            raise ValueError(f"GatedPixelCNN: layers must be >= 1, got {self.layers}")
        if self.kernel_size < 3 or self.kernel_size % 2 == 0:
            raise ValueError(
                f"GatedPixelCNN: kernel_size must be an odd int >= 3, got {self.kernel_size}"
            )
        if self.condition_size < 0:
            raise ValueError(
                f"GatedPixelCNN: condition_size must be >= 0, got {self.condition_size}"
            )
        self.stack = [
            GatedLayer(self.features, self.kernel_size, channels, first=index == 0)
            for index in range(self.layers)
        ]
        self.hidden_layer = MaskedConv(self.features, (1, 1), "B", channels)
        self.output_layer = MaskedConv(
            channels * _logits_per_value(self.levels), (1, 1), "B", channels
        )

    def _check_condition(self, condition, batch: int, where: str) -> None:
        if self.condition_size == 0:
            if condition is not None:
                raise ValueError(
                    f"{where} got a condition but the model has condition_size=0; build it "
                    f"with condition_size=K to condition on [batch, K] vectors"
                )
        elif condition is None or condition.shape != (batch, self.condition_size):
            got = None if condition is None else tuple(condition.shape)
            raise ValueError(
                f"{where} needs condition [{batch}, {self.condition_size}] (batch, "
                f"condition_size), got {got}"
            )

    def _logits(self, x, condition):
        vertical = horizontal = _network_input(x, self.levels)
        for layer in self.stack:
            vertical, horizontal = layer(vertical, horizontal, condition)
        features = self.hidden_layer(nn.relu(horizontal))
        return _split_logits(self.output_layer(nn.relu(features)), self.levels)

    def logits(self, x, condition=None):
        """Logits of each value's conditional for x ``[batch, H, W, C]``: ``[batch, H, W, C]``
        (the logit of 1) for ``levels`` = 2, else ``[batch, H, W, C, levels]``."""
        _check_images(x, tuple(self.shape), self.levels, "GatedPixelCNN.logits")
        self._check_condition(condition, x.shape[0], "GatedPixelCNN.logits")
        return self._logits(x, condition)

    def log_prob(self, x, condition=None):
        """log p(x | condition) in nats for x ``[batch, H, W, C]``: ``[batch]``."""
        _check_images(x, tuple(self.shape), self.levels, "GatedPixelCNN.log_prob")
        self._check_condition(condition, x.shape[0], "GatedPixelCNN.log_prob")
        return _log_prob(self._logits(x, condition), x, self.levels)

    def __call__(self, x, condition=None):
        return self.log_prob(x, condition)

    def sample(self, key, n: int, progress: Callable[[int], None] | None = None, *, condition=None):
        """``n`` images ``[n, H, W, C]`` (float, values in {0, …, levels − 1}), drawn value by
        value in raster order, given ``condition`` ``[n, K]`` if the model is conditioned;
        ``progress(k)`` is called at each position k if given."""
        orderings.check_sample_count(n, "GatedPixelCNN.sample")
        self._check_condition(condition, n, "GatedPixelCNN.sample")
        dtype = jax.tree.leaves(self.variables["params"])[0].dtype
        logits_fn = lambda canvas: self._logits(canvas, condition)
        return _sample(logits_fn, key, n, tuple(self.shape), self.levels, dtype, progress)
