"""Variational auto-encoder (VAE; Kingma & Welling 2014, "Auto-Encoding Variational Bayes",
ICLR, §2.4, Appendices B and C) and its importance-weighted bound (IWAE; Burda, Grosse &
Salakhutdinov 2016, "Importance Weighted Autoencoders", ICLR, §3, eq. 8).

The model is p(z) = N(0, I) on ``latent`` dimensions and a decoder p(x|z) on images of
``shape``; the encoder q(z|x) = N(μ(x), diag σ(x)²) outputs μ and log σ. Both networks are MLPs
with tanh units (Appendix C; Burda et al.'s one-stochastic-layer MNIST models use hidden widths
(200, 200) and 50 latent dimensions, the defaults here); the decoder's widths are the encoder's
reversed. Images enter the encoder rescaled to [−1, 1] (x̃ = 2x − 1 for binary data,
x̃ = 2x/255 − 1 for 8-bit data). Decoders (``jaxgen.nn.distributions``):

- ``"bernoulli"``: binary x ∈ {0, 1}, one logit per value (``bernoulli_log_prob``).
- ``"logistic"``: 8-bit x ∈ {0, …, 255} (any int or float dtype), the discretized logistic of
  PixelCNN++ with a location μ and a log-scale per value (``discretized_logistic_log_prob``:
  bins of one intensity level, 2/255 wide on the [−1, 1] scale, the bins of 0 and 255 reaching
  −∞ and +∞).

With z = μ + σ ⊙ ε, ε ~ N(0, I) (the reparameterization, §2.4):

    elbo(x) = log p(x|z) − KL(q(z|x) ‖ N(0, I)),
    KL = Σ_j ½ (μ_j² + σ_j² − 1) − log σ_j                       (Appendix B, closed form),

    iwae_bound(x, k) = log (1/k) Σ_{i=1}^k p(x, z_i) / q(z_i|x),   z_i ~ q(z|x) i.i.d.,

with log p(x, z_i) − log q(z_i|x) = log p(x|z_i) + Σ_j (−½ z_ij² + ½ ε_ij² + log σ_j) and the
sum taken by logsumexp. The IWAE bound is the ELBO's expectation at k = 1, rises with k and
tends to log p(x) as k → ∞ (Burda et al., Theorem 1); ``log_likelihood_estimate`` is the bound
at k = 5,000 (Burda et al. §5), computed ``chunk`` samples at a time in a ``lax.scan`` with a
running logsumexp, so that memory does not grow with k.

ε_i is drawn from ``jax.random.fold_in(key, i)``: the i-th sample is the same in ``elbo``
(i = 0), ``iwae_bound`` and ``log_likelihood_estimate`` for any k and chunk size, so the chunked
estimate equals the unchunked bound and ``iwae_bound(x, key, 1)`` shares ``elbo(x, key)``'s z.
Everything is in nats, per example: ``[batch]``.
"""

import math
from collections.abc import Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

from jaxgen.nn import orderings
from jaxgen.nn.distributions import bernoulli_log_prob, discretized_logistic_log_prob

DECODERS = ("bernoulli", "logistic")
LEVELS = {"bernoulli": 2, "logistic": 256}


def gaussian_kl(mean: jax.Array, log_std: jax.Array) -> jax.Array:
    """KL(N(mean, diag exp(2·log_std)) ‖ N(0, I)) = Σ_j ½ (μ_j² + σ_j² − 1) − log σ_j in nats:
    ``[batch]`` from ``[batch, latent]`` (Kingma & Welling 2014, Appendix B)."""
    return jnp.sum(0.5 * (jnp.square(mean) + jnp.exp(2 * log_std) - 1) - log_std, axis=-1)


def _check_count(k, name: str, where: str) -> None:
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise ValueError(f"{where} needs {name} a positive int (a static argument); got {k!r}")


def _standard_normals(key, start, count: int, shape, dtype):
    """ε_i ~ N(0, I) of ``shape`` for i = start, …, start + count − 1: ``[count, *shape]``, ε_i
    drawn from ``fold_in(key, i)`` so that it does not depend on how the i are grouped."""
    keys = jax.vmap(jax.random.fold_in, (None, 0))(key, start + jnp.arange(count))
    return jax.vmap(lambda sample_key: jax.random.normal(sample_key, shape, dtype))(keys)


class VAE(nn.Module):
    """VAE over images ``[batch, H, W, C]``: ``latent`` Gaussian latents, tanh MLPs of
    ``hidden`` widths, a ``"bernoulli"`` (binary images) or ``"logistic"`` (8-bit images)
    decoder. ``__call__(x, key)`` is ``elbo`` and creates every parameter at init.
    """

    shape: Sequence[int]
    latent: int = 50
    hidden: Sequence[int] = (200, 200)
    decoder: str = "bernoulli"

    def setup(self):
        if self.decoder not in DECODERS:
            raise ValueError(
                f"unknown VAE decoder {self.decoder!r}; choose one of {', '.join(DECODERS)}"
            )
        if self.latent < 1 or any(width < 1 for width in self.hidden):
            raise ValueError(
                f"VAE needs latent >= 1 and hidden widths >= 1, got {self.latent} and "
                f"{tuple(self.hidden)}"
            )
        self.image_shape = tuple(self.shape)
        if len(self.image_shape) != 3 or not all(
            isinstance(size, int | np.integer) and size > 0 for size in self.image_shape
        ):
            raise ValueError(
                f"VAE needs shape (height, width, channels) of positive ints, got {self.shape}"
            )
        num_values = math.prod(self.image_shape)
        outputs_per_value = 1 if self.decoder == "bernoulli" else 2
        self.encoder_layers = [nn.Dense(width) for width in self.hidden] + [
            nn.Dense(2 * self.latent)
        ]
        self.decoder_layers = [nn.Dense(width) for width in reversed(self.hidden)] + [
            nn.Dense(outputs_per_value * num_values)
        ]

    def _dtype(self):
        """The parameters' dtype (float32 while init creates them)."""
        leaves = jax.tree.leaves(self.variables.get("params", {}))
        return leaves[0].dtype if leaves else jnp.dtype(jnp.float32)

    def _check_images(self, x, where: str) -> None:
        if x.ndim != 4 or tuple(x.shape[1:]) != self.image_shape:
            height, width, channels = self.image_shape
            raise ValueError(
                f"{where} needs images x [batch, {height}, {width}, {channels}] (the model's "
                f"shape), got shape {tuple(x.shape)}"
            )

    def _check_latents(self, z, where: str, axes: str, min_rank: int) -> None:
        """``axes`` names z's leading axes for the error, as in "..., batch, "."""
        if z.ndim < min_rank or z.shape[-1] != self.latent:
            raise ValueError(
                f"{where} needs latents z [{axes}{self.latent}], got shape {tuple(z.shape)}"
            )

    def encode(self, x):
        """q(z|x) for images x ``[batch, H, W, C]``: (mean, log_std), each ``[batch, latent]``."""
        self._check_images(x, "VAE.encode")
        dtype = self._dtype()
        hidden = x.reshape(x.shape[0], -1).astype(dtype) * (2 / (LEVELS[self.decoder] - 1)) - 1
        for layer in self.encoder_layers[:-1]:
            hidden = jnp.tanh(layer(hidden))
        outputs = self.encoder_layers[-1](hidden)
        return outputs[:, : self.latent], outputs[:, self.latent :]

    def decode_logits(self, z):
        """The decoder's parameters for latents z ``[..., latent]``: the Bernoulli logits
        ``[..., H, W, C]``, or the logistic's (mean on the [−1, 1] scale, log_scale), each
        ``[..., H, W, C]``."""
        self._check_latents(z, "VAE.decode_logits", "..., ", 1)
        hidden = z
        for layer in self.decoder_layers[:-1]:
            hidden = jnp.tanh(layer(hidden))
        outputs = self.decoder_layers[-1](hidden)
        if self.decoder == "bernoulli":
            return outputs.reshape(*z.shape[:-1], *self.image_shape)
        outputs = outputs.reshape(*z.shape[:-1], *self.image_shape, 2)
        return outputs[..., 0], outputs[..., 1]

    def decoder_log_prob(self, x, z):
        """log p(x|z) in nats for images x ``[batch, H, W, C]`` and latents z
        ``[..., batch, latent]`` (any leading axes of samples): ``[..., batch]``."""
        self._check_images(x, "VAE.decoder_log_prob")
        self._check_latents(z, "VAE.decoder_log_prob", "..., batch, ", 2)
        if z.shape[-2] != x.shape[0]:
            raise ValueError(
                f"VAE.decoder_log_prob needs one latent per image, got z {tuple(z.shape)} for "
                f"{x.shape[0]} images"
            )
        decoded = self.decode_logits(z)
        first = decoded if self.decoder == "bernoulli" else decoded[0]
        values = jnp.broadcast_to(x, first.shape).reshape(-1, *self.image_shape)
        if self.decoder == "bernoulli":
            log_probs = bernoulli_log_prob(decoded.reshape(values.shape), values)
        else:
            mean, log_scale = (part.reshape(values.shape) for part in decoded)
            log_probs = discretized_logistic_log_prob(mean, log_scale, values)
        return log_probs.reshape(z.shape[:-1])

    def _log_weights(self, x, mean, log_std, key, start, count: int):
        """log p(x, z_i) − log q(z_i|x) for i = start, …, start + count − 1: ``[count, batch]``."""
        noise = _standard_normals(key, start, count, mean.shape, mean.dtype)
        z = mean + jnp.exp(log_std) * noise
        log_prior_over_posterior = jnp.sum(
            -0.5 * jnp.square(z) + 0.5 * jnp.square(noise) + log_std, axis=-1
        )
        return self.decoder_log_prob(x, z) + log_prior_over_posterior

    def posterior_latents(self, x, key, k: int = 1):
        """z_i = μ + σ ⊙ ε_i ~ q(z|x), i = 0, …, k − 1: ``[k, batch, latent]``, the latents that
        ``elbo`` (i = 0) and ``iwae_bound`` use with the same key."""
        self._check_images(x, "VAE.posterior_latents")
        _check_count(k, "k, the number of samples,", "VAE.posterior_latents")
        mean, log_std = self.encode(x)
        return mean + jnp.exp(log_std) * _standard_normals(key, 0, k, mean.shape, mean.dtype)

    def elbo(self, x, key):
        """log p(x|z) − KL(q(z|x) ‖ N(0, I)) with one z ~ q(z|x): ``[batch]`` nats."""
        self._check_images(x, "VAE.elbo")
        mean, log_std = self.encode(x)
        z = mean + jnp.exp(log_std) * _standard_normals(key, 0, 1, mean.shape, mean.dtype)[0]
        return self.decoder_log_prob(x, z) - gaussian_kl(mean, log_std)

    def __call__(self, x, key):
        return self.elbo(x, key)

    def iwae_bound(self, x, key, k: int):
        """log (1/k) Σ_i p(x, z_i)/q(z_i|x) with k (static) samples z_i ~ q(z|x): ``[batch]``
        nats; memory grows with k (``log_likelihood_estimate`` does not)."""
        self._check_images(x, "VAE.iwae_bound")
        _check_count(k, "k, the number of importance samples,", "VAE.iwae_bound")
        mean, log_std = self.encode(x)
        log_weights = self._log_weights(x, mean, log_std, key, 0, k)
        return jax.nn.logsumexp(log_weights, axis=0) - math.log(k)

    def log_likelihood_estimate(self, x, key, k: int = 5000, chunk: int = 100):
        """``iwae_bound(x, key, k)`` computed ``chunk`` samples at a time (both static): the
        estimate of log p(x) of Burda et al. (k = 5,000), ``[batch]`` nats, in memory that
        grows with ``chunk``, not k."""
        self._check_images(x, "VAE.log_likelihood_estimate")
        _check_count(k, "k, the number of importance samples,", "VAE.log_likelihood_estimate")
        _check_count(chunk, "chunk, the samples per step,", "VAE.log_likelihood_estimate")
        chunk = min(chunk, k)
        mean, log_std = self.encode(x)

        def add_chunk(running, start):
            log_weights = self._log_weights(x, mean, log_std, key, start, chunk)
            # The last chunk may run past k; its extra samples get weight 0.
            in_range = (start + jnp.arange(chunk) < k)[:, None]
            log_weights = jnp.where(in_range, log_weights, -jnp.inf)
            return jnp.logaddexp(running, jax.nn.logsumexp(log_weights, axis=0)), None

        starts = jnp.arange(0, k, chunk)
        empty = jnp.full(x.shape[:1], -jnp.inf, mean.dtype)
        total, _ = jax.lax.scan(add_chunk, empty, starts)
        return total - math.log(k)

    def generate(self, z):
        """The decoder's mean image E[x|z] for latents z ``[n, latent]``: ``[n, H, W, C]``, in
        [0, 1] for the Bernoulli decoder (σ(logits)) and in [0, 255] for the logistic one
        (Σ_{v=1}^{255} P(x ≥ v) = Σ_v σ((μ − e_v)/s), e_v = (2v − 1)/255 − 1 the lower edge of
        the bin of v)."""
        self._check_latents(z, "VAE.generate", "n, ", 2)
        if self.decoder == "bernoulli":
            return jax.nn.sigmoid(self.decode_logits(z))
        mean, log_scale = self.decode_logits(z)
        lower_edges = (2 * jnp.arange(1, 256, dtype=mean.dtype) - 1) / 255 - 1
        above = jax.nn.sigmoid((mean[..., None] - lower_edges) * jnp.exp(-log_scale)[..., None])
        return jnp.sum(above, axis=-1)

    def sample(self, key, n: int):
        """``n`` images ``[n, H, W, C]`` from p(z) p(x|z), as floats: z ~ N(0, I), then every value
        from the decoder's Bernoulli ({0, 1}), or from its discretized logistic ({0, …, 255}:
        y = μ + s·log(u/(1 − u)), u ~ U(0, 1), is a logistic draw on the [−1, 1] scale, and the
        value is the bin that holds it, round(127.5·(y + 1)) clipped to [0, 255])."""
        orderings.check_sample_count(n, "VAE.sample")
        latent_key, value_key = jax.random.split(key)
        dtype = self._dtype()
        z = jax.random.normal(latent_key, (n, self.latent), dtype)
        uniforms = jax.random.uniform(value_key, (n, *self.image_shape), dtype)
        if self.decoder == "bernoulli":
            return (uniforms < jax.nn.sigmoid(self.decode_logits(z))).astype(dtype)
        mean, log_scale = self.decode_logits(z)
        draws = mean + jnp.exp(log_scale) * (jnp.log(uniforms) - jnp.log1p(-uniforms))
        return jnp.clip(jnp.round(127.5 * (draws + 1)), 0, 255)
