"""Toy mixtures of 2-D Gaussians, the standard test of mode collapse.

- ``ring8``: 8 Gaussians with centers ``(cos 2πk/8, sin 2πk/8)`` on the unit circle, std 0.01.
- ``grid25``: 25 Gaussians with centers on the grid ``{-4, -2, 0, 2, 4}²``, std 0.05.

These are the 2D-ring and 2D-grid of PacGAN (Lin, Khetan, Fanti & Oh, "PacGAN: The power of
two samples in generative adversarial networks", NeurIPS 2018): variances 1e-4 and 2.5e-3.

Points are drawn on the fly: global batch p draws, from ``streams.batch_rng(seed, p)``, a mode
uniformly for each point and then Gaussian noise. Batches are ``{"x": float32 [B, 2],
"label": int32 [B]}`` (the mode index). ``Dataset.epoch`` yields a fixed evaluation set of
``NUM_EVAL_EXAMPLES`` points drawn from a stream that no training batch uses. A mixture has no
splits: ``train`` and ``test`` give the same Dataset.
"""

from typing import NamedTuple

import numpy as np

from jaxgen.data import streams
from jaxgen.data.dataset import Dataset
from jaxgen.errors import UserError

NUM_EVAL_EXAMPLES = 10_000
SPLITS = ("train", "test")


class Mixture(NamedTuple):
    """An equal-weight mixture of isotropic Gaussians: ``centers [modes, 2]`` and their std."""

    centers: np.ndarray
    std: float


def _ring(num_modes, radius):
    angles = 2 * np.pi * np.arange(num_modes) / num_modes
    return radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)


def _grid(values):
    return np.array([(x, y) for x in values for y in values], np.float64)


MIXTURES = {
    "ring8": Mixture(_ring(8, radius=1.0), std=0.01),
    "grid25": Mixture(_grid([-4.0, -2.0, 0.0, 2.0, 4.0]), std=0.05),
}


def sample(mixture, rng, num_points):
    """``num_points`` points of ``mixture`` drawn with ``rng``: ``{"x", "label"}``."""
    labels = rng.integers(len(mixture.centers), size=num_points)
    noise = rng.normal(scale=mixture.std, size=(num_points, 2))
    points = mixture.centers[labels] + noise
    return {"x": points.astype(np.float32), "label": labels.astype(np.int32)}


def mixture_dataset(name, split, **dataset_kwargs):
    """The Dataset of toy mixture ``name``; ``dataset_kwargs`` as in ``Dataset``."""
    if split not in SPLITS:
        raise UserError(f"{name} has no split {split!r}; its splits are {', '.join(SPLITS)}")
    mixture = MIXTURES[name]

    # The closures read the batch size and seed that the Dataset has validated.
    def rows(position, start, stop):
        points = sample(mixture, streams.batch_rng(dataset.seed, position), dataset.batch_size)
        return {key: value[start:stop] for key, value in points.items()}

    def ordered(batch_size):
        points = sample(mixture, streams.mixture_evaluation_rng(dataset.seed), NUM_EVAL_EXAMPLES)
        for first in range(0, NUM_EVAL_EXAMPLES, batch_size):
            yield {key: value[first : first + batch_size] for key, value in points.items()}

    dataset = Dataset(
        name,
        rows,
        ordered,
        num_examples=None,
        element_spec={"x": ((2,), np.dtype(np.float32)), "label": ((), np.dtype(np.int32))},
        info={
            "centers": mixture.centers.copy(),
            "std": mixture.std,
            "num_eval_examples": NUM_EVAL_EXAMPLES,
        },
        **dataset_kwargs,
    )
    return dataset
