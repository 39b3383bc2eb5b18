"""InfoGAN: a GAN whose latent codes must be recoverable from its samples (Chen et al. 2016).

The generator reads [z, onehot(c₁), c₂ … c_{1+C}]: noise z ~ N(0, I) or U(−1, 1) (``noise``;
the authors' MNIST code draws 62 uniform values), one categorical code
c₁ ~ Cat(K) (uniform) and C continuous codes c_j ~ U(−1, 1) (the paper's MNIST setting is
K = 10, C = 2). A recognition network Q, a head on the discriminator's body
(``jaxgen.nn.conditioning.InfoQHead``), predicts the codes of a generated sample. The
variational lower bound of the mutual information I(c; G(z, c)) (§5, eq. 4) is

    L_I(G, Q) = E_{c, x = G(z, c)}[log Q(c | x)] + H(c) ≤ I(c; G(z, c)),

and both G and Q maximize it with weight λ beside the GAN objective (eq. 6:
min_{G,Q} max_D V(D, G) − λ L_I). With a categorical Q and unit-variance Gaussians for the
continuous codes, −log Q(c | x) = CE(logits, c₁) + Σ_j ½(c_j − μ_j)² + (C/2)·log 2π. The loss
``info_loss`` is that negative log-likelihood, the continuous part weighted by
``continuous_weight`` (the paper uses a smaller λ for continuous codes, so that the
differential-entropy term stays on the GAN objective's scale); Q's parameters live in the
discriminator's tree, so the discriminator's update trains Q and the generator's trains G
on the same term.

Metrics: ``mi_lower_bound`` (the categorical part, log K − CE, in nats; at most log K),
``code_accuracy`` (Q's argmax equals c₁ on the fakes), ``code_mse`` (the continuous codes).
"""

import math

import jax
import jax.numpy as jnp
import optax

from jaxgen.game.adversarial import Penalty, apply_module
from jaxgen.losses.gan import mean_probability
from jaxgen.types import Pair

NOISES = ("normal", "uniform")


def sample_noise(key, n: int, dim: int, noise: str = "normal"):
    """z ``[n, dim]``: N(0, I) (``"normal"``) or U(−1, 1) per value (``"uniform"``)."""
    if noise == "uniform":
        return jax.random.uniform(key, (n, dim), jnp.float32, -1.0, 1.0)
    if noise == "normal":
        return jax.random.normal(key, (n, dim), jnp.float32)
    raise ValueError(f"noise must be one of {NOISES}, got {noise!r}")


def sample_codes(key, n: int, categorical: int, continuous: int):
    """``(c₁ [n] int32 uniform in 0..K−1, continuous codes [n, C] uniform in [−1, 1])``."""
    cat_key, cont_key = jax.random.split(key)
    codes = jax.random.randint(cat_key, (n,), 0, categorical)
    return codes, jax.random.uniform(cont_key, (n, continuous), jnp.float32, -1.0, 1.0)


def latent_of(z, categorical_codes, continuous_codes, categorical: int):
    """The generator's input [z, onehot(c₁), continuous codes]."""
    onehot = jax.nn.one_hot(categorical_codes, categorical, dtype=z.dtype)
    return jnp.concatenate([z, onehot, continuous_codes.astype(z.dtype)], axis=-1)


def info_loss(code_logits, code_means, categorical_codes, continuous_codes, continuous_weight):
    """−log Q(c | x) per example, up to the constant (C/2)·log 2π: CE + w · Σ ½(c − μ)²."""
    ce = optax.softmax_cross_entropy_with_integer_labels(code_logits, categorical_codes)
    squared = 0.5 * jnp.sum((continuous_codes - code_means) ** 2, axis=-1)
    return ce + continuous_weight * squared


def info_adversarial(
    generator,
    discriminator,
    objective,
    *,
    noise_dim: int,
    categorical: int,
    continuous: int,
    info_weight: float = 1.0,
    continuous_weight: float = 0.1,
    data_key: str = "image",
    penalty: Penalty | None = None,
    noise: str = "normal",
):
    """The InfoGAN game ``losses(params, model_state, batch, key)`` (module docstring).

    Args:
      generator: ``generator(latent [B, noise_dim + categorical + continuous], train)``.
      discriminator: ``discriminator(x, train) -> (logits [B], (code logits [B, K], code
        means [B, C]))`` (``InfoQHead``).
      objective: a ``jaxgen.losses.Objective``.
      noise_dim, categorical, continuous: sizes of z, of c₁'s categories and of the
        continuous codes.
      info_weight: λ of the mutual-information term for both players (the paper's: 1).
      continuous_weight: the continuous codes' weight inside it.
      data_key: the batch entry holding real data.
      penalty: a discriminator regularizer on the source logit, or None.
      noise: z's distribution, ``"normal"`` or ``"uniform"`` (``sample_noise``).
    """

    def losses(params, model_state, batch, key):
        real = batch[data_key]
        n = real.shape[0]
        z = sample_noise(key, n, noise_dim, noise)
        codes, values = sample_codes(jax.random.fold_in(key, 4), n, categorical, continuous)
        latent = latent_of(z, codes, values, categorical)
        fake, g_state = apply_module(generator, params.g, model_state.g, latent, train=True)
        (real_logits, _), d_state = apply_module(
            discriminator, params.d, model_state.d, real, train=True
        )
        (fake_logits, (code_logits, code_means)), d_state = apply_module(
            discriminator, params.d, d_state, fake, train=True
        )
        info = jnp.mean(info_loss(code_logits, code_means, codes, values, continuous_weight))
        loss_g = jnp.mean(objective.generator(fake_logits)) + info_weight * info
        loss_d = jnp.mean(objective.discriminator(real_logits, fake_logits)) + info_weight * info
        ce = optax.softmax_cross_entropy_with_integer_labels(code_logits, codes)
        metrics = {
            "d_real": mean_probability(real_logits),
            "d_fake": mean_probability(fake_logits),
            "mi_lower_bound": math.log(categorical) - jnp.mean(ce),
            "code_accuracy": jnp.mean(jnp.argmax(code_logits, -1) == codes),
        }
        if continuous:
            metrics["code_mse"] = jnp.mean((values - code_means) ** 2)
        if penalty is not None:

            def critic(x):
                return apply_module(discriminator, params.d, d_state, x, train=False)[0][0]

            penalty_values = penalty.fn(critic, real, fake, jax.random.fold_in(key, 2))
            metrics["d_penalty"] = jnp.mean(penalty_values)
            loss_d = loss_d + penalty.weight * metrics["d_penalty"]
        return Pair(loss_g, loss_d), (Pair(g_state, d_state), metrics)

    return losses
