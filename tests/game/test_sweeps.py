"""``sweep`` and ``rollout(every=)`` against Python loops over the same points."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxgen import Pair
from jaxgen.game import bilinear, dirac_gan, rollout, simultaneous, sweep


@pytest.fixture(autouse=True)
def float64():
    with jax.enable_x64(True):
        yield


def test_sweep_over_step_sizes_and_initial_points_is_the_loop():
    step_sizes, starts = jnp.array([0.01, 0.1, 0.3]), jnp.array([-1.0, 0.5])

    def run(lr, y0):
        return rollout(bilinear(), simultaneous(optax.sgd(lr)), Pair(jnp.float64(1.0), y0), 20)

    swept = sweep(run, lr=step_sizes, y0=starts)
    assert swept.g.shape == (3, 2, 21)
    for i, lr in enumerate(step_sizes):
        for j, y0 in enumerate(starts):
            # closed form: |w| grows by √(1 + η²) per step
            one = run(float(lr), y0)
            np.testing.assert_allclose(swept.g[i, j], one.g, rtol=1e-12)
            np.testing.assert_allclose(swept.d[i, j], one.d, rtol=1e-12)
            radius = np.hypot(swept.g[i, j, -1], swept.d[i, j, -1])
            np.testing.assert_allclose(radius, np.hypot(1.0, y0) * (1 + lr**2) ** 10, rtol=1e-12)


def test_sweep_over_keys():
    keys = jax.random.split(jax.random.PRNGKey(0), 4)
    game = dirac_gan("wgan_gp", gamma=1.0)  # its penalty draws interpolates from the key
    rule = simultaneous(optax.sgd(0.1))

    def run(key):
        return rollout(game, rule, Pair(jnp.float64(1.0), jnp.float64(0.3)), 10, key=key)

    swept = sweep(run, key=keys)
    for i in range(4):
        np.testing.assert_allclose(swept.g[i], run(keys[i]).g, rtol=1e-12)


def test_rollout_every_keeps_every_kth_point():
    rule = simultaneous(optax.sgd(0.1))
    start = Pair(jnp.float64(1.0), jnp.float64(0.5))
    full = rollout(bilinear(), rule, start, 12)
    thinned = rollout(bilinear(), rule, start, 12, every=4)
    np.testing.assert_allclose(thinned.g, full.g[::4], rtol=1e-14)
    with pytest.raises(ValueError, match="every"):
        rollout(bilinear(), rule, start, 10, every=4)


def test_sweep_needs_axes():
    with pytest.raises(ValueError, match="at least one axis"):
        sweep(lambda: 0)
    with pytest.raises(ValueError, match="non-empty"):
        sweep(lambda lr: lr, lr=jnp.array([]))
