"""WGAN's weight clipping as an optax transformation.

Arjovsky, Chintala & Bottou 2017, "Wasserstein GAN", Algorithm 1: after each RMSprop step of
the critic, every weight is clipped to [−c, c] (c = 0.01), a crude way to keep the critic
K-Lipschitz for some K. ``clip_weights(c)`` chained after the optimizer,

    optax.chain(optax.rmsprop(5e-5), clip_weights(0.01)),

turns the optimizer's update u into clip(θ + u, −c, c) − θ, so that ``optax.apply_updates``
lands on the clipped weights. Every parameter is clipped, biases included, as in the authors'
code (``for p in netD.parameters(): p.data.clamp_(-c, c)``).
"""

import jax
import jax.numpy as jnp
import optax


def clip_weights(limit: float) -> optax.GradientTransformation:
    """Updates that move each parameter to ``clip(θ + u, −limit, limit)``."""
    if limit <= 0:
        raise ValueError(f"the clipping limit must be positive, got {limit}")

    def init(params):
        del params
        return optax.EmptyState()

    def update(updates, state, params=None):
        if params is None:
            raise ValueError(
                "clip_weights needs the parameters: call update(updates, state, params)"
            )
        updates = jax.tree.map(lambda u, p: jnp.clip(p + u, -limit, limit) - p, updates, params)
        return updates, state

    return optax.GradientTransformation(init, update)
