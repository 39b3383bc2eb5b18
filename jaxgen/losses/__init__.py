"""Pure loss functions on logits, unreduced (one value per example). One module per family."""

from jaxgen.losses import (
    energy,
    feature_matching,
    fgan,
    gan,
    hinge,
    least_squares,
    regularizers,
    wasserstein,
)
from jaxgen.losses.objectives import OBJECTIVES, Objective, get_objective

__all__ = [
    "OBJECTIVES",
    "Objective",
    "energy",
    "feature_matching",
    "fgan",
    "gan",
    "get_objective",
    "hinge",
    "least_squares",
    "regularizers",
    "wasserstein",
]
