"""experiments/bilinear_convergence at CI size: each rule's rollout against its linear map.

``run`` compares every rule with ‖M^T·z₀‖ of the numpy map in the experiment; here the same
radii are also checked against formulas and loops written independently of it, on
V(x, y) = x·y from z₀ = (1, 1), in w = x + iy where a gradient step is w ← (1 + iη)·w:
- simultaneous √2·(1 + η²)^(T/2), extragradient √2·(1 − η² + η⁴)^(T/2), consensus and SGA
  √2·((1 − ηc)² + η²)^(T/2), lookahead √2·|1 − α + α(1 + iη)^k|^(T/k) (tests/game/);
- optimistic w_{t+1} = (1 + 2iη)w_t − iη·w_{t−1} and heavy ball
  w_{t+1} = (1 + β + iη)w_t − β·w_{t−1}, both with w_1 = (1 + iη)w_0, as Python loops;
- alternating play keeps x² + y² + η·x·y; unrolled play and alternating momentum as loops of
  their update equations.
"""

import numpy as np
import pytest

from experiments.bilinear_convergence.config import get_config
from experiments.bilinear_convergence.run import main, run

STEPS = 200  # a multiple of lookahead's k = 5
RTOL = 1e-9


@pytest.fixture(scope="module")
def config():
    config = get_config()
    config.steps = STEPS
    return config


@pytest.fixture(scope="module")
def rows(config):
    return {row.rule: row for row in run(config)}


def labels(c):
    return {
        "simultaneous": "simultaneous",
        "alternating": "alternating (d first)",
        "extragradient": "extragradient",
        "optimistic": "optimistic",
        "consensus": f"simultaneous + consensus(γ={c.consensus_gamma:g})",
        "sga": f"simultaneous + sga(λ={c.sga_lambda:g})",
        "unrolled": f"simultaneous + unrolled(k={c.unrolled_k}, sgd(μ={c.unrolled_mu:g}))",
        "lookahead": f"lookahead(simultaneous, k={c.lookahead_k}, α={c.lookahead_alpha:g})",
        "alternating_momentum": f"alternating + momentum(β={c.momentum:g})",
        "simultaneous_momentum": f"simultaneous + momentum(β={c.momentum:g})",
    }


def test_every_rule_follows_its_linear_map(rows, config):
    assert list(rows) == list(labels(config).values())
    for row in rows.values():
        assert row.xs.shape == row.ys.shape == (STEPS + 1,)
        np.testing.assert_allclose(row.measured, row.exact, rtol=RTOL, err_msg=row.rule)
        if row.scalar is not None:
            np.testing.assert_allclose(row.measured, row.scalar, rtol=RTOL, err_msg=row.rule)
        # Grows exactly when the map's spectral radius exceeds 1 (alternating: |λ| = 1).
        if abs(row.rate - 1) > 1e-9:
            assert (row.measured > np.sqrt(2)) == (row.rate > 1), row.rule


def complex_recurrence(p, q, eta, steps):
    w = [1 + 1j, (1 + 1j * eta) * (1 + 1j)]
    for _ in range(steps - 1):
        w.append(p * w[-1] - q * w[-2])
    return np.array(w)


def test_radii_match_formulas_derived_in_the_test(rows, config):
    c, name = config, labels(config)
    eta, steps = c.eta, STEPS
    rotations = {
        "simultaneous": 1 + eta**2,
        "extragradient": 1 - eta**2 + eta**4,
        "consensus": (1 - eta * c.consensus_gamma) ** 2 + eta**2,
        "sga": (1 - eta * c.sga_lambda) ** 2 + eta**2,
    }
    for rule, squared_factor in rotations.items():
        expected = np.sqrt(2) * squared_factor ** (steps / 2)
        np.testing.assert_allclose(rows[name[rule]].measured, expected, rtol=RTOL, err_msg=rule)
    k, alpha = c.lookahead_k, c.lookahead_alpha
    per_sync = abs(1 - alpha + alpha * (1 + 1j * eta) ** k)
    np.testing.assert_allclose(
        rows[name["lookahead"]].measured, np.sqrt(2) * per_sync ** (steps // k), rtol=RTOL
    )
    np.testing.assert_allclose(rows[name["lookahead"]].rate, per_sync ** (1 / k), rtol=1e-12)

    optimistic = complex_recurrence(1 + 2j * eta, 1j * eta, eta, steps)
    np.testing.assert_allclose(rows[name["optimistic"]].measured, abs(optimistic[-1]), rtol=RTOL)
    largest_root = np.max(np.abs(np.roots([1, -(1 + 2j * eta), 1j * eta])))
    np.testing.assert_allclose(rows[name["optimistic"]].rate, largest_root, rtol=1e-12)
    beta = c.momentum
    heavy_ball = complex_recurrence(1 + beta + 1j * eta, beta, eta, steps)
    np.testing.assert_allclose(
        rows[name["simultaneous_momentum"]].measured, abs(heavy_ball[-1]), rtol=RTOL
    )


def test_alternating_unrolled_and_momentum_match_their_update_equations(rows, config):
    c, name = config, labels(config)
    eta, beta = c.eta, c.momentum
    row = rows[name["alternating"]]
    energy = row.xs**2 + row.ys**2 + eta * row.xs * row.ys
    np.testing.assert_allclose(energy, energy[0], rtol=1e-12)

    x, y = 1.0, 1.0
    for _ in range(STEPS):  # the generator's gradient y + 2kμx flows through the unrolled steps
        x, y = x - eta * (y + 2 * c.unrolled_k * c.unrolled_mu * x), y + eta * x
    np.testing.assert_allclose(rows[name["unrolled"]].measured, np.hypot(x, y), rtol=RTOL)

    x, y, m_x, m_y = 1.0, 1.0, 0.0, 0.0
    for _ in range(STEPS):  # optax: m ← gradient + β·m, θ ← θ − η·m; y moves first
        m_y = -x + beta * m_y
        y = y - eta * m_y
        m_x = y + beta * m_x
        x = x - eta * m_x
    np.testing.assert_allclose(
        rows[name["alternating_momentum"]].measured, np.hypot(x, y), rtol=RTOL
    )


def test_main_writes_the_table_and_figures(tmp_path, capsys):
    out = tmp_path / "out"
    rows = main(["--out", str(out), "--steps", "20"])
    assert len(rows) == 10
    printed = capsys.readouterr().out
    results = (out / "results.md").read_text()
    assert "--steps 20" in results and printed.strip() in results
    assert len(printed.strip().splitlines()) == 2 + len(rows)  # header, separator, rules
    for png in ("trajectories.png", "distance.png"):
        data = (out / png).read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) < 150_000


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--steps", "0"], "positive integer"),
        (["--steps", "ten"], "positive integer"),
        (["--out", "FILE"], "is a file"),
    ],
)
def test_bad_arguments_are_one_line_errors(argv, message, tmp_path, capsys):
    file = tmp_path / "file.txt"
    file.write_text("")
    argv = [str(file) if a == "FILE" else a for a in argv]
    with pytest.raises(SystemExit) as error:
        main(argv)
    assert error.value.code == 2
    assert message in capsys.readouterr().err.strip().splitlines()[-1]
