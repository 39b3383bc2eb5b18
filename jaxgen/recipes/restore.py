"""``load(workdir)``: the recipe and TrainState of a run, from its checkpoint alone."""

import os

from jaxgen.errors import UserError
from jaxgen.recipes.registry import get
from jaxgen.train.checkpoint import CHECKPOINT_DIR, Checkpointer, restore_target

# Config keys that a resumed run may change: they steer the loop, not the state it resumes.
RESUMABLE_KEYS = frozenset(
    {"steps", "log_every", "sample_every", "checkpoint_every", "keep_checkpoints",
     "num_samples", "sample_seed", "data_dir", "eval_every", "eval_metrics",
     "eval_num_samples", "eval_reference", "steps_per_call"}
)  # fmt: skip


def recipe_of(workdir: str, **overrides):
    """The recipe saved in ``workdir``'s latest checkpoint, with ``overrides`` applied.

    Only ``RESUMABLE_KEYS`` may change: a run resumed with another network, loss or data would
    no longer be the run its checkpoint holds.
    """
    checkpointer = open_checkpoints(workdir)
    try:
        record = checkpointer.config()
    finally:
        checkpointer.close()
    saved = flat_config(record["config"])
    recipe = get(record["recipe"], **{**saved, **overrides})
    now = flat_config(recipe.config.to_dict())
    changed = sorted(k for k in overrides if k not in RESUMABLE_KEYS and now[k] != saved[k])
    if changed:
        raise UserError(
            f"{workdir} holds a run with {', '.join(f'{k}={saved[k]!r}' for k in changed)}; "
            f"a resumed run can change only {', '.join(sorted(RESUMABLE_KEYS))}: "
            "start the new setting in another --workdir"
        )
    return recipe


def load(workdir: str, *, step: int | None = None, run: int | None = None):
    """``(recipe, state)`` of the run in ``workdir`` at ``step`` (default: the latest).

    A workdir of several runs (``--seeds N``) gives all of them stacked, or with ``run=K``
    run K alone (``jaxgen.train.runs.select``)."""
    checkpointer = open_checkpoints(workdir)
    try:
        record = checkpointer.config(step)
        recipe = get(record["recipe"], **flat_config(record["config"]))
        state = checkpointer.restore(restore_target(recipe), step)
    finally:
        checkpointer.close()
    if run is not None:
        from jaxgen.train.runs import select

        recipe, state = select(recipe, state, run)
    return recipe, state


def has_checkpoint(workdir: str) -> bool:
    """Whether ``workdir`` holds a complete checkpoint (a half-written one does not count)."""
    checkpointer = _complete_checkpoints(workdir)
    if checkpointer is not None:
        checkpointer.close()
    return checkpointer is not None


def open_checkpoints(workdir: str) -> Checkpointer:
    if not os.path.isdir(workdir):
        raise UserError(f"no such workdir: {workdir}")
    checkpointer = _complete_checkpoints(workdir)
    if checkpointer is None:
        raise UserError(
            f"{workdir} holds no checkpoint; train first with "
            f"`jaxgen train RECIPE --workdir {workdir}`"
        )
    return checkpointer


def _complete_checkpoints(workdir):
    """``workdir``'s Checkpointer when it has at least one complete step, else None."""
    if not os.path.isdir(os.path.join(workdir, CHECKPOINT_DIR)):
        return None
    checkpointer = Checkpointer(workdir, create=False)
    if checkpointer.latest_step() is None:
        checkpointer.close()
        return None
    return checkpointer


def flat_config(config, prefix="") -> dict:
    """A config (ConfigDict or its JSON dict) as ``{dotted.key: value}``, lists as tuples."""
    if hasattr(config, "to_dict"):
        config = config.to_dict()
    flat = {}
    for key, value in config.items():
        if isinstance(value, dict):
            flat.update(flat_config(value, f"{prefix}{key}."))
        else:
            flat[prefix + key] = tuple(value) if isinstance(value, list) else value
    return flat
