"""StarGAN on the digits: are translations put in the requested domain, keeping their digit?

    .venv/bin/python -m experiments.stargan.run [--data digits|mnist] [--steps N]
        [--workdir DIR] [--out DIR] [--set key=value ...] [--tag NAME] [--quick] [--resume]
        [--measure-stopped] [--via DOMAIN]

Choi et al. 2018 judge translations by a classifier of the target attributes trained on real
images (their §4.5, Table 3 on RaFD) and by eye. Here the domains are known transformations
of the digits (``jaxgen.data.multi_domain``: identity, rotated 90°, thickened, inverted). The
experiment trains ``stargan_digits`` (``--data mnist``: ``stargan_mnist``, ``mnist5k`` at 32×32;
``jaxgen.recipes.stargan``, with ``--set`` overrides)
and then fits two classifiers on *real* images, every train digit in every domain
(``jaxgen.metrics.features.classifier.fit``, the ``DigitClassifier`` network):

- a domain classifier (labels 0 .. K − 1; its 10-way head's other logits learn to stay low);
- a digit classifier over all domains (the digit class of a rotated, thickened or inverted
  digit, without undoing the transformation).

On the test split (never trained on), each digit x in each source domain s, T_s(x), is put into
every other domain t: G(T_s(x), t). Reported: ``domain_accuracy`` (the domain classifier says
t), ``digit_accuracy`` (the digit classifier says x's digit; acceptance: both ≥ 0.9), the same
per target domain, both accuracies per (source, target) pair, both classifiers' accuracies
on the real test images in all domains (their ceilings; the digit classifier's also per
domain), ``translation_error`` = mean |G(T_s(x), t) − T_t(x)| against
``unchanged_error`` = mean |T_s(x) − T_t(x)|, and ``transformation_accuracy``: the share of
translations whose nearest (mean |·|) among the 12 transformations of x (identity, thickened,
inverted, each turned by 0-270°) is T_t(x), per pair with the transformation found most often
(a judge of what G did that small adversarial changes cannot fool, as they can the domain
classifier).

Writes ``OUT/results_{data}[_{tag}].json`` and ``OUT/translations_{data}[_{tag}].png`` (each
row one test input, in its source domain, then its translation into every domain, the own
one included, then the true T_t(x) row). ``--quick``: the tiny preset for 20 steps (a smoke
run). ``--via DOMAIN`` measures (and draws) translations made in two hops through DOMAIN,
G(G(x, DOMAIN), t), not the paper's; the file names end ``_via_DOMAIN``. The run trains in
``WORKDIR/TAG``, afresh unless ``--resume`` (then on from its latest checkpoint, e.g. after
SIGTERM or Ctrl-C, which end the command without measuring, unless ``--measure-stopped``:
then the step reached is measured, and the results say ``stopped_at_step``; for time-boxed
runs, ``experiments/accelerator_queue.sh``).
"""

import argparse
import hashlib
import json
import pathlib
import pickle
import shutil
import signal
import time

import numpy as np

from experiments.entry import exit_if_stopped, parse_settings, run_command
from experiments.figures import save_figure
from jaxgen.data.multi_domain import DOMAINS as DOMAIN_NAMES

FOLDER = pathlib.Path(__file__).parent
DEFAULT_WORKDIR = pathlib.Path("runs") / "stargan"
CLASSIFIER = {
    "width": 32,
    "feature_dim": 128,
    "steps": 1500,
    "batch_size": 128,
    "learning_rate": 2e-3,
    "shift": 0,
    "seed": 0,
}
FIGURE_ROWS = 8


def all_domains(images, labels, num_domains):
    """Every image in every domain: ``(images [K·n, ...], domains [K·n], labels [K·n])``."""
    from jaxgen.data import multi_domain

    domains = np.repeat(np.arange(num_domains), len(images))
    tiled = np.tile(images, (num_domains, 1, 1, 1))
    return multi_domain.transform(tiled, domains), domains, np.tile(labels, num_domains)


# The transformations a translation is compared with: each non-turning domain's T composed
# with 0-3 quarter turns (the rotated domain's T_1 is one quarter turn of the identity).
PLAIN_DOMAINS = ("identity", "thickened", "inverted")


def transformation_names():
    return [f"{name}+{90 * k}°" for k in range(4) for name in PLAIN_DOMAINS]


def target_transformation(target):
    """The index in ``transformation_names()`` of domain number ``target``'s T."""
    from jaxgen.data import multi_domain

    name = multi_domain.DOMAINS[target]
    if name == "rotated":  # the identity turned once
        return len(PLAIN_DOMAINS) + PLAIN_DOMAINS.index("identity")
    return PLAIN_DOMAINS.index(name)


def transformation_candidates(images):
    """The 12 transformations of ``images`` ``[n, H, W, C]``, in the order of
    ``transformation_names()``: ``[12, n, H, W, C]``."""
    from jaxgen.data import multi_domain

    plain = [
        multi_domain.transform(images, np.full(len(images), DOMAIN_NAMES.index(name)))
        for name in PLAIN_DOMAINS
    ]
    return np.stack([np.rot90(x, k, axes=(1, 2)) for k in range(4) for x in plain])


def nearest_transformation(outputs, candidates):
    """For each of ``outputs`` (translations of the digits whose ``transformation_candidates``
    are ``candidates``), the index in ``transformation_names()`` of the transformed digit
    nearest in mean |·|: a judge of which transformation G applied that, unlike a classifier,
    G cannot fool with small changes (the domains are known transformations of the digit)."""
    return np.argmin(np.abs(outputs[None] - candidates).mean((2, 3, 4)), axis=0)


def fit_classifiers(config, steps, cache_dir):
    """The domain and the digit classifier, fitted on real train digits in every domain.

    Fitting is deterministic given the settings and the data, so the fitted classifiers are
    kept in ``cache_dir`` (one pickle per setting) and reused by later runs.
    """
    from jaxgen.data.captioned import signed_split

    images, labels = signed_split(config.data, "train", config.image_size)
    images, domains, labels = all_domains(images, labels, config.num_domains)
    return fit_cached(steps, images, {"domain": domains, "digit": labels}, cache_dir)


def fit_cached(steps, images, labels, cache_dir):
    """``(settings, {name: classifier})``: one ``CLASSIFIER`` of ``steps`` fitted on ``images``
    for each ``name → int labels`` of ``labels``, kept in ``cache_dir`` under a digest of the
    settings and the arrays (fitting is deterministic) and reused from there."""
    import jax

    from jaxgen.metrics.features import classifier

    settings = {**CLASSIFIER, "steps": steps}
    digest = hashlib.sha256(json.dumps([settings, sorted(labels)], sort_keys=True).encode())
    for array in (images, *labels.values()):
        digest.update(np.ascontiguousarray(array).tobytes())
    cache = cache_dir / f"classifiers_{digest.hexdigest()[:16]}.pkl"
    if cache.exists():
        return settings, pickle.loads(cache.read_bytes())
    classifiers = {name: classifier.fit(settings, images, y) for name, y in labels.items()}
    classifiers = jax.tree.map(np.asarray, classifiers)
    cache_dir.mkdir(parents=True, exist_ok=True)
    cache.write_bytes(pickle.dumps(classifiers))
    return settings, classifiers


def evaluate(recipe, state, settings, classifiers, via=None):
    """The numbers of the module docstring on the test split (translated in two hops through
    domain number ``via`` when given: ``jaxgen.recipes.stargan.translate``)."""
    from jaxgen.data import multi_domain
    from jaxgen.data.captioned import signed_split
    from jaxgen.metrics.features import classifier
    from jaxgen.recipes.stargan import translate

    config = recipe.config
    k = config.num_domains
    images, labels = signed_split(config.data, "test", config.image_size)
    real, real_domains, real_labels = all_domains(images, labels, k)
    results = {
        "real_domain_accuracy": classifier.accuracy(
            settings, classifiers["domain"], real, real_domains
        ),
        "real_digit_accuracy": classifier.accuracy(
            settings, classifiers["digit"], real, real_labels
        ),
    }
    results["real_digit_accuracy_per_domain"] = {
        multi_domain.DOMAINS[d]: classifier.accuracy(
            settings, classifiers["digit"], real[real_domains == d], real_labels[real_domains == d]
        )
        for d in range(k)
    }
    sources, targets = np.meshgrid(np.arange(k), np.arange(k), indexing="ij")
    pairs = [(s, t) for s, t in zip(sources.ravel(), targets.ravel(), strict=True) if s != t]
    domain_hits, digit_hits, errors, unchanged = [], [], [], []
    per_target = {t: [] for t in range(k)}
    per_pair, domain_per_pair = {}, {}  # digit and domain accuracy of each source -> target
    applied, applied_per_pair = [], {}  # is the nearest transformation of x the target's?
    names, candidates = transformation_names(), transformation_candidates(images)
    for s, t in pairs:
        inputs = multi_domain.transform(images, np.full(len(images), s))
        truth = multi_domain.transform(images, np.full(len(images), t))
        fake = np.asarray(translate(recipe, state, inputs, t, via=via))
        domain_logits = classifier.predict(settings, classifiers["domain"], fake)["logits"]
        digit_logits = classifier.predict(settings, classifiers["digit"], fake)["logits"]
        domain_hit = domain_logits.argmax(1) == t
        digit_hit = digit_logits.argmax(1) == labels
        domain_hits.append(domain_hit)
        digit_hits.append(digit_hit)
        per_target[t].append((domain_hit, digit_hit))
        pair = f"{multi_domain.DOMAINS[s]}->{multi_domain.DOMAINS[t]}"
        per_pair[pair] = float(digit_hit.mean())
        domain_per_pair[pair] = float(domain_hit.mean())
        nearest = nearest_transformation(fake, candidates)
        hit = nearest == target_transformation(t)
        applied.append(hit)
        counts = np.bincount(nearest, minlength=len(names))
        applied_per_pair[pair] = {
            "target": float(hit.mean()),
            "most_often": names[int(counts.argmax())],
            "most_often_share": float(counts.max() / len(nearest)),
        }
        errors.append(np.abs(fake - truth).mean())
        unchanged.append(np.abs(inputs - truth).mean())
    results |= {
        "domain_accuracy": float(np.mean(domain_hits)),
        "digit_accuracy": float(np.mean(digit_hits)),
        "translation_error": float(np.mean(errors)),
        "unchanged_error": float(np.mean(unchanged)),
        "per_target": {
            multi_domain.DOMAINS[t]: {
                "domain_accuracy": float(np.mean([d for d, _ in hits])),
                "digit_accuracy": float(np.mean([g for _, g in hits])),
            }
            for t, hits in per_target.items()
        },
        "digit_accuracy_per_pair": per_pair,
        "domain_accuracy_per_pair": domain_per_pair,
        "transformation_accuracy": float(np.mean(applied)),
        "transformation_per_pair": applied_per_pair,
        "test_images": len(images),
        "translations": len(images) * len(pairs),
    }
    return results


def figure(recipe, state, path, title, via=None):
    """One test input per row (in domain ``row mod K``) and its translation into every domain;
    the last row of each pair shows the known targets T_t(x)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from jaxgen.data import multi_domain
    from jaxgen.data.captioned import signed_split
    from jaxgen.recipes.stargan import translate

    k = recipe.config.num_domains
    images, _ = signed_split(recipe.config.data, "test", recipe.config.image_size)
    chosen = images[:: len(images) // FIGURE_ROWS][:FIGURE_ROWS]
    source = np.arange(FIGURE_ROWS) % k
    inputs = multi_domain.transform(chosen, source)
    fig, axes = plt.subplots(FIGURE_ROWS, 1 + 2 * k, figsize=(1.0 * (1 + 2 * k), FIGURE_ROWS))
    for t in range(k):
        fakes = np.asarray(translate(recipe, state, inputs, t, via=via))
        truth = multi_domain.transform(chosen, np.full(FIGURE_ROWS, t))
        for row in range(FIGURE_ROWS):
            axes[row, 1 + t].imshow(fakes[row, ..., 0], cmap="gray", vmin=-1, vmax=1)
            axes[row, 1 + k + t].imshow(truth[row, ..., 0], cmap="gray", vmin=-1, vmax=1)
        axes[0, 1 + t].set_title(f"G(x, {multi_domain.DOMAINS[t][:5]})", fontsize=7)
        axes[0, 1 + k + t].set_title(f"T: {multi_domain.DOMAINS[t][:5]}", fontsize=7)
    for row in range(FIGURE_ROWS):
        axes[row, 0].imshow(inputs[row, ..., 0], cmap="gray", vmin=-1, vmax=1)
    axes[0, 0].set_title("input", fontsize=7)
    for ax in axes.ravel():
        ax.set_axis_off()
    fig.suptitle(title, fontsize=8)
    save_figure(fig, path)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", choices=("digits", "mnist"), default="digits")
    parser.add_argument("--steps", type=int, default=None)
    parser.add_argument("--workdir", type=pathlib.Path, default=DEFAULT_WORKDIR)
    parser.add_argument("--out", type=pathlib.Path, default=FOLDER)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--tag", default="")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--resume", action="store_true", help="keep WORKDIR: train on from its checkpoint"
    )
    parser.add_argument(
        "--measure-stopped",
        action="store_true",
        help="when SIGTERM or Ctrl-C stops training, measure the step reached",
    )
    parser.add_argument(
        "--via",
        choices=DOMAIN_NAMES,
        help="translate in two hops through this domain, G(G(x, via), t) (not the paper's)",
    )
    args = parser.parse_args(argv)

    from jaxgen.recipes import registry, stargan
    from jaxgen.train import train

    overrides = parse_settings(parser, args.set)
    if args.steps is not None:
        overrides["steps"] = args.steps
    preset = "tiny" if args.quick else "default"
    factory = stargan.factories(registry.configured)[f"stargan_{args.data}"]
    recipe = factory(preset=preset, **overrides)
    workdir = args.workdir.resolve() / (args.tag or preset)
    if not args.resume:
        shutil.rmtree(workdir, ignore_errors=True)
    start = time.time()
    state = train(recipe, str(workdir), progress=False)
    stopped = int(state.step) < recipe.config.steps
    if args.measure_stopped:  # a time box's SIGTERM, sent again, must not cut the measuring
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    else:
        exit_if_stopped(state, recipe.config.steps, "rerun with --resume to train on from there")
    train_seconds = time.time() - start
    start = time.time()
    classifier_steps = 100 if args.quick else CLASSIFIER["steps"]
    settings, classifiers = fit_classifiers(recipe.config, classifier_steps, args.workdir.resolve())
    via = None if args.via is None else DOMAIN_NAMES.index(args.via)
    results = evaluate(recipe, state, settings, classifiers, via)
    results |= {
        "steps": int(state.step),
        "train_seconds": round(train_seconds, 1),
        "evaluation_seconds": round(time.time() - start, 1),
        "classifier": settings,
        "config": recipe.config.to_dict(),
    }
    if stopped:
        results["stopped_at_step"] = int(state.step)
    if args.via:
        results["via"] = args.via
    suffix = (f"_{args.tag}" if args.tag else "") + (f"_via_{args.via}" if args.via else "")
    args.out.mkdir(parents=True, exist_ok=True)
    report = json.dumps(results, indent=1) + "\n"
    (args.out / f"results_{args.data}{suffix}.json").write_text(report)
    title = f"stargan_{args.data}, {int(state.step)} steps: domain {results['domain_accuracy']:.3f}"
    title += f", digit {results['digit_accuracy']:.3f}" + (f", via {args.via}" if args.via else "")
    figure(recipe, state, args.out / f"translations_{args.data}{suffix}.png", title, via)
    print(json.dumps({k: v for k, v in results.items() if k not in ("config", "classifier")}))


if __name__ == "__main__":
    run_command(main)
