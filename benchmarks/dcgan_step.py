"""Steps/s of the ``dcgan_mnist`` train step (DESIGN.md reference networks, batch 64) and
this machine's float32 matmul peak, measured in the same run.

    .venv/bin/python benchmarks/dcgan_step.py [--steps 50] [--batch 64]

One step is the recipe's jitted step: one discriminator update (a real batch and fresh
fakes) then one generator update, non-saturating loss, Adam(2e-4, β1 = 0.5), batch norm in
training mode. FLOPs per step come from XLA's cost analysis of the compiled step. The
comparison with a PyTorch reference of the same step is benchmarks/step_vs_torch.py.
"""

import argparse
import time

import jax
from machine import cpu_name, matmul_peak

from jaxgen import recipes
from jaxgen.train.mesh import put_batch


def step_rate(recipe_name, steps, batch_size):
    recipe = recipes.get(recipe_name, batch_size=batch_size)
    state = recipe.init(jax.random.PRNGKey(0), recipe.example_batch())
    batch = put_batch(recipe.dataset("train").batch(0), recipe.mesh)
    flops = recipe.step.lower(state, batch).compile().cost_analysis().get("flops", float("nan"))
    state, metrics = recipe.step(state, batch)  # compile
    jax.block_until_ready(metrics)
    rates = []
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(steps):
            state, metrics = recipe.step(state, batch)
        jax.block_until_ready(metrics)
        rates.append(steps / (time.perf_counter() - start))
    return max(rates), flops


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--batch", type=int, default=64)
    args = parser.parse_args()
    peak = matmul_peak()
    rows = []
    for name in ("dcgan_mnist", "dcgan_digits"):
        rate, flops = step_rate(name, args.steps, args.batch)
        achieved = rate * flops / 1e9
        rows.append(
            (
                name,
                f"{args.batch}",
                f"{rate:.1f}",
                f"{flops / 1e9:.3f}",
                f"{achieved:.1f}",
                f"{achieved / peak:.1%}",
            )
        )
    print(
        f"device: {jax.devices()[0].device_kind} x{jax.device_count()}, "
        f"cpu: {cpu_name()}, jax {jax.__version__}"
    )
    print(f"float32 matmul peak (2048², best of 10): {peak:.1f} GFLOP/s")
    header = ("recipe", "batch", "steps/s", "GFLOP/step", "GFLOP/s", "of peak")
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    for row in (header, *rows):
        print("  ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
