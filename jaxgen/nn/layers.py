"""``ConvTranspose``: a drop-in for ``flax.linen.ConvTranspose`` (padding ``"SAME"``) that
XLA's CPU backend differentiates fast.

Why: on XLA CPU the gradient of ``lax.conv_transpose`` (input dilated by the stride) is
~20× slower than oneDNN's, which made an 8×8 DCGAN step with a 256 → 128 channel layer run
at 3 steps/s instead of ~50 (STACK-FACTS.md; measured here with the dcgan_digits recipe).

How (sub-pixel convolution, Shi et al. 2016): with stride s, flax/lax's transposed
convolution with padding ``SAME`` computes, per spatial axis,

    out[o] = Σ_i x[i] · w[s·i + p − o],     p = ceil((k + s − 2) / 2)  (k − 1 if s > k − 1)

For the output phase r = o mod s, o = s·m + r, the tap index is k = s·(i − m) + p − r, so
every phase is an ordinary stride-1 correlation of x with the taps k ≡ p − r (mod s) at
offsets d = i − m = (k − p + r) / s. We run one such convolution per phase (s² in 2-D, no
wasted multiplications) and interleave the results (depth-to-space). The parameters are
flax's: ``kernel`` [kh, kw, in, out] and ``bias`` [out], so checkpoints and parameter
counts are the same as with ``flax.linen.ConvTranspose``.

Few output channels (s²·out ≤ ``PHASES_AS_CHANNELS_MAX``, e.g. an image layer with 1 or 3
channels): s² convolutions with 1-3 outputs each leave XLA's CPU kernels little to vectorize
over, so the phases become the output channels of one stride-1 convolution over the union
of their windows (taps a phase does not use are zero; 9/4 of the multiplications for 4×4,
stride 2) and depth-to-space interleaves them. For the ``dcgan_mnist`` output layer
(14×14×128 → 28×28×1, batch 64) this halves forward + backward time, while at 8 or more
output channels the s² separate convolutions are faster (benchmarks/conv_formulations.py).
"""

from collections.abc import Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

from jaxgen.nn.initializers import lecun_normal

PHASES_AS_CHANNELS_MAX = 16


def same_padding_start(kernel: int, stride: int) -> int:
    """p of the module docstring: the left padding of lax's ``SAME`` transposed conv."""
    return kernel - 1 if stride > kernel - 1 else -(-(kernel + stride - 2) // 2)


def phase_taps(kernel: int, stride: int, phase: int) -> tuple[list[int], int]:
    """The kernel taps of output phase ``phase`` in order of input offset, and the first offset.

    Returns ``(taps, first_offset)``: output ``s·m + phase`` reads
    ``x[m + first_offset + j] · w[taps[j]]`` for j = 0, 1, ...
    """
    p = same_padding_start(kernel, stride)
    taps = [k for k in range(kernel) if (k - p + phase) % stride == 0]
    first = (taps[0] - p + phase) // stride if taps else 0
    return taps, first


def conv_transpose_same(x, kernel, stride: Sequence[int]):
    """``lax.conv_transpose(x, kernel, stride, "SAME")`` (NHWC, HWIO) by sub-pixel convolution."""
    if stride[0] * stride[1] * kernel.shape[-1] <= PHASES_AS_CHANNELS_MAX:
        return _phases_as_channels(x, kernel, stride)
    return _phase_by_phase(x, kernel, stride)


def _phases_as_channels(x, kernel, stride):
    """One stride-1 convolution whose output channels are (phase row, phase column, feature)."""
    batch, height, width, in_features = x.shape
    (kh, kw), (sh, sw) = kernel.shape[:2], stride
    out_features = kernel.shape[-1]
    # Tap of input offset d for phase r (module docstring): k = s·d + p − r; the index kh
    # (kw) points at an appended zero row (column) where a phase has no tap at that offset.
    offsets, tap_index = [], []
    for size, s in ((kh, sh), (kw, sw)):
        p = same_padding_start(size, s)
        low, high = -(p // s), (size + s - 2 - p) // s  # every d with a tap in some phase
        d = np.arange(low, high + 1)[:, None]
        k = s * d + p - np.arange(s)[None, :]
        offsets.append((low, high))
        tap_index.append(np.where((k >= 0) & (k < size), k, size))
    padded = jnp.pad(kernel, ((0, 1), (0, 1), (0, 0), (0, 0)))
    rows, cols = tap_index
    union = padded[rows[:, None, :, None], cols[None, :, None, :]]  # [Dh, Dw, sh, sw, in, out]
    union = union.transpose(0, 1, 4, 2, 3, 5).reshape(*union.shape[:2], in_features, -1)
    (low_h, high_h), (low_w, high_w) = offsets
    y = jax.lax.conv_general_dilated(
        x,
        union,
        (1, 1),
        [(-low_h, high_h), (-low_w, high_w)],
        dimension_numbers=("NHWC", "HWIO", "NHWC"),
    )
    y = y.reshape(batch, height, width, sh, sw, out_features).transpose(0, 1, 3, 2, 4, 5)
    return y.reshape(batch, height * sh, width * sw, out_features)


def _phase_by_phase(x, kernel, stride):
    """One stride-1 convolution per phase with that phase's taps, interleaved."""
    batch, height, width, _ = x.shape
    (kh, kw), (sh, sw) = kernel.shape[:2], stride
    out_features = kernel.shape[-1]
    rows = []
    for rh in range(sh):
        taps_h, first_h = phase_taps(kh, sh, rh)
        row = []
        for rw in range(sw):
            taps_w, first_w = phase_taps(kw, sw, rw)
            if not taps_h or not taps_w:  # a kernel smaller than the stride leaves holes
                row.append(jnp.zeros((batch, height, width, out_features), x.dtype))
                continue
            sub_kernel = kernel[jnp.array(taps_h)][:, jnp.array(taps_w)]
            # Output m reads inputs m + first .. m + first + len(taps) − 1: pad accordingly
            # (negative padding crops).
            padding = [
                (-first_h, first_h + len(taps_h) - 1),
                (-first_w, first_w + len(taps_w) - 1),
            ]
            row.append(
                jax.lax.conv_general_dilated(
                    x, sub_kernel, (1, 1), padding, dimension_numbers=("NHWC", "HWIO", "NHWC")
                )
            )
        rows.append(jnp.stack(row, axis=3))  # [B, H, W, sw, C]
    phases = jnp.stack(rows, axis=2)  # [B, H, sh, W, sw, C]
    return phases.reshape(batch, height * sh, width * sw, out_features)


class ConvTranspose(nn.Module):
    """Transposed convolution, ``SAME`` padding: values and gradients equal to
    ``flax.linen.ConvTranspose(features, kernel_size, strides, "SAME")``, same parameters."""

    features: int
    kernel_size: Sequence[int]
    strides: Sequence[int] = (1, 1)
    use_bias: bool = True
    kernel_init: nn.initializers.Initializer = lecun_normal()
    bias_init: nn.initializers.Initializer = nn.initializers.zeros_init()

    @nn.compact
    def __call__(self, x):
        kernel_shape = (*self.kernel_size, x.shape[-1], self.features)
        kernel = self.param("kernel", self.kernel_init, kernel_shape, jnp.float32)
        y = conv_transpose_same(x, kernel.astype(x.dtype), self.strides)
        if self.use_bias:
            y = y + self.param("bias", self.bias_init, (self.features,), jnp.float32)
        return y
