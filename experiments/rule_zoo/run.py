"""Trains the ring8 GAN with every rule of config.py at the same budget of field evaluations.

    .venv/bin/python -m experiments.rule_zoo.run [--out DIR] [--seeds N] [--points N]

prints the table as markdown and writes ``results.md``, ``coverage.png`` (modes covered against
field evaluations) and ``samples.png`` (seed 0's final samples) to DIR (default: this folder).
Every rule trains the same seeds from the same initial networks, all seeds of a rule as one
vmapped program (``jaxgen.game.mixture.train_seeds``).
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
from experiments.rule_zoo.config import RULES, get_config
from jaxgen.game import (
    alternating,
    consensus,
    extragradient,
    lookahead,
    mixture_game,
    optimistic,
    plots,
    sga,
    simultaneous,
    unrolled,
)

FOLDER = pathlib.Path(__file__).parent


class Result(NamedTuple):
    rule: str
    evaluations: np.ndarray  # [points + 1] field evaluations at each score
    scores: Scores


def rule_and_game(name, config, game):
    """The rule and the (possibly transformed) game of ``name``."""
    adam = optax.adam(config.learning_rate, b1=config.beta1)
    inner = optax.sgd(config.unrolled_inner_lr)
    return {
        "simultaneous": lambda: (simultaneous(adam), game),
        "alternating": lambda: (alternating(adam), game),
        "optimistic": lambda: (optimistic(adam), game),
        "lookahead(alternating)": lambda: (
            lookahead(alternating(adam), config.lookahead_k, config.lookahead_alpha),
            game,
        ),
        "extragradient": lambda: (extragradient(adam), game),
        "consensus": lambda: (simultaneous(adam), consensus(game, config.consensus_gamma)),
        "sga": lambda: (simultaneous(adam), sga(game, config.sga_lambda)),
        "unrolled k=5": lambda: (alternating(adam), unrolled(game, 5, inner)),
    }[name]()


def train_rule(config, name):
    game = mixture_game("ring8", hidden=(config.hidden,) * 2, batch_size=config.batch_size)
    rule, losses = rule_and_game(name, config, game.losses)
    every = config.evaluations_per_point // RULES[name]
    scores = score_runs(
        game,
        losses,
        rule,
        every * config.points,
        every=every,
        seeds=config.seeds,
        num_samples=config.num_samples,
    )
    return Result(name, config.evaluations_per_point * np.arange(config.points + 1), scores)


def train_rules(config_dict, names):
    config = ml_collections.ConfigDict(config_dict)
    results = []
    for name in names:
        results.append(train_rule(config, name))
        print(f"  {name:24s} {results[-1].scores.seconds:6.1f} s", flush=True)
    return results


def run(config):
    """Every rule of ``config``: a list of ``Result`` in the order of ``config.rules``."""
    unknown = [r for r in config.rules if r not in RULES]
    if unknown:
        raise ValueError(f"unknown rules {unknown}; config.py has {list(RULES)}")
    for name in config.rules:
        if config.evaluations_per_point % RULES[name]:
            raise ValueError(
                f"evaluations_per_point ({config.evaluations_per_point}) must be a multiple of "
                f"{name}'s cost {RULES[name]}"
            )
    # Deal the rules to the workers so that each gets a similar share of the compute.
    shares = [config.rules[i :: config.workers] for i in range(max(config.workers, 1))]
    by_name = {r.rule: r for r in in_workers(train_rules, config, shares, config.workers)}
    return [by_name[name] for name in config.rules]


def table(results):
    lines = [
        "| rule | cost per step | steps | modes covered | high quality | KL | seconds |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        modes, high_quality, kl = final_summary(r.scores)
        cost = RULES[r.rule]
        lines.append(
            f"| {r.rule} | {cost} | {r.evaluations[-1] // cost} | {modes} | {high_quality} "
            f"| {kl} | {r.scores.seconds:.0f} |"
        )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m experiments.rule_zoo.run", description=__doc__.split("\n\n")[0]
    )
    add_run_arguments(parser, FOLDER)
    parser.add_argument("--points", type=int, help="scores along training (default: config.py)")
    args = parser.parse_args(argv)
    config = get_config()
    if args.points is not None:
        if args.points < 1:
            parser.error("--points must be positive")
        config.points = args.points
    apply_run_arguments(parser, args, config)
    start = time.perf_counter()
    results = run(config)
    total = time.perf_counter() - start
    budget = config.points * config.evaluations_per_point
    report = (
        f"ring8, {config.seeds} seeds per rule, {budget} field evaluations each; "
        f"{total:.0f} s in all ({config.workers} worker processes).\n\n{table(results)}\n"
    )
    print(report)
    (args.out / "results.md").write_text(report)
    coverage = plots.coverage_plot(
        {r.rule: (r.evaluations, r.scores.modes) for r in results},
        num_modes=len(results[0].scores.centers),
        xlabel="field evaluations",
        title="ring8: modes covered at equal gradient budgets",
    )
    coverage.savefig(args.out / "coverage.png", dpi=80)
    samples = plots.samples_grid(
        {r.rule: r.scores.samples for r in results}, results[0].scores.centers, columns=4
    )
    samples.savefig(args.out / "samples.png", dpi=80)
    return 0


if __name__ == "__main__":
    run_command(main)
