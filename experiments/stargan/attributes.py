"""StarGAN's multi-label form on the digits: does flipping one attribute flip it, and only it?

    .venv/bin/python -m experiments.stargan.attributes [--data digits|mnist]
        [--attributes thickened,rotated,inverted] [--steps N] [--workdir DIR] [--out DIR]
        [--set key=value ...] [--tag NAME] [--quick]

The paper's CelebA setting (Choi et al. 2018, §3.2, §4.3) gives each image several binary
attributes at once; D_cls has a sigmoid cross-entropy per attribute, and a translation is
asked to flip one (the paper's Figure 4: hair colour, gender, age). CelebA cannot be
downloaded here; its offline stand-in is ``jaxgen.data.multi_label``: each digit under the
composition of the attributes it has (thickened, rotated 90°, inverted), every attribute drawn
with probability 1/2. The experiment trains ``stargan_digits`` (``--data mnist``:
``stargan_mnist``) with ``--set attributes=...`` and then fits two classifiers on *real* train
digits in every combination of the attributes (``experiments.stargan.run.fit_cached``): one of
the combination (2^K classes, the binary code of the attribute vector) and one of the digit.

On the test split, each digit x in each combination a, C_a(x), is translated with each
attribute k flipped in turn, t = a with t_k = 1 − a_k: G(C_a(x), t). Reported:
``attributes_accuracy`` (the combination classifier says t: every attribute as asked),
``digit_accuracy`` (the digit classifier says x's digit), both per flipped attribute and in
each direction (set, cleared), ``composition_accuracy`` (the nearest, in mean |·|, of the 2^K
compositions of x is C_t(x): a judge in pixel space), ``translation_error`` mean
|G(C_a(x), t) − C_t(x)| against ``unchanged_error`` mean |C_a(x) − C_t(x)|, and the
classifiers' accuracies on the real test images (their ceilings).

Writes ``OUT/attributes_{data}[_{tag}].json`` and ``.png`` (each row a test input, then its
translation with each attribute flipped, then the true C_t(x)). ``--quick``: the tiny preset
for 20 steps.
"""

import argparse
import itertools
import json
import pathlib
import shutil
import time

import numpy as np

from experiments.entry import exit_if_stopped, parse_settings, run_command
from experiments.figures import save_figure
from experiments.stargan.run import CLASSIFIER, fit_cached

FOLDER = pathlib.Path(__file__).parent
DEFAULT_WORKDIR = pathlib.Path("runs") / "stargan_attributes"
FIGURE_ROWS = 8


def combinations(count: int) -> np.ndarray:
    """Every 0/1 vector of ``count`` attributes, ``[2^count, count]``, row c the binary code
    of c (the first attribute the most significant bit)."""
    return np.array(list(itertools.product((0, 1), repeat=count)), np.float32)


def codes(attributes) -> np.ndarray:
    """The row of ``combinations`` of each 0/1 vector of ``attributes`` ``[n, K]``."""
    attributes = np.asarray(attributes)
    return (attributes @ 2 ** np.arange(attributes.shape[1])[::-1]).astype(np.int32)


def every_combination(images, labels, names):
    """Every image under every combination of ``names``: ``(images [2^K·n, ...], codes
    [2^K·n], labels [2^K·n])``."""
    from jaxgen.data import multi_label

    table = combinations(len(names))
    attributes = np.repeat(table, len(images), axis=0)
    tiled = np.tile(images, (len(table), 1, 1, 1))
    return (
        multi_label.compose(tiled, attributes, names),
        codes(attributes),
        np.tile(labels, len(table)),
    )


def evaluate(recipe, state, settings, classifiers, names):
    """The numbers of the module docstring on the test split."""
    from jaxgen.data import multi_label
    from jaxgen.data.captioned import signed_split
    from jaxgen.metrics.features import classifier
    from jaxgen.recipes.stargan import translate

    config = recipe.config
    images, labels = signed_split(config.data, "test", config.image_size)
    real, real_codes, real_labels = every_combination(images, labels, names)
    results = {
        "real_attributes_accuracy": classifier.accuracy(
            settings, classifiers["combination"], real, real_codes
        ),
        "real_digit_accuracy": classifier.accuracy(
            settings, classifiers["digit"], real, real_labels
        ),
    }
    table = combinations(len(names))
    candidates = np.stack(
        [multi_label.compose(images, np.tile(row, (len(images), 1)), names) for row in table]
    )
    hits = {name: {"set": [], "cleared": []} for name in names}
    errors, unchanged = [], []
    for source, k in itertools.product(table, range(len(names))):
        target = source.copy()
        target[k] = 1 - target[k]
        inputs = candidates[codes(source[None])[0]]
        truth = candidates[codes(target[None])[0]]
        fake = np.asarray(translate(recipe, state, inputs, target))
        combination = classifier.predict(settings, classifiers["combination"], fake)["logits"]
        digit = classifier.predict(settings, classifiers["digit"], fake)["logits"]
        nearest = np.argmin(np.abs(fake[None] - candidates).mean((2, 3, 4)), axis=0)
        target_code = codes(target[None])[0]
        direction = "set" if target[k] else "cleared"
        hits[names[k]][direction].append(
            np.stack([combination.argmax(1) == target_code, digit.argmax(1) == labels,
                      nearest == target_code])
        )  # fmt: skip
        errors.append(np.abs(fake - truth).mean())
        unchanged.append(np.abs(inputs - truth).mean())
    every = np.concatenate([h for name in names for d in hits[name].values() for h in d], axis=1)
    results |= {
        "attributes_accuracy": float(every[0].mean()),
        "digit_accuracy": float(every[1].mean()),
        "composition_accuracy": float(every[2].mean()),
        "translation_error": float(np.mean(errors)),
        "unchanged_error": float(np.mean(unchanged)),
        "per_attribute": {
            name: {
                direction: dict(
                    zip(
                        ("attributes_accuracy", "digit_accuracy", "composition_accuracy"),
                        np.concatenate(h, axis=1).mean(axis=1).round(4).tolist(),
                        strict=True,
                    )
                )
                for direction, h in hits[name].items()
            }
            for name in names
        },
        "test_images": len(images),
        "translations": int(every.shape[1]),
    }
    return results


def figure(recipe, state, names, path, title):
    """One test input per row (in combination ``row mod 2^K``), its translation with each
    attribute flipped, and the true compositions."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from jaxgen.data import multi_label
    from jaxgen.data.captioned import signed_split
    from jaxgen.recipes.stargan import translate

    k = len(names)
    images, _ = signed_split(recipe.config.data, "test", recipe.config.image_size)
    chosen = images[:: len(images) // FIGURE_ROWS][:FIGURE_ROWS]
    table = combinations(k)
    sources = table[np.arange(FIGURE_ROWS) % len(table)]
    inputs = multi_label.compose(chosen, sources, names)
    fig, axes = plt.subplots(FIGURE_ROWS, 1 + 2 * k, figsize=(1.0 * (1 + 2 * k), FIGURE_ROWS))
    for column in range(k):
        targets = sources.copy()
        targets[:, column] = 1 - targets[:, column]
        fakes = np.asarray(translate(recipe, state, inputs, targets))
        truth = multi_label.compose(chosen, targets, names)
        for row in range(FIGURE_ROWS):
            axes[row, 1 + column].imshow(fakes[row, ..., 0], cmap="gray", vmin=-1, vmax=1)
            axes[row, 1 + k + column].imshow(truth[row, ..., 0], cmap="gray", vmin=-1, vmax=1)
        axes[0, 1 + column].set_title(f"flip {names[column][:5]}", fontsize=7)
        axes[0, 1 + k + column].set_title(f"true {names[column][:5]}", fontsize=7)
    for row in range(FIGURE_ROWS):
        axes[row, 0].imshow(inputs[row, ..., 0], cmap="gray", vmin=-1, vmax=1)
        code = "".join(str(int(v)) for v in sources[row])
        axes[row, 0].set_title(f"input {code}", fontsize=6)
    for ax in axes.ravel():
        ax.set_axis_off()
    fig.suptitle(title, fontsize=8)
    save_figure(fig, path)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", choices=("digits", "mnist"), default="digits")
    parser.add_argument("--attributes", default="thickened,rotated,inverted")
    parser.add_argument("--steps", type=int, default=None)
    parser.add_argument("--workdir", type=pathlib.Path, default=DEFAULT_WORKDIR)
    parser.add_argument("--out", type=pathlib.Path, default=FOLDER)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--tag", default="")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)

    from jaxgen.data import multi_label
    from jaxgen.recipes import registry, stargan
    from jaxgen.train import train

    names = multi_label.check_digit_attributes(args.attributes.split(","))
    overrides = parse_settings(parser, args.set)
    overrides |= {"attributes": ",".join(names), "num_domains": len(names)}
    if args.steps is not None:
        overrides["steps"] = args.steps
    preset = "tiny" if args.quick else "default"
    factory = stargan.factories(registry.configured)[f"stargan_{args.data}"]
    recipe = factory(preset=preset, **overrides)
    workdir = args.workdir.resolve() / (args.tag or preset)
    shutil.rmtree(workdir, ignore_errors=True)
    start = time.time()
    state = train(recipe, str(workdir), progress=False)
    exit_if_stopped(state, recipe.config.steps, "the run was stopped; rerun it")
    train_seconds = time.time() - start
    start = time.time()
    from jaxgen.data.captioned import signed_split

    images, labels = signed_split(recipe.config.data, "train", recipe.config.image_size)
    images, combination, labels = every_combination(images, labels, names)
    classifier_steps = 100 if args.quick else CLASSIFIER["steps"]
    settings, classifiers = fit_cached(
        classifier_steps,
        images,
        {"combination": combination, "digit": labels},
        args.workdir.resolve(),
    )
    results = evaluate(recipe, state, settings, classifiers, names)
    results |= {
        "steps": int(state.step),
        "train_seconds": round(train_seconds, 1),
        "evaluation_seconds": round(time.time() - start, 1),
        "classifier": settings,
        "config": recipe.config.to_dict(),
    }
    suffix = f"_{args.tag}" if args.tag else ""
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"attributes_{args.data}{suffix}.json").write_text(
        json.dumps(results, indent=1) + "\n"
    )
    title = (
        f"stargan_{args.data} with {', '.join(names)}, {int(state.step)} steps: attributes "
        f"{results['attributes_accuracy']:.3f}, digit {results['digit_accuracy']:.3f}"
    )
    figure(recipe, state, names, args.out / f"attributes_{args.data}{suffix}.png", title)
    print(json.dumps({k: v for k, v in results.items() if k not in ("config", "classifier")}))


if __name__ == "__main__":
    run_command(main)
