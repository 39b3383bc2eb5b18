"""What a benchmark needs to know about the machine it runs on: the CPU's name and its float32
matmul peak (measured, since machines of the same kind differ: STACK-FACTS.md)."""

import platform
import time

import jax
import jax.numpy as jnp


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            names = [line.split(":", 1)[1].strip() for line in f if line.startswith("model name")]
        return f"{names[0]} ({len(names)} threads)"
    except (OSError, IndexError):
        return platform.machine()


def matmul_peak(n=2048, repeats=10, dtype=jnp.float32):
    """Best GFLOP/s of an n×n matmul in JAX, in ``dtype`` (default float32)."""
    a = jax.random.normal(jax.random.PRNGKey(0), (n, n), jnp.float32).astype(dtype)
    matmul = jax.jit(lambda x, y: x @ y)
    matmul(a, a).block_until_ready()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        matmul(a, a).block_until_ready()
        best = min(best, time.perf_counter() - start)
    return 2 * n**3 / best / 1e9


def print_table(header, rows):
    """``rows`` of strings under ``header``, each column right-aligned to its widest cell."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    for row in (header, *rows):
        print("  ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True)))
