"""``sweep``: run a function over the Cartesian grid of some 1-D axes as one ``jax.vmap``.

    trajectories = sweep(
        lambda lr, y0: rollout(bilinear(), simultaneous(optax.sgd(lr)), Pair(1.0, y0), 100),
        lr=jnp.array([0.01, 0.1, 0.5]),
        y0=jnp.linspace(-1.0, 1.0, 5),
    )  # a Pair of [3, 5, 101] arrays

Every axis becomes a traced argument, so a step size sweeps as well as an initial point or a
PRNG key (``keys=jax.random.split(key, 10)``: a leading axis of keys is one axis of the grid).
One compiled program runs every point of the grid; on a mesh of several devices, shard the
flattened grid axis as a batch.
"""

import jax
import jax.numpy as jnp


def sweep(run, **axes):
    """``run(**point)`` for every point of the grid of ``axes``, vmapped once.

    Args:
      run: a function of keyword arguments, one per axis, returning a pytree.
      **axes: arrays whose leading axis holds the values of that argument (the rest of each
        array is the value: keys of shape [n, 2] sweep n keys).

    Returns:
      ``run``'s pytree with leading axes ``(len(axis_1), len(axis_2), ...)`` in the order given.
    """
    if not axes:
        raise ValueError("sweep needs at least one axis, e.g. sweep(run, lr=jnp.array([...]))")
    axes = {name: jnp.asarray(values) for name, values in axes.items()}
    for name, values in axes.items():
        if values.ndim == 0 or values.shape[0] == 0:
            raise ValueError(
                f"sweep axis {name!r} needs a non-empty leading axis, got {values.shape}"
            )
    sizes = tuple(values.shape[0] for values in axes.values())
    grid = jnp.meshgrid(*(jnp.arange(size) for size in sizes), indexing="ij")
    flat = {
        name: values[index.reshape(-1)]
        for (name, values), index in zip(axes.items(), grid, strict=True)
    }
    results = jax.vmap(lambda point: run(**point))(flat)
    return jax.tree.map(lambda x: x.reshape(sizes + x.shape[1:]), results)
