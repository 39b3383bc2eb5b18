"""Feature matching (Salimans, Goodfellow, Zaremba, Cheung, Radford & Chen 2016, "Improved
Techniques for Training GANs", §3.1).

The generator matches the mean of the discriminator's intermediate features f(x) on real data
instead of maximizing the discriminator's output:

    L_G = ‖E_x f(x) − E_z f(G(z))‖²₂

with both expectations estimated by the minibatch means. The discriminator keeps its own
objective. Unlike the other losses of ``jaxgen.losses`` this is a statistic of the two batches,
a scalar, not one value per example: the squared distance between batch means is not a mean of
per-example terms (its expectation over minibatches of size B exceeds the population value by
tr Cov f / B for each side), and the two batches may have different sizes.

We take the paper's squared L2 norm, a sum over features. The authors' code
(github.com/openai/improved-gan, ``mnist_svhn_cifar10/``) uses the mean over the minibatch of the
layer before the output: ``train_mnist_feature_matching.py`` minimizes the mean over features of
the squared difference (ours divided by the number of features), while the CIFAR-10 and SVHN
scripts minimize the mean absolute difference, an L1 distance (``T.mean(abs(m1 - m2))``).
"""

import jax
import jax.numpy as jnp


def feature_matching_loss(real_features: jax.Array, fake_features: jax.Array) -> jax.Array:
    """``‖mean_i f(x_i) − mean_j f(G(z_j))‖²₂``: a scalar.

    Args:
      real_features: f on a real batch, ``[batch_real, ...]`` (flattened to features).
      fake_features: f on a generated batch, ``[batch_fake, ...]``, the same trailing shape.
    """
    if real_features.ndim < 1 or real_features.shape[1:] != fake_features.shape[1:]:
        raise ValueError(
            "feature_matching_loss needs real_features [batch_real, ...] and fake_features "
            "[batch_fake, ...] with the same trailing shape, got "
            f"{real_features.shape} and {fake_features.shape}"
        )
    if real_features.shape[0] == 0 or fake_features.shape[0] == 0:
        raise ValueError(
            "feature_matching_loss needs non-empty batches, got "
            f"{real_features.shape[0]} real and {fake_features.shape[0]} fake examples"
        )
    difference = jnp.mean(real_features, axis=0) - jnp.mean(fake_features, axis=0)
    return jnp.sum(jnp.square(difference))
