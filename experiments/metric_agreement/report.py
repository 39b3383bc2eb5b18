"""The tables of ``results.md`` and the figure ``fid_vs_n.png`` of experiments/metric_agreement.

Each function takes ``run.Results``.
"""

import io

import numpy as np
import PIL.Image
from matplotlib.figure import Figure

DPI = 90


def agreement_table(results) -> str:
    head = ["metric", "set", "jaxgen", "reference", "abs. difference", "rel. difference"]
    head += ["tolerance", "within"]
    lines = [_row(head), _row(["---"] * len(head))]
    for r in results.rows:
        ours, ref = _value(r.ours, r.ours_std), _value(r.reference, r.reference_std)
        relative = r.difference / abs(r.reference) if r.reference else float("inf")
        cells = [r.metric, r.set, ours, ref, f"{r.difference:.2g}", f"{relative:.2g}"]
        cells += [f"{r.tolerance_text} = {r.tolerance:.2g}", "yes" if r.within else "**no**"]
        lines.append(_row(cells))
    return "\n".join(lines)


def curve_table(results) -> str:
    curves = results.curves
    head = ["N"]
    for c in curves:
        head += [f"FID, {c.set} vs {c.reference}", f"MMD²_u, {c.set} vs {c.reference}"]
    lines = [_row(head), _row(["---"] * len(head))]
    for size in sorted(set().union(*(c.sizes.tolist() for c in curves))):
        cells = [f"{size:,}"]
        for c in curves:
            if size not in c.sizes:
                cells += ["", ""]
                continue
            fids, kids = c.fids[c.sizes == size][0], c.kids[c.sizes == size][0]
            cells.append(f"{fids.mean():.2f} ± {fids.std(ddof=1):.2f}")
            cells.append(f"{kids.mean():.1f} ± {kids.std(ddof=1):.1f}")
        lines.append(_row(cells))
    cells = ["fit FID_∞ + c/N"]
    for c in curves:
        cells.append(
            f"FID_∞ = {c.fid_infinity:.2f} ± {c.fid_infinity_se:.2f}, "
            f"c = {c.slope:,.0f} ± {c.slope_se:,.0f} (N ≥ {c.fit_min})"
        )
        cells.append(f"largest residual {c.max_residual:.2f}")
    lines.append(_row(cells))
    return "\n".join(lines)


def _value(mean, std):
    return f"{mean:.6g}" if np.isnan(std) else f"{mean:.6g} ± {std:.2g}"


def _row(cells):
    return "| " + " | ".join(cells) + " |"


def markdown(results, config) -> str:
    """``results.md``: the settings, the agreement table and the FID-versus-N table."""
    versions = ", ".join(f"{name} {v}" for name, v in results.versions.items())
    sets = ", ".join(f"{name} ({size:,})" for name, size in results.set_sizes.items())
    card = results.network_card
    return "\n\n".join(
        [
            "# Metric agreement results",
            f"Features: {card['name']} (weights sha256 {card['weights_sha256'][:12]}, test "
            f"accuracy {card['test_accuracy']:.4f}), 128 ReLU features of which "
            f"{results.dead_features} are 0 on every train image, and 10 logits. Reference set: "
            f"the {config.data} train split (4,000). Sets: {sets}. References: {versions}.",
            f"KID: {config.kid_subsets} subsets of min({config.kid_subset_size}, N, M) rows "
            f"(own subsets: jaxgen key PRNGKey({config.seed}), torch-fidelity rng_seed 2020); "
            f"IS: {config.is_splits} consecutive splits; std: ddof 0, over subsets. tr Σ: "
            f"tr Σ_set + tr Σ_train.",
            "## jaxgen beside the references",
            agreement_table(results),
            "## FID versus sample size",
            f"N images drawn without replacement from one set, against the whole of another; "
            f"float64; mean ± std (ddof 1) over {config.curve_seeds} draws (at N = the pool's "
            f"size every draw is the whole pool). MMD²_u: KID's unbiased estimator on the same "
            f"draws against the whole reference. Fit FID(N) = FID_∞ + c/N on the means, least "
            f"squares in 1/N, for N ≥ {config.fit_min_size}; ± its standard error over the "
            f"draws.",
            curve_table(results),
            f"{len(results.rows)} comparisons, {sum(r.within for r in results.rows)} within "
            f"tolerance; {results.seconds:.0f} s.",
        ]
    )


def curve_figure(results) -> Figure:
    """FID and the unbiased MMD² against N (log axis), one row per curve, with the fit."""
    curves = results.curves
    fig = Figure(figsize=(9.0, 2.9 * len(curves) + 0.5), layout="constrained")
    axes = fig.subplots(len(curves), 2, squeeze=False)
    for (fid_ax, kid_ax), c in zip(axes, curves, strict=True):
        fitted = c.sizes >= c.fit_min
        means, stds = c.fids.mean(1), c.fids.std(1, ddof=1)
        for mask, fill, label in ((fitted, "full", "fitted"), (~fitted, "none", "not fitted")):
            if mask.any():
                fid_ax.errorbar(
                    c.sizes[mask],
                    means[mask],
                    stds[mask],
                    fmt="o",
                    ms=4,
                    capsize=3,
                    color="C0",
                    fillstyle=fill,
                    label=f"FID, {label}",
                )
        line = np.geomspace(c.sizes.min(), c.sizes.max(), 100)
        label = (
            f"FID_∞ + c/N: FID_∞ = {c.fid_infinity:.1f} ± {c.fid_infinity_se:.1f}, "
            f"c = {c.slope:,.0f}"
        )
        fid_ax.plot(line, c.fid_infinity + c.slope / line, "--", color="C3", label=label)
        fid_ax.axhline(c.fid_infinity, color="C3", lw=0.8, ls=":")
        kid_ax.errorbar(
            c.sizes,
            c.kids.mean(1),
            c.kids.std(1, ddof=1),
            fmt="s",
            ms=4,
            capsize=3,
            color="C2",
            label="unbiased MMD² (KID's estimator)",
        )
        kid_ax.axhline(0, color="0.5", lw=0.8)
        title = f"{c.set} (N drawn) vs {c.reference} (all {c.reference_rows:,})"
        fid_ax.set(ylabel="FID", title=f"FID: {title}")
        kid_ax.set(ylabel="MMD²_u", title=f"KID: {title}")
        ticks = [n for n in (50, 100, 200, 500, 1000, 2000, 4000) if n in c.sizes]
        for ax in (fid_ax, kid_ax):
            ax.set_xscale("log")
            ax.set_xticks(ticks, [f"{n:,}" for n in ticks])
            ax.minorticks_off()
            ax.set_xlabel("N drawn")
            ax.legend(fontsize=7, loc="best")
            ax.grid(alpha=0.3)
    fig.suptitle(
        f"FID falls like 1/N, the unbiased MMD² stays put (mean ± std over "
        f"{curves[0].fids.shape[1]} draws per N)",
        fontsize=10,
    )
    return fig


def save_png(fig, path):
    """``fig`` as a PNG with a 64-colour palette: a third of the RGB file's size, for the repo."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    image = PIL.Image.open(buffer).convert("RGB")
    image.quantize(colors=64, method=PIL.Image.Quantize.MEDIANCUT).save(path, optimize=True)
