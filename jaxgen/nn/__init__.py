"""Flax Linen modules: NHWC images, discriminators return logits."""

from jaxgen.nn.dcgan import DCGANDiscriminator, DCGANGenerator
from jaxgen.nn.mlp import MLP, MLPDiscriminator, MLPGenerator

__all__ = ["MLP", "DCGANDiscriminator", "DCGANGenerator", "MLPDiscriminator", "MLPGenerator"]
