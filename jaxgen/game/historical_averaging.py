"""Historical averaging (Salimans, Goodfellow, Zaremba, Cheung, Radford & Chen 2016, "Improved
Techniques for Training GANs", §3.3), as an optax transformation.

Each player's cost gets the term ‖θ − (1/t)·Σ_{i=1}^t θ[i]‖², with θ[i] the parameters at past
time i; the paper weights it by 1 and reports that it finds equilibria of low-dimensional
continuous games where gradient descent does not, such as V(x, y) = (f(x) − 1)(y − 1) with
f(x) = x for x < 0 and x² otherwise (x minimizes, y maximizes). The authors' code
(github.com/openai/improved-gan) contains no historical averaging.

``historical_averaging(weight)`` adds the gradient of weight·‖θ − θ̄_t‖² to the incoming
updates, with θ̄_t held constant:

    u_t ← u_t + 2·weight·(θ_t − θ̄_t),     θ̄_t = (1/t)·Σ_{i=1}^t θ_i,

where θ_i are the params passed to the i-th call of ``update`` and t counts the calls, this one
included: the current parameters are part of their own average, as θ[t] is in the paper's sum,
so the first call adds nothing. The state keeps t and θ̄_t (a running mean,
θ̄_t = θ̄_{t−1} + (θ_t − θ̄_{t−1})/t). Treating θ̄_t as a constant drops the factor (1 − 1/t) that
differentiating through the current term of the sum would give.

It adds to the gradient, so it goes before the step's scaling, like ``optax.add_decayed_weights``:
``optax.chain(historical_averaging(w), optax.adam(lr))``, one per player. Every call to
``update`` counts as a time step: under ``jaxgen.game.extragradient`` the average includes the
extrapolated points, and an ``unrolled`` game's ``inner_opt`` should not contain it.
"""

from typing import NamedTuple

import jax
import jax.numpy as jnp
import optax


class HistoricalAveragingState(NamedTuple):
    count: jax.Array  # t, the number of update calls so far (int32)
    average: optax.Params  # θ̄_t, the mean of the params of those calls


def historical_averaging(weight: float) -> optax.GradientTransformation:
    """Adds 2·weight·(θ − θ̄) to the updates, θ̄ the mean of all params seen (module docstring).

    Args:
      weight: the weight of the penalty ‖θ − θ̄‖² (the paper uses 1); 0 leaves the updates
        unchanged.
    """
    if weight < 0:
        raise ValueError(f"historical_averaging needs a weight ≥ 0, got {weight}")

    def init_fn(params):
        return HistoricalAveragingState(
            jnp.zeros([], jnp.int32), jax.tree.map(jnp.zeros_like, params)
        )

    def update_fn(updates, state, params=None):
        if params is None:
            raise ValueError(
                "historical_averaging needs the current parameters: call "
                "update(updates, state, params)"
            )
        count = state.count + 1
        average = jax.tree.map(
            lambda mean, value: mean + (value - mean) / count.astype(mean.dtype),
            state.average,
            params,
        )
        updates = jax.tree.map(
            lambda update, value, mean: (update + 2 * weight * (value - mean)).astype(update.dtype),
            updates,
            params,
            average,
        )
        return updates, HistoricalAveragingState(count, average)

    return optax.GradientTransformation(init_fn, update_fn)
