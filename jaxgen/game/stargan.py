"""StarGAN: one generator translates an image into any of K domains, under WGAN-GP.

Choi, Choi, Kim, Ha, Kim & Choo 2018, "StarGAN: Unified Generative Adversarial Networks for
Multi-Domain Image-to-Image Translation", CVPR, §3.1 and §4 (the WGAN-GP form, Eq. 8), as in
the authors' code (``solver.py``: ``train``). For a real x of domain c (``batch["image"]``,
``batch["domain"]``) and a target domain c' ≠ c drawn uniformly from the other K − 1 with the
key, the fake is G(x, c') and, with D_src(x) the critic's mean output over its patches and
D_cls(x) its domain logits (``jaxgen.nn.stargan``):

    L_D = −D_src(x) + D_src(G(x, c')) + λ_gp·(‖∇_x̂ D_src(x̂)‖ − 1)² + λ_cls·CE(D_cls(x), c)
    L_G = −D_src(G(x, c')) + λ_cls·CE(D_cls(G(x, c')), c') + λ_rec·‖x − G(G(x, c'), c)‖₁
          + λ_id·‖x − G(x, c)‖₁

each averaged over the batch, with x̂ = ε·x + (1 − ε)·G(x, c'), ε ~ U[0, 1] per example
(Eq. 1-3, 5-7; ``jaxgen.losses.wasserstein`` and ``jaxgen.losses.regularizers.
gradient_penalty``), CE the softmax cross-entropy of the one true domain (the paper's
single-dataset form; its CelebA attributes are several binary labels, a sigmoid cross-entropy
each: ``multi_label``, with c and c' 0/1 vectors, c' the batch's own vectors shuffled, CE
``attribute_loss``) and ‖·‖₁ the mean absolute difference per pixel (the code's
``torch.mean(torch.abs(...))``). λ_cls = 1, λ_rec = 10, λ_gp = 10 are the paper's; the
identity term λ_id (``identity_weight``, default 0: the paper has none) is CycleGAN's
identity loss (Zhu et al. 2017, §5.2) asked of the own domain, G(x, c) ≈ x, and costs one
more pass of G when λ_id > 0.
With ``source_weight`` λ_src > 0 (default 0; not in the paper), G also pays
λ_src·CE(s_G(x), c), s_G the source-domain logits that G sows as ``source_logits`` while it
translates x (``jaxgen.nn.stargan.PairTurns``): G's own estimate of where x comes from,
trained on the real labels as D_cls is.
With ``fake_class_weight`` λ_fake > 0 (default 0; not in the paper) D_cls has K + 1 logits,
the last meaning "a translation", and D also pays λ_fake·CE(D_cls(G(x, c')), K): the
semi-supervised discriminator of Odena 2016 ("Semi-supervised learning with generative
adversarial networks") and Salimans et al. 2016 (§5), so that D_cls learns the marks a
generator uses to be *called* c' without being c' (on the digits: G dims strokes to be called
"rotated" without turning them, ``experiments/stargan/README.md``). G's term is unchanged,
CE(D_cls(G(x, c')), c') over the K + 1 logits.
With ``turn_choice_weight`` λ_turn > 0 (default 0; not in the paper) and a generator whose
``PairTurns`` picks one of K quarter turns of x by gates g, G also pays
λ_turn·(−log g_{k*}), k* = argmin_k [−D_src(G_k(x, c')) + λ_cls·CE(D_cls(G_k(x, c')), c')]
with G_k the generator forced to turn k (no gradient through k*), counted only where k*
beats the runner-up turn by ``turn_choice_margin`` m or more: the gates learn from the
critic's verdict on every turn, not from the gradient at the turn they picked, which vanishes
once their softmax saturates (``experiments/stargan/turn_preference.py``; a choice among
candidate outputs by their loss, as in multiple choice learning, Guzman-Rivera et al. 2012).
With ``turn_choice_pair_decay`` β > 0, k* is chosen per (source, target) pair from a running
average of the terms over the pair's examples and both its directions, kept in the model state,
and with ``turn_choice_poses`` as the difference of domain poses chosen jointly over all pairs
(``jaxgen.game.turn_choice``).
The critic score is the mean over patches (the paper writes D_src(x) as one number); the
code's penalty differentiates the *sum* over its 2×2 patches, four times this gradient.

The paper draws c' by shuffling the batch's labels, so some c' equal c and the adversarial
and reconstruction terms then ask G(x, c) ≈ x only implicitly; here c' ≠ c always
(``target_domains``), so every fake is a translation, and λ_id asks for G(x, c) ≈ x explicitly.
The paper's step is 5 critic updates per generator update (``jaxgen.game.alternating(...,
d_steps=5)``), Adam(1e-4, β1 = 0.5, β2 = 0.999). The networks have no batch
statistics: the model state (``init_model_state``) holds only the per-pair turn choice's
average, and passes through unchanged without it.

Metrics (unweighted): ``critic_real`` and ``critic_fake`` (mean D_src), ``d_penalty`` (mean
(‖∇‖ − 1)²), ``class_loss_real`` and ``class_loss_fake``, ``reconstruction`` (the L1 term),
``class_real`` (D_cls's accuracy on the real domains) and ``class_fake`` (on the targets), and
``identity`` (‖x − G(x, c)‖₁) when λ_id > 0, ``source_loss`` and ``source_accuracy`` when
λ_src > 0, ``fake_caught`` (the share of translations D_cls calls "a translation") when
λ_fake > 0, ``turn_choice_loss``, ``turn_choice_agrees`` (the share of examples whose
largest gate is the chosen turn) and ``turn_choice_decisive`` (the share counted)
when λ_turn > 0.
"""

import functools

import jax
import jax.numpy as jnp
import optax

from jaxgen.game import turn_choice as turns
from jaxgen.losses import wasserstein
from jaxgen.losses.regularizers import gradient_penalty
from jaxgen.types import Pair

CLASS_WEIGHT = 1.0  # λ_cls
RECONSTRUCTION_WEIGHT = 10.0  # λ_rec
PENALTY_WEIGHT = 10.0  # λ_gp
IDENTITY_WEIGHT = 0.0  # λ_id (not in the paper)
SOURCE_WEIGHT = 0.0  # λ_src (not in the paper)
FAKE_CLASS_WEIGHT = 0.0  # λ_fake: D_cls's (K + 1)-th class, "a translation" (not in the paper)
TURN_CHOICE_WEIGHT = 0.0  # λ_turn: the pair table trained towards the critic's best turn
TURN_CHOICE_MARGIN = 0.0  # m: only where the critic prefers its best turn by at least m
TURN_CHOICE_PAIR_DECAY = 0.0  # β > 0: the choice per pair, from an EMA of the critic's terms


def init_model_state(num_domains: int, num_turns: int, turn_choice_pair_decay: float) -> Pair:
    """The game's model state: ``Pair({"turn_choice": ...}, {})`` with the per-pair average of
    the critic's terms when ``turn_choice_pair_decay`` > 0 (``jaxgen.game.turn_choice``),
    ``Pair({}, {})`` otherwise."""
    if turn_choice_pair_decay > 0:
        return Pair({"turn_choice": turns.init_pair_average(num_domains, num_turns)}, {})
    return Pair({}, {})


def target_domains(key, domains: jax.Array, num_domains: int) -> jax.Array:
    """A target for each of ``domains`` ``[B]``, uniform over the K − 1 other domains."""
    offsets = jax.random.randint(key, domains.shape, 1, num_domains, domains.dtype)
    return (domains + offsets) % num_domains


def target_attributes(key, attributes: jax.Array) -> jax.Array:
    """The multi-label targets c' for attribute vectors ``[B, K]``: the batch's own vectors in an
    order drawn from ``key`` (the authors' code: ``label_org[torch.randperm(B)]``), so every
    target is a combination of attributes that occurs in the data; some equal their source."""
    return attributes[jax.random.permutation(key, attributes.shape[0])]


def flip_attribute(attributes: jax.Array, index, exclusive=()) -> jax.Array:
    """The paper's test-time targets (the authors' ``create_labels``): ``attributes`` ``[B, K]``
    (0/1) with attribute ``index`` flipped, or, where ``index`` is one of the ``exclusive``
    attributes (indices of a group of which one holds, CelebA's hair colours), set to 1 and
    the group's others to 0. ``index``: an int or ints ``[B]``."""
    attributes = jnp.asarray(attributes)
    index = jnp.broadcast_to(jnp.asarray(index), attributes.shape[:1])
    chosen = jax.nn.one_hot(index, attributes.shape[1], dtype=bool)
    group = jnp.zeros(attributes.shape[1], bool).at[jnp.asarray(exclusive, jnp.int32)].set(True)
    in_group = jnp.any(chosen & group, axis=1, keepdims=True)
    flipped = jnp.where(chosen, 1 - attributes, attributes)
    grouped = jnp.where(group, chosen.astype(attributes.dtype), attributes)
    return jnp.where(in_group, grouped, flipped)


def attribute_loss(logits: jax.Array, attributes: jax.Array) -> jax.Array:
    """The multi-label classification loss (the paper's CelebA form, §3.2): the sigmoid
    cross-entropy −[c_k log σ(l_k) + (1 − c_k) log(1 − σ(l_k))] of each attribute k, summed
    over the K attributes and averaged over the batch (the code's
    ``binary_cross_entropy_with_logits(..., size_average=False) / B``); ``logits`` and
    ``attributes`` (0/1) ``[B, K]``."""
    return jnp.mean(jnp.sum(optax.sigmoid_binary_cross_entropy(logits, attributes), axis=1))


def attribute_accuracy(logits: jax.Array, attributes: jax.Array) -> jax.Array:
    """The share of (example, attribute) entries whose sign of the logit gives the 0/1 of
    ``attributes``, both ``[B, K]``."""
    return jnp.mean((logits > 0) == (attributes > 0.5))


def domain_accuracy(logits: jax.Array, domains: jax.Array) -> jax.Array:
    """The share of examples whose largest of the ``logits`` ``[B, K]`` is at ``domains``
    ``[B]``."""
    return jnp.mean(jnp.argmax(logits, -1) == domains)


def reconstruction_loss(real: jax.Array, reconstructed: jax.Array) -> jax.Array:
    """``mean |x − G(G(x, c'), c)|`` over every pixel of the batch (Eq. 4); with G(x, c) in
    place of the reconstruction, the identity term ``mean |x − G(x, c)|``."""
    return jnp.mean(jnp.abs(real - reconstructed))


def classification_loss(logits: jax.Array, domains: jax.Array) -> jax.Array:
    """Mean softmax cross-entropy of the domain ``logits`` ``[B, K]`` at ``domains`` ``[B]``
    (Eq. 2 and 3)."""
    return jnp.mean(optax.softmax_cross_entropy_with_integer_labels(logits, domains))


def critic_scores(patch_outputs: jax.Array) -> jax.Array:
    """D_src's score per example: the mean of its patch outputs ``[B, h, w, 1]`` → ``[B]``."""
    return jnp.mean(patch_outputs.reshape(patch_outputs.shape[0], -1), axis=1)


def init_params(generator, discriminator, key, images, domains) -> Pair:
    """``Pair(g=G's "params", d=D's "params")`` for ``images`` ``[B, H, W, C]`` and ``domains``
    ``[B]``."""
    g_key, d_key = jax.random.split(key)
    return Pair(
        generator.init(g_key, images, domains)["params"],
        discriminator.init(d_key, images)["params"],
    )


def translate(generator, g_params, images: jax.Array, domains: jax.Array) -> jax.Array:
    """G(x, c'): ``images`` ``[B, H, W, C]`` translated into ``domains`` ``[B]``."""
    return generator.apply({"params": g_params}, images, domains)


def sown_value(sown, name: str, needed_by: str) -> jax.Array:
    """The one value called ``name`` that a generator sowed (``mutable=["intermediates"]``):
    ``source_logits`` ``[B, K]`` or ``gates`` ``[B, turns]`` of a ``PairTurns``."""
    found = [
        leaf
        for path, leaf in jax.tree_util.tree_leaves_with_path(sown)
        if any(getattr(entry, "key", None) == name for entry in path)
    ]
    if len(found) != 1:
        raise ValueError(
            f"{needed_by} > 0 needs a generator that sows one {name!r} "
            f"(jaxgen.nn.stargan.PairTurns), found {len(found)}"
        )
    return found[0]


def stargan(
    generator,
    discriminator,
    *,
    num_domains: int,
    class_weight: float = CLASS_WEIGHT,
    reconstruction_weight: float = RECONSTRUCTION_WEIGHT,
    penalty_weight: float = PENALTY_WEIGHT,
    identity_weight: float = IDENTITY_WEIGHT,
    source_weight: float = SOURCE_WEIGHT,
    fake_class_weight: float = FAKE_CLASS_WEIGHT,
    turn_choice_weight: float = TURN_CHOICE_WEIGHT,
    turn_choice_margin: float = TURN_CHOICE_MARGIN,
    turn_choice_pair_decay: float = TURN_CHOICE_PAIR_DECAY,
    turn_choice_poses: bool = False,
    turn_choice_turn_cost: float = 0.0,
    multi_label: bool = False,
    data_key: str = "image",
    domain_key: str = "domain",
):
    """The StarGAN game ``losses(params, model_state, batch, key)`` (module docstring).

    Args:
      generator: Flax module, ``generator(images [B, H, W, C], domains [B]) -> images``
        (``jaxgen.nn.stargan.StarGANGenerator``).
      discriminator: Flax module, ``discriminator(images) -> (patch outputs [B, ...], domain
        logits [B, K])`` (``jaxgen.nn.stargan.StarGANDiscriminator``).
      num_domains: K ≥ 2.
      class_weight, reconstruction_weight, penalty_weight, identity_weight: λ_cls, λ_rec,
        λ_gp, λ_id (0: no identity term and no extra pass of G).
      source_weight: λ_src (0: none); > 0 needs a generator that sows ``source_logits``.
      fake_class_weight: λ_fake (0: none); > 0 needs a discriminator with K + 1 domain logits
        (``StarGANDiscriminator(fake_class=True)``).
      turn_choice_weight: λ_turn (0: none); > 0 needs a generator that sows ``gates`` and
        takes a forced ``turn`` (``StarGANGenerator(pair_turns=K)``) and costs K more passes
        of G and of D, without gradient.
      turn_choice_margin: m ≥ 0: the turn choice counts an example only where the critic's
        best turn beats its runner-up by at least m (0: every example).
      turn_choice_pair_decay: β in [0, 1): 0 chooses the turn per example; β > 0 per (source,
        target) pair, from an EMA of decay β of the critic's terms of both directions kept in
        ``model_state.g["turn_choice"]`` (``init_model_state``; ``jaxgen.game.turn_choice``),
        updated at every call, the critic's updates included.
      turn_choice_poses: with β > 0, the pairs' turns chosen jointly as differences of domain
        poses (``jaxgen.game.turn_choice.pose_turns``; the margin then applies to the best
        poses' lead over the runner-up), each turning pair priced ``turn_choice_turn_cost``.
      multi_label: the paper's CelebA form: ``batch[domain_key]`` holds 0/1 attribute
        vectors ``[B, K]`` instead of int domains, the targets are the batch's vectors
        shuffled (``target_attributes``), D_cls's loss is ``attribute_loss`` (a sigmoid
        cross-entropy per attribute) and ``class_real`` / ``class_fake`` are
        ``attribute_accuracy``; without ``source_weight``, ``fake_class_weight`` and the turn
        choice, which need exclusive domains.
      data_key, domain_key: the batch entries of the images and their int domains (attribute
        vectors with ``multi_label``).
    """
    if num_domains < 2:
        raise ValueError(f"StarGAN needs at least 2 domains, got {num_domains}")
    if not 0 <= turn_choice_pair_decay < 1:
        raise ValueError(f"turn_choice_pair_decay must be in [0, 1), got {turn_choice_pair_decay}")
    if turn_choice_poses and not turn_choice_pair_decay > 0:
        raise ValueError("turn_choice_poses needs turn_choice_pair_decay > 0 (e.g. 0.99)")
    if turn_choice_turn_cost and not turn_choice_poses:
        raise ValueError("turn_choice_turn_cost prices the poses' turns: set turn_choice_poses")
    exclusive_only = {
        "source_weight": source_weight,
        "fake_class_weight": fake_class_weight,
        "turn_choice_weight": turn_choice_weight,
    }
    if multi_label and any(exclusive_only.values()):
        used = [name for name, weight in exclusive_only.items() if weight]
        raise ValueError(f"{', '.join(used)} need exclusive int domains, not multi_label")
    if multi_label:
        draw_targets, class_loss, accuracy = target_attributes, attribute_loss, attribute_accuracy
    else:
        draw_targets = functools.partial(target_domains, num_domains=num_domains)
        class_loss, accuracy = classification_loss, domain_accuracy
    label_ndim = 2 if multi_label else 1

    def losses(params, model_state, batch, key):
        real, source = batch[data_key], batch[domain_key]
        if source.ndim != label_ndim:
            form = "attribute vectors [B, K]" if multi_label else "int domains [B]"
            raise ValueError(
                f"batch[{domain_key!r}] must hold {form} (multi_label={multi_label}), got "
                f"shape {source.shape}"
            )
        target_key, penalty_key = jax.random.split(key)
        target = draw_targets(target_key, source)

        def judge(images):
            patch_outputs, logits = discriminator.apply({"params": params.d}, images)
            return critic_scores(patch_outputs), logits

        if source_weight > 0 or turn_choice_weight > 0:
            fake, sown = generator.apply(
                {"params": params.g}, real, target, mutable=["intermediates"]
            )
        else:
            fake = translate(generator, params.g, real, target)
        real_scores, real_logits = judge(real)
        fake_scores, fake_logits = judge(fake)
        classes = num_domains + 1 if fake_class_weight > 0 else num_domains
        if real_logits.shape[-1] != classes:
            raise ValueError(
                f"fake_class_weight={fake_class_weight} needs {classes} domain logits from the "
                f"discriminator, got {real_logits.shape[-1]}"
            )
        penalty = gradient_penalty(lambda x: judge(x)[0], real, fake, penalty_key)
        class_loss_real = class_loss(real_logits, source)
        loss_d = (
            jnp.mean(wasserstein.critic_loss(real_scores, fake_scores))
            + penalty_weight * jnp.mean(penalty)
            + class_weight * class_loss_real
        )
        reconstruction = reconstruction_loss(real, translate(generator, params.g, fake, source))
        class_loss_fake = class_loss(fake_logits, target)
        loss_g = (
            jnp.mean(wasserstein.generator_loss(fake_scores))
            + class_weight * class_loss_fake
            + reconstruction_weight * reconstruction
        )
        metrics = {}
        if fake_class_weight > 0:
            translation = jnp.full(target.shape, num_domains, target.dtype)
            fake_caught = classification_loss(fake_logits, translation)
            loss_d = loss_d + fake_class_weight * fake_caught
            metrics["fake_caught"] = jnp.mean(jnp.argmax(fake_logits, -1) == num_domains)
        if turn_choice_weight > 0:
            gates = sown_value(sown, "gates", "turn_choice_weight")

            def critic_term(turn):
                forced = jnp.full(target.shape, turn, jnp.int32)
                scores, logits = judge(generator.apply({"params": params.g}, real, target, forced))
                cross_entropy = optax.softmax_cross_entropy_with_integer_labels(logits, target)
                return -scores + class_weight * cross_entropy

            terms = jnp.stack([critic_term(k) for k in range(gates.shape[1])], axis=1)
            if turn_choice_pair_decay > 0:
                if "turn_choice" not in model_state.g:
                    raise ValueError(
                        "turn_choice_pair_decay > 0 keeps its average in the model state: "
                        "start from init_model_state(num_domains, turns, turn_choice_pair_decay)"
                    )
                average = turns.update_pair_average(
                    model_state.g["turn_choice"], source, target, terms, turn_choice_pair_decay
                )
                model_state = Pair({**model_state.g, "turn_choice": average}, model_state.d)
                scores, known = turns.pair_scores(average)
                if turn_choice_poses:
                    pair_turns, gap = turns.pose_turns(scores, turn_choice_turn_cost)
                    best = pair_turns[source, target]
                    all_known = jnp.all(known | jnp.eye(num_domains, dtype=bool))
                    counted = jnp.broadcast_to(all_known & (gap >= turn_choice_margin), best.shape)
                else:
                    best, counted = turns.best_turns(scores[source, target], turn_choice_margin)
                    counted = counted & known[source, target]
            else:
                best, counted = turns.best_turns(terms, turn_choice_margin)
            turn_choice, decisive = turns.turn_choice_loss(gates, best, counted)
            loss_g = loss_g + turn_choice_weight * turn_choice
            metrics["turn_choice_loss"] = turn_choice
            metrics["turn_choice_decisive"] = decisive
            metrics["turn_choice_agrees"] = jnp.mean(jnp.argmax(gates, 1) == best)
        if source_weight > 0:
            source_logits = sown_value(sown, "source_logits", "source_weight")
            source_loss = classification_loss(source_logits, source)
            loss_g = loss_g + source_weight * source_loss
            metrics["source_loss"] = source_loss
            metrics["source_accuracy"] = jnp.mean(jnp.argmax(source_logits, -1) == source)
        if identity_weight > 0:
            identity = reconstruction_loss(real, translate(generator, params.g, real, source))
            loss_g = loss_g + identity_weight * identity
            metrics["identity"] = identity
        metrics |= {
            "critic_real": jnp.mean(real_scores),
            "critic_fake": jnp.mean(fake_scores),
            "d_penalty": jnp.mean(penalty),
            "class_loss_real": class_loss_real,
            "class_loss_fake": class_loss_fake,
            "reconstruction": reconstruction,
            "class_real": accuracy(real_logits, source),
            "class_fake": accuracy(fake_logits, target),
        }
        return Pair(loss_g, loss_d), (model_state, metrics)

    return losses
