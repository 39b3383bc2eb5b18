"""Latent walks and arithmetic: closed forms in float64, numpy references, and the generator."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgen import latent, recipes
from jaxgen.errors import UserError


def numpy_lerp(z0, z1, t):
    return (1 - t[:, None]) * z0 + t[:, None] * z1


def numpy_slerp(z0, z1, t):
    """White 2016's reference formula (dribnet/plat), with the angle from arccos."""
    cos = np.dot(z0 / np.linalg.norm(z0), z1 / np.linalg.norm(z1))
    omega = np.arccos(np.clip(cos, -1, 1))
    return (
        np.sin((1 - t[:, None]) * omega) / np.sin(omega) * z0
        + np.sin(t[:, None] * omega) / np.sin(omega) * z1
    )


INTERPOLATIONS = [(latent.lerp, numpy_lerp), (latent.slerp, numpy_slerp)]


@pytest.mark.parametrize("interpolate, reference", INTERPOLATIONS)
def test_interpolation_equals_the_numpy_formula(interpolate, reference):
    rng = np.random.default_rng(0)
    t = np.linspace(-0.25, 1.25, 13)  # extrapolation included
    with jax.enable_x64(True):
        for latent_dim in (2, 5, 100):
            z0, z1 = rng.normal(size=latent_dim), 3 * rng.normal(size=latent_dim)
            got = interpolate(z0, z1, t)
            assert got.dtype == jnp.float64 and got.shape == (13, latent_dim)
            np.testing.assert_allclose(got, reference(z0, z1, t), rtol=1e-12, atol=1e-12)
            scalar = interpolate(z0, z1, 0.3)  # a scalar t gives one point
            np.testing.assert_allclose(scalar, reference(z0, z1, np.array([0.3]))[0], rtol=1e-12)


@pytest.mark.parametrize("interpolate, _", INTERPOLATIONS)
def test_interpolation_gives_the_endpoints_exactly(interpolate, _):
    z0, z1 = jax.random.normal(jax.random.PRNGKey(0), (2, 100))
    ends = interpolate(z0, z1, jnp.array([0.0, 1.0]))
    np.testing.assert_array_equal(ends[0], z0)
    np.testing.assert_array_equal(ends[1], z1)


def test_slerp_keeps_the_norm_of_equal_norm_endpoints():
    with jax.enable_x64(True):
        z0, z1 = np.random.default_rng(1).normal(size=(2, 100))
        z1 *= np.linalg.norm(z0) / np.linalg.norm(z1)
        path = latent.slerp(z0, z1, np.linspace(0, 1, 11))
        np.testing.assert_allclose(np.linalg.norm(path, axis=1), np.linalg.norm(z0), rtol=1e-13)
        # lerp cuts inside the sphere: at t = 1/2 its norm is |z0|·cos(Ω/2).
        middle = latent.lerp(z0, z1, 0.5)
        omega = np.arccos(np.dot(z0, z1) / np.dot(z0, z0))
        np.testing.assert_allclose(np.linalg.norm(middle), np.linalg.norm(z0) * np.cos(omega / 2))


@pytest.mark.parametrize(
    "z1_of_z0",
    [
        lambda z0: z0,  # identical
        lambda z0: 2.5 * z0,  # parallel
        lambda z0: -z0,  # antiparallel
        lambda z0: -0.5 * z0,  # antiparallel, another norm
        lambda z0: z0 + 1e-7,  # nearly identical
        lambda z0: jnp.zeros_like(z0),  # no direction
    ],
    ids=["identical", "parallel", "antiparallel", "antiparallel-scaled", "nearly", "zero"],
)
def test_slerp_of_degenerate_endpoints_is_finite_and_falls_back_to_lerp(z1_of_z0):
    z0 = jax.random.normal(jax.random.PRNGKey(2), (8,))
    z1 = z1_of_z0(z0)
    t = jnp.linspace(0, 1, 9)
    path = latent.slerp(z0, z1, t)
    assert np.all(np.isfinite(path))
    np.testing.assert_allclose(path, latent.lerp(z0, z1, t), rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(path[0], z0)
    np.testing.assert_array_equal(path[-1], z1)
    walked = latent.walk(jnp.stack([z0, z1, z0]), 4)
    assert np.all(np.isfinite(walked))


@pytest.mark.parametrize(
    "dtype, offset, rtol", [(np.float32, 1e-2, 1e-4), (np.float64, 1e-5, 1e-9)]
)
def test_slerp_nearly_antiparallel_stays_on_the_sphere(dtype, offset, rtol):
    # Still a well-defined great circle: the angle must come out accurately near π.
    z0 = np.zeros(16, dtype)
    z0[0] = 1
    z1 = -z0.copy()
    z1[1] = offset
    z1 /= np.linalg.norm(z1)
    with jax.enable_x64(dtype == np.float64):
        path = latent.slerp(z0, z1, np.linspace(0, 1, 11, dtype=dtype))
        np.testing.assert_allclose(np.linalg.norm(path, axis=1), 1, rtol=rtol)
        np.testing.assert_allclose(path[5, 1], 1, rtol=rtol)  # halfway: a quarter turn


def test_walk_visits_every_point_segment_by_segment():
    rng = np.random.default_rng(3)
    with jax.enable_x64(True):
        points = rng.normal(size=(4, 6))
        for kind, interpolate in (("slerp", numpy_slerp), ("linear", numpy_lerp)):
            frames = latent.walk(points, 5, kind)
            assert frames.shape == (3 * 5 + 1, 6)
            np.testing.assert_array_equal(frames[::5], points)
            for k in range(3):
                expected = interpolate(points[k], points[k + 1], np.arange(5) / 5)
                np.testing.assert_allclose(frames[5 * k : 5 * k + 5], expected, rtol=1e-12)
        np.testing.assert_array_equal(latent.walk(points, 1), points)


@pytest.mark.parametrize(
    "points, steps, kind, message",
    [
        (np.zeros((1, 4)), 3, "slerp", r"\[K, latent\] with K ≥ 2, got shape \(1, 4\)"),
        (np.zeros(4), 3, "slerp", r"got shape \(4,\)"),
        (np.zeros((2, 4)), 0, "slerp", "steps_per_segment must be an integer ≥ 1, got 0"),
        (np.zeros((2, 4)), 3, "cubic", "kind must be 'slerp' or 'linear', got 'cubic'"),
    ],
)
def test_walk_rejects_bad_arguments(points, steps, kind, message):
    with pytest.raises(ValueError, match=message):
        latent.walk(points, steps, kind)


def test_interpolation_rejects_mismatched_endpoints():
    with pytest.raises(ValueError, match=r"same size, got shapes \(3,\) and \(4,\)"):
        latent.slerp(np.zeros(3), np.zeros(4), 0.5)
    with pytest.raises(ValueError, match=r"t must be a scalar or \[n\]"):
        latent.lerp(np.zeros(3), np.zeros(3), np.zeros((2, 2)))


def test_arithmetic_is_mean_a_minus_mean_b_plus_mean_c():
    rng = np.random.default_rng(4)
    z_a, z_b, z_c = rng.normal(size=(3, 7)), rng.normal(size=(1, 7)), rng.normal(size=(5, 7))
    with jax.enable_x64(True):
        got = latent.arithmetic(z_a, z_b, z_c)
        np.testing.assert_allclose(got, z_a.mean(0) - z_b[0] + z_c.mean(0), rtol=1e-14)
    with pytest.raises(ValueError, match=r"z_b must be \[n, 7\] with n ≥ 1.*got shape \(3, 6\)"):
        latent.arithmetic(z_a, np.zeros((3, 6)), z_c)
    with pytest.raises(ValueError, match=r"z_c must be \[n, 7\].*got shape \(0, 7\)"):
        latent.arithmetic(z_a, z_b, np.zeros((0, 7)))


@pytest.fixture(scope="module")
def digits():
    recipe = recipes.get("dcgan_digits", preset="tiny")
    return recipe, recipe.init(jax.random.PRNGKey(0), recipe.example_batch())


def test_sample_latents_are_the_latents_of_recipe_sample(digits):
    recipe, state = digits
    key = jax.random.PRNGKey(5)
    z = latent.sample_latents(recipe, key, 6)
    assert z.shape == (6, recipe.latent_dim)
    np.testing.assert_allclose(
        recipe.generate(state, z)["image"], recipe.sample(state, key, 6)["image"], atol=1e-6
    )


def test_walk_images_start_and_end_at_the_samples_of_the_key(digits):
    recipe, state = digits
    key = jax.random.PRNGKey(6)
    frames = latent.walk_images(recipe, state, key, points=3, steps=4, kind="slerp")
    assert frames["image"].shape == (9, 8, 8, 1) and frames["z"].shape == (9, recipe.latent_dim)
    z_points = latent.sample_latents(recipe, key, 3)
    np.testing.assert_array_equal(frames["z"][::4], z_points)
    waypoints = frames["image"][::4]
    np.testing.assert_allclose(waypoints, recipe.generate(state, z_points)["image"], atol=1e-6)
    np.testing.assert_allclose(waypoints, recipe.sample(state, key, 3)["image"], atol=1e-6)
    np.testing.assert_allclose(
        frames["image"], recipe.generate(state, latent.walk(z_points, 4))["image"], atol=1e-6
    )
    linear = latent.walk_through(recipe, state, z_points, steps=4, kind="linear")
    np.testing.assert_allclose(linear["z"], latent.walk(z_points, 4, "linear"))


def test_arithmetic_images_equal_the_generator_at_the_mean_vectors(digits):
    recipe, state = digits
    z = np.asarray(latent.sample_latents(recipe, jax.random.PRNGKey(7), 9))
    z_a, z_b, z_c = z[:3], z[3:5], z[5:]
    out = latent.arithmetic_images(
        recipe, state, z_a, z_b, z_c, key=jax.random.PRNGKey(8), num_noisy=8
    )
    y = z_a.mean(0) - z_b.mean(0) + z_c.mean(0)
    np.testing.assert_allclose(out.z, y, rtol=1e-6)
    by_hand = recipe.generate(state, jnp.asarray(y[None]))["image"]
    np.testing.assert_allclose(out.result["image"], by_hand, atol=1e-5)
    means = np.stack([z_a.mean(0), z_b.mean(0), z_c.mean(0)])
    np.testing.assert_allclose(
        out.averages["image"], recipe.generate(state, jnp.asarray(means))["image"], atol=1e-5
    )
    assert out.noisy["image"].shape == (8, 8, 8, 1)
    assert not np.allclose(out.noisy["image"], by_hand)
    plain = latent.arithmetic_images(recipe, state, z_a, z_b, z_c)
    assert plain.noisy["image"].shape == (0, 8, 8, 1)
    np.testing.assert_allclose(plain.result["image"], by_hand, atol=1e-5)


def test_generator_helpers_reject_bad_input(digits):
    recipe, state = digits
    with pytest.raises(UserError, match="at least 2 points, got 1"):
        latent.walk_images(recipe, state, jax.random.PRNGKey(0), points=1)
    with pytest.raises(UserError, match="at least 1 step per segment, got 0"):
        latent.walk_images(recipe, state, jax.random.PRNGKey(0), steps=0)
    with pytest.raises(ValueError, match=r"z_points must be \[K, 8\].*got shape \(2, 5\)"):
        latent.walk_through(recipe, state, np.zeros((2, 5)))
    with pytest.raises(ValueError, match=r"z_a must be \[n, 8\]"):
        latent.arithmetic_images(recipe, state, np.zeros((3, 5)), np.zeros((3, 8)), np.zeros(8))
    with pytest.raises(ValueError, match="num_noisy=4 needs a key"):
        latent.arithmetic_images(recipe, state, *np.zeros((3, 1, 8)), num_noisy=4)
    no_latent = recipe._replace(generate=None, latent_dim=0)
    with pytest.raises(UserError, match="dcgan_digits has no latent space"):
        latent.walk_images(no_latent, state, jax.random.PRNGKey(0))
    with pytest.raises(UserError, match="no latent space"):
        latent.arithmetic_images(no_latent, state, *np.zeros((3, 1, 8)))


@pytest.mark.parametrize(
    "text, expected",
    [
        ("3,7,9-1,4,5+2,8,11", ([3, 7, 9], [1, 4, 5], [2, 8, 11])),
        (" 3, 7 ,9 - 1 + 2,8 ", ([3, 7, 9], [1], [2, 8])),
        ("0-0+0", ([0], [0], [0])),
    ],
)
def test_parse_arithmetic(text, expected):
    assert latent.parse_arithmetic(text, 12) == expected


@pytest.mark.parametrize(
    "text, message",
    [
        ("1,2+3-4", r"takes A-B\+C"),
        ("1,2-3", r"takes A-B\+C"),
        ("1,,2-3+4", r"takes A-B\+C"),
        ("a-b+c", r"takes A-B\+C"),
        ("-1-2+3", r"takes A-B\+C"),
        ("1-2+12", "index 12 is out of range: the grid of --n 12 samples has indices 0 to 11"),
    ],
)
def test_parse_arithmetic_rejects_with_one_line(text, message):
    with pytest.raises(UserError, match=message) as error:
        latent.parse_arithmetic(text, 12)
    assert "\n" not in str(error.value)


def test_parse_indices():
    assert latent.parse_indices("5, 0,11", 12) == [5, 0, 11]
    with pytest.raises(UserError, match="--through takes comma-separated sample indices"):
        latent.parse_indices("5;6", 12, option="--through")
