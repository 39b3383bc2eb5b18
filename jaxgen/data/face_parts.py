"""Key local patches of faces, cut at their landmarks: batches as ``jaxgen.data.patches``'.

Puzzle-GAN (Lee et al. 2018, ``jaxgen.game.parts``) takes the key patches of a face from a
part detector: eyes, nose, mouth. Here they are cut at the landmarks that TFDS's ``celeb_a``
stores for every aligned face (``jaxgen.data.tfds_source``: ``lefteye``, ``righteye``,
``nose``, ``leftmouth``, ``rightmouth``, moved with the image's center crop and resize), one
part per entry of ``FACE_PARTS``, the mouth's point the midpoint of its two corners. A part is
the p×p window centered at its point (top-left corner round(point − (p − 1)/2), moved inside
the image). The number of parts k is uniform in ``min_parts .. max_parts`` (at most 4) and the
k parts are drawn without replacement, both from the example's stream entropy (fresh per
epoch; the ordered pass's fixed by the seed), as the digits' parts are.

Entries: ``image`` (signed, ``[H, W, C]``), ``parts``, ``present``, ``corners``, ``mask`` as
in ``jaxgen.data.patches``; no ``label``.
"""

import numpy as np

from jaxgen.data import patches
from jaxgen.errors import UserError

# each part and the landmark points whose mean is its center
FACE_PARTS = {
    "left_eye": ("lefteye",),
    "right_eye": ("righteye",),
    "nose": ("nose",),
    "mouth": ("leftmouth", "rightmouth"),
}
POINTS = ("lefteye", "righteye", "nose", "leftmouth", "rightmouth")  # read in this order


def part_centers(landmarks) -> np.ndarray:
    """The center (row, column) of each of ``FACE_PARTS`` from ``landmarks`` ``[B, 5, 2]`` of
    the ``POINTS``: ``[B, 4, 2]``."""
    landmarks = np.asarray(landmarks, np.float32)
    return np.stack(
        [
            np.mean([landmarks[:, POINTS.index(p)] for p in points], axis=0)
            for points in FACE_PARTS.values()
        ],
        axis=1,
    )


def window_corners(centers, patch_size, image_size) -> np.ndarray:
    """The top-left corner of the p×p window centered at each of ``centers`` ``[..., 2]``,
    moved inside an ``image_size`` square: int32 ``[..., 2]``."""
    corners = np.round(np.asarray(centers, np.float64) - (patch_size - 1) / 2)
    return np.clip(corners, 0, image_size - patch_size).astype(np.int32)


def check_face_parts(image_size, patch_size, min_parts, max_parts):
    """One-line UserErrors for part settings that faces cannot give."""
    patches.check_parts_config(image_size, patch_size, min_parts, max_parts)
    if max_parts > len(FACE_PARTS):
        raise UserError(
            f"a face has {len(FACE_PARTS)} key parts ({', '.join(FACE_PARTS)}): max_parts must "
            f"be at most {len(FACE_PARTS)}, got {max_parts}"
        )


def face_parts_dataset(
    name,
    split="train",
    *,
    batch_size,
    seed=0,
    image_size,
    patch_size,
    min_parts,
    max_parts,
    data_dir=None,
    **kwargs,
):
    """The Dataset of ``tfds:<name>`` (a set with the landmarks ``POINTS``, e.g.
    ``tfds:celeb_a``) with the key patches of each face (module docstring). ``kwargs``:
    ``process_index``, ``process_count``."""
    from jaxgen.data import tfds_source  # Imports TFDS, which is slow.

    if not name.startswith(tfds_source.PREFIX):
        raise UserError(
            f"face parts are cut from a TFDS set with landmarks, e.g. tfds:celeb_a; got {name!r}"
        )
    check_face_parts(image_size, patch_size, min_parts, max_parts)

    def add_parts(batch, draw_keys):
        corners = window_corners(part_centers(batch["landmarks"]), patch_size, image_size)
        drawn = []
        for image, windows, key in zip(batch["image"], corners, draw_keys, strict=True):
            rng = np.random.default_rng(key)
            count = int(rng.integers(min_parts, max_parts + 1))
            chosen = rng.choice(len(FACE_PARTS), size=count, replace=False)
            drawn.append(
                patches.cut_parts(
                    image, windows[chosen], patch_size=patch_size, max_parts=max_parts
                )
            )
        return {"image": batch["image"], **{k: np.stack([d[k] for d in drawn]) for k in drawn[0]}}

    def spec(element_spec):
        shape = element_spec["image"][0]
        return {"image": element_spec["image"], **patches.parts_spec(shape, patch_size, max_parts)}

    return tfds_source.tfds_dataset(
        name.removeprefix(tfds_source.PREFIX),
        split,
        format="signed",
        image_size=image_size,
        data_dir=data_dir,
        landmarks=POINTS,
        derive=(add_parts, spec),
        batch_size=batch_size,
        seed=seed,
        **kwargs,
    )
