"""``python -m imetbook``: one entry point for data, runs and builds.

Each sub-command lives in ``imetbook.run.commands.<name>`` and exposes ``register(subparsers)``.
Every :class:`~imetbook.errors.ImetbookError` is printed as one line on stderr with a
non-zero exit code; no user error ends in a stack trace.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from imetbook.errors import ImetbookError

COMMAND_MODULES = ("data", "execute", "classmates")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m imetbook",
        description="imetbook: data, notebook runs and book builds for the IMET data book.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(f"imetbook.run.commands.{name}").register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except ImetbookError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
