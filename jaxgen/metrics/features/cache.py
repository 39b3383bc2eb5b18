"""``classifier_network(name)``: the offline feature classifier of a data set, trained once.

The first call for a data set trains its classifier (``CONFIGS``, about a minute on 2 CPU
cores for ``mnist5k``) and stores the weights in the cache directory (``JAXGEN_CACHE_DIR``, by
default ``~/.cache/jaxgen``) under a key that hashes the config, the training data and
``VERSION``; later calls load them. Any change to the recipe or the data gives a new key, so a
stale network is never used. Concurrent first calls (pytest workers, several evaluations) wait
on a file lock instead of training twice; files appear atomically (written, then renamed).

The weight hash in the protocol card is the SHA-256 of the stored weight bytes.
"""

import fcntl
import hashlib
import json
import os
import sys

import flax.serialization
import jax
import jax.numpy as jnp
import numpy as np
from tqdm.auto import tqdm

from jaxgen.data import offline
from jaxgen.errors import UserError, closest
from jaxgen.metrics.features import classifier
from jaxgen.metrics.features.base import FeatureNetwork

VERSION = 1  # bump when the network or the training code changes what a config means

CONFIGS = {
    "digits": dict(
        data="digits",
        image_size=8,
        width=16,
        feature_dim=64,
        steps=600,
        batch_size=128,
        learning_rate=2e-3,
        shift=1,
        seed=0,
    ),
    "mnist5k": dict(
        data="mnist5k",
        image_size=28,
        width=16,
        feature_dim=128,
        steps=1000,
        batch_size=128,
        learning_rate=2e-3,
        shift=2,
        seed=0,
    ),
}


def cache_dir():
    """``JAXGEN_CACHE_DIR``, or ``~/.cache/jaxgen``."""
    return os.environ.get("JAXGEN_CACHE_DIR") or os.path.join(
        os.path.expanduser("~"), ".cache", "jaxgen"
    )


def signed_split(name, split):
    """Images of an offline split in the signed format ([-1, 1]) at native size, and labels."""
    source = offline.SOURCES[name]
    images, labels = offline.split_arrays(name, split, source.native_size)
    return images / np.float32(source.max_value) * 2 - 1, labels


def cache_key(name):
    """SHA-256 of the config, the training split's bytes and ``VERSION``."""
    images, labels = signed_split(name, "train")
    digest = hashlib.sha256()
    identity = {"config": CONFIGS[name], "version": VERSION}
    digest.update(json.dumps(identity, sort_keys=True).encode())
    digest.update(np.ascontiguousarray(images).tobytes())
    digest.update(np.ascontiguousarray(labels).tobytes())
    return digest.hexdigest()


def trained_classifier(name, *, progress=True):
    """``(variables, record)`` of data set ``name``'s classifier: loaded, or trained and cached.

    ``record`` holds the config, the cache key, the test accuracy and the weights' SHA-256.
    """
    if name not in CONFIGS:
        raise UserError(f"no feature classifier for {name!r}: {closest(name, CONFIGS)}")
    config = CONFIGS[name]
    key = cache_key(name)
    directory = os.path.join(cache_dir(), "classifiers")
    os.makedirs(directory, exist_ok=True)
    stem = os.path.join(directory, f"{name}-{key[:16]}")
    weights, record = cached_weights(
        stem,
        f"{name} classifier",
        lambda: _train_and_store(name, config, key, stem, progress),
    )
    template = _template(config)
    return flax.serialization.from_bytes(template, weights), record


def cached_weights(stem, what, train_and_store):
    """``(weight bytes, record)`` stored at ``stem.msgpack`` / ``stem.json``, after
    ``train_and_store()`` has written them if they are not there yet.

    Concurrent first calls (pytest workers, several evaluations) wait on ``stem.lock`` instead
    of training twice; weights whose SHA-256 is not the record's are a UserError naming
    ``what``."""
    with open(stem + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process may be training it right now
        if not os.path.exists(stem + ".json"):
            train_and_store()
    with open(stem + ".msgpack", "rb") as f:
        weights = f.read()
    with open(stem + ".json") as f:
        record = json.load(f)
    if hashlib.sha256(weights).hexdigest() != record["weights_sha256"]:
        raise UserError(
            f"the cached {what} {stem}.msgpack is corrupted; delete {stem}.* to retrain"
        )
    return weights, record


def _template(config):
    model = classifier.DigitClassifier(config["width"], config["feature_dim"])
    shape = (1, config["image_size"], config["image_size"], 1)
    return jax.eval_shape(model.init, jax.random.PRNGKey(0), jnp.zeros(shape))


def _train_and_store(name, config, key, stem, progress):
    print(
        f"jaxgen: training the {name} feature classifier once (cached in {os.path.dirname(stem)})",
        file=sys.stderr,
    )
    images, labels = signed_split(name, "train")
    with tqdm(total=config["steps"], disable=not progress, unit="step", file=sys.stderr) as bar:
        variables = classifier.fit(config, images, labels, progress=lambda t: bar.update(t - bar.n))
    test_images, test_labels = signed_split(name, "test")
    weights = flax.serialization.to_bytes(jax.device_get(variables))
    record = {
        "name": name,
        "config": config,
        "version": VERSION,
        "cache_key": key,
        "test_accuracy": classifier.accuracy(config, variables, test_images, test_labels),
        "train_accuracy": classifier.accuracy(config, variables, images, labels),
        "weights_sha256": hashlib.sha256(weights).hexdigest(),
    }
    write_atomically(stem + ".msgpack", weights)
    write_atomically(stem + ".json", json.dumps(record, indent=1).encode())


def write_atomically(path, data):
    temporary = f"{path}.tmp{os.getpid()}"
    with open(temporary, "wb") as f:
        f.write(data)
    os.replace(temporary, path)


def classifier_network(name, *, progress=True):
    """The ``FeatureNetwork`` of data set ``name``'s classifier (``digits`` or ``mnist5k``).

    ``apply`` takes signed grayscale images of any size: they are resized bilinearly (with
    antialiasing when shrinking) to the classifier's input size first.
    """
    variables, record = trained_classifier(name, progress=progress)
    config = record["config"]
    model = classifier.DigitClassifier(config["width"], config["feature_dim"])
    size = config["image_size"]

    def apply(variables, images):
        images = jnp.asarray(images, jnp.float32)
        if images.ndim != 4 or images.shape[-1] != 1:
            raise UserError(
                f"the {name} classifier takes grayscale images [B, H, W, 1], got shape "
                f"{list(images.shape)}"
            )
        if images.shape[1:3] != (size, size):
            images = jax.image.resize(images, (images.shape[0], size, size, 1), "bilinear")
        return model.apply(variables, images)

    card = {
        "name": f"{name}-classifier",
        "weights_sha256": record["weights_sha256"],
        "input_size": size,
        "resize": f"bilinear (jax.image.resize, antialiased) to {size}x{size}",
        "test_accuracy": record["test_accuracy"],
        "cache_key": record["cache_key"],
    }
    return FeatureNetwork(f"{name}-classifier", apply, variables, card)
