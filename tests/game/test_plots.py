"""The plotting helpers: amplification factors against the closed forms of test_schemes.py, and
every figure renders to a PNG.

On V = x·y the Jacobian's eigenvalues are ±i, so z = η·λ = ±iη, and the factors must equal the
per-step radius factors: √(1 + η²) (simultaneous), √(1 − η² + η⁴) (extragradient), and the
largest root modulus of z² − (1 + 2iη)z + iη (optimistic; its conjugate polynomial at −iη).
"""

import io

import numpy as np
import pytest

from jaxgen.game import plots


@pytest.mark.parametrize("sign", [1, -1])
def test_amplification_factors_on_the_bilinear_game(sign):
    eta = 0.1
    z = sign * 1j * eta
    np.testing.assert_allclose(plots.amplification("simultaneous", z), np.sqrt(1 + eta**2))
    np.testing.assert_allclose(
        plots.amplification("extragradient", z), np.sqrt(1 - eta**2 + eta**4)
    )
    largest_root = np.max(np.abs(np.roots([1, -(1 + 2j * eta), 1j * eta])))
    np.testing.assert_allclose(plots.amplification("optimistic", z), largest_root)
    with pytest.raises(ValueError, match="amplification"):
        plots.amplification("alternating", z)


def render(fig):
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=40)
    return buffer.getvalue()


def test_figures_render():
    t = np.linspace(0, 6, 50)
    trajectories = {"spiral": (np.exp(-0.1 * t) * np.cos(t), np.exp(-0.1 * t) * np.sin(t))}
    fig = plots.phase_portrait(lambda x, y: (y, -x), trajectories)
    assert render(fig).startswith(b"\x89PNG")
    fig = plots.distance_plot({"a": np.exp(-t), "b": np.ones_like(t)})
    assert render(fig).startswith(b"\x89PNG")
    fig = plots.eigenvalue_plot({"gan": np.array([0.5j, -0.5j])}, 0.1)
    assert render(fig).startswith(b"\x89PNG")
