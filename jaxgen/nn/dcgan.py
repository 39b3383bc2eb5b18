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

``dtype`` is the computation's type (``jnp.bfloat16`` on GPU/TPU or a CPU with AMX): the
layers compute in it while the parameters stay float32 (Flax's ``param_dtype``), batch-norm
statistics are reduced in float32, and the outputs (images, logits, features) are float32.
"""

from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxgen.nn.conditioning import ConditionalBatchNorm
from jaxgen.nn.improved_gan import (
    MinibatchDiscrimination,
    VirtualBatchNorm,
    split_reference,
    with_reference,
)
from jaxgen.nn.initializers import lecun_normal
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
    """z [B, latent] → images [B, resolution, resolution, channels] in [−1, 1].

    ``virtual_batch_norm`` = R > 0 replaces batch norm by virtual batch norm (Salimans et al.
    2016 §3.4; ``jaxgen.nn.improved_gan.VirtualBatchNorm``): a reference batch of R latents,
    drawn once at initialization and kept in the collection ``"vbn"`` (model state, so it is
    checkpointed), is forwarded on top of every batch, and each example is normalized with the
    reference's statistics and its own, so that its image does not depend on the rest of its
    batch. The generator then costs (R + B)/B times as much.

    ``num_classes`` = K > 0 makes it class-conditional through conditional batch norm
    (``jaxgen.nn.conditioning.ConditionalBatchNorm``): it then takes ``labels [B]`` in 0..K−1.

    ``dense_width`` > 0 inserts a fully connected layer of that many units (normalized, ReLU)
    between z and the projection to the first feature map: InfoGAN's MNIST generator (Chen et
    al. 2016 appendix C.1: FC 1024 → FC 7×7×128 → deconv 64 → deconv 1, which is this module
    with ``width=64, dense_width=1024`` at 28×28).
    """

    resolution: int = 28
    channels: int = 1
    width: int = 128
    stages: int | None = None  # stride-2 layers; default from the resolution
    virtual_batch_norm: int = 0
    dtype: Any = jnp.float32
    num_classes: int = 0
    dense_width: int = 0

    @nn.compact
    def __call__(self, z, labels=None, train: bool = True):
        if (labels is None) != (self.num_classes == 0):
            raise ValueError(
                f"DCGANGenerator(num_classes={self.num_classes}) takes labels exactly when "
                "num_classes > 0"
            )
        if self.num_classes and self.virtual_batch_norm:
            raise ValueError("conditional batch norm does not combine with virtual batch norm")
        base, n = upsampling_plan(self.resolution, self.stages)
        z = z.astype(self.dtype)
        reference_size = self.virtual_batch_norm
        if reference_size:
            reference = self.variable(
                "vbn",
                "z_reference",
                lambda: jax.random.normal(self.make_rng("params"), (reference_size, z.shape[1])),
            )
            z = with_reference(reference.value, z)

        def normalize(x):
            if self.num_classes:
                return ConditionalBatchNorm(self.num_classes, dtype=self.dtype, **BATCH_NORM)(
                    x, labels, use_running_average=not train
                )
            if reference_size:
                return VirtualBatchNorm(reference_size, epsilon=BATCH_NORM["epsilon"])(x)
            return nn.BatchNorm(use_running_average=not train, dtype=self.dtype, **BATCH_NORM)(x)

        features = self.width * 2 ** (n - 1)
        if self.dense_width:
            z = nn.Dense(self.dense_width, dtype=self.dtype, kernel_init=lecun_normal())(z)
            z = nn.relu(normalize(z))
        x = nn.Dense(base * base * features, dtype=self.dtype, kernel_init=lecun_normal())(z)
        x = x.reshape(z.shape[0], base, base, features)
        x = nn.relu(normalize(x))
        for stage in range(1, n):
            x = ConvTranspose(self.width * 2 ** (n - 1 - stage), KERNEL, STRIDES)(x)
            x = nn.relu(normalize(x))
        x = nn.tanh(ConvTranspose(self.channels, KERNEL, STRIDES)(x)).astype(jnp.float32)
        return split_reference(x, reference_size)[1] if reference_size else x


NORMS = ("batch", "layer", "none")


class DCGANDiscriminator(nn.Module):
    """images [B, H, W, C] → one logit per image, shape [B].

    ``norm`` normalizes every layer but the input one: ``"batch"`` (DCGAN), ``"layer"`` (the
    WGAN-GP critic: Gulrajani et al. 2017 §4 replace batch norm, which couples the examples of
    a batch and so invalidates a per-example gradient penalty, by layer norm) or ``"none"``
    (SN-GAN's discriminator, where spectral normalization is the only constraint).
    ``minibatch_kernels`` > 0 inserts minibatch discrimination (Salimans et al. 2016 §3.2)
    before the output layer. ``dense_width`` > 0 inserts a fully connected layer of that many
    units, normalized like the others, with leaky ReLU, before the output layer (InfoGAN's MNIST
    discriminator, Chen et al. 2016 appendix C.1: FC 1024 with batch norm). ``features=True``
    also returns the input of the output layer ``[B, F]`` (feature matching, linear probes).
    """

    resolution: int = 28
    width: int = 64
    stages: int | None = None
    norm: str = "batch"
    minibatch_kernels: int = 0
    dtype: Any = jnp.float32
    dense_width: int = 0

    @nn.compact
    def __call__(self, x, train: bool = True, features: bool = False):
        if self.norm not in NORMS:
            raise ValueError(f"norm must be one of {NORMS}, got {self.norm!r}")
        _, n = upsampling_plan(self.resolution, self.stages)
        x = x.astype(self.dtype)
        for stage in range(n):
            x = nn.Conv(
                self.width * 2**stage,
                KERNEL,
                STRIDES,
                "SAME",
                dtype=self.dtype,
                kernel_init=lecun_normal(),
            )(x)
            if stage > 0 and self.norm == "batch":  # no normalization on the input layer
                x = nn.BatchNorm(use_running_average=not train, dtype=self.dtype, **BATCH_NORM)(x)
            elif stage > 0 and self.norm == "layer":
                x = nn.LayerNorm(epsilon=BATCH_NORM["epsilon"], dtype=self.dtype)(x)
            x = nn.leaky_relu(x, 0.2)
        hidden = x.reshape(x.shape[0], -1).astype(jnp.float32)
        if self.dense_width:
            hidden = nn.Dense(self.dense_width, kernel_init=lecun_normal())(hidden)
            if self.norm == "batch":
                hidden = nn.BatchNorm(use_running_average=not train, **BATCH_NORM)(hidden)
            elif self.norm == "layer":
                hidden = nn.LayerNorm(epsilon=BATCH_NORM["epsilon"])(hidden)
            hidden = nn.leaky_relu(hidden, 0.2)
        if self.minibatch_kernels:
            hidden = MinibatchDiscrimination(self.minibatch_kernels)(hidden)
        logits = nn.Dense(1, kernel_init=lecun_normal())(hidden)[:, 0]
        return (logits, hidden) if features else logits
