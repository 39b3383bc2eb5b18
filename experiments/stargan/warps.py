"""What a StarGAN generator's input warp learned (``--set g_input_warps=N``,
``--set g_rigid_warp=true``, ``--set g_turns=K`` or ``--set g_pair_turns=K``).

    .venv/bin/python -m experiments.stargan.warps --workdir runs/stargan/TAG [--out DIR]

Reads the run's latest checkpoint and reports on the test digits, for a ``RigidWarp``
(``jaxgen.nn.stargan``: the input turned by an angle chosen per example):

- ``angles``: per (source → target) pair, the mean and standard deviation of the angle in
  degrees (+90: the rotated domain's anticlockwise quarter turn) and the share of examples
  turned to within 20° of each multiple of 90°;

for a ``TurnMixture`` or ``PairTurns`` (the input replaced by Σ_k g_k·turn(x, 360°·k/K)):

- ``turn_gates``: per pair, the mean gates and the share of examples whose largest gate is
  each turn (keys in degrees, anticlockwise); for ``PairTurns`` also ``source_accuracy``, how
  often its source head names each domain of the test digits, with ``g_pair_poses``
  ``poses``: each domain's learned pose, its probability per turn (the first domain: 0°), and
  with ``turn_choice_pair_decay`` ``critic_choice``: per pair, the averaged critic terms of
  both directions per turn, kept in the model state, and the turn they teach the table (with
  ``turn_choice_poses``, the poses' turn and the pair's own best);

and for an ``InputWarp`` (the input x replaced by g_0·x + Σ_k g_k·(M_k x), the gates g chosen
per example):

- ``gates``: the mean gates per (source → target) pair: which map the generator picks for
  which translation (index 0 keeps the image);
- ``turn_error``: for each map M_k, mean |M_k x − R x| and mean |M_k x − R⁻¹ x| over the
  identity-domain test digits, R the 90° anticlockwise turn of the rotated domain, beside the
  mean |x − R x| that an unturned image would score: a map that learned the turn (or its
  inverse) scores far below that.

Writes ``OUT/warps_{TAG}.json`` and, for an ``InputWarp``, ``OUT/warps_{TAG}.png`` (a few
test digits and each map applied to them).
"""

import argparse
import json
import pathlib

import jax
import numpy as np

from experiments.entry import run_command
from experiments.figures import save_figure
from jaxgen.errors import UserError

EXAMPLES = 6


def captured(recipe, state, images, targets, layer, name):
    """What ``layer`` of the generator of ``state`` sows as ``name`` when it translates
    ``images`` into the ``targets`` domains: the gates ``[n, N + 1]`` of an ``InputWarp``, the
    angles ``[n]`` of a ``RigidWarp``."""
    from jaxgen.recipes.stargan import networks

    generator, _ = networks(recipe.config)

    @jax.jit
    def capture(params, images, targets):
        _, sown = generator.apply(params, images, targets, mutable=["intermediates"])
        return sown["intermediates"][layer][name][0]

    return np.asarray(capture({"params": state.params.g}, images, targets))


def per_pair(recipe, digits, read):
    """``{"source->target": read(inputs in the source domain, targets)}`` over every pair."""
    from jaxgen.data import multi_domain

    k = recipe.config.num_domains
    results = {}
    for source in range(k):
        inputs = multi_domain.transform(digits, np.full(len(digits), source))
        for target in range(k):
            if target != source:
                name = f"{multi_domain.DOMAINS[source]}->{multi_domain.DOMAINS[target]}"
                results[name] = read(inputs, np.full(len(digits), target, np.int32))
    return results


def source_accuracy(recipe, state, digits):
    """``{domain: share}``: how often a ``PairTurns`` generator's source head names the domain
    of the test digits put in it (targets drawn as the next domain; the head reads them too)."""
    from jaxgen.data import multi_domain

    k = recipe.config.num_domains
    shares = {}
    for source in range(k):
        inputs = multi_domain.transform(digits, np.full(len(digits), source))
        targets = np.full(len(digits), (source + 1) % k, np.int32)
        logits = captured(recipe, state, inputs, targets, "PairTurns_0", "source_logits")
        shares[multi_domain.DOMAINS[source]] = round(float(np.mean(logits.argmax(1) == source)), 3)
    return shares


def turn_names(turns):
    """The readouts' keys of K turns: degrees anticlockwise ("0", "90", "180", "270")."""
    return [str(round(360 * k / turns)) for k in range(turns)]


def learned_poses(recipe, state):
    """``{domain: {degrees: probability}}`` of a ``PairTurns`` with ``poses``."""
    from jaxgen.data import multi_domain

    free = np.asarray(state.params.g["PairTurns_0"]["poses"], np.float64)
    logits = recipe.config.g_pair_table_scale * free
    q = np.exp(logits - logits.max(1, keepdims=True))
    q = np.concatenate([np.eye(free.shape[1])[:1], q / q.sum(1, keepdims=True)])
    names = turn_names(free.shape[1])
    return {
        multi_domain.DOMAINS[d]: dict(zip(names, np.round(row, 3).tolist(), strict=True))
        for d, row in enumerate(q)
    }


def critic_choice(recipe, state):
    """``{"source->target": {"chosen": degrees, "scores": {degrees: S}}}`` of a run with the
    per-pair turn choice (``turn_choice_pair_decay``): the averaged critic terms of both
    directions, S[s, t, k] (``jaxgen.game.turn_choice.pair_scores``; lower is better), and the
    turn they teach the table, with ``turn_choice_poses`` the poses' turn (``pose_turns``) and
    the pair's own best beside it (``pair_best``); pairs not yet seen both ways are left out."""
    from jaxgen.data import multi_domain
    from jaxgen.game.turn_choice import pair_scores, pose_turns

    scores, known = (np.asarray(a) for a in pair_scores(state.model_state.g["turn_choice"]))
    names = turn_names(scores.shape[-1])
    chosen = scores.argmin(-1)
    poses = recipe.config.get("turn_choice_poses")
    if poses:
        chosen = np.asarray(pose_turns(scores, recipe.config.turn_choice_turn_cost)[0])
    results = {}
    for s, t in zip(*np.nonzero(known), strict=True):
        if s != t:
            pair = {"chosen": names[int(chosen[s, t])]}
            if poses:
                pair["pair_best"] = names[int(scores[s, t].argmin())]
            pair["scores"] = dict(zip(names, np.round(scores[s, t], 3).tolist(), strict=True))
            results[f"{multi_domain.DOMAINS[s]}->{multi_domain.DOMAINS[t]}"] = pair
    return results


def angle_summary(angles):
    degrees = np.rad2deg(angles)
    nearest = {
        str(q): round(float(np.mean(np.abs((degrees - q + 180) % 360 - 180) <= 20)), 3)
        for q in (0, 90, 180, -90)
    }
    return {"mean": round(float(degrees.mean()), 1), "std": round(float(degrees.std()), 1),
            "within_20_degrees_of": nearest}  # fmt: skip


def apply_maps(maps, images):
    """Each map M_k applied to ``images`` ``[n, H, W, C]``: ``[N, n, H, W, C]``."""
    n, height, width, channels = images.shape
    flat = images.reshape(n, height * width, channels)
    return np.einsum("bpc,kpq->kbqc", flat, maps).reshape(len(maps), *images.shape)


def summarize(recipe, state):
    """``(results, digits, each map applied to the digits or None)``."""
    from jaxgen.data.captioned import signed_split

    digits, _ = signed_split(recipe.config.data, "test", recipe.config.image_size)
    if recipe.config.get("g_rigid_warp"):

        def read(inputs, targets):
            return angle_summary(captured(recipe, state, inputs, targets, "RigidWarp_0", "angles"))

        return {"angles": per_pair(recipe, digits, read)}, digits[:EXAMPLES], None
    turns = recipe.config.get("g_turns") or recipe.config.get("g_pair_turns")
    if turns:
        layer = "TurnMixture_0" if recipe.config.get("g_turns") else "PairTurns_0"

        def read_turns(inputs, targets):
            gates = captured(recipe, state, inputs, targets, layer, "gates")
            names = turn_names(turns)
            picked = np.bincount(gates.argmax(1), minlength=turns) / len(gates)
            return {
                "mean": dict(zip(names, np.round(gates.mean(0), 3).tolist(), strict=True)),
                "picked": dict(zip(names, np.round(picked, 3).tolist(), strict=True)),
            }

        result = {"turn_gates": per_pair(recipe, digits, read_turns)}
        if layer == "PairTurns_0":
            result["source_accuracy"] = source_accuracy(recipe, state, digits)
        if recipe.config.get("g_pair_poses"):
            result["poses"] = learned_poses(recipe, state)
        if recipe.config.get("turn_choice_pair_decay"):
            result["critic_choice"] = critic_choice(recipe, state)
        return result, digits[:EXAMPLES], None
    if not recipe.config.get("g_input_warps"):
        raise UserError(
            "this run's generator has no input warp: it was trained without "
            "--set g_input_warps=N, --set g_rigid_warp=true or --set g_turns=K"
        )

    def mean_gates(inputs, targets):
        gates = captured(recipe, state, inputs, targets, "InputWarp_0", "gates")
        return [round(float(g), 3) for g in gates.mean(0)]

    gates = per_pair(recipe, digits, mean_gates)
    maps = np.asarray(state.params.g["InputWarp_0"]["maps"])
    moved = apply_maps(maps, digits)
    turned = np.rot90(digits, 1, axes=(1, 2))
    back = np.rot90(digits, -1, axes=(1, 2))
    turn_error = {
        f"map_{i + 1}": {
            "to_turned": float(np.abs(m - turned).mean()),
            "to_turned_back": float(np.abs(m - back).mean()),
        }
        for i, m in enumerate(moved)
    }
    turn_error["unturned"] = float(np.abs(digits - turned).mean())
    return {"gates": gates, "turn_error": turn_error}, digits[:EXAMPLES], moved[:, :EXAMPLES]


def figure(digits, moved, path, title):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = 1 + len(moved)
    fig, axes = plt.subplots(rows, len(digits), figsize=(len(digits), rows), squeeze=False)
    for j, digit in enumerate(digits):
        axes[0, j].imshow(digit[..., 0], cmap="gray", vmin=-1, vmax=1)
        for i, images in enumerate(moved):
            axes[1 + i, j].imshow(images[j, ..., 0], cmap="gray")
    for i in range(rows):
        axes[i, 0].set_title("x" if i == 0 else f"M_{i} x", fontsize=7, loc="left")
    for ax in axes.ravel():
        ax.set_axis_off()
    fig.suptitle(title, fontsize=8)
    save_figure(fig, path)
    plt.close(fig)


def load_run(argv, description):
    """``(args, recipe, state)`` of a readout's command line: ``--workdir RUN`` (its latest
    checkpoint) and ``--out DIR`` (default: this folder)."""
    parser = argparse.ArgumentParser(description=description.split("\n")[0])
    parser.add_argument("--workdir", type=pathlib.Path, required=True)
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path(__file__).parent)
    args = parser.parse_args(argv)

    from jaxgen.recipes.restore import load

    return (args, *load(str(args.workdir)))


def main(argv=None):
    args, recipe, state = load_run(argv, __doc__)
    result, digits, moved = summarize(recipe, state)
    result["step"] = int(state.step)
    tag = args.workdir.name
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"warps_{tag}.json").write_text(json.dumps(result, indent=1) + "\n")
    if moved is not None:
        figure(digits, moved, args.out / f"warps_{tag}.png", f"{tag}, step {result['step']}")
    print(json.dumps(result))


if __name__ == "__main__":
    run_command(main)
