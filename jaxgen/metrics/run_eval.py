"""``evaluate_run``: the sample statistics of a trained recipe, with their protocol card.

This is ``jaxgen eval WORKDIR`` and the training-time evaluation (``eval_every``). It takes the
recipe and TrainState as values (``jaxgen.load(workdir)`` makes them), draws ``num_samples``
samples in batches, embeds them with the feature network of the recipe's data
(``features.for_data``; toy points are their own features), embeds the reference set the same
way, and runs the statistics of ``evaluation.METRICS``.

Reference sources (``reference``):
- ``train``, ``test``, ``all``: that split of the recipe's data set (default ``train``);
- ``NAME:SPLIT``: a split of another data set of the same shape (``mnist5k:test``);
- ``FILE.npz``: an array ``image`` (NHWC, float in [-1, 1]) or ``x`` (points), e.g. written by
  ``jaxgen sample --out FILE.npz``.
Reference embeddings are cached as ``.npz`` (with their protocol) in
``JAXGEN_CACHE_DIR/reference``, keyed by everything that determines them.

The protocol card of every result holds: the jaxgen version, recipe, step, seed, the numbers of
generated and reference samples, the reference (data, split, image size, or file and SHA-256),
the feature network's card (name, weight SHA-256, input size, resize) and the statistics'
settings.
"""

import datetime
import hashlib
import json
import os

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import NamedSharding
from jax.sharding import PartitionSpec as P

from jaxgen import data
from jaxgen.data import toy
from jaxgen.errors import UserError
from jaxgen.metrics import evaluation, features
from jaxgen.metrics.features.cache import cache_dir
from jaxgen.metrics.features.convert_inception import sha256_of

SPLITS = ("train", "test", "all")
DEFAULT_NUM_SAMPLES = 10_000
BATCH_SIZE = 500


def evaluate_run(
    recipe,
    state,
    *,
    metrics=None,
    num_samples=DEFAULT_NUM_SAMPLES,
    reference="train",
    num_reference=None,
    seed=0,
    batch_size=BATCH_SIZE,
    progress=True,
):
    """``{"metrics": {name: number}, "protocol": {...}}`` of the run (module docstring).

    Args:
      recipe, state: a recipe and its TrainState (``jaxgen.load``).
      metrics: names of ``evaluation.METRICS`` (a tuple or ``"fid,kid"``); None or empty for the
        defaults of the data (images: fid, kid, is, pr, dc; toy points: modes first).
      num_samples: generated samples.
      reference: the reference source (module docstring).
      num_reference: reference samples; None for the whole split (10,000 points of a mixture).
      seed: the sampling seed (and KID's subsets).
      batch_size: samples drawn and embedded per batch.
    """
    config = recipe.config
    points = config.data in toy.MIXTURES
    metrics = _metric_names(metrics, config.data, points)
    for name, value in (("num_samples", num_samples), ("batch_size", batch_size)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise UserError(f"{name} must be a positive integer, got {value!r}")
    data_key = "x" if points else "image"
    network = None if points else features.for_data(config.data, progress=progress)
    embed_fn = _embedder(network, recipe.mesh)
    source = _reference_source(reference, config, data_key)
    ref_embedding, ref_record = _reference_embedding(
        source, network, embed_fn, num_reference, batch_size, progress
    )
    sample_key, kid_key = jax.random.split(jax.random.PRNGKey(seed))
    generated = evaluation.embed(
        _generated_batches(recipe, state, sample_key, batch_size, data_key),
        embed_fn,
        total=num_samples,
        description="generated",
        progress=progress,
    )
    num_modes = None
    if "modes" in generated:
        num_modes = network.card.get("num_modes") or generated["logits"].shape[1]
    values = evaluation.compute(
        metrics,
        generated,
        ref_embedding,
        key=kid_key,
        mixture=source.get("mixture"),
        num_modes=num_modes,
    )
    protocol = {
        "jaxgen_version": _version(),
        "recipe": recipe.name,
        "step": int(jax.device_get(state.step)),
        "seed": seed,
        "num_generated": num_samples,
        "num_reference": len(ref_embedding["features"]),
        "reference": ref_record,
        "features": network.card if network else {"name": "identity (2-D points)"},
        "settings": evaluation.settings(num_samples, len(ref_embedding["features"])),
        "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }
    return {"metrics": values, "protocol": protocol}


def _metric_names(metrics, data_name, points):
    if not metrics:
        names = evaluation.POINT_DEFAULTS if points else evaluation.IMAGE_DEFAULTS
        if data_name == "stacked_mnist":
            names = ("modes", "fid", "kid", "pr", "dc")
        return names
    return evaluation.parse_metrics(metrics if isinstance(metrics, str) else ",".join(metrics))


def _embedder(network, mesh):
    """A jitted ``array -> embedding``; batches are sharded over the mesh where they divide.

    The weights are an argument of the jitted function, not constants inside it.
    """
    if network is None:
        variables, apply = None, lambda variables, x: {"features": x}
    else:
        variables = network.variables

        def apply(variables, images):
            outputs = dict(network.apply(variables, images))
            if "logits" in outputs and "modes" not in outputs:
                outputs["modes"] = jnp.argmax(outputs["logits"], axis=-1)
            return outputs

    compiled = jax.jit(apply)
    devices = mesh.devices.size

    def embed_fn(array):
        array = np.asarray(array, np.float32)
        if devices > 1 and len(array) % devices == 0:
            array = jax.device_put(array, NamedSharding(mesh, P(mesh.axis_names[0])))
        return compiled(variables, array)

    return embed_fn


def _generated_batches(recipe, state, key, batch_size, data_key):
    index = 0
    while True:
        yield recipe.sample(state, jax.random.fold_in(key, index), batch_size)[data_key]
        index += 1


def _reference_source(reference, config, data_key):
    """A dict describing the reference set: ``kind`` ``data`` or ``file``, and its fields."""
    if not isinstance(reference, str) or not reference:
        raise UserError(f"--ref must be a split, NAME:SPLIT or FILE.npz, got {reference!r}")
    if reference.endswith(".npz"):
        if not os.path.isfile(reference):
            raise UserError(f"no such reference file: {reference}")
        return {"kind": "file", "path": os.path.abspath(reference), "key": data_key}
    name, split = config.data, reference
    if reference not in SPLITS:
        name, sep, split = reference.rpartition(":")
        if not sep or not name or name == "tfds":  # "tfds:mnist" is a name without a split
            name, split = reference, "train"
    if (name in toy.MIXTURES) != (data_key == "x"):
        kinds = ("2-D points", "images") if name in toy.MIXTURES else ("images", "2-D points")
        raise UserError(
            f"the reference {name} has {kinds[0]} but the samples are {kinds[1]}; choose a "
            "reference of the same kind"
        )
    source = {"kind": "data", "data": name, "split": split, "key": data_key}
    if data_key == "image":
        source["image_size"] = config.image_size
    if name in toy.MIXTURES:
        mixture = toy.MIXTURES[name]
        source["mixture"] = (mixture.centers, mixture.std)
    return source


def _reference_embedding(source, network, embed_fn, num_reference, batch_size, progress):
    """The reference set's embedding (cached) and the record of it for the protocol card."""
    record = {k: v for k, v in source.items() if k not in ("mixture", "key")}
    if source["kind"] == "file":
        record["sha256"] = sha256_of(source["path"])
        arrays = _read_reference_file(source["path"], source["key"])
        total = len(arrays) if num_reference is None else num_reference
        batches = (arrays[i : i + batch_size] for i in range(0, len(arrays), batch_size))
    else:
        dataset = _load(source, batch_size)
        available = dataset.num_examples or dataset.info.get("num_eval_examples")
        total = available if num_reference is None else num_reference
        batches = (batch[source["key"]] for batch in dataset.epoch(batch_size))
    if isinstance(total, bool) or not isinstance(total, int) or total < 1:
        raise UserError(f"the number of reference samples must be positive, got {total!r}")
    identity = {
        **record,
        "num_reference": total,
        "features": network.card if network else "identity",
        "format": "signed",
    }
    digest = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()
    label = record.get("data", "file").replace(":", "_").replace("/", "_")
    name = f"{label}-{record.get('split', '')}-{digest[:16]}.npz"
    path = os.path.join(cache_dir(), "reference", name)
    if os.path.exists(path):
        with np.load(path) as stored:
            embedding = {k: stored[k] for k in stored.files if k != "protocol"}
    else:
        embedding = evaluation.embed(
            batches, embed_fn, total=total, description="reference", progress=progress
        )
        os.makedirs(os.path.dirname(path), exist_ok=True)
        temporary = f"{path}.tmp{os.getpid()}.npz"
        np.savez(temporary, protocol=json.dumps(identity), **embedding)
        os.replace(temporary, path)
    record["cache"] = path
    return embedding, record


def _load(source, batch_size):
    kwargs = {"image_size": source["image_size"]} if "image_size" in source else {}
    dataset = data.load(source["data"], source["split"], batch_size=batch_size, **kwargs)
    if source["key"] not in dataset.element_spec:
        raise UserError(
            f"the reference {source['data']} has no {source['key']!r} entry; choose a reference "
            "of the same kind as the generated samples"
        )
    return dataset


def _read_reference_file(path, key):
    try:
        with np.load(path) as stored:
            if key not in stored.files:
                raise UserError(f"{path} has no array {key!r} (it has {stored.files})")
            return np.asarray(stored[key], np.float32)
    except (OSError, ValueError) as error:
        raise UserError(f"cannot read {path} as .npz: {error}") from None


def _version():
    import jaxgen

    return jaxgen.__version__


def result_path(workdir, step, num_samples, seed, run=None):
    """``WORKDIR/eval/step_STEP_nN_seedS[_runK].json``: where an evaluation's JSON goes by
    default (``_runK``: run K of a ``--seeds`` workdir).

    The sample count is in the name, so ``jaxgen eval --n 10000`` never overwrites the result
    that the training-time evaluation (a smaller ``eval_num_samples``) wrote for that step.
    """
    run = "" if run is None else f"_run{run}"
    return os.path.join(workdir, "eval", f"step_{step:07d}_n{num_samples}_seed{seed}{run}.json")


def save_result(result, path):
    """Writes ``result`` (metrics and protocol card) as JSON to ``path``, creating its folder."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        json.dump(result, f, indent=1)


def format_table(result):
    """The metrics and the protocol card as aligned text lines."""
    lines = [f"{'metric':14s} value"]
    for name, value in result["metrics"].items():
        text = str(value) if isinstance(value, int) else f"{value:.6g}"
        lines.append(f"{name:14s} {text}")
    protocol = result["protocol"]
    card = protocol["features"]
    reference = protocol["reference"]
    where = (
        f"{reference['data']}:{reference['split']}"
        if reference["kind"] == "data"
        else f"{reference['path']} (sha256 {reference['sha256'][:12]})"
    )
    lines += [
        "",
        f"protocol: {protocol['recipe']} at step {protocol['step']}, seed {protocol['seed']}, "
        f"jaxgen {protocol['jaxgen_version']}",
        f"  samples: {protocol['num_generated']} generated, {protocol['num_reference']} "
        f"reference from {where}",
        f"  features: {card['name']}"
        + (f", weights sha256 {card['weights_sha256'][:12]}" if "weights_sha256" in card else "")
        + (f", {card['resize']}" if "resize" in card else "")
        + (f", test accuracy {card['test_accuracy']:.4f}" if "test_accuracy" in card else ""),
        "  settings: "
        + "; ".join(
            f"{name} " + ", ".join(f"{k}={v}" for k, v in values.items())
            for name, values in protocol["settings"].items()
        ),
    ]
    return "\n".join(lines)
