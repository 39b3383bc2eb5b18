"""The dtype the metrics compute in."""

import jax.numpy as jnp


def compute_dtype(*arrays):
    """The widest floating dtype among ``arrays`` and float32.

    Chosen by hand because strict dtype promotion refuses float32 with float64; float64 only
    appears under ``jax_enable_x64``, and integer inputs compute in float32.
    """
    candidates = [a.dtype for a in arrays] + [jnp.dtype(jnp.float32)]
    return max((d for d in candidates if jnp.issubdtype(d, jnp.floating)), key=lambda d: d.itemsize)
