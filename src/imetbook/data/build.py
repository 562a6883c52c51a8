"""``python -m imetbook data build``: raw snapshots to validated tidy tables, atomically.

Steps: check that ``data/processed`` can be written; verify every raw file against its
manifest and parse the small sources (context, reference, budget) into ``events``, ``rules``,
``claims`` and the reference tables; parse the FMTR reports into ``training``,
``printed_totals`` and ``reconciliation``; join the budget figures with ``training`` into
``funding``; validate every table against its contract; then swap the whole
``data/processed`` folder in one atomic step (:func:`imetbook.atomic.replace_dir`). The
cheap checks come first, so a bad input or a read-only folder fails in a second, not after
the FMTR parse. A failure at any step leaves the previous tables as they were.

The build is skipped when a stamp of the raw files themselves (every file, by content), the
manifests and the data code matches the one stored with the tables (:mod:`imetbook.data.stamp`),
so re-running it is cheap and idempotent, and a raw file edited, truncated or removed
after the tables were built is never missed. A file in a raw folder that no manifest lists
stops the build (it would silently be ignored). One build at a time writes the tables: the
others wait for its lock, then find the tables current. Temporary folders a killed build left
are removed when the next build takes the lock. A folder that cannot be written (read-only,
full disk) is one clear error, the previous tables untouched.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from imetbook import atomic, paths
from imetbook.data import datasets, manifest, publish, schema
from imetbook.data import stamp as stamps
from imetbook.data.stamp import STAMP_FILE, data_stamp, inputs_stamp
from imetbook.errors import DataError, OutputError

TABLES = tuple(schema.CONTRACTS)
# Seconds a build waits for another one to finish before giving up.
LOCK_WAIT = float(os.environ.get("IMETBOOK_LOCK_WAIT", "1800"))


@dataclass
class BuildResult:
    built: bool
    seconds: float
    rows: dict[str, int]
    stamp: str


def check_listed(raw: Path) -> None:
    """:class:`DataError` for a file under ``raw`` that no manifest lists: the build would
    silently leave it out (a source dropped in without its manifest row, or a stray copy)."""
    if not raw.is_dir():
        raise DataError(f"{raw}: raw data folder missing")
    columns = {"fmtr": "staged_file", "fmtr_reports": "staged_file"}
    extra = [p.relative_to(raw).as_posix() for p in raw.iterdir() if p.is_file()]
    extra = [f for f in extra if f not in manifest.UNLISTED_OK]
    for folder in sorted(p for p in raw.iterdir() if p.is_dir()):
        listing = folder / "MANIFEST.csv"
        if not listing.is_file():
            extra += [f"{folder.name}/{f}" for f in manifest.unlisted(folder, ())]
            continue
        listed = [
            r.get(columns.get(folder.name, "file")) or "" for r in manifest.read_manifest(listing)
        ]
        extra += [f"{folder.name}/{f}" for f in manifest.unlisted(folder, listed)]
    if extra:
        more = f" (and {len(extra) - 1} more)" if len(extra) > 1 else ""
        raise DataError(
            f"{raw / extra[0]}: not listed in its folder's MANIFEST.csv{more}; add it there "
            "with its sha256, or remove it"
        )


def is_current(out: Path, stamp: str) -> bool:
    recorded = stamps.read(out)
    if recorded is None or "inputs" not in recorded:
        return False
    tables_present = all((out / f"{t}.parquet").is_file() for t in TABLES)
    tables_present &= (publish.downloads_dir(out) / publish.DESCRIPTOR).is_file()
    return recorded.get("stamp") == stamp and tables_present


def parse_all(raw: Path) -> dict[str, pd.DataFrame]:
    """Parse every source into the tidy tables (not yet validated or written).

    The small sources are verified and parsed first, so that a bad one stops the build in a
    second, not after the FMTR parse (seconds of CPU); that parse verifies its own files before
    it starts. Only the funding tables wait for it (they need ``training``)."""
    from imetbook.data.parsers import budget, context, fmtr, reference

    manifest.read_documents(raw / "fmtr_reports")
    manifest.read_plain(raw / "fmtr_notes")
    tables = context.build_tables(raw / "context")
    tables.update(reference.build_tables(raw / "reference"))
    sources = budget.read_sources(raw / "budget")
    tables.update(fmtr.build_tables(raw / "fmtr", raw / "fmtr_reports", paths.cache_dir()))
    tables.update(
        budget.funding_tables(
            raw / "budget", tables["training"], tables["reconciliation"], sources=sources
        )
    )
    return tables


def write_tables(
    out: Path, tables: dict[str, pd.DataFrame], stamp: str, inputs: str | None = None
) -> None:
    """Validate, then write every table (Parquet, plus CSV of ``training``) in one swap, with
    the stamp (``inputs``: :func:`stamp.inputs_stamp`, of ``data/raw`` if not given).

    :class:`OutputError` when ``out`` cannot be written (read-only, full disk): the previous
    tables stay as they were and no temporary folder is left."""
    for name, df in tables.items():
        schema.validate(df, schema.CONTRACTS[name])
    inputs = inputs or inputs_stamp()

    def fill(tmp: Path) -> None:
        for name, df in sorted(tables.items()):
            df = df[schema.CONTRACTS[name].names].reset_index(drop=True)
            df.to_parquet(tmp / f"{name}.parquet", index=False, engine="pyarrow")
        publish.write_downloads(tmp, tables)  # CSV, Parquet, datapackage.json, country CSVs
        os.link(publish.downloads_dir(tmp) / "training.csv", tmp / "training.csv")
        rows = {n: len(df) for n, df in sorted(tables.items())}
        (tmp / STAMP_FILE).write_text(stamps.content(stamp, inputs, rows))

    try:
        atomic.replace_dir(out, fill)
    except OSError as exc:
        raise _output_error(out, exc) from None


def _output_error(out: Path, exc: OSError) -> OutputError:
    text = str(exc).strip()
    why = exc.strerror or (text.splitlines()[0] if text else type(exc).__name__)
    return OutputError(f"{out}: cannot write the tables ({why}); the previous tables are kept")


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


def build(
    raw: Path | None = None,
    out: Path | None = None,
    force: bool = False,
    log: Callable[[str], None] = print,
) -> BuildResult:
    raw, out = raw or paths.raw_dir(), out or paths.processed_dir()
    t0 = time.perf_counter()
    check_listed(raw)
    stamp = data_stamp(raw)
    if not force and is_current(out, stamp):
        _clean_if_idle(out, log)
        return _up_to_date(out, stamp, t0, log)
    with _build_lock(out):
        for left in atomic.clean_stale(out):
            log(f"data: removed {left.name}, left by an interrupted build")
        if not force and is_current(out, stamp):  # another build just made them
            return _up_to_date(out, stamp, t0, log)
        try:  # a folder that cannot be written fails now, not after the parse
            atomic.check_writable(out)
        except OSError as exc:
            raise _output_error(out, exc) from None
        tables = parse_all(raw)
        write_tables(out, tables, stamp, inputs_stamp(raw))
    rows = {n: len(df) for n, df in sorted(tables.items())}
    secs = time.perf_counter() - t0
    log(
        f"data: built {len(rows)} tables in {secs:.1f}s: "
        + ", ".join(f"{n} {r:,}" for n, r in rows.items())
    )
    return BuildResult(True, secs, rows, stamp)


@contextlib.contextmanager
def _build_lock(out: Path) -> Iterator[None]:
    """:func:`atomic.lock` for ``out``; failing to take it is one clear line."""
    held = atomic.lock(out, wait=LOCK_WAIT, on_wait=lambda: _stderr(_waiting(out)))
    try:
        held.__enter__()
    except atomic.Busy:
        raise OutputError(
            f"{out}: another build is running (waited {LOCK_WAIT:.0f}s for it); try again "
            "when it has finished"
        ) from None
    except OSError as exc:  # the output's folder cannot be created or opened
        raise _output_error(out, exc) from None
    try:
        yield
    finally:
        held.__exit__(None, None, None)


def _clean_if_idle(out: Path, log: Callable[[str], None]) -> None:
    """Remove what an interrupted build left, unless a build is running (its temporary
    folder looks the same): the tables are current, so nothing waits for the lock."""
    if not atomic.stale(out):
        return
    try:
        with atomic.lock(out):
            for left in atomic.clean_stale(out):
                log(f"data: removed {left.name}, left by an interrupted build")
    except OSError:  # busy, or a read-only folder: the next build cleans up
        return


def _waiting(out: Path) -> str:
    return f"data: another build is writing {out}; waiting for it to finish"


def _up_to_date(out: Path, stamp: str, t0: float, log: Callable[[str], None]) -> BuildResult:
    rows = json.loads((out / STAMP_FILE).read_text())["rows"]
    log(f"data: up to date ({out}), nothing to build")
    return BuildResult(False, time.perf_counter() - t0, rows, stamp)


def ensure_current(raw: Path | None = None, out: Path | None = None) -> BuildResult:
    """Bring the tables up to date (a no-op when they are): what ``execute``, ``html``, ``run``
    and ``classmates`` call first (``datasets.load`` never builds), so nothing reads tables older
    than the raw files. Progress goes to stderr (their stdout is their output)."""
    return build(raw=raw, out=out, log=lambda msg: None if "up to date" in msg else _stderr(msg))


def verify(raw: Path | None = None, out: Path | None = None) -> list[str]:
    """Check every raw checksum and every built table's contract; return report lines."""
    raw, out = raw or paths.raw_dir(), out or paths.processed_dir()
    check_listed(raw)
    lines = [f"fmtr: {len(manifest.read_fmtr(raw / 'fmtr'))} files verified"]
    lines.append(
        f"fmtr_reports: {len(manifest.read_documents(raw / 'fmtr_reports'))} files verified"
    )
    for source in ("budget", "context", "fmtr_notes", "reference"):
        lines.append(f"{source}: {len(manifest.read_plain(raw / source))} files verified")
    for name, contract in schema.CONTRACTS.items():
        df = datasets.load(name, out, raw=raw)
        schema.validate(df, contract)
        lines.append(f"{name}: {len(df):,} rows meet the contract")
    return lines
