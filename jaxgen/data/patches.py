"""Key local patches of digits: the parts of each digit, where they sit, and their mask.

Batches ``{"image", "parts", "present", "corners", "mask", "label"}`` for generation from parts
(Puzzle-GAN, Lee et al. 2018, ``jaxgen.game.parts``). Each example is a digit x of ``digits``
or ``mnist5k`` (``signed``: [−1, 1], ink high, ``[H, W, C]``) and a few square patches of side
p cut from it. Lee et al. take their key patches from an object-part detector (eyes, nose and
mouth boxes on faces); digits have no named parts, so here a patch is *key* where it holds ink:
the number of patches k is uniform in ``min_parts .. max_parts``, and their top-left corners
are k distinct positions of the (H − p + 1)² possible ones, drawn without replacement with
probability proportional to

    ink(corner) + ε·p²,   ink(corner) = Σ_{window} (x + 1) / 2,   ε = ``BLANK_WEIGHT``

so blank windows are rare but possible. The draw uses only the example's stream entropy
(``jaxgen.data.finite``: fresh parts per epoch, a pure function of the seed and the position;
the ordered pass ``epoch`` draws from the ordered-pass entropy, fixed by the seed).

Entries (P = ``max_parts``):

- ``image`` ``[H, W, C]``: the digit x;
- ``parts`` ``[P, p, p, C]``: the patches, in the order drawn; the rows past k are −1
  (background) and marked absent;
- ``present`` ``[P]`` float32: 1 for the k drawn patches, 0 for the padding rows;
- ``corners`` ``[P, 2]`` int32: (row, column) of each patch's top-left pixel (0 where absent);
- ``mask`` ``[H, W, 1]`` float32: the ground-truth mask M, 1 on the union of the present
  patches' windows, 0 elsewhere;
- ``label``: the digit class.

``draw_parts(image, rng, ...)`` makes the parts of one image from a ``numpy`` Generator, so the
same crops can be made outside a Dataset.
"""

import numpy as np

from jaxgen.data import offline
from jaxgen.data.captioned import signed_split
from jaxgen.data.finite import finite_dataset
from jaxgen.errors import UserError

BLANK_WEIGHT = 0.05  # ε: the weight of a window with no ink, per pixel of the window


def check_parts_config(image_size, patch_size, min_parts, max_parts):
    """One-line UserErrors for patch settings that cannot be drawn from ``image_size`` images."""
    if not 1 <= patch_size <= image_size:
        raise UserError(f"patch_size must be in 1 .. image_size = {image_size}, got {patch_size}")
    if not 1 <= min_parts <= max_parts:
        raise UserError(
            f"need 1 <= min_parts <= max_parts, got min_parts={min_parts}, max_parts={max_parts}"
        )
    corners = (image_size - patch_size + 1) ** 2
    if max_parts > corners:
        raise UserError(
            f"max_parts {max_parts} exceeds the {corners} distinct patch positions of a "
            f"{image_size}×{image_size} image with patch_size {patch_size}"
        )


def window_ink(image: np.ndarray, patch_size: int) -> np.ndarray:
    """``ink(corner)`` of every top-left corner: ``[H − p + 1, W − p + 1]`` sums of (x + 1) / 2
    over the p × p window (all channels)."""
    ink = ((np.asarray(image, np.float64) + 1) / 2).sum(axis=-1)
    padded = np.pad(ink.cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    p = patch_size
    return padded[p:, p:] - padded[:-p, p:] - padded[p:, :-p] + padded[:-p, :-p]


def draw_parts(image, rng, *, patch_size, min_parts, max_parts) -> dict:
    """The parts of one ``image`` ``[H, W, C]`` (signed) drawn with ``rng`` (a numpy
    Generator): ``{"parts", "present", "corners", "mask"}`` as in the module docstring."""
    image = np.asarray(image, np.float32)
    width, p = image.shape[1], patch_size
    count = int(rng.integers(min_parts, max_parts + 1))
    weights = window_ink(image, p) + BLANK_WEIGHT * p * p
    flat = rng.choice(weights.size, size=count, replace=False, p=(weights / weights.sum()).ravel())
    corners = np.stack(np.divmod(flat, width - p + 1), axis=1)
    return cut_parts(image, corners, patch_size=p, max_parts=max_parts)


def cut_parts(image, corners, *, patch_size, max_parts) -> dict:
    """The p×p windows of ``image`` ``[H, W, C]`` at the top-left ``corners`` ``[k, 2]`` (row,
    column; k ≤ ``max_parts``) as ``{"parts", "present", "corners", "mask"}`` of the module
    docstring, padded to ``max_parts`` rows."""
    image = np.asarray(image, np.float32)
    height, width, channels = image.shape
    p = patch_size
    parts = -np.ones((max_parts, p, p, channels), np.float32)
    present = np.zeros(max_parts, np.float32)
    padded_corners = np.zeros((max_parts, 2), np.int32)
    mask = np.zeros((height, width, 1), np.float32)
    for i, (row, col) in enumerate(np.asarray(corners, np.int64)):
        parts[i] = image[row : row + p, col : col + p]
        present[i] = 1
        padded_corners[i] = row, col
        mask[row : row + p, col : col + p] = 1
    return {"parts": parts, "present": present, "corners": padded_corners, "mask": mask}


def parts_spec(image_shape, patch_size, max_parts) -> dict:
    """The ``element_spec`` entries of ``{"parts", "present", "corners", "mask"}`` for images
    of ``image_shape`` ``(H, W, C)``."""
    p, channels = patch_size, image_shape[-1]
    return {
        "parts": ((max_parts, p, p, channels), np.dtype(np.float32)),
        "present": ((max_parts,), np.dtype(np.float32)),
        "corners": ((max_parts, 2), np.dtype(np.int32)),
        "mask": ((*image_shape[:2], 1), np.dtype(np.float32)),
    }


def parts_dataset(
    name,
    split="train",
    *,
    batch_size,
    seed=0,
    image_size=None,
    patch_size,
    min_parts,
    max_parts,
    **kwargs,
):
    """The Dataset of ``name`` (``digits`` or ``mnist5k``) with key patches (module docstring).

    ``kwargs`` are ``process_index`` and ``process_count``, as in ``jaxgen.data.load``.
    """
    image_size = offline.checked_split_and_size(name, split, image_size, made_from="a part set")
    check_parts_config(image_size, patch_size, min_parts, max_parts)
    images, labels = signed_split(name, split, image_size)
    settings = {"patch_size": patch_size, "min_parts": min_parts, "max_parts": max_parts}

    def read(rows, draw_keys):
        drawn = [
            draw_parts(images[row], np.random.default_rng(key), **settings)
            for row, key in zip(np.ravel(rows), draw_keys, strict=True)
        ]
        batch = {k: np.stack([d[k] for d in drawn]) for k in drawn[0]}
        return {"image": images[rows], **batch, "label": labels[rows]}

    return finite_dataset(
        f"{name}_parts",
        read,
        len(labels),
        batch_size=batch_size,
        seed=seed,
        element_spec={
            "image": (images.shape[1:], np.dtype(np.float32)),
            **parts_spec(images.shape[1:], patch_size, max_parts),
            "label": ((), np.dtype(np.int32)),
        },
        info={"format": "signed", "split": split, **settings},
        **kwargs,
    )
