"""Where the time of R ``gan_ring8`` runs as one program (``jaxgen train --seeds R``) goes on
XLA's CPU backend, and which ways of running the stacked step are faster per run.

    .venv/bin/python benchmarks/runs_profile.py            # all three tables, ~6 minutes
    .venv/bin/python benchmarks/runs_profile.py --skip-variants   # tables 1 and 3, ~2 minutes

1. The batched matmul alone: ``einsum('rbi,rij->rbj')`` of [R, 512, 128] @ [R, 128, 128] (what
   ``vmap`` makes of a 128 → 128 layer) against R plain matmuls and one [R·512, 128] @ [128, 128]
   matmul, and what XLA compiles the batched dot to.
2. The stacked step per run-step against one run's step, each variant in a fresh process (XLA
   flags and the host device count are read when JAX starts), with a fixed batch:
   the whole ``vmap`` (what ``jaxgen.train.runs`` did before it stepped chunks on CPU),
   ``lax.map`` over chunks of C runs (a scan over ``vmap``-ed chunks), the recipe's own step,
   2 host devices, and XLA CPU flags.
3. A ``jax.profiler`` trace of the step, op times summed by kind, per run-step, for one run,
   R runs in one ``vmap`` and R runs in chunks; "ops / wall" above 1 means both threads were busy.

The machine is shared: every table's ratios come from the same run; rows of table 2 are
separate processes, so the one-run row is measured first and last to show the drift.
"""

import argparse
import collections
import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np

FIELDS = ("params", "model_state", "rule_state", "key")  # the runs' own fields (RUN_AXES)
NO_YNN = "--xla_cpu_experimental_ynn_fusion_type="  # the exact (empty) list: no YNNPACK fusions
# (label, runs, chunk, host devices, step, XLA_FLAGS). Step "runs.py": the recipe's own step
# (on 2 devices it splits each run's batch); "stacked": stacked_step below, the runs split over
# the devices, chunk None the whole vmap (what runs.py did before it stepped chunks on CPU).
WHOLE_VMAP = (64, None, 1, "stacked")
VARIANTS = [
    ("one run", 1, None, 1, "runs.py", ""),
    ("whole vmap", 8, None, 1, "stacked", ""),
    ("whole vmap", *WHOLE_VMAP, ""),
    ("lax.map, chunks of 2", 64, 2, 1, "stacked", ""),
    ("lax.map, chunks of 4", 64, 4, 1, "stacked", ""),
    ("lax.map, chunks of 8", 64, 8, 1, "stacked", ""),
    ("lax.map, chunks of 16", 64, 16, 1, "stacked", ""),
    ("runs.py step", 64, None, 1, "runs.py", ""),
    ("2 devices, runs.py step", 64, None, 2, "runs.py", ""),
    ("2 devices, whole vmap, runs split", 64, None, 2, "stacked", ""),
    ("whole vmap, no YNNPACK (Eigen dots)", *WHOLE_VMAP, NO_YNN),
    (
        "whole vmap, XNNPACK dots",
        *WHOLE_VMAP,
        f"{NO_YNN} --xla_cpu_experimental_xnn_fusion_type=dot",
    ),  # fmt: skip
    ("whole vmap, single-threaded Eigen", *WHOLE_VMAP, "--xla_cpu_multi_thread_eigen=false"),
    (
        "whole vmap, concurrency scheduler",
        *WHOLE_VMAP,
        "--xla_cpu_scheduler_type=CPU_SCHEDULER_TYPE_CONCURRENCY_OPTIMIZED",
    ),  # fmt: skip
    (
        "whole vmap, memory scheduler",
        *WHOLE_VMAP,
        "--xla_cpu_scheduler_type=CPU_SCHEDULER_TYPE_MEMORY_OPTIMIZED",
    ),  # fmt: skip
    ("one run", 1, None, 1, "runs.py", ""),
]


def best_seconds(call, repeats=3, calls=10):
    """Best over ``repeats`` of the mean seconds of ``calls`` calls (the first call compiles)."""
    import jax

    jax.block_until_ready(call())
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            out = call()
        jax.block_until_ready(out)
        best = min(best, (time.perf_counter() - start) / calls)
    return best


def dot_table(run_counts):
    """Table 1: the batched 128 → 128 layer matmul against a loop and one flat matmul."""
    import jax
    import jax.numpy as jnp

    rows = []
    for runs in run_counts:
        x_key, w_key = jax.random.split(jax.random.PRNGKey(0))
        x = jax.random.normal(x_key, (runs, 512, 128))
        w = jax.random.normal(w_key, (runs, 128, 128))
        batched = jax.jit(lambda x, w: jnp.einsum("rbi,rij->rbj", x, w))
        loop = jax.jit(lambda x, w: [x[k] @ w[k] for k in range(x.shape[0])])
        flat = jax.jit(lambda x, w: x.reshape(-1, 128) @ w[0])
        calls = max(3, 200 // runs)
        seconds = [best_seconds(lambda f=f, x=x, w=w: f(x, w), calls=calls)
                   for f in (batched, loop, flat)]  # fmt: skip
        rows.append((runs, *seconds))
    print("1. [R,512,128] @ [R,128,128], µs per call (GFLOP/s)")
    print(f"{'R':>4}  {'vmap einsum':>18}  {'loop of R matmuls':>18}  {'one [R*512] matmul':>18}")
    for runs, *seconds in rows:
        flop = 2 * runs * 512 * 128 * 128
        cells = [f"{s * 1e6:9.0f} ({flop / s / 1e9:5.1f})" for s in seconds]
        print(f"{runs:>4}  " + "  ".join(f"{c:>18}" for c in cells))
    x, w = np.zeros((8, 512, 128), np.float32), np.zeros((8, 128, 128), np.float32)
    text = batched.lower(x, w).compile().as_text()
    root = next(line for line in text.splitlines() if line.lstrip().startswith("ROOT") and
                "ENTRY" not in line and "kind=" in line)  # fmt: skip
    print("the batched dot compiles to:", re.sub(r", metadata=\{[^}]*\}", "", root.strip()))


def stacked_step(single_step, runs, chunk, mesh):
    """The step of ``runs`` stacked runs as ``jaxgen.train.runs.stack`` builds it (non-finite
    updates kept out), ``vmap``-ed whole or (``chunk``) a ``lax.map`` over chunks of runs;
    the runs' own fields and the batches split over ``mesh``'s devices."""
    import jax
    import jax.numpy as jnp
    from jax.sharding import NamedSharding
    from jax.sharding import PartitionSpec as P

    from jaxgen.train.state import all_finite

    def one_run(state, fields, batch):
        new, metrics = single_step(state.replace(**fields), batch)
        keep = all_finite(new.params)
        kept = {f: jax.tree.map(lambda u, p: jnp.where(keep, u, p), getattr(new, f), fields[f])
                for f in FIELDS[:3]}  # fmt: skip
        return {**kept, "key": new.key}, metrics, new.step, new.data_state

    def step(states, batches):
        fields = {f: getattr(states, f) for f in FIELDS}

        def run_k(xs):
            return one_run(states, *xs)

        if chunk is None:
            outs = jax.vmap(run_k)((fields, batches))
        else:
            outs = jax.lax.map(run_k, (fields, batches), batch_size=chunk)
        new_fields, metrics, new_step, new_data = outs
        return states.replace(step=new_step[0], data_state=new_data[0], **new_fields), metrics

    by_run, replicated = NamedSharding(mesh, P("data")), NamedSharding(mesh, P())

    def state_shardings(states):
        return states.replace(step=replicated, data_state=replicated,
                              **{f: jax.tree.map(lambda _: by_run, getattr(states, f))
                                 for f in FIELDS})  # fmt: skip

    def compiled(states):
        shardings = (state_shardings(states), by_run)
        return jax.jit(step, in_shardings=shardings, out_shardings=shardings,
                       donate_argnums=0), shardings  # fmt: skip

    return compiled


def time_variant(runs, chunk, step_kind):
    """Seconds per step of one variant of table 2, in this process."""
    import jax

    from jaxgen import recipes
    from jaxgen.train.mesh import data_mesh

    recipe = recipes.get("gan_ring8", **({"seeds": runs} if runs > 1 else {}))
    batch = recipe.dataset("train").batch(0)
    one_batch = batch if runs == 1 else {k: v[0] for k, v in batch.items()}
    state = recipe.init(jax.random.PRNGKey(0), one_batch)
    step = recipe.step
    if step_kind == "stacked":
        single = recipes.get("gan_ring8").step.__wrapped__  # the step function, not its jit
        step, shardings = stacked_step(single, runs, chunk, data_mesh())(state)
        state, batch = jax.device_put((state, batch), shardings)
    holder = [state]

    def call():
        holder[0], _ = step(holder[0], batch)
        return holder[0]

    return best_seconds(call, calls=max(5, 400 // runs))


def variants_table():
    """Table 2: each variant in a fresh process."""
    print("\n2. stacked step, fixed batch, each row a fresh process")
    print(f"{'variant':>36}  {'R':>3}  {'ms/step':>8}  {'run-steps/s':>11}  {'× one run':>9}")
    one_run = None
    for label, runs, chunk, devices, step_kind, flags in VARIANTS:
        flags = " ".join(filter(None, (flags, f"--xla_force_host_platform_device_count={devices}")))
        env = {**os.environ, "XLA_FLAGS": flags, "JAX_PLATFORMS": "cpu"}
        worker = json.dumps({"runs": runs, "chunk": chunk, "step_kind": step_kind})
        done = subprocess.run([sys.executable, __file__, "--worker", worker], env=env,
                              capture_output=True, text=True)  # fmt: skip
        if done.returncode:
            print(f"{label:>36}  {runs:>3}  failed: {done.stderr.strip().splitlines()[-1]}")
            continue
        seconds = json.loads(done.stdout.strip().splitlines()[-1])["seconds"]
        rate = runs / seconds
        one_run = one_run or rate
        print(f"{label:>36}  {runs:>3}  {seconds * 1e3:8.2f}  {rate:11.0f}  {rate / one_run:9.2f}",
              flush=True)  # fmt: skip
    print("flags: " + "; ".join(f"{label}: {flags}" for label, *_, flags in VARIANTS if flags))


def op_kind(name):
    for prefix, kind in (("ynn_fusion", "matmul, YNNPACK fusion"), ("dot", "matmul, XLA dot"),
                         ("while", "loops (while)"), ("copy", "copies"),
                         ("transpose", "copies")):  # fmt: skip
        if name.startswith(prefix):
            return kind
    return "elementwise/reduce fusions" if "fusion" in name else "other"


def profile(runs, chunk):
    """Op microseconds per run-step by kind, the wall per run-step and the largest ops."""
    import jax
    from jax.profiler import ProfileData

    from jaxgen import recipes
    from jaxgen.train.mesh import data_mesh

    recipe = recipes.get("gan_ring8", **({"seeds": runs} if runs > 1 else {}))
    batch = recipe.dataset("train").batch(0)
    state = recipe.init(jax.random.PRNGKey(0), batch if runs == 1 else
                        {k: v[0] for k, v in batch.items()})  # fmt: skip
    step = recipe.step
    if runs > 1:
        single = recipes.get("gan_ring8").step.__wrapped__
        step, _ = stacked_step(single, runs, chunk, data_mesh())(state)
    names = {}
    for line in step.lower(state, batch).compile().as_text().splitlines():
        found = re.match(r'\s*(?:ROOT )?%(\S+) = .*op_name="([^"]+)"', line)
        if found:
            names[found[1]] = re.sub(r"^jit\(step\)/|vmap\(jit\(train_step\)\)/|jit\(train_step"
                                     r"\)/|vmap\(<lambda>\)/", "", found[2])  # fmt: skip
    holder = [state]

    def call():
        holder[0], _ = step(holder[0], batch)
        return holder[0]

    calls = max(5, 200 // runs)
    wall = best_seconds(call, calls=calls)
    with tempfile.TemporaryDirectory() as trace_dir:
        with jax.profiler.trace(trace_dir):
            for _ in range(calls):
                out = call()
            jax.block_until_ready(out)
        data = ProfileData.from_file(glob.glob(f"{trace_dir}/**/*.xplane.pb", recursive=True)[0])
    per_op = collections.Counter()
    for plane in data.planes:
        for line in plane.lines:
            if line.name.startswith("tf_XLAEigen"):
                for event in line.events:
                    if not event.name.startswith("ThunkExecutor"):
                        per_op[event.name] += event.duration_ns / 1e3 / calls / runs
    by_kind = collections.Counter()
    for name, us in per_op.items():
        by_kind[op_kind(name)] += us
    top = [(us, name, names.get(name, "")) for name, us in per_op.most_common(5)]
    return wall * 1e6 / runs, by_kind, top


def profile_table(runs, chunk):
    print(f"\n3. jax.profiler: op µs per run-step by kind (both threads summed), R = {runs}")
    columns = [("one run", 1, None), (f"whole vmap {runs}", runs, None),
               (f"{runs}, chunks of {chunk}", runs, chunk)]  # fmt: skip
    results = [profile(r, c) for _, r, c in columns]
    kinds = sorted({k for _, by_kind, _ in results for k in by_kind},
                   key=lambda k: -results[-2][1][k])  # fmt: skip
    print(f"{'':>28}" + "".join(f"{label:>18}" for label, *_ in columns))
    for kind in kinds:
        print(f"{kind:>28}" + "".join(f"{by_kind[kind]:18.1f}" for _, by_kind, _ in results))
    total = [sum(by_kind.values()) for _, by_kind, _ in results]
    print(f"{'ops, summed':>28}" + "".join(f"{t:18.1f}" for t in total))
    print(f"{'wall (no profiler)':>28}" + "".join(f"{w:18.1f}" for w, *_ in results))
    walls = [wall for wall, *_ in results]
    ratios = [t / w for t, w in zip(total, walls, strict=True)]
    print(f"{'ops / wall':>28}" + "".join(f"{r:18.2f}" for r in ratios))
    for (label, *_), (_, _, top) in zip(columns, results, strict=True):
        print(f"largest ops, {label}:")
        for us, name, op in top:
            print(f"  {us:7.1f} µs/run-step  {name:<24} {op}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, nargs="+", default=[1, 8, 64],
                        help="run counts of table 1 (table 3 profiles the largest)")  # fmt: skip
    parser.add_argument("--chunk", type=int, default=8, help="runs per chunk in table 3")
    parser.add_argument("--skip-variants", action="store_true", help="leave out table 2")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps({"seconds": time_variant(**json.loads(args.worker))}))
        return
    import jax

    print(f"jax {jax.__version__}, gan_ring8 batch 512, cpu threads {os.cpu_count()}, "
          f"load {os.getloadavg()[0]:.1f}")  # fmt: skip
    dot_table(args.runs)
    if not args.skip_variants:
        variants_table()
    profile_table(max(args.runs), args.chunk)


if __name__ == "__main__":
    main()
