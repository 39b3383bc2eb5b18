"""The many-runs step on CPU with its runs in chunks of C, against all runs in one vmap.

    .venv/bin/python benchmarks/runs_chunks.py [--cases gan_ring8:64,dcgan_digits:8]
        [--chunks 4,8] [--calls 10]

``jaxgen.train.runs`` vmaps chunks of ``CPU_RUNS_PER_CHUNK`` runs on CPU (each chunk's
activations stay in cache; benchmarks/runs_profile.py shows why). For each ``recipe:runs``
case and chunk size this prints the first call (compilation included) and the time per step
of the stacked step on a fixed batch, each measured in a fresh process so that no compiled
program is shared; "all" is the whole vmap (chunk = the number of runs).
"""

import argparse
import json
import subprocess
import sys
import time


def measure(name, seeds, chunk, calls):
    """``(first call s, ms per step)`` of ``name`` with ``seeds`` runs in chunks of ``chunk``."""
    import jax

    from jaxgen import recipes
    from jaxgen.train import runs
    from jaxgen.train.loop import call_batch

    runs.CPU_RUNS_PER_CHUNK = chunk
    recipe = recipes.get(name, seeds=seeds)
    state = recipe.init(jax.random.PRNGKey(0), recipe.example_batch())
    batch = call_batch(recipe, recipe.dataset("train"), 0)[0]
    began = time.perf_counter()
    state, metrics = recipe.step(state, batch)
    jax.block_until_ready(metrics)
    first = time.perf_counter() - began
    began = time.perf_counter()
    for _ in range(calls):
        state, metrics = recipe.step(state, batch)
    jax.block_until_ready(metrics)
    return first, (time.perf_counter() - began) / calls * 1000


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", default="gan_ring8:64,dcgan_digits:8")
    parser.add_argument("--chunks", default="4,8")
    parser.add_argument("--calls", type=int, default=10)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(measure(*json.loads(args.worker), args.calls)))
        return
    print(
        f"{'recipe':>14} {'runs':>5} {'chunk':>6} {'first call s':>13} {'ms/step':>9} {'× all':>7}"
    )
    for case in args.cases.split(","):
        name, seeds = case.split(":")
        seeds = int(seeds)
        chunks = [int(c) for c in args.chunks.split(",") if int(c) < seeds]
        base = None
        for chunk in [seeds, *chunks]:
            worker = json.dumps([name, seeds, chunk])
            command = [sys.executable, __file__, "--worker", worker, "--calls", str(args.calls)]
            out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
            first, ms = json.loads(out.strip().splitlines()[-1])
            base = base or ms
            label = "all" if chunk == seeds else str(chunk)
            print(f"{name:>14} {seeds:>5} {label:>6} {first:>13.1f} {ms:>9.0f} {base / ms:>7.2f}")


if __name__ == "__main__":
    main()
