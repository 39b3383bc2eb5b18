"""Puzzle-GAN's networks: a part encoder, a mask generator, an image generator, a discriminator.

Lee, Yun, Choi, Yoo, Yang & Oh 2018, "Unsupervised Holistic Image Generation from Key Local
Patches", ECCV, §3 (Fig. 2), as in the authors' PyTorch code (``models/networks.py``, the
U-Net variant: ``PartEncoderU``, ``MaskGeneratorU``, ``ImageGeneratorU``, ``DiscriminatorU``).
With width w, F the encoding size and n upsamplings (H = W = s·2^n):

- ``PartEncoder(parts [N, p, p, C]) → [N, F]``: Conv 3×3 w → LeakyReLU 0.2 → Conv 3×3 stride 2,
  2w → LeakyReLU 0.2 → flatten → Dense F. One encoder, shared by every part (the paper's
  Siamese encoders); a set of parts is encoded as the *sum* of its parts' encodings (the code's
  ``part_enc1 + part_enc2 + part_enc3``), so the encoding ignores the parts' order, and the
  empty set encodes to 0 (``encode_parts``).
- ``MaskGenerator(encoding [B, F]) → (mask [B, H, W, 1] in (0, 1), features)``: Dense to
  s × s × 2^n·w → ReLU; per upsampling i = n − 1 .. 0: ×2 nearest upsampling → Conv 3×3
  2^i·w → ReLU; Conv 3×3 to 1 → sigmoid. ``features`` are its activations at every resolution,
  coarsest first.
- ``ImageGenerator(encoding, z [B, Z], mask features) → images [B, H, W, C] in [−1, 1]``: the
  same decoder on [encoding, z], each resolution's activations concatenated with the mask
  generator's of the same resolution before the next layer (the code feeds the mask decoder's
  outputs into the image decoder), then Conv 3×3 to C → tanh.
- ``PartsDiscriminator(images) → logits [B]``: per downsampling, Conv 3×3 stride 2 of 2^i·w →
  LeakyReLU 0.2; flatten → Dense 1.

Differences from the authors' code: upsampling is nearest neighbour then a 3×3 convolution,
not a transposed convolution (XLA's CPU gradient of those is ~20× slower,
``../shared/STACK-FACTS.md``, and the checkerboard-free form is as good at these sizes); there
is no batch normalization (so the model state stays empty, as StarGAN's); each part is
encoded at its own size p × p instead of being resized to the whole image's size first; the
sizes are smaller (``jaxgen.recipes.parts_to_whole``).
"""

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxgen.nn.initializers import lecun_normal


def _conv(features, stride=1):
    return nn.Conv(features, (3, 3), strides=(stride, stride), kernel_init=lecun_normal())


def _upsample(x):
    return jnp.repeat(jnp.repeat(x, 2, axis=1), 2, axis=2)


def _check_size(image_size, num_upsamplings, what):
    factor = 2**num_upsamplings
    if image_size % factor or image_size // factor < 1:
        raise ValueError(
            f"{what} needs image_size divisible by 2^num_upsamplings = {factor}, got {image_size}"
        )
    return image_size // factor


class PartEncoder(nn.Module):
    """``parts [N, p, p, C] → encodings [N, features]`` (module docstring)."""

    features: int = 64
    width: int = 32

    @nn.compact
    def __call__(self, parts):
        if parts.ndim != 4:
            raise ValueError(f"PartEncoder needs parts [N, p, p, C], got shape {parts.shape}")
        y = nn.leaky_relu(_conv(self.width)(parts), 0.2)
        y = nn.leaky_relu(_conv(2 * self.width, stride=2)(y), 0.2)
        return nn.Dense(self.features, kernel_init=lecun_normal())(y.reshape(y.shape[0], -1))


class _Decoder(nn.Module):
    """Dense to s × s × 2^n·w, then n (upsample, Conv 3×3, ReLU) stages; returns every
    resolution's activations, coarsest first, each concatenated with ``skips[i]`` if given."""

    image_size: int
    width: int
    num_upsamplings: int

    @nn.compact
    def __call__(self, inputs, skips=None):
        base = _check_size(self.image_size, self.num_upsamplings, "the parts decoders")
        channels = self.width * 2**self.num_upsamplings
        y = nn.Dense(base * base * channels, kernel_init=lecun_normal())(inputs)
        y = nn.relu(y.reshape(inputs.shape[0], base, base, channels))
        activations = []
        for level, i in enumerate(reversed(range(self.num_upsamplings))):
            activations.append(y)
            if skips is not None:
                y = jnp.concatenate([y, skips[level]], axis=-1)
            y = nn.relu(_conv(self.width * 2**i)(_upsample(y)))
        activations.append(y)
        if skips is not None:
            y = jnp.concatenate([y, skips[-1]], axis=-1)
        return y, activations


class MaskGenerator(nn.Module):
    """``encoding [B, F] → (mask [B, H, W, 1] in (0, 1), features per resolution)``."""

    image_size: int
    width: int = 32
    num_upsamplings: int = 2

    @nn.compact
    def __call__(self, encoding):
        y, features = _Decoder(self.image_size, self.width, self.num_upsamplings)(encoding)
        return nn.sigmoid(nn.Conv(1, (3, 3), kernel_init=lecun_normal())(y)), features


class ImageGenerator(nn.Module):
    """``(encoding [B, F], z [B, Z], mask features) → images [B, H, W, channels]``."""

    image_size: int
    channels: int = 1
    width: int = 32
    num_upsamplings: int = 2

    @nn.compact
    def __call__(self, encoding, z, mask_features):
        inputs = jnp.concatenate([encoding, z], axis=-1)
        decoder = _Decoder(self.image_size, self.width, self.num_upsamplings)
        y, _ = decoder(inputs, skips=mask_features)
        return jnp.tanh(nn.Conv(self.channels, (3, 3), kernel_init=lecun_normal())(y))


class PartsDiscriminator(nn.Module):
    """``images [B, H, W, C] → logits [B]``."""

    width: int = 32
    num_downsamplings: int = 2

    @nn.compact
    def __call__(self, images):
        y = images
        for i in range(self.num_downsamplings):
            y = nn.leaky_relu(_conv(self.width * 2**i, stride=2)(y), 0.2)
        return nn.Dense(1, kernel_init=lecun_normal())(y.reshape(y.shape[0], -1))[:, 0]


def encode_parts(encoder, params, parts: jax.Array, present: jax.Array) -> jax.Array:
    """``Σ_i present[b, i]·E(parts[b, i])``: ``parts`` ``[B, P, p, p, C]`` and ``present``
    ``[B, P]`` (1 for a given part, 0 for an absent one) → ``[B, F]``. With nothing present it
    is 0: the empty set's encoding."""
    batch, count = parts.shape[:2]
    encodings = encoder.apply({"params": params}, parts.reshape(batch * count, *parts.shape[2:]))
    encodings = encodings.reshape(batch, count, -1)
    return jnp.einsum("bpf,bp->bf", encodings, present.astype(encodings.dtype))
