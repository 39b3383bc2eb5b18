"""Forward + backward time of the ``dcgan_mnist`` convolutions, each written several ways, on
XLA's CPU backend, with PyTorch (oneDNN) in the same run as the reference.

    .venv/bin/python benchmarks/conv_formulations.py [--repeats 10]

Layers: G's two transposed convolutions and D's two convolutions (4×4, stride 2, ``SAME``),
batch 64, NHWC, plus a transposed convolution to 8 channels, where the two sub-pixel forms of
``jaxgen.nn.layers`` cross over (one convolution per phase, or the phases as the channels of
one convolution; ``conv_transpose_same`` picks by ``PHASES_AS_CHANNELS_MAX``). Each row times
``jax.grad`` of ``Σ y · g`` with respect to the kernel and the input (what a train step
needs), best of ``--repeats``; the variants of a layer are measured interleaved, so that load
from other processes hits them alike.
"""

import argparse
import time

import jax
import jax.numpy as jnp
import numpy as np
from machine import print_table

from jaxgen.nn import layers

DIMS = ("NHWC", "HWIO", "NHWC")


def xla_conv(x, w, stride):
    return jax.lax.conv_general_dilated(x, w, stride, "SAME", dimension_numbers=DIMS)


def xla_conv_transpose(x, w, stride):
    return jax.lax.conv_transpose(x, w, stride, "SAME", dimension_numbers=DIMS)


CONV = {"lax.conv": xla_conv}
CONV_TRANSPOSE = {
    "lax.conv_transpose": xla_conv_transpose,
    "one conv per phase": layers._phase_by_phase,
    "phases as channels": layers._phases_as_channels,
}
# (name, input shape, output features, kind)
LAYERS = [
    ("G ConvTranspose 7x7x256->14x14x128", (64, 7, 7, 256), 128, "transpose"),
    ("G ConvTranspose 14x14x128->28x28x1", (64, 14, 14, 128), 1, "transpose"),
    ("ConvTranspose 14x14x128->28x28x8", (64, 14, 14, 128), 8, "transpose"),
    ("D Conv 28x28x1->14x14x64", (64, 28, 28, 1), 64, "conv"),
    ("D Conv 14x14x64->7x7x128", (64, 14, 14, 64), 128, "conv"),
]


def torch_step(shape, features, kind):
    import torch

    torch.set_num_threads(2)
    batch, height, width, channels = shape
    x = torch.randn(batch, channels, height, width, requires_grad=True)
    if kind == "transpose":
        conv = torch.nn.ConvTranspose2d(channels, features, 4, 2, 1)
    else:
        conv = torch.nn.Conv2d(channels, features, 4, 2, 1)
    grad = torch.randn_like(conv(x))

    def step():
        conv.zero_grad()
        x.grad = None
        conv(x).backward(grad)

    return step


def jax_step(fn, x, w, g):
    def loss(w, x):
        return jnp.sum(fn(x, w, (2, 2)) * g)

    grad = jax.jit(jax.grad(loss, argnums=(0, 1)))
    return lambda: jax.block_until_ready(grad(w, x))


def best_times(steps, repeats):
    for step in steps.values():
        step()
    best = dict.fromkeys(steps, float("inf"))
    for _ in range(repeats):
        for name, step in steps.items():
            start = time.perf_counter()
            step()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()
    rows = []
    for layer, shape, features, kind in LAYERS:
        key_x, key_w = jax.random.split(jax.random.PRNGKey(0))
        x = jax.random.normal(key_x, shape)
        w = jax.random.normal(key_w, (4, 4, shape[-1], features)) * 0.05
        variants = CONV_TRANSPOSE if kind == "transpose" else CONV
        reference = next(iter(variants.values()))
        y = reference(x, w, (2, 2))
        g = jax.random.normal(jax.random.PRNGKey(2), y.shape)
        for name, fn in variants.items():
            np.testing.assert_allclose(fn(x, w, (2, 2)), y, rtol=1e-4, atol=1e-4, err_msg=name)
        steps = {"torch (oneDNN)": torch_step(shape, features, kind)}
        steps |= {name: jax_step(fn, x, w, g) for name, fn in variants.items()}
        best = best_times(steps, args.repeats)
        torch_ms = best["torch (oneDNN)"] * 1e3
        for name, seconds in best.items():
            rows.append((layer, name, f"{seconds * 1e3:.2f}", f"{seconds * 1e3 / torch_ms:.2f}"))
    header = ("layer (batch 64, fwd+bwd)", "implementation", "ms", "/ torch")
    print_table(header, rows)


if __name__ == "__main__":
    main()
