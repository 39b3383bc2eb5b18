"""FID and its companions along a dcgan_mnist run, against the real test split; gan_ring8 modes.

    .venv/bin/python -m experiments.fid_during_training.run [--out DIR] [--workdir DIR] [--quick]

1. Trains dcgan_mnist (``jaxgen.train.train``) with ``eval_every``: every K steps the loop
   measures ``eval_num_samples`` samples on the mnist5k classifier's features against the
   train split (FID, KID, IS, precision/recall, density/coverage; ``jaxgen.metrics.run_eval``)
   and writes ``WORKDIR/eval/step_STEP_nN_seed0.json``, step 0 (the freshly initialized
   generator) included.
2. Measures the real mnist5k test split (the same number of images) against the train split
   with the same network and statistics: the FID a generator of perfect samples would get.
3. Runs ``jaxgen eval WORKDIR --n N`` on the final checkpoint and keeps its printed table and
   protocol card.
4. Trains gan_ring8 (default recipe, modes counted every K steps) and runs ``jaxgen eval`` on it.

Writes ``results.md`` and ``fid_vs_step.png`` to ``--out`` (default: this folder). The two
workdirs are ``--workdir``/dcgan_mnist and ``--workdir``/gan_ring8 (default
``runs/fid_during_training``); they are deleted first, so every run starts from step 0.
Budgets: ``config.py``.
"""

import argparse
import contextlib
import glob
import io
import json
import math
import os
import pathlib
import shutil
import time
from typing import NamedTuple

import jax
import numpy as np
import PIL.Image
from matplotlib.figure import Figure

from experiments.entry import run_command
from experiments.fid_during_training.config import get_config
from experiments.figures import save_figure
from jaxgen import cli, data, recipes
from jaxgen.metrics import evaluation, features, fid
from jaxgen.train import train
from jaxgen.train.images import picture, save_png

FOLDER = pathlib.Path(__file__).parent
DEFAULT_WORKDIR = pathlib.Path("runs") / "fid_during_training"
DPI = 90
EVAL_SEED = 0  # the training-time evaluation's: the same latents at every evaluated step
EMBED_BATCH = 500
# (column, metric key, format) of the results table.
COLUMNS = (
    ("FID", "fid", "{:.1f}"),
    ("KID", "kid", "{:.2f}"),
    ("precision", "precision", "{:.3f}"),
    ("recall", "recall", "{:.3f}"),
    ("density", "density", "{:.3f}"),
    ("coverage", "coverage", "{:.3f}"),
    ("IS", "is", "{:.2f}"),
)
RING_COLUMNS = (
    ("modes (of 8)", "modes", "{:d}"),
    ("high quality", "high_quality", "{:.1%}"),
    ("KL", "mode_kl", "{:.3f}"),
    ("FID", "fid", "{:.4f}"),
    ("precision", "precision", "{:.3f}"),
    ("recall", "recall", "{:.3f}"),
)


class Results(NamedTuple):
    steps: list  # [int], 0 first: the evaluated steps of the dcgan_mnist run
    scores: list  # [dict]: metric name -> value, one per step
    real: dict  # the real test split against the train split, same statistics
    num_real: int  # test images in the real-data row
    data: str  # the dcgan_mnist run's data set
    num_grid_samples: int  # samples in each samples/step_*.png grid
    mnist_eval: str  # stdout of `jaxgen eval` on the final dcgan_mnist checkpoint
    ring_steps: list  # [int]: the evaluated steps of the gan_ring8 run
    ring_scores: list  # [dict], one per ring step
    ring_eval: str  # stdout of `jaxgen eval` on the final gan_ring8 checkpoint
    seconds: dict  # phase -> wall seconds
    commands: dict  # "mnist", "ring" -> the `jaxgen eval` command line that was run


def make_recipe(settings):
    """The recipe of ``settings`` (a ``config.mnist`` / ``config.ring`` block)."""
    overrides = {k: v for k, v in settings.items() if k != "recipe"}
    return recipes.get(settings.recipe, **overrides)


def real_scores(config, num_samples, seed):
    """The mnist5k test split (``num_samples`` images) scored against the train split.

    The images come from ``data.load`` at the recipe's image size, as the reference of
    ``evaluate_run`` does, and the statistics from ``evaluation.compute`` with its KID key.
    """
    network = features.for_data(config.data, progress=False)
    apply = jax.jit(network.apply)

    def embed(images):
        parts = [
            jax.device_get(apply(network.variables, images[i : i + EMBED_BATCH]))
            for i in range(0, len(images), EMBED_BATCH)
        ]
        return {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}

    train_images = split_images(config, "train")
    test_images = split_images(config, "test")
    if num_samples > len(test_images):
        raise ValueError(
            f"eval_num_samples {num_samples} exceeds the {len(test_images)} test images"
        )
    # The split is sorted by label, and the Inception Score splits its input into contiguous
    # tenths: in label order each tenth would hold one class and score 1. Shuffled, they are
    # mixed as generated samples are.
    chosen = np.random.default_rng(seed).permutation(len(test_images))[:num_samples]
    test, train = embed(test_images[chosen]), embed(train_images)
    _, kid_key = jax.random.split(jax.random.PRNGKey(seed))  # as evaluate_run's
    values = evaluation.compute(evaluation.IMAGE_DEFAULTS, test, train, key=kid_key)
    values["fid_float64"] = fid_float64(test["features"], train["features"])
    return values


def fid_float64(feats_a, feats_b):
    """FID in float64, beside the float32 value: a check of float32 on singular covariances
    (before jaxgen/metrics/frechet.py factored the features, float32 was 0.3 off near 6)."""
    with jax.enable_x64(True):
        return float(fid(np.float64(feats_a), np.float64(feats_b)))


def split_images(config, split):
    """All images of ``split`` of the recipe's data, signed, at its image size."""
    dataset = data.load(config.data, split, batch_size=EMBED_BATCH, image_size=config.image_size)
    return np.concatenate([batch["image"] for batch in dataset.epoch()])


def training_scores(workdir):
    """``(steps, metrics)`` of the training-time evaluations in ``workdir/eval``."""
    steps, scores = [], []
    for path in sorted(glob.glob(os.path.join(workdir, "eval", "step_*_seed0.json"))):
        with open(path) as f:
            result = json.load(f)
        steps.append(result["protocol"]["step"])
        scores.append(result["metrics"])
    return steps, scores


def jaxgen_eval(workdir, num_samples):
    """``jaxgen eval WORKDIR --n N``: the command and what it prints.

    Its JSON goes to ``eval/final_nN.json``: the default path, ``eval/step_STEP_nN_seed0.json``,
    is the one the training-time evaluation of the last step wrote.
    """
    argv = ["eval", str(workdir), "--n", str(num_samples), "--no-progress"]
    argv += ["--json", os.path.join(workdir, "eval", f"final_n{num_samples}.json")]
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        status = cli.main(argv)
    if status:
        raise RuntimeError(f"jaxgen {' '.join(argv)} exited with status {status}")
    return "jaxgen " + " ".join(argv), stdout.getvalue()


def fresh_workdir(path):
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return str(path)


def run(config, workdir_root) -> Results:
    seconds, commands = {}, {}
    began = time.time()
    recipe = make_recipe(config.mnist)
    mnist_dir = fresh_workdir(pathlib.Path(workdir_root) / config.mnist.recipe)
    n = config.mnist.eval_num_samples
    state = recipe.init(jax.random.PRNGKey(recipe.config.seed), recipe.example_batch())
    _write_initial_samples(recipe, state, mnist_dir)
    train(recipe, mnist_dir, progress=False, log=lambda message: None)
    seconds[f"dcgan_mnist training, {config.mnist.steps} steps with evaluations"] = (
        time.time() - began
    )
    steps, scores = training_scores(mnist_dir)

    began = time.time()
    real = real_scores(recipe.config, n, EVAL_SEED)
    seconds["real test vs train"] = time.time() - began

    began = time.time()
    commands["mnist"], mnist_eval = jaxgen_eval(mnist_dir, config.final_eval_num_samples)
    seconds[f"jaxgen eval dcgan_mnist --n {config.final_eval_num_samples}"] = time.time() - began

    began = time.time()
    ring_recipe = make_recipe(config.ring)
    ring_dir = fresh_workdir(pathlib.Path(workdir_root) / config.ring.recipe)
    train(ring_recipe, ring_dir, progress=False, log=lambda message: None)
    ring_steps, ring_scores = training_scores(ring_dir)
    seconds[f"gan_ring8 training, {config.ring.steps} steps with evaluations"] = time.time() - began

    began = time.time()
    commands["ring"], ring_eval = jaxgen_eval(ring_dir, config.ring_eval_num_samples)
    seconds[f"jaxgen eval gan_ring8 --n {config.ring_eval_num_samples}"] = time.time() - began
    return Results(
        steps,
        scores,
        real,
        n,
        recipe.config.data,
        recipe.config.num_samples,
        mnist_eval,
        ring_steps,
        ring_scores,
        ring_eval,
        seconds,
        commands,
    )


def _write_initial_samples(recipe, state, workdir):
    """``samples/step_0000000.png``: the grid the loop would draw at step 0 (same latents)."""
    key = jax.random.PRNGKey(recipe.config.sample_seed)
    samples = jax.device_get(recipe.sample(state, key, recipe.config.num_samples))
    save_png(picture(samples), os.path.join(workdir, "samples", "step_0000000.png"))


def metrics_table(results) -> str:
    head = ["step", *(name for name, _, _ in COLUMNS)]
    lines = [_row(head), _row(["---:"] * len(head))]
    for step, scores in zip(results.steps, results.scores, strict=True):
        lines.append(_row([f"{step:,}", *_cells(scores, COLUMNS)]))
    label = f"real: {results.num_real:,} test images"
    lines.append(_row([label, *_cells(results.real, COLUMNS)]))
    return "\n".join(lines)


def ring_table(results) -> str:
    head = ["step", *(name for name, _, _ in RING_COLUMNS)]
    lines = [_row(head), _row(["---:"] * len(head))]
    for step, scores in zip(results.ring_steps, results.ring_scores, strict=True):
        lines.append(_row([f"{step:,}", *_cells(scores, RING_COLUMNS)]))
    return "\n".join(lines)


def _cells(scores, columns):
    return [template.format(scores[key]) for _, key, template in columns]


def _row(cells):
    return "| " + " | ".join(cells) + " |"


def report(results, config) -> str:
    mnist, ring = config.mnist, config.ring
    settings = (
        f"{mnist.recipe} (preset {mnist.preset}), {mnist.steps:,} steps, measured every "
        f"{mnist.eval_every:,} steps and at step 0 on {mnist.eval_num_samples:,} samples "
        f"(seed {EVAL_SEED}) against the {results.data} train split, on the "
        "classifier features of `jaxgen.metrics.features.for_data`; KID is the unbiased MMD², "
        "in the features' units."
    )
    timings = "\n".join(f"- {phase}: {s:.0f} s" for phase, s in results.seconds.items())
    total = sum(results.seconds.values())
    return "\n\n".join(
        [
            "# FID during training: results",
            settings,
            f"## {mnist.recipe}: statistics along training",
            metrics_table(results),
            "The last row scores the real test split (no generator) against the train split "
            "with the same network, statistics and sample count. Every FID here is computed in "
            f"float32, as `jaxgen.metrics.run_eval` does; in float64 the real row's FID is "
            f"{results.real['fid_float64']:.2f}.",
            f"## `jaxgen eval` of the final {mnist.recipe} checkpoint",
            f"```\n$ {results.commands['mnist']}\n{results.mnist_eval.rstrip()}\n```",
            f"## {ring.recipe} (preset {ring.preset}): mode coverage along training",
            ring_table(results),
            f"## `jaxgen eval` of the final {ring.recipe} checkpoint",
            f"```\n$ {results.commands['ring']}\n{results.ring_eval.rstrip()}\n```",
            "## Wall time",
            timings + f"\n- total: {total:.0f} s",
        ]
    )


def figure(results, config, workdir_root) -> Figure:
    """FID and KID against the step (log scale) over the real-data level, and sample grids."""
    fig = Figure(figsize=(10.0, 6.4), layout="constrained")
    top, bottom = fig.subfigures(2, 1, height_ratios=[1.35, 1.0])
    for ax, (name, key) in zip(top.subplots(1, 2), (("FID", "fid"), ("KID", "kid")), strict=True):
        values = [scores[key] for scores in results.scores]
        ax.plot(results.steps, values, "o-", color="C0", label=f"{config.mnist.recipe} samples")
        real = results.real[key]
        if real > 0:  # the unbiased KID can be negative; a log axis cannot show it
            ax.axhline(real, color="C2", ls="--", label=f"real test split: {real:.3g}")
        else:
            ax.plot([], [], color="C2", ls="--", label=f"real test split: {real:.3g} (≤ 0)")
        ax.set(yscale="log", xlabel="step", ylabel=f"{name} against the train split", title=name)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    top.suptitle(
        f"{config.mnist.recipe}: {config.mnist.eval_num_samples:,} samples per point, "
        "mnist5k classifier features",
        fontsize=10,
    )
    workdir = pathlib.Path(workdir_root) / config.mnist.recipe
    _sample_row(bottom, workdir, config.sample_steps, results.num_grid_samples)
    return fig


def _sample_row(subfigure, workdir, steps, num_samples):
    axes = np.atleast_1d(subfigure.subplots(1, len(steps)))
    for ax, step in zip(axes, steps, strict=True):
        path = workdir / "samples" / f"step_{step:07d}.png"
        tiles = _top_left_tiles(PIL.Image.open(path), num_samples)
        ax.imshow(tiles, cmap="gray", vmin=0, vmax=255)
        ax.set_title(f"step {step:,}", fontsize=9)
        ax.set_axis_off()
    subfigure.suptitle("samples (the same latents at every step)", fontsize=10)


def _top_left_tiles(image, num_samples, tiles=4):
    """The top-left ``tiles × tiles`` samples of ``image_grid``'s grid of ``num_samples``."""
    pixels = np.asarray(image.convert("L"))
    columns = math.ceil(math.sqrt(num_samples))  # as image_grid lays them out
    tiles = min(tiles, columns)
    tile = (pixels.shape[1] - 1) // columns
    return pixels[: tiles * tile + 1, : tiles * tile + 1]


def main(argv=None) -> Results:
    parser = argparse.ArgumentParser(
        prog="python -m experiments.fid_during_training.run", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--out", type=pathlib.Path, default=FOLDER, help="output folder")
    parser.add_argument(
        "--workdir",
        type=pathlib.Path,
        default=DEFAULT_WORKDIR,
        help="where the two runs go (its dcgan_mnist/ and gan_ring8/ are deleted first)",
    )
    parser.add_argument("--quick", action="store_true", help="tiny budgets (config.py), ~30 s")
    args = parser.parse_args(argv)
    config = get_config(quick=args.quick)
    args.out.mkdir(parents=True, exist_ok=True)
    results = run(config, args.workdir)
    text = report(results, config)
    print(text)
    (args.out / "results.md").write_text(text + "\n")
    save_figure(figure(results, config, args.workdir), args.out / "fid_vs_step.png", dpi=DPI)
    print(f"\nwrote {args.out / 'results.md'} and {args.out / 'fid_vs_step.png'}")
    return results


if __name__ == "__main__":
    run_command(main)
