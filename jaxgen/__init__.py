"""jaxgen: classic generative models, their evaluation and GAN dynamics as pure JAX functions.

The top level is kept light so that ``jaxgen --help`` starts fast: subpackages
(``jaxgen.game``, ``jaxgen.losses``, ``jaxgen.metrics``, ``jaxgen.nn``, ``jaxgen.data``,
``jaxgen.train``, ``jaxgen.recipes``, ``jaxgen.latent``) are imported on first attribute access.
"""

import importlib

from jaxgen.errors import UserError
from jaxgen.types import Pair

__version__ = "0.1.0.dev0"
__all__ = ["Pair", "UserError", "load", "__version__"]

_SUBPACKAGES = ("data", "game", "latent", "losses", "metrics", "nn", "recipes", "train")


def load(workdir, *, run=None):
    """Restores a training run: ``(recipe, state)`` from the latest checkpoint in ``workdir``;
    of a ``--seeds N`` workdir, all runs stacked, or run ``run`` alone."""
    from jaxgen.recipes.restore import load as _load

    return _load(workdir, run=run)


def __getattr__(name):
    if name in _SUBPACKAGES:
        return importlib.import_module(f"jaxgen.{name}")
    raise AttributeError(f"module 'jaxgen' has no attribute {name!r}")
