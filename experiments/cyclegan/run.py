"""CycleGAN on the digits: does it learn a known translation without pairs?

    .venv/bin/python -m experiments.cyclegan.run [--data digits|mnist] [--steps N]
        [--workdir DIR] [--out DIR] [--set key=value ...] [--tag NAME] [--quick] [--resume]

(``--resume``: train on from ``WORKDIR``'s latest checkpoint instead of afresh, e.g. after
SIGTERM or Ctrl-C, which end the command without measuring.)

Zhu et al. 2017 translate between unpaired photo collections, where no translation is known,
and judge it by eye and by FCN scores. Here domain B is a known function of domain A's images
(``jaxgen.data.domains``: T(x) = −(3×3 maximum filter of x), thickened and inverted), and the
two domains are disjoint halves of the training split drawn independently, so the model never
sees a pair. The experiment trains ``cyclegan_{data}`` (``jaxgen.recipes.cyclegan``, with
``--set`` overrides) and, on the domain-A images a of the test split (never trained on), and
the domain-B test images b, reports mean absolute errors per pixel (images in [−1, 1]):

- ``translation_ab`` = mean |G_AB(a) − T(a)| and ``translation_ba`` = mean |G_BA(T(a)) − a|;
- ``unchanged`` = mean |a − T(a)|, the error of returning the input unchanged, in either
  direction (acceptance: both translation errors at most half of it), and ``inverted_only``
  = mean |−a − T(a)|, the error of inverting without thickening;
- ``cycle_a`` = mean |G_BA(G_AB(a)) − a| and ``cycle_b`` = mean |G_AB(G_BA(b)) − b|;
- ``digit_kept_ba``: the share of G_BA(T(a)) that the data set's real-data classifier
  (``jaxgen.metrics.features.for_data``) labels as a's digit (``digit_accuracy_a``: its
  accuracy on a itself): a small pixel error could also come from a translation into another
  digit on the right background, which this catches.

It writes ``OUT/results_{data}[_{tag}].json`` and ``OUT/translations_{data}[_{tag}].png``
(A → B: rows input a, G_AB(a), target T(a); B → A: rows input T(a), G_BA(T(a)), target a).
``--quick``: the tiny preset for 10 steps, a smoke run (tests/recipes/test_cyclegan_recipes.py
checks ``evaluate`` and ``figure`` on its tiny run).
"""

import argparse
import json
import pathlib
import shutil
import time

import numpy as np

from experiments.entry import exit_if_stopped, parse_settings, run_command
from experiments.figures import save_figure

FOLDER = pathlib.Path(__file__).parent
DEFAULT_WORKDIR = pathlib.Path("runs") / "cyclegan"
FIGURE_COLUMNS = 16


def recipe_factory(name):
    from jaxgen.recipes import cyclegan, registry

    return cyclegan.factories(registry.configured)[name]


def evaluate(recipe, state):
    """The errors of the module docstring on the test split."""
    from jaxgen import data
    from jaxgen.data import domains
    from jaxgen.metrics import features
    from jaxgen.recipes.cyclegan import translate

    config = recipe.config
    test_a, test_b = domains.offline_domains(config.data, "test", config.image_size)
    test = data.load(config.data, "test", batch_size=1, image_size=config.image_size)
    labels_a = np.concatenate([batch["label"] for batch in test.epoch(1024)])[0::2]
    classifier = features.for_data(config.data, progress=False)
    target = domains.transform(test_a)
    fake_b = np.asarray(translate(recipe, state, test_a, "ab"))
    back_a = np.asarray(translate(recipe, state, target, "ba"))
    cycle_a = np.asarray(translate(recipe, state, fake_b, "ba"))
    fake_a = np.asarray(translate(recipe, state, test_b, "ba"))
    cycle_b = np.asarray(translate(recipe, state, fake_a, "ab"))
    errors = {
        "translation_ab": np.abs(fake_b - target).mean(),
        "translation_ba": np.abs(back_a - test_a).mean(),
        "unchanged": np.abs(test_a - target).mean(),
        "inverted_only": np.abs(-test_a - target).mean(),
        "cycle_a": np.abs(cycle_a - test_a).mean(),
        "cycle_b": np.abs(cycle_b - test_b).mean(),
        "digit_kept_ba": np.mean(np.argmax(classifier(back_a)["logits"], -1) == labels_a),
        "digit_accuracy_a": np.mean(np.argmax(classifier(test_a)["logits"], -1) == labels_a),
    }
    errors = {key: float(value) for key, value in errors.items()}
    errors["num_test_images"] = len(test_a)
    pictures = {"a": test_a, "fake_b": fake_b, "target_b": target, "back_a": back_a}
    return errors, pictures


def figure(pictures, path, title):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = FIGURE_COLUMNS
    panels = [
        ("A → B", [("input a", "a"), ("G_AB(a)", "fake_b"), ("target T(a)", "target_b")]),
        ("B → A", [("input T(a)", "target_b"), ("G_BA(T(a))", "back_a"), ("target a", "a")]),
    ]
    fig, axes = plt.subplots(6, 1, figsize=(n * 0.55, 6 * 0.75))
    for p, (panel, rows) in enumerate(panels):
        for r, (label, key) in enumerate(rows):
            ax = axes[3 * p + r]
            strip = np.concatenate(list(pictures[key][:n, ..., 0]), axis=1)
            ax.imshow(strip, cmap="gray", vmin=-1, vmax=1, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_ylabel(label, rotation=0, ha="right", va="center", fontsize=8)
            if r == 0:
                ax.set_title(panel, fontsize=9, loc="left")
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    save_figure(fig, path)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="digits", choices=("digits", "mnist"))
    parser.add_argument("--steps", type=int, default=None)
    parser.add_argument("--workdir", default=str(DEFAULT_WORKDIR))
    parser.add_argument("--out", default=str(FOLDER))
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--tag", default="", help="a suffix of the output files' names")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--resume", action="store_true", help="keep WORKDIR: train on from its checkpoint"
    )
    args = parser.parse_args(argv)

    from jaxgen.train import train

    overrides = parse_settings(parser, args.set)
    if args.quick:
        overrides |= {"preset": "tiny", "steps": 10}
    if args.steps is not None:
        overrides["steps"] = args.steps
    name = f"cyclegan_{args.data}"
    recipe = recipe_factory(name)(**overrides)
    label = args.data + (f"_{args.tag}" if args.tag else "")
    workdir = pathlib.Path(args.workdir).absolute() / label
    if not args.resume:
        shutil.rmtree(workdir, ignore_errors=True)  # a fresh run, not a resumed one
    start = time.time()
    state = train(recipe, str(workdir), progress=False)
    exit_if_stopped(state, recipe.config.steps, "rerun with --resume to train on from there")
    seconds = time.time() - start
    errors, pictures = evaluate(recipe, state)
    passed = max(errors["translation_ab"], errors["translation_ba"]) <= errors["unchanged"] / 2
    results = {
        "recipe": name,
        "overrides": overrides,
        "steps": int(recipe.config.steps),
        "train_seconds": round(seconds, 1),
        **errors,
        "passed": bool(passed),
    }
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"results_{label}.json").write_text(json.dumps(results, indent=2) + "\n")
    title = (
        f"{name}, {results['steps']} steps: |G_AB(a) − T(a)| = {errors['translation_ab']:.3f}, "
        f"|G_BA(T(a)) − a| = {errors['translation_ba']:.3f}, unchanged {errors['unchanged']:.3f}"
    )
    figure(pictures, out / f"translations_{label}.png", title)
    print(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    run_command(main)
