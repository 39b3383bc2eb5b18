"""Every GAN objective side by side: ring8 mode coverage, mnist5k FID, the WGAN critic's curve.

    .venv/bin/python -m experiments.objectives.run [--out DIR] [--workdir DIR] [--quick]
                                                   [--part ring8|mnist|critic|all ...]
                                                   [--set mnist.steps=10000 ...] [--report]

Parts (budgets: ``config.py``):

- ``ring8``: each objective of ``config.OBJECTIVES`` (the non-saturating GAN ``gan_ring8``,
  ``{family}_ring8`` for the other families, ``fgan_ring8 --set objective=fgan_DIV`` for every
  f-divergence) trained with ``--set seed=S`` for 5 seeds, then 2,500 samples scored by
  ``jaxgen.metrics.run_eval.evaluate_run(metrics="modes")``: modes covered of 8 and the share of
  high-quality samples (VEEGAN/PacGAN protocol), mean ± standard error over the seeds.
- ``mnist``: one ``{family}_mnist`` run per family at one reduced budget for all, then FID, KID
  and precision/recall of 2,000 samples against the mnist5k train split on the mnist5k
  classifier's features (``evaluate_run``).
- ``critic``: ``wgan_digits`` and ``wgan_gp_digits`` with the critic's loss logged every few
  steps and FID measured along training (``eval_every``): the WGAN critic's estimate of the
  Wasserstein distance against sample quality (Arjovsky et al. 2017, Fig. 3-4), with the
  Spearman correlation of the two.

Each part trains in ``config.workers`` spawned processes and saves what it measured as
``WORKDIR/PART.json`` (and the samples of the figures as ``WORKDIR/PART_samples.npz``); the
report is then made from every part found in WORKDIR, so the parts can run one at a time
(several ``--part`` names share one pool of processes, side by side).
Writes ``results.md``, ``grid.png`` and ``critic_curve.png`` to ``--out`` (default: this
folder). Run folders go to ``--workdir`` (default ``runs/objectives``) and are deleted first.
``--set KEY=VALUE`` changes a budget of ``config.py`` (``workers=3``, ``mnist.steps=10000``,
``mnist.families=nsgan,wgan``); ``--report`` only rewrites the outputs from the parts saved in
WORKDIR (a part measured on another machine, say a GPU, is copied there first). Each run
records the device it trained on, and the tables name it.
"""

import argparse
import concurrent.futures
import contextlib
import json
import math
import multiprocessing
import pathlib
import shutil
import time
from typing import NamedTuple

import jax
import ml_collections
import numpy as np

from experiments.entry import parse_settings, run_command
from experiments.figures import save_figure
from experiments.objectives.config import get_config, recipe_of
from jaxgen.errors import UserError
from jaxgen.recipes.registry import apply_overrides

FOLDER = pathlib.Path(__file__).parent
DEFAULT_WORKDIR = pathlib.Path("runs") / "objectives"
PARTS = ("ring8", "mnist", "critic")
DPI = 80
SAMPLE_SEED = 0  # the samples scored and drawn: evaluate_run's default seed


class Job(NamedTuple):
    """One training run: which part, which objective, its recipe and where it goes."""

    part: str
    objective: str  # a name of config.OBJECTIVES / FAMILIES, or the critic part's recipe
    recipe: str
    overrides: dict  # config overrides beyond the part's budget (objective, seed)
    workdir: str


def jobs_of(part, config, workdir_root):
    """The ``Job``s of ``part``, in the order of config.py's objectives (and seeds)."""
    root = pathlib.Path(workdir_root) / part
    if part == "ring8":
        jobs = []
        for objective in config.ring8.objectives:
            name, overrides = recipe_of(objective, "ring8")
            for seed in range(config.ring8.seeds):
                folder = str(root / f"{objective}_seed{seed}")
                jobs.append(Job(part, objective, name, {**overrides, "seed": seed}, folder))
        return jobs
    if part == "mnist":
        jobs = []
        for family in config.mnist.families:
            name, overrides = recipe_of(family, "mnist")
            jobs.append(Job(part, family, name, overrides, str(root / family)))
        return jobs
    return [Job(part, name, name, {}, str(root / name)) for name in config.critic.recipes]


def run_jobs(config_dict, jobs):
    """Trains and scores ``jobs`` one after another (in a worker process); a list of dicts."""
    config = ml_collections.ConfigDict(config_dict)
    results = []
    for job in jobs:
        job = Job(*job)
        began = time.perf_counter()
        result = PART_RUNNERS[job.part](config, job)
        result.update(objective=job.objective, recipe=job.recipe, overrides=job.overrides)
        result["seconds"] = time.perf_counter() - began
        result["device"] = jax.devices()[0].device_kind
        status = f"diverged: {result['diverged']}" if result["diverged"] else "ok"
        label = f"{job.part} {job.objective} {job.overrides.get('seed', '')}"
        print(f"  {label:34s} {result['seconds']:6.0f} s  {status}", flush=True)
        results.append(result)
    return results


def _train(job, settings, **extra):
    """``(recipe, final state or None, None or the divergence message)`` of ``job``."""
    from jaxgen import recipes
    from jaxgen.train import train
    from jaxgen.train.loop import TrainingDiverged

    recipe = recipes.get(
        job.recipe,
        preset=settings.preset,
        steps=settings.steps,
        log_every=settings.log_every,
        sample_every=settings.steps,  # the final grid only
        checkpoint_every=settings.steps,
        **job.overrides,
        **extra,
    )
    shutil.rmtree(job.workdir, ignore_errors=True)
    try:
        return recipe, train(recipe, job.workdir, progress=False, log=lambda message: None), None
    except TrainingDiverged as error:
        return recipe, None, str(error)


def ring8_job(config, job):
    """Modes covered, high-quality share and mode KL of 2,500 samples; seed 0's samples."""
    from jaxgen.metrics.run_eval import evaluate_run

    settings = config.ring8
    recipe, state, diverged = _train(job, settings)
    centers = np.asarray(recipe.dataset("train").info["centers"])
    if diverged:
        # A generator with non-finite weights puts no sample near a mode (mode_coverage's rule
        # for non-finite samples): it scores 0 modes, 0 % high quality and the worst KL.
        scores = {"modes": 0, "high_quality": 0.0, "mode_kl": math.log(len(centers))}
        samples = None
    else:
        result = evaluate_run(
            recipe,
            state,
            metrics="modes",
            num_samples=settings.num_samples,
            seed=SAMPLE_SEED,
            progress=False,
        )
        scores = {k: result["metrics"][k] for k in ("modes", "high_quality", "mode_kl")}
        samples = None
        if job.overrides["seed"] == 0:
            key = jax.random.PRNGKey(SAMPLE_SEED)
            samples = np.asarray(recipe.sample(state, key, settings.num_samples)["x"])
    return {"scores": scores, "diverged": diverged, "samples": samples, "centers": centers}


def mnist_job(config, job):
    """FID, KID, precision and recall of ``num_samples`` samples against the train split."""
    from jaxgen.metrics.run_eval import evaluate_run

    settings = config.mnist
    recipe, state, diverged = _train(job, settings)
    if diverged:
        nan = float("nan")
        scores = {"fid": nan, "kid": nan, "precision": nan, "recall": nan}
        return {"scores": scores, "diverged": diverged, "samples": None}
    result = evaluate_run(
        recipe,
        state,
        metrics=settings.metrics,
        num_samples=settings.num_samples,
        reference="train",
        seed=SAMPLE_SEED,
        progress=False,
    )
    key = jax.random.PRNGKey(recipe.config.sample_seed)
    samples = np.asarray(recipe.sample(state, key, config.grid_samples)["image"])
    return {"scores": result["metrics"], "diverged": diverged, "samples": samples}


def critic_job(config, job):
    """The logged critic losses and the FIDs measured along training (``eval_every``)."""
    settings = config.critic
    recipe, _, diverged = _train(
        job,
        settings,
        eval_every=settings.eval_every,
        eval_metrics="fid",
        eval_num_samples=settings.eval_num_samples,
    )
    penalty_weight = recipe.config.penalty_weight if recipe.config.penalty else 0.0
    log = {"step": [], "loss_d": [], "d_penalty": []}
    evals = {"step": [], "fid": []}
    with open(pathlib.Path(job.workdir) / "metrics.jsonl") as f:
        for line in f:
            record = json.loads(line)
            if "loss_d" in record:
                for key in log:
                    log[key].append(record.get(key, 0.0))
            if "eval/fid" in record:
                evals["step"].append(record["step"])
                evals["fid"].append(record["eval/fid"])
    return {
        "log": log,
        "evals": evals,
        "penalty_weight": penalty_weight,
        "diverged": diverged,
        "samples": None,
    }


PART_RUNNERS = {"ring8": ring8_job, "mnist": mnist_job, "critic": critic_job}


def run_parts(parts, config, workdir_root, pool=None):
    """Runs every job of ``parts`` and saves each part's ``WORKDIR/PART.json`` and samples.

    All jobs go to ``pool`` (``worker_pool``; None: this process) at once, one run per task,
    the longest first (the critic runs, then the WGANs), so that the pool hands the next run
    to whichever process is free and the processes end together. A part's wall time runs from
    the start to the end of its last run, beside the other parts' runs.
    """
    jobs = [job for part in parts for job in jobs_of(part, config, workdir_root)]
    order = {(job.objective, job.overrides.get("seed")): i for i, job in enumerate(jobs)}
    # The WGANs take 5 critic steps per generator step: start them first.
    jobs.sort(key=lambda job: (job.part != "critic", not job.objective.startswith("wgan")))
    workers = config.workers if pool else 1
    print(f"{', '.join(parts)}: {len(jobs)} runs in {workers} process(es)", flush=True)
    began = time.perf_counter()
    results, finished = {part: [] for part in parts}, {}
    if pool is None:
        for job in jobs:
            results[job.part] += run_jobs(config.to_dict(), [job])
            finished[job.part] = time.perf_counter()
    else:
        futures = {pool.submit(run_jobs, config.to_dict(), [job]): job for job in jobs}
        for future in concurrent.futures.as_completed(futures):
            job = futures[future]
            results[job.part] += future.result()
            finished[job.part] = time.perf_counter()
    for part in parts:
        results[part].sort(key=lambda r: order[r["objective"], r["overrides"].get("seed")])
        alongside = [other for other in parts if other != part]
        seconds = finished[part] - began
        save_part(part, results[part], seconds, workers, alongside, config, workdir_root)
        print(f"{part}: {seconds:.0f} s", flush=True)


@contextlib.contextmanager
def worker_pool(workers):
    """``workers`` spawned processes kept for every part (as ``mixture_runs.in_workers`` makes
    them: JAX does not survive fork), or None for ``workers`` ≤ 1."""
    if workers <= 1:
        yield None
        return
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context) as pool:
        yield pool


def save_part(part, results, seconds, workers, alongside, config, workdir_root):
    root = pathlib.Path(workdir_root)
    root.mkdir(parents=True, exist_ok=True)
    arrays = {}
    for i, result in enumerate(results):
        for key in ("samples", "centers"):
            value = result.pop(key, None)
            if value is not None:
                arrays[f"{result['objective']}/{key}"] = value
        result["index"] = i
    record = {
        "part": part,
        "seconds": seconds,
        "workers": workers,
        "alongside": alongside,
        "settings": config[part].to_dict(),
        "results": results,
    }
    (root / f"{part}.json").write_text(json.dumps(record, indent=1, default=_jsonable))
    np.savez(root / f"{part}_samples.npz", **arrays)


def _jsonable(value):
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    if isinstance(value, (tuple, np.ndarray)):
        return list(value)
    raise TypeError(f"{type(value)} is not JSON")


def load_parts(workdir_root):
    """``{part: (record, samples)}`` of the parts saved in ``workdir_root``."""
    parts = {}
    for part in PARTS:
        path = pathlib.Path(workdir_root) / f"{part}.json"
        if path.exists():
            with np.load(path.with_name(f"{part}_samples.npz")) as samples:
                parts[part] = (json.loads(path.read_text()), dict(samples))
    return parts


# ---------------------------------------------------------------------------- statistics


def mean_se(values):
    """``(mean, standard error)`` with the n − 1 standard deviation; se is nan for one value."""
    values = np.asarray(values, np.float64)
    se = values.std(ddof=1) / math.sqrt(values.size) if values.size > 1 else float("nan")
    return float(values.mean()), float(se)


def ring8_rows(record):
    """``[(objective, recipe command, {metric: (mean, se)}, diverged runs, runs, s/run)]``."""
    rows = {}
    for result in record["results"]:
        rows.setdefault(result["objective"], []).append(result)
    order = list(record["settings"]["objectives"])
    table = []
    for objective, runs in sorted(rows.items(), key=lambda item: order.index(item[0])):
        stats = {k: mean_se([r["scores"][k] for r in runs]) for k in runs[0]["scores"]}
        diverged = sum(bool(r["diverged"]) for r in runs)
        seconds = float(np.mean([r["seconds"] for r in runs]))
        table.append((objective, _command(runs[0]), stats, diverged, len(runs), seconds))
    return table


def _command(result):
    overrides = {k: v for k, v in result["overrides"].items() if k != "seed"}
    return " ".join([result["recipe"], *(f"--set {k}={v}" for k, v in overrides.items())])


class CriticSeries(NamedTuple):
    steps: np.ndarray  # [logged] generator steps of the logged losses
    w: np.ndarray  # [logged] −(loss_d − λ·penalty)
    w_smooth: np.ndarray  # [logged] its moving median
    eval_steps: np.ndarray  # [evaluations], step 0 first
    fids: np.ndarray  # [evaluations]
    rho: float  # Spearman ρ(w_smooth, FID) over the evaluations from the first logged step
    peak_step: float  # the step at which w_smooth is largest
    rho_after_peak: float  # the same ρ over the evaluations from the peak on


def critic_series(result, smooth) -> CriticSeries:
    """The critic's estimate and the FIDs of a critic run, and their rank correlations.

    ``w`` is the critic's estimate of the Wasserstein distance, −(loss_d − λ·penalty): the
    negated critic loss without WGAN-GP's gradient-penalty term. ``w_smooth`` is its moving
    median over ``smooth`` logged points, read at the evaluated steps by linear interpolation.
    While the freshly initialized critic learns, its estimate first rises from 0 whatever the
    samples do; Arjovsky et al.'s curves show it after that, so ``rho_after_peak`` restricts
    the correlation to the evaluations from the estimate's maximum on.
    """
    from scipy import stats

    log = result["log"]
    steps = np.asarray(log["step"], np.float64)
    w = -(np.asarray(log["loss_d"]) - result["penalty_weight"] * np.asarray(log["d_penalty"]))
    half = smooth // 2
    padded = np.pad(w, half, mode="edge")
    w_smooth = np.array([np.median(padded[i : i + smooth]) for i in range(len(w))])
    eval_steps = np.asarray(result["evals"]["step"], np.float64)
    fids = np.asarray(result["evals"]["fid"], np.float64)
    peak_step = float(steps[np.argmax(w_smooth)])

    def spearman(chosen):
        if chosen.sum() < 3:
            return float("nan")
        at_evaluations = np.interp(eval_steps[chosen], steps, w_smooth)
        return float(stats.spearmanr(at_evaluations, fids[chosen])[0])

    rho = spearman(eval_steps >= steps[0])
    rho_after_peak = spearman(eval_steps >= peak_step)
    return CriticSeries(steps, w, w_smooth, eval_steps, fids, rho, peak_step, rho_after_peak)


# ---------------------------------------------------------------------------- report


def _pm(stat, template):
    mean, se = stat
    return f"{template.format(mean)} ± {template.format(se)}"


def ring8_table(record) -> str:
    lines = [
        "| objective | recipe | modes covered (of 8) | high quality | mode KL | diverged | s/run |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for objective, command, stats, diverged, runs, seconds in ring8_rows(record):
        quality = tuple(100 * x for x in stats["high_quality"])
        lines.append(
            f"| {objective} | `{command}` | {_pm(stats['modes'], '{:.1f}')} | "
            f"{_pm(quality, '{:.1f}')} % | {_pm(stats['mode_kl'], '{:.2f}')} | "
            f"{diverged}/{runs} | {seconds:.0f} |"
        )
    return "\n".join(lines)


def mnist_table(record) -> str:
    lines = [
        "| objective | recipe | FID | KID | precision | recall | s |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for result in record["results"]:
        s = result["scores"]
        note = " (diverged)" if result["diverged"] else ""
        lines.append(
            f"| {result['objective']}{note} | `{_command(result)}` | {s['fid']:.1f} | "
            f"{s['kid']:.1f} | {s['precision']:.3f} | {s['recall']:.3f} | "
            f"{result['seconds']:.0f} |"
        )
    return "\n".join(lines)


def critic_table(record) -> str:
    smooth = record["settings"]["smooth"]
    lines = [
        "| recipe | steps | FID at step 0 → first evaluated → last | −loss_d (smoothed) first → "
        "peak (step) → last | ρ(−loss_d, FID) | ρ from the peak on | s |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for result in record["results"]:
        c = critic_series(result, smooth)
        after = c.fids[c.eval_steps >= c.steps[0]]
        lines.append(
            f"| {result['recipe']} | {int(c.steps[-1]):,} | {c.fids[0]:.1f} → {after[0]:.1f} → "
            f"{after[-1]:.1f} | {c.w_smooth[0]:.3g} → {c.w_smooth.max():.3g} "
            f"({int(c.peak_step):,}) → {c.w_smooth[-1]:.3g} | {c.rho:.2f} | "
            f"{c.rho_after_peak:.2f} | {result['seconds']:.0f} |"
        )
    return "\n".join(lines)


def report(parts) -> str:
    sections = ["# GAN objectives compared: results"]
    timings = []
    if "ring8" in parts:
        record, _ = parts["ring8"]
        s = record["settings"]
        sections += [
            f"## ring8: {s['seeds']} seeds per objective",
            f"Preset {s['preset']}, {s['steps']:,} generator steps per run, "
            f"{s['num_samples']:,} samples of each final generator scored by "
            '`evaluate_run(metrics="modes")` (a sample is high quality within 3σ of its '
            "nearest mode; a mode is covered by ≥ 1 high-quality sample). Mean ± standard "
            "error over the seeds; a run that stopped on a non-finite loss counts as 0 modes, "
            "0 % and KL log 8.",
            ring8_table(record),
        ]
        timings.append(_timing("ring8", record))
    if "mnist" in parts:
        record, _ = parts["mnist"]
        s = record["settings"]
        sections += [
            "## mnist5k: one run per family",
            f"Preset {s['preset']}, {s['steps']:,} generator steps per run (the recipes' "
            f"default is 10,000) on {devices_of(record)}, {s['num_samples']:,} samples "
            f"(seed {SAMPLE_SEED}) against the mnist5k train split on the mnist5k "
            "classifier's features (`evaluate_run`); KID is the unbiased MMD² in the features' "
            "units.",
            mnist_table(record),
        ]
        timings.append(_timing("mnist", record))
    if "critic" in parts:
        record, _ = parts["critic"]
        s = record["settings"]
        sections += [
            "## The WGAN critic's estimate against sample quality",
            f"Preset {s['preset']}, {s['steps']:,} generator steps; the critic's loss logged "
            f"every {s['log_every']} steps, FID of {s['eval_num_samples']:,} samples against "
            f"the train split every {s['eval_every']} steps (`eval_every`). −loss_d is the "
            "critic's estimate of the Wasserstein distance (WGAN-GP's gradient-penalty term "
            f"removed), smoothed by a moving median of {s['smooth']} logged points; ρ is the "
            "Spearman correlation of the smoothed estimate with the FID over the evaluations "
            "from the first logged step on, and again from the step at which the estimate "
            "peaks (before it, the fresh critic is still learning to tell the sets apart). "
            "The logged loss_d and penalty are those of the step's last critic update, "
            "evaluated before that update (runs before the fix of `alternating`'s metrics "
            "logged the generator's evaluation of the penalty).",
            critic_table(record),
        ]
        timings.append(_timing("critic", record))
    sections += ["## Wall time (measured by the command)", "\n".join(timings)]
    return "\n\n".join(sections)


def _timing(part, record):
    busy = sum(r["seconds"] for r in record["results"])
    alongside = record.get("alongside")
    beside = f", beside the runs of {' and '.join(alongside)}" if alongside else ""
    return (
        f"- {part}: {record['seconds']:.0f} s wall in {record['workers']} processes{beside} "
        f"({busy:.0f} s of run time summed over {len(record['results'])} runs) "
        f"on {devices_of(record)}"
    )


def devices_of(record) -> str:
    """The devices that ``record``'s runs trained on (runs before this was recorded: CPU)."""
    kinds = dict.fromkeys(result.get("device", "cpu") for result in record["results"])
    return " and ".join(kinds)


# ---------------------------------------------------------------------------- figures


def grid_figure(parts):
    """ring8 scatter of seed 0 per objective (top), mnist samples per family (bottom)."""
    from matplotlib.figure import Figure

    from jaxgen.train.images import image_grid

    rows = []
    if "ring8" in parts:
        record, samples = parts["ring8"]
        objectives = list(dict.fromkeys(r["objective"] for r in record["results"]))
        rows.append(("ring8", objectives, samples, record))
    if "mnist" in parts:
        record, samples = parts["mnist"]
        rows.append(("mnist", [r["objective"] for r in record["results"]], samples, record))
    columns = min(9, max(len(names) for _, names, _, _ in rows))
    heights = [math.ceil(len(names) / columns) for _, names, _, _ in rows]
    fig = Figure(figsize=(2.0 * columns, 2.2 * sum(heights) + 0.6), layout="constrained")
    subfigures = np.atleast_1d(fig.subfigures(len(rows), 1, height_ratios=heights))
    for subfigure, (part, names, samples, record), height in zip(
        subfigures, rows, heights, strict=True
    ):
        axes = np.asarray(subfigure.subplots(height, columns, squeeze=False)).ravel()
        for ax in axes:
            ax.set_axis_off()
        for ax, name in zip(axes, names, strict=False):
            points = samples.get(f"{name}/samples")
            if points is None:
                ax.text(0.5, 0.5, "diverged", ha="center", va="center", transform=ax.transAxes)
            elif part == "ring8":
                centers = samples[f"{name}/centers"]
                ax.scatter(points[:, 0], points[:, 1], s=0.3, alpha=0.4, rasterized=True)
                ax.scatter(centers[:, 0], centers[:, 1], s=10, c="r", marker="x")
                ax.set(xlim=(-1.6, 1.6), ylim=(-1.6, 1.6), aspect="equal")
                ax.set_axis_on()
                ax.set(xticks=[], yticks=[])
            else:
                side = math.ceil(math.sqrt(len(points)))
                ax.imshow(image_grid(points, columns=side)[..., 0], cmap="gray", vmin=0, vmax=255)
            ax.set_title(name, fontsize=9)
        if part == "ring8":
            title = (
                f"ring8, seed 0: {record['settings']['num_samples']:,} samples after "
                f"{record['settings']['steps']:,} generator steps (modes ×)"
            )
        else:
            title = f"mnist5k: samples after {record['settings']['steps']:,} generator steps"
        subfigure.suptitle(title, fontsize=10)
    return fig


def critic_figure(record):
    """Per recipe: −loss_d (raw and smoothed) against the step, FID on a twin log axis."""
    from matplotlib.figure import Figure

    results = record["results"]
    fig = Figure(figsize=(5.5 * len(results), 3.8), layout="constrained")
    for i, result in enumerate(results):
        c = critic_series(result, record["settings"]["smooth"])
        ax = fig.add_subplot(1, len(results), i + 1)
        ax.plot(c.steps, c.w, color="C0", alpha=0.25, lw=0.7)
        ax.plot(c.steps, c.w_smooth, color="C0", label="−loss_d, the critic's W estimate")
        ax.axvline(c.peak_step, color="grey", ls=":", lw=1)
        ax.set(xlabel="generator iterations", ylabel="−loss_d (smoothed)")
        ax.tick_params(axis="y", colors="C0")
        twin = ax.twinx()
        twin.plot(c.eval_steps, c.fids, "o-", color="C3", ms=3, label="FID (digits classifier)")
        twin.set(yscale="log", ylabel="FID against the train split")
        twin.tick_params(axis="y", colors="C3")
        ax.set_title(
            f"{result['recipe']}: Spearman ρ = {c.rho:.2f}; from the peak (dotted) on "
            f"{c.rho_after_peak:.2f}",
            fontsize=9,
        )
        handles = ax.get_legend_handles_labels()[0] + twin.get_legend_handles_labels()[0]
        ax.legend(handles=handles, fontsize=8, loc="best")
        ax.grid(True, alpha=0.3)
    fig.suptitle("The WGAN critic's loss against sample quality (Arjovsky et al. 2017, Fig. 3-4)")
    return fig


def write_outputs(parts, out):
    """``results.md``, ``grid.png`` and ``critic_curve.png`` (where their parts exist)."""
    written = [out / "results.md"]
    text = report(parts)
    written[0].write_text(text + "\n")
    if "ring8" in parts or "mnist" in parts:
        save_figure(grid_figure(parts), out / "grid.png", dpi=DPI)
        written.append(out / "grid.png")
    if "critic" in parts:
        save_figure(critic_figure(parts["critic"][0]), out / "critic_curve.png", dpi=DPI)
        written.append(out / "critic_curve.png")
    return text, written


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m experiments.objectives.run", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--out", type=pathlib.Path, default=FOLDER, help="output folder")
    parser.add_argument(
        "--workdir",
        type=pathlib.Path,
        default=DEFAULT_WORKDIR,
        help="where the runs and each part's measurements go (its run folders are deleted first)",
    )
    parser.add_argument("--quick", action="store_true", help="tiny budgets (config.py), ~1 min")
    parser.add_argument(
        "--part",
        choices=(*PARTS, "all"),
        nargs="+",
        default=["all"],
        help="what to run (several: in one pool, side by side)",
    )
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="change a budget of config.py, e.g. mnist.steps=10000 or workers=3",
    )
    parser.add_argument(
        "--report",
        action="store_true",
        help="train nothing: rewrite the outputs from the parts saved in --workdir",
    )
    args = parser.parse_args(argv)
    if args.out.exists() and not args.out.is_dir():
        parser.error(f"--out {args.out} is a file, not a folder")
    config = get_config(quick=args.quick)
    try:  # a tuple of names takes a bare comma list: --set objectives=gan,wgan
        apply_overrides(config, parse_settings(parser, args.overrides))
    except UserError as error:
        parser.error(str(error))
    args.out.mkdir(parents=True, exist_ok=True)
    if not args.report:
        chosen = PARTS if "all" in args.part else tuple(dict.fromkeys(args.part))
        with worker_pool(config.workers) as pool:
            run_parts(chosen, config, args.workdir, pool)
    parts = load_parts(args.workdir)
    if not parts:
        parser.error(f"no part is saved in {args.workdir}: run a --part first")
    text, written = write_outputs(parts, args.out)
    print(text)
    print("\nwrote " + ", ".join(str(path) for path in written))
    return parts


if __name__ == "__main__":
    run_command(main)
