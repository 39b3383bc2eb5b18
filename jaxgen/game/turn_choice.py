"""The turn choice: a generator's quarter-turn gates trained towards the turn the critic prefers.

A StarGAN generator with ``jaxgen.nn.stargan.PairTurns`` turns its input x by one of K quarter
turns, picked by gates g over the K turns looked up per (source s, target t) pair. The
gradient of the adversarial loss reaches the gates only at the turn they already favour and
vanishes once their softmax saturates; the turn choice instead scores the translation under
*every* turn with the critic,

    c_k(x) = −D_src(G_k(x, t)) + λ_cls·CE(D_cls(G_k(x, t)), t),   G_k: G forced to turn k,

and adds the cross-entropy of the gates at the best turn, −log g_{k*} (no gradient through
k*): a choice among candidate outputs by their loss, as in multiple choice learning
(Guzman-Rivera et al. 2012). Two ways of choosing k*:

- **per example** (``turn_choice_loss`` on c itself): k*(x) = argmin_k c_k(x), counted where it
  beats the runner-up by the margin m. On the digits this fixed the rotation pairs but held the
  gates of the pairs into the inverted domain near equal: per example the critic's verdicts
  on turned inverted digits scatter (``experiments/stargan/README.md``).
- **per pair** (``pair_scores`` of a ``pair_average``): the critic's terms averaged over a
  pair's examples with an exponential moving average of decay β (bias-corrected as Adam's
  moments, Kingma & Ba 2015, §3),

      Ĉ[s, t, k] = EMA_β(c_k(x) : x of pair (s, t)) / (1 − β^{n_st}),

  and both directions of the pair judged together, since turning by k from s to t and by −k
  from t back to s is one choice (the reconstruction G(G(x, t), s) ≈ x turns by their sum):

      S[s, t, k] = Ĉ[s, t, k] + Ĉ[t, s, −k mod K].

  Every example of a pair then learns towards the same k* = argmin_k S[s, t, k], counted once
  both directions were seen and k* beats the runner-up by m; a direction the critic cannot
  judge (it never saw a turned inverted digit) is outvoted by the one it can.
"""

import jax
import jax.numpy as jnp


def turn_choice_loss(gates: jax.Array, critic_terms: jax.Array, margin: float = 0.0, counted=None):
    """``(1/B)·Σ_b −log gates[b, k*_b]·[decisive_b]`` and the share of decisive examples: the
    cross-entropy of the gates ``[B, turns]`` at the turn k* whose translation the critic
    scores best (``critic_terms`` ``[B, turns]``, no gradient), counted where the critic
    prefers k* to the runner-up by at least ``margin`` (0: everywhere) and, if given,
    ``counted`` (bools ``[B]``) holds."""
    terms = jax.lax.stop_gradient(critic_terms)
    best = jnp.argmin(terms, axis=1)
    lowest_two = jnp.sort(terms, axis=1)[:, :2]
    decisive = lowest_two[:, 1] - lowest_two[:, 0] >= margin
    if counted is not None:
        decisive = decisive & counted
    decisive = decisive.astype(gates.dtype)
    picked = jnp.take_along_axis(gates, best[:, None], axis=1)[:, 0]
    return -jnp.mean(decisive * jnp.log(jnp.maximum(picked, 1e-12))), jnp.mean(decisive)


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
