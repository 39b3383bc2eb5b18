"""Parameter counts of distributions over n binary pixels, and the ordering's effect on NLL.

    nice -n 10 .venv/bin/python -m experiments.parameter_counting.run [--out DIR] [--quick]

1. The exact counts of ``counts.FAMILIES`` (full joint table, independent pixels, the chain rule
   with tabular conditionals, a first-order Markov chain, FVSBN, NADE, MADE) at a few n, with
   2⁷⁸⁴ − 1 in full; beside them the counts of the jaxgen modules on 28×28×1 binary images read
   off ``jax.eval_shape(model.init, …)`` (FVSBN, NADE, MADE, and every other explicit model of
   ``counts.CANDIDATES`` that ``jaxgen.nn`` has when this runs).
2. The brute-force check of ``brute_force``: the counts by enumerating prefixes, and the
   dimension of each family as the rank of the Jacobian of its 2ⁿ probabilities.
3. ``ordering``: FVSBN, NADE and MADE trained on binarized digits in the raster, snake and
   random orderings, several seeds each, and their NLL on the whole test split.

Writes ``results.md``, ``counts.png`` and ``ordering.png`` to ``--out`` (default: this folder)
and prints the tables. Settings: ``config.py``; ``--quick`` is the test's (tiny models, 20
steps).
"""

import argparse
import math
import pathlib
import time

import numpy as np

from experiments.entry import run_command
from experiments.figures import save_figure
from experiments.parameter_counting import brute_force, counts, ordering
from experiments.parameter_counting.config import get_config

FOLDER = pathlib.Path(__file__).parent
DPI = 90
EXACT_DIGITS = 16  # counts with more digits are shown as m.mmm × 10^e
LEFT_YMAX = 12  # the left panel shows counts up to 10¹², the polynomial ones whole
ORDERING_COLORS = {"raster": "C0", "snake": "C1", "random": "C2"}


def _count(count: int) -> str:
    if counts.num_digits(count) > EXACT_DIGITS:
        return f"{counts.scientific(count)} ({counts.num_digits(count)} digits)"
    return f"{count:,}"


def family_table(sizes, hidden) -> str:
    header = " | ".join(f"n = {n}" for n in sizes)
    lines = [
        f"| family | parameters | {header} |",
        "|---|---|" + "---:|" * len(sizes),
    ]
    for family in counts.FAMILIES:
        cells = " | ".join(_count(family.count(n, hidden)) for n in sizes)
        lines.append(f"| {family.name} | {family.formula} | {cells} |")
    return "\n".join(lines)


def module_rows(shape, hidden):
    """``(ModuleCount, formula value or None)`` of the core and the optional modules, and the
    optional ones left out."""
    n = math.prod(shape)
    optional, left_out = counts.optional_module_counts(shape)
    rows = []
    for module in [*counts.core_module_counts(shape, hidden), *optional]:
        family = counts.FAMILY.get(module.family)
        rows.append((module, None if family is None else family.count(n, hidden)))
    return rows, left_out


def module_table(rows, shape, hidden) -> str:
    n = math.prod(shape)
    lines = [
        f"| jaxgen module on {'×'.join(map(str, shape))} | parameters (eval_shape) | "
        f"family | formula at n = {n}, H = {hidden} | equal |",
        "|---|---:|---|---:|---|",
    ]
    for module, expected in rows:
        family = counts.FAMILY.get(module.family)
        formula = f"{family.formula}: {expected:,}" if family else "—"
        equal = "—" if expected is None else ("yes" if expected == module.count else "**no**")
        lines.append(
            f"| {module.name} | {module.count:,} | {module.family or '—'} | {formula} | {equal} |"
        )
    return "\n".join(lines)


def check_section(sizes, hidden) -> tuple[str, list[dict]]:
    lines = [
        "| n | family | formula | count | enumerated | module | Jacobian rank | expected rank |",
        "|---:|---|---|---:|---:|---:|---:|---:|",
    ]
    all_rows = []
    for n in sizes:
        for row in brute_force.check_table(n, hidden):
            row["n"] = n
            all_rows.append(row)
            cells = [
                str(n),
                row["family"],
                row["formula"],
                f"{row['count']:,}",
                *(
                    f"{row[key]:,}" if key in row else "—"
                    for key in ("enumerated", "module", "rank", "expected_rank")
                ),
            ]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines), all_rows


def _mean_std(pair, digits=3) -> str:
    mean, std = pair
    return f"{mean:.{digits}f}" if math.isnan(std) else f"{mean:.{digits}f} ± {std:.{digits}f}"


def ordering_table(summary) -> str:
    lines = [
        "| model | parameters | steps | ordering | seeds | test NLL (nats) | test bits/dim | "
        "train NLL (nats) | test NLL per seed | s/run |",
        "|---|---:|---:|---|---:|---:|---:|---:|---|---:|",
    ]
    for row in summary:
        name = row["model"].upper() + (f", H = {row['hidden']}" if row["hidden"] else "")
        per_seed = ", ".join(f"{v:.2f}" for v in row["per_seed"])
        lines.append(
            f"| {name} | {row['parameters']:,} | {row['steps']:,} | {row['ordering']} | "
            f"{row['seeds']} | {_mean_std(row['test_nll'])} | "
            f"{_mean_std(row['test_bits_per_dim'], 4)} | {_mean_std(row['train_nll'])} | "
            f"{per_seed} | {row['seconds'][0]:.0f} |"
        )
    return "\n".join(lines)


def report(config, module_rows_, left_out, check, summary, seconds) -> str:
    shape = tuple(config.module_shape)
    n = math.prod(shape)
    joint = counts.joint_table(n)
    sections = [
        "# Parameter counting: results",
        f"## Families over n binary pixels (H = {config.hidden})",
        family_table(config.count_sizes, config.hidden),
        f"2^{n} − 1 = {counts.scientific(joint)}, an integer of {counts.num_digits(joint)} "
        f"digits:\n\n```\n{joint}\n```",
        f"## The jaxgen modules on {'×'.join(map(str, shape))} binary images",
        module_table(module_rows_, shape, config.hidden),
    ]
    if left_out:
        sections.append("Left out: " + "; ".join(left_out) + ".")
    sections += [
        f"## Brute-force check (H = {config.check_hidden})",
        "Enumerated: free conditional probabilities counted by listing every prefix of every "
        "pixel (the joint table: every configuration, less one). Module: the jaxgen module's "
        "parameters on (1, n, 1). Jacobian rank: of the 2ⁿ probabilities with respect to the "
        "parameters at a random N(0, 1) point, float64, the dimension of the family.",
        check,
        "## The ordering's effect on held-out likelihood",
        f"`{{model}}_{config.data}` recipes (preset {config.preset}), NLL of the whole test "
        f"split ({summary[0]['num_test']} images) and train split; mean ± sample standard "
        f"deviation over {config.seeds} seed(s) (seed s: the training seed, and the random "
        "ordering's seed).",
        ordering_table(summary),
        f"Wall time of the whole command: {seconds:.0f} s.",
    ]
    return "\n\n".join(sections)


def counts_figure(config, module_rows_):
    """Left: log₁₀ parameters against n for each family. Right: bars at n = 784, modules too."""
    from matplotlib.figure import Figure

    shape = tuple(config.module_shape)
    n_max, hidden = math.prod(shape), config.hidden
    fig = Figure(figsize=(12, 4.8), layout="constrained")
    left, right = fig.subplots(1, 2, width_ratios=(1, 1.25))
    sizes = np.arange(1, n_max + 1)
    exits = math.ceil(LEFT_YMAX / math.log10(2))
    styles = {"chain rule, tabular conditionals": ":", "MADE, 1 hidden layer, stored": "--"}
    for i, family in enumerate(counts.FAMILIES):
        values = [float(min(family.count(int(n), hidden), 10**LEFT_YMAX)) for n in sizes]
        label = f"{family.name}: {family.formula}"
        left.plot(sizes, values, styles.get(family.name, "-"), color=f"C{i}", label=label)
    left.set(
        xscale="log",
        yscale="log",
        ylim=(1, 10**LEFT_YMAX),
        xlabel="n binary pixels",
        ylabel="parameters",
        title=f"How the counts grow (H = {hidden}; 2ⁿ − 1 leaves at n = {exits})",
    )
    left.legend(fontsize=7, loc="upper right")
    left.grid(True, alpha=0.3)

    names = [f"{family.name}: {family.formula}" for family in counts.FAMILIES]
    values = [float(family.count(n_max, hidden)) for family in counts.FAMILIES]
    colors = [f"C{i}" for i in range(len(names))]
    for module, _ in module_rows_:
        names.append(f"jaxgen {module.name}")
        values.append(float(module.count))
        colors.append("0.35")
    positions = np.arange(len(names))[::-1]
    right.barh(positions, values, color=colors)
    for position, value in zip(positions, values, strict=True):
        right.text(value * 1.5, position, f"{value:.3g}", va="center", fontsize=7)
    right.set_yticks(positions, names, fontsize=7)
    right.set(
        xscale="log",
        xlim=(1, 1e260),
        xlabel="parameters (log scale)",
        title=f"n = {n_max} ({'×'.join(map(str, shape))}), H = {hidden}; grey: jaxgen modules",
    )
    right.grid(True, axis="x", alpha=0.3)
    return fig


def ordering_figure(summary, results):
    """Test NLL per model and ordering: each seed (dots) and the mean ± one standard deviation
    (a bar with caps), on a y axis fitted to each model's values."""
    from matplotlib.figure import Figure

    models = list(dict.fromkeys(row["model"] for row in summary))
    orderings = list(dict.fromkeys(row["ordering"] for row in summary))
    fig = Figure(figsize=(3.2 * len(models), 3.8), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(models)))
    for ax, model in zip(axes, models, strict=True):
        rows = {row["ordering"]: row for row in summary if row["model"] == model}
        for j, name in enumerate(orderings):
            mean, std = rows[name]["test_nll"]
            color = ORDERING_COLORS.get(name, f"C{j}")
            seeds = [
                r["test_nll"] for r in results if r["model"] == model and r["ordering"] == name
            ]
            ax.scatter(np.full(len(seeds), j - 0.12), seeds, s=14, color=color, alpha=0.7)
            ax.errorbar(
                j + 0.12, mean, 0 if math.isnan(std) else std, fmt="s", color=color, capsize=5
            )
        values = [r["test_nll"] for r in results if r["model"] == model]
        margin = max(max(values) - min(values), 0.05) * 0.3
        ax.set_ylim(min(values) - margin, max(values) + margin)
        ax.set_xlim(-0.5, len(orderings) - 0.5)
        ax.set_xticks(range(len(orderings)), orderings)
        row = next(iter(rows.values()))
        hidden = f", H = {row['hidden']}" if row["hidden"] else ""
        ax.set_title(f"{model.upper()}{hidden}, {row['steps']:,} steps", fontsize=10)
        ax.grid(True, axis="y", alpha=0.3)
    axes[0].set_ylabel("test NLL (nats): seeds, mean ± std")
    fig.suptitle("The pixel ordering's effect on held-out NLL, binarized 8×8 digits")
    return fig


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m experiments.parameter_counting.run", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--out", type=pathlib.Path, default=FOLDER, help="output folder")
    parser.add_argument("--quick", action="store_true", help="tiny settings (config.py), ~15 s")
    args = parser.parse_args(argv)
    if args.out.exists() and not args.out.is_dir():
        parser.error(f"--out {args.out} is a file, not a folder")
    args.out.mkdir(parents=True, exist_ok=True)
    config = get_config(quick=args.quick)
    began = time.perf_counter()
    rows, left_out = module_rows(tuple(config.module_shape), config.hidden)
    check, check_rows = check_section(config.check_sizes, config.check_hidden)
    results = ordering.run(config)
    summary = ordering.summary(results)
    text = report(config, rows, left_out, check, summary, time.perf_counter() - began)
    (args.out / "results.md").write_text(text + "\n")
    save_figure(counts_figure(config, rows), args.out / "counts.png", dpi=DPI)
    save_figure(ordering_figure(summary, results), args.out / "ordering.png", dpi=DPI)
    print(text)
    print(f"\nwrote results.md, counts.png and ordering.png to {args.out}")
    return {
        "modules": rows,
        "left_out": left_out,
        "check": check_rows,
        "ordering": results,
        "summary": summary,
    }


if __name__ == "__main__":
    run_command(main)
