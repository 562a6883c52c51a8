"""Sourced reference facts: ASPA, its countries, NATO accessions, other country restrictions.

Inputs (``data/raw/reference``, read only through :mod:`imetbook.data.manifest`, see its README):

* ``aspa_rules.csv``: the dated milestones of the American Servicemembers' Protection Act
  (enactment, the prohibition, its entry into force, the July 2003 suspensions, the 2006 IMET
  exemption), one source and locator each;
* ``aspa_countries.csv``: one row per country and event (``suspended``, ``article98_waiver``,
  ``partial_waiver``, ``training_waiver``) as a source names it;
* ``nato_accessions.csv``: each NATO member's date of accession;
* ``country_restrictions.csv``: dated suspensions of a country's US military aid for another
  cause (today: after a military coup), one source and locator each.

Dates keep their precision (``2006-10`` is a month, ``1949`` a year); ``date_start`` and
``date_end`` are the first and last day the date can mean. An ``unknown`` precision has an
empty date and null bounds: the source names the event without dating it. Every bad cell
(unknown country, event, milestone or precision; a date that does not match its precision;
an empty required cell; a non-http(s) address) is an error naming the file and line.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from imetbook.data import countries, manifest, schema
from imetbook.data.parsers import context
from imetbook.errors import DataError

RULES_FILE = "aspa_rules.csv"
COUNTRIES_FILE = "aspa_countries.csv"
NATO_FILE = "nato_accessions.csv"
RESTRICTIONS_FILE = "country_restrictions.csv"

UNKNOWN = "unknown"
SOURCE_COLUMNS = ("source_title", "source_url", "locator")
RULE_COLUMNS = (
    "rule_id",
    "milestone",
    "date",
    "date_precision",
    "name",
    "legal_citation",
    "effect_on_imet",
    *SOURCE_COLUMNS,
)
COUNTRY_COLUMNS = ("country", "event", "date", "date_precision", "detail", *SOURCE_COLUMNS)
NATO_COLUMNS = ("country", "accession_date", "date_precision", *SOURCE_COLUMNS)
RESTRICTION_COLUMNS = ("country", "cause", "date", "date_precision", "detail", *SOURCE_COLUMNS)


def _bounds(date: str, precision: str) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """First and last day of ``date``; ``(None, None)`` for an undated (unknown) event."""
    if precision == UNKNOWN:
        if date:
            raise DataError(f"date {date!r} given with precision 'unknown'")
        return None, None
    start, end = context.date_range(date, precision)
    return pd.Timestamp(start), pd.Timestamp(end)


def _url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise DataError(f"source_url {value!r} is not an http(s) address")
    return value


def _parse(
    raw: manifest.RawFile,
    columns: tuple[str, ...],
    date_col: str,
    choices: dict[str, tuple],
    order: list[str],
) -> pd.DataFrame:
    """Rows of one reference file, checked, with ``date_start``/``date_end`` added, sorted by
    ``order``."""
    out = []
    for where, row in manifest.csv_rows(raw, columns, strip=True):
        with manifest.located(where):
            context._required(row, [c for c in columns if c != date_col])
            for col, allowed in choices.items():
                context._choice(row[col], allowed, col.replace("_", " "))
            start, end = _bounds(row[date_col], row["date_precision"])
            _url(row["source_url"])
            extra = {}
            if "country" in row:
                iso3 = countries.to_iso3(row["country"])
                extra = {"iso3": iso3, "country_name": countries.canonical_name(iso3)}
            out.append({**row, **extra, "date_start": start, "date_end": end})
    df = pd.DataFrame(out)
    df[date_col] = df[date_col].replace("", None)
    for col in ("date_start", "date_end"):
        df[col] = pd.to_datetime(df[col])
    return df.sort_values(order, ignore_index=True)


def build_aspa_rules(raw: manifest.RawFile) -> pd.DataFrame:
    choices = {"milestone": schema.ASPA_MILESTONES, "date_precision": schema.REF_PRECISIONS}
    return _parse(raw, RULE_COLUMNS, "date", choices, ["rule_id"])


def build_aspa_countries(raw: manifest.RawFile) -> pd.DataFrame:
    choices = {"event": schema.ASPA_EVENTS, "date_precision": schema.REF_PRECISIONS}
    return _parse(raw, COUNTRY_COLUMNS, "date", choices, ["country_name", "event", "date_start"])


def build_nato_accessions(raw: manifest.RawFile) -> pd.DataFrame:
    choices = {"date_precision": schema.REF_PRECISIONS[:-1]}
    df = _parse(raw, NATO_COLUMNS, "accession_date", choices, ["date_start", "iso3"])
    if df["accession_date"].isna().any():
        raise DataError(f"{raw.relpath}: every NATO member needs an accession date")
    return df


def build_country_restrictions(raw: manifest.RawFile) -> pd.DataFrame:
    choices = {"cause": schema.RESTRICTION_CAUSES, "date_precision": schema.REF_PRECISIONS[:-1]}
    return _parse(raw, RESTRICTION_COLUMNS, "date", choices, ["date_start", "iso3"])


def build_tables(reference_dir: Path) -> dict[str, pd.DataFrame]:
    """``aspa_rules``, ``aspa_countries``, ``nato_accessions`` and ``country_restrictions``."""
    raw = manifest.read_plain(reference_dir)
    files = (RULES_FILE, COUNTRIES_FILE, NATO_FILE, RESTRICTIONS_FILE)
    missing = [f for f in files if f not in raw]
    if missing:
        raise DataError(f"{reference_dir}: MANIFEST.csv lacks {', '.join(missing)}")
    tables = {
        "aspa_rules": build_aspa_rules(raw[RULES_FILE]),
        "aspa_countries": build_aspa_countries(raw[COUNTRIES_FILE]),
        "nato_accessions": build_nato_accessions(raw[NATO_FILE]),
        "country_restrictions": build_country_restrictions(raw[RESTRICTIONS_FILE]),
    }
    for name, df in tables.items():
        schema.validate(df, schema.CONTRACTS[name])
    return tables
