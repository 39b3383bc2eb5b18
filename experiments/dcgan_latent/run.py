"""DCGAN §6.1, §6.3.2 and §5.1 on a trained dcgan_mnist: latent walks, arithmetic, linear probe.

    .venv/bin/python -m experiments.dcgan_latent.run [--workdir DIR] [--out DIR] [--steps N]
                                                     [--quick]

Radford, Metz & Chintala 2016, "Unsupervised Representation Learning with Deep Convolutional
Generative Adversarial Networks":
1. Trains dcgan_mnist in ``--workdir`` (default ``runs/dcgan_latent``; resumed from its
   checkpoint when there is one) to ``config.steps``.
2. §6.1, walking in latent space: ``walk.png``, rows of slerp walks between random latents
   (``jaxgen.latent.walk_images``), ``walk.gif``, a closed walk through several latents, and
   ``walk_compare.png``, linear against spherical interpolation on the same endpoints, with
   what the mnist5k classifier says of their midpoints over many pairs.
3. §6.3.2, vector arithmetic: MNIST has no attribute labels, so the concepts are found among
   generated samples: the classifier's class and a measured style attribute, stroke thickness
   (mean ink) or slant (the second moments of the ink). "thick a − thin a + thin b" averages
   the z of three samples per concept (the three thickest and the three thinnest confident
   samples of a class) and should give a thick b; the classifier and the attribute check the
   result, against a control that replaces the attribute direction by the difference of two
   random triples of class a. ``arithmetic.png`` shows each equation as the paper's Fig. 7.
4. §5.1, the representation-learning check: every conv layer of D (after its normalization
   and activation) max-pooled to a 4×4 grid, flattened and concatenated, then a linear
   classifier (multinomial logistic regression; the paper used an L2-SVM on CIFAR-10) trained
   on the mnist5k train split and scored on its test split; against raw pixels and the same
   features of D at initialization, also with 100 and 1,000 labels (random subsets).

Writes ``results.md`` and the figures to ``--out`` (default: this folder). Budgets: config.py.
"""

import argparse
import json
import os
import pathlib
import time
import warnings
from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from matplotlib.figure import Figure
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from experiments.dcgan_latent.config import get_config
from experiments.entry import run_command
from experiments.figures import save_figure
from jaxgen import data, latent, recipes
from jaxgen.errors import UserError
from jaxgen.metrics import features
from jaxgen.nn import dcgan
from jaxgen.recipes import gan
from jaxgen.recipes.restore import has_checkpoint, recipe_of
from jaxgen.train import train
from jaxgen.train.images import (
    arithmetic_figure,
    image_rows,
    save_gif,
    save_png,
    walk_strip,
)

FOLDER = pathlib.Path(__file__).parent
DEFAULT_WORKDIR = pathlib.Path("runs") / "dcgan_latent"
TIMING_FILE = "dcgan_latent_training.json"  # in the workdir: training seconds over sessions
DPI = 90
BATCH = 500  # images per call of D or the classifier
ATTRIBUTES = ("thickness", "slant")
# The extreme each attribute's equations add ("thick a − thin a + thin b") and its opposite.
EXTREMES = {"thickness": ("thick", "thin"), "slant": ("right-slanted", "left-slanted")}
REPRESENTATIONS = ("raw pixels", "D at initialization", "trained D")
CONTROLS = 32  # random-direction controls per equation


# --- 1. training ------------------------------------------------------------------------------


def train_model(config, workdir):
    """``(recipe, state, timing)``: ``config.recipe`` trained to ``config.steps`` in ``workdir``.

    Resumes from the workdir's checkpoint. ``timing`` holds the wall time of every session
    that trained this workdir (``workdir/dcgan_latent_training.json``), so that a resumed run
    still reports what its training cost.
    """
    loop = dict(
        steps=config.steps,
        sample_every=config.sample_every,
        checkpoint_every=config.checkpoint_every,
    )
    workdir = str(workdir)
    if has_checkpoint(workdir):
        recipe = recipe_of(workdir, **loop)
        if recipe.name != config.recipe or recipe.config.preset != config.preset:
            raise UserError(
                f"{workdir} holds a {recipe.name} run with preset {recipe.config.preset}, not "
                f"{config.recipe} with preset {config.preset}: use another --workdir"
            )
    else:
        recipe = recipes.get(config.recipe, preset=config.preset, **loop)
    timing_path = os.path.join(workdir, TIMING_FILE)
    timing = {"seconds": 0.0, "sessions": []}
    if os.path.exists(timing_path):
        with open(timing_path) as f:
            timing = json.load(f)
    from_step = timing["sessions"][-1]["to_step"] if timing["sessions"] else 0
    began = time.time()
    state = train(recipe, workdir, progress=False, log=print)
    seconds = time.time() - began
    if int(state.step) != from_step:
        timing["sessions"].append(
            {"from_step": from_step, "to_step": int(state.step), "seconds": seconds}
        )
        timing["seconds"] += seconds
        with open(timing_path, "w") as f:
            json.dump(timing, f, indent=1)
    return recipe, state, timing


# --- measurements of digits -------------------------------------------------------------------


def ink(images):
    """Stroke thickness: the mean ink ``(x + 1)/2`` of images ``[B, H, W, 1]`` in [−1, 1] → [B]."""
    return ((np.asarray(images, np.float32) + 1) / 2).mean(axis=(1, 2, 3))


def slant(images):
    """Slant of images ``[B, H, W, 1]`` → ``[B]``: horizontal shift per unit of height.

    The ink-weighted regression of the column on the height above the centroid,
    ``−cov(col, row) / var(row)`` (rows count down, so a right lean has a negative covariance):
    0 for an upright stroke, tan 20° ≈ 0.36 for one leaning 20° to the right.
    """
    weights = (np.asarray(images, np.float32)[..., 0] + 1) / 2
    weights = weights / np.maximum(weights.sum(axis=(1, 2), keepdims=True), 1e-8)
    size_h, size_w = weights.shape[1:]
    rows, cols = np.meshgrid(np.arange(size_h), np.arange(size_w), indexing="ij")
    mean_row = (weights * rows).sum(axis=(1, 2))[:, None, None]
    mean_col = (weights * cols).sum(axis=(1, 2))[:, None, None]
    covariance = (weights * (rows - mean_row) * (cols - mean_col)).sum(axis=(1, 2))
    variance = (weights * (rows - mean_row) ** 2).sum(axis=(1, 2))
    return -covariance / np.maximum(variance, 1e-8)


MEASURES = {"thickness": ink, "slant": slant}


class Classifier(NamedTuple):
    """The mnist5k classifier: ``classify(images) -> (class [B], confidence [B])``; its card."""

    classify: Callable
    card: dict


def digit_classifier():
    network = features.for_data("mnist5k", progress=False)
    apply = jax.jit(network.apply)

    def classify(images):
        logits = np.concatenate(
            [
                np.asarray(apply(network.variables, images[i : i + BATCH])["logits"])
                for i in range(0, len(images), BATCH)
            ]
        )
        probabilities = np.asarray(jax.nn.softmax(logits, axis=-1))
        return probabilities.argmax(-1), probabilities.max(-1)

    return Classifier(classify, network.card)


def generate(recipe, state, z):
    """``G(z)`` ``[B, H, W, 1]`` as numpy, in batches."""
    z = jnp.asarray(z, jnp.float32)
    return np.concatenate(
        [
            np.asarray(jax.device_get(recipe.generate(state, z[i : i + BATCH])["image"]))
            for i in range(0, len(z), BATCH)
        ]
    )


# --- 2. walks (§6.1) ----------------------------------------------------------------------------


def walks(config, recipe, state, classifier, key, out):
    """``walk.png``, ``walk.gif``, ``walk_compare.png``; returns the midpoint statistics."""
    rows_key, gif_key, compare_key, midpoint_key = jax.random.split(key, 4)
    frames = latent.walk_images(
        recipe, state, rows_key, points=config.walk_rows + 1, steps=config.walk_steps
    )
    save_png(walk_strip(np.asarray(frames["image"]), config.walk_steps), str(out / "walk.png"))

    # A closed walk: back to the first point; its last frame, the first again, is dropped.
    points = latent.sample_latents(recipe, gif_key, config.gif_points)
    loop = latent.walk_through(
        recipe, state, jnp.concatenate([points, points[:1]]), steps=config.gif_steps
    )
    gif_frames = np.asarray(loop["image"])[:-1]
    save_gif(gif_frames, str(out / "walk.gif"), frame_ms=80)

    ends = latent.sample_latents(recipe, compare_key, 2 * config.compare_rows)
    t = np.linspace(0, 1, config.walk_steps + 1)
    pairs = []
    for row in range(config.compare_rows):
        z0, z1 = ends[2 * row], ends[2 * row + 1]
        pair = {}
        for kind in latent.KINDS:
            z = latent.walk(jnp.stack([z0, z1]), config.walk_steps, kind)
            pair[kind] = (generate(recipe, state, z), np.linalg.norm(np.asarray(z), axis=1))
        pairs.append(pair)
    save_figure(compare_figure(pairs, t, recipe.latent_dim), out / "walk_compare.png", dpi=DPI)
    return {
        "gif_frames": len(gif_frames),
        "midpoints": midpoint_statistics(config, recipe, state, classifier, midpoint_key),
    }


def midpoint_statistics(config, recipe, state, classifier, key):
    """The classifier's confidence, ink and ‖z‖ at t = ½ of many walks, linear and slerp."""
    n = config.pool // 2
    z = np.asarray(latent.sample_latents(recipe, key, 2 * n))
    z0, z1 = z[:n], z[n:]
    midpoints = {
        "endpoints": z0,
        "linear": np.asarray(jax.vmap(latent.lerp, in_axes=(0, 0, None))(z0, z1, 0.5)),
        "slerp": np.asarray(jax.vmap(latent.slerp, in_axes=(0, 0, None))(z0, z1, 0.5)),
    }
    statistics = {"pairs": n}
    for name, points in midpoints.items():
        images = generate(recipe, state, points)
        _, confidence = classifier.classify(images)
        statistics[name] = {
            "norm": float(np.linalg.norm(points, axis=1).mean()),
            "confidence": float(confidence.mean()),
            "confident": float((confidence >= 0.9).mean()),
            "ink": float(ink(images).mean()),
        }
    return statistics


def compare_figure(pairs, t, latent_dim):
    rows = len(pairs)
    fig = Figure(figsize=(10.0, 1.9 * rows + 0.4), layout="constrained")
    grid = fig.add_gridspec(rows, 2, width_ratios=[3.2, 1.0])
    for row, pair in enumerate(pairs):
        strip = image_rows([pair["linear"][0], pair["slerp"][0]])
        ax = fig.add_subplot(grid[row, 0])
        ax.imshow(strip[..., 0], cmap="gray", vmin=0, vmax=255)
        ax.set_yticks([strip.shape[0] / 4, 3 * strip.shape[0] / 4], ["linear", "slerp"], fontsize=8)
        ax.set_xticks([])
        ax = fig.add_subplot(grid[row, 1])
        for kind, style in (("linear", "o-"), ("slerp", "s-")):
            ax.plot(t, pair[kind][1], style, ms=3, label=kind)
        ax.axhline(np.sqrt(latent_dim), color="grey", ls=":", lw=1, label="√latent")
        ax.set(xlabel="t", ylabel="‖z‖")
        ax.legend(fontsize=7)
    fig.suptitle("linear (top) and spherical (bottom) interpolation on the same endpoints")
    return fig


# --- 3. vector arithmetic (§6.3.2) -------------------------------------------------------------


class Equation(NamedTuple):
    """``mean z[a] − mean z[b] + mean z[c]``: pool indices of three samples each."""

    attribute: str
    digit_a: int  # the class of concepts A and B
    digit_c: int  # the class of concept C, which the result should keep
    a: np.ndarray
    b: np.ndarray
    c: np.ndarray

    def label(self):
        more, less = EXTREMES[self.attribute]
        return f"{more} {self.digit_a} − {less} {self.digit_a} + {less} {self.digit_c}"


def choose_equations(config, classes, confidence, values):
    """Equations on the pool's confident samples, digits paired by how often they occur.

    Concepts A and B are the ``per_concept`` samples of class a with the highest and the lowest
    attribute; C the lowest of class c. Classes are ranked by their count of confident samples
    and paired (rank 0 with 1, 2 with 3, ...), starting one rank later for each attribute;
    with a single usable class it is paired with itself.
    """
    k = config.per_concept
    confident = confidence >= config.min_confidence
    counts = np.bincount(classes[confident], minlength=10)
    usable = [int(d) for d in np.argsort(-counts, kind="stable") if counts[d] >= 2 * k]
    if not usable:
        raise UserError(
            f"no class has {2 * k} samples of confidence ≥ {config.min_confidence} among "
            f"{len(classes)}: train longer or raise the pool"
        )
    equations = []
    for offset, attribute in enumerate(ATTRIBUTES):
        for e in range(config.equations):
            first = (2 * e + offset) % len(usable)
            digit_a, digit_c = usable[first], usable[(first + 1) % len(usable)]

            def ranked(digit, attribute=attribute):
                (members,) = np.nonzero(confident & (classes == digit))
                return members[np.argsort(values[attribute][members], kind="stable")]

            ranked_a, ranked_c = ranked(digit_a), ranked(digit_c)
            equations.append(
                Equation(attribute, digit_a, digit_c, ranked_a[-k:], ranked_a[:k], ranked_c[:k])
            )
    return equations


def arithmetic_experiment(config, recipe, state, classifier, key, out):
    """``arithmetic.png`` and the checks of every equation (a list of dicts)."""
    pool_key, noise_key, control_key = jax.random.split(key, 3)
    z = np.asarray(latent.sample_latents(recipe, pool_key, config.pool))
    images = generate(recipe, state, z)
    classes, confidence = classifier.classify(images)
    values = {name: MEASURES[name](images) for name in ATTRIBUTES}
    equations = choose_equations(config, classes, confidence, values)
    checks, panels = [], []
    for index, equation in enumerate(equations):
        result = latent.arithmetic_images(
            recipe,
            state,
            z[equation.a],
            z[equation.b],
            z[equation.c],
            key=jax.random.fold_in(noise_key, index),
            num_noisy=config.check_samples,
            noise_scale=config.noise_scale,
        )
        averages = np.asarray(result.averages["image"])
        outcome = np.concatenate([np.asarray(result.result["image"]), result.noisy["image"]])
        check = verify(config, equation, classifier, averages, outcome)
        check["control"] = control_shift(
            config, recipe, state, classifier, equation, z, classes, confidence,
            jax.random.fold_in(control_key, index),
        )  # fmt: skip
        checks.append(check)
        concepts = [images[equation.a], images[equation.b], images[equation.c]]
        picture = arithmetic_figure(concepts, averages, outcome[: 1 + config.num_noisy])
        panels.append((equation, check, picture))
    save_figure(arithmetic_plot(panels), out / "arithmetic.png", dpi=DPI)
    return {
        "pool": config.pool,
        "class_counts": np.bincount(classes, minlength=10).tolist(),
        "confident": int((confidence >= config.min_confidence).sum()),
        "checks": checks,
    }


def verify(config, equation, classifier, averages, outcome):
    """What the classifier and the attribute say of ``G(Y)`` and ``G(Y + u)``."""
    measure = MEASURES[equation.attribute]
    classes, confidence = classifier.classify(outcome)
    average_classes, _ = classifier.classify(averages)
    value = measure(outcome)
    start = float(measure(averages[2:3])[0])  # G(mean z_C), where the arithmetic starts
    return {
        "label": equation.label(),
        "attribute": equation.attribute,
        "digit_a": equation.digit_a,
        "digit_c": equation.digit_c,
        "averages_class": average_classes.tolist(),
        "result_class": int(classes[0]),
        "result_confidence": float(confidence[0]),
        "result_value": float(value[0]),
        "c_average_value": start,
        "a_average_value": float(measure(averages[:1])[0]),
        "b_average_value": float(measure(averages[1:2])[0]),
        "noisy_share_c": float((classes[1:] == equation.digit_c).mean()),
        "noisy_value": float(value[1:].mean()),
        "noisy_count": len(outcome) - 1,
    }


def control_shift(config, recipe, state, classifier, equation, z, classes, confidence, key):
    """The attribute's change from ``G(mean z_C)`` when A and B are random triples of class a.

    The arithmetic's change is the attribute direction's only if it exceeds this one, which any
    difference of two averages of three latents causes. Returns its mean and standard
    deviation over ``CONTROLS`` draws.
    """
    k = config.per_concept
    (members,) = np.nonzero((confidence >= config.min_confidence) & (classes == equation.digit_a))
    rng = np.random.default_rng(np.asarray(jax.random.key_data(key)))
    c_mean = z[equation.c].mean(0)
    ys = []
    for _ in range(CONTROLS):
        picked = rng.choice(members, 2 * k, replace=False)
        ys.append(z[picked[:k]].mean(0) - z[picked[k:]].mean(0) + c_mean)
    images = generate(recipe, state, np.stack([c_mean, *ys]))
    measured = MEASURES[equation.attribute](images)
    shifts = measured[1:] - measured[0]
    predicted, _ = classifier.classify(images[1:])
    return {
        "mean": float(shifts.mean()),
        "std": float(shifts.std()),
        "share_c": float((predicted == equation.digit_c).mean()),
        "draws": CONTROLS,
    }


def arithmetic_plot(panels):
    columns = 2
    rows = -(-len(panels) // columns)
    fig = Figure(figsize=(5.2 * columns, 3.9 * rows), layout="constrained")
    for index, (equation, check, picture) in enumerate(panels):
        ax = fig.add_subplot(rows, columns, index + 1)
        ax.imshow(picture[..., 0], cmap="gray", vmin=0, vmax=255)
        ax.set_axis_off()
        unit = "ink" if equation.attribute == "thickness" else "slant"
        ax.set_title(
            f"{equation.label()}\nG(Y): class {check['result_class']} "
            f"({check['result_confidence']:.2f}), {unit} {check['result_value']:.3f} "
            f"(G(mean C): {check['c_average_value']:.3f})",
            fontsize=9,
        )
    fig.suptitle(
        "rows: concepts A, B, C (three samples, their mean latent's image at the right); "
        "last row: G(Y), Y = mean A − mean B + mean C, at the right, G(Y + u) to the left",
        fontsize=9,
    )
    return fig


# --- 4. linear probe (§5.1) ---------------------------------------------------------------------


def discriminator_features(recipe, state, images, *, grid: int = 4, batch: int = BATCH):
    """DCGAN §5.1 features of ``images`` ``[B, H, W, C]``: ``[B, Σ_layers grid·grid·channels]``.

    Every conv layer's output after its normalization and leaky ReLU (what the next layer
    reads), max-pooled to a ``grid × grid`` spatial grid (adaptive bins, which overlap when a
    side does not divide: 14 → rows 0–3, 3–6, 7–10, 10–13), flattened and concatenated, first
    layer first. D runs in inference mode (batch norm with its running statistics).
    """
    config = recipe.config
    if config.network != "dcgan" or config.spectral_norm or config.objective in ("ebgan", "began"):
        raise ValueError(
            f"discriminator_features: needs a plain DCGAN discriminator, got {recipe.name} with "
            f"network={config.network}, spectral_norm={config.spectral_norm}, "
            f"objective={config.objective}"
        )
    images = np.asarray(images, np.float32)
    expected = (config.image_size, config.image_size, config.channels)
    if images.ndim != 4 or images.shape[1:] != expected:
        raise ValueError(
            f"discriminator_features: images must be [B, {', '.join(map(str, expected))}], got "
            f"shape {images.shape}"
        )
    _, discriminator, _ = gan.networks(config)
    apply = _feature_function(discriminator, grid)
    variables = {"params": state.params.d, **state.model_state.d}
    return np.concatenate(
        [np.asarray(apply(variables, images[i : i + batch])) for i in range(0, len(images), batch)]
    )


def _feature_function(discriminator, grid):
    stages = discriminator.stages
    _, layers = dcgan.upsampling_plan(discriminator.resolution, stages)
    norm_name = {"batch": "BatchNorm", "layer": "LayerNorm"}.get(discriminator.norm)
    # Flax names the layers in order of creation: stage 0 has no normalization.
    names = [
        f"{norm_name}_{stage - 1}" if stage and norm_name else f"Conv_{stage}"
        for stage in range(layers)
    ]

    @jax.jit
    def apply(variables, images):
        _, captured = discriminator.apply(
            variables,
            images,
            train=False,
            capture_intermediates=lambda module, _: module.name in names,
            mutable=["intermediates"],
        )
        pooled = []
        for name in names:
            (output,) = captured["intermediates"][name]["__call__"]
            pooled.append(_adaptive_max_pool(jax.nn.leaky_relu(output, 0.2), grid))
        return jnp.concatenate([p.reshape(p.shape[0], -1) for p in pooled], axis=1)

    return apply


def _adaptive_max_pool(x, grid):
    """``[B, H, W, C]`` → ``[B, grid, grid, C]``: bin i spans ``⌊iH/g⌋`` to ``⌈(i+1)H/g⌉``."""
    _, height, width, _ = x.shape

    def bins(size):
        return [(i * size // grid, -(-(i + 1) * size // grid)) for i in range(grid)]

    rows = [
        jnp.stack([x[:, r0:r1, c0:c1].max(axis=(1, 2)) for c0, c1 in bins(width)], axis=1)
        for r0, r1 in bins(height)
    ]
    return jnp.stack(rows, axis=1)


def split_arrays(config, split):
    """``(images [N, H, W, 1] signed at the recipe's size, labels [N])`` of mnist5k ``split``."""
    dataset = data.load(config.data, split, batch_size=BATCH, image_size=config.image_size)
    batches = list(dataset.epoch())
    return (
        np.concatenate([b["image"] for b in batches]),
        np.concatenate([b["label"] for b in batches]),
    )


def fit_probe(config, train_x, train_y, test_x, test_y):
    """``(test accuracy, converged)`` of a logistic regression on standardized features.

    The scaler sees the training examples only. Multinomial, L2 penalty of strength
    ``1/probe_c``, lbfgs; non-convergence is recorded rather than warned about.
    """
    scaler = StandardScaler().fit(train_x)
    model = LogisticRegression(C=config.probe_c, max_iter=config.probe_max_iter)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=ConvergenceWarning)
        model.fit(scaler.transform(train_x), train_y)
    accuracy = float((model.predict(scaler.transform(test_x)) == test_y).mean())
    return accuracy, bool(np.max(model.n_iter_) < config.probe_max_iter)


def linear_probe(config, recipe, state, initial_state):
    """Probe accuracies: representation → {"dim", "all", sizes → [accuracies]}, and timings."""
    train_images, train_labels = split_arrays(recipe.config, "train")
    test_images, test_labels = split_arrays(recipe.config, "test")
    began = time.time()
    representations = {
        "raw pixels": (train_images.reshape(len(train_images), -1),
                       test_images.reshape(len(test_images), -1)),
    }  # fmt: skip
    for name, at in (("D at initialization", initial_state), ("trained D", state)):
        representations[name] = tuple(
            discriminator_features(recipe, at, images, grid=config.probe_grid)
            for images in (train_images, test_images)
        )
    seconds = {"features": time.time() - began}
    began = time.time()
    subsets = {
        size: [
            np.random.default_rng([config.seed, size, repeat]).choice(
                len(train_labels), size, replace=False
            )
            for repeat in range(config.probe_repeats)
        ]
        for size in config.probe_sizes
    }
    results = {}
    for name, (train_x, test_x) in representations.items():
        accuracy, converged = fit_probe(config, train_x, train_labels, test_x, test_labels)
        entry = {"dim": train_x.shape[1], "all": accuracy, "converged": converged}
        for size, chosen in subsets.items():
            fits = [
                fit_probe(config, train_x[s], train_labels[s], test_x, test_labels) for s in chosen
            ]
            entry[size] = [a for a, _ in fits]
            entry["converged"] &= all(c for _, c in fits)
        results[name] = entry
    seconds["logistic regressions"] = time.time() - began
    return {
        "results": results,
        "num_train": len(train_labels),
        "num_test": len(test_labels),
        "seconds": seconds,
    }


# --- report ----------------------------------------------------------------------------------


class Results(NamedTuple):
    recipe: str
    step: int
    training: dict  # the workdir's training sessions and seconds
    walks: dict  # "gif_frames", "midpoints"
    arithmetic: dict  # "pool", "class_counts", "confident", "checks"
    probe: dict  # "results", "num_train", "num_test", "seconds"
    classifier: dict  # the mnist5k classifier's card
    seconds: dict  # part -> wall seconds of this command


def run(config, workdir, out) -> Results:
    seconds = {}
    began = time.time()
    recipe, state, training = train_model(config, workdir)
    seconds["training (this session)"] = time.time() - began
    began = time.time()
    classifier = digit_classifier()
    seconds["mnist5k classifier (loaded or trained)"] = time.time() - began
    walk_key, arithmetic_key = jax.random.split(jax.random.PRNGKey(config.seed))

    began = time.time()
    walk_results = walks(config, recipe, state, classifier, walk_key, out)
    seconds["walks"] = time.time() - began

    began = time.time()
    arithmetic = arithmetic_experiment(config, recipe, state, classifier, arithmetic_key, out)
    seconds["arithmetic"] = time.time() - began

    # D before training: the run's own initialization, the same key as the training's.
    initial_state = recipe.init(jax.random.PRNGKey(recipe.config.seed), recipe.example_batch())
    probe = linear_probe(config, recipe, state, initial_state)
    for part, s in probe["seconds"].items():
        seconds[f"probe: {part}"] = s
    return Results(
        recipe.name,
        int(state.step),
        training,
        walk_results,
        arithmetic,
        probe,
        classifier.card,
        seconds,
    )


def probe_table(config, probe) -> str:
    sizes = list(config.probe_sizes)
    head = ["representation", "features", *(f"{s:,} labels" for s in sizes)]
    head.append(f"all {probe['num_train']:,} labels")
    lines = [_row(head), _row(["---", "---:", *["---:"] * (len(sizes) + 1)])]
    for name, entry in probe["results"].items():
        cells = [name, f"{entry['dim']:,}"]
        for size in sizes:
            accuracies = np.asarray(entry[size])
            error = accuracies.std(ddof=1) / np.sqrt(len(accuracies)) if len(accuracies) > 1 else 0
            cells.append(f"{accuracies.mean():.3f} ± {error:.3f}")
        cells.append(f"{entry['all']:.3f}" + ("" if entry["converged"] else " (not converged)"))
        lines.append(_row(cells))
    return "\n".join(lines)


def midpoint_table(walks_result) -> str:
    statistics = walks_result["midpoints"]
    head = ["latents", "mean ‖z‖", "classifier confidence", "share ≥ 0.9", "mean ink"]
    lines = [_row(head), _row(["---", *["---:"] * 4])]
    labels = {
        "endpoints": "random z (the endpoints)",
        "linear": "linear midpoint, t = ½",
        "slerp": "slerp midpoint, t = ½",
    }
    for kind, label in labels.items():
        s = statistics[kind]
        lines.append(
            _row(
                [
                    label,
                    f"{s['norm']:.2f}",
                    f"{s['confidence']:.3f}",
                    f"{s['confident']:.1%}",
                    f"{s['ink']:.3f}",
                ]
            )
        )
    return "\n".join(lines)


def arithmetic_table(arithmetic) -> str:
    head = [
        "equation",
        "classes of G(mean A, B, C)",
        "G(Y): class (confidence)",
        "attribute: A, B, C → G(Y)",
        "shift G(mean C) → G(Y)",
        "control shift (mean ± sd)",
        "G(Y + u) of class c",
        "control of class c",
    ]
    lines = [_row(head), _row(["---", "---", "---", "---", "---:", "---:", "---:", "---:"])]
    for check in arithmetic["checks"]:
        a, b, c = check["a_average_value"], check["b_average_value"], check["c_average_value"]
        control = check["control"]
        lines.append(
            _row(
                [
                    check["label"],
                    ", ".join(map(str, check["averages_class"])),
                    f"{check['result_class']} ({check['result_confidence']:.2f})",
                    f"{a:.3f}, {b:.3f}, {c:.3f} → {check['result_value']:.3f}",
                    f"{check['result_value'] - c:+.3f}",
                    f"{control['mean']:+.3f} ± {control['std']:.3f}",
                    f"{check['noisy_share_c']:.0%} of {check['noisy_count']}",
                    f"{control['share_c']:.0%} of {control['draws']}",
                ]
            )
        )
    return "\n".join(lines)


def _row(cells):
    return "| " + " | ".join(cells) + " |"


def report(results, config) -> str:
    training = results.training
    sessions = ", ".join(
        f"steps {s['from_step']:,}–{s['to_step']:,} in {s['seconds']:.0f} s"
        for s in training["sessions"]
    )
    arithmetic = results.arithmetic
    timings = "\n".join(f"- {part}: {s:.0f} s" for part, s in results.seconds.items())
    card = results.classifier
    return "\n\n".join(
        [
            "# DCGAN latent space and linear probe: results",
            f"{results.recipe} (preset {config.preset}) at step {results.step:,}; trained in "
            f"{training['seconds']:.0f} s ({sessions or 'no steps this session'}). Classifier: "
            f"{card['name']} (weights sha256 {card['weights_sha256'][:12]}, test accuracy "
            f"{card['test_accuracy']:.4f}).",
            "## Walks (§6.1)",
            f"`walk.png`: {config.walk_rows} slerp walks of {config.walk_steps} steps, each row "
            f"from one random latent to the next; `walk.gif`: {results.walks['gif_frames']} "
            f"frames through {config.gif_points} latents and back; `walk_compare.png`: linear "
            "and slerp on the same endpoints.",
            f"Midpoints of {results.walks['midpoints']['pairs']:,} random pairs, what the "
            "classifier says of their images (max softmax):",
            midpoint_table(results.walks),
            "## Vector arithmetic (§6.3.2)",
            f"Concepts among {arithmetic['pool']:,} samples ({arithmetic['confident']:,} with "
            f"classifier confidence ≥ {config.min_confidence}; predicted classes 0–9: "
            f"{arithmetic['class_counts']}), {config.per_concept} per concept; Y = mean A − "
            f"mean B + mean C; u uniform in ±{config.noise_scale}. Attributes: thickness = mean "
            "ink in [0, 1]; slant = horizontal shift per unit height (positive: leaning right). "
            f"The control replaces A and B by two random triples of class a ({CONTROLS} "
            "draws).",
            arithmetic_table(arithmetic),
            "## Linear probe (§5.1)",
            f"Logistic regression (C = {config.probe_c}, standardized features) trained on the "
            f"mnist5k train split ({results.probe['num_train']:,}) or random subsets of it "
            f"({config.probe_repeats} each, mean ± s.e.), accuracy on the test split "
            f"({results.probe['num_test']:,}). D features: every conv layer after its "
            f"activation, max-pooled to {config.probe_grid}×{config.probe_grid}, concatenated.",
            probe_table(config, results.probe),
            "## Wall time of this command",
            timings + f"\n- total: {sum(results.seconds.values()):.0f} s",
        ]
    )


def main(argv=None) -> Results:
    parser = argparse.ArgumentParser(
        prog="python -m experiments.dcgan_latent.run", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--out", type=pathlib.Path, default=FOLDER, help="output folder")
    parser.add_argument(
        "--workdir",
        type=pathlib.Path,
        default=DEFAULT_WORKDIR,
        help="the dcgan_mnist run (resumed when it holds a checkpoint)",
    )
    parser.add_argument("--steps", type=int, help="training steps (default: config.py's)")
    parser.add_argument("--quick", action="store_true", help="tiny budgets (config.py), ~30 s")
    args = parser.parse_args(argv)
    config = get_config(quick=args.quick)
    if args.steps is not None:
        if args.steps < 1:
            raise UserError(f"--steps must be at least 1, got {args.steps}")
        config.steps = args.steps
    args.out.mkdir(parents=True, exist_ok=True)
    results = run(config, args.workdir, args.out)
    text = report(results, config)
    print(text)
    (args.out / "results.md").write_text(text + "\n")
    with open(args.out / "results.json", "w") as f:
        json.dump(results._asdict(), f, indent=1, default=_jsonable)
    print(f"\nwrote results.md, results.json and the figures to {args.out}")
    return results


def _jsonable(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


if __name__ == "__main__":
    run_command(main)
