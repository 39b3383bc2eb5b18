"""The registered objectives against their optima on known discrete distributions, in float64.

A tabular discriminator holds one output per point of a discrete support; its expected loss is
exact: over the support's pairs (x_i, x_j) of a real point and an independent fake point, with
weights p_i·q_j, of the per-example loss ``discriminator(out[i], out[j])``.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.spatial.distance import jensenshannon

from jaxgen.losses import OBJECTIVES, fgan, gan, get_objective, hinge, least_squares


@pytest.fixture(autouse=True)
def float64():
    with jax.enable_x64(True):
        yield


P_DATA = np.array([0.1, 0.4, 0.2, 0.25, 0.05])
P_MODEL = np.array([0.3, 0.1, 0.15, 0.2, 0.25])


def expected_discriminator_loss(discriminator, outputs, p, q):
    """``E_{x∼P, x'∼Q} discriminator(D(x), D(x'))`` over the support, exactly."""
    n = outputs.shape[0]
    real = jnp.repeat(outputs, n)
    fake = jnp.tile(outputs, n)
    weights = jnp.asarray(np.outer(p, q).ravel())
    return jnp.sum(weights * discriminator(real, fake))


def fit_tabular_discriminator(discriminator, p, q, learning_rate, steps):
    """Gradient descent on the expected loss, from outputs 0."""
    loss = lambda outputs: expected_discriminator_loss(discriminator, outputs, p, q)
    step = lambda _, outputs: outputs - learning_rate * jax.grad(loss)(outputs)
    return jax.jit(lambda: jax.lax.fori_loop(0, steps, step, jnp.zeros(p.shape[0])))()


def test_gan_discriminator_reaches_the_optimum_and_the_jensen_shannon_value():
    """D*(x) = p_d/(p_d + p_g) and V(G, D*) = 2·JSD − log 4.

    Goodfellow et al. 2014, Proposition 1 and Theorem 1.
    """
    discriminator = get_objective("gan").discriminator
    logits = fit_tabular_discriminator(discriminator, P_DATA, P_MODEL, 10.0, 3000)
    np.testing.assert_allclose(jax.nn.sigmoid(logits), P_DATA / (P_DATA + P_MODEL), rtol=1e-8)
    value = -expected_discriminator_loss(discriminator, logits, P_DATA, P_MODEL)
    jsd = jensenshannon(P_DATA, P_MODEL) ** 2  # natural logarithm
    np.testing.assert_allclose(value, 2 * jsd - np.log(4), rtol=1e-10)


@pytest.mark.parametrize("name", ["lsgan", "lsgan_pearson"])
def test_lsgan_discriminator_reaches_the_closed_form_optimum(name):
    coding = least_squares.PEARSON if name == "lsgan_pearson" else least_squares.ZERO_ONE
    a, b = coding.fake_label, coding.real_label
    outputs = fit_tabular_discriminator(
        get_objective(name).discriminator, P_DATA, P_MODEL, 2.0, 500
    )
    expected = (b * P_DATA + a * P_MODEL) / (P_DATA + P_MODEL)  # Eq. 4
    np.testing.assert_allclose(outputs, expected, rtol=1e-10)


def test_lsgan_pearson_generator_value_is_a_pearson_chi_squared():
    """Theorem 1 (b − c = 1, b − a = 2): 2·C(G) = ∫ (p_d − p_g)² / (p_d + p_g) = 2·χ²(P_g‖M)."""
    coding = least_squares.PEARSON
    assert coding.real_label - coding.generator_target == 1
    assert coding.real_label - coding.fake_label == 2
    d_star = jnp.asarray(
        (coding.real_label * P_DATA + coding.fake_label * P_MODEL) / (P_DATA + P_MODEL)
    )
    generator = get_objective("lsgan_pearson").generator
    # C(G) = ½E_{p_d}[(D* − c)²] + ½E_{p_g}[(D* − c)²]: the generator's loss at both kinds of point.
    value = jnp.sum((P_DATA + P_MODEL) * generator(d_star))
    triangular = np.sum((P_DATA - P_MODEL) ** 2 / (P_DATA + P_MODEL))
    np.testing.assert_allclose(2 * value, triangular, rtol=1e-12)
    mixture = (P_DATA + P_MODEL) / 2
    pearson = np.sum(mixture * fgan.PEARSON.f(jnp.asarray(P_MODEL / mixture)))
    np.testing.assert_allclose(value, pearson, rtol=1e-12)
    # At p_g = p_d, D* = (a + b)/2 = c and the value is 0, its minimum.
    d_equal = jnp.full(5, (coding.fake_label + coding.real_label) / 2)
    np.testing.assert_allclose(generator(d_equal), 0.0)


def test_lsgan_zero_one_coding_is_not_a_divergence():
    """With c = b the conditions of Theorem 1 fail: at D* and p_g = p_d the value is ¼, not 0."""
    d_star = jnp.full(5, 0.5)  # (1·p + 0·p) / 2p
    value = jnp.sum(2 * P_DATA * get_objective("lsgan").generator(d_star))
    np.testing.assert_allclose(value, 0.25, rtol=1e-12)


def test_hinge_values_by_hand():
    real = jnp.array([2.0, 0.5, -1.0, 1.0])
    fake = jnp.array([-2.0, 0.0, 0.5, -1.0])
    # relu(1 − r) + relu(1 + f): 0 + 0, 0.5 + 1, 2 + 1.5, 0 + 0.
    np.testing.assert_allclose(hinge.discriminator_loss(real, fake), [0.0, 1.5, 3.5, 0.0])
    np.testing.assert_allclose(hinge.generator_loss(fake), [2.0, 0.0, -0.5, 1.0])
    column = hinge.discriminator_loss(real[:, None], fake[:, None])
    np.testing.assert_allclose(column, [0.0, 1.5, 3.5, 0.0])


def test_hinge_discriminator_optimum_by_brute_force():
    """The expected loss is separable over the support: search each point's output on a grid."""
    grid = jnp.linspace(-3.0, 3.0, 601)
    real_part = P_DATA[:, None] * np.asarray(hinge.discriminator_loss(grid, jnp.full(601, -1.0)))
    fake_part = P_MODEL[:, None] * np.asarray(hinge.discriminator_loss(jnp.ones(601), grid))
    expected_loss = real_part + fake_part  # [support, grid]
    best = np.asarray(grid)[np.argmin(expected_loss, axis=1)]
    np.testing.assert_allclose(best, np.sign(P_DATA - P_MODEL))  # no ties in the support
    total_variation = 0.5 * np.abs(P_DATA - P_MODEL).sum()
    np.testing.assert_allclose(expected_loss.min(axis=1).sum(), 2 - 2 * total_variation)


def test_registry_names():
    assert {"lsgan", "lsgan_pearson", "hinge"} <= set(OBJECTIVES)
    assert {f"fgan_{name}" for name in fgan.DIVERGENCES} <= set(OBJECTIVES)
    assert OBJECTIVES["lsgan"].generator is least_squares.generator_loss
    assert OBJECTIVES["hinge"].discriminator is hinge.discriminator_loss


@pytest.mark.parametrize("dtype", [jnp.float32, jnp.float64])
@pytest.mark.parametrize("name", sorted(OBJECTIVES))
def test_every_objective_is_finite_with_finite_gradients(name, dtype):
    """Logits (or critic outputs) of −100, 0 and 100, one per example, against each other."""
    discriminator, generator = OBJECTIVES[name]
    outputs = jnp.array([[-100.0], [0.0], [100.0]], dtype)
    losses = {
        "discriminator, same outputs": lambda v: discriminator(v, v),
        "discriminator, opposite outputs": lambda v: discriminator(v, -v),
        "discriminator, opposite reals": lambda v: discriminator(-v, v),
        "generator": generator,
    }

    for what, loss in losses.items():
        values, vjp = jax.vjp(loss, outputs)
        (grad,) = vjp(jnp.ones_like(values))
        assert values.shape == (3,) and values.dtype == dtype, (what, values)
        assert np.all(np.isfinite(values)), (what, values)
        assert np.all(np.isfinite(grad)), (what, grad)


def test_one_sided_label_smoothing_optimum():
    """With real target α, D*(x) = α·p_d/(p_d + p_g) (Salimans et al. 2016, §3.4)."""
    alpha = 0.9
    discriminator = lambda real, fake: gan.discriminator_loss(real, fake, real_label=alpha)
    logits = fit_tabular_discriminator(discriminator, P_DATA, P_MODEL, 10.0, 3000)
    np.testing.assert_allclose(
        jax.nn.sigmoid(logits), alpha * P_DATA / (P_DATA + P_MODEL), rtol=1e-8
    )


def test_label_smoothing_value_by_hand():
    real, fake = jnp.array([2.0, -1.0]), jnp.array([0.5, 3.0])
    d_real, d_fake = jax.nn.sigmoid(real), jax.nn.sigmoid(fake)
    expected = -0.9 * jnp.log(d_real) - 0.1 * jnp.log(1 - d_real) - jnp.log(1 - d_fake)
    np.testing.assert_allclose(gan.discriminator_loss(real, fake, 0.9), expected, rtol=1e-12)
    np.testing.assert_allclose(
        gan.discriminator_loss(real, fake, 1.0), -jnp.log(d_real) - jnp.log(1 - d_fake), rtol=1e-12
    )
