"""``rollout``: run an update rule on a game for a fixed number of steps, as one ``lax.scan``."""

from functools import partial

import jax


def rollout(game, rule, params, steps, *, model_state=None, batch=None, key=None):
    """Iterates ``rule.step`` from ``params`` and returns the whole trajectory.

    The key of step t is ``fold_in(key, t)``; the batch (if any) is the same at every step.

    Args:
      game: ``losses(params, model_state, batch, key)``.
      rule: a ``Rule``.
      params: the initial ``Pair``.
      steps: number of steps.
      model_state, batch, key: passed to the game (``key`` defaults to ``PRNGKey(0)``).

    Returns:
      ``params`` pytree with a leading axis of ``steps + 1`` (the initial point first).
    """
    key = jax.random.PRNGKey(0) if key is None else key
    return _rollout(game, rule, steps, params, model_state, batch, key)


@partial(jax.jit, static_argnums=(0, 1, 2))
def _rollout(game, rule, steps, params, model_state, batch, key):
    def one_step(carry, t):
        params, model_state, rule_state = carry
        params, model_state, rule_state, _ = rule.step(
            game, params, model_state, rule_state, batch, jax.random.fold_in(key, t)
        )
        return (params, model_state, rule_state), params

    carry = (params, model_state, rule.init(params))
    _, trajectory = jax.lax.scan(one_step, carry, jax.numpy.arange(steps))
    return jax.tree.map(lambda x0, xs: jax.numpy.concatenate([x0[None], xs]), params, trajectory)
