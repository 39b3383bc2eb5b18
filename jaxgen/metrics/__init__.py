"""Statistics of samples, kept apart from feature extraction (DESIGN.md).

modes: ``mode_coverage`` (modes covered, high-quality rate and mode KL on toy Gaussian
mixtures, the VEEGAN/PacGAN protocol).
"""

from jaxgen.metrics.modes import mode_coverage

__all__ = ["mode_coverage"]
