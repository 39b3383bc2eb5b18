"""Data: TFDS, offline and toy data sets as deterministic, random-access streams of batches.

``load(name, split, batch_size=..., seed=..., format=...)`` returns a ``Dataset`` whose
``batch(position)`` is a pure function of (seed, position), a dict of numpy arrays with a
leading global batch axis (this process's rows of it on several hosts); ``from_arrays`` wraps a
user's arrays the same way. Modules: ``dataset`` (the stream), ``finite`` (epochs of a finite
split), ``streams`` (where each random draw comes from), ``formats`` (pixel formats),
``resize``, ``offline`` (digits, mnist5k), ``stacked`` (stacked_mnist), ``toy`` (ring8, grid25),
``tfds_source`` (TFDS).
"""

from jaxgen.data.catalog import load, names
from jaxgen.data.dataset import Dataset
from jaxgen.data.finite import from_arrays

__all__ = ["Dataset", "from_arrays", "load", "names"]
