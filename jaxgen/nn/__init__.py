"""Flax Linen modules: NHWC images, discriminators return logits."""

from jaxgen.nn import conditioning, orderings
from jaxgen.nn.autoencoder import ConvAutoencoder, MLPAutoencoder
from jaxgen.nn.dcgan import DCGANDiscriminator, DCGANGenerator
from jaxgen.nn.distributions import (
    bernoulli_log_prob,
    categorical_log_prob,
    discretized_logistic_log_prob,
)
from jaxgen.nn.fvsbn import FVSBN
from jaxgen.nn.improved_gan import (
    MinibatchDiscrimination,
    VirtualBatchNorm,
    minibatch_features,
    split_reference,
    with_reference,
)
from jaxgen.nn.independent import IndependentBernoulli
from jaxgen.nn.made import MADE, MaskedDense, made_masks
from jaxgen.nn.masked import MaskedConv, conv_mask
from jaxgen.nn.mlp import MLP, MLPDiscriminator, MLPGenerator
from jaxgen.nn.nade import NADE
from jaxgen.nn.normalization import MinibatchStdDev, SpectralNorm, minibatch_stddev
from jaxgen.nn.pixelcnn import GatedPixelCNN, PixelCNN
from jaxgen.nn.pixelrnn import PixelRNN
from jaxgen.nn.rnade import RNADE
from jaxgen.nn.vae import VAE, gaussian_kl

__all__ = [
    "FVSBN",
    "GatedPixelCNN",
    "PixelCNN",
    "PixelRNN",
    "IndependentBernoulli",
    "RNADE",
    "VAE",
    "gaussian_kl",
    "MADE",
    "NADE",
    "MaskedDense",
    "bernoulli_log_prob",
    "categorical_log_prob",
    "discretized_logistic_log_prob",
    "conv_mask",
    "MaskedConv",
    "made_masks",
    "conditioning",
    "orderings",
    "MLP",
    "ConvAutoencoder",
    "MLPAutoencoder",
    "DCGANDiscriminator",
    "DCGANGenerator",
    "MLPDiscriminator",
    "MLPGenerator",
    "MinibatchDiscrimination",
    "MinibatchStdDev",
    "VirtualBatchNorm",
    "SpectralNorm",
    "minibatch_features",
    "minibatch_stddev",
    "split_reference",
    "with_reference",
]
