"""Masked convolutions for autoregressive image models (van den Oord, Kalchbrenner &
Kavukcuoglu 2016, "Pixel Recurrent Neural Networks", ICML, §3.4).

Pixels are generated in raster order, row by row and left to right, and the C colour channels
of a pixel in the order R → G → B. A convolution keeps this order when its kernel
``[kh, kw, in, out]`` (centre ``(kh // 2, kw // 2)``) is multiplied by a mask that

- removes every tap below the centre row and every tap right of the centre in the centre row;
- at the centre tap, splits the input and output features into C contiguous groups (group g
  of F features is features g·F/C … (g+1)·F/C − 1; the image's own channels are groups of
  one) and connects input group i to output group j only if

      mask A:  i < j   (the first layer: a pixel's channel never sees itself),
      mask B:  i ≤ j   (later layers: a feature of group j already depends only on the
                        channels before j of its pixel, so it may see its own group).

With C = 1, mask A drops the centre tap and mask B keeps it. A stack of one mask-A layer and
any number of mask-B layers (and pointwise functions) gives output group j at pixel (r, c) a
receptive field of the pixels before (r, c) in raster order plus the channels before j of
(r, c) itself: the autoregressive property, checked with Jacobians in the tests. (A stack of
such square kernels has a blind spot, right and above; the gated PixelCNN removes it.)
"""

import flax.linen as nn
import numpy as np

MASK_TYPES = ("A", "B")


def channel_groups(features: int, groups: int, what: str = "features") -> np.ndarray:
    """The colour group of each of ``features`` features: ``[features]`` ints in 0..groups−1,
    contiguous blocks of ``features // groups``."""
    if groups < 1 or features % groups:
        raise ValueError(
            f"{what}: {features} features do not split into {groups} colour groups; use a "
            f"multiple of {groups}"
        )
    return np.arange(features) // (features // groups)


def conv_mask(
    kernel_size: tuple[int, int], in_features: int, out_features: int, mask_type: str, groups: int
) -> np.ndarray:
    """The boolean mask ``[kh, kw, in, out]`` of the module docstring (True = connected)."""
    if mask_type not in MASK_TYPES:
        raise ValueError(f"mask_type must be 'A' or 'B', got {mask_type!r}")
    kh, kw = kernel_size
    if kh % 2 == 0 or kw % 2 == 0:
        raise ValueError(f"masked convolutions need odd kernel sizes, got {kernel_size}")
    row, col = kh // 2, kw // 2
    mask = np.zeros((kh, kw, in_features, out_features), bool)
    mask[:row] = True
    mask[row, :col] = True
    group_in = channel_groups(in_features, groups, "masked conv input")
    group_out = channel_groups(out_features, groups, "masked conv output")
    if mask_type == "A":
        mask[row, col] = group_in[:, None] < group_out[None, :]
    else:
        mask[row, col] = group_in[:, None] <= group_out[None, :]
    return mask


class MaskedConv(nn.Module):
    """A stride-1 ``SAME`` convolution with the mask of ``conv_mask`` (NHWC).

    ``groups`` is the number of colour channels of the image (1 or 3); ``features`` and the
    input's features must be multiples of it. The parameters are those of ``flax.linen.Conv``
    (``kernel`` stored whole; masked-out entries never receive a gradient).
    """

    features: int
    kernel_size: tuple[int, int]
    mask_type: str = "B"
    groups: int = 1

    @nn.compact
    def __call__(self, x):
        kernel_size = tuple(self.kernel_size)
        mask = conv_mask(kernel_size, x.shape[-1], self.features, self.mask_type, self.groups)
        return nn.Conv(self.features, kernel_size, padding="SAME", mask=mask, name="conv")(x)
