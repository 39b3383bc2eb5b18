"""No train step compiles again after the first, fed exactly as ``jaxgen.train.train`` feeds it.

Compilations are counted with ``jax.monitoring``: JAX records the event
``/jax/core/compile/backend_compile_duration`` (with the program's name, ``jit(train_step)``)
each time it compiles a program or loads one from the persistent compilation cache that
tests/conftest.py sets up (checked: a cache hit still records it), and never when a call
reuses a program it already holds. So the counts do not depend on what earlier tests left in
that cache.
"""

import collections
import contextlib

import jax
import jax.numpy as jnp
import pytest
from jax import monitoring

from jaxgen import recipes
from jaxgen.train import Checkpointer, train
from jaxgen.train.loop import call_batch

COMPILE_EVENT = "/jax/core/compile/backend_compile_duration"
STEPS = 4


@contextlib.contextmanager
def compilations():
    """A list that receives the name of every program compiled (or loaded) inside the block."""
    names = []

    def listener(event, duration, **metadata):
        del duration
        if event == COMPILE_EVENT:
            names.append(metadata["fun_name"])

    monitoring.register_event_duration_secs_listener(listener)
    try:
        yield names
    finally:
        monitoring.unregister_event_duration_listener(listener)


def program_name(jitted):
    return f"jit({jitted.__wrapped__.__name__})"


def test_the_counter_sees_a_recompile():
    def add_one(x):
        return x + 1

    jitted = jax.jit(add_one)
    # a new shape, then a weakly typed scalar, then a strongly typed one: three recompiles
    inputs = [jnp.zeros(2), jnp.ones(2), jnp.zeros(3), 1.0, jnp.float32(1.0), jnp.float32(2.0)]
    with compilations() as compiled:
        for x in inputs:
            jitted(x)
    assert compiled == ["jit(add_one)"] * 4


@pytest.mark.parametrize(
    "name, overrides",
    [
        ("nade_digits", {}),  # an explicit model
        # in one program: two runs of their own learning rates (optax.inject_hyperparams in
        # the state), two stacked batches per step and the EMA wrapper
        ("gan_ring8", {"run_learning_rates": (2e-4, 1e-3), "d_steps": 2, "ema_decay": 0.99}),
    ],
    ids=["nade_digits", "gan_ring8-runs2-d_steps2-ema"],
)
def test_step_compiles_once(name, overrides):
    recipe = recipes.get(name, preset="tiny", **overrides)
    state = recipe.init(jax.random.PRNGKey(0), recipe.example_batch())
    dataset = recipe.dataset("train")
    position = 0
    per_step = []
    for _ in range(STEPS):
        with compilations() as compiled:
            batch, position = call_batch(recipe, dataset, position)
            state, metrics = recipe.step(state, batch)
            jax.block_until_ready((state, metrics))
        per_step.append(collections.Counter(compiled))
    assert per_step[0][program_name(recipe.step)] == 1, per_step[0]
    assert all(not compiled for compiled in per_step[1:]), per_step
    assert recipe.step._cache_size() == 1  # one entry: every later call reused the first
    assert int(state.step.reshape(-1)[0]) == STEPS


def test_training_loop_compiles_nothing_after_its_first_pass(tmp_path):
    """Steps 1-3 log, sample and checkpoint; steps 4-6 do all of it again, compiling nothing."""
    recipe = recipes.get(
        "dcgan_digits", preset="tiny", steps=6, checkpoint_every=3, sample_every=3, log_every=1
    )
    compiled_before_step = []  # compiled_before_step[k]: programs compiled before step k + 1

    def counting_step(state, batch):
        compiled_before_step.append(len(compiled))
        return recipe.step(state, batch)

    with compilations() as compiled:
        state = train(recipe._replace(step=counting_step), str(tmp_path), progress=False)
    first_pass = compiled[: compiled_before_step[3]]
    assert collections.Counter(first_pass)[program_name(recipe.step)] == 1, first_pass
    assert compiled[compiled_before_step[3] :] == [], (first_pass, compiled)
    assert int(state.step) == 6
    assert (tmp_path / "samples" / "step_0000006.png").exists()
    checkpointer = Checkpointer(str(tmp_path), create=False)
    try:
        assert checkpointer.all_steps() == [3, 6]
    finally:
        checkpointer.close()
