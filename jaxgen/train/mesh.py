"""Data parallelism with ``jax.jit`` over a device mesh: batch sharded, state replicated.

The same program runs on 1 CPU, 8 GPUs or a TPU pod: the mesh has one axis, ``data``, over
all devices of all processes; XLA inserts the gradient all-reduce (batch-norm statistics are
computed over the global batch for the same reason). Each process feeds only its own rows of
the global batch (``jax.make_array_from_process_local_data``).
"""

import os

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding
from jax.sharding import PartitionSpec as P

from jaxgen.errors import UserError

DATA_AXIS = "data"
# Variables by which a launcher says that this is one process of several.
_DISTRIBUTED_HINTS = ("JAX_COORDINATOR_ADDRESS", "JAXGEN_DISTRIBUTED")
_PROCESS_COUNT_HINTS = ("SLURM_NTASKS", "OMPI_COMM_WORLD_SIZE")


def initialize_distributed_if_requested() -> bool:
    """Calls ``jax.distributed.initialize()`` when the environment asks for several processes.

    On Cloud TPU pods set ``JAXGEN_DISTRIBUTED=1`` (JAX finds the coordinator itself); under
    SLURM or Open MPI the process count is read from the launcher; elsewhere (several machines,
    or processes on one) set ``JAX_COORDINATOR_ADDRESS=host:port``, ``JAX_NUM_PROCESSES`` and
    ``JAX_PROCESS_ID``, which JAX does not read by itself. Must run before JAX starts.
    """
    multi = any(os.environ.get(name) for name in _DISTRIBUTED_HINTS) or any(
        int(os.environ.get(name, "1")) > 1 for name in _PROCESS_COUNT_HINTS
    )
    if multi:
        explicit = {}
        for variable, argument in (("JAX_NUM_PROCESSES", "num_processes"),
                                   ("JAX_PROCESS_ID", "process_id")):  # fmt: skip
            if os.environ.get(variable):
                try:
                    explicit[argument] = int(os.environ[variable])
                except ValueError:
                    raise UserError(f"{variable} must be an integer, got "
                                    f"{os.environ[variable]!r}") from None  # fmt: skip
        jax.distributed.initialize(**explicit)
    return multi


def data_mesh(devices=None) -> Mesh:
    """A one-axis mesh (``data``) over ``devices`` (default: all devices of all processes)."""
    devices = jax.devices() if devices is None else devices
    return Mesh(np.asarray(devices), (DATA_AXIS,))


def replicated(mesh: Mesh) -> NamedSharding:
    return NamedSharding(mesh, P())


def batch_sharding(mesh: Mesh, *, stacked: int = 0) -> NamedSharding:
    """The batch axis over ``data``, after ``stacked`` leading axes (``True``: one): batches
    ``[k, B, ...]`` of several data batches per step, ``[runs, B, ...]`` of stacked runs or
    ``[runs, k, B, ...]`` of both."""
    return NamedSharding(mesh, P(*[None] * int(stacked), DATA_AXIS))


def check_batch_size(batch_size: int, mesh: Mesh) -> None:
    """A clear error when the global batch does not split evenly over the devices."""
    devices = mesh.devices.size
    if batch_size % devices:
        lower = batch_size - batch_size % devices
        options = f"{lower} or {lower + devices}" if lower else f"{devices}"
        raise UserError(
            f"batch_size={batch_size} does not divide over {devices} devices; "
            f"use a multiple of {devices} (e.g. --set batch_size={options})"
        )


def put_batch(batch: dict, mesh: Mesh, *, stacked: int = 0) -> dict:
    """This process's rows of the global batch → global arrays sharded over the mesh."""
    sharding = batch_sharding(mesh, stacked=stacked)
    return {k: jax.make_array_from_process_local_data(sharding, v) for k, v in batch.items()}
