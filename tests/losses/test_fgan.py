"""f-GAN's divergences against their definitions, in float64.

References are independent of ``jaxgen.losses.fgan``: scipy/numpy formulas for the divergences of
discrete distributions, closed forms for two Gaussians (checked by quadrature of the definition
where there is none), and the Fenchel–Young equality f*(f′(u)) = u·f′(u) − f(u), which pins the
conjugate down where f is differentiable.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.scipy.stats import norm
from scipy import integrate, stats
from scipy.spatial.distance import jensenshannon
from scipy.special import rel_entr

from jaxgen.losses import OBJECTIVES, fgan, gan


@pytest.fixture(autouse=True)
def float64():
    with jax.enable_x64(True):
        yield


P = np.array([0.1, 0.4, 0.2, 0.25, 0.05])
Q = np.array([0.3, 0.1, 0.15, 0.2, 0.25])

DISCRETE = {
    "tv": lambda p, q: 0.5 * np.abs(p - q).sum(),
    "kl": lambda p, q: rel_entr(p, q).sum(),
    "reverse_kl": lambda p, q: rel_entr(q, p).sum(),
    "pearson": lambda p, q: ((p - q) ** 2 / q).sum(),
    "neyman": lambda p, q: ((p - q) ** 2 / p).sum(),
    "hellinger": lambda p, q: ((np.sqrt(p) - np.sqrt(q)) ** 2).sum(),
    # The tables' f has no factor ½ (module docstring): 2·JSD, and 2·JSD − log 4 for GAN.
    "js": lambda p, q: 2 * jensenshannon(p, q) ** 2,
    "gan": lambda p, q: 2 * jensenshannon(p, q) ** 2 - np.log(4),
}
NAMES = sorted(fgan.DIVERGENCES)


def test_every_divergence_has_a_reference():
    assert set(DISCRETE) == set(fgan.DIVERGENCES)


@pytest.mark.parametrize("name", NAMES)
def test_generator_function_gives_the_divergence(name):
    divergence = fgan.DIVERGENCES[name]
    value = np.sum(Q * divergence.f(jnp.asarray(P / Q)))
    np.testing.assert_allclose(value, DISCRETE[name](P, Q), rtol=1e-12)
    # f(1) = 0 except for GAN, whose f is shifted by −log 4 (module docstring of fgan).
    np.testing.assert_allclose(divergence.f(1.0), -np.log(4) if name == "gan" else 0.0, atol=1e-15)


@pytest.mark.parametrize("name", NAMES)
def test_conjugate_satisfies_fenchel_young_with_equality_at_the_derivative(name):
    divergence = fgan.DIVERGENCES[name]

    @jax.jit
    def check(u, grid):
        t = divergence.f_prime(u)
        # f*(t) ≥ u·t − f(u) for every u: the supremum over a dense grid of u approaches f*(t).
        brute_force = jnp.max(grid[:, None] * t[None, :] - divergence.f(grid[:, None]), axis=0)
        return t, divergence.conjugate(t), u * t - divergence.f(u), brute_force

    t, conjugate, fenchel_young, brute_force = check(
        jnp.logspace(-2, 2, 41), jnp.logspace(-4, 4, 4001)
    )
    assert np.all(divergence.in_domain(t))
    np.testing.assert_allclose(conjugate, fenchel_young, rtol=1e-12, atol=1e-12)
    assert np.all(brute_force <= conjugate + 1e-12)
    np.testing.assert_allclose(brute_force, conjugate, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("name", NAMES)
def test_bound_at_the_optimal_critic_is_the_divergence_discrete(name):
    divergence = fgan.DIVERGENCES[name]
    t_star = divergence.f_prime(jnp.asarray(P / Q))
    bound = np.sum(P * t_star) - np.sum(Q * divergence.conjugate(t_star))
    np.testing.assert_allclose(bound, DISCRETE[name](P, Q), rtol=1e-12)


# Both χ² are finite: 2σ_Q² > σ_P² for Pearson's, 2σ_P² > σ_Q² for Neyman's.
MU_P, SIGMA_P, MU_Q, SIGMA_Q = 0.0, 1.0, 1.0, 1.2
DELTA2 = (MU_P - MU_Q) ** 2


def kl_gaussians(mu1, s1, mu2, s2):
    return np.log(s2 / s1) + (s1**2 + (mu1 - mu2) ** 2) / (2 * s2**2) - 0.5


def pearson_gaussians(mu1, s1, mu2, s2):
    """∫ p²/q − 1, finite for 2·s2² > s1²."""
    spread = 2 * s2**2 - s1**2
    return s2**2 / (s1 * np.sqrt(spread)) * np.exp((mu1 - mu2) ** 2 / spread) - 1


def crossings():
    """The points where the two densities are equal: roots of log p − log q, a quadratic."""
    a = 1 / (2 * SIGMA_Q**2) - 1 / (2 * SIGMA_P**2)
    b = MU_P / SIGMA_P**2 - MU_Q / SIGMA_Q**2
    c = MU_Q**2 / (2 * SIGMA_Q**2) - MU_P**2 / (2 * SIGMA_P**2) + np.log(SIGMA_Q / SIGMA_P)
    return np.sort(np.roots([a, b, c]).real)


def quadrature(fn):
    value, _ = integrate.quad(
        fn, -25.0, 25.0, points=crossings(), limit=200, epsabs=1e-12, epsrel=1e-11
    )
    return value


def definition(f):
    """∫ q f(p/q) by quadrature, with scipy's densities."""
    p, q = stats.norm(MU_P, SIGMA_P).pdf, stats.norm(MU_Q, SIGMA_Q).pdf
    return quadrature(lambda x: q(x) * f(p(x) / q(x)))


def js_gaussians():
    return definition(lambda u: u * np.log(u) - (u + 1) * np.log((u + 1) / 2))


def test_crossings_are_where_the_densities_meet():
    p, q = stats.norm(MU_P, SIGMA_P).pdf, stats.norm(MU_Q, SIGMA_Q).pdf
    np.testing.assert_allclose(p(crossings()), q(crossings()), rtol=1e-12)


GAUSSIAN = {
    "tv": lambda: definition(lambda u: 0.5 * np.abs(u - 1)),
    "kl": lambda: kl_gaussians(MU_P, SIGMA_P, MU_Q, SIGMA_Q),
    "reverse_kl": lambda: kl_gaussians(MU_Q, SIGMA_Q, MU_P, SIGMA_P),
    "pearson": lambda: pearson_gaussians(MU_P, SIGMA_P, MU_Q, SIGMA_Q),
    "neyman": lambda: pearson_gaussians(MU_Q, SIGMA_Q, MU_P, SIGMA_P),
    # 2(1 − Bhattacharyya coefficient).
    "hellinger": lambda: (
        2
        * (
            1
            - np.sqrt(2 * SIGMA_P * SIGMA_Q / (SIGMA_P**2 + SIGMA_Q**2))
            * np.exp(-DELTA2 / (4 * (SIGMA_P**2 + SIGMA_Q**2)))
        )
    ),
    "js": js_gaussians,
    "gan": lambda: js_gaussians() - np.log(4),
}


def test_closed_forms_of_gaussians_match_the_definition():
    """The closed forms above against ∫ q f(p/q) by quadrature (numpy f's)."""
    closed = {
        "kl": (GAUSSIAN["kl"](), lambda u: u * np.log(u)),
        "reverse_kl": (GAUSSIAN["reverse_kl"](), lambda u: -np.log(u)),
        "pearson": (GAUSSIAN["pearson"](), lambda u: (u - 1) ** 2),
        "neyman": (GAUSSIAN["neyman"](), lambda u: (1 - u) ** 2 / u),
        "hellinger": (GAUSSIAN["hellinger"](), lambda u: (np.sqrt(u) - 1) ** 2),
    }
    for name, (value, f) in closed.items():
        np.testing.assert_allclose(definition(f), value, rtol=1e-9, err_msg=name)


@pytest.mark.parametrize("name", NAMES)
def test_bound_at_the_optimal_critic_is_the_divergence_gaussians(name):
    divergence = fgan.DIVERGENCES[name]

    @jax.jit
    def bound_density(x):
        log_p, log_q = norm.logpdf(x, MU_P, SIGMA_P), norm.logpdf(x, MU_Q, SIGMA_Q)
        t_star = divergence.f_prime(jnp.exp(log_p - log_q))
        return jnp.exp(log_p) * t_star - jnp.exp(log_q) * divergence.conjugate(t_star)

    bound = quadrature(lambda x: float(bound_density(x)))
    np.testing.assert_allclose(bound, GAUSSIAN[name](), rtol=1e-8)


def expected_critic_loss(discriminator, outputs, p, q):
    """``E_{x∼P, x'∼Q} discriminator(v(x), v(x'))`` over the support's pairs, exactly."""
    n = outputs.shape[0]
    weights = jnp.asarray(np.outer(p, q).ravel())
    return jnp.sum(weights * discriminator(jnp.repeat(outputs, n), jnp.tile(outputs, n)))


@pytest.mark.parametrize("name", NAMES)
def test_tabular_critic_trained_through_the_activation_reaches_the_divergence(name):
    """Gradient descent on the registered critic loss, one output v per point of the support."""
    discriminator = OBJECTIVES[f"fgan_{name}"].discriminator
    loss = lambda v: expected_critic_loss(discriminator, v, P, Q)
    step = lambda _, v: v - 1.0 * jax.grad(loss)(v)
    outputs = jax.jit(lambda: jax.lax.fori_loop(0, 4000, step, jnp.zeros(5)))()
    # The total variation's optimal critic ±½ sits at v = ±∞: its bound converges like 1/steps.
    tolerance = 1e-3 if name == "tv" else 1e-9
    np.testing.assert_allclose(-loss(outputs), DISCRETE[name](P, Q), rtol=tolerance)
    if name != "tv":
        t_star = fgan.DIVERGENCES[name].f_prime(jnp.asarray(P / Q))
        np.testing.assert_allclose(fgan.DIVERGENCES[name].activation(outputs), t_star, rtol=1e-6)


@pytest.mark.parametrize("name", NAMES)
def test_activation_stays_inside_the_conjugate_domain(name):
    """Strictly inside for |v| ≤ 30 (beyond, ``js`` and ``gan`` round onto the boundary)."""
    divergence = fgan.DIVERGENCES[name]
    v = jnp.linspace(-30.0, 30.0, 601)
    assert np.all(divergence.in_domain(divergence.activation(v)))
    assert np.all(np.isfinite(divergence.conjugate_of_activation(v)))


@pytest.mark.parametrize("name", NAMES)
def test_stable_conjugate_of_activation_is_the_composition(name):
    divergence = fgan.DIVERGENCES[name]
    v = jnp.linspace(-10.0, 10.0, 201)
    np.testing.assert_allclose(
        divergence.conjugate_of_activation(v),
        divergence.conjugate(divergence.activation(v)),
        rtol=1e-9,
        atol=1e-12,
    )


@pytest.mark.parametrize("name", ["js", "gan"])
def test_composed_conjugate_overflows_where_the_closed_form_does_not(name):
    """The reason for ``conjugate_of_activation``: at v = 100 in float32 g_f(v) rounds onto the
    boundary of dom f*, where the paper's f* is infinite."""
    divergence = fgan.DIVERGENCES[name]
    v = jnp.float32(100.0)
    assert not np.isfinite(divergence.conjugate(divergence.activation(v)))
    offset = np.log(2) if name == "js" else 0.0
    np.testing.assert_allclose(divergence.conjugate_of_activation(v), 100.0 - offset, rtol=1e-6)


def test_soft_clip_is_the_identity_inside_and_grows_slowly_outside():
    v = jnp.array([-200.0, -50.0, -3.0, 0.0, 3.0, 50.0, 200.0])
    expected = [-50 - np.log(151), -50, -3, 0, 3, 50, 50 + np.log(151)]
    np.testing.assert_allclose(fgan.soft_clip(v), expected, rtol=1e-12)
    slopes = jax.vmap(jax.grad(fgan.soft_clip))(v)
    np.testing.assert_allclose(slopes, [1 / 151, 1, 1, 1, 1, 1, 1 / 151], rtol=1e-12)


@pytest.mark.parametrize(
    ("name", "value"),
    [("kl", 1.0), ("reverse_kl", -1.0), ("pearson", 0.0), ("neyman", 0.0), ("hellinger", 0.0)]
    + [("js", 0.0), ("gan", -np.log(2)), ("tv", 0.0)],
)
def test_critic_value_where_the_densities_agree(name, value):
    """f′(1), the last column of the paper's Table 2 (a subgradient 0 for the total variation)."""
    np.testing.assert_allclose(fgan.DIVERGENCES[name].f_prime(1.0), value, atol=1e-15)


def test_gan_row_is_goodfellow_et_al_game_and_js_is_it_shifted():
    logits = jnp.linspace(-8.0, 8.0, 17)
    fakes = logits[::-1]
    np.testing.assert_allclose(
        fgan.critic_loss(fgan.GAN, logits, fakes), gan.discriminator_loss(logits, fakes)
    )
    np.testing.assert_allclose(
        fgan.generator_loss(fgan.GAN, fakes), gan.non_saturating_generator_loss(fakes)
    )
    np.testing.assert_allclose(
        fgan.saturating_generator_loss(fgan.GAN, fakes), gan.minimax_generator_loss(fakes)
    )
    np.testing.assert_allclose(
        fgan.critic_loss(fgan.JENSEN_SHANNON, logits, fakes),
        gan.discriminator_loss(logits, fakes) - np.log(4),
    )


def test_losses_factory_and_registry():
    critic, generator = fgan.losses(fgan.KL, saturating=True)
    v = jnp.array([[0.5], [-1.0]])
    np.testing.assert_allclose(critic(v, v), -v[:, 0] + np.exp(v[:, 0] - 1))
    np.testing.assert_allclose(generator(v), -np.exp(v[:, 0] - 1))
    registered = OBJECTIVES["fgan_kl"]
    np.testing.assert_allclose(registered.generator(v), -v[:, 0])  # non-saturating: −g_f(v)
