"""Field transforms, game → game: they change the losses, so any scheme can play the result.

With the simultaneous gradient field ξ = v(θ) = Pair(∇_g L_g, ∇_d L_d) and its Jacobian
J = ∂ξ/∂θ (the game Jacobian, ``jaxgen.game.jacobian``):

- ``consensus(game, gamma)`` (Mescheder, Nowozin & Geiger 2017, "The Numerics of GANs", §4):
  each loss plus γ/2·‖ξ‖², so each player follows ξ_p + γ·(Jᵀξ)_p.
- ``sga(game, lam)`` (Balduzzi et al. 2018, "The Mechanics of n-Player Differentiable Games",
  Algorithm 1): each player follows ξ + λ·Aᵀξ, with A = (J − Jᵀ)/2 the antisymmetric part of J,
  so Aᵀξ = (Jᵀξ − Jξ)/2 costs one JVP and one VJP. ``align=True`` sets the sign of λ to
  sign(⟨ξ, ∇H⟩⟨Aᵀξ, ∇H⟩/d + ε) with ∇H = Jᵀξ and d the number of parameters (their Eq. 8).
- ``unrolled(game, k, inner_opt)`` (Metz, Poole, Pfau & Sohl-Dickstein 2017, "Unrolled
  Generative Adversarial Networks", Eq. 6): the generator's loss is taken after k steps of
  ``inner_opt`` on the discriminator, f_K(θ_G, θ_D) = f(θ_G, θ_D^K(θ_G, θ_D)), and its gradient
  flows through the k steps (a ``lax.scan``); the discriminator's loss is unchanged.
  ``unroll="g"`` swaps the roles: the discriminator looks ahead at k generator steps.

On the bilinear game V = x·y, ξ = (y, −x) and J = [[0, 1], [−1, 0]] is antisymmetric, so
Jᵀξ = Aᵀξ = (x, y): consensus and SGA both turn the field into (y + c·x, −x + c·y), a rotation
plus a contraction.

The SGA correction is not the gradient of any loss, so the transformed game returns the surrogate
L_p + ⟨stop_gradient(λ·(Aᵀξ)_p), θ_p − stop_gradient(θ_p)⟩, whose value is L_p and whose
gradient with respect to θ_p is ξ_p + λ·(Aᵀξ)_p. Transforms compose (``consensus(sga(game))``);
derivatives through an SGA surrogate treat its correction as a constant.
"""

import jax
import jax.numpy as jnp
import optax
from jax.flatten_util import ravel_pytree

from jaxgen.game.base import PLAYERS, Rule, apply_player_update, field_function, player_gradient
from jaxgen.types import Pair


def _check_game(game, transform):
    if isinstance(game, Rule):
        raise TypeError(
            f"{transform} transforms a game, not a Rule: build the rule on the transformed game, "
            f"e.g. rollout({transform}(game, ...), simultaneous(optax.sgd(0.1)), ...)"
        )
    if not callable(game):
        raise TypeError(f"{transform} needs a game losses(params, model_state, batch, key)")


def consensus(game, gamma: float = 1.0):
    """Each loss plus γ/2·‖ξ‖² (see the module docstring)."""
    _check_game(game, "consensus")

    def losses(params, model_state, batch, key):
        field, (base, new_model_state, metrics) = field_function(game, model_state, batch, key)(
            params
        )
        penalty = 0.5 * gamma * sum(jnp.sum(g**2) for g in jax.tree.leaves(field))
        metrics = {**metrics, "consensus_penalty": penalty}
        return jax.tree.map(lambda loss: loss + penalty, base), (new_model_state, metrics)

    return losses


def sga(game, lam: float = 1.0, *, align: bool = False, epsilon: float = 0.1):
    """Symplectic gradient adjustment: players follow ξ + λ·Aᵀξ (see the module docstring)."""
    _check_game(game, "sga")

    def losses(params, model_state, batch, key):
        field = field_function(game, model_state, batch, key)
        xi, (base, new_model_state, metrics) = field(params)
        _, j_xi = jax.jvp(lambda p: field(p)[0], (params,), (xi,))
        _, pullback = jax.vjp(lambda p: field(p)[0], params)
        (jt_xi,) = pullback(xi)
        correction = jax.tree.map(lambda a, b: 0.5 * (a - b), jt_xi, j_xi)  # Aᵀξ
        scale = lam
        if align:
            flat_xi, _ = ravel_pytree(xi)
            flat_correction, _ = ravel_pytree(correction)
            grad_h, _ = ravel_pytree(jt_xi)
            alignment = jnp.vdot(flat_xi, grad_h) * jnp.vdot(flat_correction, grad_h)
            scale = lam * jnp.sign(alignment / flat_xi.size + epsilon)

        def surrogate(player):
            own = getattr(params, player)
            shift = jax.tree.map(
                lambda c, p: jnp.vdot(
                    jax.lax.stop_gradient(scale * c), p - jax.lax.stop_gradient(p)
                ),
                getattr(correction, player),
                own,
            )
            return getattr(base, player) + sum(jax.tree.leaves(shift))

        metrics = {**metrics, "sga_scale": jnp.asarray(scale, jnp.result_type(float))}
        return Pair(surrogate("g"), surrogate("d")), (new_model_state, metrics)

    return losses


def unrolled(game, k: int, inner_opt, unroll: str = "d"):
    """The looking-ahead player differentiates through k opponent steps (module docstring).

    With ``unroll="d"`` (Metz et al.) the generator's loss is evaluated after k steps of
    ``inner_opt`` on the discriminator, started from its current parameters and a fresh
    ``inner_opt`` state. Each unrolled step draws its own key from ``key`` and uses the same
    batch; the final evaluation uses ``key`` itself, like the plain one. Model state changes made
    inside the unrolled steps are discarded. Costs about k + 2 discriminator gradients per
    evaluation, plus the backward pass through them.

    Prefer SGD (or momentum) for ``inner_opt``. Metz et al. unroll Adam with the moments of the
    discriminator's running optimizer; here each evaluation starts a fresh state, and a fresh
    Adam's first step, −lr·g/(|g| + ε), has derivative lr·ε/(|g| + ε)² with respect to g: up to
    lr/ε (1e5 for lr = 1e-3) where a gradient is near zero, which swamps the generator's
    gradient. Match SGD's step to the discriminator's own step size (Adam moves each weight by
    about its learning rate): experiments/mode_collapse shows a 10× larger look-ahead step
    covering fewer modes.

    Args:
      game: the game to transform.
      k: number of unrolled opponent steps (≥ 1).
      inner_opt: the optax optimizer of the unrolled steps.
      unroll: ``"d"`` (unroll the discriminator, the generator looks ahead) or ``"g"``.
    """
    _check_game(game, "unrolled")
    if unroll not in PLAYERS:
        raise ValueError(f"unroll must be 'd' or 'g', got {unroll!r}")
    if int(k) != k or k < 1:
        raise ValueError(f"unrolled needs k >= 1 opponent steps, got {k}")
    if not isinstance(inner_opt, optax.GradientTransformation):
        raise TypeError(f"inner_opt must be an optax GradientTransformation, got {type(inner_opt)}")
    opponent = unroll
    looker = "g" if unroll == "d" else "d"

    def losses(params, model_state, batch, key):
        base, (new_model_state, metrics) = game(params, model_state, batch, key)
        start = getattr(params, opponent)
        if not jax.tree.leaves(start):
            raise ValueError(
                f"unrolled(unroll={unroll!r}) needs a player {opponent!r} with parameters to "
                "unroll, but it has none"
            )

        def opponent_step(carry, step_key):
            own, opt_state = carry
            gradient, _, _, _ = player_gradient(
                game, opponent, params._replace(**{opponent: own}), model_state, batch, step_key
            )
            return apply_player_update(inner_opt, gradient, opt_state, own), None

        keys = jax.random.split(jax.random.fold_in(key, 1), k)
        (ahead, _), _ = jax.lax.scan(opponent_step, (start, inner_opt.init(start)), keys)
        looking_ahead, _ = game(params._replace(**{opponent: ahead}), model_state, batch, key)
        result = base._replace(**{looker: getattr(looking_ahead, looker)})
        metrics = {**metrics, f"loss_{looker}_now": getattr(base, looker)}
        return result, (new_model_state, metrics)

    return losses
