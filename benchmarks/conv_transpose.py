"""Forward + backward time of a transposed convolution: ``flax.linen.ConvTranspose`` against
``jaxgen.nn.layers.ConvTranspose`` (sub-pixel), each also inside a one-step ``lax.scan``.

    .venv/bin/python benchmarks/conv_transpose.py

Layers: the two transposed convolutions of the ``dcgan_mnist`` generator (4×4, stride 2),
batch 64. The scan column shows what XLA's CPU backend does to convolutions in a loop body,
the reason ``jaxgen.game.alternating`` loops over player updates in Python.
"""

import time

import flax.linen as nn
import jax
import jax.numpy as jnp
from machine import print_table

from jaxgen.nn.layers import ConvTranspose

LAYERS = [((64, 7, 7, 256), 128), ((64, 14, 14, 128), 1)]


def milliseconds(fn, *args, repeats=10):
    fn = jax.jit(fn)
    jax.block_until_ready(fn(*args))
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        jax.block_until_ready(fn(*args))
        best = min(best, time.perf_counter() - start)
    return best * 1e3


def forward_backward(module):
    def loss(params, x):
        return jnp.sum(module.apply(params, x) ** 2)

    return jax.grad(loss, argnums=(0, 1))


def in_scan(fn):
    def scanned(params, x):
        _, grads = jax.lax.scan(lambda c, _: (c, fn(params, x)), None, None, length=1)
        return grads

    return scanned


def main():
    rows = []
    for shape, features in LAYERS:
        x = jax.random.normal(jax.random.PRNGKey(0), shape)
        for name, module in (
            ("flax.linen.ConvTranspose", nn.ConvTranspose(features, (4, 4), (2, 2), "SAME")),
            ("jaxgen ConvTranspose", ConvTranspose(features, (4, 4), (2, 2))),
        ):
            params = module.init(jax.random.PRNGKey(1), x)
            step = forward_backward(module)
            rows.append(
                (
                    f"{shape[1]}x{shape[2]}x{shape[3]}->{features}",
                    name,
                    f"{milliseconds(step, params, x):.1f}",
                    f"{milliseconds(in_scan(step), params, x):.1f}",
                )
            )
    header = ("layer (batch 64)", "implementation", "fwd+bwd ms", "in lax.scan ms")
    print_table(header, rows)


if __name__ == "__main__":
    main()
