"""The ``dify-oapi`` command (``pip install 'dify-oapi[cli]'``), and the folder sync it runs, usable from Python.

>>> from dify_oapi import Client
>>> from dify_oapi.cli import sync_folder
>>> report = sync_folder(Client(), "notes", "My notes", pattern="*.md")   # doctest: +SKIP
>>> report.summary()["unchanged"]                                          # doctest: +SKIP

Importing this package needs no extra: typer and rich are imported only when the command runs.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from ._kb_sync import (
    HASH_FIELD,
    PATH_FIELD,
    SyncFailure,
    SyncObserver,
    SyncReport,
    document_name,
    find_dataset,
    local_files,
    sync_folder,
)

__all__ = [
    "HASH_FIELD",
    "INSTALL_HINT",
    "PATH_FIELD",
    "SyncFailure",
    "SyncObserver",
    "SyncReport",
    "cli_available",
    "document_name",
    "find_dataset",
    "local_files",
    "main",
    "sync_folder",
]

INSTALL_HINT = "this command needs the 'cli' extra: pip install 'dify-oapi[cli]'"


def cli_available() -> bool:
    """typer and rich are installed (the ``cli`` extra)."""
    try:
        import rich  # noqa: F401  # pyright: ignore[reportUnusedImport]
        import typer  # noqa: F401  # pyright: ignore[reportUnusedImport]
    except ImportError:
        return False
    return True


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``dify-oapi`` with ``argv`` (default: the process's arguments); return the exit code.

    ``demo`` works without the ``cli`` extra; every other command says how to install it.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    if not cli_available():
        if args[:1] == ["demo"]:
            from .. import __main__ as entry

            return entry.main(args)
        print(f"dify-oapi: {INSTALL_HINT} (without it, only 'dify-oapi demo' is available)", file=sys.stderr)
        return 2
    from ._app import run

    return run(args)
