"""The turn choice: a generator's quarter-turn gates trained towards the turn the critic prefers.

A StarGAN generator with ``jaxgen.nn.stargan.PairTurns`` turns its input x by one of K quarter
turns, picked by gates g over the K turns looked up per (source s, target t) pair. The
gradient of the adversarial loss reaches the gates only at the turn they already favour and
vanishes once their softmax saturates; the turn choice instead scores the translation under
*every* turn with the critic,

    c_k(x) = −D_src(G_k(x, t)) + λ_cls·CE(D_cls(G_k(x, t)), t),   G_k: G forced to turn k,

and adds the cross-entropy of the gates at the best turn, −log g_{k*} (no gradient through
k*): a choice among candidate outputs by their loss, as in multiple choice learning
(Guzman-Rivera et al. 2012). Three ways of choosing k*:

- **per example** (``best_turns`` of c itself): k*(x) = argmin_k c_k(x), counted where it
  beats the runner-up by the margin m. On the digits this fixed the rotation pairs but held the
  gates of the pairs into the inverted domain near equal: per example the critic's verdicts
  on turned inverted digits scatter (``experiments/stargan/README.md``).
- **per pair** (``pair_scores`` of ``update_pair_average``'s average): the critic's terms
  averaged over a pair's examples with an exponential moving average of decay β
  (bias-corrected as Adam's moments, Kingma & Ba 2015, §3),

      Ĉ[s, t, k] = EMA_β(c_k(x) : x of pair (s, t)) / (1 − β^{n_st}),

  and both directions of the pair judged together, since turning by k from s to t and by −k
  from t back to s is one choice (the reconstruction G(G(x, t), s) ≈ x turns by their sum):

      S[s, t, k] = Ĉ[s, t, k] + Ĉ[t, s, −k mod K].

  Every example of a pair then learns towards the same k* = argmin_k S[s, t, k], counted once
  both directions were seen and k* beats the runner-up by m; a direction the critic cannot
  judge (it never saw a turned inverted digit) is outvoted by the one it can.
- **by poses** (``pose_turns`` of S): every domain d gets a pose θ_d and every pair the turn
  θ_t − θ_s, the poses chosen jointly over all pairs, each pair that turns at all priced c
  (the least turning that the critic's verdicts allow). On the digits the critic could not
  tell a turned inverted digit from an upright one in either direction of its pairs; the
  poses take the inverted domain's turn from the pairs of the three other domains.
"""

import itertools

import jax
import jax.numpy as jnp
import numpy as np


def best_turns(critic_terms: jax.Array, margin: float = 0.0):
    """``(k* [B], decisive [B])``: each row's best turn, argmin_k ``critic_terms`` ``[B, turns]``
    (no gradient), and whether it beats the runner-up by at least ``margin``."""
    terms = jax.lax.stop_gradient(critic_terms)
    lowest_two = jnp.sort(terms, axis=1)[:, :2]
    return jnp.argmin(terms, axis=1), lowest_two[:, 1] - lowest_two[:, 0] >= margin


def turn_choice_loss(gates: jax.Array, best: jax.Array, counted: jax.Array):
    """``(1/B)·Σ_b −log gates[b, k*_b]·[counted_b]`` and the share counted: the cross-entropy of
    the gates ``[B, turns]`` at the chosen turns ``best`` (ints ``[B]``) where ``counted``."""
    counted = counted.astype(gates.dtype)
    picked = jnp.take_along_axis(gates, best[:, None], axis=1)[:, 0]
    return -jnp.mean(counted * jnp.log(jnp.maximum(picked, 1e-12))), jnp.mean(counted)


def init_pair_average(num_domains: int, num_turns: int) -> dict:
    """The running average of the critic's terms per (source, target) pair: ``terms``
    ``[K_dom, K_dom, turns]`` (the biased EMA) and ``weight`` ``[K_dom, K_dom]`` (1 − β^n, n
    the updates that saw the pair; 0: never seen)."""
    return {
        "terms": jnp.zeros((num_domains, num_domains, num_turns), jnp.float32),
        "weight": jnp.zeros((num_domains, num_domains), jnp.float32),
    }


def update_pair_average(average: dict, sources, targets, critic_terms, decay: float) -> dict:
    """One EMA step of decay β per pair seen in the batch, towards the mean of its examples'
    ``critic_terms`` ``[B, turns]`` (no gradient); pairs not in the batch are unchanged."""
    num_domains, _, num_turns = average["terms"].shape
    pair = jax.nn.one_hot(sources * num_domains + targets, num_domains**2)  # [B, pairs]
    counts = pair.sum(0)
    sums = pair.T @ jax.lax.stop_gradient(critic_terms)
    means = (sums / jnp.maximum(counts, 1)[:, None]).reshape(num_domains, num_domains, num_turns)
    seen = (counts > 0).reshape(num_domains, num_domains)
    terms = jnp.where(seen[..., None], decay * average["terms"] + (1 - decay) * means,
                      average["terms"])  # fmt: skip
    weight = jnp.where(seen, decay * average["weight"] + (1 - decay), average["weight"])
    return {"terms": terms, "weight": weight}


def pair_scores(average: dict) -> tuple[jax.Array, jax.Array]:
    """``(S [K_dom, K_dom, turns], known [K_dom, K_dom])``: S[s, t, k] = Ĉ[s, t, k] +
    Ĉ[t, s, −k mod K] (the module docstring), known where both directions were seen."""
    weight = average["weight"]
    known = (weight > 0) & (weight.T > 0)
    mean = average["terms"] / jnp.maximum(weight, 1e-12)[..., None]
    num_turns = mean.shape[-1]
    back = jnp.swapaxes(mean, 0, 1)[..., (-jnp.arange(num_turns)) % num_turns]
    return jnp.where(known[..., None], mean + back, 0.0), known


def pose_turns(scores: jax.Array, turn_cost: float = 0.0):
    """``(turns [D, D], gap)``: the turns (θ_t − θ_s) mod K of the domain poses θ (θ_0 = 0, the
    frame) that minimize

        Σ_{s<t} S[s, t, (θ_t − θ_s) mod K] + c·#{s < t : θ_s ≠ θ_t}

    over all K^(D−1) poses (enumerated: 64 for 4 domains and quarter turns), S the pair scores
    ``[D, D, K]`` (``pair_scores``; S[s, t] already holds both directions) and c ``turn_cost``,
    the price of a pair that turns at all; ``gap``, the runner-up poses' objective minus the
    best's. Every pair's turn then agrees with every other's (turning s → t → u is turning
    s → u), so a pair the critic judges badly takes its turn from the pairs it judges well."""
    num_domains, _, num_turns = scores.shape
    if num_turns ** (num_domains - 1) > 4096:
        raise ValueError(
            f"pose_turns enumerates {num_turns}^{num_domains - 1} poses: too many; use fewer "
            "domains or turns"
        )
    poses = np.array(list(itertools.product(range(num_turns), repeat=num_domains - 1)))
    poses = np.concatenate([np.zeros((len(poses), 1), int), poses], axis=1)  # [A, D]
    turns = (poses[:, None, :] - poses[:, :, None]) % num_turns  # [A, s, t]: θ_t − θ_s
    upper = np.triu(np.ones((num_domains, num_domains)), 1)
    picked = jnp.take_along_axis(jax.lax.stop_gradient(scores)[None], turns[..., None], -1)[..., 0]
    objective = jnp.sum(upper * (picked + turn_cost * (turns != 0)), axis=(1, 2))
    lowest_two = jnp.sort(objective)[:2]
    return jnp.asarray(turns)[jnp.argmin(objective)], lowest_two[1] - lowest_two[0]
