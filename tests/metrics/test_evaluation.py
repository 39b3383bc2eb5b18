"""The metric registry (``evaluation``) and the run evaluation (``run_eval``).

``compute`` is checked against direct calls of the statistics (themselves checked against
numpy/scipy in their own tests) and a hand-counted mode histogram; ``evaluate_run`` on fresh
and real samples: the FID of the ``mnist5k`` test split against its train split is far below
that of an untrained generator.
"""

import json

import jax
import numpy as np
import pytest

from jaxgen import metrics, recipes
from jaxgen.errors import UserError
from jaxgen.metrics import evaluation, features
from jaxgen.metrics.features.cache import signed_split
from jaxgen.metrics.run_eval import evaluate_run, format_table


def embedding(rng, n, d=6, classes=4):
    return {
        "features": rng.normal(size=(n, d)).astype(np.float32),
        "logits": rng.normal(size=(n, classes)).astype(np.float32),
        "modes": rng.integers(0, classes, n),
    }


def test_parse_metrics_keeps_order_and_refuses_unknown_names():
    assert evaluation.parse_metrics("kid, FID,kid") == ("kid", "fid")
    with pytest.raises(UserError, match="unknown metric 'fdi': did you mean 'fid'"):
        evaluation.parse_metrics("fdi")
    with pytest.raises(UserError, match="at least one"):
        evaluation.parse_metrics(" , ")


def test_compute_equals_the_statistics_called_directly():
    rng = np.random.default_rng(0)
    gen, ref = embedding(rng, 300), embedding(rng, 200)
    key = jax.random.PRNGKey(5)
    values = evaluation.compute(
        ("fid", "kid", "is", "pr", "dc", "modes"), gen, ref, key=key, num_modes=4
    )
    assert list(values)[:3] == ["fid", "kid", "kid_std"]
    assert values["fid"] == pytest.approx(float(metrics.fid(gen["features"], ref["features"])))
    kid_mean, kid_std = metrics.kid(gen["features"], ref["features"], 100, 200, key=key)
    assert (values["kid"], values["kid_std"]) == (float(kid_mean), float(kid_std))
    probs = np.exp(gen["logits"]) / np.exp(gen["logits"]).sum(1, keepdims=True)
    is_mean, _ = metrics.inception_score(probs, 10)
    assert values["is"] == pytest.approx(float(is_mean), rel=1e-5)
    precision, recall = metrics.precision_recall(ref["features"], gen["features"], k=3)
    assert (values["precision"], values["recall"]) == (float(precision), float(recall))
    density, coverage = metrics.density_coverage(ref["features"], gen["features"], k=5)
    assert (values["density"], values["coverage"]) == (float(density), float(coverage))
    counts = np.bincount(gen["modes"], minlength=4) / 300
    assert values["modes"] == 4
    assert values["mode_kl"] == pytest.approx(float(np.sum(counts * np.log(counts * 4))), rel=1e-5)
    assert isinstance(values["modes"], int) and isinstance(values["fid"], float)


def test_kid_subsets_shrink_to_the_smaller_set():
    rng = np.random.default_rng(1)
    gen, ref = embedding(rng, 50), embedding(rng, 70)
    values = evaluation.compute(("kid",), gen, ref, key=jax.random.PRNGKey(0))
    expected, _ = metrics.kid(gen["features"], ref["features"], 100, 50)
    assert values["kid"] == float(expected)
    assert evaluation.settings(50, 70)["kid"]["subset_size"] == 50


def test_is_without_logits_and_modes_without_modes_are_one_line_errors():
    rng = np.random.default_rng(2)
    gen = {"features": rng.normal(size=(20, 3))}
    with pytest.raises(UserError, match="no class logits"):
        evaluation.compute(("is",), gen, gen)
    with pytest.raises(UserError, match="'modes' needs"):
        evaluation.compute(("modes",), gen, gen)


@pytest.fixture(scope="module")
def mnist_network():
    return features.for_data("mnist5k", progress=False)


def test_fid_of_real_test_digits_is_far_below_an_untrained_generator(mnist_network):
    embed = jax.jit(mnist_network.apply)
    train = embed(mnist_network.variables, signed_split("mnist5k", "train")[0])["features"]
    test = embed(mnist_network.variables, signed_split("mnist5k", "test")[0])["features"]
    recipe = recipes.get("dcgan_mnist")
    state = recipe.init(jax.random.PRNGKey(0), recipe.example_batch())
    fake = recipe.sample(state, jax.random.PRNGKey(1), 1000)["image"]
    fake = embed(mnist_network.variables, fake)["features"]
    real_fid, fake_fid = float(metrics.fid(test, train)), float(metrics.fid(fake, train))
    assert real_fid < fake_fid / 50, (real_fid, fake_fid)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A fresh reference cache; the classifiers stay in the shared one (they are slow)."""
    from jaxgen.metrics.features import cache as classifier_cache

    shared = classifier_cache.cache_dir()
    features.for_data("digits", progress=False)
    monkeypatch.setenv("JAXGEN_CACHE_DIR", str(tmp_path))
    (tmp_path / "classifiers").symlink_to(f"{shared}/classifiers")
    return tmp_path


def test_evaluate_run_on_an_untrained_digits_generator(cache):
    recipe = recipes.get("dcgan_digits", preset="tiny")
    state = recipe.init(jax.random.PRNGKey(0), recipe.example_batch())
    result = evaluate_run(recipe, state, num_samples=300, batch_size=100, progress=False)
    values, protocol = result["metrics"], result["protocol"]
    assert list(values) == [
        "fid", "kid", "kid_std", "is", "is_std", "precision", "recall", "density", "coverage"
    ]  # fmt: skip
    assert protocol["num_generated"] == 300 and protocol["num_reference"] == 1438
    assert protocol["reference"]["data"] == "digits" and protocol["reference"]["split"] == "train"
    assert protocol["features"]["name"] == "digits-classifier"
    assert len(protocol["features"]["weights_sha256"]) == 64
    assert protocol["settings"]["kid"] == {"subsets": 100, "subset_size": 300}
    json.dumps(result)  # the card is JSON
    assert "digits-classifier" in format_table(result)
    # Reference embeddings are cached with their protocol; a second run reads them back.
    (stored,) = (cache / "reference").glob("digits-train-*.npz")
    with np.load(stored) as npz:
        assert json.loads(str(npz["protocol"]))["num_reference"] == 1438
    again = evaluate_run(recipe, state, num_samples=300, batch_size=100, progress=False)
    assert again["metrics"] == values


def test_the_test_split_against_train_scores_better_than_noise(cache, tmp_path):
    """``--ref FILE.npz``: the real test images as "generated" samples via a file reference."""
    recipe = recipes.get("dcgan_digits", preset="tiny")
    state = recipe.init(jax.random.PRNGKey(0), recipe.example_batch())
    images = signed_split("digits", "test")[0]
    np.savez(tmp_path / "test.npz", image=images)
    fresh = evaluate_run(recipe, state, metrics="fid,pr", num_samples=359, progress=False)
    # Swap roles: the test split as the reference of the untrained generator, vs train.
    real = evaluate_run(
        recipe,
        state,
        metrics="fid",
        num_samples=359,
        reference=str(tmp_path / "test.npz"),
        progress=False,
    )
    assert real["protocol"]["reference"]["kind"] == "file"
    assert len(real["protocol"]["reference"]["sha256"]) == 64
    assert real["protocol"]["num_reference"] == 359
    # The untrained generator is as far from the test split as from the train split.
    assert real["metrics"]["fid"] == pytest.approx(fresh["metrics"]["fid"], rel=0.3)


def test_evaluate_run_on_toy_points_counts_modes(tmp_path, monkeypatch):
    monkeypatch.setenv("JAXGEN_CACHE_DIR", str(tmp_path))
    recipe = recipes.get("gan_ring8", preset="tiny")
    state = recipe.init(jax.random.PRNGKey(0), recipe.example_batch())
    result = evaluate_run(recipe, state, num_samples=1000, progress=False)
    values = result["metrics"]
    assert list(values)[:4] == ["modes", "num_modes", "high_quality", "mode_kl"]
    assert values["num_modes"] == 8 and 0 <= values["modes"] <= 8
    assert result["protocol"]["num_reference"] == 10_000
    assert result["protocol"]["features"] == {"name": "identity (2-D points)"}


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        ("missing.npz", "no such reference file"),
        ("mnist5k:train", "mnist5k supports image_size"),
        ("ring8:train", "ring8 has 2-D points but the samples are images"),
        ("digits:validation", "no split 'validation'"),
        ("nothing:train", "unknown data set 'nothing'"),
    ],
)
def test_bad_references_are_one_line_errors(cache, reference, message):
    recipe = recipes.get("dcgan_digits", preset="tiny", image_size=12, dcgan_stages=1)
    state = recipe.init(jax.random.PRNGKey(0), recipe.example_batch())
    with pytest.raises(UserError, match=message) as error:
        evaluate_run(recipe, state, reference=reference, num_samples=20, progress=False)
    assert "\n" not in str(error.value)
