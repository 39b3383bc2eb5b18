"""Trains every variant of config.py on ring8 and grid25 and scores it with the PacGAN protocol.

    .venv/bin/python -m experiments.mode_collapse.run [--out DIR] [--steps N] [--seeds N]

prints the results table as markdown and writes ``results.md``, ``coverage.png`` (modes covered
along training) and ``samples.png`` (the final samples of seed 0) to DIR (default: this
folder). All seeds of one variant are one ``jax.vmap`` of one jitted ``rollout``; every variant
starts from the same initial networks for seed i, so differences between variants are paired.
"""

import argparse
import pathlib
import time
from typing import NamedTuple

import ml_collections
import numpy as np
import optax

from experiments.entry import run_command
from experiments.mixture_runs import (
    Scores,
    add_run_arguments,
    apply_run_arguments,
    final_summary,
    in_workers,
    score_runs,
)
from experiments.mode_collapse.config import VARIANTS, get_config
from jaxgen.game import alternating, mixture_game, plots, unrolled

FOLDER = pathlib.Path(__file__).parent

PUBLISHED = """\
Published rows (means over 10 runs ± standard error where given; the papers' networks and
training budgets, see README.md):

| source | method | data | modes covered | high quality | KL |
|---|---|---|---:|---:|---:|
| PacGAN Table 1 | GAN | ring8 | 6.3 ± 0.5 | 98.2 ± 0.2 % | 0.45 ± 0.09 |
| PacGAN Table 1 | GAN | grid25 | 17.3 ± 0.8 | 94.8 ± 0.7 % | 0.70 ± 0.07 |
| PacGAN Table 1 | PacGAN2 | ring8 | 7.9 ± 0.1 | 95.6 ± 2.0 % | 0.07 ± 0.03 |
| PacGAN Table 1 | PacGAN2 | grid25 | 23.8 ± 0.7 | 91.3 ± 0.8 % | 0.13 ± 0.04 |
| VEEGAN Table 1 | GAN | ring8 | 1 | 99.3 % | |
| VEEGAN Table 1 | GAN | grid25 | 3.3 | 0.5 % | |
| VEEGAN Table 1 | Unrolled GAN | ring8 | 7.6 | 35.6 % | |
| VEEGAN Table 1 | Unrolled GAN | grid25 | 23.6 | 16 % | |
"""


class Result(NamedTuple):
    dataset: str
    variant: str
    steps: np.ndarray  # [evaluations] training steps of the scores
    scores: Scores


def train_variant(config, dataset, variant):
    """All seeds of one variant on one data set, as one vmapped program."""
    k, unroll, inner_lr = VARIANTS[variant]
    game = mixture_game(
        dataset,
        config.objective,
        hidden=(config.hidden, config.hidden),
        latent_dim=config.latent_dim,
        batch_size=config.batch_size,
    )
    losses = game.losses
    if k:
        inner = optax.sgd(config.inner_lr if inner_lr is None else inner_lr)
        losses = unrolled(game.losses, k, inner, unroll=unroll)
    rule = alternating(optax.adam(config.learning_rate, b1=config.beta1))
    scores = score_runs(
        game,
        losses,
        rule,
        config.steps,
        every=config.eval_every,
        seeds=config.seeds,
        num_samples=config.num_samples,
    )
    return Result(dataset, variant, np.arange(0, config.steps + 1, config.eval_every), scores)


def train_datasets(config_dict, datasets):
    config = ml_collections.ConfigDict(config_dict)
    results = []
    for dataset in datasets:
        for variant in config.variants:
            results.append(train_variant(config, dataset, variant))
            print(f"  {dataset:7s} {variant:28s} {results[-1].scores.seconds:6.1f} s", flush=True)
    return results


def run(config):
    """Every data set × variant of ``config``: a list of ``Result``."""
    unknown = [v for v in config.variants if v not in VARIANTS]
    if unknown:
        raise ValueError(f"unknown variants {unknown}; config.py has {list(VARIANTS)}")
    if config.steps % config.eval_every:
        raise ValueError(f"steps ({config.steps}) must be a multiple of eval_every")
    shares = [(dataset,) for dataset in config.datasets]  # one data set per worker
    return in_workers(train_datasets, config, shares, config.workers)


def table(results):
    lines = [
        "| data | variant | modes covered | high quality | KL | seconds |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for r in results:
        modes, high_quality, kl = final_summary(r.scores)
        lines.append(
            f"| {r.dataset} | {r.variant} | {modes} | {high_quality} | {kl} "
            f"| {r.scores.seconds:.0f} |"
        )
    return "\n".join(lines)


def figures(results):
    """``coverage.png`` (one panel per data set) and ``samples.png`` (seed 0's final samples)."""
    from matplotlib.figure import Figure

    datasets = list(dict.fromkeys(r.dataset for r in results))
    coverage = Figure(figsize=(5 * len(datasets), 3.6), layout="constrained")
    for i, dataset in enumerate(datasets):
        mine = [r for r in results if r.dataset == dataset]
        plots.coverage_plot(
            {r.variant: (r.steps, r.scores.modes) for r in mine},
            num_modes=len(mine[0].scores.centers),
            ax=coverage.add_subplot(1, len(datasets), i + 1),
            title=dataset,
        )
    panels = {f"{r.dataset}: {r.variant}": r.scores.samples for r in results}
    centers = {f"{r.dataset}: {r.variant}": r.scores.centers for r in results}
    samples = plots.samples_grid(panels, centers, columns=len(results) // len(datasets))
    return coverage, samples


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m experiments.mode_collapse.run", description=__doc__.split("\n\n")[0]
    )
    add_run_arguments(parser, FOLDER)
    parser.add_argument("--steps", type=int, help="training steps (default: config.py)")
    args = parser.parse_args(argv)
    config = get_config()
    if args.steps is not None:
        if args.steps < 1:
            parser.error("--steps must be positive")
        config.steps = args.steps
        config.eval_every = min(config.eval_every, args.steps)
    apply_run_arguments(parser, args, config)
    start = time.perf_counter()
    results = run(config)
    total = time.perf_counter() - start
    report = (
        f"{config.seeds} seeds × {config.steps} steps per variant; {total:.0f} s in all "
        f"({config.workers} worker processes).\n\n{table(results)}\n\n{PUBLISHED}"
    )
    print(report)
    (args.out / "results.md").write_text(report)
    coverage, samples = figures(results)
    coverage.savefig(args.out / "coverage.png", dpi=80)
    samples.savefig(args.out / "samples.png", dpi=80)
    return 0


if __name__ == "__main__":
    run_command(main)
