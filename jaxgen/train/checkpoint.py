"""Checkpoints of the whole TrainState and the config, with Orbax.

Saves are asynchronous (the training thread waits only for the copy to host memory). Orbax
writes each step into a temporary directory and renames it when complete, so a checkpoint
half-written by a crash is never listed as a step; a complete checkpoint that later became
unreadable is reported as such, with the step to fall back to.
"""

import json
import os

import jax
import orbax.checkpoint as ocp

from jaxgen.errors import UserError
from jaxgen.train.mesh import replicated

CHECKPOINT_DIR = "checkpoints"


class Checkpointer:
    """The checkpoints of one workdir: ``save``, ``latest_step``, ``restore``, ``config``."""

    def __init__(self, workdir: str, *, keep: int = 3, create: bool = True):
        self.directory = os.path.join(os.path.abspath(workdir), CHECKPOINT_DIR)
        options = ocp.CheckpointManagerOptions(
            max_to_keep=keep, create=create, enable_async_checkpointing=True
        )
        self._manager = ocp.CheckpointManager(
            self.directory, options=options, item_names=("state", "config")
        )

    def latest_step(self) -> int | None:
        return self._manager.latest_step()

    def all_steps(self) -> list[int]:
        return list(self._manager.all_steps())

    def save(self, step: int, state, config: dict) -> None:
        """Starts an asynchronous save of ``state`` and the JSON ``config`` at ``step``."""
        if step in self._manager.all_steps():
            return  # Orbax refuses to overwrite; the saved state is the same step.
        args = ocp.args.Composite(
            state=ocp.args.StandardSave(state), config=ocp.args.JsonSave(config)
        )
        self._manager.save(step, args=args, force=True)

    def config(self, step: int | None = None) -> dict:
        """The JSON config saved with ``step`` (default: the latest)."""
        step = self._require_step(step)
        restored = self._read(step, ocp.args.Composite(config=ocp.args.JsonRestore()))
        return restored.config

    def restore(self, abstract_state, step: int | None = None):
        """The TrainState at ``step`` (default: latest), shaped and sharded like the target."""
        step = self._require_step(step)
        args = ocp.args.Composite(state=ocp.args.StandardRestore(abstract_state))
        return self._read(step, args).state

    def wait(self) -> None:
        self._manager.wait_until_finished()

    def close(self) -> None:
        self._manager.wait_until_finished()
        self._manager.close()

    def _require_step(self, step):
        step = self.latest_step() if step is None else step
        if step is None:
            raise UserError(f"no checkpoint in {self.directory}; train first with `jaxgen train`")
        if step not in self.all_steps():
            raise UserError(
                f"no checkpoint of step {step} in {self.directory}; saved: {self.all_steps()}"
            )
        return step

    def _read(self, step, args):
        try:
            return self._manager.restore(step, args=args)
        except Exception as error:  # Orbax/TensorStore raise many types for one cause.
            earlier = [s for s in self.all_steps() if s < step]
            step_dir = os.path.join(self.directory, str(step))
            fallback = (
                f"delete {step_dir} to resume from step {earlier[-1]}"
                if earlier
                else "start again in a new --workdir"
            )
            reason = str(error).strip().splitlines()[0][:200] if str(error).strip() else ""
            raise UserError(
                f"checkpoint step {step} in {self.directory} is unreadable "
                f"({type(error).__name__}: {reason}); {fallback}"
            ) from error


def restore_target(recipe):
    """``recipe``'s TrainState as ``ShapeDtypeStruct``s replicated on its mesh: what restore
    fills. Traced with ``eval_shape``, so nothing is initialized."""
    state = jax.eval_shape(lambda: recipe.init(jax.random.PRNGKey(0), recipe.example_batch()))
    sharding = replicated(recipe.mesh)
    return jax.tree.map(lambda x: jax.ShapeDtypeStruct(x.shape, x.dtype, sharding=sharding), state)


def config_record(recipe) -> dict:
    """What is saved beside the state: the recipe name and its config as JSON."""
    return {"recipe": recipe.name, "config": json.loads(recipe.config.to_json())}
