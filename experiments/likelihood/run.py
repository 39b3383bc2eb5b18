"""Held-out NLL of every explicit model on binarized mnist5k, and a grid of their samples.

Trains each model (``config.py``), measures the exact negative log-likelihood of the test split
in nats and bits/dim (``jaxgen.metrics.held_out``), draws samples, and writes ``results.md``
(the table), ``results.json`` and ``samples.png`` (one row per model) to the output folder.
"""

import argparse
import json
import pathlib
import time

import jax
import numpy as np

from experiments.entry import exit_if_stopped, run_command
from experiments.figures import save_figure
from experiments.likelihood.config import get_config
from jaxgen import recipes
from jaxgen.errors import UserError
from jaxgen.metrics.held_out import held_out_nll
from jaxgen.recipes.likelihood import MODELS
from jaxgen.train import train
from jaxgen.train.images import image_rows

FOLDER = pathlib.Path(__file__).parent
DEFAULT_WORKDIR = pathlib.Path("runs/likelihood")


def parameter_count(state) -> int:
    return sum(int(np.size(leaf)) for leaf in jax.tree.leaves(state.params.g))


def run_model(model, config, workdir: pathlib.Path) -> dict:
    """Trains (or resumes) ``model`` and returns its row: NLL, bits/dim, parameters, times."""
    done = workdir / "result.json"
    if done.exists():
        row = json.loads(done.read_text())
        if row["steps"] == config.steps[model]:
            return row  # a run with another budget resumes from its checkpoint below
    steps = config.steps[model]
    recipe = recipes.get(
        f"{model}_{config.data}",
        preset=config.preset,
        steps=steps,
        sample_every=steps,
        checkpoint_every=max(1, steps // 4),
        eval_importance_samples=config.eval_importance_samples,
    )
    start = time.perf_counter()
    state = train(recipe, str(workdir), progress=False, log=lambda message: None)
    train_seconds = time.perf_counter() - start
    exit_if_stopped(state, steps, "rerun to resume", name=model)
    start = time.perf_counter()
    result = held_out_nll(recipe, state, split="test", batch_size=100, progress=False)
    eval_seconds = time.perf_counter() - start
    start = time.perf_counter()
    key = jax.random.PRNGKey(config.sample_seed)
    samples = np.asarray(jax.device_get(recipe.sample(state, key, config.num_samples)["image"]))
    sample_seconds = time.perf_counter() - start
    np.save(workdir / "samples.npy", samples)
    row = {
        "model": model,
        "recipe": recipe.name,
        "steps": int(state.step),
        "parameters": parameter_count(state),
        **result["metrics"],
        "log_prob": result["protocol"]["log_prob"],
        "num_test": result["protocol"]["num_examples"],
        "train_seconds": round(train_seconds, 1),
        "eval_seconds": round(eval_seconds, 1),
        "sample_seconds": round(sample_seconds, 1),
    }
    done.write_text(json.dumps(row, indent=1))
    return row


def table(rows) -> str:
    lines = [
        "| model | parameters | steps | NLL (nats) | bits/dim | log p(x) | train s | sample s |",
        "|---|---:|---:|---:|---:|---|---:|---:|",
    ]
    for row in sorted(rows, key=lambda r: -r["nll"]):
        lines.append(
            f"| {row['model']} | {row['parameters']:,} | {row['steps']:,} | {row['nll']:.2f} ± "
            f"{row['nll_sem']:.2f} | {row['bits_per_dim']:.4f} | {row['log_prob']} | "
            f"{row['train_seconds']:.0f} | {row['sample_seconds']:.0f} |"
        )
    return "\n".join(lines)


def sample_figure(rows, root: pathlib.Path, out: pathlib.Path) -> None:
    """``samples.png``: one row of samples per model, labelled with its NLL, worst on top."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    order = sorted(rows, key=lambda r: -r["nll"])
    picture = image_rows([np.load(root / r["model"] / "samples.npy") for r in order])
    label_inches, image_inches = 2.4, picture.shape[1] / 60
    width = label_inches + image_inches + 0.1
    fig, ax = plt.subplots(figsize=(width, picture.shape[0] / 60 + 0.2))
    fig.subplots_adjust(left=label_inches / width, right=1 - 0.1 / width, top=0.98, bottom=0.02)
    ax.imshow(picture.squeeze(-1) if picture.shape[-1] == 1 else picture, cmap="gray")
    row_height = picture.shape[0] / len(order)
    ax.set_yticks([row_height * (i + 0.5) for i in range(len(order))])
    ax.set_yticklabels([f"{r['model']}  {r['nll']:.1f} nats" for r in order])
    ax.set_xticks([])
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    save_figure(fig, out / "samples.png")
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m experiments.likelihood.run", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--out", type=pathlib.Path, default=FOLDER, help="output folder")
    parser.add_argument("--workdir", type=pathlib.Path, default=DEFAULT_WORKDIR)
    parser.add_argument("--models", help="comma-separated (default: config.py's)")
    parser.add_argument(
        "--steps", type=int, help="training steps of every model (default: config.py's)"
    )
    parser.add_argument("--quick", action="store_true", help="the test's tiny budget")
    args = parser.parse_args(argv)
    config = get_config(quick=args.quick)
    if args.models:
        models = tuple(name.strip() for name in args.models.split(",") if name.strip())
        unknown = [name for name in models if name not in MODELS]
        if unknown:
            raise UserError(f"unknown models {unknown}; choose from {', '.join(MODELS)}")
        config.models = models
    if args.steps is not None:
        if args.steps < 1:
            raise UserError(f"--steps must be at least 1, got {args.steps}")
        config.steps = {model: args.steps for model in config.steps}
    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    for model in config.models:
        row = run_model(model, config, args.workdir / model)
        rows.append(row)
        print(f"{model}: {row['nll']:.2f} nats, {row['bits_per_dim']:.4f} bits/dim", flush=True)
    text = table(rows)
    print(text)
    (args.out / "results.md").write_text(text + "\n")
    (args.out / "results.json").write_text(json.dumps(rows, indent=1))
    sample_figure(rows, args.workdir, args.out)
    print(f"wrote results.md, results.json and samples.png to {args.out}")
    return rows


if __name__ == "__main__":
    run_command(main)
