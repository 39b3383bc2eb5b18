"""Energy-based objectives with an auto-encoder discriminator: EBGAN and BEGAN.

The discriminator is an auto-encoder (``jaxgen.nn.autoencoder``); its energy is a reconstruction
error, low on the data and high elsewhere. These functions take the energies (or the input and
its reconstruction) and return unreduced losses, one value per example unless stated.

EBGAN (Zhao, Mathieu & LeCun 2017, "Energy-based Generative Adversarial Network", ICLR). With
D(x) ≥ 0 the energy and m > 0 a margin (Eq. 1 and 2):

    L_D(x, z) = D(x) + max(0, m − D(G(z)))
    L_G(z)    = D(G(z))

The auto-encoder's energy is the reconstruction error D(x) = ‖Dec(Enc(x)) − x‖ (the section
"Using auto-encoders"); like the common implementations, ``mean_squared_error`` takes the mean
of the squared error over the elements of an example. The margin's scale depends on that
choice: a margin taken from the paper or another code base must be rescaled to the energy in
use. The paper chooses m per data set, for its energy scale; ``jaxgen``'s recipes
state the margin they use in these units.

EBGAN-PT adds to the generator's loss the pulling-away term of the encoder's outputs
S ∈ ℝ^{N×s} on a batch of generated samples (the section "Repelling regularizer", Eq. 7):

    f_PT(S) = 1/(N(N − 1)) Σ_i Σ_{j≠i} (S_iᵀ S_j / (‖S_i‖ ‖S_j‖))²,

the mean squared cosine similarity of distinct pairs, which discourages the generator from
putting its samples in one mode of the embedding; the paper weighs it by 0.1.

BEGAN (Berthelot, Schumm & Metz 2017, "BEGAN: Boundary Equilibrium Generative Adversarial
Networks"). The loss of an auto-encoder D on an example v is (Eq. 1)

    L(v) = |v − D(v)|^η,   η ∈ {1, 2},

here the mean over v's elements. With the diversity ratio γ = E[L(G(z))] / E[L(x)] ∈ [0, 1]
(Eq. 3) as the target, the objective (Eq. 4) is

    L_D = L(x) − k_t · L(G(z_D))
    L_G = L(G(z_G))
    k_{t+1} = k_t + λ_k (γ L(x) − L(G(z_G))),   k_t clipped to [0, 1],

a proportional controller: k_t grows while the generated samples reconstruct too well
(L(G(z)) < γ L(x)) and D must push their energy up harder. k_t is a state, not a parameter:
no gradient flows into it. The convergence measure is

    M_global = L(x) + |γ L(x) − L(G(z_G))|.

The paper uses η = 1, λ_k = 0.001, k_0 = 0 and γ ∈ {0.3, 0.5, 0.7} (a lower γ gives sharper,
less diverse images); the L(·) in the k update and in M_global are batch means.
"""

import jax
import jax.numpy as jnp

from jaxgen.losses.gan import per_example


def mean_squared_error(x: jax.Array, reconstruction: jax.Array) -> jax.Array:
    """EBGAN's energy: the mean over each example's elements of ``(x − reconstruction)²``, [B].

    ``x`` and ``reconstruction`` are ``[batch, ...]`` of the same shape.
    """
    _check_same_shape(x, reconstruction)
    return jnp.mean(((x - reconstruction) ** 2).reshape(x.shape[0], -1), axis=1)


def ebgan_discriminator_loss(
    real_energy: jax.Array, fake_energy: jax.Array, margin: float
) -> jax.Array:
    """``D(x) + max(0, m − D(G(z)))`` per example (Eq. 1): energies ``[B]`` (or ``[B, 1]``)."""
    return per_example(real_energy) + per_example(jax.nn.relu(margin - fake_energy))


def ebgan_generator_loss(fake_energy: jax.Array) -> jax.Array:
    """``D(G(z))`` per example (Eq. 2)."""
    return per_example(fake_energy)


def pulling_away_term(embeddings: jax.Array) -> jax.Array:
    """f_PT of ``embeddings [N, ...]`` (each example flattened), a scalar: the mean over the
    N(N − 1) ordered pairs i ≠ j of the squared cosine similarity (Eq. 7).

    A zero embedding has no direction: it counts as orthogonal to every other one, with a finite
    (zero) gradient, where the plain S/‖S‖ would give NaN.
    """
    if embeddings.ndim < 2 or embeddings.shape[0] < 2:
        raise ValueError(
            "pulling_away_term needs embeddings [N, ...] with N ≥ 2 (it averages over pairs), "
            f"got shape {embeddings.shape}"
        )
    n = embeddings.shape[0]
    flat = embeddings.reshape(n, -1)
    squared_norms = jnp.sum(flat**2, axis=1, keepdims=True)
    nonzero = squared_norms > 0
    # Double where: the rsqrt branch never sees a zero, so its gradient stays finite.
    inverse_norms = jnp.where(nonzero, jax.lax.rsqrt(jnp.where(nonzero, squared_norms, 1.0)), 0.0)
    unit = flat * inverse_norms
    cosines = jnp.matmul(unit, unit.T, precision=jax.lax.Precision.HIGHEST)
    off_diagonal = ~jnp.eye(n, dtype=bool)
    return jnp.sum(jnp.where(off_diagonal, cosines**2, 0.0)) / (n * (n - 1))


def reconstruction_loss(x: jax.Array, reconstruction: jax.Array, eta: float = 1) -> jax.Array:
    """BEGAN's L(v) = |v − D(v)|^η (Eq. 1), the mean over each example's elements, [B]."""
    _check_same_shape(x, reconstruction)
    if eta <= 0:
        raise ValueError(f"reconstruction_loss needs eta > 0 (the paper uses 1 or 2), got {eta}")
    errors = jnp.abs(x - reconstruction).reshape(x.shape[0], -1)
    return jnp.mean(errors if eta == 1 else errors**eta, axis=1)


def began_discriminator_loss(
    real_loss: jax.Array, fake_loss: jax.Array, k: jax.Array | float
) -> jax.Array:
    """``L(x) − k_t · L(G(z))`` per example (Eq. 4), k a constant: no gradient flows into it."""
    return per_example(real_loss) - jax.lax.stop_gradient(k) * per_example(fake_loss)


def began_generator_loss(fake_loss: jax.Array) -> jax.Array:
    """``L(G(z))`` per example (Eq. 4)."""
    return per_example(fake_loss)


def began_update_k(
    k: jax.Array | float,
    real_loss_mean: jax.Array | float,
    fake_loss_mean: jax.Array | float,
    gamma: float,
    lambda_k: float = 1e-3,
) -> jax.Array:
    """``clip(k + λ_k (γ L(x) − L(G(z))), 0, 1)`` (Eq. 4) from the batch means, no gradient."""
    k, real_loss_mean, fake_loss_mean = jax.lax.stop_gradient((k, real_loss_mean, fake_loss_mean))
    return jnp.clip(k + lambda_k * (gamma * real_loss_mean - fake_loss_mean), 0.0, 1.0)


def began_convergence(
    real_loss_mean: jax.Array | float, fake_loss_mean: jax.Array | float, gamma: float
) -> jax.Array:
    """M_global = ``L(x) + |γ L(x) − L(G(z))|`` from the batch means."""
    return real_loss_mean + jnp.abs(gamma * real_loss_mean - fake_loss_mean)


def _check_same_shape(x: jax.Array, reconstruction: jax.Array) -> None:
    if x.shape != reconstruction.shape or x.ndim < 1:
        raise ValueError(
            f"x {x.shape} and reconstruction {reconstruction.shape} must have the same shape "
            "[batch, ...]"
        )
