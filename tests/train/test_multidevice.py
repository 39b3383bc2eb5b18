"""The same 5 train steps on 1 device and on 8 (fake CPU) devices give the same parameters.

Not bit for bit: with the batch split over 8 devices, XLA sums the per-device partial
gradients (and batch-norm moments) in another order, and float32 addition is not
associative; the ~1e-7 relative differences of one step grow a little through Adam's
normalization over 5 steps. We require 1e-4 relative, per parameter tensor.
"""

import os
import subprocess
import sys

import numpy as np
import pytest

SCRIPT = """
import sys
import jax
import numpy as np
from jaxgen import recipes
from jaxgen.train.mesh import put_batch

name, out = sys.argv[1], sys.argv[2]
recipe = recipes.get(name, preset="tiny")
assert recipe.mesh.devices.size == jax.device_count()
state = recipe.init(jax.random.PRNGKey(0), recipe.example_batch())
dataset = recipe.dataset("train")
for position in range(5):
    state, _ = recipe.step(state, put_batch(dataset.batch(position), recipe.mesh))
leaves = jax.tree_util.tree_leaves_with_path((state.params, state.model_state))
np.savez(out, **{jax.tree_util.keystr(path): np.asarray(x) for path, x in leaves})
print(jax.device_count())
"""


def run(name, devices, out):
    env = {**os.environ, "XLA_FLAGS": f"--xla_force_host_platform_device_count={devices}"}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, name, str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == str(devices)
    with np.load(out) as arrays:
        return dict(arrays)


@pytest.mark.parametrize("name", ["dcgan_digits", "gan_ring8"])
def test_one_and_eight_devices_agree(tmp_path, name):
    one = run(name, 1, tmp_path / "one.npz")
    eight = run(name, 8, tmp_path / "eight.npz")
    assert one.keys() == eight.keys() and one
    moved = 0
    for key in one:
        a, b = one[key], eight[key]
        relative = np.linalg.norm(a - b) / max(np.linalg.norm(a), 1e-30)
        assert relative <= 1e-4, (key, relative)
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-4 * np.abs(a).max(), err_msg=key)
        moved += not np.array_equal(a, b)
    print(f"{moved} of {len(one)} tensors differ in the last bits")
