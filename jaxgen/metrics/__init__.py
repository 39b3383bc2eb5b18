"""Statistics of samples, kept apart from feature extraction (DESIGN.md).

Every function takes features (or class probabilities, or points) as arrays: the network that
makes them is the caller's, so each statistic is checked against numpy/scipy without weights.

- frechet: ``frechet_distance``, ``gaussian_statistics``, ``fid`` (Heusel et al. 2017)
- kid: ``kid`` (Bińkowski et al. 2018, torch-fidelity's subsets)
- inception_score: ``inception_score`` (Salimans et al. 2016)
- manifold: ``precision_recall`` (Kynkäänniemi et al. 2019), ``density_coverage`` (Naeem et
  al. 2020), on chunked k-NN distances (``neighbors``)
- modes: ``mode_coverage`` (modes covered, high-quality rate and mode KL on toy Gaussian
  mixtures, the VEEGAN/PacGAN protocol), ``label_mode_coverage`` (modes a classifier assigns,
  e.g. stacked MNIST's 1,000)
- likelihood: ``bits_per_dim``, ``anomaly_scores`` (explicit models)

Feature networks are in ``features`` (offline digit classifiers, the FID Inception); the metric
registry in ``evaluation``; ``run_eval.evaluate_run`` is ``jaxgen eval``.
"""

from jaxgen.metrics.frechet import fid, frechet_distance, gaussian_statistics
from jaxgen.metrics.inception_score import inception_score
from jaxgen.metrics.kid import kid
from jaxgen.metrics.likelihood import anomaly_scores, bits_per_dim
from jaxgen.metrics.manifold import density_coverage, precision_recall
from jaxgen.metrics.modes import label_mode_coverage, mode_coverage

__all__ = [
    "anomaly_scores",
    "bits_per_dim",
    "density_coverage",
    "fid",
    "frechet_distance",
    "gaussian_statistics",
    "inception_score",
    "kid",
    "label_mode_coverage",
    "mode_coverage",
    "precision_recall",
]
