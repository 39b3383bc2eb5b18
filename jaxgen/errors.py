"""The one exception type that the command line reports as a single line.

Raise ``UserError`` at a boundary (CLI, ``recipes.get``, ``data.load``, restore) when the
user can fix the problem: the message says what happened and how to fix it.
"""

import difflib


class UserError(ValueError):
    """A mistake the user can fix; ``str(error)`` is one line that says how."""


def closest(name, candidates, n=3):
    """A phrase suggesting the valid names closest to ``name``, or listing them all."""
    candidates = sorted(candidates)
    matches = difflib.get_close_matches(name, candidates, n=n, cutoff=0.5)
    if matches:
        return "did you mean " + " or ".join(repr(m) for m in matches) + "?"
    return "valid names: " + ", ".join(candidates)
