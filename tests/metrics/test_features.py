"""The offline feature classifiers: accuracy, cache, translations, stacked MNIST, 1 vs 8 devices.

The classifiers train on first use. The accuracy tests use the default cache
(``JAXGEN_CACHE_DIR`` or ``~/.cache/jaxgen``), so a machine trains each once (~1 minute for
``mnist5k`` on 2 cores); the cache-mechanics tests use a fresh directory and the ``digits``
classifier, which trains in ~10 s.
"""

import json
import os
import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgen.errors import UserError
from jaxgen.metrics import features
from jaxgen.metrics.features import cache, classifier
from jaxgen.metrics.features.stacked import stacked_network


def test_mnist5k_classifier_reaches_97_percent_on_the_test_split():
    variables, record = cache.trained_classifier("mnist5k", progress=False)
    images, labels = cache.signed_split("mnist5k", "test")
    measured = classifier.accuracy(record["config"], variables, images, labels)
    assert measured == record["test_accuracy"]
    assert measured >= 0.97, measured
    assert len(labels) == 1000


def test_digits_classifier_reaches_95_percent_on_the_test_split():
    variables, record = cache.trained_classifier("digits", progress=False)
    images, labels = cache.signed_split("digits", "test")
    assert classifier.accuracy(record["config"], variables, images, labels) >= 0.95


def test_the_network_resizes_other_sizes_and_gives_features_and_logits():
    network = features.feature_network("digits", progress=False)
    images, labels = cache.signed_split("digits", "test")
    upscaled = jax.image.resize(jnp.asarray(images), (len(images), 16, 16, 1), "bilinear")
    outputs = jax.jit(network.apply)(network.variables, upscaled)
    assert outputs["features"].shape == (len(images), 64)
    assert outputs["logits"].shape == (len(images), 10)
    # Up and back down loses little: the classifier still reads most digits.
    assert np.mean(np.argmax(outputs["logits"], 1) == labels) > 0.8
    assert network.card["weights_sha256"] and network.card["input_size"] == 8


def test_color_images_are_refused_with_one_line():
    network = features.feature_network("digits", progress=False)
    with pytest.raises(UserError, match=r"grayscale images \[B, H, W, 1\]"):
        network(jnp.zeros((2, 8, 8, 3)))


def test_unknown_feature_network():
    with pytest.raises(UserError, match="did you mean 'mnist5k'"):
        features.feature_network("mnist5")


def test_cache_trains_once_and_then_loads_the_same_weights(tmp_path, monkeypatch):
    monkeypatch.setenv("JAXGEN_CACHE_DIR", str(tmp_path))
    monkeypatch.setitem(cache.CONFIGS, "digits", {**cache.CONFIGS["digits"], "steps": 100})
    first, record = cache.trained_classifier("digits", progress=False)
    (weights,) = (tmp_path / "classifiers").glob("digits-*.msgpack")
    stamp = weights.stat().st_mtime_ns
    second, again = cache.trained_classifier("digits", progress=False)
    assert weights.stat().st_mtime_ns == stamp  # loaded, not retrained
    assert again == record
    for a, b in zip(jax.tree.leaves(first), jax.tree.leaves(second), strict=True):
        np.testing.assert_array_equal(a, b)
    # Another config is another key, hence another network.
    monkeypatch.setitem(cache.CONFIGS, "digits", {**cache.CONFIGS["digits"], "steps": 101})
    assert cache.cache_key("digits") != record["cache_key"]


def test_a_corrupted_cache_file_gives_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("JAXGEN_CACHE_DIR", str(tmp_path))
    monkeypatch.setitem(cache.CONFIGS, "digits", {**cache.CONFIGS["digits"], "steps": 100})
    cache.trained_classifier("digits", progress=False)
    (weights,) = (tmp_path / "classifiers").glob("digits-*.msgpack")
    weights.write_bytes(weights.read_bytes()[:-10] + b"0123456789")
    with pytest.raises(UserError, match="corrupted; delete .* to retrain") as error:
        cache.trained_classifier("digits", progress=False)
    assert "\n" not in str(error.value)


def test_the_record_is_json_with_accuracy_and_hash(tmp_path, monkeypatch):
    monkeypatch.setenv("JAXGEN_CACHE_DIR", str(tmp_path))
    monkeypatch.setitem(cache.CONFIGS, "digits", {**cache.CONFIGS["digits"], "steps": 100})
    _, record = cache.trained_classifier("digits", progress=False)
    (stored,) = (tmp_path / "classifiers").glob("digits-*.json")
    assert json.loads(stored.read_text()) == record
    assert 0 <= record["test_accuracy"] <= 1 and len(record["weights_sha256"]) == 64


def test_random_shifts_match_numpy_translation():
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (6, 5, 5, 2)).astype(np.float32)
    key = jax.random.PRNGKey(3)
    shifted = np.asarray(classifier.random_shifts(key, jnp.asarray(images), 2))
    offsets = np.asarray(jax.random.randint(key, (6, 2), 0, 5))  # the draw inside
    for image, out, (oy, ox) in zip(images, shifted, offsets, strict=True):
        expected = np.full((9, 9, 2), -1.0, np.float32)
        expected[2:7, 2:7] = image
        np.testing.assert_array_equal(out, expected[oy : oy + 5, ox : ox + 5])
    assert np.any(offsets != 2)  # not all centered


def test_stacked_network_reads_each_channel():
    network = features.feature_network("mnist5k", progress=False)
    images, labels = cache.signed_split("mnist5k", "test")
    triples = np.stack([np.arange(30), np.arange(30) + 300, np.arange(30) + 600], 1)
    stacked = np.concatenate([images[triples[:, c]] for c in range(3)], axis=-1)
    stacked_net = stacked_network(network)
    outputs = jax.jit(stacked_net.apply)(stacked_net.variables, stacked)
    digit = lambda x: np.argmax(network(x)["logits"], -1)
    expected = sum(m * digit(images[triples[:, c]]) for c, m in enumerate((100, 10, 1)))
    np.testing.assert_array_equal(outputs["modes"], expected)
    assert outputs["features"].shape == (30, 3 * 128)
    truth = 100 * labels[triples[:, 0]] + 10 * labels[triples[:, 1]] + labels[triples[:, 2]]
    assert np.mean(np.asarray(outputs["modes"]) == truth) > 0.9


DEVICES_SCRIPT = """
import sys
import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec as P
from jaxgen.metrics import features
from jaxgen.metrics.features.cache import signed_split

network = features.feature_network("digits", progress=False)
images = signed_split("digits", "test")[0][:64]
mesh = Mesh(np.asarray(jax.devices()), ("data",))
sharded = jax.device_put(images, NamedSharding(mesh, P("data")))
out = jax.jit(network.apply)(network.variables, sharded)
np.savez(sys.argv[1], **{k: np.asarray(v) for k, v in out.items()})
print(jax.device_count())
"""


@pytest.mark.parametrize("devices", [1, 8])
def test_the_classifier_runs_sharded_over_devices(tmp_path, devices):
    features.feature_network("digits", progress=False)  # train outside the subprocess
    env = {**os.environ, "XLA_FLAGS": f"--xla_force_host_platform_device_count={devices}"}
    out = tmp_path / "out.npz"
    result = subprocess.run(
        [sys.executable, "-c", DEVICES_SCRIPT, str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(devices)
    network = features.feature_network("digits", progress=False)
    expected = network(cache.signed_split("digits", "test")[0][:64])
    with np.load(out) as got:
        for key in ("features", "logits"):
            np.testing.assert_allclose(got[key], expected[key], rtol=1e-5, atol=1e-5)
