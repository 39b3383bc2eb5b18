"""``python -m jaxgen.judge WORKDIR ...``: ``jaxgen judge`` without the rest of the CLI."""

import argparse
import sys

from jaxgen.errors import UserError
from jaxgen.judge import command


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m jaxgen.judge", description=command.__doc__)
    command.configure(parser)
    args = parser.parse_args(argv)
    try:
        return args.command(args) or 0
    except UserError as error:
        print(f"jaxgen: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
