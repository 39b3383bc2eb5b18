"""Kernel Inception Distance: the unbiased MMD² with a cubic polynomial kernel, over subsets.

KID (Bińkowski, Sutherland, Arbel & Gretton, "Demystifying MMD GANs", ICLR 2018, Section 4) is
the squared maximum mean discrepancy between feature sets ``x_1..x_m`` and ``y_1..y_n`` in
``R^d`` with the kernel ``k(x, y) = (xᵀy / d + 1)³``, estimated without bias (Gretton et al.,
"A kernel two-sample test", JMLR 2012, eq. 3):

    MMD²_u = Σ_{i≠j} k(x_i, x_j) / (m(m−1)) + Σ_{i≠j} k(y_i, y_j) / (n(n−1))
             − 2 Σ_{i,j} k(x_i, y_j) / (mn).

It can be negative when the two sets come from the same distribution.

``kid`` follows torch-fidelity (``metric_kid.py``, defaults 100 subsets of 1000): for each of
``num_subsets`` subsets it draws ``subset_size`` rows of each set without replacement, and
reports the mean and the std with ``ddof=0`` (``np.std``) of the subsets' MMD²_u. As in
torch-fidelity, a set with fewer than ``subset_size`` rows is an error (rather than a smaller
subset). The draw, so that it can be reproduced: subset ``i`` takes
``key_a, key_b = jax.random.split(jax.random.split(key, num_subsets)[i])`` and the rows
``jax.random.permutation(key_a, N)[:subset_size]`` of ``feats_a`` (``key_b``, ``M`` and
``feats_b`` likewise). Its numbers so differ from torch-fidelity's numpy draws by subset
sampling noise only.
"""

import functools

import jax
import jax.numpy as jnp

from jaxgen.metrics.inputs import check_point_sets

_HIGHEST = jax.lax.Precision.HIGHEST


def mmd2_unbiased(x, y):
    """Unbiased MMD² between ``x [m, d]`` and ``y [n, d]`` with ``k(x, y) = (xᵀy / d + 1)³``.

    Args:
      x: ``[m, d]`` features, ``m ≥ 2``.
      y: ``[n, d]`` features, ``n ≥ 2``, the same ``d``.

    Returns:
      A scalar jax array in the inputs' floating dtype (float32 at least). Memory is that of the
      ``[m, m]``, ``[n, n]`` and ``[m, n]`` kernel matrices.

    Raises:
      ValueError: a shape is not the one above.
    """
    x, y = check_point_sets(x, y, "x", "y", min_rows=2)
    return _mmd2_unbiased(x, y)


def kid(feats_a, feats_b, num_subsets=100, subset_size=1000, *, key=None):
    """KID ``(mean, std)`` of ``mmd2_unbiased`` over random subsets of ``feats_a`` and ``feats_b``.

    Args:
      feats_a: ``[N, d]`` features, ``N ≥ subset_size``.
      feats_b: ``[M, d]`` features, ``M ≥ subset_size``, the same ``d``.
      num_subsets: number of subsets (torch-fidelity: 100), a Python int ``≥ 1``.
      subset_size: rows drawn without replacement from each set per subset (torch-fidelity:
        1000), a Python int ``≥ 2``.
      key: a ``jax.random`` key for the draw (module docstring); ``PRNGKey(0)`` when ``None``.

    Returns:
      ``(mean, std)``, scalar jax arrays: the mean and the ``ddof=0`` std over subsets, as
      torch-fidelity reports them. Subsets run one at a time (``lax.map``), so memory is one
      subset's ``[subset_size, subset_size]`` kernels, whatever ``num_subsets``.

    Raises:
      ValueError: a shape is not the one above, a set has fewer than ``subset_size`` rows, or
        ``num_subsets``/``subset_size`` is out of range.
    """
    feats_a, feats_b = check_point_sets(feats_a, feats_b, "feats_a", "feats_b", min_rows=2)
    for name, value, low in (("num_subsets", num_subsets, 1), ("subset_size", subset_size, 2)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ValueError(f"{name} must be an int >= {low}, got {value!r}")
    for name, features in (("feats_a", feats_a), ("feats_b", feats_b)):
        if features.shape[0] < subset_size:
            raise ValueError(
                f"{name} has {features.shape[0]} rows, fewer than subset_size={subset_size}; "
                f"pass a subset_size of at most {features.shape[0]} or more features"
            )
    if key is None:
        key = jax.random.PRNGKey(0)
    return _kid(feats_a, feats_b, key, num_subsets=num_subsets, subset_size=subset_size)


def _polynomial_kernel(x, y):
    return (jnp.matmul(x, y.T, precision=_HIGHEST) / x.shape[1] + 1) ** 3


def _off_diagonal_mean(kernel):
    size = kernel.shape[0]
    return (jnp.sum(kernel) - jnp.sum(jnp.diagonal(kernel))) / (size * (size - 1))


@jax.jit
def _mmd2_unbiased(x, y):
    return (
        _off_diagonal_mean(_polynomial_kernel(x, x))
        + _off_diagonal_mean(_polynomial_kernel(y, y))
        - 2 * jnp.mean(_polynomial_kernel(x, y))
    )


@functools.partial(jax.jit, static_argnames=("num_subsets", "subset_size"))
def _kid(feats_a, feats_b, key, *, num_subsets, subset_size):
    def subset_mmd2(subset_key):
        key_a, key_b = jax.random.split(subset_key)
        rows_a = jax.random.permutation(key_a, feats_a.shape[0])[:subset_size]
        rows_b = jax.random.permutation(key_b, feats_b.shape[0])[:subset_size]
        return _mmd2_unbiased(feats_a[rows_a], feats_b[rows_b])

    mmd2s = jax.lax.map(subset_mmd2, jax.random.split(key, num_subsets))
    return jnp.mean(mmd2s), jnp.std(mmd2s)


__all__ = ["kid", "mmd2_unbiased"]
