"""Captions of digit images made from their labels and measured strokes, for text-to-image GANs.

Reed et al. 2016 ("Generative Adversarial Text to Image Synthesis") train on images with
human captions. Offline, ``digits`` and ``mnist5k`` have labels only, so each image gets a
caption generated deterministically from its label and two properties measured from its
pixels, so that a model must read the text to draw the right digit in the right style:

- **thickness**: the mean ink, x̄ = mean over pixels of the intensity p ∈ [0, 1];
- **slant**: the shear of the ink, s = Cov_p(col, row) / Var_p(row), with the moments taken
  over pixel coordinates weighted by intensity and rows counted upward (s > 0: the top leans
  right, like an italic; s = 0: upright).

Each property is cut into three bins at the terciles of the train split (``property_cuts``),
named ``thin`` / ``""`` / ``thick`` and ``left-slanted`` / ``upright`` / ``right-slanted``;
the caption is ``"a {thickness} {slant} {digit}"`` with empty words dropped, e.g. ``"a thin
right-slanted seven"``. ``tokenize`` maps captions to word ids over the fixed ``VOCABULARY``
(0 pads), so a text encoder sees one small, closed vocabulary.

There are 10 × 3 × 3 = 90 captions (``ALL_CAPTIONS``, ordered digit-major, then thickness,
then slant); ``caption_indices`` gives each image's index in that table, which is how a data
set draws a caption that is guaranteed to be wrong for an image (``wrong_indices``).
"""

import numpy as np

DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
THICKNESS = ("thin", "", "thick")
SLANT = ("left-slanted", "upright", "right-slanted")
VOCABULARY = ("<pad>", "a", *[w for w in THICKNESS + SLANT if w], *DIGITS)
MAX_WORDS = 4  # "a", thickness, slant, digit


def _caption(digit, thickness, slant):
    words = ["a", THICKNESS[thickness], SLANT[slant], DIGITS[digit]]
    return " ".join(word for word in words if word)


ALL_CAPTIONS = tuple(
    _caption(d, t, s) for d in range(len(DIGITS)) for t in range(3) for s in range(3)
)


def measure(images) -> dict:
    """``{"thickness": [B], "slant": [B]}`` of ``images [B, H, W, 1]`` in [−1, 1] (signed)."""
    images = np.asarray(images, np.float64)
    if images.ndim != 4 or images.shape[-1] != 1:
        raise ValueError(f"expected grayscale images [B, H, W, 1], got shape {images.shape}")
    ink = (images[..., 0] + 1) / 2  # [B, H, W] in [0, 1]
    height, width = ink.shape[1:]
    rows = (height - 1 - np.arange(height))[:, None] * np.ones((1, width))  # upward
    cols = np.ones((height, 1)) * np.arange(width)[None, :]
    mass = ink.sum((1, 2))
    safe = np.where(mass > 0, mass, 1.0)
    mean_row = (ink * rows).sum((1, 2)) / safe
    mean_col = (ink * cols).sum((1, 2)) / safe
    d_row = rows[None] - mean_row[:, None, None]
    d_col = cols[None] - mean_col[:, None, None]
    var_row = (ink * d_row**2).sum((1, 2)) / safe
    cov = (ink * d_row * d_col).sum((1, 2)) / safe
    slant = np.where(var_row > 0, cov / np.where(var_row > 0, var_row, 1.0), 0.0)
    return {"thickness": ink.mean((1, 2)), "slant": slant}


def property_cuts(images) -> dict:
    """The terciles of each property over ``images`` (the train split): ``{name: (lo, hi)}``."""
    values = measure(images)
    return {name: tuple(np.quantile(v, [1 / 3, 2 / 3])) for name, v in values.items()}


def caption_indices(images, labels, cuts) -> np.ndarray:
    """Each image's caption as an index into ``ALL_CAPTIONS`` (int32 ``[B]``): its label and its
    properties binned at ``cuts``."""
    values = measure(images)
    labels = np.asarray(labels)
    if labels.shape != (len(values["slant"]),):
        raise ValueError(f"expected one label per image, got {labels.shape} for {len(labels)}")
    thickness = np.digitize(values["thickness"], cuts["thickness"])
    slant = np.digitize(values["slant"], cuts["slant"])
    return (labels.astype(np.int64) * 9 + thickness * 3 + slant).astype(np.int32)


def captions(images, labels, cuts) -> list[str]:
    """One caption per image, from its label and its properties binned at ``cuts``."""
    return [ALL_CAPTIONS[i] for i in caption_indices(images, labels, cuts)]


def parts(indices) -> dict:
    """``{"digit", "thickness", "slant"}``, each int ``[B]``, of caption indices (bins 0, 1, 2:
    thin / medium / thick and left / upright / right)."""
    indices = np.asarray(indices)
    return {"digit": indices // 9, "thickness": indices // 3 % 3, "slant": indices % 3}


def wrong_indices(rng: np.random.Generator, indices) -> np.ndarray:
    """For each caption index, another one drawn uniformly from the 89 others."""
    indices = np.asarray(indices)
    shift = rng.integers(1, len(ALL_CAPTIONS), size=indices.shape)
    return ((indices + shift) % len(ALL_CAPTIONS)).astype(np.int32)


def tokenize(texts) -> np.ndarray:
    """Word ids ``[B, MAX_WORDS]`` (int32, 0-padded) of captions over ``VOCABULARY``; a word
    outside it is a ValueError that names it."""
    index = {word: i for i, word in enumerate(VOCABULARY)}
    ids = np.zeros((len(texts), MAX_WORDS), np.int32)
    for row, text in enumerate(texts):
        words = text.split()
        if len(words) > MAX_WORDS:
            raise ValueError(f"caption {text!r} has {len(words)} words; at most {MAX_WORDS}")
        for column, word in enumerate(words):
            if word not in index:
                raise ValueError(
                    f"unknown word {word!r} in {text!r}: captions use {', '.join(VOCABULARY[1:])}"
                )
            ids[row, column] = index[word]
    return ids


def detokenize(ids) -> list[str]:
    """The captions of word ids (``tokenize``'s inverse)."""
    return [" ".join(VOCABULARY[i] for i in row if i) for row in np.asarray(ids)]
