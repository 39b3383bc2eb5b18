"""The demo's samples are digits: a classifier trained on real digits recognizes them.

The judge (``experiments/dcgan_digits/judge.py``) is a scikit-learn ``LogisticRegression``
on the ``digits`` train split. Its own quality is checked first, so that it cannot drift into
accepting anything. Acceptance (issue 3): of 1,000 samples of a ``dcgan_digits`` checkpoint,
at least 60% get a top probability ≥ 0.8 and every class gets at least 4% of the samples.
"""

import jax
import numpy as np
import pytest

import jaxgen
from experiments.dcgan_digits.judge import confident_share, digits_split, fit_judge, judge_samples
from jaxgen import recipes
from jaxgen.train import train


@pytest.fixture(scope="module")
def judge():
    return fit_judge()


def test_the_judge_knows_digits_from_noise(judge):
    features, labels = digits_split("test")
    assert np.mean(judge.predict(features) == labels) >= 0.95
    assert confident_share(judge, features) >= 0.75
    noise = np.random.default_rng(0).uniform(0, 1, (2000, 64))
    assert confident_share(judge, noise) <= 0.10


def test_demo_samples_are_recognizable_digits(judge, tmp_path):
    workdir = str(tmp_path / "demo")
    train(recipes.get("dcgan_digits"), workdir, progress=False)  # exactly what `make demo` runs
    recipe, state = jaxgen.load(workdir)
    images = recipe.sample(state, jax.random.PRNGKey(0), 1000)["image"]
    confident, shares = judge_samples(judge, images)
    print(f"confident {confident:.3f}, class shares {np.round(shares, 3)}")
    assert confident >= 0.60
    assert shares.min() >= 0.04
