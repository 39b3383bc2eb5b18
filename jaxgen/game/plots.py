"""Pictures of game dynamics (matplotlib, object-oriented API: no pyplot, no global state).

- ``phase_portrait``: trajectories of a two-parameter game over its update direction −ξ;
- ``distance_plot``: distance to the equilibrium against steps (log scale);
- ``coverage_plot`` and ``samples_grid``: modes covered along training and sample scatters,
  for GANs on toy mixtures;
- ``eigenvalue_plot``: η·λ for eigenvalues λ of the game Jacobian, over the stability region of
  each rule on the linear test problem θ' = θ − η·λ·θ (Dahlquist's test equation for games,
  Gidel et al. 2019; Mescheder et al. 2017, §3): with z = η·λ the amplification factor is
  1 − z for simultaneous steps, 1 − z + z² for extragradient, and the largest root modulus of
  r² − (1 − 2z)·r − z for optimistic steps. A rule is stable where it is below 1.

Each function returns a ``matplotlib.figure.Figure``; save it with ``fig.savefig(path)``.
"""

import numpy as np


def _figure(ax, figsize):
    from matplotlib.figure import Figure

    if ax is not None:
        return ax.figure, ax
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


def phase_portrait(
    field,
    trajectories,
    *,
    xlim=(-2, 2),
    ylim=(-2, 2),
    equilibrium=(0.0, 0.0),
    ax=None,
    labels=("θ (generator)", "ψ (discriminator)"),
    title=None,
    resolution=21,
):
    """Trajectories over the update direction −ξ of a game with one scalar per player.

    Args:
      field: ``field(x, y) -> (ξ_x, ξ_y)`` on numpy arrays (e.g. from ``gradient_field``).
      trajectories: ``{label: (xs [T], ys [T])}``.
      xlim, ylim: the plotted window.
      equilibrium: marked with a star (None for no mark).
    """
    fig, ax = _figure(ax, (5, 5))
    gx, gy = np.meshgrid(np.linspace(*xlim, resolution), np.linspace(*ylim, resolution))
    u, v = field(gx, gy)
    ax.streamplot(gx, gy, -np.asarray(u), -np.asarray(v), color="0.75", density=0.8, linewidth=0.7)
    for label, (xs, ys) in trajectories.items():
        line = ax.plot(xs, ys, lw=1.2, label=label)[0]
        ax.plot(xs[0], ys[0], "o", color=line.get_color(), ms=4)
    if equilibrium is not None:
        ax.plot(*equilibrium, "*", color="k", ms=10, zorder=5)
    ax.set(xlim=xlim, ylim=ylim, xlabel=labels[0], ylabel=labels[1], title=title)
    ax.legend(fontsize=7, loc="upper right")
    return fig


def distance_plot(distances, *, ax=None, title=None, ylabel="distance to equilibrium"):
    """``{label: distances [T]}`` against steps on a log scale."""
    fig, ax = _figure(ax, (6, 4))
    for label, values in distances.items():
        ax.semilogy(np.arange(len(values)), np.maximum(values, 1e-300), lw=1.2, label=label)
    ax.set(xlabel="step", ylabel=ylabel, title=title)
    ax.legend(fontsize=7)
    return fig


def amplification(rule, z):
    """The amplification factor of ``rule`` at z = η·λ (module docstring); z may be an array."""
    z = np.asarray(z, np.complex128)
    if rule == "simultaneous":
        return np.abs(1 - z)
    if rule == "extragradient":
        return np.abs(1 - z + z**2)
    if rule == "optimistic":
        # Roots of r² − (1 − 2z)r − z, by the quadratic formula.
        b, c = -(1 - 2 * z), -z
        root = np.sqrt(b * b - 4 * c)
        return np.maximum(np.abs((-b + root) / 2), np.abs((-b - root) / 2))
    raise ValueError(
        f"no amplification factor for {rule!r}: simultaneous, extragradient, optimistic"
    )


def eigenvalue_plot(
    eigenvalues,
    step_size,
    *,
    rules=("simultaneous", "extragradient", "optimistic"),
    ax=None,
    title=None,
    extent=2.5,
):
    """η·λ in the complex plane with each rule's stability region boundary.

    Args:
      eigenvalues: ``{label: complex array}`` of game-Jacobian eigenvalues.
      step_size: η.
      rules: whose region {z : amplification(z) < 1} to outline.
    """
    fig, ax = _figure(ax, (5, 5))
    re, im = np.meshgrid(np.linspace(-extent, extent, 401), np.linspace(-extent, extent, 401))
    for i, rule in enumerate(rules):
        color = f"C{i % 10}"
        ax.contour(re, im, amplification(rule, re + 1j * im), levels=[1.0], colors=color)
        ax.plot([], [], color=color, label=f"{rule}: stable inside")
    markers = "ox^svD<>"
    for i, (label, values) in enumerate(eigenvalues.items()):
        marker = markers[i % len(markers)]
        z = step_size * np.asarray(values)
        ax.plot(z.real, z.imag, marker, ls="none", mfc="none", ms=7, label=f"η·λ, {label}")
    ax.axhline(0, color="0.8", lw=0.5)
    ax.axvline(0, color="0.8", lw=0.5)
    ax.set(xlabel="Re η·λ", ylabel="Im η·λ", aspect="equal", title=title)
    ax.legend(fontsize=7, loc="lower left")
    return fig


def coverage_plot(curves, *, num_modes, ax=None, title=None, xlabel="step"):
    """Modes covered along training, mean ± standard error over runs.

    Args:
      curves: ``{label: (steps [E], modes [runs, E])}``; a label starting with ``"G "`` is
        dashed (a generator-side variant).
      num_modes: the mixture's number of modes (the y-axis limit).
    """
    fig, ax = _figure(ax, (5, 3.6))
    for label, (steps, modes) in curves.items():
        modes = np.asarray(modes, np.float64)
        se = modes.std(axis=0, ddof=1) / np.sqrt(modes.shape[0])
        style = "--" if label.startswith("G ") else "-"
        ax.errorbar(
            steps, modes.mean(axis=0), yerr=se, ls=style, marker="o", ms=3, capsize=2, label=label
        )
    ax.set(title=title, xlabel=xlabel, ylabel="modes covered (mean ± s.e.)")
    ax.set_ylim(0, num_modes + 0.5)
    ax.legend(fontsize=7, loc="lower right")
    return fig


def samples_grid(panels, centers, *, columns, figsize_per_panel=2.2):
    """Scatter plots of 2-D samples, one panel per ``{title: samples [N, 2]}``, mode centers as ×.

    ``centers`` is one ``[M, 2]`` array, or a dict with the same keys as ``panels``.
    """
    from matplotlib.figure import Figure

    rows = -(-len(panels) // columns)
    fig = Figure(
        figsize=(figsize_per_panel * columns, figsize_per_panel * rows), layout="constrained"
    )
    for i, (title, samples) in enumerate(panels.items()):
        ax = fig.add_subplot(rows, columns, i + 1)
        mode_centers = np.asarray(centers[title] if isinstance(centers, dict) else centers)
        samples = np.asarray(samples)
        ax.scatter(samples[:, 0], samples[:, 1], s=0.3, alpha=0.5, rasterized=True)
        ax.scatter(mode_centers[:, 0], mode_centers[:, 1], s=8, c="r", marker="x")
        limit = 1.6 * np.abs(mode_centers).max()
        ax.set(xlim=(-limit, limit), ylim=(-limit, limit), xticks=[], yticks=[], aspect="equal")
        ax.set_title(title, fontsize=7)
    return fig
