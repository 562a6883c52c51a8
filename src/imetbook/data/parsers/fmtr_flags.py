"""Flags on FMTR rows, and the finishing of the FMTR tables to their contracts.

A flag is a boolean column ``flag__<name>`` while the rows are worked on (every name is
documented in ``fmtr_fields.FLAG_DOCS``); the published tables carry them joined into one
``flags`` text column (:func:`joined_flags`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.arrays import ArrowStringArray

from imetbook.data import schema
from imetbook.data.parsers import fmtr_fields as F

FLAG = "flag__"  # prefix of the flag columns


def add_flag(df: pd.DataFrame, mask: np.ndarray | pd.Series, flag: str) -> None:
    """Set ``flag`` (a key of ``fmtr_fields.FLAG_DOCS``) on the rows in ``mask``."""
    if flag not in F.FLAG_DOCS:
        raise KeyError(f"undocumented flag {flag!r}")
    mask = np.asarray(mask, dtype=bool)
    col = FLAG + flag
    df[col] = df[col].to_numpy() | mask if col in df.columns else mask


def joined_flags(df: pd.DataFrame) -> pd.Series:
    """The flag columns as one ';'-separated, sorted string per row ('' for none)."""
    out = np.full(len(df), "", dtype=object)
    for col in sorted(c for c in df.columns if c.startswith(FLAG)):
        idx = np.flatnonzero(df[col].to_numpy())
        name = col[len(FLAG) :]
        out[idx] = [f"{x};{name}" if x else name for x in out[idx]]
    return pd.Series(out, index=df.index, dtype="str")


_STR = pd.api.types.pandas_dtype("str")  # pandas' string dtype (Arrow-backed)


def as_str(series: pd.Series) -> pd.Series:
    """``series.astype("str")``, faster for a column of text and nulls: Arrow converts the
    objects in one step (pandas checks and converts them one by one, a third of the time it
    takes to finish the tables). Anything else (numbers, say) goes through ``astype``."""
    if series.dtype == object:
        try:
            arrow = _arrow_text(series.to_numpy())
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            return series.astype("str")
        return pd.Series(ArrowStringArray(arrow, dtype=_STR), index=series.index, name=series.name)
    return series.astype("str")


# The text columns are allocated by the C library (ordinary pages): Arrow's default allocator
# asks for huge pages, which on a machine whose memory is fragmented cost the kernel ten times
# more to provide than the copy itself (measured in the full build: 0.5 s of system time for
# the training table's text, against 0.05 s).
_POOL = pa.system_memory_pool()
_LARGE = 16 * 2**20  # bytes of text from which a repetitive column is built from its values


def _arrow_text(values: np.ndarray) -> pa.Array:
    # One Arrow call per column; but a long column repeating a few long values (each row's
    # source URL: 56 MB) is taken from its distinct values instead: the one call grows its
    # buffer step by step, and the fresh memory costs ten times the copying on a shared
    # machine (measured: 0.29 s against 0.03 s). Python's cached string hashes find the
    # distinct values (pandas' factorize hashes every row's bytes again).
    sample = values[:: max(1, len(values) // 1000)]
    text = sum(len(v) for v in sample if isinstance(v, str)) * (len(values) / max(1, len(sample)))
    if text < _LARGE or 4 * len(pd.unique(sample)) > len(sample):
        return pa.array(values, type=pa.large_string(), from_pandas=True, memory_pool=_POOL)
    seen: dict[object, int] = {}
    codes = np.fromiter((seen.setdefault(v, len(seen)) for v in values), np.int64, len(values))
    distinct = pa.array(list(seen), type=pa.large_string(), from_pandas=True)
    return pc.take(distinct, pa.array(codes), memory_pool=_POOL)


def finish(df: pd.DataFrame, contract: schema.Contract) -> pd.DataFrame:
    """The contract's columns in its order; text columns as pandas' string dtype."""
    df = df.assign(flags=joined_flags(df)) if "flags" in contract.names else df
    df = df[contract.names].reset_index(drop=True)
    for col in contract.columns:
        if col.kind == "str":
            df[col.name] = as_str(df[col.name])
    return df
