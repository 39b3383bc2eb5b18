"""Latent priors p(z) that an adversarial autoencoder imposes on its codes: samplers only.

Makhzani, Shlens, Jaitly, Goodfellow & Frey 2016, "Adversarial Autoencoders", §2 (Figure 2) and
§2.3 (Figure 4) impose a 2-D Gaussian, a mixture of 10 2-D Gaussians and a swiss roll on the
codes of MNIST. The adversarial training of §2 needs samples of p(z) only, never its density, so
a prior here is ``Prior(name, dim, sample)`` with ``sample(key, n) -> float32 [n, dim]``, pure
and jittable (``n`` a Python int):

- ``gaussian``: N(0, I) of any dimension.
- ``mixture10``: 2-D, the paper's petals: 10 equally likely Gaussians, component k centred at
  r·u_k with u_k = (cos 2πk/10, sin 2πk/10), elongated along u_k:
      z = r·u_k + σ_radial·ε₁·u_k + σ_tangential·ε₂·u_k^⊥,   ε ~ N(0, I),
  covariance σ_radial²·u_k u_kᵀ + σ_tangential²·u_k^⊥ u_k^⊥ᵀ, with r = 4, σ_radial = 1 and
  σ_tangential = 0.25 (the paper draws the shape but gives no numbers; these are ours).
- ``swiss_roll``: 2-D, noise-free points on the Archimedean spiral of two turns
      c(t) = R·t·(cos 4πt, sin 4πt),   t = √u,  u ~ U(0, 1),  R = 3,
  so t has density 2t on [0, 1]. The arc length grows as ds ≈ 4πR·t·dt once 4πt ≫ 1, so
  t = √u spreads the points almost evenly along the roll (the paper gives no formula).

``gaussian_mixture(key, n)`` and ``swiss_roll(key, n)`` also return the component index and the
roll position t of each point, which the label-conditioned priors of §2.3 (Figure 4) need;
their ``sample`` is the points alone, drawn from the same key.
"""

from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp

from jaxgen.errors import UserError, closest

MIXTURE_COMPONENTS = 10
MIXTURE_RADIUS = 4.0
MIXTURE_RADIAL_STD = 1.0
MIXTURE_TANGENTIAL_STD = 0.25
SWISS_ROLL_RADIUS = 3.0
SWISS_ROLL_TURNS = 2


class Prior(NamedTuple):
    """A latent prior: its registry name, dimension and sampler ``sample(key, n) -> [n, dim]``."""

    name: str
    dim: int
    sample: Callable


def _check_count(n, what):
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"{what} draws n >= 1 points (a Python int), got {n!r}")


def mixture_directions() -> jax.Array:
    """``[10, 2]``: the unit vectors u_k along which the components of ``mixture10`` lie."""
    angles = 2 * jnp.pi * jnp.arange(MIXTURE_COMPONENTS) / MIXTURE_COMPONENTS
    return jnp.stack([jnp.cos(angles), jnp.sin(angles)], axis=1)


def gaussian_mixture(key, n):
    """``(points float32 [n, 2], components int32 [n])`` of ``mixture10``."""
    _check_count(n, "gaussian_mixture")
    component_key, noise_key = jax.random.split(key)
    components = jax.random.randint(component_key, (n,), 0, MIXTURE_COMPONENTS)
    radial = mixture_directions()[components]
    tangential = jnp.stack([-radial[:, 1], radial[:, 0]], axis=1)
    noise = jax.random.normal(noise_key, (n, 2))
    points = (
        MIXTURE_RADIUS + MIXTURE_RADIAL_STD * noise[:, :1]
    ) * radial + MIXTURE_TANGENTIAL_STD * noise[:, 1:] * tangential
    return points.astype(jnp.float32), components.astype(jnp.int32)


def swiss_roll_curve(t):
    """``c(t) = R·t·(cos 4πt, sin 4πt)``: ``[..., 2]`` for roll positions ``t [...]`` in [0, 1]."""
    angle = 2 * jnp.pi * SWISS_ROLL_TURNS * t
    return SWISS_ROLL_RADIUS * t[..., None] * jnp.stack([jnp.cos(angle), jnp.sin(angle)], axis=-1)


def swiss_roll(key, n):
    """``(points float32 [n, 2], positions t float32 [n])`` of ``swiss_roll``."""
    _check_count(n, "swiss_roll")
    positions = jnp.sqrt(jax.random.uniform(key, (n,)))
    return swiss_roll_curve(positions).astype(jnp.float32), positions.astype(jnp.float32)


def _gaussian(dim):
    def sample(key, n):
        _check_count(n, "the gaussian prior")
        return jax.random.normal(key, (n, dim), jnp.float32)

    return sample


def _points_only(sampler):
    def sample(key, n):
        return sampler(key, n)[0]

    return sample


# name -> (the dimensions it exists in, or None for any; sampler factory of the dimension)
PRIORS = {
    "gaussian": (None, _gaussian),
    "mixture10": ((2,), lambda dim: _points_only(gaussian_mixture)),
    "swiss_roll": ((2,), lambda dim: _points_only(swiss_roll)),
}


def prior(name: str, dim: int) -> Prior:
    """The prior ``name`` (``PRIORS``) over codes of dimension ``dim``."""
    if name not in PRIORS:
        raise UserError(f"unknown prior {name!r}: {closest(str(name), PRIORS)}")
    dims, factory = PRIORS[name]
    if isinstance(dim, bool) or not isinstance(dim, int) or dim < 1:
        raise UserError(f"a prior's dim must be a Python int >= 1, got {dim!r}")
    if dims is not None and dim not in dims:
        raise UserError(f"prior {name!r} exists in dim {dims[0]} only, got dim={dim}")
    return Prior(name, dim, factory(dim))
