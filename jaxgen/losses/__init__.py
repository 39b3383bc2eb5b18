"""Pure loss functions on logits, unreduced (one value per example). One module per family."""

from jaxgen.losses import fgan, gan, hinge, least_squares, regularizers, wasserstein
from jaxgen.losses.objectives import OBJECTIVES, Objective, get_objective

__all__ = [
    "OBJECTIVES",
    "Objective",
    "fgan",
    "gan",
    "get_objective",
    "hinge",
    "least_squares",
    "regularizers",
    "wasserstein",
]
