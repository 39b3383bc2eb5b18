"""Steps/s of jaxgen's compiled train step beside a PyTorch eager reference of the same
networks, optimizer and loss (benchmarks/torch_reference.py), all measured in one run.

    .venv/bin/python benchmarks/step_vs_torch.py [--steps N] [--cases dcgan_mnist gan_ring8]
        [--threads T] [--small]

Cases: DESIGN.md's reference networks, ``dcgan_mnist`` at batch 64 and ``gan_ring8`` at batch
512, each step one D update then one G update (tests/test_benchmarks_torch.py checks that
both sides compute the same losses, gradients and updates). jaxgen runs its recipe as it is
in the tree (``recipes.get(case)``), its step compiled ahead of time; PyTorch runs
``torch.set_num_threads(T)`` with T the number of CPUs this process may use, the size of
XLA's thread pool, and tries NCHW and ``torch.channels_last`` for the convolutional case,
reporting the faster.

Timing: each side warms up (jaxgen: compile and one step; PyTorch: three steps), then runs
three windows of ``--steps`` steps (per-case defaults below); the best window counts.
GFLOP/step is XLA's cost analysis of the compiled step; the PyTorch step does the same
work, so the ratio of steps/s is also the ratio of achieved FLOP/s. "of_peak" divides by a
float32 2048² matmul in JAX measured in this run (the best of one before and one after the
workers).

Memory: every side of every case runs in its own subprocess (this script with ``--worker``)
and reports its peak resident set (``ru_maxrss``). That includes the framework itself (the
imported libraries, XLA's compiler) and, for PyTorch, the larger of the memory formats
tried. The size of XLA's buffers for the step (arguments + outputs + temporaries − donated)
is printed below the table.

Rows: one per jaxgen compute dtype (``--dtypes``; the recipes' ``compute_dtype``: bfloat16
computes the networks in bfloat16, parameters stay float32); PyTorch runs float32 in both,
and "of_peak" is always of the float32 matmul peak. PyTorch with two threads slows
down most when other processes compete for the CPUs (its OpenMP threads wait for descheduled
peers): the script prints how much CPU other processes used during the run (/proc/stat minus
its own) and warns when that exceeds a tenth of the CPUs.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time

CASES = ("dcgan_mnist", "gan_ring8")
DTYPES = ("float32", "bfloat16")
BATCH_SIZES = {"dcgan_mnist": 64, "gan_ring8": 512}
SHAPES = {"dcgan_mnist": (28, 28, 1), "gan_ring8": (2,)}  # one real example, as jaxgen feeds it
STEPS = {"dcgan_mnist": 20, "gan_ring8": 400}  # per timed window, 1-2 s of PyTorch when quiet
WARMUP_STEPS = 3
WINDOWS = 3
# --small: the same networks at smaller batches, few steps, a smaller matmul.
SMALL_BATCH_SIZES = {"dcgan_mnist": 8, "gan_ring8": 64}
SMALL_STEPS = {"dcgan_mnist": 1, "gan_ring8": 10}
SMALL_WARMUP_STEPS = 1
SMALL_MATMUL = 512
OTHERS_WARNING = 0.1  # the fraction of the CPUs that other processes may use unremarked
RESULT_PREFIX = "RESULT "


def best_rate(run_steps, steps):
    """Steps/s of the fastest of ``WINDOWS`` calls of ``run_steps(steps)``, which returns when
    the steps are done."""
    rates = []
    for _ in range(WINDOWS):
        start = time.perf_counter()
        run_steps(steps)
        rates.append(steps / (time.perf_counter() - start))
    return max(rates)


def cpu_seconds():
    """``(all processes', this process and its children's)`` CPU-seconds since boot."""
    with open("/proc/stat") as f:
        user, nice, system, _, _, irq, softirq = map(int, f.readline().split()[1:8])
    own = os.times()
    busy = (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")
    return busy, own.user + own.system + own.children_user + own.children_system


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def jaxgen_side(case, batch_size, steps, dtype):
    """Steps/s, FLOPs, XLA buffer bytes and parameter counts of the recipe's step."""
    # Imported here so that a PyTorch worker's peak memory holds no JAX.
    import jax

    from jaxgen import recipes
    from jaxgen.train.mesh import put_batch

    recipe = recipes.get(case, batch_size=batch_size, compute_dtype=dtype)
    state = recipe.init(jax.random.PRNGKey(0), recipe.example_batch())
    counts = {
        player: sum(x.size for x in jax.tree.leaves(getattr(state.params, player)))
        for player in ("g", "d")
    }
    batch = put_batch(recipe.dataset("train").batch(0), recipe.mesh)
    step = recipe.step.lower(state, batch).compile()
    memory = step.memory_analysis()
    buffers = (
        memory.argument_size_in_bytes
        + memory.output_size_in_bytes
        + memory.temp_size_in_bytes
        - memory.alias_size_in_bytes
    )
    state, metrics = step(state, batch)
    jax.block_until_ready(metrics)

    def run_steps(count):
        nonlocal state, metrics
        for _ in range(count):
            state, metrics = step(state, batch)
        jax.block_until_ready(metrics)

    return {
        "rate": best_rate(run_steps, steps),
        "flops": step.cost_analysis()["flops"],
        "xla_buffers_mib": buffers / 2**20,
        "counts": counts,
        "device": f"{jax.devices()[0].device_kind} x{jax.device_count()}",
        "version": jax.__version__,
    }


def torch_side(case, batch_size, steps, threads, warmup):
    """Steps/s of the PyTorch reference in each memory format, and its parameter counts."""
    import torch
    import torch_reference

    torch.set_num_threads(threads)
    formats = {"nchw": torch.contiguous_format}
    if len(torch_reference.CASES[case]["data_shape"]) == 3:
        formats["channels_last"] = torch.channels_last
    rates = {}
    for name, memory_format in formats.items():
        model = torch_reference.build(case, memory_format=memory_format)
        real = torch_reference.real_batch(case, batch_size, memory_format)

        def run_steps(count, model=model, real=real):
            for _ in range(count):
                torch_reference.train_step(model, real)

        run_steps(warmup)
        rates[name] = best_rate(run_steps, steps)
    return {
        "rates": rates,
        "counts": torch_reference.parameter_counts(model),
        "version": torch.__version__,
    }


def worker(args):
    """Runs one side of one case in this process and prints its result as one JSON line."""
    case = args.cases[0]
    batch_size = (SMALL_BATCH_SIZES if args.small else BATCH_SIZES)[case]
    if args.worker == "jaxgen":
        result = jaxgen_side(case, batch_size, args.steps, args.dtypes[0])
    else:
        warmup = SMALL_WARMUP_STEPS if args.small else WARMUP_STEPS
        result = torch_side(case, batch_size, args.steps, args.threads, warmup)
    result["peak_rss_mib"] = peak_rss_mib()
    print(RESULT_PREFIX + json.dumps(result), flush=True)


def run_worker(side, case, args, steps, dtype="float32"):
    command = [sys.executable, __file__, "--worker", side, "--cases", case, "--steps", str(steps)]
    command += ["--dtypes", dtype]
    command += ["--threads", str(args.threads)] + (["--small"] if args.small else [])
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"the {side} worker of {case} failed:\n{result.stderr}")
    line = next(ln for ln in reversed(result.stdout.splitlines()) if ln.startswith(RESULT_PREFIX))
    return json.loads(line[len(RESULT_PREFIX) :])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", nargs="+", choices=CASES, default=list(CASES))
    parser.add_argument(
        "--steps", type=int, help=f"steps per timed window (default: {STEPS}; --small: fewer)"
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=len(os.sched_getaffinity(0)),
        help="PyTorch's threads (default: the CPUs this process may use, as XLA)",
    )
    parser.add_argument(
        "--small", action="store_true", help="a quick run at smaller batches (for the tests)"
    )
    parser.add_argument(
        "--dtypes",
        nargs="+",
        choices=DTYPES,
        default=list(DTYPES),
        help="jaxgen's compute dtypes, a row each (the recipes' compute_dtype; PyTorch: float32)",
    )
    parser.add_argument("--worker", choices=("jaxgen", "torch"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.steps is not None and args.steps < 1:
        parser.error(f"--steps must be at least 1, got {args.steps}")
    if args.threads < 1:
        parser.error(f"--threads must be at least 1, got {args.threads}")
    if args.worker:
        worker(args)
        return

    from machine import cpu_name, matmul_peak

    def measure_peak():
        return matmul_peak(SMALL_MATMUL, 3) if args.small else matmul_peak()

    cpus = len(os.sched_getaffinity(0))
    start_time, start_cpu = time.perf_counter(), cpu_seconds()
    peaks = [measure_peak()]
    results = {}
    for case in args.cases:
        steps = args.steps or (SMALL_STEPS if args.small else STEPS)[case]
        ours = {dtype: run_worker("jaxgen", case, args, steps, dtype) for dtype in args.dtypes}
        theirs = run_worker("torch", case, args, steps)
        for dtype, result in ours.items():
            if result["counts"] != theirs["counts"]:
                raise SystemExit(
                    f"{case} ({dtype}): jaxgen has {result['counts']} parameters, the PyTorch "
                    f"reference {theirs['counts']}: fix benchmarks/torch_reference.py"
                )
        results[case] = ours, theirs
    # Measured again at the end: on a shared machine the start alone can catch a busy moment.
    peaks.append(measure_peak())
    peak = max(peaks)
    (busy, own), (busy_before, own_before) = cpu_seconds(), start_cpu
    others = ((busy - busy_before) - (own - own_before)) / (time.perf_counter() - start_time)

    ours, theirs = results[args.cases[0]]
    ours = ours[args.dtypes[0]]
    print(
        f"device: {ours['device']}, cpu: {cpu_name()}, jax {ours['version']}, "
        f"torch {theirs['version']} (threads: {args.threads})"
    )
    size = SMALL_MATMUL if args.small else 2048
    print(
        f"float32 matmul peak (JAX, {size}²): {peak:.1f} GFLOP/s "
        f"(best of {peaks[0]:.1f} at start and {peaks[1]:.1f} at end)"
    )
    print(f"other processes used {others:.2f} of the {cpus} CPUs during the run, on average")
    if others > OTHERS_WARNING * cpus:
        print("warning: the machine was busy; the numbers are low, PyTorch's the most (its OpenMP")
        print("threads wait for descheduled peers): run again on a quiet machine")
    header = (
        "case",
        "shape",
        "dtype",
        "jaxgen_steps/s",
        "GFLOP/step",
        "GFLOP/s",
        "of_peak",
        "jaxgen_MiB",
        "torch_steps/s",
        "torch_format",
        "torch_MiB",
        "jaxgen/torch",
    )
    rows, notes = [], []
    batch_sizes = SMALL_BATCH_SIZES if args.small else BATCH_SIZES
    for case, (by_dtype, theirs) in results.items():
        torch_format, torch_rate = max(theirs["rates"].items(), key=lambda item: item[1])
        rows += [
            (
                case,
                "x".join(str(n) for n in (batch_sizes[case], *SHAPES[case])),
                dtype,
                f"{ours['rate']:.1f}",
                f"{ours['flops'] / 1e9:.3f}",
                f"{ours['rate'] * ours['flops'] / 1e9:.1f}",
                f"{ours['rate'] * ours['flops'] / 1e9 / peak:.1%}",
                f"{ours['peak_rss_mib']:.0f}",
                f"{torch_rate:.1f}",
                torch_format if len(theirs["rates"]) > 1 else "-",
                f"{theirs['peak_rss_mib']:.0f}",
                f"{ours['rate'] / torch_rate:.2f}",
            )
            for dtype, ours in by_dtype.items()
        ]
        per_format = ", ".join(f"{name} {rate:.1f}" for name, rate in theirs["rates"].items())
        buffers = ", ".join(f"{d} {r['xla_buffers_mib']:.1f}" for d, r in by_dtype.items())
        notes.append(
            f"{case}: PyTorch steps/s {per_format}; XLA buffers of the step (MiB) {buffers}"
        )
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    for row in (header, *rows):
        print("  ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True)))
    print()
    for note in notes:
        print(note)


if __name__ == "__main__":
    main()
