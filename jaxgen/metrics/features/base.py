"""``FeatureNetwork``: what every statistic of ``jaxgen.metrics`` is computed on.

A feature network turns a batch of images (NHWC, float32 in [-1, 1], the ``signed`` format of
``jaxgen.data``) into ``{"features": [B, F], "logits": [B, K]}``: the features feed FID, KID,
precision/recall and density/coverage; the logits feed the Inception Score and label-based mode
counts. ``apply(variables, images)`` is a pure function, safe to ``jax.jit``, with the weights
an argument (as Flax's ``apply``): a jitted closure over them would embed them in the compiled
program as constants (95 MB for Inception). Any resize to the network's input size happens
inside ``apply``; ``network(images)`` is ``network.apply(network.variables, images)``.
``card`` is the part of the protocol card that the network decides (its name, the hash of its
weights, its input size and resize), written beside every number it produced.
"""

from collections.abc import Callable
from typing import Any, NamedTuple


class FeatureNetwork(NamedTuple):
    """A named, pure ``apply(variables, images) -> {"features", "logits"}`` and its card.

    Attributes:
      name: the registered name (``digits``, ``mnist5k``, ``inception``).
      apply: ``apply(variables, images [B, H, W, C] float32 in [-1, 1]) -> {"features":
        [B, F], "logits": [B, K]}`` (and ``"modes": [B]`` where the network defines modes),
        pure and jittable.
      variables: the weights, a pytree.
      card: JSON-serializable facts about the network: at least ``name``, ``weights_sha256``,
        ``input_size`` and ``resize``.
    """

    name: str
    apply: Callable
    variables: Any
    card: dict

    def __call__(self, images):
        return self.apply(self.variables, images)
