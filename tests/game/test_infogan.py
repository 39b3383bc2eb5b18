"""InfoGAN's game against the computation written out by hand (Chen et al. 2016).

The mutual-information term is −log Q(c | G(z, c)) up to a constant: the categorical code's
cross-entropy plus, per continuous code, ½(c − μ)² (a unit-variance Gaussian), the latter
weighted; both players add it with weight λ, and its gradient reaches G and Q.
"""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgen.game import infogan
from jaxgen.losses import get_objective
from jaxgen.nn import MLPDiscriminator, MLPGenerator
from jaxgen.nn.conditioning import InfoQHead
from jaxgen.types import Pair

NOISE, K, C = 3, 4, 2
G = MLPGenerator((2,), (8,))
D = InfoQHead(MLPDiscriminator((8,)), K, C, hidden=8)
OBJECTIVE = get_objective("nsgan")


@pytest.fixture(scope="module")
def setup():
    params = Pair(
        G.init(jax.random.PRNGKey(0), jnp.zeros((1, NOISE + K + C)))["params"],
        D.init(jax.random.PRNGKey(1), jnp.zeros((1, 2)))["params"],
    )
    batch = {"x": jax.random.normal(jax.random.PRNGKey(2), (6, 2))}
    return params, batch, jax.random.PRNGKey(3)


def game(weight=1.0, continuous_weight=0.1):
    return infogan.info_adversarial(
        G,
        D,
        OBJECTIVE,
        noise_dim=NOISE,
        categorical=K,
        continuous=C,
        info_weight=weight,
        continuous_weight=continuous_weight,
        data_key="x",
    )


def test_codes_are_uniform_categories_and_uniform_values():
    codes, values = infogan.sample_codes(jax.random.PRNGKey(0), 20_000, K, C)
    counts = np.bincount(np.asarray(codes), minlength=K)
    np.testing.assert_allclose(counts / 20_000, 1 / K, atol=0.015)
    assert values.shape == (20_000, C) and -1 <= float(values.min()) < float(values.max()) <= 1
    np.testing.assert_allclose(np.asarray(values).var(0), 1 / 3, rtol=0.05)  # U(−1, 1)


def test_info_term_is_cross_entropy_plus_weighted_half_squared_error(setup):
    params, batch, key = setup
    losses, (_, metrics) = game(weight=2.0, continuous_weight=0.5)(params, Pair({}, {}), batch, key)
    z = jax.random.normal(key, (6, NOISE))
    codes, values = infogan.sample_codes(jax.random.fold_in(key, 4), 6, K, C)
    latent = np.concatenate([z, np.eye(K)[np.asarray(codes)], values], axis=1)
    fake = G.apply({"params": params.g}, latent)
    real_logits, _ = D.apply({"params": params.d}, batch["x"])
    fake_logits, (code_logits, means) = D.apply({"params": params.d}, fake)
    logits = np.asarray(code_logits, np.float64)
    log_q = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    ce = -log_q[np.arange(6), np.asarray(codes)]
    squared = 0.5 * ((np.asarray(values) - np.asarray(means)) ** 2).sum(1)
    info = np.mean(ce + 0.5 * squared)
    np.testing.assert_allclose(losses.g, OBJECTIVE.generator(fake_logits).mean() + 2 * info, 1e-5)
    expected_d = OBJECTIVE.discriminator(real_logits, fake_logits).mean() + 2 * info
    np.testing.assert_allclose(losses.d, expected_d, rtol=1e-5)
    np.testing.assert_allclose(metrics["mi_lower_bound"], math.log(K) - ce.mean(), rtol=1e-5)


def test_info_gradient_reaches_the_generator_and_q(setup):
    params, batch, key = setup

    def gradients(weight):
        def total(p):
            losses, _ = game(weight)(p, Pair({}, {}), batch, key)
            return losses.g + losses.d

        return jax.grad(total)(params)

    delta = jax.tree.map(lambda a, b: float(jnp.abs(a - b).max()), gradients(2.0), gradients(1.0))
    assert max(jax.tree.leaves(delta.g)) > 1e-4  # through the generated samples
    q_layers = {k: v for k, v in delta.d.items() if k.startswith("q_")}
    assert set(q_layers) == {"q_hidden", "q_out"} and max(jax.tree.leaves(q_layers)) > 1e-4
