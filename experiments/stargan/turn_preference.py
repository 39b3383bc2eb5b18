"""Which quarter turn a trained StarGAN critic prefers for each (source → target) pair, beside
the turn the generator's pair table picked (runs with ``--set g_pair_turns=K``).

    .venv/bin/python -m experiments.stargan.turn_preference --workdir runs/stargan/TAG [--out DIR]

For each pair s → t and each turn k, the generator is forced to turn k for s → t (and the
inverse turn for t → s, so the reconstruction turns back), whatever its gates say, and its
loss terms are averaged over the test digits x of domain s, as the game
(``jaxgen.game.stargan``) writes them:

    critic = −D_src(G(x, t)) + λ_cls·CE(D_cls(G(x, t)), t),
    reconstruction = λ_rec·|x − G(G(x, t), s)|.

``preferred`` is the turn of the lowest critic term. A pair whose table picked another turn
than the critic prefers is stuck (its softmax saturated: the gates' gradient vanishes); a pair
whose critic prefers the wrong turn lacks the incentive. Writes ``OUT/turns_{TAG}.json``.
"""

import json

import jax
import jax.numpy as jnp
import numpy as np

from experiments.entry import run_command
from jaxgen.errors import UserError

EXAMPLES = 500


def preferences(recipe, state, digits):
    """``{"s->t": {"picked", "preferred", "critic": {deg: ·}, "reconstruction": {deg: ·}}}``."""
    from experiments.stargan.warps import turn_names
    from jaxgen.data import multi_domain
    from jaxgen.game.stargan import classification_loss, critic_scores, reconstruction_loss
    from jaxgen.recipes.stargan import networks

    config = recipe.config
    if not config.get("g_pair_turns"):
        raise UserError("turn_preference reads a pair table: the run needs --set g_pair_turns=K")
    generator, discriminator = networks(config)
    g, d = {"params": state.params.g}, {"params": state.params.d}
    turns = config.g_pair_turns

    @jax.jit
    def terms(inputs, sources, targets, turn):
        fake = generator.apply(g, inputs, targets, jnp.full(targets.shape, turn))
        patch_outputs, logits = discriminator.apply(d, fake)
        critic = -jnp.mean(critic_scores(patch_outputs))
        critic += config.class_weight * classification_loss(logits, targets)
        back = generator.apply(g, fake, sources, jnp.full(targets.shape, (-turn) % turns))
        return critic, config.reconstruction_weight * reconstruction_loss(inputs, back)

    @jax.jit
    def gates(inputs, targets):
        _, sown = generator.apply(g, inputs, targets, mutable=["intermediates"])
        return sown["intermediates"]["PairTurns_0"]["gates"][0]

    names = turn_names(turns)
    results = {}
    for s in range(config.num_domains):
        inputs = multi_domain.transform(digits, np.full(len(digits), s))
        sources = jnp.full(len(digits), s, jnp.int32)
        for t in range(config.num_domains):
            if t == s:
                continue
            targets = jnp.full(len(digits), t, jnp.int32)
            largest = np.asarray(gates(inputs, targets)).argmax(1)
            critic, reconstruction = {}, {}
            for k, name in enumerate(names):
                c, r = terms(inputs, sources, targets, k)
                critic[name], reconstruction[name] = round(float(c), 4), round(float(r), 4)
            results[f"{multi_domain.DOMAINS[s]}->{multi_domain.DOMAINS[t]}"] = {
                "picked": names[int(np.bincount(largest, minlength=turns).argmax())],
                "preferred": min(critic, key=critic.get),
                "critic": critic,
                "reconstruction": reconstruction,
            }
    return results


def main(argv=None):
    from experiments.stargan.warps import load_run
    from jaxgen.data.captioned import signed_split

    args, recipe, state = load_run(argv, __doc__)
    digits, _ = signed_split(recipe.config.data, "test", recipe.config.image_size)
    result = {"step": int(state.step), "pairs": preferences(recipe, state, digits[:EXAMPLES])}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"turns_{args.workdir.name}.json").write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result))


if __name__ == "__main__":
    run_command(main)
