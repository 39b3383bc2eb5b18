"""Progressive GAN on mnist5k, 4→8→16→32: sample quality at the end of every stage.

    .venv/bin/python -m experiments.progressive.run [--preset cpu|default] [--set KEY=VALUE ...]
        [--fid-samples N] [--workdir DIR] [--out DIR] [--report] [--quick]

It trains ``progressive_mnist`` (``jaxgen.recipes.progressive``) stage by stage in one workdir:
the run stops at the end of each stage (the checkpoint resumes exactly, so this is the same run
as one made in one go), and there it measures, on ``--fid-samples`` samples of seed 0 (the stage's
images upsampled to 32×32 by nearest neighbour, as ``recipe.sample`` returns them):

- FID against the mnist5k train split (resized to 32) on the features of the mnist5k classifier
  (``jaxgen.metrics.run_eval.evaluate_run``; the classifier resizes to 28 bilinearly);
- the share of samples whose top class probability from the same classifier is ≥ 0.8 (issue 10
  asks ≥ 80% for the final stage), beside the same share for the real test split;

and saves a grid of 64 samples of a fixed seed. The last stage trains up to ``steps`` (more than
the schedule's end keeps it at α = 1); stages before it that WORKDIR has measured already are
kept, so ``--set steps=N`` in the same WORKDIR trains and measures the last stage further.
Each stage's numbers go to ``WORKDIR/stage_{s}.json`` (+ ``.npz`` samples for the figure) when
measured; ``results.json`` and ``samples_stages.png`` in ``--out`` are then written from every
stage found, so a run made elsewhere (a GPU) can be copied into WORKDIR and reported with
``--report``. ``--quick``: the tiny preset (4→8, a few steps) and 64 samples, a smoke test.

SIGTERM or Ctrl-C (a time box: ``experiments/accelerator_queue.sh``) stops the stage in
training; that stage is measured at the step reached (its JSON's ``step`` says which), the
outputs are written, and the command ends with a line saying so; the same command then trains
on from the checkpoint (a stage measured before its end is trained on and measured again).
"""

import argparse
import json
import pathlib
import signal
import time

import jax
import numpy as np

from experiments.entry import parse_settings, run_command
from experiments.figures import save_figure

FOLDER = pathlib.Path(__file__).parent
DEFAULT_WORKDIR = pathlib.Path("runs") / "progressive"
CONFIDENT = 0.8  # the threshold on the classifier's top probability
FIGURE_SAMPLES = 64


def build(preset, overrides):
    """``progressive_mnist`` with ``preset`` and ``overrides`` (registered or not)."""
    from jaxgen import recipes
    from jaxgen.recipes import progressive
    from jaxgen.recipes.registry import configured

    if "progressive_mnist" in recipes.names():
        return recipes.get("progressive_mnist", preset=preset, **overrides)
    return progressive.factories(configured)["progressive_mnist"](preset=preset, **overrides)


def with_steps(recipe, steps):
    """The same recipe (and compiled step) trained up to ``steps``."""
    config = recipe.config.copy_and_resolve_references()
    config.steps = steps
    return recipe._replace(config=config)


def confident_share(classifier, images, batch=500):
    """The share of ``images`` whose top class probability is ≥ ``CONFIDENT``."""
    top = []
    for start in range(0, len(images), batch):
        logits = classifier(images[start : start + batch])["logits"]
        top.append(np.asarray(jax.nn.softmax(logits).max(-1)))
    return float(np.mean(np.concatenate(top) >= CONFIDENT))


def draw(recipe, state, n, seed, batch=500):
    chunks = []
    for start in range(0, n, batch):
        key = jax.random.fold_in(jax.random.PRNGKey(seed), start)
        chunks.append(np.asarray(recipe.sample(state, key, min(batch, n - start))["image"]))
    return np.concatenate(chunks)


def measure_stage(recipe, state, stage, seconds, fid_samples, classifier, workdir):
    from jaxgen.metrics.run_eval import evaluate_run

    config = recipe.config
    fid = evaluate_run(
        recipe, state, metrics="fid", num_samples=fid_samples, seed=0, progress=False
    )["metrics"]["fid"]
    samples = draw(recipe, state, fid_samples, seed=0)
    result = {
        "stage": stage,
        "resolution": config.resolutions[stage],
        "alpha": float(state.model_state.alpha),
        "step": int(state.step),
        "fid": fid,
        "confident_share": confident_share(classifier, samples),
        "num_samples": fid_samples,
        "train_seconds": seconds,
        "device": jax.devices()[0].device_kind,
    }
    figure = draw(recipe, state, FIGURE_SAMPLES, seed=1)
    (workdir / f"stage_{stage}.json").write_text(json.dumps(result, indent=1))
    np.savez(workdir / f"stage_{stage}.npz", samples=figure)
    print(
        f"stage {stage} ({result['resolution']}×{result['resolution']}, step {result['step']}): "
        f"FID {fid:.2f}, top probability ≥ {CONFIDENT}: {result['confident_share']:.1%}",
        flush=True,
    )
    return result


def measured_step(workdir, stage):
    """The step at which ``stage`` was measured in ``workdir``, or None."""
    path = workdir / f"stage_{stage}.json"
    return json.loads(path.read_text())["step"] if path.exists() else None


def run(recipe, workdir, fid_samples):
    """Trains stage by stage, measuring each. SIGTERM or Ctrl-C measures the step reached
    and returns a line saying so (the same command then trains on from the checkpoint)."""
    from jaxgen import data
    from jaxgen.game.progressive import Schedule
    from jaxgen.metrics import features
    from jaxgen.train import train

    config = recipe.config
    classifier = features.for_data(config.data, progress=False)
    schedule = Schedule(len(config.resolutions), config.fade_steps, config.stabilize_steps)
    last = schedule.num_stages - 1
    for stage in range(schedule.num_stages):
        # the last stage goes on at α = 1 up to `steps`; a measured earlier stage is kept
        end = config.steps if stage == last else min(schedule.stage_end(stage), config.steps)
        if stage < last and measured_step(workdir, stage) == end:
            continue
        began = time.perf_counter()
        state = train(with_steps(recipe, end), str(workdir / "run"), progress=False, log=print)
        seconds = time.perf_counter() - began
        if int(state.step) < end:  # SIGTERM or Ctrl-C: measure what was reached, then stop
            signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a time box's second SIGTERM
            measure_stage(recipe, state, stage, seconds, fid_samples, classifier, workdir)
            return f"stopped at step {int(state.step)} of {end} (stage {stage}); measured there"
        measure_stage(recipe, state, stage, seconds, fid_samples, classifier, workdir)
    test = data.load(config.data, "test", batch_size=1000, image_size=config.image_size)
    real = np.concatenate([batch["image"] for batch in test.epoch()])
    share = confident_share(classifier, real)
    summary = {"config": config.to_dict(), "real_test_confident_share": share}
    (workdir / "summary.json").write_text(json.dumps(summary, indent=1, default=list))
    return None


def load_results(workdir):
    stages = []
    for path in sorted(workdir.glob("stage_*.json")):
        with np.load(path.with_suffix(".npz")) as arrays:
            stages.append((json.loads(path.read_text()), arrays["samples"]))
    summary_path = workdir / "summary.json"
    summary = json.loads(summary_path.read_text()) if summary_path.exists() else {}
    return stages, summary


def figure(stages):
    from matplotlib.figure import Figure

    from jaxgen.train.images import image_grid

    fig = Figure(figsize=(2.6 * len(stages), 3.3))
    for i, (result, samples) in enumerate(stages):
        ax = fig.add_subplot(1, len(stages), i + 1)
        ax.imshow(image_grid(samples, columns=8)[..., 0], cmap="gray", vmin=0, vmax=255)
        ax.set_title(
            f"{result['resolution']}×{result['resolution']}, step {result['step']}\n"
            f"FID {result['fid']:.1f}, ≥{CONFIDENT}: {result['confident_share']:.0%}",
            fontsize=8,
        )
        ax.set_axis_off()
    fig.tight_layout()
    return fig


def write_outputs(workdir, out):
    stages, summary = load_results(workdir)
    if not stages:
        raise SystemExit(f"no stage is saved in {workdir}: run without --report first")
    fids = [result["fid"] for result, _ in stages]
    final = stages[-1][0]
    results = {
        "stages": [result for result, _ in stages],
        "fid_improves_every_stage": all(b < a for a, b in zip(fids, fids[1:], strict=False)),
        "final_confident_share": final["confident_share"],
        "final_confident_share_at_least_80_percent": final["confident_share"] >= 0.8,
        **summary,
    }
    (out / "results.json").write_text(json.dumps(results, indent=1, default=list))
    save_figure(figure(stages), out / "samples_stages.png", dpi=110)
    print(json.dumps({k: v for k, v in results.items() if k != "config"}, indent=1))
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m experiments.progressive.run", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--preset", default="cpu", help="cpu (default here) or default (GPU)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--fid-samples", type=int, default=2000)
    parser.add_argument("--workdir", type=pathlib.Path, default=DEFAULT_WORKDIR)
    parser.add_argument("--out", type=pathlib.Path, default=FOLDER)
    parser.add_argument("--report", action="store_true", help="train nothing: rewrite outputs")
    parser.add_argument("--quick", action="store_true", help="tiny preset, for tests")
    args = parser.parse_args(argv)
    overrides = parse_settings(parser, args.set)
    args.workdir.mkdir(parents=True, exist_ok=True)
    args.out.mkdir(parents=True, exist_ok=True)
    stopped = None
    if not args.report:
        preset, fid_samples = ("tiny", 64) if args.quick else (args.preset, args.fid_samples)
        stopped = run(build(preset, overrides), args.workdir, fid_samples)
    results = write_outputs(args.workdir, args.out)
    if stopped:
        raise SystemExit(f"{stopped}; run the same command to train on from there")
    return results


if __name__ == "__main__":
    run_command(main)
