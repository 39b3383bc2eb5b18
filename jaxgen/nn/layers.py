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
"""

from collections.abc import Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp


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
    kernel_init: nn.initializers.Initializer = nn.initializers.lecun_normal()
    bias_init: nn.initializers.Initializer = nn.initializers.zeros_init()

    @nn.compact
    def __call__(self, x):
        kernel_shape = (*self.kernel_size, x.shape[-1], self.features)
        kernel = self.param("kernel", self.kernel_init, kernel_shape, jnp.float32)
        y = conv_transpose_same(x, kernel.astype(x.dtype), self.strides)
        if self.use_bias:
            y = y + self.param("bias", self.bias_init, (self.features,), jnp.float32)
        return y
