"""The ``jaxgen`` command line: parses arguments, then calls recipes, train and metrics.

    jaxgen train RECIPE [--workdir DIR] [--set key=value ...]
    jaxgen sample WORKDIR [--n N] [--seed S] [--out FILE]
    jaxgen eval WORKDIR [--metrics fid,kid,is,pr,dc,modes] [--n N] [--ref SOURCE]
    jaxgen recipes

Mistakes the user can fix (an unknown recipe or config key, a missing workdir or data set,
a batch the devices cannot split, a corrupted checkpoint, a diverged loss) print one line,
``jaxgen: error: ...``, and exit with status 2.
"""

import argparse
import os
import sys

from jaxgen.errors import UserError


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
    train.add_argument("--no-progress", action="store_true", help="no progress bar")
    train.set_defaults(command=_train)

    sample = commands.add_parser("sample", help="draw samples from a trained workdir")
    sample.add_argument("workdir")
    sample.add_argument("--n", type=int, default=64, help="number of samples (default 64)")
    sample.add_argument("--seed", type=int, default=0, help="sampling seed (default 0)")
    sample.add_argument(
        "--out",
        help="output .png (picture) or .npz (arrays); default WORKDIR/samples/sample_seedS.png",
    )
    sample.set_defaults(command=_sample)

    evaluate = commands.add_parser(
        "eval",
        help="measure a trained workdir's samples (FID, KID, IS, precision/recall, modes)",
        description="Draws samples from WORKDIR's latest checkpoint and compares them with "
        "reference data on the data set's feature network; prints a table with the protocol "
        "card and writes it as JSON.",
    )
    evaluate.add_argument("workdir")
    evaluate.add_argument(
        "--metrics",
        help="comma-separated, of fid,kid,is,pr,dc,modes "
        "(default: fid,kid,is,pr,dc for images; modes,fid,kid,pr,dc for toy points)",
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
    evaluate.add_argument("--seed", type=int, default=0, help="sampling seed (default 0)")
    evaluate.add_argument(
        "--batch-size", type=int, default=500, help="samples per batch (default 500)"
    )
    evaluate.add_argument(
        "--json", help="where to write the result (default WORKDIR/eval/step_STEP_nN_seedS.json)"
    )
    evaluate.add_argument("--no-progress", action="store_true", help="no progress bars")
    evaluate.set_defaults(command=_eval)

    recipes = commands.add_parser("recipes", help="list the recipes")
    recipes.set_defaults(command=_recipes)
    return parser


def _parse_overrides(pairs):
    overrides = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UserError(f"--set takes KEY=VALUE, got {pair!r}")
        overrides[key.strip()] = value
    return overrides


def _train(args):
    from jaxgen import recipes
    from jaxgen.recipes.restore import has_checkpoint, recipe_of
    from jaxgen.train import train

    overrides = _parse_overrides(args.overrides)
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
    print(f"trained {recipe.name} to step {int(state.step)} in {workdir}")
    latest = os.path.join(workdir, "samples", "latest.png")
    if os.path.exists(latest):
        print(f"samples:     {latest}")
    print(f"metrics:     {os.path.join(workdir, 'metrics.jsonl')}")
    print(f"tensorboard: tensorboard --logdir {os.path.join(workdir, 'tensorboard')}")


def _sample(args):
    import jax
    import numpy as np

    from jaxgen.recipes.restore import load
    from jaxgen.train.images import picture, save_png

    if args.n < 1:
        raise UserError(f"--n must be at least 1, got {args.n}")
    out = args.out or os.path.join(args.workdir, "samples", f"sample_seed{args.seed}.png")
    if not out.endswith((".png", ".npz")):
        raise UserError(f"--out must end in .png or .npz, got {out}")
    recipe, state = load(args.workdir)
    samples = jax.device_get(recipe.sample(state, jax.random.PRNGKey(args.seed), args.n))
    if out.endswith(".npz"):
        os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
        np.savez(out, **samples)
    else:
        save_png(picture(samples), out)
    print(f"{args.n} samples of {recipe.name} at step {int(state.step)}: {out}")


def _eval(args):
    from jaxgen.metrics.run_eval import evaluate_run, format_table, result_path, save_result
    from jaxgen.recipes.restore import load

    recipe, state = load(args.workdir)
    result = evaluate_run(
        recipe,
        state,
        metrics=args.metrics,
        num_samples=args.n,
        reference=args.ref,
        num_reference=args.n_ref,
        seed=args.seed,
        batch_size=args.batch_size,
        progress=not args.no_progress,
    )
    step = result["protocol"]["step"]
    out = args.json or result_path(args.workdir, step, args.n, args.seed)
    save_result(result, out)
    print(format_table(result))
    print(f"json: {out}")


def _recipes(args):
    from jaxgen import recipes

    for name in recipes.names():
        module = sys.modules.get(f"jaxgen.recipes.{name}")
        summary = (module.__doc__ or "").strip().split("\n")[0] if module else ""
        summary = summary.split(": ", 1)[-1] if summary.startswith("``") else summary
        print(f"{name:18s} {summary}")


if __name__ == "__main__":
    sys.exit(main())
