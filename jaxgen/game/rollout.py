"""``rollout``: run an update rule on a game for a fixed number of steps, as one ``lax.scan``."""

from functools import partial

import jax
import jax.numpy as jnp


def rollout(game, rule, params, steps, *, model_state=None, batch=None, key=None, every=1):
    """Iterates ``rule.step`` from ``params`` and returns the trajectory.

    The key of step t is ``fold_in(key, t)``; the batch (if any) is the same at every step.
    The result is a pure function of its inputs, so ``jax.vmap`` maps it over initial points,
    keys or step sizes (``jaxgen.game.sweep``).

    Args:
      game: ``losses(params, model_state, batch, key)``.
      rule: a ``Rule``.
      params: the initial ``Pair``.
      steps: number of steps.
      model_state, batch, key: passed to the game (``key`` defaults to ``PRNGKey(0)``).
      every: keep every ``every``-th point only (``steps`` must be a multiple of it), to bound
        the memory of long runs of large games.

    Returns:
      ``params`` pytree with a leading axis of ``steps // every + 1``: the parameters after
      steps 0, every, 2·every, ..., steps.
    """
    if steps < 0 or every < 1 or steps % every:
        raise ValueError(
            f"rollout needs steps >= 0 and every >= 1 dividing it, got steps={steps}, every={every}"
        )
    key = jax.random.PRNGKey(0) if key is None else key
    return _rollout(game, rule, steps, every, params, model_state, batch, key)


@partial(jax.jit, static_argnums=(0, 1, 2, 3))
def _rollout(game, rule, steps, every, params, model_state, batch, key):
    def one_step(carry, t):
        params, model_state, rule_state = carry
        params, model_state, rule_state, _ = rule.step(
            game, params, model_state, rule_state, batch, jax.random.fold_in(key, t)
        )
        return (params, model_state, rule_state), None

    def chunk(carry, first):
        carry, _ = jax.lax.scan(one_step, carry, first + jnp.arange(every))
        return carry, carry[0]

    carry = (params, model_state, rule.init(params))
    _, trajectory = jax.lax.scan(chunk, carry, every * jnp.arange(steps // every))
    return jax.tree.map(lambda x0, xs: jnp.concatenate([x0[None], xs]), params, trajectory)
