"""Converts pytorch-fid's FID Inception weights (.pth) to the .npz that ``inception`` loads.

    python -m jaxgen.metrics.features.convert_inception pt_inception-2015-12-05-6726825d.pth \\
        inception-2015-12-05.npz

Needs torch (imported here only; jaxgen does not depend on it). The mapping is a renaming:
``A.B.conv.weight`` [O, I, H, W] → ``params/A/B/conv/kernel`` [H, W, I, O];
``bn.weight``/``bn.bias`` → ``params/.../bn/scale``/``bias``; ``bn.running_mean``/
``running_var`` → ``batch_stats/.../bn/mean``/``var``; ``fc.weight`` [1008, 2048] →
``params/fc/kernel`` [2048, 1008]; ``num_batches_tracked`` is dropped. The output also records
``source_sha256``, the SHA-256 of the .pth, which ``inception_network`` checks. torch-fidelity's
``weights-inception-2015-12-05-6726825d.pth`` has the same bytes and converts the same way.
"""

import argparse
import hashlib
import pickle
import sys

import numpy as np

from jaxgen.metrics.features.inception import PUBLISHED_SHA256, SOURCE_SHA256_KEY

_BATCH_NORM = {
    "weight": ("params", "scale"),
    "bias": ("params", "bias"),
    "running_mean": ("batch_stats", "mean"),
    "running_var": ("batch_stats", "var"),
}


def flax_key(torch_key, shape):
    """The flat Flax key of one state-dict entry, and how to lay out its array (None: drop)."""
    *path, layer, name = torch_key.split(".")
    if name == "num_batches_tracked":
        return None, None
    if layer == "conv" and name == "weight" and len(shape) == 4:
        return "/".join(["params", *path, layer, "kernel"]), (2, 3, 1, 0)  # OIHW → HWIO
    if layer == "bn" and name in _BATCH_NORM:
        collection, leaf = _BATCH_NORM[name]
        return "/".join([collection, *path, layer, leaf]), None
    if not path and layer == "fc" and name == "weight":
        return "params/fc/kernel", (1, 0)
    if not path and layer == "fc" and name == "bias":
        return "params/fc/bias", None
    raise ValueError(f"unexpected key {torch_key!r} {tuple(shape)} in the Inception state dict")


def convert(state_dict, source_sha256):
    """A pytorch-fid / torch-fidelity state dict → ``{flat Flax key: float32 array}`` plus
    ``source_sha256``; raises ValueError on a key the network does not have."""
    flat = {}
    for torch_key, tensor in state_dict.items():
        array = tensor.detach().cpu().numpy() if hasattr(tensor, "detach") else np.asarray(tensor)
        key, axes = flax_key(torch_key, array.shape)
        if key is None:
            continue
        if axes is not None:
            array = array.transpose(axes)
        flat[key] = np.ascontiguousarray(array, dtype=np.float32)
    flat[SOURCE_SHA256_KEY] = np.array(source_sha256)
    return flat


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def load_state_dict(path, source_sha256):
    """``torch.load`` with ``weights_only=True``; the unrestricted unpickler only for the
    published file, whose bytes are known (torch-fidelity loads it with weights_only=False)."""
    import torch

    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        if source_sha256 != PUBLISHED_SHA256:
            raise
        return torch.load(path, map_location="cpu", weights_only=False)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", help="pytorch-fid's pt_inception-2015-12-05-6726825d.pth")
    parser.add_argument("output", help="the .npz to write")
    args = parser.parse_args(argv)
    source_sha256 = sha256_of(args.source)
    flat = convert(load_state_dict(args.source, source_sha256), source_sha256)
    with open(args.output, "wb") as file:
        np.savez(file, **flat)
    verdict = (
        "the published file" if source_sha256 == PUBLISHED_SHA256 else "NOT the published file"
    )
    print(
        f"wrote {args.output}: {len(flat) - 1} arrays; source SHA-256 {source_sha256} ({verdict})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
