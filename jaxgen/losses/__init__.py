"""Pure loss functions on logits, unreduced (one value per example). One module per family."""

from jaxgen.losses import gan, regularizers, wasserstein
from jaxgen.losses.objectives import OBJECTIVES, Objective, get_objective

__all__ = ["OBJECTIVES", "Objective", "gan", "get_objective", "regularizers", "wasserstein"]
