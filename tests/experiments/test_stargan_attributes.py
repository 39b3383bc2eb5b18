"""The multi-label StarGAN experiment's judges (``experiments.stargan.attributes``): the
combination codes, and ``evaluate`` against a generator that returns the true composition and
one that returns its input."""

import numpy as np
import pytest

from experiments.stargan import attributes
from jaxgen.data import multi_label
from jaxgen.data.captioned import signed_split
from jaxgen.recipes import registry, stargan

NAMES = ("thickened", "rotated", "inverted")


def test_codes_number_the_combinations_in_order():
    table = attributes.combinations(3)
    assert table.shape == (8, 3)
    np.testing.assert_array_equal(attributes.codes(table), np.arange(8))
    np.testing.assert_array_equal(table[5], [1, 0, 1])  # 5 = 101: thickened and inverted


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    recipe = stargan.factories(registry.configured)["stargan_digits"](
        preset="tiny", attributes=",".join(NAMES), num_domains=3
    )
    images, labels = signed_split("digits", "train", 8)
    images, combination, labels = attributes.every_combination(images, labels, NAMES)
    settings, classifiers = attributes.fit_cached(
        300, images, {"combination": combination, "digit": labels}, tmp_path_factory.mktemp("c")
    )
    return recipe, settings, classifiers


def test_a_generator_returning_the_true_composition_scores_the_ceilings(fitted, monkeypatch):
    recipe, settings, classifiers = fitted
    test_images, _ = signed_split("digits", "test", 8)

    def oracle(recipe, state, inputs, target):
        return multi_label.compose(test_images, np.tile(target, (len(inputs), 1)), NAMES)

    monkeypatch.setattr(stargan, "translate", oracle)
    results = attributes.evaluate(recipe, None, settings, classifiers, NAMES)
    assert results["translations"] == 8 * 3 * len(test_images)
    assert results["translation_error"] == 0 and results["unchanged_error"] > 0.5
    assert results["composition_accuracy"] > 0.97  # ties: digits that a turn maps to themselves
    # every translation is a real composition, so the classifiers score their ceilings
    np.testing.assert_allclose(
        results["attributes_accuracy"], results["real_attributes_accuracy"], atol=0.02
    )
    np.testing.assert_allclose(results["digit_accuracy"], results["real_digit_accuracy"], atol=0.02)


def test_a_generator_returning_its_input_flips_nothing(fitted, monkeypatch):
    recipe, settings, classifiers = fitted
    monkeypatch.setattr(stargan, "translate", lambda recipe, state, inputs, target: inputs)
    results = attributes.evaluate(recipe, None, settings, classifiers, NAMES)
    np.testing.assert_allclose(results["translation_error"], results["unchanged_error"])
    assert results["composition_accuracy"] < 0.03
    assert results["attributes_accuracy"] < 0.05
    for name in NAMES:
        for direction in ("set", "cleared"):
            assert results["per_attribute"][name][direction]["composition_accuracy"] < 0.05
