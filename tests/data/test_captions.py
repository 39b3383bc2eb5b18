"""Digit captions: the measured properties against shapes whose values are known exactly, the
bins against the train split's terciles, and the tokenizer's round trip."""

import numpy as np
import pytest

from jaxgen.data import captions
from jaxgen.metrics.features.cache import signed_split


def line(shear, size=9, column=4):
    """A signed image with one pixel per row at col = column + shear·(row counted upward)."""
    image = -np.ones((size, size, 1))
    for up in range(size):
        col = column + shear * (up - size // 2)
        if 0 <= col < size:
            image[size - 1 - up, int(col), 0] = 1.0
    return image


@pytest.mark.parametrize("shear", [-1, 0, 1])
def test_slant_of_a_straight_stroke_is_its_shear(shear):
    values = captions.measure(line(shear)[None])
    np.testing.assert_allclose(values["slant"], [shear], atol=1e-12)


def test_thickness_is_the_mean_ink():
    image = -np.ones((1, 4, 4, 1))
    image[0, :2, :, 0] = 1.0  # 8 of 16 pixels full
    image[0, 2, 0, 0] = 0.0  # one at half intensity
    np.testing.assert_allclose(captions.measure(image)["thickness"], [8.5 / 16])


def test_a_blank_image_measures_zero():
    values = captions.measure(-np.ones((1, 5, 5, 1)))
    assert values["thickness"][0] == 0 and values["slant"][0] == 0


@pytest.fixture(scope="module")
def digits():
    images, labels = signed_split("digits", "train")
    return images, labels, captions.property_cuts(images)


def test_captions_name_the_digit_and_split_each_property_in_thirds(digits):
    images, labels, cuts = digits
    texts = captions.captions(images, labels, cuts)
    assert texts == captions.captions(images, labels, cuts)  # deterministic
    for text, label in zip(texts, labels, strict=True):
        assert text.startswith("a ") and text.endswith(captions.DIGITS[label])
    n = len(texts)
    for words in (("thin",), ("thick",), ("left-slanted",), ("upright",), ("right-slanted",)):
        share = sum(any(w in text.split() for w in words) for text in texts) / n
        assert abs(share - 1 / 3) < 0.02, (words, share)


def test_tokenize_round_trips_and_names_unknown_words(digits):
    images, labels, cuts = digits
    texts = captions.captions(images[:50], labels[:50], cuts)
    ids = captions.tokenize(texts)
    assert ids.shape == (50, captions.MAX_WORDS) and ids.dtype == np.int32
    assert captions.detokenize(ids) == texts
    assert captions.tokenize(["a thin upright seven"]).tolist() == [
        [captions.VOCABULARY.index(w) for w in ("a", "thin", "upright", "seven")]
    ]
    with pytest.raises(ValueError, match="unknown word 'slim'"):
        captions.tokenize(["a slim seven"])
    with pytest.raises(ValueError, match="expected grayscale images"):
        captions.measure(np.zeros((2, 8, 8)))
