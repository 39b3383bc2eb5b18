"""The class-conditional recipes (cgan_*, acgan_*, pcgan_*): they learn the label, and their
sampling paths, CLI and errors behave.

ring8's labels are the mixture's modes, so whether a model obeys its label is measurable
exactly: the nearest mode of a sample generated for label k should be mode k. 300 steps of
each ring8 recipe at its defaults reach 100% (and 45% of cgan's samples within 3σ of the
mode; 95% at 1,000 steps), against about 1/8 for the untrained generator.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxgen
from jaxgen import cli, recipes
from jaxgen.errors import UserError
from jaxgen.recipes import gan


def nearest_mode_accuracy(recipe, state, n=800):
    samples = recipe.sample(state, jax.random.PRNGKey(1), n)
    centers = np.asarray(recipe.dataset("train").info["centers"])
    distances = ((np.asarray(samples["x"])[:, None] - centers[None]) ** 2).sum(-1)
    return np.mean(distances.argmin(1) == np.asarray(samples["label"]))


@pytest.mark.parametrize("family", ["cgan", "acgan", "pcgan"])
def test_ring8_samples_land_on_the_requested_mode(family):
    recipe = recipes.get(f"{family}_ring8")
    dataset = recipe.dataset("train")
    state = recipe.init(jax.random.PRNGKey(0), recipe.example_batch())
    untrained = nearest_mode_accuracy(recipe, state)
    for position in range(300):
        state, metrics = recipe.step(state, dataset.batch(position))
    assert np.isfinite(float(metrics["loss_d"])) and np.isfinite(float(metrics["loss_g"]))
    assert untrained < 0.5
    assert nearest_mode_accuracy(recipe, state) >= 0.95


@pytest.fixture(scope="module")
def acgan_digits():
    recipe = recipes.get("acgan_digits", preset="tiny")
    dataset = recipe.dataset("train")
    state = recipe.init(jax.random.PRNGKey(0), recipe.example_batch())
    for position in range(3):
        state, metrics = recipe.step(state, dataset.batch(position))
    return recipe, state, metrics


def test_acgan_digits_trains_and_reports_its_class_accuracy(acgan_digits):
    _, _, metrics = acgan_digits
    assert all(np.isfinite(float(value)) for value in metrics.values())
    assert 0 <= float(metrics["class_real"]) <= 1 and 0 <= float(metrics["class_fake"]) <= 1


def test_sample_takes_one_label_per_sample(acgan_digits):
    recipe, state, _ = acgan_digits
    assert recipe.num_classes == 10
    default = recipe.sample(state, jax.random.PRNGKey(0), 12)
    np.testing.assert_array_equal(default["label"], np.arange(12) % 10)
    sevens = recipe.sample(state, jax.random.PRNGKey(0), 4, labels=7)
    np.testing.assert_array_equal(sevens["label"], [7, 7, 7, 7])
    again = recipe.sample(state, jax.random.PRNGKey(0), 4, labels=7)
    np.testing.assert_array_equal(sevens["image"], again["image"])  # same label and key
    threes = recipe.sample(state, jax.random.PRNGKey(0), 4, labels=3)
    assert np.abs(np.asarray(threes["image"]) - np.asarray(sevens["image"])).max() > 1e-4
    z = np.zeros((2, recipe.latent_dim), np.float32)
    assert recipe.generate(state, z, labels=[1, 2])["image"].shape == (2, 8, 8, 1)
    with pytest.raises(UserError, match="label 10 is out of range"):
        recipe.sample(state, jax.random.PRNGKey(0), 4, labels=10)


def test_conditional_batch_norm_generator_trains():
    recipe = recipes.get("pcgan_digits", preset="tiny", g_condition="batch_norm")
    dataset = recipe.dataset("train")
    state = recipe.init(jax.random.PRNGKey(0), recipe.example_batch())
    assert any(name.startswith("ConditionalBatchNorm") for name in state.params.g)
    for position in range(2):
        state, metrics = recipe.step(state, dataset.batch(position))
    assert all(np.isfinite(float(value)) for value in metrics.values())
    fours = recipe.sample(state, jax.random.PRNGKey(0), 3, labels=4)
    assert fours["image"].shape == (3, 8, 8, 1) and np.all(np.isfinite(fours["image"]))


def test_unconditional_recipes_take_no_labels():
    recipe = recipes.get("gan_ring8", preset="tiny")
    state = recipe.init(jax.random.PRNGKey(0), recipe.example_batch())
    assert recipe.num_classes == 0
    with pytest.raises(UserError, match="not class-conditional"):
        recipe.sample(state, jax.random.PRNGKey(0), 4, labels=1)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"condition": "projectoin"}, "did you mean 'projection'"),
        ({"num_classes": 1}, "num_classes must be at least 2"),
        ({"objective": "ebgan"}, "does not combine with objective=ebgan"),
        ({"feature_matching": True}, "does not combine with feature_matching"),
        ({"g_condition": "batch_norm"}, "the mlp has no batch norm"),
        ({"g_condition": "bn"}, "unknown g_condition 'bn'"),
    ],
)
def test_bad_conditional_settings_are_one_line_errors(overrides, message):
    with pytest.raises(UserError, match=message):
        recipes.get("cgan_ring8", preset="tiny", **overrides)


@pytest.fixture(scope="module")
def cgan_workdir(tmp_path_factory):
    workdir = str(tmp_path_factory.mktemp("cgan") / "run")
    argv = ["train", "cgan_ring8", "--workdir", workdir, "--no-progress", "--set", "preset=tiny"]
    assert cli.main(argv) == 0
    return workdir


def test_cli_sample_label(capsys, tmp_path, cgan_workdir):
    out = tmp_path / "threes.npz"
    assert cli.main(["sample", cgan_workdir, "--label", "3", "--n", "5", "--out", str(out)]) == 0
    with np.load(out) as samples:
        np.testing.assert_array_equal(samples["label"], [3] * 5)
        recipe, state = jaxgen.load(cgan_workdir)
        expected = recipe.sample(state, jax.random.PRNGKey(0), 5, labels=3)["x"]
        np.testing.assert_allclose(samples["x"], expected, rtol=1e-6)
    capsys.readouterr()
    assert cli.main(["sample", cgan_workdir, "--label", "8"]) != 0
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "label 8 is out of range" in err


def test_cli_label_or_text_on_an_unconditional_workdir_is_an_error(capsys, tmp_path):
    workdir = str(tmp_path / "plain")
    argv = ["train", "gan_ring8", "--workdir", workdir, "--no-progress", "--set", "preset=tiny"]
    assert cli.main([*argv, "--set", "steps=2", "--set", "checkpoint_every=2"]) == 0
    capsys.readouterr()
    assert cli.main(["sample", workdir, "--label", "1"]) != 0
    assert "not class-conditional" in capsys.readouterr().err
    assert cli.main(["sample", workdir, "--text", "a seven"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "reads no text: --text needs a text-to-image recipe" in err


def matched_accuracy(codes, labels, classes):
    """Accuracy of ``codes`` as a classifier of ``labels`` after the best one-to-one matching
    of codes to classes (brute force over the assignments is too big; Hungarian instead)."""
    from scipy.optimize import linear_sum_assignment

    counts = np.zeros((classes, classes))
    np.add.at(counts, (np.asarray(codes), np.asarray(labels)), 1)
    rows, columns = linear_sum_assignment(-counts)
    return counts[rows, columns].sum() / len(codes)


def test_infogan_ring8_categorical_code_finds_the_modes():
    """Unsupervised: Q's category of a real point matches its mode after 300 steps (InfoGAN's
    MNIST claim, on the toy mixture); an untrained Q does not."""
    recipe = recipes.get("infogan_ring8")
    assert recipe.latent_codes == ("c1",) and recipe.latent_dim == 2 + 8
    dataset = recipe.dataset("train")
    state = recipe.init(jax.random.PRNGKey(0), recipe.example_batch())
    test = dataset.batch(10_000)

    def accuracy():
        return matched_accuracy(recipe.infer_codes(state, test["x"])["c1"], test["label"], 8)

    untrained = accuracy()
    for position in range(300):
        state, metrics = recipe.step(state, dataset.batch(position))
    assert untrained < 0.8
    assert accuracy() >= 0.95
    assert float(metrics["mi_lower_bound"]) > 0.9 * np.log(8)
    threes = recipe.sample(state, jax.random.PRNGKey(1), 200, codes={"c1": 3})["x"]
    centers = np.asarray(dataset.info["centers"])
    nearest = ((np.asarray(threes)[:, None] - centers[None]) ** 2).sum(-1).argmin(1)
    assert np.mean(nearest == np.bincount(nearest).argmax()) >= 0.95  # one code, one mode


def test_infogan_codes_are_checked():
    recipe = recipes.get("infogan_digits", preset="tiny")
    assert recipe.latent_codes == ("c1", "c2", "c3")
    assert recipe.latent_dim == recipe.config.latent_dim + 10 + 2
    state = recipe.init(jax.random.PRNGKey(0), recipe.example_batch())
    # The paper's D and Q: a dense layer (16 in tiny, 1,024 by default) and Q, both with BN.
    assert recipes.get("infogan_digits").config.d_dense_width == 1024
    assert state.params.d["discriminator"]["Dense_0"]["kernel"].shape[-1] == 16
    assert "q_norm" in state.model_state.d["batch_stats"]
    assert state.params.g["Dense_0"]["kernel"].shape[-1] == 16
    # The authors' noise: 62 uniform values in [−1, 1] (a normal z would leave it often).
    z = recipe.prior(jax.random.PRNGKey(3), 256)[:, : recipe.config.latent_dim]
    assert recipe.config.info_noise == "uniform" and 0.9 < float(jnp.abs(z).max()) <= 1.0
    with pytest.raises(UserError, match="info_noise must be one of"):
        recipes.get("infogan_digits", preset="tiny", info_noise="gaussian")
    z = recipe.prior(jax.random.PRNGKey(2), 4, {"c1": jnp.array([7] * 4), "c3": jnp.ones(4)})
    np.testing.assert_array_equal(np.asarray(z[:, -12:-2]).argmax(1), [7] * 4)
    np.testing.assert_array_equal(z[:, -1], np.ones(4))
    fixed = recipe.sample(state, jax.random.PRNGKey(2), 4, codes={"c1": 7, "c3": 1.0})
    np.testing.assert_allclose(fixed["image"], recipe.generate(state, z)["image"], atol=1e-6)
    for codes, message in (({"c4": 0.0}, "unknown code 'c4'"), ({"c1": 10}, "out of range")):
        with pytest.raises(UserError, match=message):
            recipe.sample(state, jax.random.PRNGKey(0), 4, codes=codes)
    with pytest.raises(UserError, match="does not combine with condition"):
        recipes.get("infogan_digits", preset="tiny", condition="concat")


def test_infogan_mnist_networks_are_the_papers():
    """Chen et al. 2016 appendix C.1, counted by hand. G: FC 74→1024 (76,800) + BN (2,048),
    FC 1024→7·7·128 (6,428,800) + BN (256), deconv 128→64 4×4 (131,136) + BN (128), deconv
    64→1 4×4 (1,025): 6,640,193 parameters."""
    recipe = recipes.get("infogan_mnist")
    generator, _, _ = gan.networks(recipe.config)
    shapes = jax.eval_shape(
        lambda key: generator.init(key, jnp.zeros((2, recipe.latent_dim)), train=False),
        jax.random.PRNGKey(0),
    )
    sizes = [np.prod(leaf.shape) for leaf in jax.tree.leaves(shapes["params"])]
    assert recipe.latent_dim == 74 and sum(sizes) == 6_640_193


def test_cli_code_fixes_infogan_codes(capsys, tmp_path, cgan_workdir):
    workdir = str(tmp_path / "info")
    argv = ["train", "infogan_ring8", "--workdir", workdir, "--no-progress"]
    assert cli.main([*argv, "--set", "preset=tiny", "--set", "steps=2"]) == 0
    out = tmp_path / "code.npz"
    assert cli.main(["sample", workdir, "--code", "c1=5", "--n", "3", "--out", str(out)]) == 0
    recipe, state = jaxgen.load(workdir)
    expected = recipe.sample(state, jax.random.PRNGKey(0), 3, codes={"c1": 5})["x"]
    with np.load(out) as samples:
        np.testing.assert_allclose(samples["x"], expected, rtol=1e-6)
    capsys.readouterr()
    for argv, message in (
        ([workdir, "--code", "c1"], "expected NAME=VALUE"),
        ([workdir, "--code", "c9=1"], "unknown code 'c9'"),
        ([cgan_workdir, "--code", "c1=1"], "has no latent codes"),
    ):
        assert cli.main(["sample", *argv]) != 0
        assert message in capsys.readouterr().err
