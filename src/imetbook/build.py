"""``python -m imetbook data build``: raw snapshots to validated tidy tables, atomically.

Steps: verify every raw file against its manifest; parse the FMTR reports into
``training``, ``printed_totals`` and ``reconciliation``; parse the budget and context
sources into ``funding``, ``events``, ``rules`` and ``claims``; validate every table against
its contract; then swap the whole ``data/processed`` folder in one rename. A failure at any
step leaves the previous tables as they were.

The build is skipped when a stamp of the raw manifests and the data code matches the one
stored with the tables, so re-running it is cheap and idempotent.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from imetbook import atomic, paths, schema

STAMP_FILE = "BUILD_STAMP.json"
# Modules whose code shapes the tables; a change to any of them rebuilds the data.
DATA_CODE = ("sources", "countries.py", "schema.py", "build.py", "manifest.py", "atomic.py")
TABLES = tuple(schema.CONTRACTS)


@dataclass
class BuildResult:
    built: bool
    seconds: float
    rows: dict[str, int]
    stamp: str


def _hash_files(files: list[Path], root: Path) -> hashlib._Hash:
    h = hashlib.sha256()
    for f in sorted(files):
        h.update(str(f.relative_to(root)).encode())
        h.update(f.read_bytes())
    return h


def data_stamp(raw: Path | None = None) -> str:
    """Hash of the raw manifests and the data code: what the tables depend on."""
    raw = raw or paths.raw_dir()
    pkg = paths.package_dir()
    code = [p for name in DATA_CODE for p in sorted((pkg / name).rglob("*.py"))]
    code += [pkg / name for name in DATA_CODE if (pkg / name).is_file()]
    manifests = sorted(raw.glob("*/MANIFEST.csv"))
    h = _hash_files(manifests, raw)
    h.update(_hash_files([p for p in code if p.is_file()], pkg).digest())
    return h.hexdigest()


def is_current(out: Path, stamp: str) -> bool:
    f = out / STAMP_FILE
    if not f.is_file():
        return False
    recorded = json.loads(f.read_text())
    tables_present = all((out / f"{t}.parquet").is_file() for t in TABLES)
    return recorded.get("stamp") == stamp and tables_present


def parse_all(raw: Path) -> dict[str, pd.DataFrame]:
    """Parse every source into the tidy tables (not yet validated or written)."""
    from imetbook.sources import budget, context, fmtr

    tables = fmtr.build_tables(raw / "fmtr", raw / "fmtr_reports", paths.cache_dir())
    tables.update(context.build_tables(raw / "context"))
    tables.update(
        budget.funding_tables(raw / "budget", tables["training"], tables["reconciliation"])
    )
    return tables


def write_tables(out: Path, tables: dict[str, pd.DataFrame], stamp: str) -> None:
    """Validate, then write every table (Parquet, plus CSV of ``training``) in one swap."""
    for name, df in tables.items():
        schema.validate(df, schema.CONTRACTS[name])

    def fill(tmp: Path) -> None:
        for name, df in sorted(tables.items()):
            df = df[schema.CONTRACTS[name].names].reset_index(drop=True)
            df.to_parquet(tmp / f"{name}.parquet", index=False, engine="pyarrow")
        tables["training"].to_csv(tmp / "training.csv", index=False, lineterminator="\n")
        rows = {n: len(df) for n, df in sorted(tables.items())}
        (tmp / STAMP_FILE).write_text(json.dumps({"stamp": stamp, "rows": rows}, indent=1))

    atomic.replace_dir(out, fill)


def build(
    raw: Path | None = None,
    out: Path | None = None,
    force: bool = False,
    log: Callable[[str], None] = print,
) -> BuildResult:
    raw, out = raw or paths.raw_dir(), out or paths.processed_dir()
    t0 = time.perf_counter()
    stamp = data_stamp(raw)
    if not force and is_current(out, stamp):
        rows = json.loads((out / STAMP_FILE).read_text())["rows"]
        log(f"data: up to date ({out}), nothing to build")
        return BuildResult(False, time.perf_counter() - t0, rows, stamp)
    tables = parse_all(raw)
    write_tables(out, tables, stamp)
    rows = {n: len(df) for n, df in sorted(tables.items())}
    secs = time.perf_counter() - t0
    log(
        f"data: built {len(rows)} tables in {secs:.1f}s: "
        + ", ".join(f"{n} {r:,}" for n, r in rows.items())
    )
    return BuildResult(True, secs, rows, stamp)


def verify(raw: Path | None = None, out: Path | None = None) -> list[str]:
    """Check every raw checksum and every built table's contract; return report lines."""
    from imetbook import manifest

    raw, out = raw or paths.raw_dir(), out or paths.processed_dir()
    lines = [f"fmtr: {len(manifest.read_fmtr(raw / 'fmtr'))} files verified"]
    lines.append(
        f"fmtr_reports: {len(manifest.read_documents(raw / 'fmtr_reports'))} files verified"
    )
    for source in ("budget", "context"):
        lines.append(f"{source}: {len(manifest.read_plain(raw / source))} files verified")
    from imetbook import datasets

    for name, contract in schema.CONTRACTS.items():
        df = datasets.load(name, out, build_missing=False)
        schema.validate(df, contract)
        lines.append(f"{name}: {len(df):,} rows meet the contract")
    return lines
