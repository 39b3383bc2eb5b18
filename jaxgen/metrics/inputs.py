"""Input checks and the dtype that the metrics compute in."""

import jax.numpy as jnp


def compute_dtype(*arrays):
    """The widest floating dtype among ``arrays`` and float32.

    Chosen by hand because strict dtype promotion refuses float32 with float64; float64 only
    appears under ``jax_enable_x64``, and integer inputs compute in float32.
    """
    candidates = [a.dtype for a in arrays] + [jnp.dtype(jnp.float32)]
    return max((d for d in candidates if jnp.issubdtype(d, jnp.floating)), key=lambda d: d.itemsize)


def check_point_sets(a, b, a_name, b_name, *, min_rows=1):
    """``a [N, D]`` and ``b [M, D]`` as arrays of ``compute_dtype``; a ValueError naming the
    argument when a shape is wrong (fewer than ``min_rows`` rows, no columns, or another D)."""
    a, b = jnp.asarray(a), jnp.asarray(b)
    for name, value in ((a_name, a), (b_name, b)):
        if value.ndim != 2 or value.shape[0] < min_rows or value.shape[1] < 1:
            raise ValueError(
                f"{name} must have shape [N, D] with N >= {min_rows} and D >= 1, got {value.shape}"
            )
    if a.shape[1] != b.shape[1]:
        raise ValueError(
            f"{b_name} must have shape [M, D] with the D of {a_name} {a.shape} "
            f"(D = {a.shape[1]}), got {b.shape}"
        )
    dtype = compute_dtype(a, b)
    return a.astype(dtype), b.astype(dtype)
