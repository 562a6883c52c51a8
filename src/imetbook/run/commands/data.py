"""``data build | verify | info``: the tidy tables."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("data", help="build, verify or describe the tidy tables")
    sub = p.add_subparsers(dest="data_command", metavar="ACTION", required=True)
    b = sub.add_parser("build", help="parse raw sources into data/processed (skips if current)")
    b.add_argument("--force", action="store_true", help="rebuild even if nothing changed")
    b.add_argument("--raw", type=Path, help="raw data folder (default data/raw)")
    b.add_argument("--out", type=Path, help="output folder (default data/processed)")
    b.set_defaults(func=_build)
    v = sub.add_parser("verify", help="check raw checksums and table contracts only")
    v.set_defaults(func=_verify)
    i = sub.add_parser("info", help="rows per report and program, reconciliation, coverage")
    i.set_defaults(func=_info)
    q = sub.add_parser(
        "sqlite", help="write every table into data/processed/imetbook.sqlite (for Datasette)"
    )
    q.set_defaults(func=_sqlite)


def _build(args: argparse.Namespace) -> int:
    from imetbook.data import build

    build.build(raw=args.raw, out=args.out, force=args.force)
    return 0


def _verify(args: argparse.Namespace) -> int:
    from imetbook.data import build

    for line in build.verify():
        print(line)
    return 0


def _info(args: argparse.Namespace) -> int:
    from imetbook.run import info

    print(info.report())
    return 0


def _sqlite(args: argparse.Namespace) -> int:
    from imetbook.data import build, explore

    build.build(log=lambda _msg: None)  # the tables first, if anything changed
    db = explore.write_sqlite()
    meta = explore.write_metadata()
    print(f"data: wrote {db} and {meta.name}; explore it with `make explore`")
    return 0
