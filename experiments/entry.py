"""What every experiment's command line shares with ``jaxgen train``: ``--set KEY=VALUE`` read
by ``jaxgen.recipes.parse_overrides``, a mistake the user can fix (``UserError``: an
unknown config key, a value of the wrong type, a missing file) reported in one line, not as a
traceback, and a run stopped by SIGTERM or Ctrl-C ending the command (``exit_if_stopped``).

    if __name__ == "__main__":
        run_command(main)
"""

import sys

from jaxgen.errors import UserError


def exit_if_stopped(state, steps: int, resume: str, name: str = "") -> None:
    """``jaxgen.train.train`` returns early, its checkpoint saved, when SIGTERM or Ctrl-C stops
    it: then end the command with one line (``name`` first, when given) saying how to go on
    (``resume``) instead of measuring a half-trained model as if it were the finished one."""
    if int(state.step) < steps:
        prefix = f"{name} " if name else ""
        raise SystemExit(f"{prefix}stopped at step {int(state.step)} of {steps}; {resume}")


def parse_settings(parser, items):
    """``--set`` items → the overrides ``recipes.get`` takes; a malformed one ends the
    command through ``parser.error`` (usage and one line, exit code 2)."""
    from jaxgen.recipes import parse_overrides

    try:
        return parse_overrides(items)
    except UserError as error:
        parser.error(str(error))


def run_command(main):
    """Calls ``main()``; a ``UserError`` becomes ``error: MESSAGE`` on stderr, exit code 2. An
    integer that ``main`` returns is the exit code (other values, its results, are not)."""
    try:
        result = main()
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
    if isinstance(result, int) and not isinstance(result, bool):
        sys.exit(result)
