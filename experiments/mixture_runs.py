"""What experiments/mode_collapse and experiments/rule_zoo share: scoring the vmapped runs of a
mixture game, spreading work over worker processes, and their common command-line arguments."""

import concurrent.futures
import multiprocessing
import pathlib
import time
from typing import NamedTuple

import jax
import numpy as np

from jaxgen.game.mixture import train_seeds


class Scores(NamedTuple):
    """``jaxgen.metrics.mode_coverage`` of every run along training."""

    modes: np.ndarray  # [seeds, evaluations] modes covered
    high_quality: np.ndarray  # [seeds, evaluations]
    kl: np.ndarray  # [seeds, evaluations]
    samples: np.ndarray  # [num_samples, 2]: seed 0 after the last step
    centers: np.ndarray  # [modes, 2]
    seconds: float  # wall time of the vmapped program, compilation included


def score_runs(game, losses, rule, steps, *, every, seeds, num_samples) -> Scores:
    """``seeds`` runs of ``rule`` on ``losses`` (keys split from PRNGKey(0)), as one vmap."""
    keys = jax.random.split(jax.random.PRNGKey(0), seeds)
    start = time.perf_counter()
    stats, samples = jax.block_until_ready(
        train_seeds(game, losses, rule, steps, keys, every=every, num_samples=num_samples)
    )
    return Scores(
        np.asarray(stats["modes_covered"]),
        np.asarray(stats["high_quality"]),
        np.asarray(stats["kl"]),
        np.asarray(samples[0]),
        game.centers,
        time.perf_counter() - start,
    )


def in_workers(function, config, shares, workers):
    """``[*function(config.to_dict(), share) for share in shares]``, in ``workers`` processes."""
    if workers <= 1:
        return [r for share in shares for r in function(config.to_dict(), share)]
    context = multiprocessing.get_context("spawn")  # JAX does not survive fork
    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context) as pool:
        futures = [pool.submit(function, config.to_dict(), share) for share in shares]
        return [r for future in futures for r in future.result()]


def final_summary(scores: Scores):
    """``"m ± se"`` strings of modes covered, high-quality share (%) and KL after training."""

    def mean_se(values):
        values = np.asarray(values, np.float64)
        return values.mean(), values.std(ddof=1) / np.sqrt(values.size)

    (m, m_se), (q, q_se), (k, k_se) = (
        mean_se(x[:, -1]) for x in (scores.modes, scores.high_quality, scores.kl)
    )
    return f"{m:.1f} ± {m_se:.1f}", f"{100 * q:.1f} ± {100 * q_se:.1f} %", f"{k:.2f} ± {k_se:.2f}"


def add_run_arguments(parser, folder):
    """``--out`` (default ``folder``) and ``--seeds``, shared by the two experiments' commands."""
    parser.add_argument("--out", type=pathlib.Path, default=folder, help="output folder")
    parser.add_argument("--seeds", type=int, help="runs per variant (default: config.py)")


def apply_run_arguments(parser, args, config):
    """Checks ``--out`` and ``--seeds``, sets ``config.seeds`` and makes the ``--out`` folder."""
    if args.seeds is not None:
        if args.seeds < 2:
            parser.error("--seeds must be at least 2 (a standard error needs two runs)")
        config.seeds = args.seeds
    if args.out.exists() and not args.out.is_dir():
        parser.error(f"--out {args.out} is a file, not a folder")
    args.out.mkdir(parents=True, exist_ok=True)
