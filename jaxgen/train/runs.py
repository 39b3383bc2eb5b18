"""Many runs, one program: a recipe's TrainState stacked over runs and its step ``vmap``-ed
(on CPU: in chunks of ``CPU_RUNS_PER_CHUNK`` runs, each chunk ``vmap``-ed, all in one program).

``jaxgen train RECIPE --seeds N`` (the config key ``seeds``) trains N independent runs as one
compiled program. Run k is the run that ``jaxgen train RECIPE --set seed=S+k`` would train
(S: the config's ``seed``): it starts from ``PRNGKey(S + k)``, reads the data in the order of
data seed ``S + k``, and its step t uses ``fold_in(key_k, t)``, so its parameters equal those
of the separate run to float32 rounding at first (XLA computes a batched program in another
order). GAN training amplifies rounding, so over thousands of steps the two drift apart as
runs on two machines would (``gan_ring8``: 1e-7 after 100 steps, 0.04 after 400).

With ``run_learning_rates = (η_1, …, η_L)`` (GAN recipes) the runs are the grid seeds × rates,
run k = (seed ``S + k // L``, rate ``η_{k mod L}``): the players' optimizers are built with
``optax.inject_hyperparams``, so the learning rate is an array in each run's optimizer state
rather than a constant of the program, and one program serves every rate. Both players get
η; the separate run of run k is ``--set seed=S+k//L run_learning_rates=(η,)``.

The stacked TrainState has a leading axis of runs on every leaf but ``step`` and ``data_state``,
which all runs share (``RUN_AXES``), and is checkpointed whole;
``select(recipe, state, k)`` returns run k's own recipe and state (``jaxgen sample --run K``).
A run whose update turns a parameter non-finite skips that update and keeps its last finite
parameters (its metrics show the NaN, and the loop reports it), so one diverging step size does
not stop the others and no checkpoint holds a non-finite run.
"""

import jax
import jax.numpy as jnp
import numpy as np

from jaxgen.errors import UserError
from jaxgen.train.mesh import batch_sharding, replicated
from jaxgen.train.state import TrainState, all_finite

# The vmap axes of a stacked TrainState: the runs' own values on axis 0, one shared step count.
RUN_AXES = TrainState(step=None, params=0, model_state=0, rule_state=0, key=0, data_state=None)
OWN_FIELDS = ("params", "model_state", "rule_state", "key")  # the fields with axis 0 above
# Runs stepped together on CPU: the program vmaps chunks of this many runs, whose activations
# stay in cache; 64 gan_ring8 runs at once step at 0.4-0.6× one run's speed per run, in chunks
# of 2-8 at 0.85-1.1× (benchmarks/runs_profile.py). The chunks are unrolled in the program, not
# a lax.map: on XLA's CPU backend a scan makes convolutions several times slower (8 seeds of
# dcgan_digits: 2.6 s a step as a lax.map against 0.5 s whole and 0.36 s unrolled). The price
# is compile time, one copy of the step per chunk. Accelerators step all runs at once.
CPU_RUNS_PER_CHUNK = 4


def run_count(config) -> int:
    """Runs of a config: ``seeds`` × the number of ``run_learning_rates`` (at least 1 each)."""
    return config.get("seeds", 1) * max(1, len(config.get("run_learning_rates", ())))


def run_overrides(config, run: int) -> dict:
    """The config overrides of the single run that run ``run`` of ``config`` equals."""
    count = run_count(config)
    if not 0 <= run < count:
        raise UserError(f"run {run} does not exist: this workdir holds runs 0..{count - 1}")
    rates = tuple(config.get("run_learning_rates", ()))
    overrides = {"seeds": 1, "seed": config.seed + run // max(1, len(rates))}
    if rates:
        overrides["run_learning_rates"] = (rates[run % len(rates)],)
    return overrides


def check_runs_config(config) -> None:
    """One-line errors for a ``seeds`` or ``run_learning_rates`` that cannot be run."""
    if config.get("seeds", 1) < 1:
        raise UserError(f"seeds={config.seeds}: train at least one run (e.g. --seeds 8)")
    rates = config.get("run_learning_rates", ())
    if any(not isinstance(r, int | float) or r <= 0 for r in rates):
        raise UserError(
            f"run_learning_rates={tuple(rates)}: give positive numbers, "
            "e.g. --set run_learning_rates=1e-4,2e-4"
        )
    if run_count(config) > 1 and config.get("eval_every", 0):
        raise UserError(
            "eval_every does not run with several runs; train with eval_every=0 and measure a "
            "run with `jaxgen eval WORKDIR --run K`"
        )


def set_learning_rates(rule_state, rates):
    """``rule_state`` of stacked runs with every injected ``learning_rate`` (the
    ``hyperparams`` of an ``optax.inject_hyperparams`` state) set to ``rates[k]`` in run k."""

    def injected(node):
        return isinstance(node, tuple) and isinstance(getattr(node, "hyperparams", None), dict)

    def set_rate(node):
        if injected(node) and "learning_rate" in node.hyperparams:
            old = node.hyperparams["learning_rate"]
            rate = jnp.asarray(rates, old.dtype).reshape(old.shape)
            return node._replace(hyperparams={**node.hyperparams, "learning_rate": rate})
        return node

    return jax.tree.map(set_rate, rule_state, is_leaf=injected)


class RunsDataset:
    """The runs' data sets side by side: ``batch(position)`` stacks run k's batch at axis 0."""

    def __init__(self, datasets):
        self.datasets = list(datasets)
        first = self.datasets[0]
        self.name = first.name
        self.element_spec = first.element_spec
        self.info = first.info
        self.batch_size = first.batch_size

    def batch(self, position):
        batches = [dataset.batch(position) for dataset in self.datasets]
        return {key: np.stack([b[key] for b in batches]) for key in batches[0]}


def stack(recipe, run_datasets):
    """``recipe`` (one run) → the Recipe of ``run_count(recipe.config)`` runs as one program.

    ``run_datasets[k]`` is ``dataset(split)`` of run k's own recipe (its data seed). The
    stacked recipe's ``init(key, batch)`` ignores ``key``: run k starts from its own seed's key.
    ``sample(state, key, n)`` draws ``[runs, n, ...]``, every run from the same ``key``.
    """
    config = recipe.config
    count = run_count(config)
    overrides = [run_overrides(config, k) for k in range(count)]
    keys = jnp.stack([jax.random.PRNGKey(o["seed"]) for o in overrides])
    rates = [o["run_learning_rates"][0] for o in overrides if "run_learning_rates" in o]
    mesh = recipe.mesh

    def init(key, batch):
        del key
        states = jax.vmap(recipe.init, in_axes=(0, None), out_axes=RUN_AXES)(keys, batch)
        if rates:
            states = states.replace(rule_state=set_learning_rates(states.rule_state, rates))
        return states

    on_cpu = mesh.devices.flat[0].platform == "cpu"
    runs_per_chunk = min(count, CPU_RUNS_PER_CHUNK) if on_cpu else count

    def step(states, batches):
        def one_run(own_and_batch):
            """One run's step; a non-finite update keeps the run's previous values."""
            own, batch = own_and_batch
            new, metrics = recipe.step(states.replace(**own), batch)
            finite = all_finite(new.params)

            def keep_finite(updated, previous):
                return jnp.where(finite, updated, previous)

            kept = {
                field: jax.tree.map(keep_finite, getattr(new, field), own[field])
                for field in ("params", "model_state", "rule_state")
            }
            return {**kept, "key": new.key}, metrics, new.step, new.data_state

        own = {field: getattr(states, field) for field in OWN_FIELDS}
        if runs_per_chunk < count:
            pieces = [
                jax.vmap(one_run)(
                    jax.tree.map(lambda a, i=i: a[i : i + runs_per_chunk], (own, batches))
                )
                for i in range(0, count, runs_per_chunk)
            ]
            outs = jax.tree.map(lambda *xs: jnp.concatenate(xs), *pieces)
        else:
            outs = jax.vmap(one_run)((own, batches))
        new_own, metrics, new_step, new_data_state = outs
        return states.replace(step=new_step[0], data_state=new_data_state[0], **new_own), metrics

    axes = (RUN_AXES, None)
    leading = 2 if recipe.batches_per_step > 1 else 1
    compiled_step = jax.jit(
        step,
        in_shardings=(replicated(mesh), batch_sharding(mesh, stacked=leading)),
        out_shardings=(replicated(mesh), replicated(mesh)),
        donate_argnums=0,
    )
    sample = jax.jit(jax.vmap(recipe.sample, in_axes=(RUN_AXES, None, None)), static_argnums=2)

    def dataset(split="train"):
        return RunsDataset(make(split) for make in run_datasets)

    return recipe._replace(
        init=jax.jit(init, out_shardings=replicated(mesh)),
        step=compiled_step,
        sample=sample,
        dataset=dataset,
        generate=None if recipe.generate is None else jax.jit(jax.vmap(recipe.generate, axes)),
        log_prob=None,
        runs=count,
    )


def select(recipe, state, run: int):
    """``(recipe, state)`` of run ``run`` alone: the single-run recipe it equals and its slice
    of the stacked state (``recipe, state`` unchanged for a single run, where ``run`` is 0)."""
    from jaxgen.recipes.registry import get  # the registry builds recipes with this module
    from jaxgen.recipes.restore import flat_config

    if recipe.runs == 1:
        if run:
            raise UserError(f"run {run} does not exist: this workdir holds one run (--run 0)")
        return recipe, state
    single = get(recipe.name, **{**flat_config(recipe.config), **run_overrides(recipe.config, run)})
    return single, state.replace(
        **{
            field: jax.tree.map(lambda x: x[run], getattr(state, field))
            for field in ("params", "model_state", "rule_state", "key")
        }
    )
