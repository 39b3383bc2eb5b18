"""Flax Linen modules: NHWC images, discriminators return logits."""

from jaxgen.nn.dcgan import DCGANDiscriminator, DCGANGenerator
from jaxgen.nn.mlp import MLP, MLPDiscriminator, MLPGenerator
from jaxgen.nn.normalization import MinibatchStdDev, SpectralNorm, minibatch_stddev

__all__ = [
    "MLP",
    "DCGANDiscriminator",
    "DCGANGenerator",
    "MLPDiscriminator",
    "MLPGenerator",
    "MinibatchStdDev",
    "SpectralNorm",
    "minibatch_stddev",
]
