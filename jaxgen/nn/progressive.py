"""The growing generator and discriminator of Progressive GAN (Karras, Aila, Laine & Lehtinen
2018, "Progressive Growing of GANs for Improved Quality, Stability, and Variation").

Both networks are built for a schedule of resolutions R_0 = 4, R_1 = 8, ..., R_{S−1} (each the
double of the one before) and called at a stage s ∈ 0 .. S−1 with a fade-in weight α ∈ [0, 1]
(§3, Figure 2). Every stage's parameters exist from the start (``init`` creates all of them), so
one parameter tree serves the whole run; a stage uses blocks 0 .. s and the to-RGB / from-RGB
layers of stages s and s − 1 only, and the others receive zero gradients.

Generator, at stage s ≥ 1 (h_{s−1} the features of block s − 1, at resolution R_{s−1}):

    G_s(z) = (1 − α) · upsample(toRGB_{s−1}(h_{s−1})) + α · toRGB_s(block_s(h_{s−1}))

D, on an image x at resolution R_s, mirrors it before its blocks s − 1 .. 0:

    h = (1 − α) · fromRGB_{s−1}(avgpool(x)) + α · block_s(fromRGB_s(x))

At α = 0 a stage equals the previous one (G's output upsampled, D on the downsampled image); at
α = 1 the old to-RGB / from-RGB path has no effect. Upsampling is nearest-neighbour and
downsampling 2×2 average pooling, as in the paper (§A.1).

Layers (§4.1, §4.2 and Table 2, following the authors' ``networks.py`` in
tkarras/progressive_growing_of_gans):

- **Equalized learning rate** (``EqualizedDense``, ``EqualizedConv``): weights are drawn from
  N(0, 1) and multiplied at run time by He's constant c = gain / √fan_in (fan_in = k·k·C_in for a
  k×k convolution), gain = √2 before a leaky ReLU; the linear output layers (to-RGB and D's last
  Dense) use gain 1, as the authors' code does. The scale of each call is sown into the
  collection ``"equalized_scale"`` (a no-op unless that collection is mutable) so tests can read
  it.
- **Pixelwise feature normalization** (``pixel_norm``, Eq. 2): b = a / √(mean_c a² + 1e-8), after
  every convolution of G and on the latent z.
- **Minibatch standard deviation** (``jaxgen.nn.normalization.minibatch_stddev``, group 4) before
  D's last block.

G: z → pixel norm → Dense to 4×4×w_0 → [leaky ReLU 0.2, pixel norm] → conv 3×3 → [..]; each
block s ≥ 1: upsample ×2 → conv 3×3 → [..] → conv 3×3 → [..]; to-RGB_s: conv 1×1 to the image
channels, linear (no tanh, as the paper). D: from-RGB_s: conv 1×1 to w_s → leaky ReLU; block
s ≥ 1: conv 3×3 (w_s) → leaky ReLU → conv 3×3 (w_{s−1}) → leaky ReLU → avgpool ×2; block 0:
minibatch stddev → conv 3×3 (w_0) → leaky ReLU → Dense w_0 (the paper's 4×4 "valid"
convolution) → leaky ReLU → Dense 1, linear. Widths w_s are ``widths[s]``.
"""

import math

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxgen.nn.normalization import minibatch_stddev

SCALES = "equalized_scale"  # the collection the equalized layers sow their run-time scale into
HE_GAIN = math.sqrt(2.0)
LEAK = 0.2


def standard_normal(key, shape, dtype=jnp.float32):
    """N(0, 1) drawn flat and reshaped (fast to compile on CPU; see ``nn.initializers``)."""
    return jax.random.normal(key, (math.prod(shape),), dtype).reshape(shape)


def he_scale(fan_in: int, gain: float = HE_GAIN) -> float:
    """He's constant ``gain / √fan_in`` (√(2 / fan_in) with the default gain)."""
    return gain / math.sqrt(fan_in)


def pixel_norm(x: jax.Array, eps: float = 1e-8) -> jax.Array:
    """``x / √(mean over the last axis of x² + eps)``: each pixel's feature vector to unit RMS."""
    return x * jax.lax.rsqrt(jnp.mean(jnp.square(x), axis=-1, keepdims=True) + eps)


def upsample(x: jax.Array, factor: int = 2) -> jax.Array:
    """Nearest-neighbour upsampling of ``[B, H, W, C]`` to ``[B, H·f, W·f, C]``."""
    return jnp.repeat(jnp.repeat(x, factor, axis=1), factor, axis=2)


def downsample(x: jax.Array, factor: int = 2) -> jax.Array:
    """Average pooling of ``[B, H, W, C]`` over ``f × f`` blocks to ``[B, H/f, W/f, C]``."""
    if factor == 1:
        return x
    b, h, w, c = x.shape
    return x.reshape(b, h // factor, factor, w // factor, factor, c).mean(axis=(2, 4))


def lerp(old: jax.Array, new: jax.Array, alpha: jax.Array) -> jax.Array:
    """``(1 − α)·old + α·new``: at α = 1 exactly ``new`` (``old`` has no effect), at 0 ``old``."""
    return (1 - alpha) * old + alpha * new


class EqualizedDense(nn.Module):
    """``x [B, F_in] → x @ (c·W) + b``, W ∼ N(0, 1), c = gain / √F_in (module docstring)."""

    features: int
    gain: float = HE_GAIN

    @nn.compact
    def __call__(self, x):
        kernel = self.param("kernel", standard_normal, (x.shape[-1], self.features))
        bias = self.param("bias", nn.initializers.zeros, (self.features,))
        scale = he_scale(x.shape[-1], self.gain)
        self.sow(SCALES, "scale", scale)
        return x @ (kernel * scale) + bias


class EqualizedConv(nn.Module):
    """A ``k × k`` stride-1 SAME convolution of ``[B, H, W, C_in]`` with kernel c·W,
    W ∼ N(0, 1) ``[k, k, C_in, C_out]``, c = gain / √(k·k·C_in)."""

    features: int
    kernel_size: int = 3
    gain: float = HE_GAIN

    @nn.compact
    def __call__(self, x):
        k = self.kernel_size
        kernel = self.param("kernel", standard_normal, (k, k, x.shape[-1], self.features))
        bias = self.param("bias", nn.initializers.zeros, (self.features,))
        scale = he_scale(k * k * x.shape[-1], self.gain)
        self.sow(SCALES, "scale", scale)
        return image_patches(x, k) @ (kernel * scale).reshape(-1, self.features) + bias


def image_patches(x: jax.Array, k: int) -> jax.Array:
    """``[B, H, W, C] → [B, H, W, k·k·C]``: each pixel's zero-padded k × k neighbourhood, in the
    order (row, column, channel) of a ``[k, k, C, O]`` kernel reshaped to ``[k·k·C, O]``.

    Why not ``lax.conv``: the gradient penalty differentiates D twice, and on XLA's CPU backend
    the train step at 8×8 with ``lax.conv`` ran about ten times slower than with this form
    (second derivatives of a convolution are convolutions of transposed layouts); as slices
    and one matrix product, every derivative is a slice, a pad or a matrix product.
    """
    if k == 1:
        return x
    pad = k // 2
    padded = jnp.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    h, w = x.shape[1:3]
    shifted = [padded[:, i : i + h, j : j + w] for i in range(k) for j in range(k)]
    return jnp.concatenate(shifted, axis=-1)


def _check_stage(stage: int, num_stages: int):
    if not 0 <= stage < num_stages:
        raise ValueError(f"stage must be in 0 .. {num_stages - 1}, got {stage}")


class ProgressiveGenerator(nn.Module):
    """``z [B, latent] → images [B, R_s, R_s, channels]`` at stage s with fade-in α.

    Attributes:
      widths: w_s, the channels of each stage's block (one per resolution 4, 8, 16, ...).
      channels: the image channels.
    """

    widths: tuple[int, ...]
    channels: int = 1

    def setup(self):
        num_stages = len(self.widths)
        self.latent_dense = EqualizedDense(16 * self.widths[0])
        self.convs = [
            [EqualizedConv(width) for _ in range(1 if s == 0 else 2)]
            for s, width in enumerate(self.widths)
        ]
        self.to_rgb = [EqualizedConv(self.channels, 1, gain=1.0) for _ in range(num_stages)]

    def block(self, s, x):
        def activate(y):
            return pixel_norm(nn.leaky_relu(y, LEAK))

        if s == 0:
            x = activate(self.latent_dense(pixel_norm(x)).reshape(x.shape[0], 4, 4, -1))
        else:
            x = upsample(x)
        for conv in self.convs[s]:
            x = activate(conv(x))
        return x

    def __call__(self, z, stage: int, alpha):
        """Images at stage ``stage`` (a Python int) and fade-in ``alpha`` (a scalar)."""
        _check_stage(stage, len(self.widths))
        features = [self.block(0, z)]
        for s in range(1, stage + 1):
            features.append(self.block(s, features[-1]))
        if self.is_initializing():  # create every to-RGB layer, used or not at this stage
            for s in range(stage + 1):
                self.to_rgb[s](features[s])
        image = self.to_rgb[stage](features[stage])
        if stage == 0:
            return image
        return lerp(upsample(self.to_rgb[stage - 1](features[stage - 1])), image, alpha)


class ProgressiveDiscriminator(nn.Module):
    """``images [B, R_s, R_s, C] → critic scores [B]`` at stage s with fade-in α.

    Attributes:
      widths: w_s, as the generator's.
      group_size: the minibatch standard deviation's group size (4 in the paper).
    """

    widths: tuple[int, ...]
    group_size: int = 4

    def setup(self):
        self.from_rgb = [EqualizedConv(width, 1) for width in self.widths]
        self.convs = [
            [EqualizedConv(self.widths[0])]
            if s == 0
            else [EqualizedConv(self.widths[s]), EqualizedConv(self.widths[s - 1])]
            for s in range(len(self.widths))
        ]
        self.hidden_dense = EqualizedDense(self.widths[0])
        self.output_dense = EqualizedDense(1, gain=1.0)

    def from_image(self, s, x):
        return nn.leaky_relu(self.from_rgb[s](x), LEAK)

    def block(self, s, x):
        if s == 0:
            x = minibatch_stddev(x, self.group_size)
        for conv in self.convs[s]:
            x = nn.leaky_relu(conv(x), LEAK)
        if s == 0:
            hidden = nn.leaky_relu(self.hidden_dense(x.reshape(x.shape[0], -1)), LEAK)
            return self.output_dense(hidden)[:, 0]
        return downsample(x)

    def __call__(self, x, stage: int, alpha):
        """Scores of ``x`` at stage ``stage`` (a Python int) and fade-in ``alpha``."""
        _check_stage(stage, len(self.widths))
        if self.is_initializing():  # create every from-RGB layer, used or not at this stage
            for s in range(stage - 1):
                self.from_image(s, downsample(x, 2 ** (stage - s)))
        h = self.block(stage, self.from_image(stage, x))
        if stage:
            h = lerp(self.from_image(stage - 1, downsample(x)), h, alpha)
        for s in range(stage - 1, -1, -1):
            h = self.block(s, h)
        return h
