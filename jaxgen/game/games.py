"""Toy games with known dynamics. ``Pair(g=x, d=y)``: x (generator) minimizes, y maximizes.

- ``bilinear(A)``: V(x, y) = xᵀAy (x·y by default), the simplest game on which simultaneous
  gradient play fails; the equilibrium is 0 for a non-singular A.
- ``quadratic(A, B, C)``: V(x, y) = ½·xᵀAx + xᵀBy − ½·yᵀCy. Its field is
  ξ = (Ax + By, Cy − Bᵀx) and its Jacobian [[A, B], [−Bᵀ, C]] is constant; for A, C ≻ 0 the
  game is strongly convex–concave and every small enough step converges to 0.
- ``dirac_gan(objective, regularizer)`` (Mescheder, Geiger & Nowozin 2018, "Which Training
  Methods for GANs do actually Converge?", §2.2): the data is a Dirac at 0, the generator a
  Dirac at θ and the discriminator linear, D_ψ(x) = ψ·x (a logit). The unique equilibrium is
  (θ, ψ) = (0, 0).

A matrix argument may be a scalar (times the identity). A game is
``losses(params, model_state, batch, key) -> (Pair(L_g, L_d), (model_state, metrics))``.
"""

import jax.numpy as jnp
import numpy as np

from jaxgen.errors import UserError, closest
from jaxgen.losses import get_objective, regularizers
from jaxgen.types import Pair


def _form(x, matrix, y):
    """xᵀMy, with a scalar M meaning M·I."""
    matrix = jnp.asarray(matrix, jnp.result_type(x, y))
    return matrix * jnp.vdot(x, y) if matrix.ndim == 0 else jnp.vdot(x, matrix @ y)


def _zero_sum(value):
    def losses(params, model_state, batch, key):
        del batch, key
        v = value(params.g, params.d)
        return Pair(v, -v), (model_state, {})

    return losses


def bilinear(A=None):
    """V(x, y) = xᵀAy (``x·y`` when A is None): ``Pair(V, −V)``."""
    return _zero_sum(lambda x, y: _form(x, 1.0 if A is None else A, y))


def quadratic(A=1.0, B=1.0, C=1.0):
    """V(x, y) = ½·xᵀAx + xᵀBy − ½·yᵀCy: ``Pair(V, −V)`` (see the module docstring)."""
    return _zero_sum(lambda x, y: 0.5 * _form(x, A, x) + _form(x, B, y) - 0.5 * _form(y, C, y))


DIRAC_OBJECTIVES = {"gan": "gan", "nsgan": "nsgan", "wgan": "wgan", "wgan_gp": "wgan"}
DIRAC_REGULARIZERS = (None, "r1", "r2", "instance_noise")
QUADRATURE_NODES = 40


def dirac_gan(objective="gan", regularizer=None, *, gamma=1.0, sigma=0.5):
    """The Dirac-GAN of Mescheder et al. 2018 with ``Pair(g=θ, d=ψ)``, both scalars.

    The objectives are those of ``jaxgen.losses`` on the logits l_real = ψ·x and l_fake = ψ·θ
    (``"wgan_gp"`` is ``"wgan"`` plus γ/2·(‖∇_x D‖ − 1)² on the critic). With
    L_D = −f(ψθ) − f(0) for the GAN, f(t) = −log(1 + e^{−t}), the Jacobian of the field at the
    equilibrium is [[0, −f′(0)], [f′(0), 0]] with f′(0) = ½ (1 for the WGAN): purely imaginary
    eigenvalues, so plain gradient steps do not converge (Mescheder et al. 2018, Lemma 2.2).
    Regularizers, on the discriminator's loss:

    - ``"r1"``: γ/2·‖∇_x D(x_real)‖² = γ/2·ψ²;  ``"r2"``: the same at the fake, also γ/2·ψ².
      Both move the eigenvalues at the equilibrium to γ/2 ± √(γ²/4 − f′(0)²) (Theorem 4.1).
    - ``"instance_noise"``: real and fake points plus N(0, σ²) noise. The expectation over the
      noise is computed exactly (to float precision) by Gauss–Hermite quadrature with
      ``QUADRATURE_NODES`` nodes, so the game stays deterministic; the objectives are sums of a
      real and a fake term, so one set of nodes serves both.

    The WGAN-GP penalty γ/2·(|ψ| − 1)² has a kink at ψ = 0, so its field is not differentiable
    at the equilibrium: ``jacobian`` there returns the WGAN's (``safe_norm``'s gradient is 0 at
    0), and its eigenvalues predict nothing about WGAN-GP.

    Args:
      objective: ``"gan"``, ``"nsgan"``, ``"wgan"`` or ``"wgan_gp"``.
      regularizer: None, ``"r1"``, ``"r2"`` or ``"instance_noise"``.
      gamma: the weight γ of the gradient penalties (R1, R2, WGAN-GP).
      sigma: the instance noise's standard deviation σ.
    """
    if objective not in DIRAC_OBJECTIVES:
        raise UserError(
            f"unknown Dirac-GAN objective {objective!r}: {closest(objective, DIRAC_OBJECTIVES)}"
        )
    if regularizer not in DIRAC_REGULARIZERS:
        names = [r for r in DIRAC_REGULARIZERS if r]
        raise UserError(
            f"unknown Dirac-GAN regularizer {regularizer!r}: "
            f"choose None or one of {', '.join(names)}"
        )
    losses_of = get_objective(DIRAC_OBJECTIVES[objective])
    if regularizer == "instance_noise":
        nodes, weights = np.polynomial.hermite.hermgauss(QUADRATURE_NODES)
        offsets, weights = np.sqrt(2.0) * sigma * nodes, weights / np.sqrt(np.pi)
    else:
        offsets, weights = np.zeros(1), np.ones(1)

    def losses(params, model_state, batch, key):
        del batch
        theta, psi = params.g, params.d
        dtype = jnp.result_type(theta, psi)
        w = jnp.asarray(weights, dtype)
        real = jnp.asarray(offsets, dtype)  # data points: 0 plus noise
        fake = theta + real

        def discriminator(x):
            return psi * x

        loss_d = jnp.sum(w * losses_of.discriminator(discriminator(real), discriminator(fake)))
        loss_g = jnp.sum(w * losses_of.generator(discriminator(fake)))
        if objective == "wgan_gp":
            gp = regularizers.gradient_penalty(discriminator, real, fake, key)
            loss_d = loss_d + 0.5 * gamma * jnp.sum(w * gp)
        if regularizer in ("r1", "r2"):
            at = real if regularizer == "r1" else fake
            loss_d = loss_d + 0.5 * gamma * jnp.sum(w * regularizers.r1_penalty(discriminator, at))
        return Pair(loss_g, loss_d), (model_state, {})

    return losses
