"""The adversarial autoencoder: its losses against numpy, the three phases of its rule, and a
short training run on digits that pulls the codes towards the prior."""

import functools
import importlib

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxgen.data import load, priors
from jaxgen.game import alternating, gradient_field
from jaxgen.types import Pair

# The module, not the game function that jaxgen.game exports under the same name.
aae = importlib.import_module("jaxgen.game.adversarial_autoencoder")

DATA_SHAPE = (2, 2, 1)
LATENT = 2
BINARY = np.array([[1, 0, 1, 1], [0, 0, 1, 0], [1, 1, 0, 1]], np.float32).reshape(3, *DATA_SHAPE)
SIGNED = np.array(
    [[0.5, -1.0, 0.25, 1.0], [-0.75, 0.0, 0.5, -0.5], [1.0, 0.75, -0.25, -1.0]], np.float32
).reshape(3, *DATA_SHAPE)
KEY = jax.random.PRNGKey(7)
PRIOR_POINTS = np.array([[0.3, -1.2], [1.5, 0.4], [-0.8, -0.1]], np.float32)


def fixed_prior(key, n):
    """A prior sampler that ignores its key, so that references need not replay the rules' keys."""
    del key
    return jnp.asarray(PRIOR_POINTS[:n])


def tiny(posterior="deterministic", reconstruction="bernoulli", weight=1.0, prior=fixed_prior):
    networks = aae.mlp_networks(
        DATA_SHAPE, LATENT, hidden=(3,), discriminator_hidden=(4,), posterior=posterior
    )
    x = BINARY if reconstruction == "bernoulli" else SIGNED
    params = aae.init_params(networks, jax.random.PRNGKey(0), x, prior)
    game = aae.adversarial_autoencoder(
        *networks,
        prior,
        reconstruction=reconstruction,
        adversarial_weight=weight,
        posterior=posterior,
    )
    return game, params, {"image": x}


def numpy_mlp(params, x):
    layers = [params["MLP_0"][f"Dense_{i}"] for i in range(len(params["MLP_0"]))]
    x = np.asarray(x, np.float64)
    for i, layer in enumerate(layers):
        x = x @ np.asarray(layer["kernel"], np.float64) + np.asarray(layer["bias"], np.float64)
        x = np.maximum(x, 0) if i < len(layers) - 1 else x
    return x


def log_sigmoid(logits):
    return -np.logaddexp(0, -logits)


@pytest.mark.parametrize("posterior", aae.POSTERIORS)
@pytest.mark.parametrize("reconstruction", aae.RECONSTRUCTIONS)
def test_losses_and_metrics_equal_a_numpy_computation(reconstruction, posterior):
    weight = 0.7
    game, params, batch = tiny(posterior, reconstruction, weight)
    key = jax.random.PRNGKey(5)
    x = batch["image"].astype(np.float64)
    encoded = numpy_mlp(params.g["encoder"], x.reshape(3, -1))
    if posterior == "deterministic":
        codes = encoded
    else:
        noise = np.asarray(jax.random.normal(jax.random.split(key)[1], (3, LATENT)), np.float64)
        codes = encoded[:, :LATENT] + np.exp(encoded[:, LATENT:]) * noise
    decoded = numpy_mlp(params.g["decoder"], codes).reshape(x.shape)
    if reconstruction == "bernoulli":
        log_p = x * log_sigmoid(decoded) + (1 - x) * log_sigmoid(-decoded)
        expected_reconstruction = -np.mean(log_p.reshape(3, -1).sum(axis=1))
    else:
        expected_reconstruction = np.mean(((x - decoded) ** 2).reshape(3, -1).sum(axis=1))
    prior_logits = numpy_mlp(params.d["discriminator"], PRIOR_POINTS)[:, 0]
    code_logits = numpy_mlp(params.d["discriminator"], codes)[:, 0]
    expected_d = -np.mean(log_sigmoid(prior_logits)) - np.mean(log_sigmoid(-code_logits))
    expected_adversarial = -np.mean(log_sigmoid(code_logits))

    for phase, expected_g in [
        (None, expected_reconstruction + weight * expected_adversarial),
        ("reconstruction", expected_reconstruction),
        ("regularization", weight * expected_adversarial),
    ]:
        losses, (state, metrics) = game(params, Pair({}, {}), batch, key, phase=phase)
        np.testing.assert_allclose(losses.g, expected_g, rtol=2e-5)
        np.testing.assert_allclose(losses.d, expected_d, rtol=2e-5)
    assert state == Pair({}, {})
    np.testing.assert_allclose(metrics["reconstruction"], expected_reconstruction, rtol=2e-5)
    np.testing.assert_allclose(metrics["encoder_adversarial"], expected_adversarial, rtol=2e-5)
    accuracy = (np.mean(prior_logits > 0) + np.mean(code_logits < 0)) / 2
    np.testing.assert_allclose(metrics["d_accuracy"], accuracy)
    sigmoid = lambda v: 1 / (1 + np.exp(-v))
    np.testing.assert_allclose(metrics["d_prior"], sigmoid(prior_logits).mean(), rtol=2e-5)
    np.testing.assert_allclose(metrics["d_codes"], sigmoid(code_logits).mean(), rtol=2e-5)


def test_prior_samples_come_from_the_first_split_key():
    gaussian = priors.prior("gaussian", LATENT).sample
    game, params, batch = tiny(prior=gaussian)
    key = jax.random.PRNGKey(6)
    _, (_, metrics) = game(params, Pair({}, {}), batch, key)
    prior_logits = numpy_mlp(params.d["discriminator"], gaussian(jax.random.split(key)[0], 3))[:, 0]
    np.testing.assert_allclose(metrics["d_prior"], np.mean(1 / (1 + np.exp(-prior_logits))), 2e-5)


def _grad(game, player, params, batch, phase=None):
    def loss(own):
        losses, _ = game(params._replace(**{player: own}), Pair({}, {}), batch, KEY, phase=phase)
        return getattr(losses, player)

    return jax.grad(loss)(getattr(params, player))


def _assert_trees_equal(a, b, **tolerance):
    jax.tree.map(functools.partial(np.testing.assert_allclose, **tolerance), a, b)


def _norm(tree):
    return float(optax.tree.norm(tree))


def test_gradients_reach_the_right_players():
    weight = 0.5
    game, params, batch = tiny(weight=weight)
    field, _, _, _ = gradient_field(game, params, Pair({}, {}), batch, KEY)
    reconstruction = _grad(game, "g", params, batch, "reconstruction")
    regularization = _grad(game, "g", params, batch, "regularization")
    # The decoder learns from the reconstruction alone; the encoder from both terms.
    assert _norm(regularization["decoder"]) == 0.0
    assert _norm(reconstruction["decoder"]) > 0 and _norm(regularization["encoder"]) > 0
    assert _norm(reconstruction["encoder"]) > 0 and _norm(field.d) > 0
    summed = jax.tree.map(jnp.add, reconstruction, regularization)
    _assert_trees_equal(field.g, summed, rtol=1e-5, atol=1e-7)


def _sgd_step(params, grads, lr):
    return jax.tree.map(lambda p, g: p - lr * g, params, grads)


def test_phased_step_is_reconstruction_then_discriminator_then_encoder():
    lr = 0.3
    game, params, batch = tiny()
    rule = aae.phased(optax.sgd(lr))
    new, _, _, metrics = jax.jit(
        lambda p, s: rule.step(game, p, Pair({}, {}), s, batch, jax.random.PRNGKey(1))
    )(params, rule.init(params))

    g1 = _sgd_step(params.g, _grad(game, "g", params, batch, "reconstruction"), lr)
    after_a = params._replace(g=g1)
    d1 = _sgd_step(params.d, _grad(game, "d", after_a, batch), lr)
    after_b = after_a._replace(d=d1)
    encoder_grad = _grad(game, "g", after_b, batch, "regularization")["encoder"]
    expected = Pair(
        {"encoder": _sgd_step(g1["encoder"], encoder_grad, lr), "decoder": g1["decoder"]}, d1
    )
    _assert_trees_equal(new, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(
        new.g["decoder"]["MLP_0"]["Dense_0"]["kernel"], g1["decoder"]["MLP_0"]["Dense_0"]["kernel"]
    )

    # Each metric is its own phase's evaluation, before that phase's update.
    evaluate = jax.jit(lambda p: game(p, Pair({}, {}), batch, KEY))

    np.testing.assert_allclose(
        metrics["reconstruction"], evaluate(params)[1][1]["reconstruction"], 1e-6
    )
    np.testing.assert_allclose(metrics["loss_d"], evaluate(after_a)[0].d, 1e-6)
    np.testing.assert_allclose(
        metrics["encoder_adversarial"], evaluate(after_b)[1][1]["encoder_adversarial"], 1e-6
    )

    # alternating(d_first=True) on the summed loss: D first, at the encoder before any update,
    # then one merged step of L_rec + λ·L_adv.
    alt = alternating(optax.sgd(lr), d_first=True)
    alt_step = jax.jit(lambda p, s: alt.step(game, p, Pair({}, {}), s, batch, KEY)[0])
    alt_new = alt_step(params, alt.init(params))
    d_alt = _sgd_step(params.d, _grad(game, "d", params, batch), lr)
    g_alt = _sgd_step(params.g, _grad(game, "g", params._replace(d=d_alt), batch), lr)
    _assert_trees_equal(alt_new, Pair(g_alt, d_alt), rtol=1e-5, atol=1e-6)
    assert _norm(jax.tree.map(jnp.subtract, alt_new.g, new.g)) > 1e-4


ZERO, ADAM = optax.set_to_zero(), optax.adam(0.05)


@pytest.mark.parametrize(
    ("phases", "moved"),
    [
        (aae.Phases(ADAM, ZERO, ZERO), {"encoder", "decoder"}),
        (aae.Phases(ZERO, ADAM, ZERO), {"discriminator"}),
        (aae.Phases(ZERO, ZERO, ADAM), {"encoder"}),
        (Pair(ADAM, ZERO), {"encoder", "decoder"}),
    ],
)
def test_each_phase_moves_only_its_own_networks(phases, moved):
    game, params, batch = tiny()
    rule = aae.phased(phases)
    step = jax.jit(lambda p, s, k: rule.step(game, p, Pair({}, {}), s, batch, k))
    new, state = params, rule.init(params)
    for t in range(3):  # several steps: Adam's moments build up, and nothing else may move
        new, _, state, _ = step(new, state, jax.random.PRNGKey(t))
    networks = {**params.g, **params.d}
    after = {**new.g, **new.d}
    for name in networks:
        change = _norm(jax.tree.map(jnp.subtract, after[name], networks[name]))
        assert (change > 1e-3) == (name in moved), (name, change)


def test_bad_configuration_is_a_value_error():
    networks = aae.mlp_networks(DATA_SHAPE, LATENT, hidden=(3,))
    with pytest.raises(ValueError, match="reconstruction must be one of"):
        aae.adversarial_autoencoder(*networks, fixed_prior, reconstruction="l1")
    with pytest.raises(ValueError, match="posterior must be one of"):
        aae.mlp_networks(DATA_SHAPE, LATENT, posterior="flow")
    with pytest.raises(TypeError, match="phased takes an optax"):
        aae.phased(0.1)
    game, params, batch = tiny()
    with pytest.raises(ValueError, match="phase must be one of"):
        game(params, Pair({}, {}), batch, KEY, phase="a")
    gaussian_game = aae.adversarial_autoencoder(*networks, fixed_prior, posterior="gaussian")
    with pytest.raises(ValueError, match=r"encoder must output \[batch, 4\] for a gaussian"):
        gaussian_game(params, Pair({}, {}), batch, KEY)
    decoder = aae.MLPDecoder((5,), (3,))
    wrong = aae.adversarial_autoencoder(
        networks.encoder, decoder, networks.discriminator, fixed_prior
    )
    wrong_params = params._replace(
        g={**params.g, "decoder": decoder.init(KEY, PRIOR_POINTS)["params"]}
    )
    with pytest.raises(ValueError, match=r"decoder must output the data's shape \(3, 2, 2, 1\)"):
        wrong(wrong_params, Pair({}, {}), batch, KEY)


def energy_distance(a, b):
    """2·E‖A − B‖ − E‖A − A'‖ − E‖B − B'‖ (V-statistic), zero iff the laws agree."""

    def mean_distance(u, v):
        return np.mean(np.linalg.norm(u[:, None, :] - v[None, :, :], axis=-1))

    return 2 * mean_distance(a, b) - mean_distance(a, a) - mean_distance(b, b)


def test_training_on_digits_pulls_the_codes_to_the_prior_and_reconstructs():
    prior = priors.prior("gaussian", 2)
    data = load("digits", batch_size=64, format="binary", seed=0)
    evaluation = next(data.epoch(512))["image"]
    networks = aae.mlp_networks((8, 8, 1), 2, hidden=(64,), discriminator_hidden=(32, 32))
    params = aae.init_params(networks, jax.random.PRNGKey(0), evaluation[:2], prior.sample)
    game = aae.adversarial_autoencoder(*networks, prior.sample)
    prior_points = np.asarray(prior.sample(jax.random.PRNGKey(99), 512), np.float64)
    # The learning rate lives in the optimizer state, so that the control below (phase (c)
    # switched off: a plain autoencoder) runs the same compiled step.
    rule = aae.phased(optax.inject_hyperparams(optax.adam)(learning_rate=1e-3, b1=0.5))
    step = jax.jit(functools.partial(rule.step, game))

    def train(generator_learning_rate, steps=1000):
        state = rule.init(params)
        generator = state.opt_state.generator
        hyperparams = {
            **generator.hyperparams,
            "learning_rate": jnp.float32(generator_learning_rate),
        }
        state = state._replace(
            opt_state=state.opt_state._replace(
                generator=generator._replace(hyperparams=hyperparams)
            )
        )
        p = params
        for t in range(steps):
            p, _, state, metrics = step(
                p, Pair({}, {}), state, data.batch(t), jax.random.PRNGKey(t)
            )
        return p, metrics

    def statistics(p):
        """(energy distance between the codes and prior samples, mean reconstruction loss)."""
        codes = networks.encoder.apply({"params": p.g["encoder"]}, evaluation)
        _, (_, metrics) = game(p, Pair({}, {}), {"image": evaluation}, jax.random.PRNGKey(0))
        distance = energy_distance(np.asarray(codes, np.float64), prior_points)
        return distance, float(metrics["reconstruction"])

    start_distance, start_reconstruction = statistics(params)
    trained, metrics = train(1e-3)
    distance, reconstruction = statistics(trained)
    plain_distance, plain_reconstruction = statistics(train(0.0)[0])
    # Measured (seeds 0-4 of the initialization): the distance falls from 0.39-0.57 to
    # 0.005-0.022 and the reconstruction from 44.7 to 17.4-18.5 nats.
    assert distance < start_distance / 5
    assert reconstruction < 0.5 * start_reconstruction
    # The pull comes from the adversarial phases: a plain autoencoder's codes stay far from
    # the prior, at little saving in reconstruction.
    assert plain_distance > 5 * distance
    assert reconstruction < 1.2 * plain_reconstruction
    assert 0.3 < float(metrics["d_accuracy"]) < 0.8  # D cannot tell codes from the prior
