"""The ``jaxgen`` command line: parses arguments, then calls recipes, train and metrics.

    jaxgen train RECIPE [--workdir DIR] [--set key=value ...] [--seeds N]
    jaxgen sample WORKDIR [--n N] [--seed S] [--run K] [--out FILE] [--numbered] [--label Y]
                          [--code c1=3 --code c2=0.5 ...] [--text CAPTION ...]
    jaxgen sample WORKDIR --walk [--points K | --through I,J,...] [--steps S] [--linear]
    jaxgen sample WORKDIR --arithmetic "A - B + C" [--noisy N]
    jaxgen eval WORKDIR [--metrics fid,kid,is,pr,dc,modes] [--n N] [--ref SOURCE]
    jaxgen eval WORKDIR [--metrics nll[,fid,...]] [--split test]    (explicit models)
    jaxgen judge WORKDIR [--ref SOURCE] [--n-trials N] [--training N] [--mode 2afc|single]
    jaxgen judge WORKDIR --report [--compare WORKDIR2]    (human evaluation: jaxgen.judge)
    jaxgen recipes

Mistakes the user can fix (an unknown recipe or config key, a missing workdir or data set,
a batch the devices cannot split, a corrupted checkpoint, a diverged loss) print one line,
``jaxgen: error: ...``, and exit with status 2.
"""

import argparse
import os
import sys

from jaxgen.errors import UserError
from jaxgen.judge.command import add_parser as add_judge_parser


def main(argv=None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        from jaxgen.train.mesh import initialize_distributed_if_requested

        initialize_distributed_if_requested()
        return args.command(args) or 0
    except UserError as error:
        print(f"jaxgen: error: {error}", file=sys.stderr)
        return 2


def _parser():
    parser = argparse.ArgumentParser(prog="jaxgen", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    train = commands.add_parser("train", help="train a recipe (resumes an existing workdir)")
    train.add_argument("recipe", help="recipe name (`jaxgen recipes` lists them)")
    train.add_argument("--workdir", help="run directory (default: runs/RECIPE)")
    train.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a config value (repeatable)",
    )
    train.add_argument(
        "--seeds",
        type=int,
        metavar="N",
        help="train N runs (seeds seed, seed+1, ...) as one vmapped program; with --set "
        "run_learning_rates=A,B,... the grid of seeds x rates (same as --set seeds=N)",
    )
    train.add_argument("--no-progress", action="store_true", help="no progress bar")
    train.set_defaults(command=_train)

    sample = commands.add_parser(
        "sample",
        help="draw samples from a trained workdir; walk or do arithmetic in its latent space",
        description="Draws a grid of samples (default), a walk between latent points\n"
        "(--walk, DCGAN §6.1) or latent vector arithmetic on chosen samples (--arithmetic,\n"
        "DCGAN §6.3.2) from WORKDIR's latest checkpoint.",
        epilog="""examples:
  jaxgen sample runs/demo --seed 1 --numbered        # grid of 64, each tile labelled 0..63
  jaxgen sample runs/demo --walk --points 4 --steps 8 --out walk.png
  jaxgen sample runs/demo --walk --through 3,17,42 --seed 1 --out walk.gif
  jaxgen sample runs/demo --seed 1 --arithmetic "3,7,9 - 1,4,5 + 2,8,11"
  jaxgen sample runs/cgan_mnist --label 7            # a class-conditional model's sevens
  jaxgen sample runs/infogan_mnist --code c1=3 --code c2=1.5   # fix InfoGAN codes
  jaxgen sample runs/gancls_mnist --text "a thin upright two" --text "a thick upright two"

Sample indices count row-major from 0 in the grid that `--seed S --n N` draws (the labels of
--numbered); --seed and --n must be the same as those of the grid the indices were read from.
--arithmetic draws a row per concept A, B, C (its samples, then the image of their mean latent
at the right), then G(Y), Y = mean A - mean B + mean C, at the right under those means, and
--noisy images of G(Y + u), u uniform in +-0.25, to its left (the paper's Fig. 7 shows 8).
--walk draws a row per segment, from one waypoint to the next, both included; its random
waypoints are the samples of `jaxgen sample --seed S --n K`. Points recipes (gan_ring8) draw
the walk's points over grey samples.""",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sample.add_argument("workdir")
    sample.add_argument(
        "--n",
        type=int,
        default=64,
        help="number of samples, or of the grid that indices pick from (default 64)",
    )
    sample.add_argument("--seed", type=int, default=0, help="sampling seed (default 0)")
    sample.add_argument(
        "--label",
        type=int,
        metavar="Y",
        help="class of every sample of a class-conditional recipe (cgan_*, acgan_*, pcgan_*); "
        "default: one column per class",
    )
    sample.add_argument(
        "--code",
        action="append",
        metavar="NAME=VALUE",
        help="fix an InfoGAN code of every sample (c1: its category; c2, c3, ...: continuous "
        "values, trained in [-1, 1]); repeat for several",
    )
    sample.add_argument(
        "--text",
        action="append",
        metavar="CAPTION",
        help='caption of the samples of a text-to-image recipe (gancls_*), e.g. "a thin '
        'right-slanted seven"; repeat for several (one column each)',
    )
    sample.add_argument(
        "--run", type=int, metavar="K", help="run K of a workdir trained with --seeds N"
    )
    sample.add_argument(
        "--out",
        help="output .png (picture), .npz (arrays) or, with --walk, .gif (animation); default "
        "WORKDIR/samples/{sample,walk,arithmetic}_seedS.png",
    )
    sample.add_argument(
        "--numbered",
        action="store_true",
        help="label each tile of the grid with its index, as --arithmetic and --through take",
    )
    sample.add_argument(
        "--no-progress", action="store_true", help="no progress bar (autoregressive models)"
    )
    sample.add_argument(
        "--walk", action="store_true", help="interpolate between latent points (DCGAN §6.1)"
    )
    sample.add_argument(
        "--points", type=int, metavar="K", help="with --walk: K random waypoints (default 2)"
    )
    sample.add_argument(
        "--through",
        metavar="I,J,...",
        help="with --walk: walk through these samples of the --seed/--n grid instead",
    )
    sample.add_argument(
        "--steps", type=int, metavar="S", help="with --walk: frames per segment (default 8)"
    )
    interpolation = sample.add_mutually_exclusive_group()
    interpolation.add_argument(
        "--slerp",
        dest="interpolation",
        action="store_const",
        const="slerp",
        help="with --walk: spherical interpolation (default; White 2016)",
    )
    interpolation.add_argument(
        "--linear",
        dest="interpolation",
        action="store_const",
        const="linear",
        help="with --walk: linear interpolation",
    )
    sample.add_argument(
        "--arithmetic",
        metavar="A-B+C",
        help="G(mean z[A] - mean z[B] + mean z[C]), with A, B, C comma-separated indices of "
        'samples of the --seed/--n grid, e.g. "3,7,9 - 1,4,5 + 2,8,11"',
    )
    sample.add_argument(
        "--noisy",
        type=int,
        metavar="N",
        help="with --arithmetic: N results with noise added to Y (default 8)",
    )
    sample.set_defaults(command=_sample)

    evaluate = commands.add_parser(
        "eval",
        help="measure a trained workdir: its samples (FID, KID, IS, precision/recall, modes) "
        "or an explicit model's held-out likelihood (nll)",
        description="Draws samples from WORKDIR's latest checkpoint and compares them with "
        "reference data on the data set's feature network; prints a table with the protocol "
        "card and writes it as JSON. For an explicit model (NADE, PixelCNN, VAE, ...) the "
        "default is the negative log-likelihood of the held-out split, in nats and bits/dim.",
    )
    evaluate.add_argument("workdir")
    evaluate.add_argument(
        "--metrics",
        help="comma-separated, of nll,fid,kid,is,pr,dc,modes (default: nll for explicit "
        "models; fid,kid,is,pr,dc for images; modes,fid,kid,pr,dc for toy points)",
    )
    evaluate.add_argument("--n", type=int, default=10_000, help="generated samples (default 10000)")
    evaluate.add_argument(
        "--ref",
        default="train",
        metavar="SOURCE",
        help="reference: train, test, all (splits of the run's data), NAME:SPLIT, or FILE.npz "
        "with an 'image' or 'x' array (default train)",
    )
    evaluate.add_argument(
        "--n-ref", type=int, help="reference samples (default: the whole reference set)"
    )
    evaluate.add_argument(
        "--split", default="test", help="nll: the held-out split, train|test|all (default test)"
    )
    evaluate.add_argument("--seed", type=int, default=0, help="sampling seed (default 0)")
    evaluate.add_argument(
        "--run", type=int, metavar="K", help="run K of a workdir trained with --seeds N"
    )
    evaluate.add_argument(
        "--batch-size", type=int, default=500, help="samples per batch (default 500)"
    )
    evaluate.add_argument(
        "--json", help="where to write the result (default WORKDIR/eval/step_STEP_nN_seedS.json)"
    )
    evaluate.add_argument("--no-progress", action="store_true", help="no progress bars")
    evaluate.set_defaults(command=_eval)

    add_judge_parser(commands)

    recipes = commands.add_parser("recipes", help="list the recipes")
    recipes.set_defaults(command=_recipes)
    return parser


def _train(args):
    from jaxgen import recipes
    from jaxgen.recipes.restore import has_checkpoint, recipe_of
    from jaxgen.train import train

    overrides = recipes.parse_overrides(args.overrides)
    if args.seeds is not None:
        overrides["seeds"] = args.seeds
    workdir = os.path.abspath(args.workdir or os.path.join("runs", args.recipe))
    if has_checkpoint(workdir):
        recipe = recipe_of(workdir, **overrides)
        if recipe.name != args.recipe:
            raise UserError(
                f"{workdir} holds a {recipe.name} run, not {args.recipe}; choose another --workdir"
            )
    else:
        recipe = recipes.get(args.recipe, **overrides)
    state = train(recipe, workdir, progress=not args.no_progress)
    runs = f"{recipe.runs} runs of " if recipe.runs > 1 else ""
    print(f"trained {runs}{recipe.name} to step {int(state.step)} in {workdir}")
    latest = os.path.join(workdir, "samples", "latest.png")
    if os.path.exists(latest):
        print(f"samples:     {latest}")
    print(f"metrics:     {os.path.join(workdir, 'metrics.jsonl')}")
    print(f"tensorboard: tensorboard --logdir {os.path.join(workdir, 'tensorboard')}")


def _load_run(workdir, run):
    """``(recipe, state)`` of one run: ``run`` of a ``--seeds N`` workdir, else the only one."""
    from jaxgen.recipes.restore import load

    recipe, state = load(workdir)
    if recipe.runs > 1 and run is None:
        raise UserError(
            f"{workdir} holds {recipe.runs} runs (--seeds); pick one with --run K "
            f"(0..{recipe.runs - 1})"
        )
    from jaxgen.train.runs import select

    return select(recipe, state, run or 0)


def _sample(args):
    import jax
    import numpy as np

    from jaxgen import latent
    from jaxgen.train import images, sampling_progress

    if args.n < 1:
        raise UserError(f"--n must be at least 1, got {args.n}")
    walk_options = {
        "--points": args.points,
        "--through": args.through,
        "--steps": args.steps,
        f"--{args.interpolation}": args.interpolation,
    }
    for option, value in walk_options.items():
        if value is not None and not args.walk:
            raise UserError(f"{option} goes with --walk")
    if args.noisy is not None and args.arithmetic is None:
        raise UserError("--noisy goes with --arithmetic")
    if args.walk and args.arithmetic is not None:
        raise UserError("--walk and --arithmetic draw different pictures: give one of them")
    mode = "walk" if args.walk else "arithmetic" if args.arithmetic is not None else "sample"
    codes = _parse_codes(args.code)
    if (args.label is not None or codes or args.text) and mode != "sample":
        raise UserError(
            "--label, --code and --text condition a sample grid; drop --walk / --arithmetic"
        )
    if args.numbered and mode != "sample":
        raise UserError(f"--numbered labels the plain sample grid, not --{mode}: drop one")
    suffixes = (".png", ".gif", ".npz") if mode == "walk" else (".png", ".npz")
    run = "" if args.run is None else f"_run{args.run}"
    out = args.out or os.path.join(args.workdir, "samples", f"{mode}_seed{args.seed}{run}.png")
    if not out.endswith(suffixes):
        raise UserError(
            f"--out{' with --' + mode if mode != 'sample' else ''} must end in "
            f"{', '.join(suffixes[:-1])} or {suffixes[-1]}, got {out}"
        )
    if args.numbered and not out.endswith(".png"):
        raise UserError(f"--numbered labels a .png, not {out}")
    if mode == "walk":
        kind = args.interpolation or "slerp"
        steps = 8 if args.steps is None else args.steps
        if steps < 1:
            raise UserError(f"--steps must be at least 1, got {steps}")
        if args.through is not None:
            if args.points is not None:
                raise UserError("--through picks the waypoints: drop --points")
            through = latent.parse_indices(args.through, args.n, option="--through")
            if len(through) < 2:
                raise UserError(f"--through needs at least 2 indices, got {args.through!r}")
        elif args.points is not None and args.points < 2:
            raise UserError(f"--points must be at least 2, got {args.points}")
    if mode == "arithmetic":
        groups = latent.parse_arithmetic(args.arithmetic, args.n)
        noisy = 8 if args.noisy is None else args.noisy
        if noisy < 0:
            raise UserError(f"--noisy must be at least 0, got {noisy}")

    recipe, state = _load_run(args.workdir, args.run)
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    key = jax.random.PRNGKey(args.seed)
    at = f"{recipe.name} at step {int(state.step)}"
    if mode == "sample":
        enabled = recipe.sample_positions > 0 and not args.no_progress
        with sampling_progress.position_bar(recipe.sample_positions, enabled=enabled):
            if codes and not recipe.latent_codes:
                raise UserError(
                    f"{recipe.name} has no latent codes: --code needs an infogan_* recipe"
                )
            if args.text and not recipe.vocabulary:
                raise UserError(
                    f"{recipe.name} reads no text: --text needs a text-to-image recipe (gancls_*)"
                )
            if codes:
                samples = recipe.sample(state, key, args.n, codes=codes)
            elif args.text:
                samples = recipe.sample(state, key, args.n, texts=args.text)
            elif recipe.num_classes:
                samples = recipe.sample(state, key, args.n, labels=args.label)
            elif args.label is not None:
                raise UserError(
                    f"{recipe.name} is not class-conditional: --label needs a cgan_*, acgan_* "
                    "or pcgan_* recipe"
                )
            else:
                samples = recipe.sample(state, key, args.n)
            samples = jax.device_get(samples)
        if out.endswith(".npz"):
            np.savez(out, **samples)
        elif args.numbered and "image" not in samples:
            raise UserError(
                f"--numbered labels image tiles; {recipe.name} generates points: "
                "use --out FILE.npz for the samples in index order"
            )
        elif args.numbered:
            images.save_png(images.numbered_grid(samples["image"]), out)
        else:
            images.save_png(images.picture(samples), out)
        print(f"{args.n} samples of {at}: {out}")
    elif mode == "walk":
        if args.through is not None:
            z_points = latent.sample_latents(recipe, key, args.n)[np.array(through)]
            frames = latent.walk_through(recipe, state, z_points, steps=steps, kind=kind)
        else:
            points = args.points or 2
            frames = latent.walk_images(recipe, state, key, points=points, steps=steps, kind=kind)
        frames = jax.device_get(frames)
        if out.endswith(".npz"):
            np.savez(out, **frames)
        elif "image" not in frames and out.endswith(".gif"):
            raise UserError(
                f"a .gif animates images; {recipe.name} generates points: use --out FILE.png"
            )
        elif "image" not in frames:
            reference = recipe.sample(state, jax.random.fold_in(key, 1), 2000)["x"]
            images.save_png(images.scatter_plot(frames["x"], reference=reference), out)
        elif out.endswith(".gif"):
            images.save_gif(frames["image"], out)
        else:
            images.save_png(images.walk_strip(frames["image"], steps), out)
        waypoints = (len(frames["z"]) - 1) // steps + 1
        print(f"{kind} walk of {len(frames['z'])} frames through {waypoints} points of {at}: {out}")
    else:
        z = latent.sample_latents(recipe, key, args.n)
        result = latent.arithmetic_images(
            recipe,
            state,
            *(z[np.array(group)] for group in groups),
            key=jax.random.fold_in(key, 1),
            num_noisy=noisy,
        )
        result = jax.device_get(result)
        data_key = "image" if "image" in result.result else "x"
        results = np.concatenate([result.result[data_key], result.noisy[data_key]])
        if out.endswith(".npz"):
            averages = {f"averages_{data_key}": result.averages[data_key]}
            np.savez(out, **{data_key: results}, **averages, z=result.z)
        elif data_key == "image":
            samples = jax.device_get(recipe.sample(state, key, args.n))["image"]
            concepts = [samples[np.array(group)] for group in groups]
            figure = images.arithmetic_figure(concepts, result.averages["image"], results)
            images.save_png(figure, out)
        else:
            reference = jax.device_get(recipe.sample(state, key, args.n))["x"]
            images.save_png(images.scatter_plot(results, reference=reference), out)
        a, b, c = (",".join(map(str, group)) for group in groups)
        print(f"mean[{a}] - mean[{b}] + mean[{c}] (+ {noisy} noisy) of {at}: {out}")


def _eval(args):
    from jaxgen.metrics.run_eval import evaluate_run, format_table, result_path, save_result

    recipe, state = _load_run(args.workdir, args.run)
    names = [name.strip().lower() for name in (args.metrics or "").split(",") if name.strip()]
    explicit = recipe.log_prob is not None
    if "nll" in names or (explicit and not names):
        _eval_nll(args, recipe, state)
        names = [name for name in names if name != "nll"]
        if not names:
            return
    result = evaluate_run(
        recipe,
        state,
        metrics=",".join(names) or None,
        num_samples=args.n,
        reference=args.ref,
        num_reference=args.n_ref,
        seed=args.seed,
        batch_size=args.batch_size,
        progress=not args.no_progress,
    )
    step = result["protocol"]["step"]
    out = args.json or result_path(args.workdir, step, args.n, args.seed, args.run)
    save_result(result, out)
    print(format_table(result))
    print(f"json: {out}")


def _eval_nll(args, recipe, state):
    from jaxgen.metrics.held_out import format_nll, held_out_nll
    from jaxgen.metrics.run_eval import save_result

    result = held_out_nll(
        recipe,
        state,
        split=args.split,
        batch_size=args.batch_size,
        seed=args.seed,
        progress=not args.no_progress,
    )
    step = result["protocol"]["step"]
    run = "" if args.run is None else f"_run{args.run}"
    name = f"step_{step:07d}_nll_{args.split}{run}.json"
    out = args.json or os.path.join(args.workdir, "eval", name)
    if args.json and args.metrics and args.metrics.strip().lower() != "nll":
        out = f"{os.path.splitext(args.json)[0]}_nll.json"  # the sample metrics take --json
    save_result(result, out)
    print(format_nll(result))
    print(f"json: {out}")


def _parse_codes(items):
    """``--code c1=3 --code c2=0.5`` → ``{"c1": 3, "c2": 0.5}`` (one-line errors)."""
    codes = {}
    for item in items or ():
        name, sep, text = item.partition("=")
        if not sep or not name.strip():
            raise UserError(f"--code {item!r}: expected NAME=VALUE, e.g. --code c1=3")
        try:
            value = float(text)
        except ValueError:
            raise UserError(f"--code {item!r}: the value must be a number") from None
        codes[name.strip()] = int(value) if name.strip() == "c1" and value.is_integer() else value
    return codes


def _recipes(args):
    from jaxgen import recipes
    from jaxgen.recipes import (
        conditional_recipes,
        likelihood,
        objective_recipes,
        parts_to_whole,
        text_to_image,
    )

    for name in recipes.names():
        # A recipe's module is named after it (dcgan_mnist) or after its family (stargan_*).
        module = sys.modules.get(f"jaxgen.recipes.{name}") or sys.modules.get(
            f"jaxgen.recipes.{name.rsplit('_', 1)[0]}"
        )
        if name in objective_recipes.recipe_table():
            summary = objective_recipes.summary(name)
        elif name in conditional_recipes.recipe_table():
            summary = conditional_recipes.summary(name)
        elif name in text_to_image.recipe_names():
            summary = text_to_image.summary(name)
        elif likelihood.is_likelihood_recipe(name):
            summary = likelihood.summary(name)
        elif name in parts_to_whole.RECIPE_NAMES:
            summary = parts_to_whole.summary(name)
        elif hasattr(module, "summary"):
            summary = module.summary(name)
        else:
            summary = (module.__doc__ or "").strip().split("\n")[0] if module else ""
            summary = summary.split(": ", 1)[-1] if summary.startswith("``") else summary
        print(f"{name:32s} {summary}")


if __name__ == "__main__":
    sys.exit(main())
