"""A progress bar for samplers that draw one position at a time inside ``jax.jit``.

An autoregressive model's ``sample`` runs a ``lax.fori_loop`` over the D positions of an image
(784 forward passes for MNIST), compiled into one call that the host cannot watch. The model
calls ``progress(k)`` at each position through ``jax.debug.callback``
(``jaxgen.nn.orderings.report_progress``); recipes pass ``advance`` as that callable, and the
CLI opens a bar with ``position_bar(D)`` around the call. With no bar open, ``advance`` does
nothing, so training-time sample grids cost one cheap host call per position.
"""

import contextlib
import sys

from tqdm.auto import tqdm

_open_bars = []


@contextlib.contextmanager
def position_bar(total: int, *, description: str = "sampling", enabled: bool = True):
    """Shows a bar of ``total`` positions while the ``with`` block runs samplers."""
    bar = tqdm(total=total, disable=not enabled, unit="pixel", desc=description, file=sys.stderr)
    _open_bars.append(bar)
    try:
        yield bar
    finally:
        _open_bars.remove(bar)
        bar.close()


def advance(position) -> None:
    """Moves the innermost open bar to ``position + 1`` (positions count from 0); a sampler
    called several times restarts the count, so the bar shows the furthest position reached."""
    if _open_bars:
        bar = _open_bars[-1]
        done = int(position) + 1
        if done > bar.n:
            bar.update(done - bar.n)
