"""The training loop: resume or initialize, step, log, draw samples, checkpoint, stop cleanly.

``train(recipe, workdir)`` is the whole of ``jaxgen train``. What it guarantees:
- **exact resume**: the TrainState (parameters, optimizer and model state, root key, data
  position) is checkpointed whole; step t uses ``fold_in(key, t)`` and data batch number
  ``data_state``, so N steps + resume + N steps equals 2N steps bit for bit;
- **nothing lost**: checkpoints every ``checkpoint_every`` steps, at the end, and on SIGTERM
  (a preempted Cloud TPU VM) or Ctrl-C; a second Ctrl-C stops at once;
- **no silent divergence**: a NaN or inf loss stops the run with the step and the loss named,
  and no non-finite state is ever checkpointed, so the last checkpoint is a good one.
Metrics are fetched from the device only every ``log_every`` steps, so the host never waits
on the device in between.

With ``eval_every`` > 0 in the config, the samples are also measured before the first step of
a fresh run (step 0, the baseline), every ``eval_every`` steps and at the end
(``jaxgen.metrics.run_eval``: ``eval_metrics`` on ``eval_num_samples`` samples against
``eval_reference``): the values go to metrics.jsonl and TensorBoard as ``eval/NAME``, the whole
result with its protocol card to ``WORKDIR/eval/step_STEP_nN_seed0.json``. The feature network
is set up before the first step, so a missing weight file stops the run at once.
"""

import contextlib
import os
import signal
import sys

import jax
import numpy as np
from tqdm.auto import tqdm

from jaxgen.errors import UserError
from jaxgen.train.checkpoint import Checkpointer, config_record, restore_target
from jaxgen.train.images import picture, save_png
from jaxgen.train.mesh import put_batch
from jaxgen.train.multistep import check_intervals
from jaxgen.train.state import all_finite
from jaxgen.train.writer import MetricWriter

SAMPLES_DIR = "samples"


class TrainingDiverged(UserError):
    """A loss became NaN or inf; the message names the step and the loss."""


def initial_state(recipe, checkpointer):
    """The latest checkpoint's TrainState, or a fresh one from ``config.seed``."""
    if checkpointer.latest_step() is None:
        return recipe.init(jax.random.PRNGKey(recipe.config.seed), recipe.example_batch())
    return checkpointer.restore(restore_target(recipe))


def train(recipe, workdir: str, *, progress: bool = True, log=print):
    """Trains ``recipe`` in ``workdir`` up to ``recipe.config.steps`` steps; returns the state.

    Resumes from the latest checkpoint in ``workdir`` when there is one.
    """
    config = recipe.config
    evaluate = _evaluator(recipe)  # a bad evaluation setting stops the run before it starts
    workdir = os.path.abspath(workdir)
    os.makedirs(workdir, exist_ok=True)
    checkpointer = Checkpointer(workdir, keep=config.keep_checkpoints)
    state = initial_state(recipe, checkpointer)
    start = int(state.step)
    check_intervals(config, start)
    if start:
        log(f"resuming {recipe.name} from step {start} in {workdir}")
    dataset = recipe.dataset("train")
    _check_data_shapes(dataset, recipe.example_batch())
    writer = MetricWriter(workdir, resume_step=start, runs=recipe.runs)
    sample_key = jax.random.PRNGKey(config.sample_seed)  # fixed: the grids show progress
    record = config_record(recipe)
    position = int(state.data_state)
    pending = []  # (steps of a call, their metrics on device) not yet checked and logged
    diverged = {}  # run -> first step with a non-finite loss (several runs)
    stop = _StopFlag()
    bar = tqdm(
        total=config.steps,
        initial=start,
        disable=not progress,
        unit="step",
        dynamic_ncols=True,
        file=sys.stderr,
        mininterval=0.1 if sys.stderr.isatty() else 30,  # few lines in a log file
    )

    def flush():
        if not pending:
            return
        steps, values = _per_step(jax.device_get(pending), recipe.steps_per_call)
        pending.clear()
        if recipe.runs == 1:
            _raise_if_diverged(steps, values, checkpointer)
        else:
            _report_diverged_runs(steps, values, diverged, log)
        for step, metrics in zip(steps, values, strict=True):
            if step % config.log_every == 0 or step == steps[-1]:
                writer.scalars(step, metrics)
        postfix = {k: f"{float(np.nanmean(v)):.3g}" for k, v in values[-1].items()}
        bar.set_postfix(postfix, refresh=False)

    def save(step):
        flush()
        if not bool(jax.device_get(all_finite(state.params))):
            raise TrainingDiverged(
                f"parameters became non-finite by step {step}; stopped without saving; "
                f"{_last_good(checkpointer)}"
            )
        checkpointer.save(step, state, record)

    try:
        if evaluate and start == 0:
            evaluate(state, 0, workdir, writer)
        with stop.installed():
            calls = recipe.steps_per_call
            for step in range(start + calls, config.steps + 1, calls):  # the call's last step
                batch, position = call_batch(recipe, dataset, position)
                state, metrics = recipe.step(state, batch)
                pending.append((tuple(range(step - calls + 1, step + 1)), metrics))
                bar.update(calls)
                if step % config.log_every == 0:
                    flush()
                if config.sample_every and (
                    step % config.sample_every == 0 or step == config.steps
                ):
                    _write_samples(recipe, state, sample_key, step, workdir, writer, dataset.info)
                if evaluate and (step % config.eval_every == 0 or step == config.steps):
                    flush()
                    evaluate(state, step, workdir, writer)
                if step % config.checkpoint_every == 0 or step == config.steps or stop.requested:
                    save(step)
                if stop.requested:
                    bar.close()
                    log(
                        f"stopped by {stop.requested} at step {step}; checkpoint saved in "
                        f"{checkpointer.directory}; run the same command to resume"
                    )
                    break
            flush()
            if start >= config.steps:
                log(
                    f"{workdir} already holds {start} steps (steps={config.steps}); "
                    "raise --set steps=N to go on"
                )
    finally:
        bar.close()
        checkpointer.close()
        writer.close()
    return state


def _check_data_shapes(dataset, example_batch):
    """One line when the data does not have the shapes the recipe's networks were built for."""
    for key, expected in example_batch.items():
        if key not in dataset.element_spec:
            raise UserError(
                f"{dataset.name} has no {key!r} entry (it has "
                f"{sorted(dataset.element_spec)}); choose a data set with {key!r}"
            )
        shape = tuple(dataset.element_spec[key][0])
        if shape != expected.shape[1:]:
            raise UserError(
                f"{dataset.name} gives {key!r} of shape {list(shape)} per example, the recipe "
                f"expects {list(expected.shape[1:])}: set image_size / channels to match "
                "(e.g. --set channels=3)"
            )


def _evaluator(recipe):
    """``evaluate(state, step, workdir, writer)`` when the config asks for it, else None."""
    config = recipe.config
    if not config.get("eval_every", 0):
        return None
    from jaxgen.metrics import evaluation, features
    from jaxgen.metrics.run_eval import evaluate_run, result_path, save_result

    if config.eval_metrics:
        evaluation.parse_metrics(config.eval_metrics)  # fail before training, not after
    if config.data not in ("ring8", "grid25"):
        features.for_data(config.data)

    def evaluate(state, step, workdir, writer):
        result = evaluate_run(
            recipe,
            state,
            metrics=config.eval_metrics,
            num_samples=config.eval_num_samples,
            reference=config.eval_reference,
            progress=False,
        )
        writer.scalars(step, {f"eval/{k}": v for k, v in result["metrics"].items()})
        if jax.process_index() == 0:  # every process computes it; one writes
            save_result(result, result_path(workdir, step, config.eval_num_samples, seed=0))

    return evaluate


def call_batch(recipe, dataset, position: int):
    """``(batch, next position)``: what one call of ``recipe.step`` takes from data batch number
    ``position`` on, on the devices. Its leading axes: the call's steps (``steps_per_call`` >
    1), the runs (``runs`` > 1), the batches of one step (``batches_per_step`` > 1), then the
    examples, sharded over the mesh."""
    count = recipe.batches_per_step
    calls = recipe.steps_per_call
    if calls == 1:
        batch = _batches(dataset, position, count)
    else:
        steps = [_batches(dataset, position + i * count, count) for i in range(calls)]
        batch = {k: np.stack([b[k] for b in steps]) for k in steps[0]}
    leading_axes = (count > 1) + (recipe.runs > 1) + (calls > 1)
    return put_batch(batch, recipe.mesh, stacked=leading_axes), position + count * calls


def _per_step(pending, calls):
    """``[(steps, metrics)]`` of calls → (steps, metrics of each step), one entry per step."""
    steps, values = [], []
    for call_steps, metrics in pending:
        for i, step in enumerate(call_steps):
            steps.append(step)
            values.append(metrics if calls == 1 else {k: v[i] for k, v in metrics.items()})
    return steps, values


def _batches(dataset, position, count):
    """``count`` batches from ``position``, stacked on a new axis just before the examples'
    (after the runs' axis of a ``RunsDataset``: ``[runs, count, B, ...]``)."""
    if count == 1:
        return dataset.batch(position)
    batches = [dataset.batch(position + i) for i in range(count)]
    return {
        k: np.stack([b[k] for b in batches], axis=batches[0][k].ndim - 1 - len(shape))
        for k, (shape, _) in dataset.element_spec.items()
    }


def _write_samples(recipe, state, key, step, workdir, writer, data_info):
    """The sample grid in ``samples/`` (several runs: one per run in ``samples/run_K/``)."""
    samples = jax.device_get(recipe.sample(state, key, recipe.config.num_samples))
    if jax.process_index() != 0:
        return  # every process runs the sampler (one program over all devices); one writes
    for run in range(recipe.runs):
        run_samples = samples if recipe.runs == 1 else {k: v[run] for k, v in samples.items()}
        # Toy mixtures: the true modes drawn beneath the samples.
        extra = {"reference": data_info["centers"]} if "x" in run_samples else {}
        image = picture(run_samples, **extra)
        directory = os.path.join(workdir, SAMPLES_DIR)
        if recipe.runs > 1:
            directory = os.path.join(directory, f"run_{run}")
        save_png(image, os.path.join(directory, f"step_{step:07d}.png"))
        save_png(image, os.path.join(directory, "latest.png"))
        writer.image(step, "samples", image, run=run)


def _raise_if_diverged(steps, values, checkpointer):
    for step, metrics in zip(steps, values, strict=True):
        bad = [
            name for name, v in metrics.items() if name.startswith("loss") and not np.isfinite(v)
        ]
        if bad:
            name = bad[0]
            raise TrainingDiverged(
                f"{name} became {float(metrics[name])} at step {step}; stopped; "
                f"{_last_good(checkpointer)}; try a lower learning rate"
            )


def _report_diverged_runs(steps, values, diverged, log):
    """Logs once per run the first step at which one of its losses became non-finite."""
    for step, metrics in zip(steps, values, strict=True):
        for name, per_run in metrics.items():
            if not name.startswith("loss"):
                continue
            for run in np.flatnonzero(~np.isfinite(per_run)):
                if int(run) not in diverged:
                    diverged[int(run)] = step
                    log(
                        f"run {run}: {name} became {float(per_run[run])} at step {step}; its "
                        "non-finite updates are skipped (it keeps its last finite parameters)"
                    )


def _last_good(checkpointer):
    checkpointer.wait()
    latest = checkpointer.latest_step()
    if latest is None:
        return "no checkpoint was saved"
    return f"the last good checkpoint is step {latest} in {checkpointer.directory}"


class _StopFlag:
    """Turns SIGTERM and the first Ctrl-C into a request to checkpoint and stop."""

    def __init__(self):
        self.requested = None

    def _handle(self, signum, frame):
        if self.requested == "Ctrl-C" and signum == signal.SIGINT:
            raise KeyboardInterrupt  # the second Ctrl-C stops at once
        self.requested = "SIGTERM" if signum == signal.SIGTERM else "Ctrl-C"

    @contextlib.contextmanager
    def installed(self):
        previous = {}
        try:
            for signum in (signal.SIGTERM, signal.SIGINT):
                previous[signum] = signal.signal(signum, self._handle)
        except ValueError:  # not the main thread: leave signals alone
            pass
        try:
            yield self
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
