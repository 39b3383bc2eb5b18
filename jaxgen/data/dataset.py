"""``Dataset``: an endless, deterministic, random-access stream of batches, plus one ordered pass.

``batch(position)`` is a pure function of ``(seed, position)``: there is no iterator state, so
a training run stores only the integer position (``TrainState.data_state``) and resumes
exactly. ``batch_size`` is the global batch size B; with ``process_count`` P > 1 each process
receives rows ``[i * B / P, (i + 1) * B / P)`` of global batch ``position`` (i its
``process_index``), so the P shards concatenated in process order are the global batch.

A source supplies two functions: ``rows(position, start, stop)``, rows ``[start, stop)`` of
global batch ``position``, and ``ordered(batch_size)``, an iterator over the evaluation pass.
"""

import itertools

import numpy as np

from jaxgen.errors import UserError


def _is_integer(value):
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def check_count(value, what):
    """``value`` as an int if it is a positive integer, else a UserError naming ``what``."""
    if not _is_integer(value) or value < 1:
        raise UserError(f"{what} must be a positive integer, got {value!r}")
    return int(value)


def check_index(value, what, stop=None):
    """``value`` as an int if it is an integer in ``[0, stop)``, else a UserError."""
    if not _is_integer(value) or value < 0 or (stop is not None and value >= stop):
        bounds = "a non-negative integer" if stop is None else f"an integer in [0, {stop})"
        raise UserError(f"{what} must be {bounds}, got {value!r}")
    return int(value)


def _processes(process_index, process_count):
    """This process's index and the process count; JAX's values where not given."""
    if process_index is None or process_count is None:
        import jax  # Only to read the defaults; batches never hold JAX arrays.

        process_index = jax.process_index() if process_index is None else process_index
        process_count = jax.process_count() if process_count is None else process_count
    process_count = check_count(process_count, "process_count")
    return check_index(process_index, "process_index", stop=process_count), process_count


class Dataset:
    """Batches of one data set: dicts of numpy arrays with a leading batch axis.

    Attributes:
      name: the name it was loaded by.
      batch_size: the global batch size B (all processes).
      local_batch_size: the rows this process receives, B / process_count.
      seed: the seed of the stream.
      num_examples: the size of the split, or None for sets drawn on the fly.
      element_spec: key -> (shape without the batch axis, numpy dtype).
      info: metadata (e.g. ``num_classes`` and ``format`` of images; ``centers`` and ``std``
        of a toy mixture).
      process_index, process_count: this process's rows of each global batch.
    """

    def __init__(
        self,
        name,
        rows,
        ordered,
        *,
        batch_size,
        seed,
        num_examples,
        element_spec,
        info,
        process_index=None,
        process_count=None,
    ):
        self.name = name
        self.batch_size = check_count(batch_size, "batch_size")
        self.seed = check_index(seed, "seed")  # numpy seeds cannot be negative
        self.process_index, self.process_count = _processes(process_index, process_count)
        if self.batch_size % self.process_count:
            raise UserError(
                f"batch_size {self.batch_size} is not divisible by the {self.process_count} "
                "processes; pick a multiple of the process count"
            )
        self.local_batch_size = self.batch_size // self.process_count
        self.num_examples = num_examples
        self.element_spec = element_spec
        self.info = info
        self._rows = rows
        self._ordered = ordered

    def batch(self, position):
        """This process's rows of global batch number ``position`` (0, 1, 2, ...)."""
        position = check_index(position, "batch position")
        start = self.process_index * self.local_batch_size
        return self._rows(position, start, start + self.local_batch_size)

    def iterate(self, start=0):
        """``batch(start), batch(start + 1), ...`` forever."""
        for position in itertools.count(start):
            yield self.batch(position)

    def epoch(self, batch_size=None):
        """One ordered, unshuffled pass over the split for evaluation; the last batch may be
        smaller. Every process receives the whole pass (it is not sharded)."""
        if batch_size is None:
            return self._ordered(self.batch_size)
        return self._ordered(check_count(batch_size, "batch_size"))

    def __repr__(self):
        return (
            f"Dataset({self.name!r}, batch_size={self.batch_size}, seed={self.seed}, "
            f"num_examples={self.num_examples})"
        )
