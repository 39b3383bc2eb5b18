"""A judge of 8×8 digit samples: does a classifier trained on real digits recognize them?

A scikit-learn ``LogisticRegression`` (C = 0.4) on pixels scaled to [0, 1], trained on the
``digits`` train split. Measured by ``tests/test_demo.py``: ~97% accurate on the test split,
~80% of real test digits get a top probability ≥ 0.8, uniform noise ~6%.
"""

import numpy as np
from sklearn.linear_model import LogisticRegression

from experiments.entry import run_command
from jaxgen import data

CONFIDENCE = 0.8


def pixels(images):
    """images [N, 8, 8, 1] in [−1, 1] → features [N, 64] in [0, 1]."""
    return (np.asarray(images, np.float64).reshape(len(images), -1) + 1) / 2


def digits_split(split):
    """``(features, labels)`` of a ``digits`` split."""
    batches = list(data.load("digits", split, batch_size=256).epoch())
    images = np.concatenate([b["image"] for b in batches])
    return pixels(images), np.concatenate([b["label"] for b in batches])


def fit_judge():
    features, labels = digits_split("train")
    return LogisticRegression(C=0.4, max_iter=5000).fit(features, labels)


def confident_share(judge, features):
    """The share of rows whose top class probability is at least ``CONFIDENCE``."""
    return float(np.mean(judge.predict_proba(features).max(axis=1) >= CONFIDENCE))


def judge_samples(judge, images):
    """``(confident share, class shares [10])`` of generated images [N, 8, 8, 1]."""
    probabilities = judge.predict_proba(pixels(images))
    shares = np.bincount(probabilities.argmax(axis=1), minlength=10) / len(images)
    return float(np.mean(probabilities.max(axis=1) >= CONFIDENCE)), shares


def main():
    """``python -m experiments.dcgan_digits.judge WORKDIR``: judges 1,000 samples of a run."""
    import sys

    import jax

    import jaxgen

    judge = fit_judge()
    features, labels = digits_split("test")
    print(
        f"judge on real test digits: accuracy {np.mean(judge.predict(features) == labels):.3f}, "
        f"confident {confident_share(judge, features):.3f}; on uniform noise: confident "
        f"{confident_share(judge, np.random.default_rng(0).uniform(0, 1, (2000, 64))):.3f}"
    )
    recipe, state = jaxgen.load(sys.argv[1])
    images = recipe.sample(state, jax.random.PRNGKey(0), 1000)["image"]
    confident, shares = judge_samples(judge, images)
    print(
        f"{recipe.name} step {int(state.step)}, 1,000 samples: confident {confident:.3f}, "
        f"class shares {np.array2string(shares, precision=3)}"
    )


if __name__ == "__main__":
    run_command(main)
