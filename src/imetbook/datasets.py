"""Load the tidy tables from ``data/processed`` (building them first if they are missing).

Notebooks call :func:`load` by table name, so the execution cache can see from a notebook's
source which tables it reads (``load("training")``).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

from imetbook import paths, schema
from imetbook.errors import DataError


def table_path(name: str, processed: Path | None = None) -> Path:
    if name not in schema.CONTRACTS:
        raise DataError(f"unknown table {name!r}; tables are {', '.join(schema.CONTRACTS)}")
    return (processed or paths.processed_dir()) / f"{name}.parquet"


@lru_cache(maxsize=16)
def _read(path: Path, mtime_ns: int) -> pd.DataFrame:
    return pd.read_parquet(path, engine="pyarrow")


def load(name: str, processed: Path | None = None, build_missing: bool = True) -> pd.DataFrame:
    """Return a copy of table ``name``; build the data first if it has never been built."""
    path = table_path(name, processed)
    if not path.is_file():
        if not build_missing:
            raise DataError(f"{path}: table not built; run `python -m imetbook data build`")
        from imetbook import build

        build.build(out=processed, log=lambda _msg: None)
    return _read(path, path.stat().st_mtime_ns).copy()
