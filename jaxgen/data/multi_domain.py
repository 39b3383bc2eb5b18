"""Several image domains of the same digits: batches ``{"image", "domain", "label"}``.

For translation between many domains with one model (StarGAN, ``jaxgen.game.stargan``). Each
domain is the digit set (``digits`` or ``mnist5k``, ``signed``: [−1, 1], ink high) under one
known, deterministic transformation T_k, in the order of ``DOMAINS``:

    0 identity   T_0(x) = x
    1 rotated    T_1(x) = x turned 90° anticlockwise (``np.rot90`` over H, W)
    2 thickened  T_2(x)[i, j] = max_{|di| ≤ 1, |dj| ≤ 1} x[i + di, j + dj]  (3×3 grey dilation,
                 pixels outside the image count as background −1)
    3 inverted   T_3(x) = −x

Every example of a pass gets one domain, drawn uniformly from the example's stream entropy
(``jaxgen.data.finite``: a fresh draw per epoch, so the stream stays a pure function of the
seed and the position; the ordered pass ``epoch`` draws from the ordered-pass entropy, fixed by
the seed). ``image`` is T_domain(x), ``domain`` the int domain, ``label`` the digit class.
``transform(images, domains)`` applies the T's to arrays, so a model's translations can be
scored against them.
"""

import numpy as np

from jaxgen.data import domains as two_domains
from jaxgen.data import offline
from jaxgen.data.captioned import signed_split
from jaxgen.data.finite import finite_dataset
from jaxgen.errors import UserError

DOMAINS = ("identity", "rotated", "thickened", "inverted")


def _check_images(images):
    images = np.asarray(images, np.float32)
    if images.ndim != 4:
        raise ValueError(f"images must be [batch, H, W, C], got shape {images.shape}")
    return images


def rotate(images) -> np.ndarray:
    """T_1: ``images`` ``[B, H, W, C]`` turned 90° anticlockwise (needs H = W)."""
    return np.rot90(_check_images(images), 1, axes=(1, 2)).copy()


def thicken(images) -> np.ndarray:
    """T_2: a 3×3 maximum filter of ``images`` ``[B, H, W, C]`` (−1 outside the image)."""
    # jaxgen.data.domains.transform is −(this filter): CycleGAN's thickened and inverted domain.
    return -two_domains.transform(_check_images(images))


def invert(images) -> np.ndarray:
    """T_3: ``−images``."""
    return -_check_images(images)


TRANSFORMS = (_check_images, rotate, thicken, invert)


def transform(images, domains) -> np.ndarray:
    """``T_{domains[i]}(images[i])`` for each row: ``images`` ``[B, H, W, C]`` in [−1, 1],
    ``domains`` ints ``[B]`` in 0 .. len(DOMAINS) − 1; float32 ``[B, H, W, C]``."""
    images = _check_images(images)
    domains = np.asarray(domains)
    if domains.shape != images.shape[:1]:
        raise ValueError(f"domains must be [{images.shape[0]}], got shape {domains.shape}")
    if domains.size and (domains.min() < 0 or domains.max() >= len(DOMAINS)):
        raise ValueError(f"domains must be in 0 .. {len(DOMAINS) - 1}, got {np.unique(domains)}")
    out = np.empty_like(images)
    for k, transform_k in enumerate(TRANSFORMS):
        rows = domains == k
        if rows.any():
            out[rows] = transform_k(images[rows])
    return out


def multi_domain_dataset(
    name, split="train", *, batch_size, seed=0, image_size=None, num_domains=None, **kwargs
):
    """The Dataset of ``name`` (``digits`` or ``mnist5k``) in ``num_domains`` domains, the first
    ``num_domains`` of ``DOMAINS`` (module docstring; None: all of them).

    ``kwargs`` are ``process_index`` and ``process_count``, as in ``jaxgen.data.load``.
    """
    image_size = offline.checked_split_and_size(name, split, image_size, made_from="a digit domain")
    num_domains = len(DOMAINS) if num_domains is None else num_domains
    if not 2 <= num_domains <= len(DOMAINS):
        raise UserError(f"num_domains must be in 2 .. {len(DOMAINS)}, got {num_domains}")
    images, labels = signed_split(name, split, image_size)

    def read(rows, draw_keys):
        chosen = np.array(
            [np.random.default_rng(key).integers(num_domains) for key in draw_keys], np.int32
        ).reshape(rows.shape)
        return {
            "image": transform(images[rows], chosen),
            "domain": chosen,
            "label": labels[rows],
        }

    return finite_dataset(
        f"{name}_domains",
        read,
        len(labels),
        batch_size=batch_size,
        seed=seed,
        element_spec={
            "image": (images.shape[1:], np.dtype(np.float32)),
            "domain": ((), np.dtype(np.int32)),
            "label": ((), np.dtype(np.int32)),
        },
        info={"num_domains": num_domains, "format": "signed", "split": split},
        **kwargs,
    )
