"""benchmarks/torch_reference.py computes what jaxgen's recipes compute, so that
benchmarks/step_vs_torch.py compares the same work: parameter counts, outputs, losses,
gradients and batch-norm statistics on jaxgen's own parameters, one full ``gan_ring8`` step;
and the ``--small`` benchmark prints its table."""

import pathlib
import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxgen import recipes
from jaxgen.game.adversarial import apply_module
from jaxgen.game.base import apply_player_update, player_gradient
from jaxgen.recipes import gan
from jaxgen.train.mesh import put_batch
from jaxgen.types import Pair

torch = pytest.importorskip("torch")
from benchmarks import torch_reference  # noqa: E402  (needs torch)
from benchmarks.step_vs_torch import SMALL_BATCH_SIZES  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]
CASES = tuple(torch_reference.CASES)
MEMORY_FORMATS = (torch.contiguous_format, torch.channels_last)
# The recipes at the --small benchmark's batch sizes compile the programs (init, step) that its
# subprocesses then find in the tests' compilation cache (conftest.py).
BATCH_SIZES = SMALL_BATCH_SIZES
_MARGIN = 1e-6  # float32 rounding of an activation input in either framework is far below


def _tensor(x):
    return torch.tensor(np.asarray(x))


def _numpy(tree):
    return jax.tree.map(np.asarray, tree)


def _torch_tensors(case, values):
    """``values`` (a Pair of flax-layout dicts) in the reference's layout, by parameter name."""
    copy = torch_reference.build(case)
    torch_reference.copy_jaxgen_params(copy, values)
    return {
        player: {name: p.detach() for name, p in getattr(copy, network).named_parameters()}
        for player, network in (("g", "generator"), ("d", "discriminator"))
    }


def _assert_close(actual, expected, *, rtol, atol, what):
    np.testing.assert_allclose(
        actual.detach().numpy(), expected.detach().numpy(), rtol=rtol, atol=atol, err_msg=what
    )


@pytest.mark.parametrize("case", CASES)
def test_parameter_counts_equal_jaxgen(case):
    recipe = recipes.get(case)
    state = jax.eval_shape(lambda: recipe.init(jax.random.PRNGKey(0), recipe.example_batch()))
    jaxgen_counts = {
        player: sum(x.size for x in jax.tree.leaves(getattr(state.params, player)))
        for player in ("g", "d")
    }
    assert torch_reference.parameter_counts(torch_reference.build(case)) == jaxgen_counts


def _activation_margin(model):
    """Registers hooks on ``model``'s layers that feed a ReLU or LeakyReLU; returns a list
    that collects the smallest |input| of those activations in every forward pass."""
    margins = []

    def record(module, inputs, output):
        margins.append(float(output.detach().abs().min()))

    for layer in (
        model.generator.project_norm,
        model.generator.upsample_norm,
        model.discriminator.conv,
        model.discriminator.norm,
    ):
        layer.register_forward_hook(record)
    return margins


def test_dcgan_mnist_outputs_losses_and_gradients_equal_jaxgen():
    """Batch 4, training mode, jaxgen's initial parameters in both: G(z), D's logits, both
    losses, ∇_D L_D at the start, ∇_G L_G after D's Adam update (where the step takes it)
    and the batch-norm running means after the whole step (their number and order)."""
    batch_size = 4
    recipe = recipes.get("dcgan_mnist", batch_size=BATCH_SIZES["dcgan_mnist"])
    generator, discriminator, _ = gan.networks(recipe.config)
    game = gan.make_game(recipe.config, generator, discriminator, "image")
    adam = optax.adam(2e-4, b1=0.5, b2=0.999)
    # A key whose activations all keep more than _MARGIN from 0 (asserted below): a (leaky)
    # ReLU input within float32 rounding of 0 may take the other branch on the other side.
    d_key, g_key, real_key = jax.random.split(jax.random.PRNGKey(3), 3)
    real = jax.random.uniform(real_key, (batch_size, 28, 28, 1), jnp.float32, -1.0, 1.0)

    @jax.jit  # one program: compiling it costs less than running its pieces op by op
    def jaxgen_side(params, model_state):
        # The game draws z ~ N(0, I) [B, latent] from its key (jaxgen.game.adversarial).
        z_d, z_g = (jax.random.normal(k, (batch_size, 100), jnp.float32) for k in (d_key, g_key))
        fake, _ = apply_module(generator, params.g, model_state.g, z_d, train=True)
        d_params, d_state = params.d, model_state.d
        real_logits, d_state = apply_module(discriminator, d_params, d_state, real, train=True)
        fake_logits, _ = apply_module(discriminator, d_params, d_state, fake, train=True)
        batch = {"image": real}
        grad_d, losses_d, state_after_d, _ = player_gradient(
            game, "d", params, model_state, batch, d_key
        )
        params_d, _ = apply_player_update(adam, grad_d, adam.init(params.d), params.d)
        grad_g, losses_g, state_after_g, _ = player_gradient(
            game, "g", Pair(params.g, params_d), state_after_d, batch, g_key
        )
        return {
            "z": (z_d, z_g),
            "outputs": (fake, real_logits, fake_logits),
            "losses": (losses_d.d, losses_g.g),
            "grads": Pair(grad_g, grad_d),
            "stats": state_after_g,
        }

    state = recipe.init(jax.random.PRNGKey(0), recipe.example_batch())
    jaxgen = _numpy(jaxgen_side(state.params, state.model_state))
    params = _numpy(state.params)
    z_d, z_g = jaxgen["z"]
    fake, real_logits, fake_logits = jaxgen["outputs"]
    expected_losses = jaxgen["losses"]
    expected_grads = _torch_tensors("dcgan_mnist", jaxgen["grads"])
    stats = jaxgen["stats"]

    def nchw(x):
        return _tensor(np.asarray(x).transpose(0, 3, 1, 2))

    for memory_format in MEMORY_FORMATS:
        what = f"{memory_format}: "
        model = torch_reference.build("dcgan_mnist", memory_format=memory_format)
        torch_reference.copy_jaxgen_params(model, params)
        torch_real = nchw(real).contiguous(memory_format=memory_format)
        torch_z_d, torch_z_g = (_tensor(z) for z in (z_d, z_g))
        with torch.no_grad():
            torch_fake = model.generator(torch_z_d)
            torch_real_logits = model.discriminator(torch_real)
            torch_fake_logits = model.discriminator(torch_fake)
        _assert_close(torch_fake, nchw(fake), rtol=1e-4, atol=1e-4, what=what + "G(z)")
        _assert_close(
            torch_real_logits, _tensor(real_logits), rtol=1e-4, atol=1e-4, what=what + "D(real)"
        )
        _assert_close(
            torch_fake_logits, _tensor(fake_logits), rtol=1e-4, atol=1e-4, what=what + "D(G(z))"
        )

        model = torch_reference.build("dcgan_mnist", memory_format=memory_format)
        torch_reference.copy_jaxgen_params(model, params)
        margins = _activation_margin(model)
        loss_d, loss_g = torch_reference.train_step(model, torch_real, z_d=torch_z_d, z_g=torch_z_g)
        assert min(margins) > _MARGIN, f"{what}an activation input within {_MARGIN}: change key"
        np.testing.assert_allclose(loss_d, expected_losses[0], rtol=1e-5, err_msg=what + "L_D")
        np.testing.assert_allclose(loss_g, expected_losses[1], rtol=1e-5, err_msg=what + "L_G")
        # The step leaves D's gradients of its own update (the G update does not touch them)
        # and G's of the G update. Biases followed by batch norm have a gradient of 0 up to
        # rounding, hence an absolute tolerance on the scale of each network's gradient.
        for player, network in (("g", model.generator), ("d", model.discriminator)):
            scale = max(float(g.abs().max()) for g in expected_grads[player].values())
            for name, parameter in network.named_parameters():
                _assert_close(
                    parameter.grad,
                    expected_grads[player][name],
                    rtol=1e-4,
                    atol=1e-5 * scale,
                    what=f"{what}∇ {player} {name}",
                )
        # Running means: G's updated twice, D's four times (D(real) in the G update too).
        # D's conv bias before its batch norm has a gradient of 0 up to rounding, which Adam's
        # first step turns into a move of up to ±lr on each side; the G update's two passes
        # carry it into D's running mean with weight 0.1 + 0.9 · 0.1.
        bias_noise = 0.19 * 2 * torch_reference.LEARNING_RATE
        for name, norm, flax_stats, atol in (
            ("G 1", model.generator.project_norm, stats.g["batch_stats"]["BatchNorm_0"], 1e-6),
            ("G 2", model.generator.upsample_norm, stats.g["batch_stats"]["BatchNorm_1"], 1e-6),
            ("D", model.discriminator.norm, stats.d["batch_stats"]["BatchNorm_0"], bias_noise),
        ):
            np.testing.assert_allclose(
                norm.running_mean.numpy(),
                flax_stats["mean"],
                rtol=1e-4,
                atol=atol,
                err_msg=f"{what}running mean of {name}",
            )


def _step_latents(state, batch_size, latent_dim):
    """The z of the D and the G update of jaxgen's step at ``state``: the step's key is
    ``fold_in(key, step)`` (jaxgen.train.step), split into the players' keys in the order
    D, G and then into one key per update (jaxgen.game.alternating), from which the game
    draws z ~ N(0, I) [B, latent] (jaxgen.game.adversarial)."""
    step_key = jax.random.fold_in(state.key, state.step)
    player_keys = jax.random.split(step_key)
    return [
        np.asarray(jax.random.normal(jax.random.split(k, 1)[0], (batch_size, latent_dim)))
        for k in player_keys
    ]


def test_gan_ring8_full_step_equals_jaxgen():
    """One recipe step against one reference step from jaxgen's parameters, the same data
    and the same z: both losses and every parameter after both Adam updates."""
    recipe = recipes.get("gan_ring8", batch_size=BATCH_SIZES["gan_ring8"])
    batch_size = recipe.config.batch_size
    state = recipe.init(jax.random.PRNGKey(0), recipe.example_batch())
    batch = recipe.dataset("train").batch(0)
    z_d, z_g = _step_latents(state, batch_size, recipe.config.latent_dim)
    model = torch_reference.build("gan_ring8")
    torch_reference.copy_jaxgen_params(model, _numpy(state.params))

    state, metrics = recipe.step(state, put_batch(batch, recipe.mesh))
    loss_d, loss_g = torch_reference.train_step(
        model, _tensor(batch["x"]), z_d=_tensor(z_d), z_g=_tensor(z_g)
    )
    np.testing.assert_allclose(loss_d, metrics["loss_d"], rtol=1e-5, err_msg="L_D")
    np.testing.assert_allclose(loss_g, metrics["loss_g"], rtol=1e-5, err_msg="L_G")
    # Adam's first step moves each parameter by about ±2e-4 (m̂ / √v̂ = sign of the gradient),
    # so a gradient of the wrong sign or a missed update shows up far above this tolerance.
    expected = _torch_tensors("gan_ring8", _numpy(state.params))
    for player, network in (("g", model.generator), ("d", model.discriminator)):
        for name, parameter in network.named_parameters():
            _assert_close(
                parameter, expected[player][name], rtol=0, atol=1e-6, what=f"{player} {name}"
            )


def test_small_benchmark_prints_every_row():
    # One PyTorch thread: with two on a busy machine its OpenMP threads wait for each other
    # and a step takes up to 100 times longer (benchmarks/step_vs_torch.py warns of it).
    # float32 only: the bfloat16 networks are checked in tests/recipes/test_compute_dtype.py.
    command = ["benchmarks/step_vs_torch.py", "--small", "--threads", "1", "--dtypes", "float32"]
    result = subprocess.run(
        [sys.executable, *command],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.split()[:1] == ["case"])
    header = lines[start].split()
    rows = []
    for line in lines[start + 1 :]:
        if not line.strip():
            break
        rows.append(dict(zip(header, line.split(), strict=True)))
    dtypes = ("float32",)
    assert [(row["case"], row["dtype"]) for row in rows] == [(c, d) for c in CASES for d in dtypes]
    for row in rows:
        for column in ("jaxgen_steps/s", "GFLOP/step", "torch_steps/s", "jaxgen/torch"):
            assert float(row[column]) > 0, (row, column)
        expected_formats = ("-",) if row["case"] == "gan_ring8" else ("nchw", "channels_last")
        assert row["torch_format"] in expected_formats, row
