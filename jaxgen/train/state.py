"""``TrainState``: everything a run needs to continue, as one pytree of arrays."""

from typing import Any

import jax
import jax.numpy as jnp
from flax import struct

from jaxgen.types import Pair


class TrainState(struct.PyTreeNode):
    """Pure data (no functions), so it can be checkpointed, sharded and ``vmap``-ed.

    Attributes:
      step: number of completed train steps (int32 scalar).
      params: ``Pair`` of the players' trainable parameters.
      model_state: what is not trained by gradients (batch-norm statistics, ...).
      rule_state: the update rule's state (the players' optax states, ...).
      key: the root PRNG key; step t uses ``fold_in(key, t)``.
      data_state: the data position: number of batches consumed (int32 scalar).
    """

    step: jax.Array
    params: Pair
    model_state: Any
    rule_state: Any
    key: jax.Array
    data_state: jax.Array

    @classmethod
    def create(cls, *, params, model_state, rule_state, key):
        zero = jnp.zeros((), jnp.int32)
        return cls(zero, params, model_state, rule_state, key, zero)


@jax.jit
def all_finite(tree) -> jax.Array:
    """Whether every value of every leaf of ``tree`` is finite (a boolean scalar)."""
    return jnp.all(jnp.stack([jnp.all(jnp.isfinite(x)) for x in jax.tree.leaves(tree)]))
