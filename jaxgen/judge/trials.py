"""The trial list of a study and its images, written once to ``WORKDIR/judge/images/``.

Two-alternative forced choice (``2afc``): each trial shows one real and one generated image
side by side; the generated one is on the left in exactly half of the trials (rounded), in a
seeded random order, separately for the training and the test phase. Single-image mode
(``single``): each trial shows one image, generated in half of the trials. Training trials
(Salimans et al. 2016, "Improved Techniques for Training GANs", §4: annotators who got
feedback first) come first; every participant sees the same trials in the same order.

Generated images are ``recipe.sample(state, PRNGKey(seed), n)`` of the workdir's latest
checkpoint; real ones are drawn without replacement (numpy generator ``[seed, 1]``) from the
first 10,000 images of the ``--ref`` source, resolved as ``jaxgen eval --ref`` does. Both are
saved as PNG enlarged by an integer factor to at least 128 pixels (nearest neighbour), so an
8×8 digit is seen pixel-exact.
"""

import os

import numpy as np

from jaxgen.errors import UserError

MODES = ("2afc", "single")
REFERENCE_POOL = 10_000
MIN_TILE = 128


def plan(num_trials, num_training, mode, seed):
    """``[{"position", "training", "truth"}]``: training trials first, then the test trials.

    ``truth`` is the side of the generated image (2afc) or the kind of the image (single),
    half of each value per phase (the odd one out drawn at random), in a seeded order."""
    values = ("left", "right") if mode == "2afc" else ("fake", "real")
    rng = np.random.default_rng([seed, 0])
    planned = []
    for training, count in ((True, num_training), (False, num_trials)):
        truths = np.array(values)[(np.arange(count) + rng.integers(2)) % 2]
        for truth in rng.permutation(truths):
            planned.append({"position": len(planned), "training": training, "truth": str(truth)})
    return planned


def shown_images(planned, mode):
    """Per trial, the ``(side, kind)`` of the images it shows."""
    if mode == "single":
        return [[("single", trial["truth"])] for trial in planned]
    other = {"left": "right", "right": "left"}
    return [
        sorted([(trial["truth"], "fake"), (other[trial["truth"]], "real")]) for trial in planned
    ]


def write(images_dir, planned, mode, generated, real):
    """Saves each trial's images as PNG in ``images_dir``; returns the trials with their
    ``images``, ``[(side, kind, file)]``, as ``store.create`` takes them.

    generated, real: ``[n, H, W, C]`` in [−1, 1], at least as many as the trials use."""
    from jaxgen.train import images

    os.makedirs(images_dir, exist_ok=True)
    pools = {"fake": iter(generated), "real": iter(real)}
    trials = []
    for trial, shown in zip(planned, shown_images(planned, mode), strict=True):
        files = []
        for side, kind in shown:
            name = f"trial_{trial['position'] + 1:05d}_{side}.png"
            image = next(pools[kind])[None]
            picture = images.image_grid(image, columns=1, pad=0, min_tile=MIN_TILE)
            images.save_png(picture, os.path.join(images_dir, name))
            files.append((side, kind, name))
        trials.append({**trial, "images": files})
    return trials


def counts(planned, mode):
    """``(generated, real)``: how many images of each kind the trials show."""
    kinds = [kind for shown in shown_images(planned, mode) for _, kind in shown]
    return kinds.count("fake"), kinds.count("real")


def generated_images(recipe, state, n, seed):
    """``n`` samples ``[n, H, W, C]`` of an image recipe (a one-line error for toy points)."""
    import jax

    samples = jax.device_get(recipe.sample(state, jax.random.PRNGKey(seed), n))
    if "image" not in samples:
        raise UserError(
            f"{recipe.name} generates {', '.join(sorted(samples))}, not images: judge shows "
            "images to people; train an image recipe (e.g. dcgan_digits)"
        )
    return np.asarray(samples["image"], np.float32)


def real_images(reference, config, n, image_shape, seed):
    """``n`` real images ``[n, *image_shape]`` from ``--ref`` (train, test, all, NAME:SPLIT
    or FILE.npz with an ``image`` array in [−1, 1])."""
    from jaxgen.metrics import run_eval

    source = run_eval._reference_source(reference, config, "image")
    if source["kind"] == "file":
        pool = run_eval._read_reference_file(source["path"], "image")[:REFERENCE_POOL]
    else:
        dataset = run_eval._load(source, batch_size=500)
        batches, held = [], 0
        for batch in dataset.epoch(500):
            batches.append(np.asarray(batch["image"], np.float32))
            held += len(batches[-1])
            if held >= REFERENCE_POOL:
                break
        pool = np.concatenate(batches)[:REFERENCE_POOL]
    if pool.shape[1:] != tuple(image_shape):
        raise UserError(
            f"the reference {reference} has images of shape {pool.shape[1:]}, the samples "
            f"{tuple(image_shape)}; choose a reference of the same size"
        )
    if len(pool) < n:
        raise UserError(
            f"the reference {reference} has {len(pool)} images, the trials need {n}: "
            "ask for fewer --n-trials"
        )
    chosen = np.random.default_rng([seed, 1]).choice(len(pool), n, replace=False)
    return pool[chosen]
