"""CycleGAN's networks: the ResNet-block generator and the PatchGAN discriminator.

Zhu, Park, Isola & Efros 2017, "Unpaired Image-to-Image Translation using Cycle-Consistent
Adversarial Networks", ICCV, §4 and Appendix 7.2, as in the authors' PyTorch code
(``networks.py``: ``ResnetGenerator``, ``NLayerDiscriminator``). With ``width`` w:

- ``ResnetGenerator`` (the paper's c7s1-64, d128, d256, R256 × 9, u128, u64, c7s1-3 at w = 64,
  two downsamplings, nine blocks): reflection pad 3 → Conv 7×7 w → IN → ReLU; per downsampling
  i = 1 .. n: Conv 3×3 stride 2 of w·2^i → IN → ReLU; ``num_blocks`` residual blocks
  x + IN(Conv(ReLU(IN(Conv(x))))) (3×3 convolutions after reflection pad 1); per upsampling:
  ConvTranspose 3×3 stride 2 → IN → ReLU; reflection pad 3 → Conv 7×7 to the image channels
  → tanh. IN is instance normalization without scale or bias (the code's ``affine=False``).
- ``PatchGAN`` (the 70×70 PatchGAN at w = 64 and three downsamplings): Conv 4×4 stride 2 of w
  → LeakyReLU 0.2 (no norm); per further downsampling Conv 4×4 stride 2 of w·min(2^n, 8) → IN →
  LeakyReLU; Conv 4×4 stride 1 of w·min(2^n, 8) → IN → LeakyReLU; Conv 4×4 stride 1 to one
  output per patch. Every 4×4 convolution pads 1 on each side, so a side s becomes
  ⌊s / 2⌋ per downsampling and then s − 1 twice: a 256-image gives 30×30 patches, an 8-image
  with one downsampling 2×2. It returns raw outputs ``[batch, patches_h, patches_w, 1]`` (the
  least-squares objective uses no sigmoid).

Weights are drawn from N(0, 0.02²), the code's ``init_type="normal"``; biases start at zero.
The ``tiny`` sizes for 8×8 images (``jaxgen.recipes.cyclegan``): ``ResnetGenerator(width=8,
num_downsamplings=0, num_blocks=1)`` and ``PatchGAN(width=8, num_downsamplings=1)``.
"""

import math

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxgen.nn.layers import ConvTranspose

INIT_STDDEV = 0.02
INSTANCE_NORM_EPSILON = 1e-5  # PyTorch's InstanceNorm2d


def normal_flat(stddev: float = INIT_STDDEV) -> nn.initializers.Initializer:
    """N(0, stddev²) kernels, drawn flat and reshaped (XLA's CPU backend compiles a flat draw
    several times faster than one in a 4-D kernel shape; see ``jaxgen.nn.initializers``)."""

    def init(key, shape, dtype=jnp.float32):
        return stddev * jax.random.normal(key, (math.prod(shape),), dtype).reshape(shape)

    return init


def instance_norm(x: jax.Array, epsilon: float = INSTANCE_NORM_EPSILON) -> jax.Array:
    """Each example's each channel normalized over its pixels: ``[B, H, W, C]`` → same shape
    (Ulyanov et al. 2016), biased variance as PyTorch's ``InstanceNorm2d(affine=False)``."""
    mean = jnp.mean(x, axis=(1, 2), keepdims=True)
    variance = jnp.mean(jnp.square(x - mean), axis=(1, 2), keepdims=True)
    return (x - mean) * jax.lax.rsqrt(variance + epsilon)


def reflect_pad(x: jax.Array, pad: int) -> jax.Array:
    """Reflection padding of ``pad`` pixels on each side of the two spatial axes (the edge pixel
    is not repeated, as ``torch.nn.ReflectionPad2d``); needs ``pad`` < the side."""
    return jnp.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="reflect")


def _conv(features, kernel, stride=1, padding="VALID"):
    return nn.Conv(
        features,
        (kernel, kernel),
        strides=(stride, stride),
        padding=padding,
        kernel_init=normal_flat(),
    )


class ResnetBlock(nn.Module):
    """x + IN(Conv 3×3(ReLU(IN(Conv 3×3(x))))), each convolution after reflection pad 1."""

    @nn.compact
    def __call__(self, x):
        features = x.shape[-1]
        y = nn.relu(instance_norm(_conv(features, 3)(reflect_pad(x, 1))))
        return x + instance_norm(_conv(features, 3)(reflect_pad(y, 1)))


class ResnetGenerator(nn.Module):
    """Image ``[B, H, W, C]`` in [−1, 1] → image of the same shape in [−1, 1] (module docstring).

    Attributes:
      width: channels of the first layer (the paper: 64); downsampling i has width·2^i.
      num_downsamplings: stride-2 convolutions (the paper: 2); H and W must be divisible by
        2^num_downsamplings.
      num_blocks: residual blocks at the lowest resolution (the paper: 9 at 256², 6 at 128²).
      channels: the output's channels; None for the input's.
      outer_kernel: the side of the first and the last convolution (the paper: 7; odd).
    """

    width: int = 64
    num_downsamplings: int = 2
    num_blocks: int = 9
    channels: int | None = None
    outer_kernel: int = 7

    @nn.compact
    def __call__(self, x):
        factor = 2**self.num_downsamplings
        if self.outer_kernel % 2 == 0:
            raise ValueError(f"outer_kernel must be odd, got {self.outer_kernel}")
        if x.ndim != 4 or x.shape[1] % factor or x.shape[2] % factor:
            raise ValueError(
                f"ResnetGenerator needs images [batch, H, W, C] with H and W divisible by "
                f"2^num_downsamplings = {factor}, got shape {x.shape}"
            )
        channels = x.shape[-1] if self.channels is None else self.channels
        pad = self.outer_kernel // 2
        y = nn.relu(instance_norm(_conv(self.width, self.outer_kernel)(reflect_pad(x, pad))))
        for i in range(1, self.num_downsamplings + 1):
            down = _conv(self.width * 2**i, 3, stride=2, padding=((1, 1), (1, 1)))
            y = nn.relu(instance_norm(down(y)))
        for _ in range(self.num_blocks):
            y = ResnetBlock()(y)
        for i in reversed(range(self.num_downsamplings)):
            up = ConvTranspose(self.width * 2**i, (3, 3), (2, 2), kernel_init=normal_flat())
            y = nn.relu(instance_norm(up(y)))
        return jnp.tanh(_conv(channels, self.outer_kernel)(reflect_pad(y, pad)))


class PatchGAN(nn.Module):
    """Image ``[B, H, W, C]`` → one raw output per overlapping patch ``[B, h, w, 1]`` (module
    docstring).

    Attributes:
      width: channels of the first layer (the paper: 64).
      num_downsamplings: stride-2 convolutions (the paper's 70×70 PatchGAN: 3).
    """

    width: int = 64
    num_downsamplings: int = 3

    @nn.compact
    def __call__(self, x):
        if x.ndim != 4 or min(x.shape[1:3]) // 2**self.num_downsamplings < 3:
            raise ValueError(
                f"PatchGAN with {self.num_downsamplings} downsamplings needs images [batch, H, W, "
                f"C] of side at least {3 * 2**self.num_downsamplings}, got shape {x.shape}"
            )
        pad = ((1, 1), (1, 1))
        y = nn.leaky_relu(_conv(self.width, 4, stride=2, padding=pad)(x), 0.2)
        for n in range(1, self.num_downsamplings):
            y = _conv(self.width * min(2**n, 8), 4, stride=2, padding=pad)(y)
            y = nn.leaky_relu(instance_norm(y), 0.2)
        y = _conv(self.width * min(2**self.num_downsamplings, 8), 4, padding=pad)(y)
        y = nn.leaky_relu(instance_norm(y), 0.2)
        return _conv(1, 4, padding=pad)(y)
