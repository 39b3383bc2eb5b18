"""Toy games with known dynamics.

``bilinear`` is the simplest game on which simultaneous gradient play fails: V(x, y) = xᵀAy
(x·y by default), the generator x minimizes V, the discriminator y maximizes it, and the
unique equilibrium is 0 (for a non-singular A).
"""

import jax.numpy as jnp

from jaxgen.types import Pair


def bilinear(A=None):
    """The bilinear game V(x, y) = xᵀAy with ``Pair(g=x, d=y)`` (``x·y`` when A is None).

    Returns a game ``losses(params, model_state, batch, key) -> (Pair(V, −V), (model_state, {}))``.
    """

    def value(x, y):
        return jnp.vdot(x, y) if A is None else jnp.vdot(x, jnp.asarray(A, y.dtype) @ y)

    def losses(params, model_state, batch, key):
        del batch, key
        v = value(params.g, params.d)
        return Pair(v, -v), (model_state, {})

    return losses
