"""Minibatch discrimination and virtual batch normalization (Salimans, Goodfellow, Zaremba,
Cheung, Radford & Chen 2016, "Improved Techniques for Training GANs", §3.2 and §3.4).

**Minibatch discrimination** (§3.2) lets the discriminator look at a whole batch, so that a
generator that collapses to one mode is easy to spot. Features f(x_i) ∈ R^A of the batch's
examples are multiplied by a tensor T ∈ R^{A×K×D} (K kernels of dimension D), giving a matrix
M_i = f(x_i)·T ∈ R^{K×D} per example; with M_{i,b} its row b,

    c_b(x_i, x_j) = exp(−‖M_{i,b} − M_{j,b}‖_L1),     o(x_i)_b = Σ_{j≠i} c_b(x_i, x_j),

and the layer outputs [f(x_i), o(x_i)] ∈ R^{A+K}. The paper's sum runs over all j ∈ {1..n},
which adds c_b(x_i, x_i) = 1 to every feature; the authors' code (github.com/openai/improved-gan)
leaves the example itself out in both of its versions: ``mnist_svhn_cifar10/nn.py``
(``MinibatchLayer``) adds 1e6 to the diagonal of the L1 distances before the exponential, and
``imagenet/discriminator.py`` multiplies by a mask 1 − I. We follow the code (j ≠ i, with an
exact mask); ``include_self=True`` gives the paper's sum, which is the same plus 1. A batch of
B identical examples thus gets o_b = B − 1 (B with ``include_self``) for every kernel b.

T is a ``[A, K·D]`` parameter ``kernel``, initialized N(0, 0.05²) as in ``MinibatchLayer``
(``theta=lasagne.init.Normal(0.05)``), K = 100 and D = 5 being that layer's defaults (their CIFAR
model passes ``num_kernels=100``). Not copied from ``MinibatchLayer``: its weight normalization of
T (each column rescaled to norm exp(log_weight_scale)), its data-dependent initialization, and its
per-kernel bias on o (b = −1 at first), which the next Dense layer's bias absorbs. The ImageNet
model differs more: it averages over j instead of summing, and computes two sets of features on
the concatenated [real; fake] batch, closeness to the real half and to the fake half. Here o is
computed over whatever batch the layer is called on: ``jaxgen.game.adversarial`` calls the
discriminator on the real batch and on the fake batch separately, so a fake example is compared
with the other fakes, as in the authors' CIFAR and SVHN training scripts (one ``get_output`` per
batch). The layer couples the examples of a batch, so it breaks the per-example independence that
``jaxgen.losses.regularizers`` assumes for its input gradients. Memory and time are O(B²·K·D).

**Virtual batch normalization** (§3.4) normalizes each example with the statistics of a fixed
reference batch, chosen once at the start of training, together with the example itself, so
that an example's output does not depend on the other examples of its minibatch. The reference
batch is forwarded through the network with every minibatch (its statistics depend on the current
parameters, and gradients flow through them), so the layer is called on the stack
[reference (R rows); examples (B rows)] along axis 0 and returns the same layout. Per channel
(the last axis), with N the positions of one row (H·W for NHWC, 1 for ``[rows, channels]``):

    μ_ref = mean of the reference's R·N positions,       σ²_ref their (population) variance,
    μ_i, σ²_i = mean and variance of the (R + 1)·N positions of the reference and example i,
                each position weighted equally: μ_i = (R·μ_ref + m_i)/(R + 1) with m_i the
                mean of example i's own N positions, and likewise for the second moment,
    y = γ·(x − μ)/√(σ² + ε) + β,

with (μ_ref, σ²_ref) for the reference rows and (μ_i, σ²_i) for example i. This is the weighting
of the authors' ``VBN`` (``imagenet/model.py``: ``new_coeff = 1/(batch_size + 1)`` on the
example's spatial mean, ``1 − new_coeff`` on the reference's mean over batch and space; their
reference output uses the reference statistics alone) and of TF-GAN's
``tfgan.features.VBN`` (``_example_weight = 1/(ref_batch_size + 1)``). Both compute the variance
as E[x²] − μ², which loses its digits in float32 when |μ| ≫ σ; we combine the two groups'
centred variances (Chan, Golub & LeVeque's pairwise formula),

    σ²_i = R/(R+1)·σ²_ref + 1/(R+1)·s²_i + R/(R+1)²·(m_i − μ_ref)²,

with s²_i the variance of example i's own positions: the same value in exact arithmetic. ε = 1e-5
as in the authors' code (TF-GAN: 1e-3); γ starts at 1 and β at 0 (TF-GAN; the authors draw γ
from N(1, 0.02²)). The paper uses VBN in the generator only, since it doubles the cost of the
forward pass. ``with_reference`` and ``split_reference`` stack a fixed reference latent batch on
top of a batch of latents and take the generator's outputs apart again.
"""

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
from flax.linen.dtypes import promote_dtype


def minibatch_features(kernel_outputs: jax.Array, *, include_self: bool = False) -> jax.Array:
    """o(x_i)_b = Σ_j exp(−‖M_{i,b} − M_{j,b}‖_L1) from M ``[batch, kernels, kernel_dim]``.

    The sum runs over j ≠ i (the authors' code) or over all j (``include_self``, the paper's
    formula). Returns ``[batch, kernels]``.
    """
    if kernel_outputs.ndim != 3:
        raise ValueError(
            "minibatch_features needs M [batch, kernels, kernel_dim], got shape "
            f"{kernel_outputs.shape}"
        )
    distances = jnp.sum(
        jnp.abs(kernel_outputs[:, None] - kernel_outputs[None, :]), axis=-1
    )  # [B, B, K]
    closeness = jnp.exp(-distances)
    if not include_self:
        # A mask, not "− 1": the diagonal is exactly 1, but subtracting it from the sum would
        # cancel the digits of the other terms when they are small.
        batch = kernel_outputs.shape[0]
        closeness = jnp.where(jnp.eye(batch, dtype=bool)[:, :, None], 0.0, closeness)
    return jnp.sum(closeness, axis=1)


class MinibatchDiscrimination(nn.Module):
    """features ``[batch, ...]`` → ``[batch, A + num_kernels]``: [f, o] (module docstring).

    The input is flattened to f ``[batch, A]``; the output is f followed by the K minibatch
    features o.

    Attributes:
      num_kernels: K, the number of minibatch features.
      kernel_dim: D, the dimension of each kernel's rows M_{i,b}.
      include_self: count j = i in the sum (the paper's formula, o + 1) or not (the authors'
        code).
      kernel_init: initializer of T ``[A, K·D]``; N(0, 0.05²) as in the authors' code.
      param_dtype: dtype of T.
    """

    num_kernels: int = 100
    kernel_dim: int = 5
    include_self: bool = False
    kernel_init: nn.initializers.Initializer = nn.initializers.normal(0.05)
    param_dtype: jnp.dtype = jnp.float32

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        if x.ndim < 2:
            raise ValueError(
                f"MinibatchDiscrimination needs features [batch, ...], got shape {x.shape}"
            )
        features = x.reshape(x.shape[0], -1)
        kernel = self.param(
            "kernel",
            self.kernel_init,
            (features.shape[1], self.num_kernels * self.kernel_dim),
            self.param_dtype,
        )
        inputs, kernel = promote_dtype(features, kernel)
        kernel_outputs = (inputs @ kernel).reshape(-1, self.num_kernels, self.kernel_dim)
        closeness = minibatch_features(kernel_outputs, include_self=self.include_self)
        return jnp.concatenate([features, closeness.astype(features.dtype)], axis=1)


class VirtualBatchNorm(nn.Module):
    """Virtual batch normalization over the last axis (see the module docstring).

    Called on ``[reference_size + batch, ..., channels]``: the first ``reference_size`` rows are
    the reference batch, normalized with their own statistics; each later row is normalized with
    the statistics of the reference and itself. Returns the same shape. Gradients flow through
    the statistics of both.

    Attributes:
      reference_size: R, the number of reference rows at the top of the input.
      epsilon: ε, added to the variance.
      scale_init: initializer of γ ``[channels]`` (ones).
      bias_init: initializer of β ``[channels]`` (zeros).
      param_dtype: dtype of γ and β.
    """

    reference_size: int
    epsilon: float = 1e-5
    scale_init: nn.initializers.Initializer = nn.initializers.ones
    bias_init: nn.initializers.Initializer = nn.initializers.zeros
    param_dtype: jnp.dtype = jnp.float32

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        size = self.reference_size
        if x.ndim < 2:
            raise ValueError(
                f"VirtualBatchNorm needs x [reference + batch, ..., channels], got shape {x.shape}"
            )
        if not 1 <= size <= x.shape[0]:
            raise ValueError(
                f"VirtualBatchNorm needs 1 ≤ reference_size ≤ the {x.shape[0]} rows of x, got "
                f"reference_size {size}; stack the reference on top with with_reference"
            )
        channels = x.shape[-1]
        scale = self.param("scale", self.scale_init, (channels,), self.param_dtype)
        bias = self.param("bias", self.bias_init, (channels,), self.param_dtype)

        # np.promote_types: jnp's raises under jax_numpy_dtype_promotion="strict".
        values = x.astype(np.promote_types(x.dtype, np.float32))
        reference, examples = values[:size], values[size:]
        all_but_channels = tuple(range(x.ndim - 1))
        reference_mean = jnp.mean(reference, axis=all_but_channels)  # [C]
        reference_var = jnp.mean(jnp.square(reference - reference_mean), axis=all_but_channels)
        own_axes = tuple(range(1, x.ndim - 1))  # an example's positions
        own_mean = jnp.mean(examples, axis=own_axes, keepdims=True)  # [B, 1.., C]
        own_var = jnp.mean(jnp.square(examples - own_mean), axis=own_axes, keepdims=True)
        example_weight = 1.0 / (size + 1)
        reference_weight = size * example_weight
        mean = reference_weight * reference_mean + example_weight * own_mean
        var = (
            reference_weight * reference_var
            + example_weight * own_var
            + reference_weight * example_weight * jnp.square(own_mean - reference_mean)
        )
        normalized = jnp.concatenate(
            [
                (reference - reference_mean) * jax.lax.rsqrt(reference_var + self.epsilon),
                (examples - mean) * jax.lax.rsqrt(var + self.epsilon),
            ],
            axis=0,
        )
        affine = normalized * scale.astype(values.dtype) + bias.astype(values.dtype)
        return affine.astype(x.dtype)


def with_reference(z_reference: jax.Array, z: jax.Array) -> jax.Array:
    """``[z_reference; z]`` along axis 0: the input of a generator with ``VirtualBatchNorm``.

    ``z_reference`` ``[R, ...]`` is drawn once at the start of training and kept fixed (the
    authors keep it in a non-trainable variable); ``z`` ``[B, ...]`` is the minibatch's latents.
    """
    if z_reference.ndim < 1 or z_reference.shape[1:] != z.shape[1:]:
        raise ValueError(
            "with_reference needs z_reference [R, ...] and z [B, ...] with the same trailing "
            f"shape, got {z_reference.shape} and {z.shape}"
        )
    return jnp.concatenate([z_reference.astype(z.dtype), z], axis=0)


def split_reference(outputs: jax.Array, reference_size: int) -> tuple[jax.Array, jax.Array]:
    """``(reference_outputs [R, ...], outputs [B, ...])`` from ``[R + B, ...]``."""
    if not 0 <= reference_size <= outputs.shape[0]:
        raise ValueError(
            f"split_reference needs 0 ≤ reference_size ≤ {outputs.shape[0]} (the rows of "
            f"outputs), got {reference_size}"
        )
    return outputs[:reference_size], outputs[reference_size:]
