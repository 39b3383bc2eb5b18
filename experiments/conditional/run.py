"""Class-conditional GANs: does the generator draw the digit it is asked for?

    .venv/bin/python -m experiments.conditional.run [--data mnist|digits] [--steps N]
        [--families cgan,acgan,pcgan] [--workdir DIR] [--out DIR] [--report] [--quick]

For each family (``jaxgen.recipes.conditional_recipes``) it trains ``{family}_{data}`` at its
recipe's budget (or ``--steps``), draws ``PER_CLASS`` samples of every class (seed 0) and
asks the data set's real-data classifier (``jaxgen.metrics.features.for_data``: the mnist5k
classifier is 98-99% accurate on the real test split) which digit each one is. Reported: the
share recognized as the requested class, overall and for the worst class (issue 9 asks
≥ 90% on mnist5k), and FID of 2,000 samples (classes in turn) against the train split on the
same classifier's features (``evaluate_run``).

Each family's measurements go to ``WORKDIR/{data}_{family}.json`` (+ ``.npz``: 10 samples per
class for the figure) as soon as it is done; ``results.md`` and ``samples_{data}.png`` are then
made from every family found there, so runs made elsewhere (a GPU) can be copied into WORKDIR
and reported with ``--report``. ``--quick``: tiny presets, 10 steps, cgan on digits (the test).
"""

import argparse
import json
import pathlib
import shutil
import time

import jax
import numpy as np

from experiments.entry import exit_if_stopped, run_command
from experiments.figures import save_figure

FOLDER = pathlib.Path(__file__).parent
DEFAULT_WORKDIR = pathlib.Path("runs") / "conditional"
FAMILIES = ("cgan", "acgan", "pcgan")
DATA = {"mnist": "mnist5k", "digits": "digits"}  # recipe suffix → data set of the classifier
PER_CLASS = 1000
FIGURE_PER_CLASS = 10
FID_SAMPLES = 2000


def recognized(recipe, state, per_class, classifier, batch=500):
    """``(share recognized as the requested class, per-class shares [K], the first
    ``FIGURE_PER_CLASS`` samples of each class [K·F, H, W, C], class-major)``."""
    classes = recipe.num_classes
    labels = np.repeat(np.arange(classes), per_class)
    hits, figure = np.zeros(classes), []
    for start in range(0, len(labels), batch):
        chunk = labels[start : start + batch]
        key = jax.random.fold_in(jax.random.PRNGKey(0), start)
        images = recipe.sample(state, key, len(chunk), labels=chunk)["image"]
        predicted = np.asarray(classifier(images)["logits"]).argmax(-1)
        np.add.at(hits, chunk, predicted == chunk)
        figure.append(np.asarray(images))
    images = np.concatenate(figure).reshape(classes, per_class, *figure[0].shape[1:])
    shares = hits / per_class
    return float(shares.mean()), shares, images[:, :FIGURE_PER_CLASS]


def run_family(family, data, steps, workdir, preset="default", per_class=PER_CLASS):
    """Trains and measures one family; saves its JSON and figure samples in ``workdir``."""
    from jaxgen import recipes
    from jaxgen.metrics import features
    from jaxgen.metrics.run_eval import evaluate_run
    from jaxgen.train import train

    began = time.perf_counter()
    overrides = {"preset": preset, **({"steps": steps} if steps else {})}
    recipe = recipes.get(f"{family}_{data}", **overrides)
    folder = workdir / f"{data}_{family}"
    shutil.rmtree(folder, ignore_errors=True)
    state = train(recipe, str(folder), progress=False, log=lambda message: None)
    exit_if_stopped(state, recipe.config.steps, "rerun the command: it trains afresh")
    classifier = features.for_data(DATA[data], progress=False)
    share, shares, samples = recognized(recipe, state, per_class, classifier)
    fid = evaluate_run(
        recipe, state, metrics="fid", num_samples=min(FID_SAMPLES, 10 * per_class), progress=False
    )["metrics"]["fid"]
    result = {
        "family": family,
        "recipe": recipe.name,
        "steps": int(state.step),
        "per_class": per_class,
        "recognized": share,
        "per_class_recognized": shares.tolist(),
        "fid": fid,
        "classifier": classifier.card["name"],
        "classifier_test_accuracy": classifier.card["test_accuracy"],
        "device": jax.devices()[0].device_kind,
        "seconds": time.perf_counter() - began,
    }
    (workdir / f"{data}_{family}.json").write_text(json.dumps(result, indent=1))
    np.savez(workdir / f"{data}_{family}.npz", samples=samples)
    print(
        f"{recipe.name}: {share:.1%} recognized (worst class {shares.min():.1%}), FID {fid:.1f}, "
        f"{result['seconds']:.0f} s",
        flush=True,
    )
    return result


def load_results(workdir, data):
    """``[(result, samples)]`` of every family saved in ``workdir`` for ``data``."""
    found = []
    for family in FAMILIES:
        path = workdir / f"{data}_{family}.json"
        if path.exists():
            with np.load(path.with_suffix(".npz")) as arrays:
                found.append((json.loads(path.read_text()), arrays["samples"]))
    return found


def table(results) -> str:
    lines = [
        "| family | recipe | steps | recognized as the requested class | worst class | FID | "
        "device | s |",
        "|---|---|---:|---:|---:|---:|---|---:|",
    ]
    for result, _ in results:
        shares = np.asarray(result["per_class_recognized"])
        lines.append(
            f"| {result['family']} | `{result['recipe']}` | {result['steps']:,} | "
            f"{result['recognized']:.1%} | {shares.min():.1%} (digit {shares.argmin()}) | "
            f"{result['fid']:.1f} | {result['device']} | {result['seconds']:.0f} |"
        )
    return "\n".join(lines)


def figure(results, data):
    """One panel per family: a column per class, ``FIGURE_PER_CLASS`` samples each."""
    from matplotlib.figure import Figure

    from jaxgen.train.images import class_columns

    fig = Figure(figsize=(3.2 * len(results), 3.6))
    for i, (result, samples) in enumerate(results):
        classes, per_class = samples.shape[:2]
        labels = np.repeat(np.arange(classes), per_class)
        grid = class_columns(samples.reshape(-1, *samples.shape[2:]), labels)
        ax = fig.add_subplot(1, len(results), i + 1)
        ax.imshow(grid[..., 0], cmap="gray", vmin=0, vmax=255)
        ax.set_title(f"{result['recipe']}: {result['recognized']:.1%}", fontsize=9)
        ax.set_axis_off()
    fig.suptitle(f"{data}: one column per requested class (0-9), samples of seed 0", fontsize=9)
    return fig


def write_outputs(workdir, data, out):
    results = load_results(workdir, data)
    if not results:
        raise SystemExit(f"no family of {data} is saved in {workdir}: run without --report first")
    text = f"# Class-conditional GANs on {data}\n\n" + table(results) + "\n"
    (out / f"results_{data}.md").write_text(text)
    save_figure(figure(results, data), out / f"samples_{data}.png", dpi=100)
    print(text)
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m experiments.conditional.run", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--data", choices=tuple(DATA), default="mnist")
    parser.add_argument("--steps", type=int, default=0, help="generator steps (0: the recipe's)")
    parser.add_argument("--families", default=",".join(FAMILIES), help="comma-separated")
    parser.add_argument("--workdir", type=pathlib.Path, default=DEFAULT_WORKDIR)
    parser.add_argument("--out", type=pathlib.Path, default=FOLDER)
    parser.add_argument("--report", action="store_true", help="train nothing: rewrite outputs")
    parser.add_argument("--quick", action="store_true", help="tiny presets, 10 steps, for tests")
    args = parser.parse_args(argv)
    families = [name.strip() for name in args.families.split(",") if name.strip()]
    unknown = sorted(set(families) - set(FAMILIES))
    if unknown:
        parser.error(f"unknown families {unknown}: choose from {', '.join(FAMILIES)}")
    args.workdir.mkdir(parents=True, exist_ok=True)
    args.out.mkdir(parents=True, exist_ok=True)
    if not args.report:
        for family in families:
            if args.quick:
                run_family(family, args.data, 10, args.workdir, preset="tiny", per_class=20)
            else:
                run_family(family, args.data, args.steps, args.workdir)
    return write_outputs(args.workdir, args.data, args.out)


if __name__ == "__main__":
    run_command(main)
