"""InfoGAN on mnist5k: does the categorical code learn the digit classes without labels?

    .venv/bin/python -m experiments.infogan.run [--data mnist|digits] [--seeds 0,1,2,3,4]
        [--steps N] [--set KEY=VALUE ...] [--tag NAME] [--workdir DIR] [--out DIR] [--report]
        [--quick]

Chen et al. 2016 (§7.1, Table 1 and Fig. 2) train InfoGAN on MNIST with a 10-way categorical
code c1 and two continuous codes c2, c3, and report that c1 "can be used as a classifier that
achieves 5% error rate in classifying MNIST digits by matching each category in c1 to a digit
type". This experiment trains ``infogan_{data}`` (``jaxgen.recipes.conditional_recipes``) for
each seed, then on the data set's 1,000-image test split (never seen in training, whose labels
InfoGAN never reads):

- **code error**: Q's category of each real test image (``recipe.infer_codes``), matched one to
  one to the digit classes so as to maximize agreement (the Hungarian algorithm on the
  10 × 10 count table, ``scipy.optimize.linear_sum_assignment``); error = 1 − matched accuracy;
- **generated error**: the same matching for 1,000 samples per category of c1, labelled by the
  data set's real-data classifier (``jaxgen.metrics.features.for_data``): does fixing c1 fix
  the digit drawn?

It writes ``WORKDIR/{data}_seed{S}.json`` per seed as soon as it is done, then in ``--out``
``results_{data}.json`` (every seed's record, merged with the seeds already recorded there, so
that seeds trained on different machines add up), ``results_{data}.md`` and the latent
traversals of the best seed if it was trained in ``WORKDIR`` (the paper's Fig. 2 c-d: one
row per category of c1, in the order of their matched digits, c2 or c3 from −2 to 2, the
other codes and z fixed per row); ``--report`` only rewrites them.
``--quick``: tiny presets, 10 steps, seeds 0 and 1 on digits (the test). ``--set KEY=VALUE``
changes the recipe's config (``jaxgen train``'s syntax); ``--tag NAME`` then keeps that
variant's files apart: ``{data}_{NAME}_seed{S}.json``, ``results_{data}_{NAME}.md``, ...
"""

import argparse
import json
import pathlib
import shutil
import time

import jax
import jax.numpy as jnp
import numpy as np

from experiments.entry import exit_if_stopped, parse_settings, run_command
from experiments.figures import save_figure

FOLDER = pathlib.Path(__file__).parent
DEFAULT_WORKDIR = pathlib.Path("runs") / "infogan"
DATA = {"mnist": "mnist5k", "digits": "digits"}
PER_CATEGORY = 1000
TRAVERSAL = np.linspace(-2, 2, 9)  # the paper's Fig. 2 c-d varies c2, c3 from −2 to 2


def matching(codes, labels, classes):
    """``(matched accuracy, digit of each category)``: the one-to-one assignment of categories
    to classes that maximizes the agreement of ``codes`` with ``labels``."""
    from scipy.optimize import linear_sum_assignment

    counts = np.zeros((classes, classes), np.int64)
    np.add.at(counts, (np.asarray(codes), np.asarray(labels)), 1)
    rows, columns = linear_sum_assignment(-counts)
    digit_of = np.empty(classes, np.int64)
    digit_of[rows] = columns
    return counts[rows, columns].sum() / len(codes), digit_of


def run_seed(
    seed, data, steps, workdir, preset="default", per_category=PER_CATEGORY, settings=(), tag=""
):
    """Trains one seed and measures its codes; saves ``WORKDIR/{data}[_{tag}]_seed{seed}``.

    ``settings``: ``KEY=VALUE`` strings applied to the recipe's config after the preset."""
    from jaxgen import recipes
    from jaxgen.metrics import features
    from jaxgen.metrics.features.cache import signed_split
    from jaxgen.train import train

    began = time.perf_counter()
    overrides = {"preset": preset, "seed": seed, **({"steps": steps} if steps else {})}
    overrides.update(recipes.parse_overrides(settings))
    recipe = recipes.get(f"infogan_{data}", **overrides)
    name = f"{data}_{tag}" if tag else data
    folder = workdir / f"{name}_seed{seed}"
    shutil.rmtree(folder, ignore_errors=True)
    state = train(recipe, str(folder), progress=False, log=lambda message: None)
    exit_if_stopped(state, recipe.config.steps, "rerun the command: it trains afresh")
    classes = recipe.config.info_categorical
    images, labels = signed_split(DATA[data], "test")
    size = recipe.config.image_size
    if images.shape[1] != size:
        images = jax.image.resize(images, (len(images), size, size, images.shape[-1]), "bilinear")
    inferred = np.asarray(recipe.infer_codes(state, jnp.asarray(images))["c1"])
    accuracy, digit_of = matching(inferred, labels, classes)
    classifier = features.for_data(DATA[data], progress=False)
    drawn, predicted = [], []
    for category in range(classes):
        key = jax.random.fold_in(jax.random.PRNGKey(0), category)
        batch = recipe.sample(state, key, per_category, codes={"c1": category})["image"]
        predicted.append(np.asarray(classifier(batch)["logits"]).argmax(-1))
        drawn.append(np.full(per_category, category))
    generated, _ = matching(np.concatenate(drawn), np.concatenate(predicted), classes)
    result = {
        "seed": seed,
        "recipe": recipe.name,
        "steps": int(state.step),
        "code_error": 1 - accuracy,
        "digit_of_category": digit_of.tolist(),
        "generated_error": 1 - generated,
        "settings": list(settings),
        # Q on the fakes it was trained with, as last logged: high while the code error on
        # real digits is high means c1 is recoverable but not the digit.
        "last_logged": last_logged(folder, ("code_accuracy", "code_mse", "d_real", "d_fake")),
        "device": jax.devices()[0].device_kind,
        "seconds": time.perf_counter() - began,
    }
    # The figure's samples first: a JSON file is what marks a seed as done (load_results).
    np.savez(workdir / f"{name}_seed{seed}.npz", **traversals(recipe, state, digit_of))
    (workdir / f"{name}_seed{seed}.json").write_text(json.dumps(result, indent=1))
    print(
        f"{recipe.name} seed {seed}: code error {result['code_error']:.1%}, generated "
        f"{result['generated_error']:.1%}, {result['seconds']:.0f} s",
        flush=True,
    )
    return result


def last_logged(folder, names):
    """The last value of each of ``names`` in the run's ``metrics.jsonl`` (absent: left out)."""
    found = {}
    with open(folder / "metrics.jsonl") as f:
        for line in f:
            record = json.loads(line)
            found.update({name: record[name] for name in names if name in record})
    return found


def traversals(recipe, state, digit_of):
    """``{"c2": [K, T, H, W, C], ...}``: row k is c1 = the category of digit k (so rows run
    0..9), each with its own z and the other continuous codes at 0; columns vary one code."""
    categories = np.argsort(digit_of)
    names = recipe.latent_codes[1:]
    out = {}
    for j, name in enumerate(names):
        rows = []
        for row, category in enumerate(categories):
            z = recipe.prior(jax.random.fold_in(jax.random.PRNGKey(1), row), 1)
            z = jnp.repeat(z, len(TRAVERSAL), axis=0)
            base = recipe.config.latent_dim + len(categories)
            z = z.at[:, base:].set(0.0).at[:, base + j].set(jnp.asarray(TRAVERSAL))
            onehot = jax.nn.one_hot(category, len(categories))
            z = z.at[:, recipe.config.latent_dim : base].set(onehot)
            rows.append(np.asarray(recipe.generate(state, z)["image"]))
        out[name] = np.stack(rows)
    return out


def load_results(workdir, name):
    """``[(result, samples), ...]`` of the seeds trained in ``workdir``, by seed."""
    found = []
    for path in sorted(workdir.glob(f"{name}_seed*.json")):
        with np.load(path.with_suffix(".npz")) as arrays:
            found.append((json.loads(path.read_text()), dict(arrays)))
    return sorted(found, key=lambda item: item[0]["seed"])


def merge_saved(trained, saved_path):
    """The seeds of ``trained`` and those recorded in ``saved_path`` (the committed
    ``results_{name}.json``, from other machines), by seed; a seed trained here replaces its
    record. Recorded seeds have no samples (``None``): their figures are not redrawn."""
    merged = {}
    if saved_path.exists():
        merged = {result["seed"]: (result, None) for result in json.loads(saved_path.read_text())}
    merged.update((result["seed"], (result, samples)) for result, samples in trained)
    return [merged[seed] for seed in sorted(merged)]


def report(results, data) -> str:
    errors = np.array([result["code_error"] for result in results])
    settings = results[0].get("settings") or ["none (the recipe's defaults)"]
    lines = [
        f"# InfoGAN on {data}: the categorical code against the digit classes",
        "",
        f"Settings: {', '.join(f'`{setting}`' for setting in settings)}.",
        "",
        "| seed | steps | code error (Q on the real test split) | generated error | "
        "digit of each category of c1 | device | s |",
        "|---:|---:|---:|---:|---|---|---:|",
    ]
    for result in results:
        lines.append(
            f"| {result['seed']} | {result['steps']:,} | {result['code_error']:.1%} | "
            f"{result['generated_error']:.1%} | {result['digit_of_category']} | "
            f"{result['device']} | {result['seconds']:.0f} |"
        )
    lines += [
        "",
        f"Best of {len(errors)} seeds: {errors.min():.1%} "
        f"(seed {results[errors.argmin()]['seed']}); mean {errors.mean():.1%}; the paper "
        "reports about 5%.",
    ]
    return "\n".join(lines)


def figure(samples, name, seed):
    from matplotlib.figure import Figure

    from jaxgen.train.images import image_grid

    rows, columns = samples.shape[:2]
    grid = image_grid(samples.reshape(-1, *samples.shape[2:]), columns=columns)
    fig = Figure(figsize=(0.5 * columns + 0.6, 0.5 * rows + 0.5))
    ax = fig.add_axes((0.08, 0.07, 0.9, 0.85))
    ax.imshow(grid[..., 0], cmap="gray", vmin=0, vmax=255)
    ax.set_xticks(
        (np.arange(columns) + 0.5) * grid.shape[1] / columns,
        [f"{v:g}" for v in TRAVERSAL],
        fontsize=7,
    )
    ax.set_yticks((np.arange(rows) + 0.5) * grid.shape[0] / rows, range(rows), fontsize=7)
    ax.set_title(f"seed {seed}: {name} from −2 to 2 (rows: c1, by matched digit)", fontsize=8)
    return fig


def write_outputs(workdir, data, out, tag=""):
    """``results_{name}.json`` (every seed's record: those trained in ``workdir`` and those
    already recorded in ``out``), its table ``results_{name}.md``, and the traversals of the
    best seed, if that seed was trained in ``workdir`` (else the figures stay as they are)."""
    name = f"{data}_{tag}" if tag else data
    saved_path = out / f"results_{name}.json"
    results = merge_saved(load_results(workdir, name), saved_path)
    if not results:
        raise SystemExit(f"no seed of {name} is saved in {workdir}: run without --report first")
    records = [result for result, _ in results]
    saved_path.write_text(json.dumps(records, indent=1) + "\n")
    text = report(records, data)
    (out / f"results_{name}.md").write_text(text + "\n")
    best = min(results, key=lambda item: item[0]["code_error"])
    if best[1] is None:  # recorded elsewhere: its figures, if any, stay as they are
        text += f"\n\n(Traversals not redrawn: the best seed, {best[0]['seed']}, was not run here.)"
    for code, samples in (best[1] or {}).items():
        path = out / f"traversal_{name}_{code}.png"
        save_figure(figure(samples, code, best[0]["seed"]), path)
    print(text)
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m experiments.infogan.run", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--data", choices=tuple(DATA), default="mnist")
    parser.add_argument("--seeds", default="0,1,2,3,4", help="comma-separated")
    parser.add_argument("--steps", type=int, default=0, help="generator steps (0: the recipe's)")
    parser.add_argument("--workdir", type=pathlib.Path, default=DEFAULT_WORKDIR)
    parser.add_argument("--out", type=pathlib.Path, default=FOLDER)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--tag", default="", help="names a --set variant's files")
    parser.add_argument("--report", action="store_true", help="train nothing: rewrite outputs")
    parser.add_argument("--quick", action="store_true", help="tiny presets, 10 steps, for tests")
    args = parser.parse_args(argv)
    try:
        seeds = [int(seed) for seed in args.seeds.split(",") if seed.strip()]
    except ValueError:
        parser.error(f"--seeds {args.seeds!r}: expected integers such as 0,1,2")
    parse_settings(parser, args.set)  # refuses a malformed one before any training
    if args.set and not args.tag:
        parser.error("--set changes the recipe: name the variant with --tag NAME")
    if args.tag and not args.tag.isidentifier():
        parser.error(f"--tag {args.tag!r}: use letters, digits and _ only")
    args.workdir.mkdir(parents=True, exist_ok=True)
    args.out.mkdir(parents=True, exist_ok=True)
    if not args.report:
        for seed in seeds:
            if args.quick:
                run_seed(seed, args.data, 10, args.workdir, "tiny", 20, args.set, args.tag)
            else:
                run_seed(seed, args.data, args.steps, args.workdir, settings=args.set, tag=args.tag)
    return write_outputs(args.workdir, args.data, args.out, args.tag)


if __name__ == "__main__":
    run_command(main)
