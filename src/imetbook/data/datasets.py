"""Load the tidy tables from ``data/processed``; never build them.

Loading reads: a table that is missing, or tables older than the raw data's manifests or the
data code (:func:`imetbook.data.stamp.check_current`), are one :class:`DataError` naming the
command that builds them (``python -m imetbook data build``). The commands that need the
tables (``execute``, ``run``, ``classmates``, ``data sqlite``) bring them up to date first.

Notebooks call :func:`load` by table name, so the execution cache can see from a notebook's
source which tables it reads (``load("training")``).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import pandas as pd

from imetbook import paths
from imetbook.data import schema, stamp
from imetbook.errors import DataError

# Names of the tables this process has loaded: a kernel reports them to the execution cache
# (imetbook.run.execute), which re-executes a notebook when a table it read changes.
TABLES_READ: set[str] = set()


def table_path(name: str, processed: Path | None = None) -> Path:
    if name not in schema.CONTRACTS:
        raise DataError(f"unknown table {name!r}; tables are {', '.join(schema.CONTRACTS)}")
    return (processed or paths.processed_dir()) / f"{name}.parquet"


@lru_cache(maxsize=16)
def _read(path: Path, mtime_ns: int, columns: tuple[str, ...] | None = None) -> pd.DataFrame:
    if columns is not None:
        import pyarrow.parquet as pq

        missing = [c for c in columns if c not in pq.read_schema(path).names]
        if missing:
            raise DataError(
                f"{path}: no column(s) {', '.join(missing)}; rebuild the tables "
                "(`python -m imetbook data build`)"
            )
    return pd.read_parquet(
        path, engine="pyarrow", columns=None if columns is None else list(columns)
    )


def _columns(name: str, columns: Sequence[str] | None) -> tuple[str, ...] | None:
    """``columns`` as a tuple, checked against the table's contract (one clear line if not)."""
    if columns is None:
        return None
    if isinstance(columns, str):
        raise DataError(f"{name}: columns must be a list of column names, not {columns!r}")
    known = schema.CONTRACTS[name].names
    unknown = [c for c in columns if c not in known]
    if unknown:
        raise DataError(
            f"{name}: no column(s) {', '.join(unknown)}; columns are {', '.join(known)}"
        )
    return tuple(dict.fromkeys(columns))


def load(
    name: str,
    processed: Path | None = None,
    columns: Sequence[str] | None = None,
    raw: Path | None = None,
) -> pd.DataFrame:
    """Return a copy of table ``name`` as built into ``processed`` from ``raw`` (defaults:
    ``data/processed``, ``data/raw``).

    With ``columns``, only those columns are read (in that order): the country pages read a
    few columns of the training table ~190 times per build. Keep the table name a literal
    first argument (``load("training", columns=[...])``): the execution cache finds the
    tables a notebook reads from those calls.
    """
    path = table_path(name, processed)
    wanted = _columns(name, columns)
    TABLES_READ.add(name)
    if not path.is_file():
        raise DataError(f"{path}: table {name!r} not built; run `{stamp.BUILD_COMMAND}`")
    stamp.check_current(path.parent, raw)
    return _read(path, path.stat().st_mtime_ns, wanted).copy()
