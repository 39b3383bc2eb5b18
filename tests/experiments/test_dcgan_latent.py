"""experiments/dcgan_latent at CI size (``--quick``: 8×8 tiny dcgan_mnist, 20 steps).

A 20-step tiny generator draws no digits, so neither the arithmetic nor the probe is asserted to
work; what holds at any budget is that every figure and table is written with the right shapes,
that the accuracies are accuracies, and that the §5.1 features are D's layers, max-pooled.
"""

import jax
import jax.numpy as jnp
import numpy as np
import PIL.Image
import pytest

from experiments.dcgan_latent import run as experiment
from experiments.dcgan_latent.config import get_config
from jaxgen import recipes
from jaxgen.recipes import gan


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    """``(out folder, Results)`` of ``run --quick``."""
    out = tmp_path_factory.mktemp("dcgan_latent")
    results = experiment.main(["--quick", "--out", str(out), "--workdir", str(out / "run")])
    return out, results


def test_writes_the_figures(quick):
    out, results = quick
    config = get_config(quick=True)
    for name in ("walk.png", "walk_compare.png", "arithmetic.png", "results.md", "results.json"):
        assert (out / name).stat().st_size > 0, name
    with PIL.Image.open(out / "walk.png") as image:
        # walk_strip: a row per segment, walk_steps + 1 tiles of 8×8 enlarged to 32 (+1 pad).
        assert image.size == (33 * (config.walk_steps + 1) + 1, 33 * config.walk_rows + 1)
    with PIL.Image.open(out / "walk.gif") as gif:
        assert gif.n_frames == config.gif_points * config.gif_steps == results.walks["gif_frames"]
    with PIL.Image.open(out / "arithmetic.png") as image:
        assert image.width > 500


def test_probe_accuracies_are_accuracies(quick):
    out, results = quick
    config = get_config(quick=True)
    probe = results.probe["results"]
    assert list(probe) == list(experiment.REPRESENTATIONS)
    assert probe["raw pixels"]["dim"] == 8 * 8
    assert probe["trained D"]["dim"] == probe["D at initialization"]["dim"] == 4 * 4 * 8
    for entry in probe.values():
        for size in config.probe_sizes:
            assert len(entry[size]) == config.probe_repeats
            assert all(0 <= a <= 1 for a in entry[size])
        assert 0 <= entry["all"] <= 1
    # Labels and images are paired: even 8×8 pixels separate the ten digits well.
    assert probe["raw pixels"]["all"] > 0.5
    text = (out / "results.md").read_text()
    assert "| raw pixels | 64 | " in text and "| trained D | 128 | " in text


def test_arithmetic_checks_every_equation(quick):
    _, results = quick
    config = get_config(quick=True)
    checks = results.arithmetic["checks"]
    assert [c["attribute"] for c in checks] == ["thickness"] * config.equations + [
        "slant"
    ] * config.equations
    for check in checks:
        assert 0 <= check["result_class"] <= 9 and 0 <= check["result_confidence"] <= 1
        assert check["noisy_count"] == config.check_samples
        assert 0 <= check["noisy_share_c"] <= 1 and check["control"]["std"] >= 0
    assert sum(results.arithmetic["class_counts"]) == config.pool


def test_attributes_on_drawn_strokes():
    blank = -np.ones((3, 28, 28, 1), np.float32)
    rows = np.arange(28)
    blank[0, rows, 27 - rows] = 1  # 45°, top to the right: leans right
    blank[1, rows, rows] = 1  # leans left
    blank[2, :, 13:15] = 1  # upright, two pixels thick
    np.testing.assert_allclose(experiment.slant(blank), [1, -1, 0], atol=1e-6)
    np.testing.assert_allclose(experiment.ink(blank), [28 / 784, 28 / 784, 56 / 784])


def test_adaptive_max_pool_matches_brute_force():
    x = np.random.default_rng(0).normal(size=(2, 14, 7, 3)).astype(np.float32)
    pooled = np.asarray(experiment._adaptive_max_pool(jnp.asarray(x), 4))
    rows = [(0, 4), (3, 7), (7, 11), (10, 14)]  # ⌊14i/4⌋ to ⌈14(i+1)/4⌉
    cols = [(0, 2), (1, 4), (3, 6), (5, 7)]
    for i, (r0, r1) in enumerate(rows):
        for j, (c0, c1) in enumerate(cols):
            np.testing.assert_array_equal(pooled[:, i, j], x[:, r0:r1, c0:c1].max(axis=(1, 2)))


def test_discriminator_features_are_the_pooled_layers():
    # 16×16: two conv layers, 8×8×8 (no norm) and 4×4×16 (batch norm), each pooled to 4×4.
    recipe = recipes.get("dcgan_mnist", preset="tiny", image_size=16)
    state = recipe.init(jax.random.PRNGKey(0), recipe.example_batch())
    # Non-trivial running statistics, so that inference-mode batch norm is visible.
    stats = jax.tree.map(lambda s: s + 0.3, state.model_state.d)
    state = state.replace(model_state=state.model_state._replace(d=stats))
    images = np.asarray(jax.random.uniform(jax.random.PRNGKey(1), (5, 16, 16, 1)) * 2 - 1)
    got = experiment.discriminator_features(recipe, state, images, batch=2)
    assert got.shape == (5, 4 * 4 * 8 + 4 * 4 * 16)

    _, discriminator, _ = gan.networks(recipe.config)
    variables = {"params": state.params.d, **state.model_state.d}
    _, hidden = discriminator.apply(variables, images, train=False, features=True)
    np.testing.assert_allclose(got[:, 128:], hidden, rtol=1e-5, atol=1e-6)  # 4×4 pools to itself

    conv = state.params.d["Conv_0"]
    first = jax.lax.conv_general_dilated(
        images, conv["kernel"], (2, 2), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC")
    )
    first = np.asarray(jax.nn.leaky_relu(first + conv["bias"], 0.2))
    pooled = first.reshape(5, 4, 2, 4, 2, 8).max(axis=(2, 4))  # 8 → 4: bins of 2, exact
    np.testing.assert_allclose(got[:, :128], pooled.reshape(5, -1), rtol=1e-5, atol=1e-5)
