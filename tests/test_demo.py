"""The demo's samples are digits: a classifier trained on real digits recognizes them.

The judge (``experiments/dcgan_digits/judge.py``) is a scikit-learn ``LogisticRegression``
on the ``digits`` train split. Its own quality is checked first, so that it cannot drift into
accepting anything. Acceptance (issue 3): of 1,000 samples of a ``dcgan_digits`` checkpoint,
at least 60% get a top probability ≥ 0.8 and every class gets at least 4% of the samples. That
full check trains for minutes and is marked ``slow`` (``make test-slow``); ``make test`` runs
its CI-sized variant at 1,000 steps.
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


def judged_demo(judge, workdir, **overrides):
    """``(confident share, class shares)`` of 1,000 samples of ``dcgan_digits`` trained with
    ``overrides`` (none: exactly what `make demo` runs)."""
    train(recipes.get("dcgan_digits", **overrides), workdir, progress=False)
    recipe, state = jaxgen.load(workdir)
    images = recipe.sample(state, jax.random.PRNGKey(0), 1000)["image"]
    confident, shares = judge_samples(judge, images)
    print(f"confident {confident:.3f}, class shares {np.round(shares, 3)}")
    return confident, shares


@pytest.mark.slow
def test_demo_samples_are_recognizable_digits(judge, tmp_path):
    """The acceptance itself: `make demo`'s 8,000 steps (~4-8 min on 2 cores; `make test-slow`)."""
    confident, shares = judged_demo(judge, str(tmp_path / "demo"))
    assert confident >= 0.60
    assert shares.min() >= 0.04


def test_demo_training_makes_recognizable_digits_of_every_class(judge, tmp_path):
    """The CI-sized variant of the acceptance: the demo's recipe at an eighth of its steps.

    On the project's machine the share of confident samples grows with the steps as 21% (500),
    38% (1,000), 44% (1,500), 51% (2,000), 52% (3,000) and 66% (8,000), the smallest class
    share staying near 7% from 1,000 steps on (`jaxgen train dcgan_digits --set steps=S`, then
    `python -m experiments.dcgan_digits.judge WORKDIR`). At 1,000 steps seeds 0, 1 and 2 give
    38.0%, 33.5% and 33.5% (smallest class 6.0-6.9%; `--set seed=S`), so the bound of 25%
    leaves room for another CPU's rounding; uniform noise judged like this scores 6%.
    """
    confident, shares = judged_demo(judge, str(tmp_path / "demo"), steps=1000)
    assert confident >= 0.25
    assert shares.min() >= 0.04
