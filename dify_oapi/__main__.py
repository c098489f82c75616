"""``python -m dify_oapi`` / the ``dify-oapi`` command: argument parsing only; the demo is in ``dify_oapi._demo``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TextIO

__all__ = ["main"]


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """The ``dify-oapi`` command; returns the exit code. ``demo`` is parsed here (no extra needed); every other
    command is the CLI of :mod:`dify_oapi.cli` (the ``cli`` extra)."""
    words = list(sys.argv[1:] if argv is None else argv)
    if words[:1] != ["demo"]:
        from .cli import main as cli_main

        return cli_main(words)
    parser = argparse.ArgumentParser(prog="dify-oapi", description="dify-oapi command line")
    commands = parser.add_subparsers(dest="command")
    demo_parser = commands.add_parser("demo", help="walk through the SDK against the built-in server or DIFY_BASE_URL")
    demo_parser.add_argument(
        "--local", action="store_true", help="use the built-in test server even if DIFY_BASE_URL is set"
    )
    args = parser.parse_args(words)
    if args.command != "demo":
        parser.print_help(out or sys.stdout)
        return 2
    from ._demo import run

    return run(local=args.local, out=out)


if __name__ == "__main__":
    sys.exit(main())
