"""``load`` and ``names``: the one entry point from a data set's name to its ``Dataset``."""

from jaxgen.data import formats, offline, stacked, toy
from jaxgen.errors import UserError, closest

TFDS_PATTERN = "tfds:<name>"


def names():
    """The built-in data set names, and the pattern that reads any TFDS image set."""
    return [*offline.SOURCES, stacked.NAME, *toy.MIXTURES, TFDS_PATTERN]


def load(
    name,
    split="train",
    *,
    batch_size,
    seed=0,
    format="signed",
    image_size=None,
    data_dir=None,
    process_index=None,
    process_count=None,
):
    """The Dataset of split ``split`` of data set ``name``.

    Args:
      name: ``digits``, ``mnist5k``, ``stacked_mnist``, ``ring8``, ``grid25`` or
        ``tfds:<name>`` (``names()``).
      split: ``train``, ``test`` (``all`` for the offline sets and ``stacked_mnist``; any split
        of a TFDS set).
      batch_size: the global batch size B, over all processes.
      seed: the seed of the stream of batches.
      format: the pixel format of images (``formats.FORMATS``); toy mixtures take only
        ``signed``, as their points are not pixels.
      image_size: the side of the square images; None keeps the stored size.
      data_dir: where TFDS sets are prepared; None for TFDS's default. Other sets ignore it.
      process_index, process_count: which rows of each global batch this process receives;
        None for ``jax.process_index()`` and ``jax.process_count()``.
    """
    formats.check_format(format)
    if not isinstance(name, str):
        raise UserError(f"a data set name must be a string, got {name!r}")
    if not isinstance(split, str):
        raise UserError(f"a split must be a string such as 'train', got {split!r}")
    dataset_kwargs = dict(
        batch_size=batch_size, seed=seed, process_index=process_index, process_count=process_count
    )
    if name.startswith("tfds:"):
        from jaxgen.data.tfds_source import tfds_dataset  # Imports TFDS, which is slow.

        return tfds_dataset(
            name.removeprefix("tfds:"),
            split,
            format=format,
            image_size=image_size,
            data_dir=data_dir,
            **dataset_kwargs,
        )
    if name in offline.SOURCES:
        return offline.offline_dataset(
            name, split, format=format, image_size=image_size, **dataset_kwargs
        )
    if name == stacked.NAME:
        return stacked.stacked_dataset(
            split, format=format, image_size=image_size, **dataset_kwargs
        )
    if name in toy.MIXTURES:
        if format != "signed" or image_size is not None:
            raise UserError(
                f"{name} is a set of 2-D points: it takes neither a pixel format nor image_size"
            )
        return toy.mixture_dataset(name, split, **dataset_kwargs)
    raise UserError(f"unknown data set {name!r}: {closest(name, names())}")
