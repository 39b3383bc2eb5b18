"""Images with several binary attributes: batches ``{"image", "attributes"[, "label"]}``.

StarGAN's multi-label form (Choi et al. 2018, §3.2; ``jaxgen.game.stargan``'s
``multi_label``): each image has K 0/1 attributes at once, ``attributes`` their float32
vector ``[K]``. Two sources:

- ``tfds:<name>`` with a dict feature ``attributes`` of booleans, the paper's ``tfds:celeb_a``
  (``CELEBA``: black / blond / brown hair, male, young); images center-cropped and resized
  (``jaxgen.data.tfds_source``), no ``label``.
- the offline digits (``digits``, ``mnist5k``): every example of a pass gets each attribute of
  ``ATTRIBUTES`` it is asked for independently with probability 1/2, drawn from the example's
  stream entropy as ``jaxgen.data.multi_domain`` draws its domain, and the image is the digit
  under those transformations (``compose``), ``label`` its digit class. A known,
  deterministic answer for every translation: the offline stand-in of CelebA.
"""

import numpy as np

from jaxgen.data import multi_domain, offline
from jaxgen.data.captioned import signed_split
from jaxgen.data.finite import finite_dataset
from jaxgen.errors import UserError, closest

# The digit attributes, applied in this order when several hold (thickening does not commute
# with inversion: the max filter of −x is −(the min filter of x)).
ATTRIBUTES = ("thickened", "rotated", "inverted")
TRANSFORMS = {
    "thickened": multi_domain.thicken,
    "rotated": multi_domain.rotate,
    "inverted": multi_domain.invert,
}
CELEBA = ("Black_Hair", "Blond_Hair", "Brown_Hair", "Male", "Young")  # the paper's five
CELEBA_HAIR = ("Black_Hair", "Blond_Hair", "Brown_Hair")  # at most one holds


def check_digit_attributes(names) -> tuple:
    """``names`` as a tuple after a one-line UserError for an unknown or repeated one."""
    names = tuple(names)
    for name in names:
        if name not in ATTRIBUTES:
            raise UserError(f"unknown digit attribute {name!r}: {closest(name, ATTRIBUTES)}")
    if len(set(names)) != len(names) or not names:
        raise UserError(f"digit attributes must be distinct and at least one, got {names}")
    return names


def compose(images, attributes, names=ATTRIBUTES) -> np.ndarray:
    """Row i of ``images`` ``[B, H, W, C]`` in [−1, 1] under the transformation of each of
    ``names`` whose entry of ``attributes`` ``[B, len(names)]`` (0/1) is 1, applied in the
    order of ``ATTRIBUTES``; float32 ``[B, H, W, C]``."""
    names = check_digit_attributes(names)
    out = np.array(images, np.float32)
    attributes = np.asarray(attributes)
    if attributes.shape != (out.shape[0], len(names)):
        raise ValueError(
            f"attributes must be [{out.shape[0]}, {len(names)}] for {names}, got shape "
            f"{attributes.shape}"
        )
    for name in ATTRIBUTES:
        if name in names:
            rows = attributes[:, names.index(name)] > 0.5
            if rows.any():
                out[rows] = TRANSFORMS[name](out[rows])
    return out


def digit_attribute_dataset(
    name, split="train", *, batch_size, seed=0, image_size=None, attributes=ATTRIBUTES, **kwargs
):
    """The Dataset of ``name`` (``digits`` or ``mnist5k``) with ``attributes`` (a subset of
    ``ATTRIBUTES``) drawn per example (module docstring).

    ``kwargs`` are ``process_index`` and ``process_count``, as in ``jaxgen.data.load``.
    """
    image_size = offline.checked_split_and_size(
        name, split, image_size, made_from="a digit with attributes"
    )
    names = check_digit_attributes(attributes)
    images, labels = signed_split(name, split, image_size)

    def read(rows, draw_keys):
        drawn = np.array(
            [np.random.default_rng(key).integers(2, size=len(names)) for key in draw_keys],
            np.float32,
        ).reshape(*rows.shape, len(names))
        return {
            "image": compose(images[rows], drawn, names),
            "attributes": drawn,
            "label": labels[rows],
        }

    return finite_dataset(
        f"{name}_attributes",
        read,
        len(labels),
        batch_size=batch_size,
        seed=seed,
        element_spec={
            "image": (images.shape[1:], np.dtype(np.float32)),
            "attributes": ((len(names),), np.dtype(np.float32)),
            "label": ((), np.dtype(np.int32)),
        },
        info={"attributes": names, "format": "signed", "split": split},
        **kwargs,
    )


def attribute_dataset(
    name, split="train", *, attributes, batch_size, seed=0, image_size=None, data_dir=None, **kwargs
):
    """The multi-label Dataset of ``name``: ``tfds:<name>`` (``attributes`` named as the set
    names them, e.g. ``CELEBA``) or an offline digit set (``attributes`` from
    ``ATTRIBUTES``); images ``signed``. ``kwargs``: ``process_index``, ``process_count``."""
    if name.startswith("tfds:"):
        from jaxgen.data.tfds_source import tfds_dataset  # Imports TFDS, which is slow.

        return tfds_dataset(
            name.removeprefix("tfds:"),
            split,
            format="signed",
            image_size=image_size,
            data_dir=data_dir,
            attributes=tuple(attributes),
            batch_size=batch_size,
            seed=seed,
            **kwargs,
        )
    return digit_attribute_dataset(
        name,
        split,
        batch_size=batch_size,
        seed=seed,
        image_size=image_size,
        attributes=attributes,
        **kwargs,
    )
