"""One process of a multi-process CPU training run, started by ``tests/train/test_multihost.py``.

    XLA_FLAGS=--xla_force_host_platform_device_count=4 python tests/train/multihost_worker.py \\
        --process-id I --processes 2 --port PORT --steps 5 --checkpoint-every 3 \\
        --workdir WORKDIR --out OUT.npz

With ``--processes`` > 1 it joins the others through ``jax.distributed.initialize`` at
``127.0.0.1:PORT`` (process 0 is the coordinator; CPU collectives over gloo). It trains
``dcgan_digits`` (tiny) with ``jaxgen.train.train`` up to ``--steps`` steps in WORKDIR, which
all processes share, and saves to OUT this process's view of the result: ``state/{path}``,
the final params and model state (replicated, so each process holds the whole value), and for
the first data batches ``local/{p}``, this process's rows of batch p, and ``global/{p}``, the
global batch that ``put_batch`` assembles from all processes' rows.
"""

import argparse
import os

import jax

RECIPE = "dcgan_digits"
CHECKED_BATCHES = 5


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--process-id", type=int, default=0)
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--port", type=int)
    parser.add_argument("--steps", type=int, required=True)
    parser.add_argument("--checkpoint-every", type=int, required=True)
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    if args.processes > 1:
        jax.config.update("jax_cpu_collectives_implementation", "gloo")
        # What a launcher sets; the CLI's entry point reads it (as `jaxgen train` does).
        os.environ["JAX_COORDINATOR_ADDRESS"] = f"127.0.0.1:{args.port}"
        os.environ["JAX_NUM_PROCESSES"] = str(args.processes)
        os.environ["JAX_PROCESS_ID"] = str(args.process_id)
        from jaxgen.train.mesh import initialize_distributed_if_requested

        assert initialize_distributed_if_requested()
    # Imported after initialize, which must come before anything starts the JAX backend.
    import numpy as np
    from jax.experimental import multihost_utils

    from jaxgen import recipes
    from jaxgen.train import train
    from jaxgen.train.mesh import put_batch

    assert jax.process_index() == args.process_id and jax.process_count() == args.processes
    recipe = recipes.get(
        RECIPE, preset="tiny", steps=args.steps, checkpoint_every=args.checkpoint_every
    )
    state = train(recipe, args.workdir, progress=False, log=lambda _: None)
    arrays = {"device_count": np.int64(jax.device_count())}
    for path, leaf in jax.tree_util.tree_leaves_with_path((state.params, state.model_state)):
        assert leaf.is_fully_replicated, jax.tree_util.keystr(path)
        arrays[f"state/{jax.tree_util.keystr(path)}"] = np.asarray(leaf)
    dataset = recipe.dataset("train")
    for position in range(CHECKED_BATCHES):
        rows = dataset.batch(position)["image"]
        assembled = put_batch({"image": rows}, recipe.mesh)["image"]
        arrays[f"local/{position}"] = rows
        arrays[f"global/{position}"] = multihost_utils.process_allgather(assembled, tiled=True)
    np.savez(args.out, **arrays)


if __name__ == "__main__":
    main()
