"""Where every random draw of ``jaxgen.data`` comes from.

No generator is carried from one call to the next: each draw is seeded by a numpy
``SeedSequence`` entropy list built from the user's seed and counters, so a batch is a pure
function of ``(seed, position)`` and a resumed run needs only the integer position.

| draw                                                  | entropy             |
|-------------------------------------------------------|---------------------|
| order of epoch ``e`` of a finite set                  | ``[seed, e]``       |
| batch ``p`` of a toy mixture                          | ``[seed, p]``       |
| draw for example ``j`` in epoch ``e`` (binarization)  | ``[seed, e, j, 1]`` |
| draw for example ``j`` in the ordered pass            | ``[seed, j, 0, 2]`` |
| evaluation set of a toy mixture                       | ``[seed, 0, 0, 3]`` |

``SeedSequence`` pads entropy with zeros (``[s, p]`` and ``[s, p, 0]`` seed the same stream),
so each kind of draw ends in its own nonzero tag and no two rows of the table share a stream.
"""

import functools

import numpy as np

_EXAMPLE_TAG = 1
_ORDERED_PASS_TAG = 2
_MIXTURE_EVALUATION_TAG = 3


@functools.lru_cache(maxsize=8)
def epoch_order(seed, epoch, num_examples):
    """The permutation of ``range(num_examples)`` that epoch ``epoch`` visits (read-only).

    Cached because consecutive batches mostly fall in the same epoch.
    """
    order = np.random.default_rng([seed, epoch]).permutation(num_examples)
    order.flags.writeable = False
    return order


def batch_rng(seed, position):
    """The generator of global batch ``position`` of a set drawn on the fly."""
    return np.random.default_rng([seed, position])


def example_key(seed, epoch, index):
    """Entropy of the per-example draw (e.g. dynamic binarization) of example ``index``."""
    return [seed, epoch, index, _EXAMPLE_TAG]


def ordered_pass_key(seed, index):
    """Entropy of the per-example draw of example ``index`` in the ordered evaluation pass."""
    return [seed, index, 0, _ORDERED_PASS_TAG]


def mixture_evaluation_rng(seed):
    """The generator of a toy mixture's fixed evaluation set, apart from all training draws."""
    return np.random.default_rng([seed, 0, 0, _MIXTURE_EVALUATION_TAG])
