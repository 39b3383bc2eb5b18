"""The toy games against their closed forms: Dirac-GAN (Mescheder, Geiger & Nowozin 2018),
the quadratic game, and the mixture game's networks.

Dirac-GAN: data δ₀, generator δ_θ, discriminator logit D_ψ(x) = ψ·x. With our losses on logits
(l_real = 0, l_fake = ψθ) the GAN's discriminator minimizes L_D = softplus(0) + softplus(ψθ)
(+ γ/2·ψ² with R1 or R2, since ∇_x D = ψ everywhere) and the minimax generator minimizes
L_G = −softplus(ψθ). The field ξ = (∂_θ L_G, ∂_ψ L_D) = (−σ(ψθ)·ψ, σ(ψθ)·θ + γψ) has, at the
equilibrium (0, 0), the Jacobian [[0, −½], [½, γ]]: trace γ, determinant ¼, so its eigenvalues
are λ = γ/2 ± √(γ²/4 − ¼), i.e. γ/2 ± √(γ²/4 − f′(0)²) with f′(0) = σ(0) = ½. The
non-saturating generator L_G = softplus(−ψθ) gives the same Jacobian. The WGAN (critic loss
ψθ − 0, generator −ψθ) has [[0, −1], [1, γ]]: f′(0) = 1. Mescheder et al. linearize the update
direction −ξ, whose eigenvalues −γ/2 ± √(γ²/4 − f′(0)²) are the ones printed in their Theorem
4.1 (negative real part: stable). Without a penalty (γ = 0) the eigenvalues ±i·f′(0) are
imaginary: a plain gradient step I − ηJ has eigenvalues of modulus √(1 + η²f′(0)²) > 1, so
simultaneous play spirals out and alternating play circles (Lemma 2.2/2.3); with γ > 0 and small
η, |1 − ηλ| < 1 and both converge. Instance noise ε ∼ N(0, σ²) on both points makes
L_D = E softplus(−ψε₁) + E softplus(ψ(θ + ε₂)), whose ψψ entry at the equilibrium is
E[ε₁²]·softplus″(0) + E[ε₂²]·softplus″(0) = σ²/4 + σ²/4: the trace becomes σ²/2 > 0, and the
real part of both eigenvalues σ²/4.
"""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from scipy import integrate

from jaxgen import Pair, UserError
from jaxgen.game import (
    alternating,
    consensus,
    dirac_gan,
    eigenvalues,
    jacobian,
    mixture_game,
    quadratic,
    rollout,
    simultaneous,
)


@pytest.fixture(autouse=True)
def float64():
    with jax.enable_x64(True):
        yield


EQUILIBRIUM = Pair(0.0, 0.0)  # Python floats: float64 inside the fixture


def softplus(x):
    return np.logaddexp(x, 0.0)


@pytest.mark.parametrize("objective, slope", [("gan", 0.5), ("nsgan", 0.5), ("wgan", 1.0)])
@pytest.mark.parametrize("regularizer", ["r1", "r2"])
@pytest.mark.parametrize("gamma", [0.3, 1.0, 4.0])
def test_dirac_gan_eigenvalues_with_a_gradient_penalty(objective, slope, regularizer, gamma):
    values = eigenvalues(dirac_gan(objective, regularizer, gamma=gamma), EQUILIBRIUM)
    root = np.sqrt(complex(gamma**2 / 4 - slope**2))
    expected = np.array([gamma / 2 + root, gamma / 2 - root])
    np.testing.assert_allclose(np.sort_complex(values), np.sort_complex(expected), atol=1e-12)
    # Mescheder et al.'s Jacobian is that of −ξ: −γ/2 ± √(γ²/4 − f′(0)²).
    np.testing.assert_allclose(np.sort_complex(-values), np.sort_complex(-expected), atol=1e-12)


def test_dirac_gan_jacobian_and_losses_in_closed_form():
    theta, psi, gamma = 0.7, -1.3, 0.6
    params = Pair(jnp.float64(theta), jnp.float64(psi))
    np.testing.assert_allclose(
        jacobian(dirac_gan("gan", "r1", gamma=gamma), EQUILIBRIUM), [[0, -0.5], [0.5, gamma]]
    )
    key = jax.random.PRNGKey(0)
    losses, _ = dirac_gan("gan", "r1", gamma=gamma)(params, None, None, key)
    np.testing.assert_allclose(losses.d, softplus(0) + softplus(psi * theta) + gamma / 2 * psi**2)
    np.testing.assert_allclose(losses.g, -softplus(psi * theta))
    losses, _ = dirac_gan("nsgan")(params, None, None, key)
    np.testing.assert_allclose(losses.g, softplus(-psi * theta))
    losses, _ = dirac_gan("wgan_gp", gamma=gamma)(params, None, None, key)
    np.testing.assert_allclose(losses.d, psi * theta + gamma / 2 * (abs(psi) - 1) ** 2)
    np.testing.assert_allclose(losses.g, -psi * theta)


def test_dirac_gan_instance_noise_is_the_exact_expectation():
    theta, psi, sigma = 0.7, -1.3, 0.5
    params = Pair(jnp.float64(theta), jnp.float64(psi))
    losses, _ = dirac_gan("gan", "instance_noise", sigma=sigma)(params, None, None, None)

    def expect(f):
        density = lambda e: np.exp(-(e**2) / (2 * sigma**2)) / np.sqrt(2 * np.pi * sigma**2)
        return integrate.quad(lambda e: f(e) * density(e), -np.inf, np.inf, epsabs=1e-13)[0]

    loss_d = expect(lambda e: softplus(-psi * e)) + expect(lambda e: softplus(psi * (theta + e)))
    loss_g = expect(lambda e: -softplus(psi * (theta + e)))
    np.testing.assert_allclose([losses.d, losses.g], [loss_d, loss_g], rtol=1e-10)
    values = eigenvalues(dirac_gan("gan", "instance_noise", sigma=sigma), EQUILIBRIUM)
    np.testing.assert_allclose(values.real, sigma**2 / 4, rtol=1e-9)  # trace σ²/2


def distance_after(game, rule, steps):
    xs = rollout(game, rule, Pair(jnp.float64(1.0), jnp.float64(1.0)), steps)
    return float(np.hypot(xs.g[-1], xs.d[-1])), float(np.hypot(xs.g, xs.d).min())


@pytest.mark.parametrize("scheme", [simultaneous, alternating])
@pytest.mark.parametrize(
    "name, game, converges",
    [
        ("gan", dirac_gan("gan"), False),
        ("wgan", dirac_gan("wgan"), False),
        ("gan+r1", dirac_gan("gan", "r1", gamma=1.0), True),
        ("gan+r2", dirac_gan("gan", "r2", gamma=1.0), True),
        ("wgan+r1", dirac_gan("wgan", "r1", gamma=1.0), True),
        ("gan+consensus", consensus(dirac_gan("gan"), 1.0), True),
        ("gan+instance_noise", dirac_gan("gan", "instance_noise", sigma=0.5), True),
    ],
)
def test_dirac_gan_convergence_table(scheme, name, game, converges):
    final, closest = distance_after(game, scheme(optax.sgd(0.1)), 3000)
    if converges:
        assert final < 1e-2, name
    else:  # never comes near the equilibrium
        assert closest > 0.5, name


def test_quadratic_game_is_the_stated_value():
    A, B, C = np.array([[2.0, 0.5], [0.5, 1.0]]), np.array([[1.0], [-2.0]]), np.array([[3.0]])
    x, y = np.array([0.3, -0.4]), np.array([0.9])
    losses, _ = quadratic(A, B, C)(Pair(jnp.asarray(x), jnp.asarray(y)), None, None, None)
    value = 0.5 * x @ A @ x + x @ B @ y - 0.5 * y @ C @ y
    np.testing.assert_allclose([losses.g, losses.d], [value, -value], rtol=1e-14)


def test_unknown_dirac_gan_names_are_user_errors():
    with pytest.raises(UserError, match="wgan"):
        dirac_gan("wgna")
    with pytest.raises(UserError, match="r1"):
        dirac_gan("gan", "r3")


def test_mixture_game_has_the_reference_networks_and_draws_its_data():
    game = mixture_game("ring8", batch_size=64)
    params = game.init(jax.random.PRNGKey(0))
    count = lambda tree: sum(x.size for x in jax.tree.leaves(tree))
    assert (count(params.g), count(params.d)) == (17_154, 17_025)  # DESIGN.md, gan_ring8
    key = jax.random.PRNGKey(1)
    losses, (_, metrics) = game.losses(params, None, None, key)
    assert np.isfinite(losses.g) and np.isfinite(losses.d) and "d_real" in metrics
    again, _ = game.losses(params, None, None, key)
    assert float(again.d) == float(losses.d)  # a pure function of the key
    other, _ = game.losses(params, None, {"x": jnp.zeros((64, 2), jnp.float32)}, key)
    assert float(other.d) != float(losses.d)  # a given batch replaces the drawn points
    assert game.sample(params, key, 10).shape == (10, 2)
    assert game.centers.shape == (8, 2) and game.std == 0.01
    with pytest.raises(UserError, match="ring8"):
        mixture_game("ring9")
