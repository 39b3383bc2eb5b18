"""Pair and the shared types of the two-player abstractions (DESIGN.md, "Core abstractions").

A *game* is a pure function

    losses(params: Pair, model_state, batch, key) -> (Pair[scalar], (new_model_state, metrics))

where each player minimizes its own entry. Its simultaneous gradient field is
``v(params) = Pair(∇_g L_g, ∇_d L_d)``.
"""

from collections.abc import Callable
from typing import Any, NamedTuple

import jax

PyTree = Any
Metrics = dict[str, jax.Array]


class Pair(NamedTuple):
    """One value per player: ``g`` (generator, minimizer) and ``d`` (discriminator).

    A NamedTuple, hence a pytree: ``jax.tree.map(f, Pair(...))`` maps over both players.
    Systems with more networks group them per player: ``Pair(g={"g_ab": ..}, d={"d_a": ..})``.
    """

    g: Any
    d: Any


Game = Callable[[Pair, PyTree, PyTree, jax.Array], tuple[Pair, tuple[PyTree, Metrics]]]
