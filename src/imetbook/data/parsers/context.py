"""Timelines, eligibility rules and the article's claims: ``events``, ``rules``, ``claims``.

Inputs (``data/raw/context``, read only through :mod:`imetbook.data.manifest`, see its README):
every ``*_timeline.csv`` file (today Pakistan and India), ``eligibility_rules.csv`` and
``article_claims.csv``.

Events
------
Dates keep their precision: ``1990-10`` (month) is not 1 October 1990. ``date_start`` and
``date_end`` are the first and last day the date can mean, and ``fiscal_year`` is the US fiscal
year of ``date_start`` (a year starting 1 October, so 2018-10-05 is FY2019 and a bare ``1998``
is FY1998).

There is one row per event and *concerned country*: every country in ``countries`` except the
United States, plus the timeline's own country (read from the file name, ``pakistan`` in
``pakistan_timeline.csv``), since each timeline is about that country's relations with the US
(the 1976 creation of IMET, listed with the United States only, concerns Pakistan there).

Some events are in both timelines. Two rows of *different* timeline files are the same event
when they have the same ``date``, ``date_precision`` and ``source_url`` (the README names these
shared events: the 1965 suspension, the 1998 waivers, the 2001 waiver, the USAWC class of 2009;
their wording differs between the files, so the text is not compared). A shared event gives one
row per concerned country: the copy from that country's own timeline if it has one, otherwise
the copy from the first timeline in file-name order. ``shared_with`` names the other copies.

Every bad cell (a date that does not match its precision or the calendar, an unknown category,
precision, kind or verdict, an unknown country, an empty required cell) is an error naming the
file and line.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from imetbook.data import countries, manifest, schema
from imetbook.errors import DataError
from imetbook.vocab import fiscal_year

RULES_FILE = "eligibility_rules.csv"
CLAIMS_FILE = "article_claims.csv"
TIMELINE_SUFFIX = "_timeline.csv"
US = "USA"
SEP = ";"

TIMELINE_COLUMNS = (
    "date",
    "date_precision",
    "event",
    "category",
    "countries",
    "source_title",
    "source_url",
    "source_date",
    "quote",
)
TIMELINE_OPTIONAL = ("source_date", "quote")
TIMELINE_REQUIRED = tuple(c for c in TIMELINE_COLUMNS if c not in TIMELINE_OPTIONAL)
DATE_FORMS = {
    "day": re.compile(r"^\d{4}-\d{2}-\d{2}$"),
    "month": re.compile(r"^\d{4}-\d{2}$"),
    "year": re.compile(r"^\d{4}$"),
}


def _required(row: dict[str, str], columns: Sequence[str]) -> None:
    empty = [c for c in columns if not row[c]]
    if empty:
        raise DataError(f"empty required cell(s): {', '.join(empty)}")


def _choice(value: str, allowed: Sequence[str], what: str) -> str:
    if value not in allowed:
        raise DataError(f"unknown {what} {value!r}; expected one of {', '.join(allowed)}")
    return value


# --- dates -----------------------------------------------------------------------------------


def date_range(date: str, precision: str) -> tuple[dt.date, dt.date]:
    """First and last day a date of the given precision can mean; a mismatch is an error."""
    _choice(precision, tuple(DATE_FORMS), "date precision")
    if not DATE_FORMS[precision].match(date):
        raise DataError(f"date {date!r} does not have precision {precision!r}")
    try:
        if precision == "day":
            day = dt.date.fromisoformat(date)
            return day, day
        if precision == "month":
            start = dt.date.fromisoformat(f"{date}-01")
            following = dt.date(start.year + start.month // 12, start.month % 12 + 1, 1)
            return start, following - dt.timedelta(days=1)
        return dt.date(int(date), 1, 1), dt.date(int(date), 12, 31)
    except ValueError as exc:
        raise DataError(f"bad date {date!r} ({exc})") from None


# --- events ----------------------------------------------------------------------------------


@dataclass
class _Event:
    event_id: str
    timeline: str
    own_iso3: str
    where: str
    row: dict[str, str]
    concerned: dict[str, str]  # iso3 -> canonical name
    start: dt.date
    end: dt.date

    @property
    def signature(self) -> tuple[str, str, str]:
        return (self.row["date"], self.row["date_precision"], self.row["source_url"])


def _timeline_country(file: str) -> tuple[str, str]:
    stem = file.removesuffix(TIMELINE_SUFFIX).replace("_", " ")
    name, iso3 = countries.name_and_code(stem)
    if iso3 is None:
        raise DataError(f"{file}: {stem!r} is not a country")
    return name, iso3


def _concerned(cell: str, own: tuple[str, str]) -> dict[str, str]:
    out = {}
    for label in (n.strip() for n in cell.split(SEP)):
        name, code = countries.name_and_code(label) if label else (None, None)
        if label and code is None:
            raise DataError(f"{label!r} in countries is a heading, not a country")
        if code is not None and code != US:
            out[code] = name
    out.setdefault(own[1], own[0])
    return out


def _parse_timeline(raw: manifest.RawFile) -> list[_Event]:
    own = _timeline_country(raw.relpath)
    stem = Path(raw.relpath).stem
    events = []
    for n, (where, row) in enumerate(manifest.csv_rows(raw, TIMELINE_COLUMNS, strip=True), start=1):
        with manifest.located(where):
            _required(row, TIMELINE_REQUIRED)
            start, end = date_range(row["date"], row["date_precision"])
            _choice(row["category"], schema.CATEGORIES, "category")
            concerned = _concerned(row["countries"], own)
        events.append(_Event(f"{stem}:{n}", stem, own[1], where, row, concerned, start, end))
    return events


def _shared(events: list[_Event]) -> dict[tuple[str, str, str], list[_Event]]:
    """Copies of one event in different timelines, keyed by date, precision and address."""
    groups: dict[tuple[str, str, str], list[_Event]] = {}
    for ev in events:
        groups.setdefault(ev.signature, []).append(ev)
    shared = {sig: evs for sig, evs in groups.items() if len({e.timeline for e in evs}) > 1}
    for evs in shared.values():
        if len({e.timeline for e in evs}) < len(evs):
            lines = ", ".join(e.where for e in evs)
            raise DataError(f"cannot pair the copies of one event across timelines: {lines}")
    return shared


def _event_rows(events: list[_Event]) -> list[dict[str, object]]:
    shared = _shared(events)
    rows = []
    for ev in events:
        copies = shared.get(ev.signature, [ev])
        others = SEP.join(e.event_id for e in copies if e is not ev) or None
        for iso3, name in sorted(ev.concerned.items()):
            holders = [e for e in copies if iso3 in e.concerned]
            chosen = next((e for e in holders if e.own_iso3 == iso3), holders[0])
            if chosen is ev:
                rows.append(_event_row(ev, iso3, name, others))
    return rows


def _event_row(ev: _Event, iso3: str, name: str, others: str | None) -> dict[str, object]:
    row = ev.row
    return {
        "event_id": ev.event_id,
        "timeline": ev.timeline,
        "shared_with": others,
        "date": row["date"],
        "date_precision": row["date_precision"],
        "date_start": pd.Timestamp(ev.start),
        "date_end": pd.Timestamp(ev.end),
        "fiscal_year": fiscal_year(ev.start),
        "category": row["category"],
        "event": row["event"],
        "country_name": name,
        "iso3": iso3,
        "countries": row["countries"],
        "source_title": row["source_title"],
        "source_url": row["source_url"],
        "source_date": row["source_date"] or None,
        "quote": row["quote"] or None,
    }


def build_events(timelines: Sequence[manifest.RawFile]) -> pd.DataFrame:
    """The ``events`` table from the timeline files (see the module docstring)."""
    events = [
        ev for raw in sorted(timelines, key=lambda r: r.relpath) for ev in _parse_timeline(raw)
    ]
    df = pd.DataFrame(_event_rows(events), columns=schema.EVENTS.names)
    df = df.sort_values(["date_start", "date_end", "event_id", "iso3"], kind="stable")
    return _typed(df.reset_index(drop=True), schema.EVENTS)


# --- rules and claims -------------------------------------------------------------------------


def _example_iso3(cell: str) -> str | None:
    codes = []
    for name in (n.strip() for n in cell.split(SEP)):
        if name:
            _, code = countries.name_and_code(name)
            if code is None:
                raise DataError(f"example country {name!r} is a heading, not a country")
            codes.append(code)
    return SEP.join(codes) or None


def _year_enacted(cell: str) -> int | None:
    if not cell:
        return None
    if not DATE_FORMS["year"].match(cell):
        raise DataError(f"bad year_enacted {cell!r}")
    return int(cell)


def build_rules(raw: manifest.RawFile) -> pd.DataFrame:
    """The ``rules`` table; example countries are checked and coded."""
    required = ("rule_id", "name", "legal_citation", "effect_on_imet", "source_title")
    rows = []
    columns = [c for c in schema.RULES.names if c != "example_iso3"]
    for where, row in manifest.csv_rows(raw, columns, strip=True):
        with manifest.located(where):
            _required(row, required)
            out = {c: row[c] or None for c in schema.RULES.names if c in row}
            out["year_enacted"] = _year_enacted(row["year_enacted"])
            out["example_iso3"] = _example_iso3(row["example_countries"])
        rows.append(out)
    df = pd.DataFrame(rows, columns=schema.RULES.names)
    return _typed(df.sort_values("rule_id").reset_index(drop=True), schema.RULES)


def build_claims(raw: manifest.RawFile) -> pd.DataFrame:
    """The ``claims`` table; kind and verdict must be among the known values."""
    required = [c.name for c in schema.CLAIMS.columns if not c.nullable]
    kinds = next(c.allowed for c in schema.CLAIMS.columns if c.name == "kind")
    rows = []
    for where, row in manifest.csv_rows(raw, schema.CLAIMS.names, strip=True):
        with manifest.located(where):
            _required(row, required)
            _choice(row["kind"], kinds, "claim kind")
            _choice(row["verdict"], schema.VERDICTS, "verdict")
        rows.append({c: row[c] or None for c in schema.CLAIMS.names})
    df = pd.DataFrame(rows, columns=schema.CLAIMS.names)
    return _typed(df.sort_values("claim_id").reset_index(drop=True), schema.CLAIMS)


def _typed(df: pd.DataFrame, contract: schema.Contract) -> pd.DataFrame:
    kinds = {"str": "str", "int": "Int64", "date": "datetime64[us]"}
    for col in contract.columns:
        if col.kind in kinds:
            df[col.name] = df[col.name].astype(kinds[col.kind])
    return df


def build_tables(context_dir: Path) -> dict[str, pd.DataFrame]:
    """``events``, ``rules`` and ``claims``, validated, from the vendored context files."""
    raw = manifest.read_plain(context_dir)
    missing = [f for f in (RULES_FILE, CLAIMS_FILE) if f not in raw]
    timelines = [r for name, r in raw.items() if name.endswith(TIMELINE_SUFFIX)]
    if missing or not timelines:
        lacking = missing + ([] if timelines else [f"any *{TIMELINE_SUFFIX}"])
        raise DataError(f"{context_dir}: MANIFEST.csv lacks {', '.join(lacking)}")
    tables = {
        "events": build_events(timelines),
        "rules": build_rules(raw[RULES_FILE]),
        "claims": build_claims(raw[CLAIMS_FILE]),
    }
    for name, df in tables.items():
        schema.validate(df, schema.CONTRACTS[name])
    return tables
