"""The game Jacobian and its eigenvalues: local stability of a game under a rule.

The Jacobian of the simultaneous gradient field ξ(θ) = Pair(∇_g L_g, ∇_d L_d) is
J = ∂ξ/∂θ over the joint parameters, the generator's first (``ravel_pytree`` order of
``Pair(g, d)``). Near a fixed point θ* the rule θ ← θ − η·ξ(θ) acts as I − η·J: it is locally
stable iff |1 − η·λ| < 1 for every eigenvalue λ of J, so Re λ > 0 for every λ is needed for
small steps (Mescheder et al. 2017, "The Numerics of GANs", §3; Balduzzi et al. 2018).
Mescheder et al. 2018 study the update direction −ξ instead: their eigenvalues are the
negatives of these.

``jacobian`` builds J exactly with forward-mode autodiff (n JVPs for n parameters): for toy
games. ``eigenvalues(..., top=k)`` never builds J: Arnoldi iteration (Saad 2011, "Numerical
Methods for Large Eigenvalue Problems", Algorithm 6.2), the non-symmetric counterpart of
Lanczos, needs one JVP per iteration and returns the Ritz values of largest modulus, which
converge first.
"""

import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree

from jaxgen.game.base import field_function


def _flat_field(game, params, model_state, batch, key):
    key = jax.random.PRNGKey(0) if key is None else key
    flat_params, unravel = ravel_pytree(params)
    field = field_function(game, model_state, batch, key)

    def flat_field(flat):
        return ravel_pytree(field(unravel(flat))[0])[0]

    return flat_field, flat_params


def jacobian(game, params, *, model_state=None, batch=None, key=None) -> jax.Array:
    """J = ∂ξ/∂θ at ``params``: ``[n, n]`` over the flattened joint parameters (g first)."""
    flat_field, flat_params = _flat_field(game, params, model_state, batch, key)
    return jax.jit(jax.jacfwd(flat_field))(flat_params)


def eigenvalues(
    game, params, *, model_state=None, batch=None, key=None, top=None, iterations=None
) -> np.ndarray:
    """Eigenvalues of the game Jacobian at ``params``, by decreasing modulus (complex128).

    Args:
      game, params, model_state, batch, key: as in ``jacobian``.
      top: None for all eigenvalues from the dense Jacobian; k for the k of largest modulus by
        Arnoldi iteration with Jacobian-vector products (network games).
      iterations: Arnoldi iterations (default min(n, max(2k, k + 20))); more is more accurate.
    """
    if top is None:
        values = np.linalg.eigvals(
            np.asarray(
                jacobian(game, params, model_state=model_state, batch=batch, key=key), np.float64
            )
        )
        return _by_modulus(values)
    flat_field, flat_params = _flat_field(game, params, model_state, batch, key)
    n = flat_params.size
    if not 1 <= top <= n:
        raise ValueError(f"top must be in [1, {n}] (the number of parameters), got {top}")
    iterations = min(n, max(2 * top, top + 20)) if iterations is None else iterations
    jvp = jax.jit(lambda v: jax.jvp(flat_field, (flat_params,), (v.astype(flat_params.dtype),))[1])
    hessenberg = arnoldi(lambda v: np.asarray(jvp(jnp.asarray(v)), np.float64), n, iterations)
    return _by_modulus(np.linalg.eigvals(hessenberg))[:top]


def arnoldi(matvec, n, iterations, *, seed=0) -> np.ndarray:
    """The ``[m, m]`` upper Hessenberg matrix of m Arnoldi steps of ``matvec`` (float64).

    Modified Gram–Schmidt with one re-orthogonalization pass; stops early (m < iterations) when
    the Krylov space is invariant, in which case the Ritz values are exact eigenvalues.
    """
    basis = np.zeros((iterations + 1, n))
    hessenberg = np.zeros((iterations + 1, iterations))
    start = np.random.default_rng(seed).standard_normal(n)
    basis[0] = start / np.linalg.norm(start)
    for j in range(iterations):
        w = matvec(basis[j])
        for _ in range(2):  # the second pass restores orthogonality lost to rounding
            coefficients = basis[: j + 1] @ w
            w = w - coefficients @ basis[: j + 1]
            hessenberg[: j + 1, j] += coefficients
        norm = np.linalg.norm(w)
        hessenberg[j + 1, j] = norm
        if norm < 1e-12 * max(1.0, np.abs(hessenberg[: j + 1, j]).max()):
            return hessenberg[: j + 1, : j + 1]
        basis[j + 1] = w / norm
    return hessenberg[:iterations, :iterations]


def _by_modulus(values):
    values = np.asarray(values, np.complex128)
    return values[np.argsort(-np.abs(values), kind="stable")]
