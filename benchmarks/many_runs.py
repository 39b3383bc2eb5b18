"""N seeds of ``gan_ring8`` as one program (``jaxgen train --seeds N``) against N separate
``jaxgen train`` runs, one after another as a user would run them, start-up and compilation
included on both sides.

    .venv/bin/python benchmarks/many_runs.py                  # 64 seeds × 2,000 steps
    .venv/bin/python benchmarks/many_runs.py --runs 4 --steps 50   # a quick check, ~1 minute

Both sides run the ``jaxgen`` command in fresh processes, with the recipe's defaults (batch 512,
a sample grid every 500 steps, a checkpoint at the end) and without a persistent compilation
cache, so every separate run pays JAX's start-up and its compilation as it would for a user.
Run k of the ``--seeds`` program is the separate run ``--set seed=k``
(``jaxgen.train.runs``); the script prints the largest parameter difference of ``--check``
runs: rounding at first, grown by the chaotic GAN dynamics over 2,000 steps (~0.5).
The table gives the wall seconds of each side and the ratio separate / one program.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

JAXGEN = [sys.executable, "-m", "jaxgen.cli"]


def train_command(workdir, steps, *extra):
    return [*JAXGEN, "train", "gan_ring8", "--workdir", workdir, "--no-progress",
            "--set", f"steps={steps}", *extra]  # fmt: skip


def run(command):
    """Seconds of ``command`` in a fresh process, without a persistent compilation cache."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("JAX_COMPILATION_CACHE")}
    start = time.perf_counter()
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def max_difference(multi_workdir, separate_workdirs, runs):
    """Largest |parameter difference| between run k of the program and separate run k."""
    import jax

    import jaxgen

    worst = 0.0
    for run_index in runs:
        _, ours = jaxgen.load(multi_workdir, run=run_index)
        _, alone = jaxgen.load(separate_workdirs[run_index])
        for a, b in zip(jax.tree.leaves(ours.params), jax.tree.leaves(alone.params), strict=True):
            worst = max(worst, float(np.max(np.abs(np.asarray(a) - np.asarray(b)))))
    return worst


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=64)
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--check", type=int, default=3, help="runs whose parameters to compare")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as root:
        multi = os.path.join(root, "seeds")
        one_program = run(train_command(multi, args.steps, "--seeds", str(args.runs)))
        separate = [os.path.join(root, f"seed{k}") for k in range(args.runs)]
        separate_s = sum(
            run(train_command(workdir, args.steps, "--set", f"seed={k}"))
            for k, workdir in enumerate(separate)
        )
        difference = max_difference(multi, separate, range(min(args.check, args.runs)))
    print(f"gan_ring8, batch 512, {args.runs} runs x {args.steps} steps, cpu threads "
          f"{os.cpu_count()}")  # fmt: skip
    print(f"{'method':>22}  {'wall s':>8}  {'runs/min':>8}  {'ratio':>6}")
    for method, seconds in (("--seeds (one program)", one_program),
                            ("separate jaxgen train", separate_s)):  # fmt: skip
        ratio = separate_s / seconds
        print(f"{method:>22}  {seconds:8.1f}  {60 * args.runs / seconds:8.2f}  {ratio:6.2f}")
    print(f"max |param difference| of runs 0..{min(args.check, args.runs) - 1}: {difference:.2e}")


if __name__ == "__main__":
    main()
