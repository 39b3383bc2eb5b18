"""Two unpaired image domains in one stream: batches ``{"image": a, "image_b": b}``.

For translation without pairs (CycleGAN, ``jaxgen.game.cyclegan``). The rows of ``image`` and
``image_b`` are drawn independently, so no row of one is the other's counterpart.

- Offline sets (``digits``, ``mnist5k``): the split's images (``signed``, in [−1, 1], ink
  high) are dealt into two disjoint halves by position (even positions: domain A, odd ones: the
  source of domain B; the splits are stratified and mnist5k's is sorted by label, so each half
  holds every class about equally). Domain A is its half as it is; domain B is ``transform`` of
  the other half: the digits thickened by a 3×3 maximum filter (grey-scale dilation, pixels
  outside the image count as background −1) and colour-inverted,

      T(x)[i, j] = −max_{|di| ≤ 1, |dj| ≤ 1} x[i + di, j + dj].

  T is known, so a translation can be scored against it: on the 180 domain-A images of the
  ``digits`` test split, mean |x − T(x)| = 1.129 (returning the input unchanged) and
  mean |−x − T(x)| = 0.800 (inverting without thickening) (``python -m
  experiments.cyclegan.run`` reports them as ``unchanged`` and ``inverted_only``).
- ``tfds:cycle_gan/<name>`` (TFDS's CycleGAN sets, e.g. ``horse2zebra``): domain A is split
  ``<split>A``, domain B split ``<split>B`` (``trainA``/``trainB``, ``testA``/``testB``).

Each domain is its own ``Dataset`` stream (``jaxgen.data.finite``): A with the given seed, B with
a seed derived from it (``domain_b_seed``), so their epochs are shuffled independently, and batch
``p`` stays a pure function of (seed, p). The ordered pass (``epoch``) zips the two domains'
ordered passes and stops with the shorter.
"""

import numpy as np

from jaxgen.data import catalog, offline
from jaxgen.data.dataset import Dataset
from jaxgen.data.finite import from_arrays
from jaxgen.errors import UserError

DOMAIN_B_TAG = 5  # the entropy tag of domain B's seed, apart from jaxgen.data.streams' tags
TFDS_CYCLE_GAN = "tfds:cycle_gan/"


def transform(images) -> np.ndarray:
    """``T(x)``: ``images`` ``[B, H, W, C]`` in [−1, 1] thickened by a 3×3 maximum filter (each
    channel on its own, −1 outside the image) and inverted; float32, same shape."""
    images = np.asarray(images, np.float32)
    if images.ndim != 4:
        raise ValueError(f"transform needs images [batch, H, W, C], got shape {images.shape}")
    height, width = images.shape[1:3]
    padded = np.pad(images, ((0, 0), (1, 1), (1, 1), (0, 0)), constant_values=-1.0)
    shifted = [padded[:, i : i + height, j : j + width] for i in range(3) for j in range(3)]
    return -np.max(shifted, axis=0)


def domain_b_seed(seed: int) -> int:
    """The seed of domain B's stream: a function of ``seed`` unlike any other run's A seed."""
    return int(np.random.SeedSequence([seed, DOMAIN_B_TAG]).generate_state(1)[0])


def offline_domains(name: str, split: str, image_size: int | None = None):
    """``(domain A, domain B)`` images ``[n, H, W, 1]`` of an offline set (module docstring)."""
    if name not in offline.SOURCES:
        raise UserError(f"unpaired domains are made from {', '.join(offline.SOURCES)}; got {name}")
    images = catalog.load(name, split, batch_size=1, image_size=image_size)
    all_images = np.concatenate([batch["image"] for batch in images.epoch(1024)])
    return all_images[0::2], transform(all_images[1::2])


def load(
    name: str,
    split: str = "train",
    *,
    batch_size: int,
    seed: int = 0,
    image_size: int | None = None,
    data_dir: str | None = None,
    process_index: int | None = None,
    process_count: int | None = None,
) -> Dataset:
    """The unpaired stream of ``name`` (an offline set or ``tfds:cycle_gan/<name>``).

    Args: as ``jaxgen.data.load``; images are ``signed``.
    """
    if name.startswith(TFDS_CYCLE_GAN):
        kwargs = dict(image_size=image_size, data_dir=data_dir, process_index=0, process_count=1)
        domain_a = catalog.load(name, f"{split}A", batch_size=batch_size, seed=seed, **kwargs)
        domain_b = catalog.load(
            name, f"{split}B", batch_size=batch_size, seed=domain_b_seed(seed), **kwargs
        )
    elif name in offline.SOURCES:
        images_a, images_b = offline_domains(name, split, image_size)
        kwargs = dict(batch_size=batch_size, process_index=0, process_count=1)
        domain_a = from_arrays({"image": images_a}, seed=seed, name=f"{name}_a", **kwargs)
        domain_b = from_arrays(
            {"image": images_b}, seed=domain_b_seed(seed), name=f"{name}_b", **kwargs
        )
    else:
        raise UserError(
            f"unpaired domains come from {', '.join(offline.SOURCES)} or "
            f"{TFDS_CYCLE_GAN}<name> (e.g. {TFDS_CYCLE_GAN}horse2zebra); got {name!r}"
        )
    return zip_domains(
        name, domain_a, domain_b, process_index=process_index, process_count=process_count
    )


def zip_domains(name, domain_a, domain_b, *, process_index=None, process_count=None) -> Dataset:
    """One stream of ``{"image": a, "image_b": b}`` from two single-process streams of the
    same global batch size; this process receives its rows of both."""
    (shape_a, dtype_a), (shape_b, dtype_b) = (d.element_spec["image"] for d in (domain_a, domain_b))

    def rows(position, start, stop):
        return {
            "image": domain_a.batch(position)["image"][start:stop],
            "image_b": domain_b.batch(position)["image"][start:stop],
        }

    def ordered(batch_size):
        passes = zip(domain_a.epoch(batch_size), domain_b.epoch(batch_size), strict=False)
        for batch_a, batch_b in passes:
            count = min(len(batch_a["image"]), len(batch_b["image"]))
            yield {"image": batch_a["image"][:count], "image_b": batch_b["image"][:count]}

    return Dataset(
        name,
        rows,
        ordered,
        batch_size=domain_a.batch_size,
        seed=domain_a.seed,
        num_examples=min(domain_a.num_examples, domain_b.num_examples),
        element_spec={"image": (shape_a, dtype_a), "image_b": (shape_b, dtype_b)},
        info={"format": "signed", "domains": (domain_a.name, domain_b.name)},
        process_index=process_index,
        process_count=process_count,
    )
