"""The reference codes of experiments/metric_agreement, imported without torchvision.

pytorch-fid's ``fid_score`` and torch-fidelity's ``__init__`` and ``utils`` import torchvision,
which does not import beside torch 2.13 here; the functions used need only numpy, scipy,
scikit-learn and torch. ``load()`` imports them from the installed packages' own files.
"""

import ast
import importlib
import importlib.metadata
import importlib.util
import pathlib
import sys
import types
import warnings
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import scipy.linalg

# The versions this experiment was run with; --no-deps: pytorch-fid and torch-fidelity require
# torchvision (above).
PINNED = {"pytorch-fid": "0.3.0", "torch-fidelity": "0.4.0", "prdc": "0.2"}
INSTALL = "pip install --no-deps " + " ".join(f"{k}=={v}" for k, v in PINNED.items())
REPORTED_VERSIONS = (*PINNED, "scipy", "scikit-learn", "numpy", "torch")


class References(NamedTuple):
    """The reference functions, called on numpy feature arrays."""

    frechet_distance: Callable  # pytorch-fid: (mu1, sigma1, mu2, sigma2) -> FID
    kid: Callable  # torch-fidelity: (features_1, features_2 as torch tensors, **kwargs) -> dict
    kernel_mmd: Callable  # torch-fidelity: one subset's MMD² (numpy arrays, **kwargs)
    inception_score: Callable  # torch-fidelity: (logits tensor, splits, shuffle) -> dict
    prdc: Callable  # prdc: (real, fake, nearest_k) -> dict
    versions: dict  # package -> installed version


def load() -> References:
    """The reference functions, imported from the installed packages' own files.

    torch-fidelity: ``metric_kid`` and ``metric_isc`` are imported under a stub package whose
    ``utils`` holds placeholders for the four extraction helpers they import and that the
    metric functions used here never call (the approach of tests/metrics/test_inception.py).
    pytorch-fid: the definition of ``calculate_frechet_distance`` is taken from
    ``fid_score.py``'s syntax tree and executed with the two names it uses, ``np`` and
    ``linalg`` (``scipy.linalg``), as the file imports them.
    """
    for module in ("pytorch_fid", "torch_fidelity", "prdc"):
        if importlib.util.find_spec(module) is None:
            raise ModuleNotFoundError(f"the reference package {module} is missing: {INSTALL}")
    metric_kid, metric_isc = _torch_fidelity_modules("metric_kid", "metric_isc")
    import prdc

    return References(
        frechet_distance=_pytorch_fid_frechet_distance(),
        kid=metric_kid.kid_features_to_metric,
        kernel_mmd=metric_kid.kernel_mmd,
        inception_score=metric_isc.isc_features_to_metric,
        prdc=prdc.compute_prdc,
        versions={name: importlib.metadata.version(name) for name in REPORTED_VERSIONS},
    )


def _torch_fidelity_modules(*names):
    site = pathlib.Path(importlib.util.find_spec("torch_fidelity").origin).parent
    saved = {k: v for k, v in sys.modules.items() if k.partition(".")[0] == "torch_fidelity"}
    stub = types.ModuleType("torch_fidelity")
    stub.__path__ = [str(site)]
    utils = types.ModuleType("torch_fidelity.utils")
    for helper in (
        "create_feature_extractor",
        "extract_featuresdict_from_input_id_cached",
        "resolve_feature_extractor",
        "resolve_feature_layer_for_metric",
    ):
        utils.__dict__[helper] = _not_loaded(helper)
    sys.modules["torch_fidelity"], sys.modules["torch_fidelity.utils"] = stub, utils
    try:
        return tuple(importlib.import_module(f"torch_fidelity.{name}") for name in names)
    finally:
        for name in [k for k in sys.modules if k.partition(".")[0] == "torch_fidelity"]:
            del sys.modules[name]
        sys.modules.update(saved)


def _not_loaded(name):
    def placeholder(*args, **kwargs):
        raise NotImplementedError(f"torch_fidelity.utils.{name} (torchvision) is not loaded")

    return placeholder


def _pytorch_fid_frechet_distance():
    path = pathlib.Path(importlib.util.find_spec("pytorch_fid").origin).parent / "fid_score.py"
    tree = ast.parse(path.read_text(), filename=str(path))
    (definition,) = [
        node
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and node.name == "calculate_frechet_distance"
    ]
    namespace = {"np": np, "linalg": scipy.linalg}
    exec(compile(ast.Module([definition], type_ignores=[]), str(path), "exec"), namespace)
    calculate_frechet_distance = namespace["calculate_frechet_distance"]

    def frechet_distance(mu1, sigma1, mu2, sigma2):
        with warnings.catch_warnings():
            # pytorch-fid 0.3.0 calls sqrtm(..., disp=False), deprecated since SciPy 1.16 (and
            # gone in 1.18): the result is the same.
            warnings.filterwarnings("ignore", "The `disp` argument", DeprecationWarning)
            # Σ1Σ2 is singular on these features (dead ReLU units, README.md); SciPy ≥ 1.16
            # warns about it, older ones with disp=False did not. pytorch-fid goes on with the
            # result, and so do we: the comparison shows how accurate it is.
            warnings.filterwarnings("ignore", "Matrix is singular", scipy.linalg.LinAlgWarning)
            return float(calculate_frechet_distance(mu1, sigma1, mu2, sigma2))

    return frechet_distance
