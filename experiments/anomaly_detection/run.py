"""Anomaly detection by likelihood: train on nine digit classes, detect the tenth.

    nice -n 10 .venv/bin/python -m experiments.anomaly_detection.run [--digits D,... | --all-digits]
        [--models a,b,...] [--out DIR] [--workdir DIR] [--quick]

For a held-out digit d, each explicit model of ``config.models`` (recipe ``{model}_mnist``,
binary format) is trained on the train split of mnist5k without the images of d, and scores
every image x of the test split by ``jaxgen.metrics.anomaly_scores``: s(x) = −log p(x) in
nats, the higher the more anomalous (Bishop 1994, "Novelty detection and neural network
validation"). With the images of d as the positive class, the ROC curve is the true-positive
rate against the false-positive rate of the rule "s(x) > t" over all thresholds t, and its
area is the probability that a random held-out image scores above a random in-distribution
one, ties counted half (the Mann-Whitney U statistic divided by n₊·n₋):

    AUROC = (R₊ − n₊(n₊ + 1)/2) / (n₊ · n₋),

R₊ the sum of the positives' ranks among all scores (ties given their average rank).
AUROC 0.5 is chance; below 0.5 the model finds the held-out digit *more* likely than the
digits it was trained on, the failure that Nalisnick et al. (2019, "Do Deep Generative Models
Know What They Don't Know?", ICLR, §3) found for flows, VAEs and PixelCNNs trained on
CIFAR-10 and scored on SVHN. A trivial baseline scores each image by its number of "on"
pixels, which shows how much of a model's ranking is only the amount of ink.

Each model's numbers (and its test scores) are written to
``WORKDIR/digit{d}/{model}/results.json`` as soon as it is done, next to its training
workdir; a rerun skips every model with a results.json of the same budget and resumes a
model's training from its checkpoints. Writes ``results.md`` and ``roc.png`` to ``--out``
(default: this folder). Budgets: ``config.py``.
"""

import argparse
import json
import pathlib
import sys
import time

import jax
import numpy as np
import scipy.stats

from experiments.anomaly_detection.config import get_config
from experiments.entry import run_command
from experiments.figures import save_figure
from jaxgen import recipes
from jaxgen.data import formats, from_arrays
from jaxgen.data.offline import SOURCES, split_arrays
from jaxgen.metrics.likelihood import anomaly_scores, bits_per_dim
from jaxgen.recipes.likelihood import DATA, DATA_NAMES
from jaxgen.train.loop import train

FOLDER = pathlib.Path(__file__).parent
DEFAULT_WORKDIR = pathlib.Path("runs") / "anomaly_detection"
BASELINE = "on pixels"  # the trivial score: the number of pixels that are 1


def roc_curve(scores, positive):
    """``(false-positive rates, true-positive rates)`` of the rule "score > t" for every
    threshold t from above the highest score down to below the lowest (one point per distinct
    score, so tied scores make one diagonal step)."""
    scores, positive = _check_scores(scores, positive, "roc_curve")
    order = np.argsort(-scores, kind="stable")
    scores, positive = scores[order], positive[order]
    last_of_tie = np.r_[np.flatnonzero(np.diff(scores)), len(scores) - 1]
    true_positives = np.cumsum(positive)[last_of_tie]
    false_positives = np.cumsum(~positive)[last_of_tie]
    tpr = np.r_[0.0, true_positives / positive.sum()]
    fpr = np.r_[0.0, false_positives / (~positive).sum()]
    return fpr, tpr


def auroc(scores, positive):
    """The area under the ROC curve, from the ranks (module docstring)."""
    scores, positive = _check_scores(scores, positive, "auroc")
    ranks = scipy.stats.rankdata(scores)  # ties get their average rank
    num_positive = int(positive.sum())
    num_negative = len(scores) - num_positive
    rank_sum = ranks[positive].sum()
    return float((rank_sum - num_positive * (num_positive + 1) / 2) / (num_positive * num_negative))


def _check_scores(scores, positive, name):
    scores = np.asarray(scores, np.float64)
    positive = np.asarray(positive, bool)
    if scores.ndim != 1 or scores.shape != positive.shape:
        raise ValueError(
            f"{name} needs scores and positive labels of one shared shape [n]; got "
            f"{scores.shape} and {positive.shape}"
        )
    if positive.all() or not positive.any():
        raise ValueError(f"{name} needs both positive and negative examples; got only one class")
    if not np.all(np.isfinite(scores)):
        raise ValueError(f"{name} needs finite scores; {np.sum(~np.isfinite(scores))} are not")
    return scores, positive


def split_images(config, split):
    """``(images, labels)`` of ``split`` of the recipes' data set, in their ``binary`` format
    (thresholded at half the range), exactly as the recipes' own data pipeline encodes them."""
    name = DATA_NAMES[config.data]
    images, labels = split_arrays(name, split, DATA[config.data])
    return formats.encode(images, "binary", SOURCES[name].max_value, None), np.asarray(labels)


def recipe_of(model, config, steps):
    """The recipe ``{model}_{data}`` at ``steps`` steps, without sample grids, binary."""
    overrides = dict(
        steps=steps,
        sample_every=0,  # the autoregressive samplers would cost more than the training
        checkpoint_every=config.checkpoint_every,
        log_every=min(100, steps),
        format="binary",
    )
    if model == "vae":
        overrides["eval_importance_samples"] = config.vae_importance_samples
    return recipes.get(f"{model}_{config.data}", preset=config.preset, **overrides)


def train_without(recipe, digit, train_images, train_labels, workdir, log):
    """Trains ``recipe`` on the train images whose label is not ``digit``; returns the state."""
    keep = train_labels != digit
    arrays = {"image": train_images[keep], "label": train_labels[keep]}

    def dataset(split="train"):
        return from_arrays(
            arrays,
            batch_size=recipe.config.batch_size,
            seed=recipe.config.seed,
            name=f"{recipe.config.data} without {digit}",
        )

    return train(recipe._replace(dataset=dataset), str(workdir), progress=False, log=log)


def nll_scores(recipe, state, images, batch_size, seed):
    """−log p(x) in nats of every image (float64), ``batch_size`` images per call; a stochastic
    log_prob (the VAE's) uses key ``fold_in(PRNGKey(seed), batch index)``."""
    key = jax.random.PRNGKey(seed)
    scores = []
    for index, first in enumerate(range(0, len(images), batch_size)):
        batch_key = jax.random.fold_in(key, index)
        scores.append(
            anomaly_scores(
                lambda x, k=batch_key: recipe.log_prob(state, {"image": x}, k),
                images[first : first + batch_size],
            )
        )
    scores = np.concatenate([np.asarray(jax.device_get(s), np.float64) for s in scores])
    if not np.all(np.isfinite(scores)):
        raise ValueError(
            f"{recipe.name}: {np.sum(~np.isfinite(scores))} test images have a non-finite "
            "log-likelihood; the model diverged or gives them probability 0"
        )
    return scores


def summarize(scores, positive, on_pixels, num_dims):
    """The numbers of the tables for one score: AUROC, mean NLLs and their link to the ink."""
    held_out, inside = scores[positive], scores[~positive]
    return {
        "auroc": auroc(scores, positive),
        "nll_in": float(inside.mean()),
        "nll_in_sem": float(inside.std(ddof=1) / np.sqrt(len(inside))),
        "nll_out": float(held_out.mean()),
        "nll_out_sem": float(held_out.std(ddof=1) / np.sqrt(len(held_out))),
        "bits_per_dim_in": float(bits_per_dim(inside.mean(), num_dims)),
        "spearman_on_pixels": float(scipy.stats.spearmanr(scores, on_pixels).statistic),
    }


def run_model(model, digit, config, data, workdir_root, log):
    """The results of ``model`` with ``digit`` held out: read from its results.json when it was
    finished with the same budget, else trained (resuming), scored and written."""
    steps = int(config.steps[model])
    workdir = pathlib.Path(workdir_root) / f"digit{digit}" / model
    path = workdir / "results.json"
    budget = {"steps": steps, "preset": config.preset, "data": config.data}
    if model == "vae":
        budget["importance_samples"] = config.vae_importance_samples
    earlier_seconds = 0.0  # training time of a smaller budget that this run resumes from
    if path.exists():
        result = json.loads(path.read_text())
        if result["budget"] == budget:
            log(f"digit {digit} {model}: done before, read {path}")
            return {**result, "train_loss": final_train_loss(workdir / "run", steps)}
        earlier_seconds = result["train_seconds"]
    recipe = recipe_of(model, config, steps)
    train_images, train_labels, test_images, test_labels = data
    start = time.perf_counter()
    state = train_without(recipe, digit, train_images, train_labels, workdir / "run", log)
    train_seconds = earlier_seconds + time.perf_counter() - start
    if int(state.step) != steps:  # stopped by SIGTERM or Ctrl-C: the checkpoint is saved
        raise SystemExit(f"{model} stopped at step {int(state.step)} of {steps}; rerun to resume")
    start = time.perf_counter()
    scores = nll_scores(recipe, state, test_images, config.score_batch_size, config.score_seed)
    score_seconds = time.perf_counter() - start
    positive = test_labels == digit
    on_pixels = test_images.reshape(len(test_images), -1).sum(axis=1)
    result = {
        "model": model,
        "recipe": recipe.name,
        "digit": digit,
        "budget": budget,
        "log_prob_kind": recipe.log_prob_kind,
        **summarize(scores, positive, on_pixels, int(np.prod(test_images.shape[1:]))),
        "train_seconds": train_seconds,
        "score_seconds": score_seconds,
        "scores": scores.tolist(),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result))
    result["train_loss"] = final_train_loss(workdir / "run", steps)
    log(
        f"digit {digit} {model}: AUROC {result['auroc']:.3f}, NLL {result['nll_in']:.1f} in / "
        f"{result['nll_out']:.1f} held out; trained {train_seconds:.0f} s, scored "
        f"{score_seconds:.0f} s"
    )
    return result


def final_train_loss(run_dir, steps):
    """The mean batch loss (the NLL; the VAE's −ELBO) logged in the last 20 % of the ``steps``,
    to compare with the in-distribution test NLL."""
    lines = (pathlib.Path(run_dir) / "metrics.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines if line.strip()]
    return float(np.mean([r["loss_g"] for r in records if r["step"] > 0.8 * steps]))


def add_ratio_to_independent(results, positive):
    """Adds ``auroc_ratio``: the AUROC of −log p(x) + log p_ind(x), the model's NLL less that
    of the independent-pixel model trained on the same images (when it is among the models).
    The independent model accounts for how many pixels are on and where, so the difference
    keeps what the model adds beyond the pixel marginals, in the spirit of the likelihood
    ratios of Ren et al. (2019, "Likelihood Ratios for Out-of-Distribution Detection",
    NeurIPS) and the complexity correction of Serrà et al. (2020, "Input Complexity and
    Out-of-distribution Detection with Likelihood-based Generative Models", ICLR)."""
    reference = next((r for r in results if r["model"] == "independent"), None)
    for r in results:
        if reference is not None and r is not reference:
            ratio = np.asarray(r["scores"]) - np.asarray(reference["scores"])
            r["auroc_ratio"] = auroc(ratio, positive)


def baseline(digit, test_images, test_labels):
    """The on-pixel count as the score, summarized as a model's NLL would be."""
    on_pixels = test_images.reshape(len(test_images), -1).sum(axis=1).astype(np.float64)
    positive = test_labels == digit
    summary = summarize(on_pixels, positive, on_pixels, int(np.prod(test_images.shape[1:])))
    return {"model": BASELINE, "digit": digit, **summary, "scores": on_pixels.tolist()}


def table(results, base):
    lines = [
        "| model | recipe | steps | AUROC | NLL in-distribution (nats) | NLL held-out (nats) "
        "| held-out − in | ρ(NLL, on pixels) | AUROC of NLL − NLL_independent "
        "| train loss (end) | train s | score s |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        ratio = f"{r['auroc_ratio']:.3f}" if "auroc_ratio" in r else ""
        lines.append(
            f"| {r['model']} | `{r['recipe']}` | {r['budget']['steps']:,} | {r['auroc']:.3f} "
            f"| {r['nll_in']:.1f} ± {r['nll_in_sem']:.1f} "
            f"| {r['nll_out']:.1f} ± {r['nll_out_sem']:.1f} | {r['nll_out'] - r['nll_in']:+.1f} "
            f"| {r['spearman_on_pixels']:.2f} "
            f"| {ratio} "
            f"| {r['train_loss']:.1f} | {r['train_seconds']:.0f} "
            f"| {r['score_seconds']:.0f} |"
        )
    lines.append(
        f"| *baseline: {BASELINE}* | | | {base['auroc']:.3f} | {base['nll_in']:.1f} pixels "
        f"| {base['nll_out']:.1f} pixels | {base['nll_out'] - base['nll_in']:+.1f} | 1.00 | | | | |"
    )
    return "\n".join(lines)


def write_report(out, by_digit, config, wall_seconds, command):
    """``results.md`` (one table per digit, and AUROC by digit and model when several) and
    ``roc.png`` (one panel per digit, one curve per model)."""
    out = pathlib.Path(out)
    out.mkdir(parents=True, exist_ok=True)
    model_seconds = sum(
        r["train_seconds"] + r["score_seconds"] for results, _ in by_digit.values() for r in results
    )
    text = [
        "# Anomaly detection by likelihood: results",
        "",
        f"Written by `{command}` in {wall_seconds:.0f} s of wall time; the models' training "
        "and scoring, summed over the models (some perhaps done by earlier invocations): "
        f"{model_seconds:.0f} s ({model_seconds / 60:.1f} min).",
        "AUROC: the held-out digit is the positive class and −log p(x) the score. NLLs: the "
        "mean ± standard error over the test images of the nine training digits "
        "(in-distribution) and of the held-out digit; the baseline's columns are mean on-pixel "
        "counts. ρ: Spearman correlation of the score with the on-pixel count over all test "
        "images. Train loss (end): the mean batch loss logged (every 100 steps) in the last 20 % "
        "of the steps (the NLL; the VAE's −ELBO).",
    ]
    for digit, (results, base) in by_digit.items():
        text += ["", f"## Digit {digit} held out", "", table(results, base)]
    if len(by_digit) > 1:
        models = [r["model"] for r in next(iter(by_digit.values()))[0]] + [BASELINE]
        text += ["", "## AUROC by held-out digit", ""]
        text.append("| digit | " + " | ".join(models) + " |")
        text.append("|---:|" + "---:|" * len(models))
        for digit, (results, base) in by_digit.items():
            values = [r["auroc"] for r in results] + [base["auroc"]]
            text.append(f"| {digit} | " + " | ".join(f"{v:.3f}" for v in values) + " |")
        means = [
            np.mean([(results + [base])[i]["auroc"] for results, base in by_digit.values()])
            for i in range(len(models))
        ]
        text.append("| mean | " + " | ".join(f"{v:.3f}" for v in means) + " |")
        ratio_models = [r["model"] for r in results if "auroc_ratio" in r]
        if ratio_models:
            text += ["", "## AUROC of NLL − NLL_independent by held-out digit", ""]
            text.append("| digit | " + " | ".join(ratio_models) + " |")
            text.append("|---:|" + "---:|" * len(ratio_models))
            for digit, (results, _) in by_digit.items():
                values = [r["auroc_ratio"] for r in results if "auroc_ratio" in r]
                text.append(f"| {digit} | " + " | ".join(f"{v:.3f}" for v in values) + " |")
            per_digit = [[r.get("auroc_ratio") for r in rs] for rs, _ in by_digit.values()]
            means = np.mean([[v for v in row if v is not None] for row in per_digit], axis=0)
            text.append("| mean | " + " | ".join(f"{v:.3f}" for v in means) + " |")
    (out / "results.md").write_text("\n".join(text) + "\n")
    roc_figure(by_digit, config, out / "roc.png")


def roc_figure(by_digit, config, path):
    from matplotlib.figure import Figure

    columns = min(len(by_digit), 5)
    rows = -(-len(by_digit) // columns)
    fig = Figure(figsize=(4.2 * columns, 4.2 * rows), layout="constrained")
    axes = fig.subplots(rows, columns, squeeze=False).ravel()
    for ax, (digit, (results, base)) in zip(axes, by_digit.items(), strict=False):
        _, test_labels = split_images(config, "test")
        positive = test_labels == digit
        for r in results:
            fpr, tpr = roc_curve(r["scores"], positive)
            ax.plot(fpr, tpr, label=f"{r['model']} ({r['auroc']:.3f})")
        fpr, tpr = roc_curve(base["scores"], positive)
        ax.plot(fpr, tpr, "k--", label=f"{BASELINE} ({base['auroc']:.3f})")
        ax.plot([0, 1], [0, 1], ":", color="grey")
        ax.set(xlim=(0, 1), ylim=(0, 1), aspect="equal", title=f"digit {digit} held out")
        ax.set(xlabel="false-positive rate", ylabel="true-positive rate")
        ax.legend(loc="best", fontsize=8, title="AUROC", title_fontsize=8)
    for ax in axes[len(by_digit) :]:
        ax.set_axis_off()
    save_figure(fig, path)


def main(argv=None):
    """Runs the experiment; returns ``{digit: (model results, baseline)}``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="the test's tiny budget")
    held_out = parser.add_mutually_exclusive_group()
    held_out.add_argument("--digits", help="comma-separated held-out digits (default: 1)")
    held_out.add_argument("--all-digits", action="store_true", help="hold out 0..9 in turn")
    parser.add_argument("--models", help="comma-separated models (default: config's)")
    parser.add_argument("--out", default=str(FOLDER), help="where results.md and roc.png go")
    parser.add_argument("--workdir", default=str(DEFAULT_WORKDIR), help="runs and results.json")
    args = parser.parse_args(argv)
    config = get_config(quick=args.quick)
    if args.digits:
        digits = tuple(int(d) for d in args.digits.split(","))
        if not all(0 <= d <= 9 for d in digits):
            raise SystemExit(f"--digits takes digits 0..9, got {args.digits}")
        config.digits = digits
    if args.all_digits:
        config.digits = tuple(range(10))
    if args.models:
        config.models = tuple(args.models.split(","))
    unknown = [m for m in config.models if m not in config.steps]
    if unknown:
        raise SystemExit(f"no step budget for {unknown}; choose among {sorted(config.steps)}")
    command = "python -m experiments.anomaly_detection.run " + " ".join(
        sys.argv[1:] if argv is None else argv
    )
    start = time.perf_counter()
    train_images, train_labels = split_images(config, "train")
    test_images, test_labels = split_images(config, "test")
    data = (train_images, train_labels, test_images, test_labels)
    by_digit = {}
    for digit in config.digits:
        results = [
            run_model(model, digit, config, data, args.workdir, print) for model in config.models
        ]
        add_ratio_to_independent(results, test_labels == digit)
        by_digit[digit] = (results, baseline(digit, test_images, test_labels))
    write_report(args.out, by_digit, config, time.perf_counter() - start, command.strip())
    return by_digit


if __name__ == "__main__":
    run_command(main)
