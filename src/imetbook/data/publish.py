"""The data as readers take it away: every table as CSV and Parquet, a Frictionless Data Package
descriptor, and one CSV of training records per country.

``data build`` writes them into ``data/processed/site/downloads/`` together with the tables
(:func:`write_downloads`); the HTML build ships ``data/processed/site`` as it is
(``html_extra_path`` in ``_config.yml``), so the book's pages link ``downloads/<table>.csv``. The
descriptor, the dictionary on the Data page and the validation all come from the same
contracts (:mod:`imetbook.data.schema`).
"""

from __future__ import annotations

import html
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from imetbook import paths
from imetbook.data import schema

SITE = "site"  # shipped with the HTML build as it is
DOWNLOADS = "downloads"
COUNTRIES = "country"
DESCRIPTOR = "datapackage.json"

FMTR_TABLES = ("training", "printed_totals", "reconciliation", "fmtr_excluded", "fmtr_documents")
FMTR_SOURCE = {
    "title": "Security Force Monitor, fmtrpt_data (commit 203d73f), extracted from US DoS/DoD "
    "Foreign Military Training and DoD Engagement Activities of Interest, Vol. I, Section IV",
    "path": "https://github.com/security-force-monitor/fmtrpt_data",
}
FMTR_LICENSE = {
    "name": "MIT",
    "title": "MIT licence, Copyright 2019 Security Force Monitor (the reports are US "
    "government works)",
    "path": "https://opensource.org/licenses/MIT",
}
OTHER_SOURCE = "Sources as cited on each row (source_title, source_url); see data/raw/{folder}"
RAW_FOLDER = {"funding": "budget", "events": "context", "rules": "context", "claims": "context"}


def downloads_dir(processed: Path | None = None) -> Path:
    return (processed or paths.processed_dir()) / SITE / DOWNLOADS


_CSV = {"index": False, "lineterminator": "\n", "date_format": "%Y-%m-%d"}
# Below this many rows pandas' own writer is as fast as formatting the distinct values.
FAST_MIN_ROWS = 2000
# Extension dtypes whose equal values pandas writes alike (Float64 is not one: 0.0, -0.0).
_EXACT_EXTENSIONS = {"boolean", *(f"{u}Int{bits}" for u in ("", "U") for bits in (8, 16, 32, 64))}


def write_csv(df: pd.DataFrame, path: Path) -> None:
    """UTF-8 CSV, ``\\n`` line ends, dates as YYYY-MM-DD, empty cells for nulls."""
    path.write_bytes(csv_bytes(df))


def csv_bytes(df: pd.DataFrame) -> bytes:
    """``df.to_csv(**_CSV)`` encoded as UTF-8, byte for byte: by :func:`fast_csv` where it
    applies, else by ``to_csv``."""
    fast = fast_csv(df) if len(df) >= FAST_MIN_ROWS else None
    return df.to_csv(**_CSV).encode("utf-8") if fast is None else fast


def fast_csv(df: pd.DataFrame) -> bytes | None:
    """``df.to_csv(**_CSV)`` encoded as UTF-8, with each column's distinct values formatted
    once (by ``to_csv`` itself) and spread over the rows, instead of every cell going through
    Python's csv writer (the big tables repeat few values per column); None where the bytes
    could differ.

    For the dtypes handled, how ``to_csv`` writes a value does not depend on the other values of
    its column (``date_format`` is fixed) nor, in a row of two or more cells, on its place in the
    row. None for other dtypes (object, categorical, Float64...), a value holding a line break,
    and frames of one column (a lone empty cell is written ``""``)."""
    if df.shape[1] < 2 or isinstance(df.columns, pd.MultiIndex):
        return None
    cells = []
    for j in range(df.shape[1]):
        column = _cells(df.iloc[:, j])
        if column is None:
            return None
        cells.append(column)
    header = df.iloc[:0].to_csv(**_CSV).encode("utf-8")[:-1]
    return b"\n".join([header, *map(b",".join, zip(*cells, strict=True)), b""])


def _exact_key(s: pd.Series) -> object | None:
    """Values equal exactly where ``to_csv`` writes the cells of ``s`` alike (None: dtype not
    handled). Floats by their bits: 0.0 == -0.0 but they are written differently."""
    dtype = s.dtype
    if isinstance(dtype, np.dtype):
        if dtype.kind == "f":
            return s.to_numpy().view(f"u{dtype.itemsize}")
        return s.array if dtype.kind in "biuM" else None  # M: naive datetime64
    if isinstance(dtype, pd.StringDtype) or str(dtype) in _EXACT_EXTENSIONS:
        return s.array
    return None


def _cells(s: pd.Series) -> list[bytes] | None:
    """Every cell of ``s`` as ``to_csv`` writes it (UTF-8), or None (see :func:`fast_csv`)."""
    key = _exact_key(s)
    if key is None:
        return None
    codes, uniques = pd.factorize(key)  # nulls: -1
    # One row per code: where the running maximum of the codes rises (codes number the values
    # in order of first appearance; if they did not, fewer rows than codes: not handled).
    rows = np.flatnonzero(np.diff(np.maximum.accumulate(codes), prepend=-1) > 0)
    if len(rows) != len(uniques):
        return None
    null = np.flatnonzero(codes < 0)[:1]  # last, so that code -1 picks its text
    sample = s.iloc[np.concatenate([rows, null])].reset_index(drop=True)
    text = pd.DataFrame({"value": sample, "end": 0}).to_csv(header=False, **_CSV).encode("utf-8")
    values = [line[:-2] for line in text.split(b"\n")[:-1]]
    if len(values) != len(sample) or b",0\n".join([*values, b""]) != text:
        return None  # a value holding a line break
    return np.array(values, dtype=object)[codes].tolist()


def _resource(name: str) -> dict[str, object]:
    contract = schema.CONTRACTS[name]
    res: dict[str, object] = {
        "name": name,
        "path": f"{name}.csv",
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "description": contract.doc,
    }
    if name in FMTR_TABLES:
        res["sources"] = [FMTR_SOURCE]
        res["licenses"] = [FMTR_LICENSE]
    else:
        res["sources"] = [{"title": OTHER_SOURCE.format(folder=RAW_FOLDER.get(name, name))}]
    res["schema"] = schema.table_schema(contract)
    return res


def descriptor(names: list[str]) -> dict[str, object]:
    """The Frictionless Data Package descriptor of the tables ``names`` (CSV files)."""
    return {
        "profile": "tabular-data-package",
        "name": "imetbook",
        "title": "IMET in the records: the book's tables",
        "description": "Course-level records of the US Foreign Military Training reports "
        "(FY1999-2000 to FY2020-2021), IMET funding figures from their sources, and the dated "
        "events, rules and claims the book cites. Column meanings, units and valid ranges are "
        "in each resource's schema.",
        "resources": [_resource(n) for n in sorted(names)],
    }


def _link_or_copy(src: Path, dest: Path) -> None:
    try:
        os.link(src, dest)
    except OSError:
        shutil.copyfile(src, dest)


def write_downloads(folder: Path, tables: dict[str, pd.DataFrame]) -> None:
    """CSV and Parquet of every table, ``datapackage.json`` and the per-country CSVs under
    ``folder/site/downloads`` (``folder``: the processed tables being built). The Parquet files
    are the tables' own (hard links where the file system allows)."""
    out = folder / SITE / DOWNLOADS
    (out / COUNTRIES).mkdir(parents=True)
    for name, df in sorted(tables.items()):
        df = df[schema.CONTRACTS[name].names]
        if name != "training":
            write_csv(df, out / f"{name}.csv")
        _link_or_copy(folder / f"{name}.parquet", out / f"{name}.parquet")
    training = tables["training"][schema.TRAINING.names]
    rendered = csv_bytes(training)  # once: the country files are cut from it
    (out / "training.csv").write_bytes(rendered)
    write_country_csvs(training, rendered, out / COUNTRIES)
    text = json.dumps(descriptor(list(tables)), indent=1, ensure_ascii=False) + "\n"
    (out / DESCRIPTOR).write_text(text, encoding="utf-8")


def write_country_csvs(training: pd.DataFrame, rendered: bytes, folder: Path) -> None:
    """``folder/ISO3.csv``: each country's rows of ``training``, as :func:`write_csv` writes
    them, cut from ``rendered`` (the whole table's CSV, :func:`csv_bytes`) instead of formatted
    a second time."""
    lines = rendered.split(b"\n")
    groups = training.groupby("iso3", sort=True)
    if len(lines) != len(training) + 2:  # a cell holds a line break: format each country
        for iso3, rows in groups:
            write_csv(rows, folder / f"{iso3}.csv")
        return
    for iso3, positions in groups.indices.items():
        text = b"\n".join([lines[0], *(lines[i + 1] for i in positions), b""])
        (folder / f"{iso3}.csv").write_bytes(text)


# --- the Data page ----------------------------------------------------------------------------


def download_link(text: object, href: str) -> str:
    """A link that downloads ``href`` (a relative address the project built), escaped."""
    return f'<a href="{html.escape(href, quote=True)}" download>{html.escape(str(text))}</a>'


def country_csv_href(iso3: str, depth: int = 2) -> str:
    """Address of a country's CSV from a page ``depth`` folders below the site root."""
    return "../" * depth + f"{DOWNLOADS}/{COUNTRIES}/{iso3}.csv"


def catalogue(rows: dict[str, int], depth: int = 1) -> pd.DataFrame:
    """One row per table: name, what it holds, rows, and links to its CSV and Parquet."""
    base = "../" * depth + DOWNLOADS
    names = sorted(rows)
    return pd.DataFrame(
        {
            "table": names,
            "rows": [rows[n] for n in names],
            "columns": [len(schema.CONTRACTS[n].columns) for n in names],
            "CSV": [download_link(f"{n}.csv", f"{base}/{n}.csv") for n in names],
            "Parquet": [download_link(f"{n}.parquet", f"{base}/{n}.parquet") for n in names],
            "what it holds": [schema.CONTRACTS[n].doc for n in names],
        }
    )


def descriptor_link(depth: int = 1) -> str:
    return download_link(DESCRIPTOR, "../" * depth + f"{DOWNLOADS}/{DESCRIPTOR}")


def country_files(training: pd.DataFrame, depth: int = 1) -> pd.DataFrame:
    """One row per country with training records: its rows and a link to its CSV."""
    named = training.dropna(subset=["iso3"])
    counts = named.groupby("iso3").agg(country=("country_name", "first"), rows=("iso3", "size"))
    counts = counts.reset_index().sort_values("country", kind="stable")
    counts["CSV"] = [download_link(f"{i}.csv", country_csv_href(i, depth)) for i in counts["iso3"]]
    return counts[["country", "iso3", "rows", "CSV"]].reset_index(drop=True)


@dataclass(frozen=True)
class DocumentGaps:
    """How many training records name their original document, and the reports that do not."""

    documented: int
    reports: tuple[str, ...]

    @property
    def reports_text(self) -> str:
        r = list(self.reports)
        return r[0] if len(r) == 1 else ", ".join(r[:-1]) + " and " + r[-1] if r else "no"


def document_gaps(training: pd.DataFrame) -> DocumentGaps:
    has = training["document_url"].notna()
    return DocumentGaps(int(has.sum()), tuple(sorted(set(training.loc[~has, "report"]))))


def country_download(training: pd.DataFrame, iso3: str, country: str) -> str:
    """The country page's paragraph linking the CSV of all its training records (HTML)."""
    n = int((training["iso3"] == iso3).sum())
    if n == 0:
        return f"<p>The reports list no training record for {html.escape(country)}.</p>"
    return (
        f"<p>All {n:,} training records of {html.escape(country)} (every program, with the "
        f"columns of the <code>training</code> table): "
        f"{download_link(f'{iso3}.csv', country_csv_href(iso3))} (CSV).</p>"
    )
