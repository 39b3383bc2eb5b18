"""Text-to-image GAN (GAN-INT-CLS): do the samples show the digit and the style their caption asks?

    .venv/bin/python -m experiments.text_to_image.run [--data digits|mnist] [--steps N]
        [--workdir RUN] [--out DIR] [--report] [--quick]

Trains ``gancls_{data}`` (``jaxgen.recipes.text_to_image``; an existing workdir resumes) and
draws ``PER_CAPTION`` samples (seed 0) for each of the 90 captions "a {thin|–|thick}
{left-slanted|upright|right-slanted} {digit}". Measured on them:

- **recognized**: the share whose digit, by the data set's real-data classifier
  (``jaxgen.metrics.features.for_data``), is the caption's digit (issue 9 asks ≥ 80%);
- **thickness / slant**: the share whose measured property (``jaxgen.data.captions.measure``)
  falls in the requested tercile bin of the train split (chance: 1/3), and the mean measured
  value for each requested bin, which should rise from thin to thick and left to right;
- the same shares for the pretrained text encoder's retrieval (how well the text side can
  tell the captions apart at all).

Outputs: ``results_{data}.json`` / ``.md`` and ``style_transfer_{data}.png`` (fixed noise per
row, changing text per column: Reed et al.'s Figure 6 without a style encoder) in ``--out``.
``--report`` measures the workdir as it is, without training. ``--quick``: the tiny preset for
a few steps, 2 samples per caption (the test).
"""

import argparse
import json
import pathlib
import time

import jax
import numpy as np

from experiments.entry import run_command
from experiments.figures import save_figure

FOLDER = pathlib.Path(__file__).parent
DEFAULT_WORKDIR = pathlib.Path("runs") / "text_to_image"
DATA = {"digits": "digits", "mnist": "mnist5k"}  # recipe suffix → data set
PER_CAPTION = 50
STYLE_ROWS = 6


def measure(recipe, state, per_caption, classifier, cuts, batch=450):
    """Per sample: the caption index asked for, the classifier's digit and the measured
    thickness and slant (values and tercile bins)."""
    from jaxgen.data import captions

    asked = np.repeat(np.arange(len(captions.ALL_CAPTIONS)), per_caption)
    found = {"digit": [], "thickness": [], "slant": []}
    for start in range(0, len(asked), batch):
        chunk = asked[start : start + batch]
        key = jax.random.fold_in(jax.random.PRNGKey(0), start)
        texts = [captions.ALL_CAPTIONS[i] for i in chunk]
        images = np.asarray(recipe.sample(state, key, len(chunk), texts=texts)["image"])
        found["digit"].append(np.asarray(classifier(images)["logits"]).argmax(-1))
        values = captions.measure(images)
        found["thickness"].append(values["thickness"])
        found["slant"].append(values["slant"])
    found = {name: np.concatenate(parts) for name, parts in found.items()}
    for name in ("thickness", "slant"):
        found[f"{name}_bin"] = np.digitize(found[name], cuts[name])
    return asked, found


def _mean(values):
    """The mean, or None for no values (a digit or bin not asked for)."""
    return float(values.mean()) if values.size else None


def summarize(asked, found) -> dict:
    from jaxgen.data import captions

    wanted = captions.parts(asked)
    digit_right = found["digit"] == wanted["digit"]
    result = {
        "recognized": float(digit_right.mean()),
        "recognized_per_digit": [_mean(digit_right[wanted["digit"] == d]) for d in range(10)],
    }
    all_right = digit_right.copy()
    for name in ("thickness", "slant"):
        right = found[f"{name}_bin"] == wanted[name]
        all_right &= right
        result[f"{name}_in_bin"] = float(right.mean())
        result[f"{name}_mean_per_bin"] = [_mean(found[name][wanted[name] == b]) for b in range(3)]
    result["all_three"] = float(all_right.mean())
    return result


def style_transfer(recipe, state, data):
    """Rows: fixed noise; panel 1 columns: the ten digits ("a upright {d}"); panel 2: one
    digit in the nine styles (thickness × slant)."""
    from jaxgen.data import captions

    digit_texts = [f"a upright {word}" for word in captions.DIGITS]
    digit = 7 if data == "mnist" else 4
    style_texts = [captions.ALL_CAPTIONS[digit * 9 + i] for i in range(9)]
    z = jax.random.normal(jax.random.PRNGKey(7), (STYLE_ROWS, recipe.latent_dim))
    panels = []
    for texts in (digit_texts, style_texts):
        columns = [
            np.asarray(recipe.generate(state, z, texts=[text] * STYLE_ROWS)["image"])
            for text in texts
        ]
        panels.append((texts, np.stack(columns, axis=1)))  # [rows, columns, H, W, C]
    return panels


def figure(panels, title):
    from matplotlib.figure import Figure

    from jaxgen.train.images import image_grid

    fig = Figure(figsize=(12, 4.2))
    widths = [len(texts) for texts, _ in panels]
    grid = fig.add_gridspec(1, 2, width_ratios=widths, wspace=0.05)
    for i, (texts, images) in enumerate(panels):
        rows, columns = images.shape[:2]
        picture = image_grid(images.reshape(-1, *images.shape[2:]), columns=columns)
        ax = fig.add_subplot(grid[i])
        ax.imshow(picture[..., 0], cmap="gray", vmin=0, vmax=255)
        step = picture.shape[1] / columns
        ax.set_xticks([step * (c + 0.5) for c in range(columns)])
        labels = [text.removeprefix("a ").replace(" ", "\n") for text in texts]
        ax.set_xticklabels(labels, fontsize=6)
        ax.set_yticks([])
    fig.suptitle(title, fontsize=9)
    return fig


def table(result) -> str:
    retrieval = result["text_encoder_retrieval"]
    lines = [
        "| measure | samples (GAN-INT-CLS) | text encoder retrieval (test images) | chance |",
        "|---|---:|---:|---:|",
        f"| digit recognized | {result['recognized']:.1%} | {retrieval['digit']:.1%} | 10% |",
        f"| thickness in the requested bin | {result['thickness_in_bin']:.1%} | "
        f"{retrieval['thickness']:.1%} | 33% |",
        f"| slant in the requested bin | {result['slant_in_bin']:.1%} | "
        f"{retrieval['slant']:.1%} | 33% |",
        f"| all three | {result['all_three']:.1%} | {retrieval['caption']:.1%} | 1.1% |",
    ]
    thick = ", ".join(f"{v:.3f}" for v in result["thickness_mean_per_bin"])
    slant = ", ".join(f"{v:+.3f}" for v in result["slant_mean_per_bin"])
    worst = int(np.argmin(result["recognized_per_digit"]))
    return (
        "\n".join(lines)
        + f"\n\nMean measured thickness for thin / – / thick captions: {thick}; mean slant for "
        f"left / upright / right: {slant}. Worst digit: {worst} "
        f"({result['recognized_per_digit'][worst]:.1%}). `{result['recipe']}` at step "
        f"{result['steps']:,}, {result['per_caption']} samples per caption, "
        f"{result['device']}.\n"
    )


def run(data, steps, workdir, out, *, preset="default", per_caption=PER_CAPTION, train=True):
    from jaxgen import recipes
    from jaxgen.data import captioned
    from jaxgen.metrics import features
    from jaxgen.recipes import text_to_image
    from jaxgen.train import train as train_recipe

    began = time.perf_counter()
    overrides = {"preset": preset, **({"steps": steps} if steps else {})}
    recipe = recipes.get(f"gancls_{data}", **overrides)
    folder = workdir or DEFAULT_WORKDIR / data
    if train:
        state = train_recipe(recipe, str(folder), progress=False, log=lambda message: None)
    else:
        recipe, state = recipes.load(str(folder))
    classifier = features.for_data(DATA[data], progress=False)
    cuts = captioned.property_cuts(DATA[data], recipe.config.image_size)
    asked, found = measure(recipe, state, per_caption, classifier, cuts)
    encoder_record = text_to_image.encoder_record(recipe.config)
    result = {
        "recipe": recipe.name,
        "steps": int(state.step),
        "per_caption": per_caption,
        **summarize(asked, found),
        "text_encoder_retrieval": encoder_record["test_retrieval"],
        "classifier_test_accuracy": classifier.card["test_accuracy"],
        "device": jax.devices()[0].device_kind,
        "seconds": time.perf_counter() - began,
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / f"results_{data}.json").write_text(json.dumps(result, indent=1))
    text = f"# Text-to-image GAN on captioned {data}\n\n" + table(result)
    (out / f"results_{data}.md").write_text(text)
    title = (
        f"{recipe.name}, step {result['steps']:,}: each row one fixed z; left, the digits "
        "(upright, medium); right, one digit in the nine styles"
    )
    panels = style_transfer(recipe, state, data)
    save_figure(figure(panels, title), out / f"style_transfer_{data}.png", dpi=110)
    print(text, flush=True)
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m experiments.text_to_image.run", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--data", choices=tuple(DATA), default="digits")
    parser.add_argument("--steps", type=int, default=0, help="train steps (0: the recipe's)")
    parser.add_argument(
        "--workdir", type=pathlib.Path, help="the run (default runs/text_to_image/DATA)"
    )
    parser.add_argument("--out", type=pathlib.Path, default=FOLDER)
    parser.add_argument("--report", action="store_true", help="measure the workdir as it is")
    parser.add_argument("--quick", action="store_true", help="tiny preset, 4 steps (the test)")
    args = parser.parse_args(argv)
    if args.quick:
        return run(args.data, 4, args.workdir, args.out, preset="tiny", per_caption=2)
    return run(args.data, args.steps, args.workdir, args.out, train=not args.report)


if __name__ == "__main__":
    run_command(main)
