"""Pure loss functions on logits, unreduced (one value per example). One module per family."""

from jaxgen.losses import gan
from jaxgen.losses.gan import OBJECTIVES, Objective, get_objective

__all__ = ["OBJECTIVES", "Objective", "gan", "get_objective"]
