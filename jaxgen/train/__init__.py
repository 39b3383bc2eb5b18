"""TrainState, the jitted step on a device mesh, checkpoints, logging and the training loop.

``train`` takes a recipe as a value and never imports ``jaxgen.recipes``.
"""

from jaxgen.train.checkpoint import Checkpointer
from jaxgen.train.loop import TrainingDiverged, train
from jaxgen.train.mesh import data_mesh, initialize_distributed_if_requested
from jaxgen.train.recipe import Recipe
from jaxgen.train.state import TrainState
from jaxgen.train.step import compile_step, make_train_step

__all__ = [
    "Checkpointer",
    "Recipe",
    "TrainState",
    "TrainingDiverged",
    "compile_step",
    "data_mesh",
    "initialize_distributed_if_requested",
    "make_train_step",
    "train",
]
