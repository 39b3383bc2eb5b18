"""The adversarial autoencoder: an autoencoder whose codes a GAN on the latent space pushes
towards a prior p(z).

Makhzani, Shlens, Jaitly, Goodfellow & Frey 2016, "Adversarial Autoencoders", ICLR workshop,
§2 and §2.1. With an encoder q_θ, a decoder p_ψ and a discriminator D_φ on codes (logits), for a
batch x, codes z = q_θ(x) and as many prior samples z' ~ p(z):

    L_rec(θ, ψ) = mean_x ℓ(x, p_ψ(z))
        ℓ = Σ_pixels softplus(l) − x·l      (``reconstruction="bernoulli"``: p_ψ gives logits l,
                                              x ∈ {0, 1}; −log Bernoulli(x | σ(l)) in nats)
        ℓ = Σ_pixels (x − x̂)²               (``reconstruction="mse"``: p_ψ gives x̂; x ∈ [−1, 1])
    L_D(φ)      = mean softplus(−D_φ(z')) + mean softplus(D_φ(z))   (prior real, codes fake)
    L_adv(θ)    = mean softplus(−D_φ(z))                  (non-saturating: −log D(q(x)))

(``jaxgen.losses.gan``). The paper does not say which generator loss it uses; this is the
non-saturating one. The encoder is deterministic, the paper's main variant (§2: the three
choices of q(z|x) gave similar results); ``posterior="gaussian"`` is its Gaussian variant:
the encoder outputs ``[mean, log_std]`` and z = mean + exp(log_std)·ε, ε ~ N(0, I)
(reparametrized, so gradients reach the encoder).

Players are grouped as DESIGN.md says: ``Pair(g={"encoder": θ, "decoder": ψ},
d={"discriminator": φ})``. The game ``losses(params, model_state, batch, key, phase=None)``
returns ``Pair(L_g, L_D)`` with L_g = L_rec + λ·L_adv (λ = ``adversarial_weight``);
``phase="reconstruction"`` gives L_g = L_rec and ``phase="regularization"`` gives
L_g = λ·L_adv. Prior samples come from the first key of ``jax.random.split(key)``, the Gaussian
posterior's noise from the second. The networks keep no model state: ``model_state`` comes back
as it went in.

Training (§2: "trained jointly with SGD in two phases ... executed on each mini-batch"): per
minibatch the paper takes
  (a) reconstruction phase: one step of (θ, ψ) on L_rec;
  (b) regularization phase, discriminator: one step of φ on L_D, with the codes of the encoder
      updated in (a);
  (c) regularization phase, generator: one step of θ alone on λ·L_adv, against the φ of (b).
``phased(optimizer)`` is exactly that Rule, with three optax states (the paper sets the learning
rates of the reconstruction and the regularization costs apart); phase (c) leaves ψ untouched,
even with momentum. Each phase evaluates the game afresh at the parameters the previous phases
left, with the keys ``jax.random.split(key, 3)``.

The summed game also plays under the generic rules. With ``alternating(opt, d_first=True)`` a
step is (b) on the codes of the encoder *before* its reconstruction update, then one step of
(θ, ψ) on L_rec + λ·L_adv: phases (a) and (c) merged into one gradient, taken at one point,
through one optimizer state (with Adam the two terms share one second-moment estimate, so λ is
no longer a ratio of learning rates). With plain SGD of step η the two schemes differ by O(η²)
per step.
"""

import functools
import math
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import flax.linen as nn
import jax
import jax.numpy as jnp
import optax

from jaxgen.game.base import Rule, apply_player_update, loss_metrics, player_gradient
from jaxgen.losses import gan
from jaxgen.nn.mlp import MLP, MLPDiscriminator
from jaxgen.types import Pair

ENCODER, DECODER, DISCRIMINATOR = "encoder", "decoder", "discriminator"
RECONSTRUCTIONS = ("bernoulli", "mse")
POSTERIORS = ("deterministic", "gaussian")
PHASES = ("reconstruction", "regularization")
PAPER_HIDDEN = (1000, 1000)  # the MNIST networks of §3: two ReLU layers of 1000 units each


class MLPEncoder(nn.Module):
    """x ``[batch, ...]`` → ``[batch, out_dim]``: flattened, then ``MLP(hidden, out_dim)``
    (linear output, as the paper's q(z|x))."""

    hidden: Sequence[int]
    out_dim: int

    @nn.compact
    def __call__(self, x):
        return MLP(self.hidden, self.out_dim)(x.reshape(x.shape[0], -1))


class MLPDecoder(nn.Module):
    """codes ``[batch, dim]`` → ``[batch, *output_shape]``: ``MLP(hidden, prod(output_shape))``
    with a linear output (Bernoulli logits, or values for the squared error)."""

    output_shape: Sequence[int]
    hidden: Sequence[int]

    @nn.compact
    def __call__(self, z):
        out = MLP(self.hidden, math.prod(self.output_shape))(z)
        return out.reshape(z.shape[0], *self.output_shape)


class Networks(NamedTuple):
    """The three Flax modules of an adversarial autoencoder."""

    encoder: nn.Module
    decoder: nn.Module
    discriminator: nn.Module


def mlp_networks(
    data_shape: Sequence[int],
    latent_dim: int,
    *,
    hidden: Sequence[int] = PAPER_HIDDEN,
    discriminator_hidden: Sequence[int] | None = None,
    posterior: str = "deterministic",
) -> Networks:
    """The paper's MLPs: encoder, decoder and discriminator with ReLU layers of ``hidden`` widths.

    Args:
      data_shape: the shape of one example, e.g. ``(8, 8, 1)``.
      latent_dim: the dimension of the codes (of the prior).
      hidden: hidden widths of the encoder and the decoder (the paper: 1000, 1000).
      discriminator_hidden: hidden widths of the discriminator; None for ``hidden``.
      posterior: ``"deterministic"`` or ``"gaussian"`` (the encoder then outputs 2·latent_dim).
    """
    _check_choice("posterior", posterior, POSTERIORS)
    out_dim = latent_dim * (2 if posterior == "gaussian" else 1)
    return Networks(
        encoder=MLPEncoder(tuple(hidden), out_dim),
        decoder=MLPDecoder(tuple(data_shape), tuple(hidden)),
        discriminator=MLPDiscriminator(
            tuple(hidden if discriminator_hidden is None else discriminator_hidden)
        ),
    )


def init_params(networks: Networks, key, x, prior_sampler: Callable) -> Pair:
    """``Pair(g={"encoder", "decoder"}, d={"discriminator"})`` of Flax "params" for data like
    ``x [batch, ...]`` and codes like ``prior_sampler(key, batch)``."""
    encoder_key, decoder_key, discriminator_key, prior_key = jax.random.split(key, 4)
    codes = prior_sampler(prior_key, x.shape[0])
    return Pair(
        g={
            ENCODER: networks.encoder.init(encoder_key, x)["params"],
            DECODER: networks.decoder.init(decoder_key, codes)["params"],
        },
        d={DISCRIMINATOR: networks.discriminator.init(discriminator_key, codes)["params"]},
    )


def _check_choice(what, value, choices):
    if value not in choices:
        raise ValueError(f"{what} must be one of {choices}, got {value!r}")


def reconstruction_loss(kind: str, decoded, x):
    """``ℓ(x, decoded)`` per example, ``[batch]`` (the module docstring)."""
    if kind == "bernoulli":
        logits = decoded.reshape(x.shape[0], -1)
        pixels = x.reshape(x.shape[0], -1)
        return jnp.sum(jax.nn.softplus(logits) - pixels * logits, axis=1)
    return jnp.sum(jnp.square(x - decoded).reshape(x.shape[0], -1), axis=1)


def adversarial_autoencoder(
    encoder: nn.Module,
    decoder: nn.Module,
    discriminator: nn.Module,
    prior_sampler: Callable,
    *,
    reconstruction: str = "bernoulli",
    adversarial_weight: float = 1.0,
    posterior: str = "deterministic",
    data_key: str = "image",
):
    """The game ``losses(params, model_state, batch, key, phase=None)`` (module docstring).

    Args:
      encoder: Flax module, ``encoder(x) -> [batch, dim]`` (``[batch, 2·dim]`` for a Gaussian
        posterior: mean, then log std).
      decoder: Flax module, ``decoder(z [batch, dim]) -> x.shape`` (logits or values).
      discriminator: Flax module, ``discriminator(z) -> logits [batch] or [batch, 1]``.
      prior_sampler: ``(key, n) -> [n, dim]`` samples of p(z), e.g.
        ``jaxgen.data.priors.prior("mixture10", 2).sample``.
      reconstruction: ``"bernoulli"`` (binary images, decoder logits) or ``"mse"``
        (images in [−1, 1], linear decoder output).
      adversarial_weight: λ of L_g = L_rec + λ·L_adv.
      posterior: ``"deterministic"`` (the paper's main variant) or ``"gaussian"``.
      data_key: the batch entry holding the data.

    Metrics: ``reconstruction`` (L_rec), ``encoder_adversarial`` (L_adv, without λ),
    ``d_accuracy`` (fraction of the prior samples and codes that D classifies right, logit > 0
    meaning prior), ``d_prior`` and ``d_codes`` (D's mean probability of "prior" on each).
    """
    _check_choice("reconstruction", reconstruction, RECONSTRUCTIONS)
    _check_choice("posterior", posterior, POSTERIORS)

    def encode(encoder_params, x, prior_shape, noise_key):
        encoded = encoder.apply({"params": encoder_params}, x)
        width = prior_shape[1] * (2 if posterior == "gaussian" else 1)
        if encoded.shape != (x.shape[0], width):
            raise ValueError(
                f"the encoder must output [batch, {width}] for a {posterior} posterior over the "
                f"prior's {prior_shape[1]}-D codes, got {encoded.shape}"
            )
        if posterior == "deterministic":
            return encoded
        mean, log_std = jnp.split(encoded, 2, axis=1)
        return mean + jnp.exp(log_std) * jax.random.normal(noise_key, mean.shape, mean.dtype)

    def losses(params, model_state, batch, key, phase=None):
        if phase is not None:
            _check_choice("phase", phase, PHASES)
        x = batch[data_key]
        prior_key, noise_key = jax.random.split(key)
        prior_codes = prior_sampler(prior_key, x.shape[0])
        codes = encode(params.g[ENCODER], x, prior_codes.shape, noise_key)
        decoded = decoder.apply({"params": params.g[DECODER]}, codes)
        if decoded.shape != x.shape:
            raise ValueError(
                f"the decoder must output the data's shape {x.shape}, got {decoded.shape}"
            )
        reconstruction_mean = jnp.mean(reconstruction_loss(reconstruction, decoded, x))

        def judge(z):
            return gan.per_example(discriminator.apply({"params": params.d[DISCRIMINATOR]}, z))

        prior_logits, code_logits = judge(prior_codes), judge(codes)
        loss_d = jnp.mean(gan.discriminator_loss(prior_logits, code_logits))
        adversarial = jnp.mean(gan.non_saturating_generator_loss(code_logits))
        loss_g = {
            None: reconstruction_mean + adversarial_weight * adversarial,
            "reconstruction": reconstruction_mean,
            "regularization": adversarial_weight * adversarial,
        }[phase]
        metrics = {
            "reconstruction": reconstruction_mean,
            "encoder_adversarial": adversarial,
            "d_accuracy": (jnp.mean(prior_logits > 0) + jnp.mean(code_logits < 0)) / 2,
            "d_prior": gan.mean_probability(prior_logits),
            "d_codes": gan.mean_probability(code_logits),
        }
        return Pair(loss_g, loss_d), (model_state, metrics)

    return losses


class Phases(NamedTuple):
    """One value per phase of ``phased``: (a) ``reconstruction`` (encoder and decoder),
    (b) ``discriminator``, (c) ``generator`` (the encoder alone)."""

    reconstruction: Any
    discriminator: Any
    generator: Any


class PhasedState(NamedTuple):
    """The optax state of each phase."""

    opt_state: Phases


def phase_optimizers(optimizer) -> Phases:
    """``Phases`` of optax optimizers from one optimizer (three states of it), a ``Pair`` (g for
    phases (a) and (c), each with its own state; d for (b)) or ``Phases`` itself."""
    if isinstance(optimizer, Phases):
        return optimizer
    if isinstance(optimizer, Pair):
        return Phases(optimizer.g, optimizer.d, optimizer.g)
    if isinstance(optimizer, optax.GradientTransformation):
        return Phases(optimizer, optimizer, optimizer)
    raise TypeError(
        f"phased takes an optax GradientTransformation, a Pair or Phases of them, "
        f"got {type(optimizer)}"
    )


def phased(optimizer) -> Rule:
    """The paper's training step: phases (a), (b), (c) of the module docstring, in order.

    The game must be an ``adversarial_autoencoder`` game (it takes ``phase=``). The metrics
    are each phase's own evaluation, before its update: ``reconstruction`` from (a), the
    discriminator's from (b), ``encoder_adversarial`` from (c); ``loss_g`` is L_rec of (a) plus
    λ·L_adv of (c), ``loss_d`` is L_D of (b).

    Args:
      optimizer: an optax optimizer for every phase, a ``Pair`` or ``Phases`` of them
        (``phase_optimizers``).
    """
    optimizers = phase_optimizers(optimizer)

    def init(params):
        return PhasedState(
            Phases(
                optimizers.reconstruction.init(params.g),
                optimizers.discriminator.init(params.d),
                optimizers.generator.init(params.g[ENCODER]),
            )
        )

    def step(game, params, model_state, rule_state, batch, key):
        reconstruction_key, discriminator_key, generator_key = jax.random.split(key, 3)
        opt_state = rule_state.opt_state
        reconstruction_game = functools.partial(game, phase="reconstruction")
        regularization_game = functools.partial(game, phase="regularization")

        grad, losses_a, model_state, metrics_a = player_gradient(
            reconstruction_game, "g", params, model_state, batch, reconstruction_key
        )
        autoencoder, reconstruction_state = apply_player_update(
            optimizers.reconstruction, grad, opt_state.reconstruction, params.g
        )
        params = params._replace(g=autoencoder)

        grad, losses_b, model_state, metrics_b = player_gradient(
            regularization_game, "d", params, model_state, batch, discriminator_key
        )
        discriminator_params, discriminator_state = apply_player_update(
            optimizers.discriminator, grad, opt_state.discriminator, params.d
        )
        params = params._replace(d=discriminator_params)

        # L_adv does not depend on the decoder, whose gradient here is zero: only the encoder
        # moves, through its own optimizer state, so phase (a)'s momentum cannot carry ψ along.
        grad, losses_c, model_state, metrics_c = player_gradient(
            regularization_game, "g", params, model_state, batch, generator_key
        )
        encoder_params, generator_state = apply_player_update(
            optimizers.generator, grad[ENCODER], opt_state.generator, params.g[ENCODER]
        )
        params = params._replace(g={**params.g, ENCODER: encoder_params})

        metrics = {
            **metrics_b,
            "reconstruction": metrics_a["reconstruction"],
            "encoder_adversarial": metrics_c["encoder_adversarial"],
            **loss_metrics(Pair(losses_a.g + losses_c.g, losses_b.d)),
        }
        state = PhasedState(Phases(reconstruction_state, discriminator_state, generator_state))
        return params, model_state, state, metrics

    return Rule(init, step)
