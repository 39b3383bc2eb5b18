"""Discriminator regularizers: gradient penalties and instance noise.

With D(x) the discriminator's logit (or critic score) and γ the caller's weight, the penalties
added to the discriminator's loss are

- R1 (Mescheder, Geiger & Nowozin 2018, "Which Training Methods for GANs do actually
  Converge?", Eq. 9):   γ/2 · E_{x∼P_data} ‖∇_x D(x)‖²
- R2 (same paper, Eq. 10):  γ/2 · E_{x∼P_G} ‖∇_x D(x)‖²
- the WGAN-GP penalty (Gulrajani et al. 2017, "Improved Training of Wasserstein GANs", Eq. 3):
  λ · E_x̂ (‖∇_x D(x̂)‖ − 1)², with x̂ = ε·x_real + (1 − ε)·x_fake, ε ∼ U[0, 1] per example;
  Mescheder et al. write it γ/2 · E (‖∇D‖ − g₀)², the same with λ = γ/2 and g₀ = 1. The
  one-sided form λ · E max(0, ‖∇D(x̂)‖ − 1)², which only asks the critic to stay 1-Lipschitz,
  is the alternative that Gulrajani et al. name in §4 ("Two-sided penalty"; they keep the
  two-sided one because the optimal critic has gradient norm 1 almost everywhere between P_data
  and P_G): ``gradient_penalty(..., one_sided=True)``.
- DRAGAN (Kodali, Abernethy, Hays & Kira 2017, "On Convergence and Stability of GANs"):
  λ · E (‖∇_x D(x̃)‖ − k)² at points x̃ perturbed around the real data, λ = 10, k = 1
  (``dragan_penalty``; its docstring gives the exact perturbation).

The factor of R1 and R2 in Mescheder et al.'s code. The paper writes γ/2; their training code
(github.com/LMescheder/GAN_stability, ``gan_training/train.py``) computes
``compute_grad2(d_out, x_in)`` = ‖∇_x D(x)‖² per example (the sum of squared input gradients,
no ½) and, in ``Trainer.discriminator_trainstep``, adds
``reg = self.reg_param * compute_grad2(d_real, x_real).mean()`` (``reg_type`` ``'real'``; R2 is
``'fake'``). There is no factor ½ there: their ``reg_param`` is the paper's γ/2, so
``configs/default.yaml``'s ``reg_param: 10.`` is γ = 20 in the paper's notation, and a γ taken
from the paper must be halved to become a ``reg_param``. (Their Dirac-GAN notebook,
``notebooks/diracgan/gans.py``, uses the paper's convention: the ``reg`` of
``GAN_GradPenalty`` is γ, the field gaining −γψ.) Here the penalties return ‖∇D‖² per example
and the caller multiplies the mean by γ/2, the paper's convention.

Instance noise (Sønderby et al. 2017, "Amortised MAP Inference for Image Super-resolution";
Arjovsky & Bottou 2017) adds N(0, σ²I) to real and fake inputs of the discriminator.

Each penalty returns one value per example; the caller weights and reduces. ``discriminator``
maps a batch ``x [B, ...]`` to ``[B]`` (or ``[B, 1]``) outputs and treats the examples
independently (no batch norm in training mode, no minibatch standard deviation), so that the
gradient of the summed outputs with respect to the batch holds each example's own input gradient.
Norms are taken per example over all of its elements (‖∇‖ of an image is over H·W·C values),
never per pixel.
"""

import jax
import jax.numpy as jnp


def input_gradients(discriminator, x: jax.Array) -> jax.Array:
    """``∇_x D(x)`` for each example: the same shape as ``x``."""
    return jax.grad(lambda inputs: jnp.sum(discriminator(inputs)))(x)


def squared_gradient_norm(discriminator, x: jax.Array) -> jax.Array:
    """``‖∇_x D(x)‖²`` per example: ``[B]``."""
    gradients = input_gradients(discriminator, x)
    return jnp.sum(gradients.reshape(x.shape[0], -1) ** 2, axis=1)


def r1_penalty(discriminator, real: jax.Array) -> jax.Array:
    """``‖∇_x D(x)‖²`` at real examples, per example (weight its mean by γ/2).

    γ/2 is the paper's factor (Eq. 9); Mescheder et al.'s code multiplies the same mean by its
    ``reg_param`` with no ½, so ``reg_param`` = γ/2 (see the module docstring).
    """
    return squared_gradient_norm(discriminator, real)


def r2_penalty(discriminator, fake: jax.Array) -> jax.Array:
    """``‖∇_x D(x)‖²`` at generated examples, per example (weight its mean by γ/2).

    As for ``r1_penalty``, Mescheder et al.'s code's ``reg_param`` is the paper's γ/2.
    """
    return squared_gradient_norm(discriminator, fake)


def gradient_penalty(
    discriminator,
    real: jax.Array,
    fake: jax.Array,
    key: jax.Array,
    target: float = 1.0,
    *,
    one_sided: bool = False,
) -> jax.Array:
    """``(‖∇_x D(x̂)‖ − target)²`` at random interpolates x̂ of ``real`` and ``fake``, per example.

    With ``one_sided=True``: ``max(0, ‖∇_x D(x̂)‖ − target)²``, no penalty below the target.
    """
    if real.shape != fake.shape:
        raise ValueError(f"real and fake must have the same shape, got {real.shape}, {fake.shape}")
    eps = jax.random.uniform(key, (real.shape[0],) + (1,) * (real.ndim - 1), real.dtype)
    interpolates = eps * real + (1 - eps) * fake
    return gradient_norm_penalty(discriminator, interpolates, target, one_sided=one_sided)


def gradient_norm_penalty(
    discriminator, x: jax.Array, target: float = 1.0, *, one_sided: bool = False
) -> jax.Array:
    """``(‖∇_x D(x)‖ − target)²`` per example at the given points, or with ``one_sided``
    ``max(0, ‖∇_x D(x)‖ − target)²``: ``[B]``."""
    excess = safe_norm(squared_gradient_norm(discriminator, x)) - target
    if one_sided:
        excess = jnp.maximum(excess, 0.0)
    return excess**2


def dragan_points(key: jax.Array, real: jax.Array, scale: float = 0.5) -> jax.Array:
    """DRAGAN's points x̃ = x + α·(x_p − x), x_p = x + scale·std(x)·U: ``[B, ...]`` like ``real``.

    U ∼ U[0, 1] per element, α ∼ U[0, 1] per example, std(x) the standard deviation of all
    elements of the batch (a scalar). See ``dragan_penalty``.
    """
    noise_key, alpha_key = jax.random.split(key)
    perturbed = real + scale * jnp.std(real) * jax.random.uniform(noise_key, real.shape, real.dtype)
    alpha = jax.random.uniform(alpha_key, (real.shape[0],) + (1,) * (real.ndim - 1), real.dtype)
    return real + alpha * (perturbed - real)


def dragan_penalty(
    discriminator,
    real: jax.Array,
    key: jax.Array,
    *,
    scale: float = 0.5,
    target: float = 1.0,
    one_sided: bool = False,
) -> jax.Array:
    """DRAGAN's ``(‖∇_x D(x̃)‖ − k)²`` at points x̃ near the real data, per example (weight λ).

    Kodali et al. (2017) penalize λ · E_{x∼P_data, δ} (‖∇_x D(x + δ)‖ − k)², λ = 10 and
    k = ``target`` = 1 by default. The paper writes the noise as δ ∼ N(0, cI); the authors'
    code (github.com/kodalinaveen3/DRAGAN, ``DRAGAN.ipynb``), which this follows, does
    ``get_perturbed_batch(x) = x + 0.5 * x.std() * np.random.random(x.shape)`` and evaluates the
    gradient at ``x + alpha * (x_p - x)`` with ``alpha ~ U[0, 1]`` per example (WGAN-GP's
    interpolation, between x and its perturbation), with ``lambd = 10`` and a two-sided penalty:

        x̃ = x + α·scale·std(x)·U,   U ∼ U[0, 1]^shape(x),  α ∼ U[0, 1] per example,

    std(x) over the whole batch, ``scale`` = 0.5. The perturbation is therefore one-sided
    (x̃ ≥ x element-wise) and at most ``scale``·std(x) per element.

    Args:
      discriminator: ``x [B, ...] -> [B]`` (see the module docstring).
      real: the real batch ``[B, ...]``.
      key: draws U and α.
      scale: the perturbation's size in units of std(x) (0.5 in the authors' code).
      target: k.
      one_sided: ``max(0, ‖∇D‖ − k)²`` instead.
    """
    points = dragan_points(key, real, scale)
    return gradient_norm_penalty(discriminator, points, target, one_sided=one_sided)


def safe_norm(squared: jax.Array) -> jax.Array:
    """``√squared`` whose gradient at 0 is 0 instead of NaN (the critic of a Dirac-GAN at ψ = 0)."""
    positive = squared > 0
    return jnp.where(positive, jnp.sqrt(jnp.where(positive, squared, 1.0)), 0.0)


def instance_noise(key: jax.Array, x: jax.Array, sigma: float) -> jax.Array:
    """``x + σ·ε`` with ε ∼ N(0, I) of the shape of ``x``."""
    return x + sigma * jax.random.normal(key, x.shape, x.dtype)


def _r1(critic, real, fake, key):
    del fake, key
    return 0.5 * r1_penalty(critic, real)


def _r2(critic, real, fake, key):
    del real, key
    return 0.5 * r2_penalty(critic, fake)


def _gp(critic, real, fake, key):
    return gradient_penalty(critic, real, fake, key)


def _gp_one_sided(critic, real, fake, key):
    return gradient_penalty(critic, real, fake, key, one_sided=True)


def _dragan(critic, real, fake, key):
    del fake
    return dragan_penalty(critic, real, key)


# name → fn(critic, real, fake, key) -> [B], weighted by the paper's own symbol: λ for the
# gradient penalties (the WGAN-GP and DRAGAN papers use λ = 10), γ for R1 and R2, whose terms
# here carry the paper's ½ (Mescheder et al. use γ = 10 on CelebA-HQ and 0.1 on CIFAR-10).
PENALTIES = {
    "gp": _gp,
    "gp_one_sided": _gp_one_sided,
    "r1": _r1,
    "r2": _r2,
    "dragan": _dragan,
}
