"""The same 5 train steps on 1 device and on 8 (fake CPU) devices give the same parameters.

Not bit for bit: with the batch split over 8 devices, XLA sums the per-device partial
gradients (and batch-norm moments) in another order, and float32 addition is not
associative; the ~1e-7 relative differences of one step grow a little through Adam's
normalization over 5 steps. We require 1e-4 relative, per parameter tensor, and for the
generated samples.

One exception: the bias of a layer followed by batch norm. Batch norm subtracts the batch
mean, so that bias has a gradient of exactly zero in exact arithmetic; in float32 it gets
rounding noise, which Adam (m / √v) turns into steps of ±lr in a random direction. Those
biases (and the running means of the batch norms that follow them) differ between any two
summation orders; they are listed in SHADOWED_BY_BATCH_NORM and checked only to differ by at
most the 5 steps of ±lr: 10·lr. They do not change the networks in training mode, where batch
norm subtracts the batch mean, bias included: the generator's training-mode outputs agree to
1e-4. (In evaluation mode the running means carry the noise, and samples do not agree to 1e-4.)
"""

import os
import subprocess
import sys

import numpy as np
import pytest

from jaxgen import recipes

SCRIPT = """
import sys
import jax
import numpy as np
from jaxgen import recipes
from jaxgen.game.adversarial import apply_module
from jaxgen.recipes.gan import networks
from jaxgen.train.mesh import put_batch

name, out = sys.argv[1], sys.argv[2]
recipe = recipes.get(name, preset="tiny")
assert recipe.mesh.devices.size == jax.device_count()
state = recipe.init(jax.random.PRNGKey(0), recipe.example_batch())
dataset = recipe.dataset("train")
for position in range(5):
    state, _ = recipe.step(state, put_batch(dataset.batch(position), recipe.mesh))
leaves = jax.tree_util.tree_leaves_with_path((state.params, state.model_state))
arrays = {jax.tree_util.keystr(path): np.asarray(x) for path, x in leaves}
generator, _, _ = networks(recipe.config)
z = jax.random.normal(jax.random.PRNGKey(7), (16, recipe.config.latent_dim))
samples, _ = apply_module(generator, state.params.g, state.model_state.g, z, train=True)
np.savez(out, **arrays, samples=np.asarray(samples))
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


# dcgan_digits (two stages): G's Dense_0 and ConvTranspose_0 feed batch norm, so does D's Conv_1.
SHADOWED_BY_BATCH_NORM = {
    "dcgan_digits": [
        "[0].g['Dense_0']['bias']",
        "[1].g['batch_stats']['BatchNorm_0']['mean']",
        "[0].g['ConvTranspose_0']['bias']",
        "[1].g['batch_stats']['BatchNorm_1']['mean']",
        "[0].d['Conv_1']['bias']",
        "[1].d['batch_stats']['BatchNorm_0']['mean']",
    ],
    "gan_ring8": [],
}


@pytest.mark.parametrize("name", ["dcgan_digits", "gan_ring8"])
def test_one_and_eight_devices_agree(tmp_path, name):
    one = run(name, 1, tmp_path / "one.npz")
    eight = run(name, 8, tmp_path / "eight.npz")
    assert one.keys() == eight.keys() and one
    shadowed = SHADOWED_BY_BATCH_NORM[name]
    assert set(shadowed) <= one.keys()
    learning_rate = recipes.get(name, preset="tiny").config.g_learning_rate
    for key in shadowed:
        assert np.abs(one.pop(key) - eight.pop(key)).max() <= 10 * learning_rate, key
    moved = 0
    for key in one:
        a, b = one[key], eight[key]
        relative = np.linalg.norm(a - b) / max(np.linalg.norm(a), 1e-30)
        assert relative <= 1e-4, (key, relative)
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-4 * np.abs(a).max(), err_msg=key)
        moved += not np.array_equal(a, b)
    print(f"{moved} of {len(one)} tensors differ in the last bits")
