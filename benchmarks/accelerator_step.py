"""Steps/s of a recipe's train step on whatever accelerator JAX finds (GPU, TPU; CPU works
too), on synthetic data, with the card's matmul peak measured in the same run.

    python benchmarks/accelerator_step.py                      # dcgan_celeba64, batch 256
    python benchmarks/accelerator_step.py --recipe dcgan_mnist --batch 64
    python benchmarks/accelerator_step.py --small              # tiny preset, batch 8 (tests)
    python benchmarks/accelerator_step.py --recipe stargan_celeba --batch 16 --steps 5

The batch is uniform noise in [-1, 1] of the recipe's image shape, put on the devices once, so
the number is the step alone (no data loading: CelebA needs a TFDS download). FLOPs per step
come from XLA's cost analysis of the step lowered for the CPU, before the backend's passes: the
analysis of the compiled GPU program leaves out the convolutions that XLA hands to cuDNN (it
gave 5.4 GFLOP for the 1,139 of dcgan_celeba64 at batch 256 on an H200). The peak is the best of
square matmuls of ``--peak-size`` in float32 (JAX's default precision: TF32 on NVIDIA tensor
cores) and in bfloat16, so ``of f32 peak`` compares the step with what this card's matmul
reaches here, not with a datasheet. With ``--dtypes float32,bfloat16`` a recipe whose config has
``compute_dtype`` is measured in each (parameters stay float32); ``--steps-per-call 1,10``
measures each ``k`` of ``jaxgen.train.multistep`` (column ``k``).
"""

import argparse
import itertools
import time

import jax
import numpy as np
from machine import matmul_peak

from jaxgen import recipes
from jaxgen.train.mesh import put_batch


def step_flops(recipe, state, batch):
    """FLOPs of one call of the step, from XLA's analysis of the program lowered for the CPU
        (before any backend pass). jax 0.11.2 on an H200 gave no count at all (``nan`` in the
    table); ``--flops-only`` prints the count from shapes alone, on any machine."""
    lowered = recipe.step.trace(state, batch).lower(lowering_platforms=("cpu",))
    return (lowered.cost_analysis() or {}).get("flops", float("nan"))


def leading_shape(recipe):
    """The leading axes of what one call of the step takes (``jaxgen.train.loop.call_batch``):
    the call's steps, then the batches of one step (StarGAN's critic updates)."""
    calls, count = recipe.steps_per_call, recipe.batches_per_step
    return (calls,) * (calls > 1) + (count,) * (count > 1)


def step_rate(recipe, steps):
    """(best steps/s of three windows of ``steps`` steps, FLOPs per step, compile seconds)."""
    example = recipe.example_batch()
    calls = recipe.steps_per_call
    rng = np.random.default_rng(0)
    shape = leading_shape(recipe)
    batch = {k: rng.uniform(-1, 1, shape + v.shape).astype(v.dtype) for k, v in example.items()}
    batch = put_batch(batch, recipe.mesh, stacked=len(shape))
    state = recipe.init(jax.random.PRNGKey(0), example)
    start = time.perf_counter()
    lowered = recipe.step.lower(state, batch)
    lowered.compile()
    compile_s = time.perf_counter() - start
    flops = step_flops(recipe, state, batch)  # a loop body is counted once: one step
    state, metrics = recipe.step(state, batch)
    jax.block_until_ready(metrics)
    best = 0.0
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(max(1, steps // calls)):
            state, metrics = recipe.step(state, batch)
        jax.block_until_ready((state, metrics))
        best = max(best, max(1, steps // calls) * calls / (time.perf_counter() - start))
    return best, flops, compile_s


def print_flops(args):
    """GFLOP per step of each dtype, from shapes alone (nothing is initialized or run)."""
    for dtype in args.dtypes.split(","):
        dtype_key = {} if dtype == "float32" else {"compute_dtype": dtype}  # not every recipe
        recipe = recipes.get(args.recipe, batch_size=args.batch, **dtype_key)
        example = recipe.example_batch()
        state = jax.eval_shape(lambda: recipe.init(jax.random.PRNGKey(0), example))  # noqa: B023
        shape = leading_shape(recipe)
        stacked = {k: np.zeros(shape + v.shape, v.dtype) for k, v in example.items()}
        flops = step_flops(recipe, state, put_batch(stacked, recipe.mesh, stacked=len(shape)))
        print(f"{args.recipe} batch {args.batch} {dtype}: {flops / 1e9:.2f} GFLOP/step")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipe", default="dcgan_celeba64")
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--dtypes", default="float32", help="comma-separated compute dtypes")
    parser.add_argument(
        "--steps-per-call", default="1", help="comma-separated: steps per lax.scan call"
    )
    parser.add_argument("--peak-size", type=int, default=8192)
    parser.add_argument("--small", action="store_true", help="tiny preset, batch 8, 3 steps")
    parser.add_argument(
        "--flops-only", action="store_true", help="print GFLOP per step and run nothing"
    )
    args = parser.parse_args(argv)
    if args.flops_only:
        return print_flops(args)
    if args.small:
        args.batch, args.steps, args.peak_size = 8, 3, 256
    device = jax.devices()[0]
    print(f"device: {device.platform} {device.device_kind} x{jax.device_count()}, "
          f"jax {jax.__version__}")  # fmt: skip
    peaks = {d: matmul_peak(args.peak_size, dtype=d) / 1e3 for d in ("float32", "bfloat16")}
    print(f"matmul peak ({args.peak_size}², best of 10): float32 {peaks['float32']:.1f} "
          f"TFLOP/s, bfloat16 {peaks['bfloat16']:.1f} TFLOP/s")  # fmt: skip
    header = f"{'recipe':>16} {'batch':>5} {'dtype':>8} {'k':>4} {'steps/s':>9} "
    header += f"{'GFLOP/step':>10} "
    print(header + f"{'TFLOP/s':>8} {'of f32 peak':>11} {'of bf16 peak':>12} {'compile s':>9}")
    settings = itertools.product(args.dtypes.split(","), map(int, args.steps_per_call.split(",")))
    for dtype, calls in settings:
        overrides = {"batch_size": args.batch, **({"preset": "tiny"} if args.small else {})}
        if dtype != "float32":
            overrides["compute_dtype"] = dtype
        if calls > 1:  # the loop's intervals must be multiples of k; the benchmark has none
            overrides.update(steps_per_call=calls, steps=calls, log_every=calls, sample_every=0)
            overrides.update(checkpoint_every=calls)
        rate, flops, compile_s = step_rate(recipes.get(args.recipe, **overrides), args.steps)
        achieved = rate * flops / 1e12
        cells = [f"{args.recipe:>16}", f"{args.batch:>5}", f"{dtype:>8}", f"{calls:>4}"]
        cells += [f"{rate:9.1f}", f"{flops / 1e9:10.2f}", f"{achieved:8.2f}"]
        cells += [f"{achieved / peaks['float32']:11.1%}", f"{achieved / peaks['bfloat16']:12.1%}"]
        print(" ".join([*cells, f"{compile_s:9.1f}"]))


if __name__ == "__main__":
    main()
