"""The study's report: fooling rates with Wilson 95% intervals, and two models compared.

    jaxgen judge WORKDIR --report [--compare WORKDIR2]

The fooling rate is the share of test trials (training trials excluded) in which a person
took the generated image for real: in 2AFC, the trials where they picked the real image as
the generated one (chance is 1/2: a model that fools people half of the time is
indistinguishable from the data); in single-image mode, the generated images they called
real (over the trials that showed a generated image). Per participant and pooled over all.

Wilson score interval (Wilson 1927) for k successes in n trials, p̂ = k/n, z = Φ⁻¹(0.975):

    centre = (p̂ + z²/2n) / (1 + z²/n),   half-width = z/(1 + z²/n) · √(p̂(1 − p̂)/n + z²/4n²)

It stays inside [0, 1] and keeps close to 95% coverage at the small n of a study, where the
normal interval p̂ ± z√(p̂(1 − p̂)/n) collapses to a point at p̂ = 0 or 1.

Two models (workdirs) are compared on their pooled counts by the two-proportion z-test,

    z = (p̂₁ − p̂₂) / √(p̄(1 − p̄)(1/n₁ + 1/n₂)),   p̄ = (k₁ + k₂)/(n₁ + n₂),   p = 2(1 − Φ(|z|)),

and Fisher's exact test on the 2×2 table (scipy), which holds at any n. Both treat answers as
independent; answers of one participant, or to one image, are not quite, so read p-values of
a study with few participants as indicative.
"""

import json
import math
import os
import statistics

from jaxgen.errors import UserError

Z95 = statistics.NormalDist().inv_cdf(0.975)


def wilson_interval(successes, n, z=Z95):
    """``(low, high)`` of the Wilson score interval; ``(nan, nan)`` when n is 0."""
    if n == 0:
        return math.nan, math.nan
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half_width = z / denominator * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half_width), min(1.0, centre + half_width)


def two_proportion_z_test(successes_a, n_a, successes_b, n_b):
    """``(z, two-sided p)`` of H0: both proportions are equal (pooled variance)."""
    pooled = (successes_a + successes_b) / (n_a + n_b)
    variance = pooled * (1 - pooled) * (1 / n_a + 1 / n_b)
    if variance == 0:
        return 0.0, 1.0  # every answer the same in both models: no evidence of a difference
    z = (successes_a / n_a - successes_b / n_b) / math.sqrt(variance)
    return z, 2 * (1 - statistics.NormalDist().cdf(abs(z)))


def fooled(row, mode):
    """Whether an answer took a generated image for real; None when it showed none."""
    if mode == "2afc":
        return row["answer"] != row["truth"]
    return row["answer"] == "real" if row["truth"] == "fake" else None


def summarize(rows, mode):
    """Fooling rate, Wilson 95% interval, accuracy and median response time per participant
    and overall, from the rows of ``store.answer_rows``; training answers are only counted."""
    test_rows = [row for row in rows if not row["training"]]
    names = sorted({row["participant"] for row in rows})
    return {
        "participants": {
            name: _stats([row for row in test_rows if row["participant"] == name], mode)
            for name in names
        },
        "overall": _stats(test_rows, mode),
        "training_answers": len(rows) - len(test_rows),
    }


def _stats(rows, mode):
    outcomes = [fooled(row, mode) for row in rows]
    counted = [outcome for outcome in outcomes if outcome is not None]
    n, k = len(counted), sum(counted)
    times = [row["response_ms"] for row in rows]
    return {
        "answers": len(rows),
        "trials": n,
        "fooled": k,
        "fooling_rate": k / n if n else math.nan,
        "ci95": list(wilson_interval(k, n)),
        "accuracy": sum(row["correct"] for row in rows) / len(rows) if rows else math.nan,
        "median_response_ms": statistics.median(times) if times else math.nan,
    }


def compare(overall_a, overall_b):
    """Difference of two models' pooled fooling rates, z-test and Fisher's exact test."""
    from scipy import stats

    k_a, n_a = overall_a["fooled"], overall_a["trials"]
    k_b, n_b = overall_b["fooled"], overall_b["trials"]
    if n_a == 0 or n_b == 0:
        raise UserError("--compare needs answers to test trials in both workdirs")
    z, p_value = two_proportion_z_test(k_a, n_a, k_b, n_b)
    _, fisher_p = stats.fisher_exact([[k_a, n_a - k_a], [k_b, n_b - k_b]])
    return {
        "difference": k_a / n_a - k_b / n_b,
        "z": z,
        "p_value": p_value,
        "fisher_p_value": float(fisher_p),
    }


def study_report(workdir):
    """The summary of ``WORKDIR/judge``'s study, with its settings."""
    from jaxgen.judge import store

    path = store.path_of(os.path.join(workdir, "judge"))
    if not os.path.isfile(path):
        raise UserError(f"{workdir} has no judge study: run `jaxgen judge {workdir}` first")
    settings = store.settings(path)
    summary = summarize(store.answer_rows(path), settings["mode"])
    return {"workdir": os.path.abspath(workdir), "settings": settings, **summary}


def build(workdir, compare_workdir=None):
    """The report of one study, or of two (``models``: first, then the one compared)."""
    studies = [study_report(workdir)]
    if compare_workdir is None:
        return {"models": studies}
    studies.append(study_report(compare_workdir))
    modes = [study["settings"]["mode"] for study in studies]
    if modes[0] != modes[1]:
        raise UserError(
            f"the studies use different modes ({modes[0]}, {modes[1]}): their fooling rates "
            "do not compare; run both with the same --mode"
        )
    return {"models": studies, "comparison": compare(studies[0]["overall"], studies[1]["overall"])}


def format_table(result):
    """The report as a text table, one block per model, then the comparison."""
    lines = []
    for study in result["models"]:
        settings = study["settings"]
        lines.append(
            f"{study['workdir']}: {settings['recipe']} at step {settings['step']}, "
            f"{settings['mode']}, reference {settings['reference']}"
            f" ({study['training_answers']} training answers not counted)"
        )
        lines.append(
            f"  {'participant':<20s} {'trials':>6s} {'fooled':>6s} {'rate':>6s} "
            f"{'95% Wilson':>15s} {'median ms':>9s}"
        )
        rows = [*study["participants"].items(), ("overall", study["overall"])]
        for name, stats in rows:
            low, high = stats["ci95"]
            interval = f"[{_number(low, '.3f')}, {_number(high, '.3f')}]"
            lines.append(
                f"  {name:<20.20s} {stats['trials']:>6d} {stats['fooled']:>6d} "
                f"{_number(stats['fooling_rate'])} {interval:>15s} "
                f"{_number(stats['median_response_ms'], '9.0f')}"
            )
    if "comparison" in result:
        comparison = result["comparison"]
        lines.append(
            f"difference (first - second): {comparison['difference']:+.3f}, "
            f"z = {comparison['z']:.3f}, two-sided p = {comparison['p_value']:.2g} "
            f"(Fisher exact p = {comparison['fisher_p_value']:.2g})"
        )
    return "\n".join(lines)


def _number(value, spec="6.3f"):
    width = int(spec.split(".")[0] or 0)
    return f"{'—':>{width}s}" if math.isnan(value) else format(value, spec)


def plot(result, path):
    """Fooling rate per participant and overall with Wilson 95% intervals, a colour per
    model, the chance level of 2AFC dashed; saved as PNG."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6.4, 4.2), layout="constrained")
    axes = figure.add_subplot()
    names = sorted({name for study in result["models"] for name in study["participants"]})
    labels = [*names, "overall"]
    width = 0.8 / len(result["models"])
    for index, study in enumerate(result["models"]):
        stats = [study["participants"].get(name) for name in names] + [study["overall"]]
        xs, rates, errors = [], [], [[], []]
        for x, item in enumerate(stats):
            if item is None or not item["trials"]:
                continue
            low, high = item["ci95"]
            xs.append(x + (index - (len(result["models"]) - 1) / 2) * width)
            rates.append(item["fooling_rate"])
            errors[0].append(item["fooling_rate"] - low)
            errors[1].append(high - item["fooling_rate"])
        settings = study["settings"]
        name = os.path.basename(study["workdir"])
        label = f"{name} ({settings['recipe']}, step {settings['step']})"
        axes.bar(xs, rates, width, yerr=errors, capsize=3, label=label)
    if result["models"][0]["settings"]["mode"] == "2afc":
        axes.axhline(0.5, color="grey", linestyle="--", linewidth=1, label="chance (2AFC)")
    axes.set_xticks(range(len(labels)), labels, rotation=30, ha="right")
    axes.set_ylim(0, 1)
    axes.set_ylabel("fooling rate (95% Wilson)")
    figure.legend(loc="outside lower center", fontsize="small")
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    figure.savefig(path, dpi=100)
    return path


def save_json(result, path):
    """Writes the report as JSON; undefined values (a rate over no trials) are ``null``."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as file:
        json.dump(_nan_to_none(result), file, indent=2, allow_nan=False)
    return path


def _nan_to_none(value):
    if isinstance(value, dict):
        return {key: _nan_to_none(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_nan_to_none(item) for item in value]
    if isinstance(value, float) and math.isnan(value):
        return None
    return value
