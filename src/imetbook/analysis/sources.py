"""The "Data and sources" appendix: what is vendored under ``data/raw``, verified.

Every raw folder with a ``MANIFEST.csv`` is a source. :func:`read_raw_sources` verifies each
file against its manifest (through :mod:`imetbook.data.manifest`, so a bad checksum fails loudly)
and summarises it; the table functions shape those summaries for the chapter. Titles come
from each folder's README heading and licences from the manifests (or, for the FMTR snapshot,
whose manifest has no licence column, from the licence section of its README), so nothing
here restates what the vendored files already say.

The execution cache (:mod:`imetbook.run.execute`) treats a call to :func:`read_raw_sources` in a
notebook as reading the raw manifests and READMEs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from imetbook import paths, vocab
from imetbook.analysis.eligibility import MONEY_MEASURES
from imetbook.data import countries, manifest
from imetbook.data.parsers.rivalries import read_xlsx
from imetbook.errors import DataError, ParameterError

# Columns that date a row, in order of preference; a value's first four digits are its year.
YEAR_COLUMNS = ("fiscal_year", "date", "year_enacted")
# Licence texts recognised by their opening words (the README reproduces the full text).
LICENCE_FINGERPRINTS = {"Permission is hereby granted, free of charge": "MIT"}
NOT_STATED = "not stated"


def source_keys(raw: Path | None = None) -> tuple[str, ...]:
    """Folders under ``data/raw`` that hold a manifest, sorted."""
    raw = raw or paths.raw_dir()
    return tuple(sorted(p.parent.name for p in raw.glob("*/MANIFEST.csv")))


# Shown beside the region in the coverage matrix: the article compares the region with them.
COMPARATORS = ("Turkey", "Israel")


@dataclass(frozen=True)
class FileSummary:
    """One verified raw file: checksum, size and what it covers."""

    source: str
    file: str
    sha256: str
    bytes: int
    rows: int
    report: str | None = None
    region: str | None = None
    year_column: str | None = None
    first_year: int | None = None
    last_year: int | None = None
    rows_without_year: int = 0
    countries: int | None = None


@dataclass(frozen=True)
class SourceSummary:
    """One raw source folder: title, origin and licence, and its files."""

    key: str
    title: str
    origin: str
    licence: str
    files: tuple[FileSummary, ...]


def readme_title(text: str) -> str:
    """The first level-one heading of a README, or ``not stated``."""
    for line in text.splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return NOT_STATED


def readme_licence(text: str) -> str:
    """Licence named in a README's licence section: ``MIT (Copyright ...)`` or ``not stated``.

    The section is the one whose heading contains 'licen'; the licence is recognised from its
    reproduced text (:data:`LICENCE_FINGERPRINTS`) and the copyright line is quoted.
    """
    match = re.search(r"^#+ [^\n]*licen[cs]e[^\n]*\n(.*?)(?=^#+ |\Z)", text, re.I | re.M | re.S)
    if not match:
        return NOT_STATED
    section = match.group(1)
    flat = " ".join(line.lstrip("> ").strip() for line in section.splitlines())
    names = [name for start, name in LICENCE_FINGERPRINTS.items() if start in flat]
    holder = re.search(r"Copyright [^.]*?(?= Permission| THE |$)", flat)
    if not names:
        return NOT_STATED
    return f"{names[0]} ({holder.group(0).strip()})" if holder else names[0]


def _joined(values: Iterable[str]) -> str:
    unique = sorted({v.strip() for v in values if v and v.strip()})
    return "; ".join(unique) if unique else NOT_STATED


def year_coverage(rows: list[dict[str, str]]) -> tuple[str | None, int | None, int | None, int]:
    """``(column, first, last, rows without a year)`` from the first dating column present."""
    if not rows:
        return None, None, None, 0
    column = next((c for c in YEAR_COLUMNS if c in rows[0]), None)
    if column is None:
        return None, None, None, len(rows)
    years = [int(m.group(0)) for r in rows if (m := re.match(r"\d{4}", r[column] or ""))]
    if not years:
        return column, None, None, len(rows)
    return column, min(years), max(years), len(rows) - len(years)


def country_count(rows: list[dict[str, str]]) -> int | None:
    """Distinct countries named in ``country`` or (';'-separated) ``countries``; None if neither."""
    if rows and "country" in rows[0]:
        return len({r["country"].strip() for r in rows if r["country"].strip()})
    if rows and "countries" in rows[0]:
        return len({c.strip() for r in rows for c in r["countries"].split(";") if c.strip()})
    return None


def _report_files(
    folder: Path,
    verified: list[manifest.RawFile],
    rows: Callable[[manifest.RawFile], int],
    region: Callable[[manifest.RawFile], str],
) -> tuple[tuple[FileSummary, ...], str]:
    """The summaries of a folder of report files, and the upstream commits they came from."""
    files = tuple(
        FileSummary(
            source=folder.name,
            file=f.relpath,
            sha256=f.meta["sha256"],
            bytes=len(f.data),
            rows=rows(f),
            report=f.meta["report_fy"],
            region=region(f),
        )
        for f in verified
    )
    origin = _joined(
        f"{f.meta['upstream_repo']} @ {f.meta['upstream_commit'][:7]}" for f in verified
    )
    return files, origin


def _fmtr(folder: Path, readme: str) -> SourceSummary:
    files, origin = _report_files(
        folder,
        manifest.read_fmtr(folder),
        lambda f: int(f.meta["n_training_elements"]),
        lambda f: f.meta["region"],
    )
    return SourceSummary(folder.name, readme_title(readme), origin, readme_licence(readme), files)


def _documents(folder: Path, readme: str) -> SourceSummary:
    """Original report documents (``fmtr_reports``): files, not tables, so no rows."""
    verified = manifest.read_documents(folder)
    files, origin = _report_files(folder, verified, lambda f: 0, lambda f: "original document")
    licence = _joined(f.meta.get("licence", "") for f in verified)
    return SourceSummary(folder.name, readme_title(readme), origin, licence, files)


def _plain(folder: Path, readme: str) -> SourceSummary:
    verified = manifest.read_plain(folder)
    files = []
    for name, f in verified.items():
        rows = read_xlsx(f.data, name) if name.endswith(".xlsx") else manifest.read_csv(f)
        column, first, last, undated = year_coverage(rows)
        files.append(
            FileSummary(
                folder.name,
                name,
                f.meta["sha256"],
                len(f.data),
                len(rows),
                year_column=column,
                first_year=first,
                last_year=last,
                rows_without_year=undated,
                countries=country_count(rows),
            )
        )
    metas = [f.meta for f in verified.values()]
    licence = _joined(m.get("licence", "") for m in metas)
    if licence == NOT_STATED:
        licence = readme_licence(readme)
    return SourceSummary(
        folder.name,
        readme_title(readme),
        _joined(m.get("origin", "") for m in metas),
        licence,
        tuple(files),
    )


def read_raw_sources(raw: Path | None = None, only: str = "all") -> list[SourceSummary]:
    """Verify and summarise every raw source (or only the one named), sorted by folder.

    The FMTR folder has upstream's manifest shape (``staged_file``, gzip), the others ours.
    """
    raw = raw or paths.raw_dir()
    keys = source_keys(raw)
    if only != "all" and only not in keys:
        raise DataError(f"{raw}: no raw source {only!r}; sources are {', '.join(keys)}")
    out = []
    for key in keys if only == "all" else (only,):
        folder = raw / key
        readme_path = folder / "README.md"
        readme = readme_path.read_text(encoding="utf-8") if readme_path.is_file() else ""
        header = (folder / "MANIFEST.csv").read_text(encoding="utf-8").split("\n", 1)[0]
        columns = header.split(",")
        reader = _plain
        if "staged_file" in columns:
            reader = _documents if "original_url" in columns else _fmtr
        out.append(reader(folder, readme))
    return out


def _files(summaries: list[SourceSummary]) -> list[FileSummary]:
    return [f for s in summaries for f in sorted(s.files, key=lambda f: f.file)]


def _coverage(s: SourceSummary) -> str:
    reports = sorted({f.report for f in s.files if f.report})
    if reports:
        return f"{len(reports)} reports, {reports[0]} to {reports[-1]}"
    years = [y for f in s.files for y in (f.first_year, f.last_year) if y is not None]
    return f"years {min(years)} to {max(years)}" if years else "no dated rows"


def sources_table(summaries: list[SourceSummary]) -> pd.DataFrame:
    """One row per source: title, origin, licence, files, bytes, rows and coverage."""
    return pd.DataFrame(
        [
            {
                "source": s.key,
                "title": s.title,
                "origin": s.origin,
                "licence": s.licence,
                "files": len(s.files),
                "bytes": sum(f.bytes for f in s.files),
                "rows": sum(f.rows for f in s.files),
                "coverage": _coverage(s),
            }
            for s in summaries
        ],
        columns=["source", "title", "origin", "licence", "files", "bytes", "rows", "coverage"],
    )


def report_coverage(summaries: list[SourceSummary]) -> pd.DataFrame:
    """Per report of a report-based source (FMTR): files, regions, rows and bytes."""
    files = [f for f in _files(summaries) if f.report]
    df = pd.DataFrame(
        [
            {
                "source": f.source,
                "report": f.report,
                "region": f.region,
                "rows": f.rows,
                "bytes": f.bytes,
            }
            for f in files
        ],
        columns=["source", "report", "region", "rows", "bytes"],
    )
    grouped = df.groupby(["source", "report"], sort=True)
    return pd.DataFrame(
        {
            "files": grouped.size(),
            "regions": grouped["region"].agg(lambda r: "; ".join(sorted(set(r)))),
            "rows": grouped["rows"].sum(),
            "bytes": grouped["bytes"].sum(),
        }
    ).reset_index()


def table_coverage(summaries: list[SourceSummary]) -> pd.DataFrame:
    """Per file of a table source (CSV): rows, the years covered and the countries named."""
    files = [f for f in _files(summaries) if not f.report]
    df = pd.DataFrame(
        [
            {
                "source": f.source,
                "file": f.file,
                "rows": f.rows,
                "year column": f.year_column,
                "first year": f.first_year,
                "last year": f.last_year,
                "rows without a year": f.rows_without_year,
                "countries": f.countries,
            }
            for f in files
        ],
        columns=[
            "source",
            "file",
            "rows",
            "year column",
            "first year",
            "last year",
            "rows without a year",
            "countries",
        ],
    )
    for col in ("first year", "last year", "countries"):
        df[col] = df[col].astype("Int64")
    df["year column"] = df["year column"].fillna("none")
    return df


def checksums(summaries: list[SourceSummary]) -> pd.DataFrame:
    """Every vendored file with the sha256 it was verified against (uncompressed content)."""
    return pd.DataFrame(
        [
            {"source": f.source, "file": f.file, "sha256": f.sha256, "bytes": f.bytes}
            for f in _files(summaries)
        ],
        columns=["source", "file", "sha256", "bytes"],
    )


# --- the funding table's sources and the coverage matrix's countries ------------------------


def require_columns(df: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise DataError(f"{what}: missing column(s) {', '.join(missing)}")


def matrix_countries(
    funding: pd.DataFrame, region: str, names: list[str] | None = None
) -> list[str]:
    """ISO codes of the matrix's countries: ``names`` resolved, in the order given, or (None)
    the members of ``region`` in the ``funding`` table's ``region`` column, sorted by name,
    then :data:`COMPARATORS` that are not members."""
    require_columns(funding, ("scope", "iso3", "country_name", "region"), "funding")
    if names is not None:
        if isinstance(names, str) or not names:
            raise ParameterError("countries must be None or a non-empty list of country names")
        return list(dict.fromkeys(countries.to_iso3(n) for n in names))
    rows = funding[funding["scope"].eq("country").fillna(False) & funding["region"].eq(region)]
    members = rows.drop_duplicates("iso3").sort_values("country_name", kind="stable")
    if members.empty:
        known = sorted(funding["region"].dropna().unique())
        raise ParameterError(
            f"region {region!r} has no member countries in the funding table; "
            f"regions are: {', '.join(known)}"
        )
    codes = list(members["iso3"])
    return codes + [c for c in map(countries.to_iso3, COMPARATORS) if c not in codes]


def fy_range(fy: pd.Series) -> str:
    """The first to the last fiscal year of ``fy``: ``FY1999–FY2020``."""
    return vocab.fy_span(fy.min(), fy.max())


def funding_sources(funding: pd.DataFrame, measures: Iterable[str]) -> pd.DataFrame:
    """One row per ``source`` key of the ``funding`` table: its rows (and how many are country,
    region and world rows), the countries it covers, its fiscal years, its measures (in the
    order of ``measures``) and how many documents (distinct titles) it draws on."""
    require_columns(
        funding, ("source", "scope", "iso3", "fiscal_year", "measure", "source_title"), "funding"
    )
    order = {m: i for i, m in enumerate(measures)}
    rows = []
    for key, g in funding.groupby("source", sort=True):
        scope = g["scope"].value_counts()
        rows.append(
            {
                "source": key,
                "rows": len(g),
                "country rows": int(scope.get("country", 0)),
                "region and world rows": int(scope.get("region", 0) + scope.get("world", 0)),
                "countries": g.loc[g["scope"].eq("country"), "iso3"].nunique(),
                "fiscal years": fy_range(g["fiscal_year"]),
                "measures": ", ".join(
                    sorted(set(g["measure"]), key=lambda m: order.get(m, len(order)))
                ),
                "documents": g["source_title"].nunique(),
            }
        )
    return pd.DataFrame(rows, columns=list(rows[0]) if rows else [])


# --- the sources behind one chapter's counts and one country's figures ----------------------


def record_citations(training: pd.DataFrame, iso3: str, years: Sequence[int]) -> pd.DataFrame:
    """Where a country's IMET course records of ``years`` are printed: report and pages.

    Pages are the range printed in the report (numbering schemes differ between reports; the
    1999-2000 and 2006-2007 reports have none, shown as <NA>).
    """
    keep = (training["iso3"] == iso3) & (training["status"] == "actual")
    keep &= training["is_imet"].astype(bool) & training["fiscal_year"].isin(list(years))
    rows = training.loc[keep, ["fiscal_year", "report", "page"]]
    out = rows.groupby(["fiscal_year", "report"], as_index=False).agg(
        records=("page", "size"), first_page=("page", "min"), last_page=("page", "max")
    )
    return out.sort_values(["fiscal_year", "report"], ignore_index=True)


def _by_source(rows: pd.DataFrame, extra: dict) -> pd.DataFrame:
    """Group source rows by source key and measure; name the earliest document of each."""
    rows = rows.sort_values(["fiscal_year", "source_title"])
    out = rows.groupby(["source", "measure"], as_index=False).agg(
        first_year=("fiscal_year", "min"),
        last_year=("fiscal_year", "max"),
        **extra,
        documents=("source_title", "nunique"),
        source_title=("source_title", "first"),
        source_url=("source_url", "first"),
    )
    return out.sort_values(["first_year", "source", "measure"], ignore_index=True)


def country_sources(
    funding: pd.DataFrame, iso3: str, measures: Sequence[str], years: Sequence[int]
) -> pd.DataFrame:
    """The sources behind a country's figures, per source and measure: the years they cover,
    how many documents (editions) they come from, and the earliest document's title and
    address."""
    keep = (funding["iso3"] == iso3) & funding["measure"].isin(list(measures))
    keep &= funding["fiscal_year"].isin(list(years))
    return _by_source(funding.loc[keep], {"years": ("fiscal_year", "nunique")})


def money_sources(
    funding: pd.DataFrame, years: Sequence[int], measures: Sequence[str] = MONEY_MEASURES
) -> pd.DataFrame:
    """The sources behind the count of countries with money, per source and measure: the
    years in ``years`` with a positive country figure, how many countries, how many documents
    (editions), and the earliest document's title and address."""
    keep = (funding["scope"] == "country") & funding["iso3"].notna()
    keep &= funding["measure"].isin(list(measures)) & (funding["amount_usd"] > 0)
    keep &= funding["fiscal_year"].isin(list(years))
    return _by_source(funding.loc[keep], {"countries": ("iso3", "nunique")})
