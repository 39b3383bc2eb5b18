"""Mescheder, Geiger & Nowozin 2018's Dirac-GAN for every objective × regularizer × scheme.

    .venv/bin/python -m experiments.dirac_gan.run [--out DIR] [--steps N]

Plays each of the 20 games (4 objectives × {none, R1, R2, instance noise, consensus}) from
``config.start`` with plain SGD steps of size η, simultaneously, alternating (discriminator
first) and alternating with ``config.d_steps`` discriminator steps, all in float64. Prints two
markdown tables and writes them to ``results.md``, with ``trajectories.png`` and
``eigenvalues.png``, into ``--out`` (default: this folder, so a re-run regenerates the
committed files). Settings and the expected result: ``config.py``.

- convergence: the distance to the equilibrium (0, 0) after N steps and its minimum along the
  path; a run converges when the final distance is below ``config.tolerance``;
- spectra: the eigenvalues λ of the game Jacobian J = ∂ξ/∂(θ, ψ) at (0, 0) by autodiff beside
  their closed form, and the spectral radius ρ of each scheme's one-step map at (0, 0)
  (``step_matrix``): ρ < 1 means locally convergent, ρ > 1 locally repelling, and for the
  simultaneous scheme ρ = max |1 − η·λ|.
"""

import argparse
import pathlib
import time
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax
from matplotlib.figure import Figure

from experiments.dirac_gan.config import get_config
from experiments.entry import run_command
from experiments.figures import save_figure
from jaxgen import Pair
from jaxgen.game import (
    alternating,
    consensus,
    dirac_gan,
    eigenvalues,
    gradient_field,
    jacobian,
    plots,
    rollout,
    simultaneous,
)

OBJECTIVES = ("gan", "nsgan", "wgan", "wgan_gp")
REGULARIZERS = ("none", "r1", "r2", "instance_noise", "consensus")
SCHEMES = ("simultaneous", "alternating", "alternating_d_steps")
EQUILIBRIUM = (0.0, 0.0)
FOLDER = pathlib.Path(__file__).parent
DPI = 90


class RunResult(NamedTuple):
    """One game played by one scheme for ``config.steps`` steps."""

    objective: str
    regularizer: str
    scheme: str
    final: float  # distance to (0, 0) after the last step
    closest: float  # smallest distance to (0, 0) along the path, start included
    converges: bool  # final < config.tolerance
    thetas: np.ndarray  # [steps + 1]
    psis: np.ndarray  # [steps + 1]


class Spectrum(NamedTuple):
    """The linearization of one game at the equilibrium."""

    objective: str
    regularizer: str
    eigenvalues: np.ndarray  # [2] complex: of J = ∂ξ/∂(θ, ψ), by autodiff
    closed_form: np.ndarray  # [2] complex: the same from the formulas of ``closed_form``
    jacobian: np.ndarray  # [2, 2]: J at (0, 0), by autodiff
    radius: dict  # scheme -> spectral radius of its one-step map at (0, 0)


class Results(NamedTuple):
    runs: list  # [RunResult], objectives × regularizers × schemes
    spectra: list  # [Spectrum], objectives × regularizers


def make_game(objective, regularizer, config):
    """The Dirac-GAN ``objective`` with ``regularizer`` ("none", ..., or "consensus")."""
    if regularizer == "consensus":
        return consensus(dirac_gan(objective, gamma=config.gamma), config.consensus_gamma)
    regularizer = None if regularizer == "none" else regularizer
    return dirac_gan(objective, regularizer, gamma=config.gamma, sigma=config.sigma)


def make_rule(scheme, config):
    sgd = optax.sgd(config.eta)
    if scheme == "simultaneous":
        return simultaneous(sgd)
    if scheme == "alternating":
        return alternating(sgd)
    if scheme == "alternating_d_steps":
        return alternating(sgd, d_steps=config.d_steps)
    raise ValueError(f"unknown scheme {scheme!r}: choose one of {', '.join(SCHEMES)}")


def closed_form(objective, regularizer, config) -> np.ndarray:
    """The eigenvalues of J at (0, 0) from the formulas (tests/game/test_games.py derives them).

    With a = f′(0) (½ for the GAN and NS-GAN, 1 for the WGAN and WGAN-GP) and c the ψψ entry,
    J = [[0, −a], [a, c]] and λ = c/2 ± √(c²/4 − a²): c = γ with R1 or R2 (∇_x D = ψ at every
    x, so both add γ/2·ψ²), c = σ²/2 with instance noise on the GAN and NS-GAN (f″ ≠ 0), and
    c = 0 otherwise: the WGAN critic's loss ψ·θ is linear in the data, so noise averages out.
    Consensus adds γ_c·JᵀJ = γ_c·a²·I (ξ = 0 there), so λ = γ_c·a² ± i·a.

    WGAN-GP's penalty γ/2·(|ψ| − 1)² has a kink at ψ = 0, where the field jumps by 2γ: J does
    not exist there. Autodiff differentiates ``safe_norm``'s zero branch and adds nothing to
    J, so the formulas above with c = 0 (plus γ for R1, R2) are what it returns.
    """
    slope = 0.5 if objective in ("gan", "nsgan") else 1.0
    if regularizer == "consensus":
        shift = config.consensus_gamma * slope**2
        return np.array([shift + 1j * slope, shift - 1j * slope])
    curvature = {
        "r1": config.gamma,
        "r2": config.gamma,
        "instance_noise": config.sigma**2 / 2 if objective in ("gan", "nsgan") else 0.0,
    }.get(regularizer, 0.0)
    root = np.sqrt(complex(curvature**2 / 4 - slope**2))
    return np.array([curvature / 2 + root, curvature / 2 - root])


def step_matrix(jacobian, scheme, config) -> np.ndarray:
    """The ``[2, 2]`` linearization of one SGD step of ``scheme`` at a fixed point.

    With J = [[J_θθ, J_θψ], [J_ψθ, J_ψψ]] the game Jacobian there, a simultaneous step acts as
    I − η·J, a discriminator step as D = [[1, 0], [−η·J_ψθ, 1 − η·J_ψψ]] and a generator step
    as G = [[1 − η·J_θθ, −η·J_θψ], [0, 1]]; alternating with k discriminator steps first acts
    as G·D^k. (The test checks these against autodiff through ``rule.step``.)
    """
    jacobian = np.asarray(jacobian, np.float64)
    eta = config.eta
    if scheme == "simultaneous":
        return np.eye(2) - eta * jacobian
    d_step = np.array([[1.0, 0.0], -eta * jacobian[1] + np.array([0.0, 1.0])])
    g_step = np.array([np.array([1.0, 0.0]) - eta * jacobian[0], [0.0, 1.0]])
    k = {"alternating": 1, "alternating_d_steps": config.d_steps}[scheme]
    return g_step @ np.linalg.matrix_power(d_step, k)


def spectral_radius(matrix) -> float:
    return float(np.abs(np.linalg.eigvals(matrix)).max())


def run(config) -> Results:
    """Every objective × regularizer × scheme: the runs and the spectra (float64)."""
    with jax.enable_x64(True):
        start = Pair(*(jnp.float64(x) for x in config.start))
        equilibrium = Pair(*(jnp.float64(x) for x in EQUILIBRIUM))
        runs, spectra = [], []
        for objective in OBJECTIVES:
            for regularizer in REGULARIZERS:
                game = make_game(objective, regularizer, config)
                for scheme in SCHEMES:
                    rule = make_rule(scheme, config)
                    path = rollout(game, rule, start, config.steps)
                    thetas, psis = np.asarray(path.g), np.asarray(path.d)
                    distance = np.hypot(thetas - EQUILIBRIUM[0], psis - EQUILIBRIUM[1])
                    final = float(distance[-1])
                    runs.append(
                        RunResult(
                            objective,
                            regularizer,
                            scheme,
                            final,
                            float(np.nanmin(distance)),
                            bool(final < config.tolerance),
                            thetas,
                            psis,
                        )
                    )
                game_jacobian = jacobian(game, equilibrium)
                radius = {
                    scheme: spectral_radius(step_matrix(game_jacobian, scheme, config))
                    for scheme in SCHEMES
                }
                spectra.append(
                    Spectrum(
                        objective,
                        regularizer,
                        eigenvalues(game, equilibrium),
                        closed_form(objective, regularizer, config),
                        np.asarray(game_jacobian),
                        radius,
                    )
                )
    return Results(runs, spectra)


def paper_statement(objective, regularizer) -> str:
    """What Mescheder et al. 2018 state for this game (sections of the ICML paper)."""
    gan_like = objective in ("gan", "nsgan")
    if regularizer == "none":
        return {
            "gan": "not convergent (§2)",
            "nsgan": "not convergent (§2)",
            "wgan": "not convergent (§3, WGAN)",
            "wgan_gp": "not convergent in general (§3, WGAN-GP)",
        }[objective]
    if objective == "wgan_gp":
        return "not covered ¹"
    if regularizer in ("r1", "r2"):
        return "convergent for small η (§3, zero-centered gradient penalties; §4)"
    if regularizer == "instance_noise":
        return "convergent for small η (§3, instance noise)" if gan_like else "not covered ²"
    return "convergent for small η (§3, consensus optimization)"


def scheme_label(scheme, config) -> str:
    return {
        "simultaneous": "simultaneous",
        "alternating": "alternating",
        "alternating_d_steps": f"alternating, {config.d_steps} D steps",
    }[scheme]


def convergence_table(results, config) -> str:
    head = ["objective", "regularizer"]
    for scheme in SCHEMES:
        label = scheme_label(scheme, config)
        head += [f"{label}: final", "min"]
    head += ["converges? (" + " / ".join(scheme_label(s, config) for s in SCHEMES) + ")"]
    head += ["paper"]
    lines = [_row(head), _row(["---"] * len(head))]
    by_game = {}
    for r in results.runs:
        by_game.setdefault((r.objective, r.regularizer), {})[r.scheme] = r
    for (objective, regularizer), runs in by_game.items():
        cells = [objective, regularizer]
        for scheme in SCHEMES:
            cells += [f"{runs[scheme].final:.1e}", f"{runs[scheme].closest:.1e}"]
        cells.append(" / ".join("yes" if runs[s].converges else "no" for s in SCHEMES))
        cells.append(paper_statement(objective, regularizer))
        lines.append(_row(cells))
    lines += [
        "",
        "¹ The paper treats WGAN-GP alone. Its penalty γ/2·(|ψ| − 1)² keeps its kink at ψ = 0, "
        "where the equilibrium lies, whatever is added to it.",
        "",
        "² The WGAN critic's loss ψ·(θ + ε₂) − ψ·ε₁ is linear in the noise, which averages out: "
        "the game is the unregularized one. The paper's instance-noise result needs f″(0) ≠ 0.",
    ]
    return "\n".join(lines)


def spectrum_table(results, config) -> str:
    head = ["objective", "regularizer", "λ of J (autodiff)", "λ closed form"]
    head += [f"ρ {scheme_label(s, config)}" for s in SCHEMES]
    lines = [_row(head), _row(["---"] * len(head))]
    for s in results.spectra:
        cells = [s.objective, s.regularizer, _pair(s.eigenvalues), _pair(s.closed_form)]
        cells += [f"{s.radius[scheme]:.4f}" for scheme in SCHEMES]
        lines.append(_row(cells))
    return "\n".join(lines)


def _row(cells):
    return "| " + " | ".join(cells) + " |"


def _pair(values):
    """Two eigenvalues as ``a ± bi`` (a conjugate pair) or ``a, b`` (two reals)."""
    values = np.asarray(values, np.complex128)
    values = values[np.argsort(-values.imag)]
    if abs(values[0].imag) > 1e-12:
        return f"{_round(values[0].real)} ± {_round(values[0].imag)}i"
    return ", ".join(_round(v.real) for v in values)


def _round(x):
    return f"{round(float(x), 4) + 0.0:.4f}"  # + 0.0: no "-0.0000" for a rounding error


def trajectory_figure(results, config) -> Figure:
    """Phase portraits over −ξ, objectives × regularizers, with every scheme's path."""
    rows, cols = len(OBJECTIVES), len(REGULARIZERS)
    fig = Figure(figsize=(2.1 * cols, 2.1 * rows + 0.4), layout="constrained")
    axes = fig.subplots(rows, cols, sharex=True, sharey=True)
    paths = {(r.objective, r.regularizer, r.scheme): (r.thetas, r.psis) for r in results.runs}
    with jax.enable_x64(True):
        for i, objective in enumerate(OBJECTIVES):
            for j, regularizer in enumerate(REGULARIZERS):
                ax = axes[i, j]
                game = make_game(objective, regularizer, config)
                trajectories = {
                    scheme_label(s, config): paths[objective, regularizer, s] for s in SCHEMES
                }
                plots.phase_portrait(
                    _grid_field(game),
                    trajectories,
                    ax=ax,
                    title=f"{objective}, {regularizer}",
                    resolution=15,
                )
                ax.get_legend().remove()
                ax.title.set_fontsize(9)
                ax.set(xlabel="θ" if i == rows - 1 else "", ylabel="ψ" if j == 0 else "")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=len(SCHEMES), fontsize=8)
    fig.suptitle(
        f"Dirac-GAN from (θ, ψ) = {tuple(config.start)}, SGD η = {config.eta}, "
        f"{config.steps} steps; grey: −ξ",
        fontsize=10,
    )
    return fig


def _grid_field(game):
    """``field(θ, ψ) -> (ξ_θ, ξ_ψ)`` on numpy grids, one vmapped evaluation."""
    key = jax.random.PRNGKey(0)

    def at(theta, psi):
        xi, _, _, _ = gradient_field(game, Pair(theta, psi), None, None, key)
        return xi.g, xi.d

    batched = jax.jit(jax.vmap(at))

    def field(thetas, psis):
        g, d = batched(jnp.asarray(thetas.ravel()), jnp.asarray(psis.ravel()))
        return np.asarray(g).reshape(thetas.shape), np.asarray(d).reshape(thetas.shape)

    return field


def eigenvalue_figure(results, config) -> Figure:
    """η·λ at the equilibrium, one panel per objective, over the simultaneous stable disc."""
    fig = Figure(figsize=(7.0, 7.4), layout="constrained")
    axes = fig.subplots(2, 2).ravel()
    for ax, objective in zip(axes, OBJECTIVES, strict=True):
        values = {s.regularizer: s.eigenvalues for s in results.spectra if s.objective == objective}
        slope = 0.5 if objective in ("gan", "nsgan") else 1.0  # |Im λ| ≤ f′(0)
        plots.eigenvalue_plot(
            values,
            config.eta,
            rules=("simultaneous",),
            ax=ax,
            title=objective if objective != "wgan_gp" else "wgan_gp (J at the kink: autodiff's)",
            extent=1.25 * config.eta * slope,
        )
        ax.get_legend().remove()
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=3, fontsize=8)
    fig.suptitle(f"η·λ at (0, 0), η = {config.eta}: |1 − η·λ| < 1 inside the circle", fontsize=10)
    return fig


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m experiments.dirac_gan.run", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--out", type=pathlib.Path, default=FOLDER, help="output folder")
    parser.add_argument("--steps", type=int, default=None, help="steps per run (config.steps)")
    args = parser.parse_args(argv)
    config = get_config()
    if args.steps is not None:
        config.steps = args.steps
    args.out.mkdir(parents=True, exist_ok=True)
    began = time.time()
    results = run(config)
    seconds = time.time() - began
    settings = (
        f"η = {config.eta}, {config.steps} steps from (θ, ψ) = {tuple(config.start)}, "
        f"γ = {config.gamma} (R1, R2, WGAN-GP), σ = {config.sigma}, "
        f"consensus γ = {config.consensus_gamma}, tolerance {config.tolerance:g}, float64"
    )
    text = "\n\n".join(
        [
            "# Dirac-GAN results",
            settings,
            "## Distance to (0, 0)",
            convergence_table(results, config),
            "## Spectra at (0, 0)",
            spectrum_table(results, config),
        ]
    )
    print(text)
    (args.out / "results.md").write_text(text + "\n")
    save_figure(trajectory_figure(results, config), args.out / "trajectories.png", dpi=DPI)
    save_figure(eigenvalue_figure(results, config), args.out / "eigenvalues.png", dpi=DPI)
    print(f"\n{len(results.runs)} runs in {seconds:.1f} s; wrote {args.out}")


if __name__ == "__main__":
    run_command(main)
