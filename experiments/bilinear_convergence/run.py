"""Plays every update rule on V(x, y) = x·y and compares its radius with its linear map.

    .venv/bin/python -m experiments.bilinear_convergence.run [--out DIR] [--steps N]

prints the table as markdown and writes ``results.md``, ``trajectories.png`` and
``distance.png`` to DIR (default: this folder). Settings: ``config.py``.

With z = (x, y), the field of x·y is ξ = (y, −x) = B·z, B = [[0, 1], [−1, 0]], so a plain
gradient step of size η is z ← (I − ηB)·z. In w = x + iy, B is multiplication by −i and
I − ηB by 1 + iη. Each rule is a linear map of z (or of a larger state):

- simultaneous: I − ηB, a scaled rotation: the radius × √(1 + η²) per step (Mescheder et al.
  2017, §3);
- alternating, d first: (I − ηP_g·B)(I − ηP_d·B) with P_g = diag(1, 0), P_d = diag(0, 1):
  determinant 1, eigenvalues on the unit circle, an ellipse (Gidel et al. 2019, §3);
- extragradient: I − ηB(I − ηB) = (1 − η²)·I − ηB: the radius × √(1 − η² + η⁴) per step;
- optimistic: z_{t+1} = (I − 2ηB)·z_t + ηB·z_{t−1}, z_1 = (I − ηB)·z_0, the 4×4 companion
  map on (z_t, z_{t−1}); in w, w_t = a·r₁^t + b·r₂^t for the roots r of
  r² − (1 + 2iη)·r + iη, so |w_T| → |a|·|r₁|^T, r₁ the larger root (Daskalakis et al. 2018);
- consensus(γ), sga(λ): J = B is antisymmetric, so Jᵀξ = Aᵀξ = z and both fields are
  (B + c·I)·z: the map I − η(B + c·I), the radius × √((1 − ηc)² + η²) per step;
- unrolled(k, sgd(μ)), unroll="d": the generator's gradient y + 2kμ·x (tests/game/
  test_transforms.py), the map I − η·[[2kμ, 1], [−1, 0]];
- lookahead(simultaneous, k, α): S = I − ηB for k − 1 steps, then the slow weights move by
  (1 − α)·I + α·S^k (Chavdarova et al. 2021); after T = q·k + r steps z_T = S^r·L^q·z_0;
- SGD with momentum β (optax: m ← ξ + β·m, θ ← θ − η·m) on the state (z, m): one player p
  moves by [[I, −ηP_p], [0, I]]·[[I, 0], [P_p·B, I − (1 − β)·P_p]]; simultaneous play moves
  both at once (P = I), alternating play d then g (Gidel et al. 2019). Simultaneous play is
  then the heavy-ball recurrence w_{t+1} = (1 + β + iη)·w_t − β·w_{t−1}, w_1 = (1 + iη)·w_0.

The closed form of each rule is ‖z_T‖ from its map, by numpy matrix powers; the scalar
formula is r₀·ρ^T for the scaled rotations and |a|·|r₁|^T for the two-step recurrences (the
smaller root's term falls below float64 precision relative to it after ~16 optimistic and ~53
heavy-ball steps: |r₂/r₁| ≈ 0.10 and 0.50); the rate is the spectral radius of the map per step.
"""

import argparse
import pathlib
import sys
import time
from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from experiments.bilinear_convergence.config import get_config
from experiments.entry import run_command
from experiments.figures import save_figure
from jaxgen import Pair
from jaxgen.game import (
    Rule,
    alternating,
    bilinear,
    consensus,
    extragradient,
    lookahead,
    optimistic,
    rollout,
    sga,
    simultaneous,
    unrolled,
)

FOLDER = pathlib.Path(__file__).parent
B = np.array([[0.0, 1.0], [-1.0, 0.0]])  # ξ = B·z on V = x·y
I2 = np.eye(2)
P_G, P_D = np.diag([1.0, 0.0]), np.diag([0.0, 1.0])  # each player's coordinate


class Spec(NamedTuple):
    """One rule: how to play it, and what its linear map predicts after ``steps``."""

    game: Callable
    rule: Rule
    exact: Callable[[int], float]  # steps -> ‖z_T‖ of the linear map
    scalar: Callable[[int], float] | None  # steps -> a scalar-rate formula, where one exists
    rate: float  # spectral radius of the map, per step


class Row(NamedTuple):
    rule: str
    measured: float  # ‖z_T‖ of the rollout
    exact: float
    scalar: float | None
    rate: float
    xs: np.ndarray  # [steps + 1]
    ys: np.ndarray  # [steps + 1]

    @property
    def relative_difference(self) -> float:
        return abs(self.measured - self.exact) / self.exact


def matrix_radius(matrix, state, steps):
    """‖z_T‖ where (z_T, ...) = matrix^steps · state and z is the first two coordinates."""
    return float(np.linalg.norm((np.linalg.matrix_power(matrix, steps) @ state)[:2]))


def spectral_radius(matrix):
    return float(np.max(np.abs(np.linalg.eigvals(matrix))))


def momentum_move(eta, beta, player):
    """One SGD-with-momentum update of the players selected by ``player`` on (z, m), 4×4."""
    accumulate = np.block([[I2, 0 * I2], [player @ B, I2 - (1 - beta) * player]])
    move = np.block([[I2, -eta * player], [0 * I2, I2]])
    return move @ accumulate


def two_step_recurrence(p, q, w0, w1):
    """Dominant-root closed form of w_{t+1} = p·w_t − q·w_{t−1} in w = x + iy.

    Returns steps -> |a|·|r₁|^steps, with r₁ the larger root of r² − p·r + q and
    w_t = a·r₁^t + b·r₂^t.
    """
    roots = np.roots([1.0, -p, q])
    r1, r2 = sorted(roots, key=abs, reverse=True)
    a = (w1 - r2 * w0) / (r1 - r2)
    return lambda steps: float(abs(a) * abs(r1) ** steps)


def specs(config) -> dict[str, Spec]:
    """Every rule of the experiment, in table order, with its linear map (module docstring)."""
    eta, beta = config.eta, config.momentum
    z0 = np.array(config.start, np.float64)
    r0, w0 = float(np.linalg.norm(z0)), complex(*config.start)
    sgd, game = optax.sgd(eta), bilinear()

    def linear(matrix, state=z0):
        return lambda steps: matrix_radius(matrix, state, steps)

    def rotation(matrix, factor, **rule):
        """A scaled rotation: w ← factor·w, so the radius is r₀·|factor|^T."""
        scalar = lambda steps: r0 * abs(factor) ** steps
        return Spec(**rule, exact=linear(matrix), scalar=scalar, rate=abs(factor))

    def general(matrix, state=z0, **rule):
        return Spec(**rule, exact=linear(matrix, state), scalar=None, rate=spectral_radius(matrix))

    gamma, lam = config.consensus_gamma, config.sga_lambda
    k_unroll, mu = config.unrolled_k, config.unrolled_mu
    k, alpha = config.lookahead_k, config.lookahead_alpha
    out = {}
    out["simultaneous"] = rotation(I2 - eta * B, 1 + 1j * eta, game=game, rule=simultaneous(sgd))
    out["alternating (d first)"] = general(
        (I2 - eta * P_G @ B) @ (I2 - eta * P_D @ B), game=game, rule=alternating(sgd)
    )
    out["extragradient"] = rotation(
        I2 - eta * B @ (I2 - eta * B), 1 - eta**2 + 1j * eta, game=game, rule=extragradient(sgd)
    )

    companion = np.block([[I2 - 2 * eta * B, eta * B], [I2, 0 * I2]])
    after_one = np.concatenate([(I2 - eta * B) @ z0, z0])  # (z_1, z_0)
    scalar = two_step_recurrence(1 + 2j * eta, 1j * eta, w0, (1 + 1j * eta) * w0)
    out["optimistic"] = Spec(
        game=game,
        rule=optimistic(sgd),
        exact=lambda steps: r0 if steps == 0 else matrix_radius(companion, after_one, steps - 1),
        scalar=scalar,
        rate=spectral_radius(companion),
    )

    out[f"simultaneous + consensus(γ={gamma:g})"] = rotation(
        I2 - eta * (B + gamma * I2),
        1 - eta * gamma + 1j * eta,
        game=consensus(game, gamma),
        rule=simultaneous(sgd),
    )
    out[f"simultaneous + sga(λ={lam:g})"] = rotation(
        I2 - eta * (B + lam * I2),
        1 - eta * lam + 1j * eta,
        game=sga(game, lam),
        rule=simultaneous(sgd),
    )
    out[f"simultaneous + unrolled(k={k_unroll}, sgd(μ={mu:g}))"] = general(
        I2 - eta * np.array([[2 * k_unroll * mu, 1.0], [-1.0, 0.0]]),
        game=unrolled(game, k_unroll, optax.sgd(mu), unroll="d"),
        rule=simultaneous(sgd),
    )

    fast = I2 - eta * B
    slow = (1 - alpha) * I2 + alpha * np.linalg.matrix_power(fast, k)
    fast_factor, slow_factor = 1 + 1j * eta, 1 - alpha + alpha * (1 + 1j * eta) ** k
    out[f"lookahead(simultaneous, k={k}, α={alpha:g})"] = Spec(
        game=game,
        rule=lookahead(simultaneous(sgd), k, alpha),
        exact=lambda steps: float(
            np.linalg.norm(
                np.linalg.matrix_power(fast, steps % k)
                @ np.linalg.matrix_power(slow, steps // k)
                @ z0
            )
        ),
        scalar=lambda steps: (
            r0 * abs(fast_factor) ** (steps % k) * abs(slow_factor) ** (steps // k)
        ),
        rate=spectral_radius(slow) ** (1 / k),
    )

    momentum = optax.sgd(eta, momentum=beta)
    state0 = np.concatenate([z0, np.zeros(2)])  # optax starts the momentum at 0
    out[f"alternating + momentum(β={beta:g})"] = general(
        momentum_move(eta, beta, P_G) @ momentum_move(eta, beta, P_D),
        state0,
        game=game,
        rule=alternating(momentum),
    )
    heavy_ball = momentum_move(eta, beta, I2)
    scalar = two_step_recurrence(1 + beta + 1j * eta, beta, w0, (1 + 1j * eta) * w0)
    out[f"simultaneous + momentum(β={beta:g})"] = Spec(
        game=game,
        rule=simultaneous(momentum),
        exact=linear(heavy_ball, state0),
        scalar=scalar,
        rate=spectral_radius(heavy_ball),
    )
    return out


def run(config) -> list[Row]:
    """Plays every rule of ``specs(config)`` for ``config.steps`` steps in float64."""
    rows = []
    with jax.enable_x64(True):
        start = Pair(*(jnp.asarray(v, jnp.float64) for v in config.start))
        for label, spec in specs(config).items():
            trajectory = rollout(spec.game, spec.rule, start, config.steps)
            xs, ys = np.asarray(trajectory.g), np.asarray(trajectory.d)
            scalar = None if spec.scalar is None else spec.scalar(config.steps)
            rows.append(
                Row(
                    rule=label,
                    measured=float(np.hypot(xs[-1], ys[-1])),
                    exact=spec.exact(config.steps),
                    scalar=scalar,
                    rate=spec.rate,
                    xs=xs,
                    ys=ys,
                )
            )
    return rows


def markdown_table(rows, steps) -> str:
    lines = [
        f"| rule | measured radius after {steps:,} | closed form ‖M^{steps}·z₀‖ | relative "
        "difference | scalar formula | rate per step |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        scalar = "—" if row.scalar is None else f"{row.scalar:.10e}"
        lines.append(
            f"| {row.rule} | {row.measured:.10e} | {row.exact:.10e} | "
            f"{row.relative_difference:.1e} | {scalar} | {row.rate:.6f} |"
        )
    return "\n".join(lines)


def trajectory_figure(rows, config):
    from matplotlib.figure import Figure

    from jaxgen.game import plots

    fig = Figure(figsize=(16, 7), layout="constrained")
    window = (-config.window, config.window)
    for ax, row in zip(fig.subplots(2, 5).flat, rows, strict=True):
        plots.phase_portrait(
            lambda x, y: (y, -x),
            {f"radius {row.measured:.3g} at {config.steps:,}": (row.xs, row.ys)},
            xlim=window,
            ylim=window,
            ax=ax,
            labels=("x (minimizes)", "y (maximizes)"),
            title=row.rule,
        )
        ax.title.set_fontsize(9)
        ax.set_aspect("equal")
    fig.suptitle(f"V(x, y) = x·y from {tuple(config.start)}, η = {config.eta:g}")
    return fig


def distance_figure(rows, config):
    from jaxgen.game import plots

    fig = plots.distance_plot(
        {row.rule: np.hypot(row.xs, row.ys) for row in rows},
        ylabel="radius √(x² + y²)",
        title=f"V(x, y) = x·y from {tuple(config.start)}, η = {config.eta:g}",
    )
    fig.set_size_inches(8, 5)
    ax = fig.axes[0]
    # Extragradient and optimistic play contract at nearly the same rate (0.99504, 0.99494):
    # dashing every other curve keeps both visible.
    for line in ax.lines[1::2]:
        line.set_linestyle("--")
    ax.legend(fontsize=7)
    return fig


def positive_int(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}")
    return value


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m experiments.bilinear_convergence.run", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--out", type=pathlib.Path, default=FOLDER, help="output folder")
    parser.add_argument("--steps", type=positive_int, default=None, help="default: config.py")
    args = parser.parse_args(argv)
    if args.out.exists() and not args.out.is_dir():
        parser.error(f"--out {args.out} is a file, not a folder")
    config = get_config()
    if args.steps is not None:
        config.steps = args.steps
    begin = time.time()
    rows = run(config)
    seconds = time.time() - begin
    table = markdown_table(rows, config.steps)
    print(table)
    print(f"\n{len(rows)} rules, {config.steps:,} steps each, in {seconds:.1f} s", file=sys.stderr)
    args.out.mkdir(parents=True, exist_ok=True)
    command = "python -m experiments.bilinear_convergence.run"
    if args.steps is not None:
        command += f" --steps {args.steps}"
    (args.out / "results.md").write_text(
        f"`{command}`: V(x, y) = x·y from {tuple(config.start)}, η = {config.eta:g}, float64.\n\n"
        f"{table}\n"
    )
    save_figure(trajectory_figure(rows, config), args.out / "trajectories.png", colors=256)
    save_figure(distance_figure(rows, config), args.out / "distance.png", colors=256)
    return rows


if __name__ == "__main__":
    run_command(main)
