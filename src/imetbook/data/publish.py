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


def write_csv(df: pd.DataFrame, path: Path) -> None:
    """UTF-8 CSV, ``\\n`` line ends, dates as YYYY-MM-DD, empty cells for nulls."""
    df.to_csv(path, **_CSV)


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
    rendered = training.to_csv(**_CSV)  # once: the country files are cut from it
    (out / "training.csv").write_bytes(rendered.encode("utf-8"))
    write_country_csvs(training, rendered, out / COUNTRIES)
    text = json.dumps(descriptor(list(tables)), indent=1, ensure_ascii=False) + "\n"
    (out / DESCRIPTOR).write_text(text, encoding="utf-8")


def write_country_csvs(training: pd.DataFrame, rendered: str, folder: Path) -> None:
    """``folder/ISO3.csv``: each country's rows of ``training``, as :func:`write_csv` writes
    them, cut from ``rendered`` (the whole table's CSV) instead of formatted a second time."""
    lines = rendered.split("\n")
    groups = training.groupby("iso3", sort=True)
    if len(lines) != len(training) + 2:  # a cell holds a line break: format each country
        for iso3, rows in groups:
            write_csv(rows, folder / f"{iso3}.csv")
        return
    for iso3, positions in groups.indices.items():
        body = "".join(lines[i + 1] + "\n" for i in positions)
        (folder / f"{iso3}.csv").write_bytes(f"{lines[0]}\n{body}".encode())


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
