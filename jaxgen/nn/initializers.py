"""``lecun_normal``: Flax's default kernel initializer with the same values, drawn flat so that
XLA's CPU backend compiles it fast.

Why: on XLA's CPU backend, a random draw in a 4-D convolution-kernel shape (e.g. [4, 4, 8, 16])
compiles several times slower than a draw of the same count flat, reshaped afterwards, and the
values are equal (JAX's threefry counters run over the array in row-major order). The init
programs of the tiny DCGAN recipes, which the tests compile many times, spent most of their
compile time on these draws.

How: ``jax.nn.initializers.lecun_normal()`` is ``variance_scaling(1, "fan_in",
"truncated_normal")``: the fan-in is the product of all axes but the last (in_axis −2 times
the receptive field), and the kernel is a standard normal truncated to (−2, 2), times
``sqrt(1 / fan_in) / 0.8796…`` (the truncated normal's standard deviation). We compute the
scale from the real shape with the same float operations in the same dtype and draw the
truncated normal flat, so every value is bit-identical (tests/nn/test_initializers.py).
"""

import math

import jax
import jax.numpy as jnp

# The standard deviation of a standard normal truncated to (−2, 2), as in jax.nn.initializers.
TRUNCATED_STDDEV = 0.87962566103423978


def lecun_normal() -> jax.nn.initializers.Initializer:
    """``jax.nn.initializers.lecun_normal()`` (in_axis −2, out_axis −1): same values."""

    def init(key, shape, dtype=None):
        shape = tuple(shape)
        if len(shape) < 2:
            raise ValueError(f"lecun_normal needs a kernel of 2 or more axes, got shape {shape}")
        dtype = jnp.result_type(float) if dtype is None else dtype
        fan_in = math.prod(shape[:-1])
        variance = jnp.array(1.0 / fan_in, dtype=dtype)
        stddev = jnp.sqrt(variance) / jnp.array(TRUNCATED_STDDEV, dtype)
        flat = jax.random.truncated_normal(key, -2, 2, (math.prod(shape),), dtype)
        return flat.reshape(shape) * stddev

    return init
