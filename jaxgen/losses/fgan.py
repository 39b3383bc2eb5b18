"""f-GAN objectives (Nowozin, Cseke & Tomioka 2016, "f-GAN: Training Generative Neural Samplers
using Variational Divergence Minimization"), on critic outputs.

An f-divergence, for a convex generator function f with f(1) = 0 (Table 1 of the paper), is

    D_f(P‖Q) = ∫ q(x) f(p(x) / q(x)) dx.

With the convex conjugate f*(t) = sup_u (u·t − f(u)) it has the variational lower bound (§2.2)

    D_f(P‖Q) ≥ sup_T E_{x∼P}[T(x)] − E_{x∼Q}[f*(T(x))],

tight at the optimal critic T*(x) = f′(p(x)/q(x)). The critic's network outputs an unbounded
v(x), and an output activation g_f maps it into the domain of f*: T = g_f(v) (§2.4, Table 2).
Here P is the data and Q the generator, so that, per example,

    critic loss                   −g_f(v(x)) + f*(g_f(v(G(z))))   (minus the bound's terms)
    saturating generator loss     −f*(g_f(v(G(z))))              (the generator's side of the bound)
    non-saturating generator loss −g_f(v(G(z)))

The paper (§3.2, "Practical considerations") recommends the non-saturating form, maximizing
E_Q[g_f(v)] instead of minimizing E_Q[−f*(g_f(v))], as the original GAN paper does for its
generator; ``generator_loss`` is that form, and the one that the registry uses.

The divergences of Table 2 (u = p/q, t = T(x), v the critic's output):

    name        f(u)                            g_f(v)               f*(t)             f′(u)
    tv          ½|u − 1|                        ½ tanh v             t  (|t| ≤ ½)      ½ sign(u − 1)
    kl          u log u                         v                    exp(t − 1)        1 + log u
    reverse_kl  −log u                          −exp(−v)             −1 − log(−t)      −1/u
    pearson     (u − 1)²                        v                    t²/4 + t          2(u − 1)
    neyman      (1 − u)²/u                      1 − exp(v)           2 − 2√(1 − t)     1 − 1/u²
    hellinger   (√u − 1)²  (squared Hellinger)  1 − exp(v)           t/(1 − t)         1 − 1/√u
    js          u log u − (u + 1) log((u+1)/2)  log 2 − log(1+e^−v)  −log(2 − exp t)   log(2u/(u+1))
    gan         u log u − (u + 1) log(u + 1)    −log(1 + e^−v)       −log(1 − exp t)   log(u/(u+1))

``js``: Table 1 writes the Jensen-Shannon divergence with a factor ½, but its f (and the
conjugate of Table 2) carry none: D_f = KL(P‖M) + KL(Q‖M) = 2·JSD(P, Q) with M = (P + Q)/2, at
most 2 log 2. We keep the tables' f and f*, so ``fgan_js`` estimates 2·JSD. ``gan`` gives
D_f = 2·JSD − log 4, the value of Goodfellow et al.'s game at its optimal discriminator: its f has
f(1) = −log 4, not 0, so this "divergence" is −log 4 at P = Q, the only row of Table 1 that is
not 0 there. Its critic loss is exactly ``gan.discriminator_loss`` and its two generator losses
are the minimax and the non-saturating ones.

Numerical stability. Each f*(g_f(v)) is written in closed form rather than composed: the paper's
formulas lose everything at large |v| in float32, e.g. for ``gan`` f*(g_f(100)) =
−log(1 − exp(−log(1 + e^−100))) = −log(1 − 1) = inf, while the closed form is softplus(100) = 100;
likewise ``js`` (softplus(v) − log 2), ``neyman`` (2 − 2·exp(v/2)) and ``hellinger``
(exp(−v) − 1), where 1 − t rounds to 0. The exponentials of ``kl``, ``reverse_kl``, ``neyman``
and ``hellinger`` are exact but overflow float32 beyond |v| ≈ 88.7 (exp(100) = inf, and a NaN
gradient once it meets a zero), so for these four the critic output first goes through
``soft_clip``: the identity on [−50, 50], continued logarithmically outside (value and slope
match at ±50, so it is C¹ and strictly increasing). A critic at |v| > 50 claims a density ratio
beyond e^50, which no critic reaches in earnest. Since the bound holds for every T in dom f*, the
losses remain a lower bound of D_f; they equal the paper's wherever |v| ≤ 50.

All losses are unreduced: one value per example, summed over trailing axes.
"""

import functools
import math
from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
from jax.scipy.special import xlogy

from jaxgen.losses.gan import per_example

SOFT_CLIP = 50.0
LOG_2 = math.log(2.0)


class Divergence(NamedTuple):
    """One row of the paper's Tables 1 and 2, plus the stable form of f*(g_f(v)).

    - ``f(u)``: the generator function, u = p/q ≥ 0.
    - ``f_prime(u)``: f′(u); the optimal critic is T*(x) = f′(p(x)/q(x)).
    - ``conjugate(t)``: f*(t) as the paper writes it, valid on dom f*.
    - ``in_domain(t)``: whether t lies in dom f* (a boolean array).
    - ``activation(v)``: the output activation T = g_f(v), into dom f* for every real v.
    - ``conjugate_of_activation(v)``: f*(g_f(v)), finite with a finite gradient for every
      finite v (see the module docstring).
    """

    f: Callable
    f_prime: Callable
    conjugate: Callable
    in_domain: Callable
    activation: Callable
    conjugate_of_activation: Callable


def soft_clip(v: jax.Array, limit: float = SOFT_CLIP) -> jax.Array:
    """The identity on [−limit, limit], ±(limit + log(1 + |v| − limit)) outside."""
    return (
        jnp.clip(v, -limit, limit)
        + jnp.log1p(jnp.maximum(v - limit, 0.0))
        - jnp.log1p(jnp.maximum(-limit - v, 0.0))
    )


TOTAL_VARIATION = Divergence(
    f=lambda u: 0.5 * jnp.abs(u - 1.0),
    f_prime=lambda u: 0.5 * jnp.sign(u - 1.0),
    conjugate=lambda t: t,
    in_domain=lambda t: jnp.abs(t) <= 0.5,
    activation=lambda v: 0.5 * jnp.tanh(v),
    conjugate_of_activation=lambda v: 0.5 * jnp.tanh(v),
)

KL = Divergence(
    f=lambda u: xlogy(u, u),
    f_prime=lambda u: 1.0 + jnp.log(u),
    conjugate=lambda t: jnp.exp(t - 1.0),
    in_domain=lambda t: jnp.isfinite(t),
    activation=soft_clip,
    conjugate_of_activation=lambda v: jnp.exp(soft_clip(v) - 1.0),
)

REVERSE_KL = Divergence(
    f=lambda u: -jnp.log(u),
    f_prime=lambda u: -1.0 / u,
    conjugate=lambda t: -1.0 - jnp.log(-t),
    in_domain=lambda t: t < 0,
    activation=lambda v: -jnp.exp(-soft_clip(v)),
    # −1 − log(exp(−v)) = v − 1, with no exp to overflow.
    conjugate_of_activation=lambda v: soft_clip(v) - 1.0,
)

PEARSON = Divergence(
    f=lambda u: (u - 1.0) ** 2,
    f_prime=lambda u: 2.0 * (u - 1.0),
    conjugate=lambda t: 0.25 * t**2 + t,
    in_domain=lambda t: jnp.isfinite(t),
    activation=lambda v: v,
    conjugate_of_activation=lambda v: 0.25 * v**2 + v,
)

NEYMAN = Divergence(
    f=lambda u: (1.0 - u) ** 2 / u,
    f_prime=lambda u: 1.0 - 1.0 / u**2,
    conjugate=lambda t: 2.0 - 2.0 * jnp.sqrt(1.0 - t),
    in_domain=lambda t: t < 1,
    activation=lambda v: -jnp.expm1(soft_clip(v)),
    # 1 − t = exp(v) exactly; the composed √(1 − t) has an infinite slope where 1 − t rounds to 0.
    conjugate_of_activation=lambda v: 2.0 - 2.0 * jnp.exp(0.5 * soft_clip(v)),
)

HELLINGER = Divergence(
    f=lambda u: (jnp.sqrt(u) - 1.0) ** 2,
    f_prime=lambda u: 1.0 - 1.0 / jnp.sqrt(u),
    conjugate=lambda t: t / (1.0 - t),
    in_domain=lambda t: t < 1,
    activation=lambda v: -jnp.expm1(soft_clip(v)),
    # t / (1 − t) = (1 − e^v) / e^v = e^−v − 1; the quotient divides by 0 where 1 − t rounds to 0.
    conjugate_of_activation=lambda v: jnp.expm1(-soft_clip(v)),
)

JENSEN_SHANNON = Divergence(
    f=lambda u: xlogy(u, u) - xlogy(u + 1.0, (u + 1.0) / 2.0),
    f_prime=lambda u: jnp.log(2.0 * u / (u + 1.0)),
    conjugate=lambda t: -jnp.log(2.0 - jnp.exp(t)),
    in_domain=lambda t: t < LOG_2,
    activation=lambda v: LOG_2 - jax.nn.softplus(-v),
    # −log(2 − 2σ(v)) = softplus(v) − log 2.
    conjugate_of_activation=lambda v: jax.nn.softplus(v) - LOG_2,
)

GAN = Divergence(
    f=lambda u: xlogy(u, u) - xlogy(u + 1.0, u + 1.0),
    f_prime=lambda u: jnp.log(u / (u + 1.0)),
    conjugate=lambda t: -jnp.log(1.0 - jnp.exp(t)),
    in_domain=lambda t: t < 0,
    activation=lambda v: -jax.nn.softplus(-v),
    # −log(1 − σ(v)) = softplus(v).
    conjugate_of_activation=jax.nn.softplus,
)

DIVERGENCES = {
    "tv": TOTAL_VARIATION,
    "kl": KL,
    "reverse_kl": REVERSE_KL,
    "pearson": PEARSON,
    "neyman": NEYMAN,
    "hellinger": HELLINGER,
    "js": JENSEN_SHANNON,
    "gan": GAN,
}


def critic_loss(divergence: Divergence, real_logits: jax.Array, fake_logits: jax.Array):
    """``−g_f(v_real) + f*(g_f(v_fake))`` per example: the critic minimizes minus the bound."""
    return per_example(-divergence.activation(real_logits)) + per_example(
        divergence.conjugate_of_activation(fake_logits)
    )


def generator_loss(divergence: Divergence, fake_logits: jax.Array) -> jax.Array:
    """``−g_f(v_fake)`` per example: the non-saturating generator loss that the paper recommends."""
    return per_example(-divergence.activation(fake_logits))


def saturating_generator_loss(divergence: Divergence, fake_logits: jax.Array) -> jax.Array:
    """``−f*(g_f(v_fake))`` per example: the generator's side of the variational bound."""
    return per_example(-divergence.conjugate_of_activation(fake_logits))


def losses(divergence: Divergence, *, saturating: bool = False) -> tuple[Callable, Callable]:
    """``(discriminator(real_logits, fake_logits), generator(fake_logits))`` for ``divergence``."""
    generator = saturating_generator_loss if saturating else generator_loss
    return (
        functools.partial(critic_loss, divergence),
        functools.partial(generator, divergence),
    )
