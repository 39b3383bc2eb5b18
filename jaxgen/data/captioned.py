"""Captioned digits: ``digits`` and ``mnist5k`` with a generated caption and a wrong one per image.

The text-to-image GAN (Reed et al. 2016) needs, in every batch, each image's own text and a
text that does *not* describe it (the matching-aware discriminator's third kind of pair). Each
example of ``captioned_dataset`` holds:

- ``image`` (signed, [−1, 1]) and ``label``, as ``jaxgen.data.load`` gives them;
- ``caption``: the index of its caption in ``captions.ALL_CAPTIONS`` (label + thickness and
  slant bins, cut at the terciles of the *train* split at the same image size);
- ``text``: the caption's word ids ``[MAX_WORDS]`` (``captions.tokenize``);
- ``wrong_text``: the word ids of a caption drawn uniformly from the 89 others, redrawn for
  every pass from the example's stream entropy (so the stream stays a pure function of the
  seed and the position), hence never the right one.
"""

import numpy as np

from jaxgen.data import captions, formats, offline
from jaxgen.data.finite import finite_dataset

TOKENS = captions.tokenize(captions.ALL_CAPTIONS)  # [90, MAX_WORDS] word ids of every caption
TOKENS.flags.writeable = False


def signed_split(name, split, image_size):
    """Signed images ([−1, 1]) and labels of one split at ``image_size``."""
    source = offline.SOURCES[name]
    images, labels = offline.split_arrays(name, split, image_size)
    return images / np.float32(source.max_value) * 2 - 1, labels


def property_cuts(name: str, image_size: int) -> dict:
    """The thickness and slant terciles of ``name``'s train split at ``image_size``."""
    return captions.property_cuts(signed_split(name, "train", image_size)[0])


def captioned_dataset(name, split="train", *, batch_size, seed=0, image_size=None, **kwargs):
    """The Dataset of captioned ``digits`` or ``mnist5k`` (module docstring).

    ``kwargs`` are ``process_index`` and ``process_count``, as in ``jaxgen.data.load``.
    """
    image_size = offline.checked_split_and_size(name, split, image_size, made_from="a caption")
    source = offline.SOURCES[name]
    cuts = property_cuts(name, image_size)
    raw_images, labels = offline.split_arrays(name, split, image_size)
    images = raw_images / np.float32(source.max_value) * 2 - 1
    indices = captions.caption_indices(images, labels, cuts)

    def read(rows, draw_keys):
        right = indices[rows]
        wrong = np.array(
            [
                captions.wrong_indices(np.random.default_rng(key), index)
                for key, index in zip(draw_keys, right, strict=True)
            ],
            np.int32,
        ).reshape(right.shape)
        return {
            "image": formats.encode(raw_images[rows], "signed", source.max_value, draw_keys),
            "label": labels[rows],
            "caption": right,
            "text": TOKENS[right],
            "wrong_text": TOKENS[wrong],
        }

    words = (captions.MAX_WORDS,)
    return finite_dataset(
        f"{name}_captions",
        read,
        len(labels),
        batch_size=batch_size,
        seed=seed,
        element_spec={
            "image": (images.shape[1:], np.dtype(np.float32)),
            "label": ((), np.dtype(np.int32)),
            "caption": ((), np.dtype(np.int32)),
            "text": (words, np.dtype(np.int32)),
            "wrong_text": (words, np.dtype(np.int32)),
        },
        info={"num_classes": 10, "format": "signed", "split": split, "cuts": cuts},
        **kwargs,
    )
