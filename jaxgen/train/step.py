"""The train step: one update of the rule at the step's own key, compiled for the mesh."""

import jax

from jaxgen.train.mesh import batch_sharding, replicated


def make_train_step(game, rule, *, batches_per_step: int = 1):
    """``train_step(state, batch) -> (state, metrics)``, pure; the key of step t is
    ``fold_in(state.key, t)``, so a resumed run draws the same numbers."""

    def train_step(state, batch):
        key = jax.random.fold_in(state.key, state.step)
        params, model_state, rule_state, metrics = rule.step(
            game, state.params, state.model_state, state.rule_state, batch, key
        )
        new_state = state.replace(
            step=state.step + 1,
            params=params,
            model_state=model_state,
            rule_state=rule_state,
            data_state=state.data_state + batches_per_step,
        )
        return new_state, metrics

    return train_step


def compile_step(train_step, mesh, *, stacked: bool = False):
    """``jax.jit`` with the state replicated, the batch sharded and the old state donated."""
    return jax.jit(
        train_step,
        in_shardings=(replicated(mesh), batch_sharding(mesh, stacked=stacked)),
        out_shardings=(replicated(mesh), replicated(mesh)),
        donate_argnums=0,
    )
