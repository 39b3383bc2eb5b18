"""Seconds of a sweep over step sizes × initial points of a toy game as one vmapped program
(``jaxgen.game.sweep`` of ``rollout``), against a Python loop over the same jitted rollout of
one configuration, measured in one run.

    .venv/bin/python benchmarks/toy_sweep.py            # 32 step sizes × 32 starts, 1,000 steps
    .venv/bin/python benchmarks/toy_sweep.py --small    # 8 × 8, 100 steps (tests)

Two games, each played by ``alternating(optax.sgd(lr))`` (discriminator first), float32:

- ``bilinear``: V(x, y) = x·y, a step is four multiply-adds; the iterates stay on the ellipse
  x² + y² + η·x·y = const (``jaxgen.game.schemes``), which the script checks for every
  configuration against its own step size η;
- ``dirac_gan``: the Dirac-GAN with the GAN objective (Mescheder et al. 2018), whose step
  evaluates softplus (exp and log1p) several times: the sweep's cost is arithmetic, not calls.

The step sizes are geometrically spaced in [0.01, 1]; the starts lie on the unit circle. The
step size is a traced argument (``optax.sgd`` of an array), so one compiled program serves
every configuration:

- ``vmap``: ``jax.jit`` of ``sweep(run, lr=..., start=...)``, all configurations at once;
- ``loop``: ``jax.jit(run)``, called once per configuration from Python with the step size
  and the start as host scalars, waiting for the device only after the last call.

``first_s`` is the first call: tracing, compiling and running (for ``loop``: its first call,
compiled and run for configuration 0, plus the whole loop). ``run_s`` is the best of
``--repeats`` runs of all configurations without compiling, vmap and loop taking turns.
``speedup`` is the loop's seconds over this row's, in each column. ``max|diff|`` is the
largest absolute difference between the final (x, y) of vmap and loop over all
configurations; the script fails above ``TOLERANCE``.
"""

import argparse
import platform
import time

import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxgen import Pair
from jaxgen.game import alternating, bilinear, dirac_gan, rollout, sweep

GAMES = {"bilinear": bilinear(), "dirac_gan": dirac_gan("gan")}
TOLERANCE = 1e-5
# float32 rounding over 1,000 steps moves the bilinear invariant by a few 1e-6 (measured).
INVARIANT_TOLERANCE = 1e-4
HEADER = ("game", "method", "configs", "steps", "first_s", "run_s", "speedup_first")
HEADER += ("speedup_run", "max|diff|")


def sweep_axes(step_sizes: int, starts: int):
    """``step_sizes`` rates in [0.01, 1] and ``starts`` points [starts, 2] on the unit circle."""
    rates = np.geomspace(0.01, 1.0, step_sizes).astype(np.float32)
    angles = np.linspace(0.0, 2 * np.pi, starts, endpoint=False)
    points = np.stack([np.cos(angles), np.sin(angles)], axis=-1).astype(np.float32)
    return rates, points


def final_point(game, steps: int):
    """``run(lr, start [2]) -> [2]``: (x, y) after ``steps`` alternating SGD steps of rate lr."""

    def run(lr, start):
        rule = alternating(optax.sgd(lr))
        # every=steps keeps only the start and the end of the trajectory
        trajectory = rollout(game, rule, Pair(start[0], start[1]), steps, every=steps)
        return jnp.stack([trajectory.g[-1], trajectory.d[-1]])

    return run


def timed(fn):
    """(seconds, result) of ``fn()``, waiting for the device."""
    start = time.perf_counter()
    result = jax.block_until_ready(fn())
    return time.perf_counter() - start, result


def compare(game, rates, points, steps: int, repeats: int):
    """(vmap first s, vmap run s, loop first s, loop run s, vmap points, loop points)."""
    run = final_point(game, steps)
    swept = jax.jit(lambda lr, start: sweep(run, lr=lr, start=start))
    one = jax.jit(run)
    configurations = [(rate, point) for rate in rates for point in points]

    def vmapped():
        return swept(rates, points)

    def loop():
        return jnp.stack([one(rate, point) for rate, point in configurations])

    vmap_first, vmapped_points = timed(vmapped)
    compile_first, _ = timed(lambda: one(*configurations[0]))
    loop_once, looped_points = timed(loop)
    # interleaved, so that the other jobs of a shared machine slow both alike
    vmap_runs, loop_runs = [], [loop_once]
    for _ in range(repeats):
        vmap_runs.append(timed(vmapped)[0])
        loop_runs.append(timed(loop)[0])
    vmap_run, loop_run = min(vmap_runs), min(loop_runs)
    vmapped_points = np.asarray(vmapped_points).reshape(-1, 2)
    return (
        (vmap_first, vmap_run, compile_first + loop_once, loop_run),
        vmapped_points,
        np.asarray(looped_points),
    )


def bilinear_invariant_drift(rates, points, final_points):
    """max over configurations of |I(end) − I(start)| / I(start), I = x² + y² + η·x·y."""
    eta = np.repeat(rates.astype(np.float64), len(points))[:, None]
    start = np.tile(points.astype(np.float64), (len(rates), 1))
    end = final_points.astype(np.float64)

    def invariant(p):
        return p[:, 0] ** 2 + p[:, 1] ** 2 + eta[:, 0] * p[:, 0] * p[:, 1]

    return float(np.max(np.abs(invariant(end) - invariant(start)) / invariant(start)))


def benchmark(step_sizes: int, starts: int, steps: int, repeats: int):
    """The table's rows and the bilinear game's invariant drift."""
    rates, points = sweep_axes(step_sizes, starts)
    rows, drift = [], None
    for name, game in GAMES.items():
        seconds, vmapped_points, looped_points = compare(game, rates, points, steps, repeats)
        if not np.all(np.isfinite(vmapped_points)):
            raise RuntimeError(f"{name}: a final point is not finite; lower the largest rate")
        difference = float(np.max(np.abs(vmapped_points - looped_points)))
        vmap_first, vmap_run, loop_first, loop_run = seconds
        count = step_sizes * starts
        speedups = (loop_first / vmap_first, loop_run / vmap_run)
        rows.append((name, "vmap", count, steps, vmap_first, vmap_run, *speedups, difference))
        rows.append((name, "loop", count, steps, loop_first, loop_run, 1.0, 1.0, difference))
        if name == "bilinear":
            drift = bilinear_invariant_drift(rates, points, vmapped_points)
    return rows, drift


def print_table(rows):
    cells = [HEADER] + [
        (game, method, f"{count:,}", f"{steps:,}", f"{first:.4g}", f"{run:.4g}")
        + (f"{speedup_first:.1f}", f"{speedup_run:.1f}", f"{difference:.2g}")
        for game, method, count, steps, first, run, speedup_first, speedup_run, difference in rows
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(HEADER))]
    for row in cells:
        print("  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", action="store_true", help="8 × 8 configurations, 100 steps")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs after the first")
    args = parser.parse_args()
    if args.repeats < 1:
        parser.error(f"--repeats must be at least 1, got {args.repeats}")
    step_sizes, starts, steps = (8, 8, 100) if args.small else (32, 32, 1000)
    print(f"jax {jax.__version__} on {jax.devices()[0].platform} ({platform.machine()})")
    print(f"alternating SGD, {step_sizes} step sizes × {starts} starts, {steps} steps")
    rows, drift = benchmark(step_sizes, starts, steps, args.repeats)
    print_table(rows)
    print(f"bilinear: max relative drift of x² + y² + η·x·y over the sweep: {drift:.2g}")
    worst = max(row[-1] for row in rows)
    if worst > TOLERANCE:
        raise SystemExit(f"vmap and loop final points differ by {worst:.3g} > {TOLERANCE}")
    if drift > INVARIANT_TOLERANCE:
        raise SystemExit(f"the bilinear invariant drifted by {drift:.3g} > {INVARIANT_TOLERANCE}")


if __name__ == "__main__":
    main()
