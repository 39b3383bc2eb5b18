"""The stream of a finite split: the concatenation of one fresh permutation per epoch.

Item t of the stream is example ``order_e[t mod N]`` with ``e = t div N`` and ``order_e`` the
permutation of epoch e (``streams.epoch_order``); global batch p holds items
``[p * B, (p + 1) * B)``, so it may straddle epochs and every batch has exactly B rows. Each
example is seen exactly once per epoch.

A finite source is one function ``read(indices, draw_keys)``: the examples at ``indices``
stacked into a batch, with ``draw_keys`` the per-row entropy of any per-example randomness
(dynamic binarization) so that randomness, too, depends only on (seed, epoch, example).
"""

import numpy as np

from jaxgen.data import streams
from jaxgen.data.dataset import Dataset
from jaxgen.errors import UserError


def stream_items(seed, num_examples, first, count):
    """Epochs and example indices of stream items ``[first, first + count)``."""
    epochs, offsets = np.divmod(np.arange(first, first + count, dtype=np.int64), num_examples)
    indices = np.empty(count, np.int64)
    for epoch in np.unique(epochs):
        in_epoch = epochs == epoch
        indices[in_epoch] = streams.epoch_order(seed, int(epoch), num_examples)[offsets[in_epoch]]
    return epochs, indices


def finite_dataset(name, read, num_examples, **dataset_kwargs):
    """A Dataset over ``num_examples`` examples read by ``read(indices, draw_keys)``.

    ``dataset_kwargs`` are the keyword arguments of ``Dataset`` other than ``num_examples``.
    """

    # The closures read the batch size and seed that the Dataset has validated.
    def rows(position, start, stop):
        seed = dataset.seed
        first = position * dataset.batch_size + start
        epochs, indices = stream_items(seed, num_examples, first, stop - start)
        keys = [
            streams.example_key(seed, int(e), int(j)) for e, j in zip(epochs, indices, strict=True)
        ]
        return read(indices, keys)

    def ordered(pass_batch_size):
        for first in range(0, num_examples, pass_batch_size):
            indices = np.arange(first, min(first + pass_batch_size, num_examples))
            yield read(indices, [streams.ordered_pass_key(dataset.seed, int(j)) for j in indices])

    dataset = Dataset(
        name,
        rows,
        ordered,
        num_examples=num_examples,
        **dataset_kwargs,
    )
    return dataset


def from_arrays(
    arrays, *, batch_size, seed=0, name="arrays", process_index=None, process_count=None
):
    """A Dataset over a user's arrays, used as given (no format conversion).

    Args:
      arrays: key -> array ``[num_examples, ...]``; all share the leading length.
      batch_size, seed, process_index, process_count: as in ``jaxgen.data.load``.
    """
    if not isinstance(arrays, dict) or not arrays:
        raise UserError("from_arrays needs a non-empty dict of arrays, e.g. {'image': images}")
    arrays = {key: np.asarray(value) for key, value in arrays.items()}
    shapes = {key: value.shape for key, value in arrays.items()}
    lengths = {shape[0] if shape else 0 for shape in shapes.values()}
    if len(lengths) != 1 or 0 in lengths:
        raise UserError(
            "from_arrays needs arrays with one shared, non-zero leading length; "
            f"got shapes {shapes}"
        )
    (num_examples,) = lengths

    def read(indices, draw_keys):
        del draw_keys  # Arrays are used as given: nothing is drawn per example.
        return {key: value[indices] for key, value in arrays.items()}

    return finite_dataset(
        name,
        read,
        num_examples,
        batch_size=batch_size,
        seed=seed,
        element_spec={key: (value.shape[1:], value.dtype) for key, value in arrays.items()},
        info={},
        process_index=process_index,
        process_count=process_count,
    )
