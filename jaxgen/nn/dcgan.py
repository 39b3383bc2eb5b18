"""DCGAN generator and discriminator (Radford et al. 2016, "Unsupervised Representation
Learning with Deep Convolutional Generative Adversarial Networks", §3 guidelines).

Strided (transposed) convolutions instead of pooling, batch norm in both networks except the
generator's output and the discriminator's input, ReLU with a tanh output in G, LeakyReLU 0.2
in D. Images are NHWC. The resolution is ``base · 2^n`` with base 4 or 7 (8, 16, 28, 32, 64):
G maps z through a Dense layer to base×base×(width·2^(n−1)) and doubles the size n times,
halving the channels; D mirrors it with stride-2 convolutions of 4×4 kernels.

At 28×28 with ``g_width=128, d_width=64`` these are DESIGN.md's ``dcgan_mnist`` reference
networks: G has 1,794,177 parameters and D 138,817.

Transposed convolutions are ``jaxgen.nn.layers.ConvTranspose`` (same parameters and values
as Flax's, fast gradients on CPU). Batch norm uses momentum 0.9 and ε = 1e-5, PyTorch's
defaults, so that running statistics match a PyTorch reference.
"""

import flax.linen as nn

from jaxgen.nn.layers import ConvTranspose

BATCH_NORM = dict(momentum=0.9, epsilon=1e-5)
KERNEL = (4, 4)
STRIDES = (2, 2)


def upsampling_plan(resolution: int, stages: int | None = None) -> tuple[int, int]:
    """``(base, n)`` with ``resolution = base · 2^n`` and n ≥ 1 stride-2 stages.

    By default base is 4 or 7 (8, 16, 28, 32, 64 → n = 1, 2, 2, 3, 4); ``stages`` sets n,
    e.g. 8×8 from a 2×2 base with ``stages=2``.
    """
    if stages is not None:
        if stages >= 1 and resolution % 2**stages == 0:
            return resolution // 2**stages, stages
        raise ValueError(f"DCGAN resolution {resolution} cannot be reached by {stages} doublings")
    for base in (4, 7):
        n, size = 0, resolution
        while size > base and size % 2 == 0:
            size //= 2
            n += 1
        if size == base and n >= 1:
            return base, n
    raise ValueError(
        "DCGAN resolution must be 4 or 7 times a power of two (8, 16, 28, 32, 64), "
        f"got {resolution}"
    )


class DCGANGenerator(nn.Module):
    """z [B, latent] → images [B, resolution, resolution, channels] in [−1, 1]."""

    resolution: int = 28
    channels: int = 1
    width: int = 128
    stages: int | None = None  # stride-2 layers; default from the resolution

    @nn.compact
    def __call__(self, z, train: bool = True):
        base, n = upsampling_plan(self.resolution, self.stages)
        features = self.width * 2 ** (n - 1)
        x = nn.Dense(base * base * features)(z)
        x = x.reshape(z.shape[0], base, base, features)
        x = nn.relu(nn.BatchNorm(use_running_average=not train, **BATCH_NORM)(x))
        for stage in range(1, n):
            x = ConvTranspose(self.width * 2 ** (n - 1 - stage), KERNEL, STRIDES)(x)
            x = nn.relu(nn.BatchNorm(use_running_average=not train, **BATCH_NORM)(x))
        x = ConvTranspose(self.channels, KERNEL, STRIDES)(x)
        return nn.tanh(x)


class DCGANDiscriminator(nn.Module):
    """images [B, H, W, C] → one logit per image, shape [B]."""

    resolution: int = 28
    width: int = 64
    stages: int | None = None

    @nn.compact
    def __call__(self, x, train: bool = True):
        _, n = upsampling_plan(self.resolution, self.stages)
        for stage in range(n):
            x = nn.Conv(self.width * 2**stage, KERNEL, STRIDES, "SAME")(x)
            if stage > 0:  # no batch norm on the input layer
                x = nn.BatchNorm(use_running_average=not train, **BATCH_NORM)(x)
            x = nn.leaky_relu(x, 0.2)
        return nn.Dense(1)(x.reshape(x.shape[0], -1))[:, 0]
