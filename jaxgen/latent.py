"""Walks and vector arithmetic in a generator's latent space (DCGAN §6).

Radford, Metz & Chintala 2016, "Unsupervised Representation Learning with Deep Convolutional
Generative Adversarial Networks", §6.1: interpolating between latent points z gives smooth
transitions in G(z) (Fig. 4); §6.3.2: averaging the z of three samples per concept, then
    Y = mean(z_A) − mean(z_B) + mean(z_C)
(“smiling woman” − “neutral woman” + “neutral man”) gives G(Y) with the combined concept;
uniform noise in ±0.25 added to Y gives the 8 other samples of Fig. 7.

Interpolation is linear, (1 − t)·z0 + t·z1, or spherical (Shoemake 1985, “Animating rotation
with quaternion curves”):
    slerp(z0, z1; t) = sin((1 − t)·Ω)/sin Ω · z0 + sin(t·Ω)/sin Ω · z1,
    Ω = ∠(z0, z1).
White 2016, “Sampling Generative Networks”, argues for slerp under a Gaussian prior: in high
dimension N(0, I) puts almost all its mass near the sphere of radius √latent, and the midpoint of
a straight line between two samples lies well inside it (norm ≈ √(latent/2)), where G saw no
training latents; slerp keeps equal-norm endpoints' norm along the whole path.

The latents of ``recipe.sample(state, key, n)`` are ``sample_latents(recipe, key, n)``, so the
samples of a seeded grid can be picked by index (``jaxgen sample --numbered``), and walked
through or combined.
"""

import functools
import re
from typing import NamedTuple

import jax
import jax.numpy as jnp

from jaxgen.errors import UserError

KINDS = ("slerp", "linear")
_INDICES = r"\s*\d+\s*(?:,\s*\d+\s*)*"  # "3, 7,12": the indices of samples in a grid


def lerp(z0, z1, t):
    """Linear interpolation ``(1 − t)·z0 + t·z1``.

    Args:
      z0, z1: endpoints ``[latent]``.
      t: fractions ``[n]`` (or a scalar); 0 gives ``z0`` and 1 gives ``z1`` exactly; values
        outside [0, 1] extrapolate.

    Returns:
      ``[n, latent]`` (``[latent]`` for a scalar ``t``).
    """
    z0, z1, t = _check_endpoints("lerp", z0, z1, t)
    return _over_t(_lerp_one, z0, z1, t)


def slerp(z0, z1, t):
    """Spherical interpolation (Shoemake 1985) of ``z0`` and ``z1``, as in White 2016.

    ``sin((1 − t)·Ω)/sin Ω · z0 + sin(t·Ω)/sin Ω · z1`` with ``Ω`` the angle between ``z0`` and
    ``z1``. For endpoints of equal norm the path stays on their sphere; for others the norm
    changes smoothly between the two. Where ``sin Ω`` is ~0 the formula is 0/0: for (nearly)
    parallel endpoints slerp tends to ``lerp``, which it returns; for exactly antiparallel ones
    every great circle is a shortest path, so none is singled out and it returns ``lerp`` too
    (through the origin), as White's reference code does; likewise for a zero endpoint.

    Args:
      z0, z1: endpoints ``[latent]``.
      t: fractions ``[n]`` (or a scalar); 0 gives ``z0`` and 1 gives ``z1`` exactly.

    Returns:
      ``[n, latent]`` (``[latent]`` for a scalar ``t``).
    """
    z0, z1, t = _check_endpoints("slerp", z0, z1, t)
    return _over_t(_slerp_one, z0, z1, t)


def walk(z_points, steps_per_segment: int, kind: str = "slerp"):
    """The frames of a walk through ``K ≥ 2`` latent points, segment after segment.

    Segment ``k`` goes from ``z_points[k]`` to ``z_points[k + 1]`` in ``steps_per_segment``
    equal steps of ``t``; frames ``k·steps_per_segment`` are the given points exactly.

    Args:
      z_points: waypoints ``[K, latent]``.
      steps_per_segment: frames from one waypoint to the next (≥ 1; 1 gives the waypoints).
      kind: ``"slerp"`` (default) or ``"linear"``.

    Returns:
      ``[(K − 1)·steps_per_segment + 1, latent]``.
    """
    z_points = jnp.asarray(z_points)
    if z_points.ndim != 2 or z_points.shape[0] < 2:
        raise ValueError(
            f"walk: z_points must be [K, latent] with K ≥ 2, got shape {z_points.shape}"
        )
    if not jnp.issubdtype(z_points.dtype, jnp.floating):
        z_points = z_points.astype(jnp.float32)
    if int(steps_per_segment) != steps_per_segment or steps_per_segment < 1:
        raise ValueError(f"walk: steps_per_segment must be an integer ≥ 1, got {steps_per_segment}")
    one = _one_by_kind("walk", kind)
    steps = int(steps_per_segment)
    t = jnp.arange(steps, dtype=z_points.dtype) / steps
    segments = jax.vmap(lambda z0, z1: _over_t(one, z0, z1, t))(z_points[:-1], z_points[1:])
    frames = jnp.concatenate([segments.reshape(-1, z_points.shape[1]), z_points[-1:]])
    return frames.at[::steps].set(z_points)


def arithmetic(z_a, z_b, z_c):
    """``Y = mean(z_a) − mean(z_b) + mean(z_c)`` (DCGAN §6.3.2, which averages three z each).

    Args:
      z_a, z_b, z_c: the latents of each concept's samples, ``[n_a, latent]`` etc., any
        ``n ≥ 1`` each.

    Returns:
      ``Y`` ``[latent]``.
    """
    z_a, z_b, z_c = _check_concepts(z_a, z_b, z_c)
    return z_a.mean(0) - z_b.mean(0) + z_c.mean(0)


def sample_latents(recipe, key, n: int):
    """The latents ``[n, latent_dim]`` that ``recipe.sample(state, key, n)`` generates from."""
    _check_latent_space(recipe)
    if recipe.prior is not None:
        return recipe.prior(key, n)
    return jax.random.normal(key, (n, recipe.latent_dim), jnp.float32)


def walk_images(recipe, state, key, *, points: int = 2, steps: int = 8, kind: str = "slerp"):
    """A walk through ``points`` random latents: ``walk_through`` at ``sample_latents``.

    The waypoints are the latents of ``recipe.sample(state, key, points)``, so the first and
    last frames are those samples (``jaxgen sample --seed S --n K``).

    Returns:
      the batch of ``recipe.generate`` (``"image" [frames, H, W, C]`` or ``"x" [frames, 2]``)
      of the ``(points − 1)·steps + 1`` frames, with their latents ``"z" [frames, latent]``.
    """
    if points < 2:
        raise UserError(f"a walk needs at least 2 points, got {points}")
    return walk_through(recipe, state, sample_latents(recipe, key, points), steps=steps, kind=kind)


def walk_through(recipe, state, z_points, *, steps: int = 8, kind: str = "slerp"):
    """``recipe.generate`` of ``walk(z_points, steps, kind)``, with ``"z"`` the frames' latents.

    Args:
      z_points: waypoints ``[K, recipe.latent_dim]``, ``K ≥ 2``.
      steps: frames per segment (≥ 1).
      kind: ``"slerp"`` or ``"linear"``.
    """
    _check_latent_space(recipe)
    z_points = jnp.asarray(z_points, jnp.float32)
    if z_points.ndim != 2 or z_points.shape[1] != recipe.latent_dim:
        raise ValueError(
            f"walk_through: z_points must be [K, {recipe.latent_dim}] (K points of "
            f"{recipe.name}'s latent size), got shape {z_points.shape}"
        )
    if z_points.shape[0] < 2:
        raise UserError(f"a walk needs at least 2 points, got {z_points.shape[0]}")
    if int(steps) != steps or steps < 1:
        raise UserError(f"a walk needs at least 1 step per segment, got {steps}")
    z = walk(z_points, steps, kind)
    return {**recipe.generate(state, z), "z": z}


class ArithmeticImages(NamedTuple):
    """What ``arithmetic_images`` generates (DCGAN Fig. 7); batches as ``recipe.generate``'s.

    Attributes:
      averages: ``G(mean(z_a)), G(mean(z_b)), G(mean(z_c))``, a batch of 3.
      result: ``G(Y)``, ``Y = mean(z_a) − mean(z_b) + mean(z_c)``, a batch of 1.
      noisy: ``G(Y + u)``, ``u ~ U[−noise_scale, noise_scale]^latent``, a batch of
        ``num_noisy`` (possibly 0).
      z: ``Y`` ``[latent]``.
    """

    averages: dict
    result: dict
    noisy: dict
    z: jax.Array


def arithmetic_images(
    recipe, state, z_a, z_b, z_c, *, key=None, num_noisy: int = 0, noise_scale: float = 0.25
) -> ArithmeticImages:
    """The images of DCGAN Fig. 7: each concept's average, ``G(Y)`` and noisy variants of it.

    The paper shows ``G(Y)`` amid 8 samples of ``G(Y + u)`` with ``u`` uniform in ±0.25 (“uniform
    noise sampled with scale +-0.25”): ``num_noisy=8, noise_scale=0.25`` with a ``key``.

    Args:
      z_a, z_b, z_c: each concept's latents ``[n, recipe.latent_dim]``, ``n ≥ 1`` each.
      key: draws the noise; needed when ``num_noisy > 0``.
      num_noisy: how many noisy variants of ``Y``.
      noise_scale: half-width of the uniform noise added to each coordinate of ``Y``.
    """
    _check_latent_space(recipe)
    z_a, z_b, z_c = _check_concepts(z_a, z_b, z_c, latent_dim=recipe.latent_dim)
    if num_noisy < 0:
        raise ValueError(f"arithmetic_images: num_noisy must be ≥ 0, got {num_noisy}")
    if num_noisy and key is None:
        raise ValueError(f"arithmetic_images: num_noisy={num_noisy} needs a key for the noise")
    means = jnp.stack([z_a.mean(0), z_b.mean(0), z_c.mean(0)]).astype(jnp.float32)
    y = means[0] - means[1] + means[2]
    noise = (
        jax.random.uniform(
            key, (num_noisy, recipe.latent_dim), jnp.float32, -noise_scale, noise_scale
        )
        if num_noisy
        else jnp.zeros((0, recipe.latent_dim), jnp.float32)
    )
    # One call to G for all of them: one compilation, and a batch like the sample grid's.
    batch = recipe.generate(state, jnp.concatenate([means, y[None], y + noise]))
    return ArithmeticImages(
        averages={k: v[:3] for k, v in batch.items()},
        result={k: v[3:4] for k, v in batch.items()},
        noisy={k: v[4:] for k, v in batch.items()},
        z=y,
    )


def parse_indices(text: str, n: int, *, option: str = "indices") -> list[int]:
    """``"3,7,12"`` → ``[3, 7, 12]``, indices into a grid of ``n`` samples (row-major from 0).

    Raises ``UserError`` naming ``option`` for anything else or an index outside ``[0, n)``.
    """
    if not re.fullmatch(_INDICES, text):
        raise UserError(
            f"{option} takes comma-separated sample indices such as 3,7,12, got {text!r}"
        )
    indices = [int(token) for token in text.split(",")]
    for index in indices:
        if index >= n:
            raise UserError(
                f"{option} index {index} is out of range: the grid of --n {n} samples has "
                f"indices 0 to {n - 1}"
            )
    return indices


def parse_arithmetic(text: str, n: int, *, option: str = "--arithmetic"):
    """``"A-B+C"`` → three index lists, e.g. ``"3,7,9 - 1,4,5 + 2,8,11"``; spaces are free.

    A, B and C are comma-separated indices into a grid of ``n`` samples (``parse_indices``);
    the result is ``mean(z[A]) − mean(z[B]) + mean(z[C])``.
    """
    match = re.fullmatch(f"({_INDICES})-({_INDICES})\\+({_INDICES})", text)
    if match is None:
        raise UserError(
            f"{option} takes A-B+C with A, B and C comma-separated sample indices, "
            f"e.g. '3,7,9-1,4,5+2,8,11'; got {text!r}"
        )
    return tuple(parse_indices(group, n, option=option) for group in match.groups())


def _lerp_one(z0, z1, t):
    return (1 - t) * z0 + t * z1


def _slerp_one(z0, z1, t):
    norm0, norm1 = jnp.linalg.norm(z0), jnp.linalg.norm(z1)
    tiny = jnp.finfo(z0.dtype).tiny
    u0, u1 = z0 / jnp.maximum(norm0, tiny), z1 / jnp.maximum(norm1, tiny)
    # Ω = 2·atan2(|u0 − u1|, |u0 + u1|) keeps full precision at every angle, where
    # arccos(u0·u1) loses half the digits near 0 and π (Kahan, "How futile are mindless
    # assessments of roundoff", 2006).
    omega = 2 * jnp.arctan2(jnp.linalg.norm(u0 - u1), jnp.linalg.norm(u0 + u1))
    sin_omega = jnp.sin(omega)
    # Below √eps, lerp differs from slerp by O(Ω²) < eps near 0; near π the formula's
    # cancellation would cost more than that. A zero endpoint has no direction to turn from.
    degenerate = (sin_omega < jnp.sqrt(jnp.finfo(z0.dtype).eps)) | (norm0 == 0) | (norm1 == 0)
    safe_sin = jnp.where(degenerate, 1, sin_omega)
    # Coefficients first: x/x is exactly 1, so t = 0 and t = 1 give the endpoints exactly.
    c0 = jnp.sin((1 - t) * omega) / safe_sin
    c1 = jnp.sin(t * omega) / safe_sin
    return jnp.where(degenerate, _lerp_one(z0, z1, t), c0 * z0 + c1 * z1)


@functools.partial(jax.jit, static_argnums=0)
def _over_t(one, z0, z1, t):
    if t.ndim == 0:
        return one(z0, z1, t)
    return jax.vmap(one, in_axes=(None, None, 0))(z0, z1, t)


def _one_by_kind(name, kind):
    if kind not in KINDS:
        raise ValueError(f"{name}: kind must be 'slerp' or 'linear', got {kind!r}")
    return _slerp_one if kind == "slerp" else _lerp_one


def _check_endpoints(name, z0, z1, t):
    z0, z1 = jnp.asarray(z0), jnp.asarray(z1)
    if z0.ndim != 1 or z0.shape != z1.shape:
        raise ValueError(
            f"{name}: z0 and z1 must be [latent] of the same size, got shapes {z0.shape} and "
            f"{z1.shape}"
        )
    dtype = jnp.result_type(z0, z1)
    if not jnp.issubdtype(dtype, jnp.floating):
        dtype = jnp.float32
    t = jnp.asarray(t, dtype)
    if t.ndim > 1:
        raise ValueError(f"{name}: t must be a scalar or [n], got shape {t.shape}")
    return z0.astype(dtype), z1.astype(dtype), t


def _check_concepts(*concepts, latent_dim=None):
    concepts = [jnp.asarray(z) for z in concepts]
    latent_dim = latent_dim or (concepts[0].shape[-1] if concepts[0].ndim else 1)
    for name, z in zip(("z_a", "z_b", "z_c"), concepts, strict=True):
        if z.ndim != 2 or z.shape[0] < 1 or z.shape[1] != latent_dim:
            raise ValueError(
                f"arithmetic: {name} must be [n, {latent_dim}] with n ≥ 1 (the latents of a "
                f"concept's samples), got shape {z.shape}"
            )
    dtype = jnp.result_type(*concepts)
    if not jnp.issubdtype(dtype, jnp.floating):
        dtype = jnp.float32
    return [z.astype(dtype) for z in concepts]


def _check_latent_space(recipe):
    if recipe.generate is None or not recipe.latent_dim:
        raise UserError(f"{recipe.name} has no latent space to walk or do arithmetic in")


__all__ = [
    "KINDS",
    "ArithmeticImages",
    "arithmetic",
    "arithmetic_images",
    "lerp",
    "parse_arithmetic",
    "parse_indices",
    "sample_latents",
    "slerp",
    "walk",
    "walk_images",
    "walk_through",
]
