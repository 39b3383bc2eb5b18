"""The GAN game's options against the same computation written out by hand.

- Off, the game draws z from the step's key alone and is the objective's two means.
- A penalty adds weight · mean(fn(critic, real, fake, key')) with the discriminator at the
  current parameters, key' = fold_in(key, 2); instance noise perturbs both of D's inputs with
  keys from fold_in(key, 1); feature matching replaces L_G by ‖mean f(x) − mean f(G(z))‖².
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgen.game.adversarial import Penalty, adversarial
from jaxgen.losses import get_objective
from jaxgen.losses.regularizers import PENALTIES
from jaxgen.nn import MLPDiscriminator, MLPGenerator
from jaxgen.types import Pair

G, D = MLPGenerator((2,), (8,)), MLPDiscriminator((8,))
OBJECTIVE = get_objective("nsgan")


@pytest.fixture(scope="module")
def setup():
    key = jax.random.PRNGKey(0)
    params = Pair(
        G.init(key, jnp.zeros((1, 3)))["params"],
        D.init(jax.random.PRNGKey(1), jnp.zeros((1, 2)))["params"],
    )
    batch = {"x": jax.random.normal(jax.random.PRNGKey(2), (6, 2))}
    return params, Pair({}, {}), batch, jax.random.PRNGKey(3)


def by_hand(params, batch, key, real=None, fake=None):
    z = jax.random.normal(key, (batch["x"].shape[0], 3))
    fake = G.apply({"params": params.g}, z) if fake is None else fake
    real = batch["x"] if real is None else real
    real_logits = D.apply({"params": params.d}, real)
    fake_logits = D.apply({"params": params.d}, fake)
    loss_d = jnp.mean(OBJECTIVE.discriminator(real_logits, fake_logits))
    return jnp.mean(OBJECTIVE.generator(fake_logits)), loss_d, real, fake


def test_plain_game_is_the_objective(setup):
    params, state, batch, key = setup
    losses, _ = adversarial(G, D, OBJECTIVE, latent_dim=3, data_key="x")(params, state, batch, key)
    loss_g, loss_d, _, _ = by_hand(params, batch, key)
    np.testing.assert_allclose(losses.g, loss_g, rtol=1e-6)
    np.testing.assert_allclose(losses.d, loss_d, rtol=1e-6)


@pytest.mark.parametrize("name", sorted(PENALTIES))
def test_penalty_is_added_to_the_discriminator_only(setup, name):
    params, state, batch, key = setup
    game = adversarial(
        G, D, OBJECTIVE, latent_dim=3, data_key="x", penalty=Penalty(PENALTIES[name], 10.0)
    )
    losses, (_, metrics) = game(params, state, batch, key)
    loss_g, loss_d, real, fake = by_hand(params, batch, key)
    critic = lambda x: D.apply({"params": params.d}, x)
    expected = jnp.mean(PENALTIES[name](critic, real, fake, jax.random.fold_in(key, 2)))
    assert float(expected) > 0 or name == "gp_one_sided"  # a small MLP has ‖∇D‖ < 1
    np.testing.assert_allclose(metrics["d_penalty"], expected, rtol=1e-5)
    np.testing.assert_allclose(losses.d, loss_d + 10.0 * expected, rtol=1e-5)
    np.testing.assert_allclose(losses.g, loss_g, rtol=1e-6)


def test_instance_noise_perturbs_both_inputs(setup):
    params, state, batch, key = setup
    game = adversarial(G, D, OBJECTIVE, latent_dim=3, data_key="x", noise_std=0.5)
    losses, _ = game(params, state, batch, key)
    _, _, real, fake = by_hand(params, batch, key)
    real_key, fake_key = jax.random.split(jax.random.fold_in(key, 1))
    noisy_real = real + 0.5 * jax.random.normal(real_key, real.shape)
    noisy_fake = fake + 0.5 * jax.random.normal(fake_key, fake.shape)
    loss_g, loss_d, _, _ = by_hand(params, batch, key, noisy_real, noisy_fake)
    np.testing.assert_allclose(losses.d, loss_d, rtol=1e-6)
    np.testing.assert_allclose(losses.g, loss_g, rtol=1e-6)
    plain, _ = adversarial(G, D, OBJECTIVE, latent_dim=3, data_key="x")(params, state, batch, key)
    assert abs(float(plain.d - losses.d)) > 1e-4


def test_feature_matching_generator_loss(setup):
    params, state, batch, key = setup
    game = adversarial(G, D, OBJECTIVE, latent_dim=3, data_key="x", feature_matching=True)
    losses, _ = game(params, state, batch, key)
    _, loss_d, real, fake = by_hand(params, batch, key)
    features = lambda x: D.apply({"params": params.d}, x, features=True)[1]
    expected = jnp.sum((features(real).mean(0) - features(fake).mean(0)) ** 2)
    np.testing.assert_allclose(losses.g, expected, rtol=1e-5)
    np.testing.assert_allclose(losses.d, loss_d, rtol=1e-6)
    gradient = jax.grad(lambda g: game(params._replace(g=g), state, batch, key)[0].g)(params.g)
    assert all(np.all(np.isfinite(leaf)) for leaf in jax.tree.leaves(gradient))
