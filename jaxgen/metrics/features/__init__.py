"""Feature networks for the sample statistics of ``jaxgen.metrics`` (``FeatureNetwork``).

- ``digits``, ``mnist5k``: small classifiers trained offline on first use and cached
  (``cache.classifier_network``); they need no download.
- ``stacked``: one of them applied to each channel of a stacked-MNIST image (``stacked``).
- ``inception``: the FID InceptionV3 of the 2015-12-05 TensorFlow graph, from a local
  weight file (``inception``).

``feature_network(name)`` builds one by name; ``for_data(data_name)`` says which one a data set's
samples are measured with.
"""

from jaxgen.errors import UserError, closest
from jaxgen.metrics.features.base import FeatureNetwork
from jaxgen.metrics.features.cache import CONFIGS, classifier_network
from jaxgen.metrics.features.stacked import stacked_network


def inception_network(weights=None, **kwargs):
    """The FID InceptionV3 (``inception.inception_network``); imported on first use."""
    from jaxgen.metrics.features.inception import inception_network as build

    return build(weights, **kwargs)


NAMES = (*CONFIGS, "inception")

# Data sets measured with an offline classifier; any other image set uses Inception.
_CLASSIFIER_OF_DATA = {"digits": "digits", "mnist5k": "mnist5k", "tfds:mnist": "mnist5k"}


def feature_network(name, *, progress=True) -> FeatureNetwork:
    """The feature network ``name`` (``NAMES``); classifiers are trained on first use."""
    if name in CONFIGS:
        return classifier_network(name, progress=progress)
    if name == "inception":
        return inception_network()
    raise UserError(f"unknown feature network {name!r}: {closest(name, NAMES)}")


def for_data(data_name, *, progress=True) -> FeatureNetwork:
    """The feature network that measures samples of data set ``data_name``."""
    if data_name == "stacked_mnist":
        return stacked_network(classifier_network("mnist5k", progress=progress))
    return feature_network(_CLASSIFIER_OF_DATA.get(data_name, "inception"), progress=progress)


__all__ = [
    "NAMES",
    "FeatureNetwork",
    "classifier_network",
    "feature_network",
    "for_data",
    "inception_network",
]
