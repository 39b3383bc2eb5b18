"""Several train steps per host call: ``steps_per_call = k`` runs k steps in one ``lax.scan``.

A step of a small model on an accelerator is shorter than the host's work to launch it
(``gan_ring8`` at batch 512: ~0.3 ms on an H200), so the device idles between steps. With
``--set steps_per_call=k`` the recipe's step takes the k steps' batches stacked on a new
leading axis and returns their metrics stacked the same way; the loop fetches k batches per
call and logs, samples, evaluates and checkpoints between calls, so those intervals must be
multiples of k. The steps are the same as k single calls (same keys ``fold_in(key, t)``, same
batches), to float32 rounding.

On XLA's CPU backend convolutions run several times slower inside a loop body
(``benchmarks/conv_transpose.py``), so keep k = 1 for convolutional recipes on CPU.
"""

import jax

from jaxgen.errors import UserError
from jaxgen.train.mesh import batch_sharding, replicated

INTERVAL_KEYS = ("steps", "log_every", "sample_every", "checkpoint_every", "eval_every")


def check_intervals(config, start: int = 0) -> None:
    """One line when an interval of the loop, or the step to resume from, is not a multiple
    of ``steps_per_call``."""
    calls = config.get("steps_per_call", 1)
    if calls < 1:
        raise UserError(f"steps_per_call={calls}: it must be at least 1")
    for key in INTERVAL_KEYS:
        value = config.get(key, 0)
        if value % calls:
            raise UserError(
                f"{key}={value} is not a multiple of steps_per_call={calls}: the loop acts "
                f"between calls of {calls} steps; set {key} to a multiple of {calls}"
            )
    if start % calls:
        raise UserError(
            f"the run resumes at step {start}, not a multiple of steps_per_call={calls}; "
            "resume with a steps_per_call that divides it"
        )


def scan_steps(recipe, leading_axes: int):
    """``recipe`` whose ``step`` runs ``config.steps_per_call`` steps in one ``lax.scan``.

    ``leading_axes``: the axes the recipe's batches already have before the batch axis (runs,
    several batches per step); the stacked steps add one more in front."""
    calls = recipe.config.steps_per_call

    def step(state, batches):
        return jax.lax.scan(recipe.step, state, batches, length=calls)

    batches = batch_sharding(recipe.mesh, stacked=leading_axes + 1)
    compiled = jax.jit(
        step,
        in_shardings=(replicated(recipe.mesh), batches),
        out_shardings=(replicated(recipe.mesh), replicated(recipe.mesh)),
        donate_argnums=0,
    )
    return recipe._replace(step=compiled, steps_per_call=calls)
