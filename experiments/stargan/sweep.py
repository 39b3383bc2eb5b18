"""Several settings of ``experiments.stargan.run`` side by side, and one table of their results.

    .venv/bin/python -m experiments.stargan.sweep --out DIR [--parallel N] [--only TAG ...]
        [--seeds 0 1 ...] [--steps-scale F] [--measure-stopped]

Each setting of ``SETTINGS`` (a tag, the data, the steps, the ``--set`` overrides) is run as
``python -m experiments.stargan.run --data DATA --steps STEPS --tag TAG_sSEED --out DIR
--set seed=SEED --set ...`` in its own process, ``--parallel`` at a time (on one GPU: each
process takes a slice of its memory, ``XLA_PYTHON_CLIENT_MEM_FRACTION``), for each of
``--seeds``. The classifiers are fitted first, once per data set, by a 1-step run (tag
``classifiers``; ``run.py`` keeps them in ``DIR/runs`` for the others). ``DIR/report.json``
then holds one row per run: the command, its training time, the share of translations put in
the requested domain and of those keeping their digit (the issue's two checks, ≥ 0.9 each),
the per-pair digit accuracies, and the log's last lines when a run failed. Each run's own
results are ``DIR/results_{data}_{tag}_s{seed}.json`` (``run.py``).

``--measure-stopped`` is for a time box (``experiments/accelerator_queue.sh``): SIGTERM to the
sweep's process group then stops every run, each measures the step it reached (``run.py
--measure-stopped``; its row says ``stopped_at_step``), no further run starts, and the report
is still written.
"""

import argparse
import json
import os
import pathlib
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed

from experiments.entry import run_command

# The best generator shape found on CPU ("What was tried" in README.md): U-Net skips, one
# downsampling, 2 critic steps, rates 5e-4.
SKIPS = {
    "g_skips": True,
    "g_downsamplings": 1,
    "d_steps": 2,
    "g_learning_rate": 5e-4,
    "d_learning_rate": 5e-4,
}
# A generator without downsampling and with small kernels: a short receptive field, so that
# drawing another digit is hard; the spatial mixing can still turn the image.
LOCAL = {**SKIPS, "g_downsamplings": 0, "g_blocks": 1, "g_outer_kernel": 3}
FAKE_CLASS_AND_PAIR_TABLE = {
    **SKIPS,
    "identity_weight": 10,
    "fake_class_weight": 1.0,
    "g_pair_turns": 4,
    "source_weight": 1.0,
    "g_pair_layout": True,
    "g_pair_table_scale": 20.0,
}
SETTINGS = {
    "paper": ("digits", 4000, {}),
    "paper_id10": ("digits", 4000, {"identity_weight": 10}),
    "skips": ("digits", 4000, SKIPS),
    "skips_id10": ("digits", 4000, {**SKIPS, "identity_weight": 10}),
    "skips_mix": ("digits", 4000, {**SKIPS, "g_spatial_mixing": True}),
    "skips_mix_id10": ("digits", 4000, {**SKIPS, "g_spatial_mixing": True, "identity_weight": 10}),
    "local_mix": ("digits", 4000, {**LOCAL, "g_spatial_mixing": True}),
    "local_mix_id10": ("digits", 4000, {**LOCAL, "g_spatial_mixing": True, "identity_weight": 10}),
    "mnist_paper": ("mnist", 4000, {}),
    "mnist_skips": ("mnist", 4000, SKIPS),
    "mnist_skips_id10": ("mnist", 4000, {**SKIPS, "identity_weight": 10}),
    "mnist_skips_mix_id10": (
        "mnist",
        4000,
        {**SKIPS, "g_spatial_mixing": True, "identity_weight": 10},
    ),
    # one map of the positions for all channels: keeps the inverted domain's digits
    "mnist_skips_mixshared_id10": (
        "mnist",
        4000,
        {**SKIPS, "g_spatial_mixing": True, "g_mixing_shared": True, "identity_weight": 10},
    ),
    # two learned maps of the input's positions, one chosen per example before the generator
    "mnist_skips_warp2_id10": ("mnist", 4000, {**SKIPS, "g_input_warps": 2, "identity_weight": 10}),
    # D_cls's class "a translation" and a table of quarter turns per (source, target) pair
    "mnist_skips_fake1_pairlayout_id10": ("mnist", 3000, FAKE_CLASS_AND_PAIR_TABLE),
    # the same with a table that commits four times slower (seed 1: 0.989 / 0.851)
    "mnist_skips_fake1_pairlayout_a5_id10": (
        "mnist",
        3000,
        {**FAKE_CLASS_AND_PAIR_TABLE, "g_pair_table_scale": 5.0},
    ),
    # the a = 20 table trained towards the critic's best turn as well
    "mnist_skips_fake1_pairlayout_choice1_id10": (
        "mnist",
        3000,
        {**FAKE_CLASS_AND_PAIR_TABLE, "turn_choice_weight": 1.0},
    ),
    # the same choice made per pair, from an average of the critic's terms over both directions
    "mnist_skips_fake1_pairlayout_pairchoice1_id10": (
        "mnist",
        3000,
        {**FAKE_CLASS_AND_PAIR_TABLE, "turn_choice_weight": 1.0, "turn_choice_pair_decay": 0.99},
    ),
    # the pairs' turns as differences of domain poses, each turning pair priced 2 critic units
    "mnist_skips_fake1_pairlayout_poseschoice1_c2_id10": (
        "mnist",
        3000,
        {
            **FAKE_CLASS_AND_PAIR_TABLE,
            "turn_choice_weight": 1.0,
            "turn_choice_pair_decay": 0.99,
            "turn_choice_poses": True,
            "turn_choice_turn_cost": 2.0,
        },
    ),
}


def command(tag, seed, out, steps_scale, measure_stopped=False):
    data, steps, overrides = SETTINGS[tag]
    sets = {"seed": seed, "log_every": 500, "sample_every": 10**9, **overrides}
    argv = [sys.executable, "-m", "experiments.stargan.run", "--data", data]
    argv += ["--steps", str(max(1, round(steps * steps_scale))), "--tag", f"{tag}_s{seed}"]
    argv += ["--out", str(out), "--workdir", str(out / "runs")]
    for key, value in sets.items():
        argv += ["--set", f"{key}={json.dumps(value)}"]
    if measure_stopped:
        argv.append("--measure-stopped")
    return data, argv


def fit_classifiers_once(data, out):
    """A 1-step run of ``data``: ``run.py`` fits and caches its classifiers."""
    argv = [sys.executable, "-m", "experiments.stargan.run", "--data", data, "--steps", "1"]
    argv += ["--tag", "classifiers", "--out", str(out / "classifiers")]
    argv += ["--workdir", str(out / "runs")]
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)


def run_one(tag, seed, out, steps_scale, memory_fraction, measure_stopped, stop):
    if stop.is_set():
        return {"tag": tag, "seed": seed, "returncode": None, "log_tail": "not started: stopped"}
    data, argv = command(tag, seed, out, steps_scale, measure_stopped)
    env = {**os.environ, "XLA_PYTHON_CLIENT_MEM_FRACTION": f"{memory_fraction:.3f}"}
    start = time.time()
    done = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
    row = {
        "tag": tag,
        "seed": seed,
        "command": " ".join(argv[1:]),
        "returncode": done.returncode,
        "wall_seconds": round(time.time() - start, 1),
    }
    results = out / f"results_{data}_{tag}_s{seed}.json"
    if done.returncode or not results.exists():
        row["log_tail"] = (done.stdout + done.stderr)[-3000:]
        return row
    r = json.loads(results.read_text())
    keys = ("steps", "train_seconds", "domain_accuracy", "digit_accuracy", "translation_error")
    row |= {k: r[k] for k in keys}
    row |= {"unchanged_error": r["unchanged_error"], "per_pair": r["digit_accuracy_per_pair"]}
    row["real_digit_accuracy"] = r["real_digit_accuracy"]
    if "stopped_at_step" in r:
        row["stopped_at_step"] = r["stopped_at_step"]
    return row


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=pathlib.Path, required=True)
    parser.add_argument("--parallel", type=int, default=1)
    parser.add_argument("--only", nargs="*", default=list(SETTINGS), choices=list(SETTINGS))
    parser.add_argument("--seeds", nargs="*", type=int, default=[0])
    parser.add_argument("--steps-scale", type=float, default=1.0)
    parser.add_argument(
        "--measure-stopped",
        action="store_true",
        help="on SIGTERM: every run measures the step it reached; none starts after",
    )
    args = parser.parse_args(argv)
    args.out = args.out.resolve()
    args.out.mkdir(parents=True, exist_ok=True)
    jobs = [(tag, seed) for tag in args.only for seed in args.seeds]
    fraction = min(0.9 / args.parallel, 0.75)
    for data in sorted({SETTINGS[tag][0] for tag in args.only}):
        fit_classifiers_once(data, args.out)
    stop = threading.Event()
    if args.measure_stopped:  # the runs get the same SIGTERM (one process group) and measure
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    rows = []
    with ThreadPoolExecutor(args.parallel) as pool:
        options = (args.out, args.steps_scale, fraction, args.measure_stopped, stop)
        running = [pool.submit(run_one, *job, *options) for job in jobs]
        for done in as_completed(running):  # the report grows as runs end: a cut run keeps it
            row = done.result()
            rows.append(row)
            (args.out / "report.json").write_text(json.dumps(rows, indent=1) + "\n")
            numbers = [row.get(k, "failed") for k in ("domain_accuracy", "digit_accuracy")]
            print(row["tag"], row["seed"], row.get("train_seconds"), *numbers, flush=True)


if __name__ == "__main__":
    run_command(main)
