"""Course titles and training places, normalised by written rules and two small curated tables.

The training reports print the same course and the same place in many ways across the years
(``AIR COMD & STAFF COLLEGE``, ``AIR COMMAND & STAFF COLLEGE (ACSC) RESIDENT``;
``MAXWELL AFB, AL 36112-6323``, ``Maxwell AFB, AL, US``). Nothing here guesses: every step is a
rule listed below or a row of a curated table, and every table row is tested against real
titles and places printed in the reports.

The curated tables are sourced CSVs in ``data/raw/reference`` (read through their manifest):
``course_families.csv`` and ``places.csv`` hold the rules (one row each, tried in file order,
first match wins), ``course_titles.csv`` and ``place_locations.csv`` the titles and locations
each rule was written for, every one cited by the report, page, record id and original
document of a training row that prints it (``course_titles.csv`` rows without a family are
titles that look like a family but are not the course).

Title rules (:func:`normalise_title`), applied in this order:

T1. Unescape HTML entities repeatedly, fold curly quotes, collapse whitespace
    (:func:`imetbook.data.countries.clean_text`).
T2. Drop accents and upper-case.
T3. Repair the 2012-2013 extraction damage that turned ``US`` inside words into ``U.S.``
    (``varioU.S. Maritime`` is ``VARIOUS MARITIME``).
T4. ``&`` and ``+`` become the word ``AND``.
T5. Apostrophes are dropped (``INT'L`` -> ``INTL``, ``OFFICER'S`` -> ``OFFICERS``), and the word
    ``S`` left where a printed apostrophe was lost is joined back (``OFFICER S`` -> ``OFFICERS``).
T6. Every other character that is not a letter or a digit becomes a space.
T7. Each abbreviation in :data:`TITLE_ABBREVIATIONS` is expanded, word by word.
T8. Whitespace is collapsed.

Before T7, the phrases of :data:`TITLE_PHRASES` are rewritten where a word alone is ambiguous:
``RES`` is "resident" in a war college title but "resources" in ``RES MGT``.

A normalised title is still a title: it is not a course identity. The curated
:func:`families` table groups the titles of the main professional military education (PME)
courses, which change wording across the years, into one family each (:func:`course_family`).
A title outside the table has no family; it is never forced into one.

Place rules (:func:`normalise_location` and :func:`place_of`):

P1. T1 and T2 as for titles.
P2. A value that names no place (``VARIOUS``, ``N/A``, ``MOBILE TRAINING TEAM``, ``TBD``, empty)
    is no place (``None``).
P2a. In-country training (``COLOMBIA (IN COUNTRY TRAINING)``, ``Kosovo (In Country Training)``)
    is the place "<Country> (in-country training)", the country as printed in title case: two
    countries' in-country training is never one place.
P3. A row of :func:`places` whose pattern matches names the place (for the schools where
    international officers study most, and for spellings that are the same place).
P4. Otherwise: ZIP codes, a trailing ``US``/``USA``/``UNITED STATES`` and punctuation are
    removed, ``FT`` becomes ``FORT``, and whitespace is collapsed; the result is the place.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd

from imetbook import paths
from imetbook.data import manifest
from imetbook.data.countries import clean_text
from imetbook.errors import DataError

# Word-level expansions (rule T7). Only abbreviations seen in the reports' course titles and
# unambiguous there: COL is always "college" in a title (ranks are never part of a title).
TITLE_ABBREVIATIONS: dict[str, str] = {
    "ADV": "ADVANCED",
    "ARTY": "ARTILLERY",
    "AVN": "AVIATION",
    "CAPT": "CAPTAINS",
    "CAPTAIN": "CAPTAINS",
    "CAPTS": "CAPTAINS",
    "CPT": "CAPTAINS",
    "CMD": "COMMAND",
    "COL": "COLLEGE",
    "COLL": "COLLEGE",
    "COMD": "COMMAND",
    "CRS": "COURSE",
    "DEF": "DEFENSE",
    "EDUC": "EDUCATION",
    "GEN": "GENERAL",
    "INTL": "INTERNATIONAL",
    "MGMT": "MANAGEMENT",
    "MGT": "MANAGEMENT",
    "MO": "MONTH",
    "OFF": "OFFICER",
    "OFFR": "OFFICER",
    "PLANING": "PLANNING",  # misspelt in the DISAM planning and resources management course
    "PLNG": "PLANNING",
    "PREP": "PREPARATORY",
    "RES": "RESIDENT",
    "SCH": "SCHOOL",
    "SR": "SENIOR",
    "TNG": "TRAINING",
    "TRNG": "TRAINING",
}

# Phrase-level expansions applied before the word map (rule T7): words ambiguous alone.
TITLE_PHRASES: dict[str, str] = {
    r"\bRES MGT\b": "RESOURCES MGT",
    r"\bRES MGMT\b": "RESOURCES MGMT",
}
_PHRASES = tuple((re.compile(k), v) for k, v in TITLE_PHRASES.items())

_U_S_DAMAGE = re.compile(r"(?<=[A-Z])U\.S\.")
_APOSTROPHES = re.compile(r"['`\u2019\u2018]")
_NON_ALNUM = re.compile(r"[^A-Z0-9]+")
_LOST_APOSTROPHE = re.compile(r"\b(OFFICER|SOLDIER|SERGEANT) S\b")


def _fold(text: str) -> str:
    """Rules T1 and T2 (and P1): clean, drop accents, upper-case."""
    text = clean_text(text)
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().upper()


@cache
def normalise_title(title: str) -> str:
    """A course title after rules T1-T8 (see the module doc); ``""`` for an empty title."""
    text = _fold(title)
    text = _U_S_DAMAGE.sub("US", text)
    text = text.replace("&", " AND ").replace("+", " AND ")
    text = _APOSTROPHES.sub("", text)
    text = " ".join(_NON_ALNUM.sub(" ", text).split())
    for pattern, phrase in _PHRASES:
        text = pattern.sub(phrase, text)
    words = [TITLE_ABBREVIATIONS.get(w, w) for w in text.split()]
    return _LOST_APOSTROPHE.sub(r"\1S", " ".join(words))


# --- course families ----------------------------------------------------------------------

LEVELS = ("senior", "intermediate", "career", "preparatory")
"""PME levels: senior (war colleges), intermediate (staff colleges), career (captains' career
courses and their equivalents), preparatory (courses that prepare international officers for
one of the others)."""


@dataclass(frozen=True)
class CourseFamily:
    """One curated course family: which normalised titles belong to it, and why."""

    family: str
    school: str
    level: str
    pattern: str
    examples: tuple[str, ...]
    note: str = ""
    sources: tuple[str, ...] = ()  # where each example is printed: "2008-2009 p. 46"


# --- the curated tables (data/raw/reference) ---------------------------------------------------

FAMILIES_FILE = "course_families.csv"
TITLES_FILE = "course_titles.csv"
PLACES_FILE = "places.csv"
LOCATIONS_FILE = "place_locations.csv"
COLUMNS: dict[str, tuple[str, ...]] = {
    FAMILIES_FILE: ("family", "school", "level", "pattern", "note"),
    TITLES_FILE: ("title", "family", "report", "page", "record_id", "document_url", "location"),
    PLACES_FILE: ("place", "pattern", "note"),
    LOCATIONS_FILE: ("location", "place", "report", "page", "record_id", "document_url"),
}
_UNIQUE = {FAMILIES_FILE: ("family",), PLACES_FILE: ("place",)}
_REPORT = re.compile(r"\d{4}-\d{4}")


def reference_dir() -> Path:
    return paths.raw_dir() / "reference"


def _check_row(name: str, where: str, row: dict[str, str]) -> None:
    required = [c for c in COLUMNS[name] if c not in ("note", "family", "page", "document_url",
                                                     "location")]  # fmt: skip
    empty = [c for c in required if not row[c].strip()]
    if empty:
        raise DataError(f"{where}: empty {', '.join(empty)}")
    if "pattern" in row:
        try:
            re.compile(row["pattern"])
        except re.error as exc:
            raise DataError(f"{where}: bad regular expression ({exc})") from None
    if "level" in row and row["level"] not in LEVELS:
        raise DataError(f"{where}: level {row['level']!r} is not one of {', '.join(LEVELS)}")
    if "report" in row:
        if not _REPORT.fullmatch(row["report"]):
            raise DataError(f"{where}: report {row['report']!r} is not a report label")
        if row["page"] and not row["page"].isdigit():
            raise DataError(f"{where}: page {row['page']!r} is not a page number")
        if row["document_url"] and not row["document_url"].startswith(("http://", "https://")):
            raise DataError(f"{where}: document_url is not an http(s) address")


@cache
def _read(folder: Path | None = None) -> dict[str, list[dict[str, str]]]:
    """The four curated files, verified against the manifest and checked row by row."""
    verified = manifest.read_plain(folder or reference_dir())
    out = {}
    for name, columns in COLUMNS.items():
        if name not in verified:
            raise DataError(f"reference/MANIFEST.csv does not list {name}")
        rows = manifest.read_csv(verified[name])
        if not rows or tuple(rows[0]) != columns:
            got = ", ".join(rows[0]) if rows else "no rows"
            raise DataError(f"{name}: expected columns {', '.join(columns)}; got {got}")
        located = [(f"{name} line {line}", row) for line, row in enumerate(rows, start=2)]
        for where, row in located:
            _check_row(name, where, row)
        # A family or place twice would be listed twice; an example twice, cited twice.
        manifest.refuse_repeats(located, _UNIQUE.get(name, columns))
        out[name] = rows
    return out


def _examples(rows: list[dict[str, str]], key: str, value: str, text: str) -> list[tuple[str, str]]:
    """``(printed text, "report p. N")`` of the example rows naming ``value`` in ``key``."""
    return [
        (r[text], f"{r['report']} p. {r['page']}" if r["page"] else f"{r['report']} (no page)")
        for r in rows
        if r[key] == value
    ]


def _linked(name: str, key: str, known: set[str], rows: list[dict[str, str]]) -> None:
    unknown = sorted({r[key] for r in rows if r[key] and r[key] not in known})
    if unknown:
        raise DataError(f"{name}: unknown {key} {', '.join(map(repr, unknown))}")


def _with_examples(
    tables: dict[str, list[dict[str, str]]], main: str, examples: str, key: str, text: str
) -> Iterator[tuple[dict[str, str], tuple[str, ...], tuple[str, ...]]]:
    """Each row of ``main`` with the printed ``text`` of its rows in ``examples`` and where
    each is printed; a row with no example, or an example of no row, is a :class:`DataError`."""
    rows = tables[examples]
    _linked(examples, key, {r[key] for r in tables[main]}, rows)
    for r in tables[main]:
        found = _examples(rows, key, r[key], text)
        if not found:
            raise DataError(f"{examples}: no example {text} of the {key} {r[key]!r}")
        yield r, tuple(t for t, _ in found), tuple(s for _, s in found)


@cache
def families(folder: Path | None = None) -> tuple[CourseFamily, ...]:
    """The curated course families, in file order, each with its example titles and where
    each is printed."""
    return tuple(
        CourseFamily(r["family"], r["school"], r["level"], r["pattern"], titles, r["note"], seen)
        for r, titles, seen in _with_examples(
            _read(folder), FAMILIES_FILE, TITLES_FILE, "family", "title"
        )
    )


@cache
def not_in_families(folder: Path | None = None) -> tuple[str, ...]:
    """Titles that look like a family but are not the course (each pinned by a test)."""
    return tuple(r["title"] for r in _read(folder)[TITLES_FILE] if not r["family"])


@cache
def places(folder: Path | None = None) -> tuple[Place, ...]:
    """The curated places, in file order, each with its example locations and sources."""
    return tuple(
        Place(r["place"], r["pattern"], locations, r["note"], seen)
        for r, locations, seen in _with_examples(
            _read(folder), PLACES_FILE, LOCATIONS_FILE, "place", "location"
        )
    )


def __getattr__(name: str) -> object:
    # The tables are read on first use, never at import (importing must not touch raw files).
    lazy = {"FAMILIES": families, "PLACES": places, "NOT_IN_FAMILIES": not_in_families}
    if name in lazy:
        return lazy[name]()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@cache
def _compiled() -> tuple[tuple[CourseFamily, re.Pattern], ...]:
    return tuple((fam, re.compile(fam.pattern)) for fam in families())


@cache
def _places_compiled() -> tuple[tuple[str, re.Pattern], ...]:
    return tuple((p.place, re.compile(p.pattern)) for p in places())


@cache
def family_of(title: str) -> CourseFamily | None:
    """The curated family of a printed course title, or ``None`` (first matching row wins)."""
    norm = normalise_title(title)
    for fam, pattern in _compiled():
        if pattern.fullmatch(norm):
            return fam
    return None


def course_family(title: str | None) -> str | None:
    """The family name of a printed title, or ``None`` if it is in no curated family."""
    if title is None or pd.isna(title):
        return None
    fam = family_of(title)
    return fam.family if fam else None


def _with_sources(examples: tuple[str, ...], sources: tuple[str, ...]) -> str:
    return "; ".join(f"{e} ({s})" for e, s in zip(examples, sources, strict=True))


def families_table() -> pd.DataFrame:
    """The curated families as a table (for the chapter and the methods appendix)."""
    return pd.DataFrame(
        [
            {
                "family": f.family,
                "level": f.level,
                "school": f.school,
                "rule (regular expression on the normalised title)": f.pattern,
                "titles as printed (examples, where printed)": _with_sources(f.examples, f.sources),
                "note": f.note,
            }
            for f in families()
        ]
    )


# --- places ----------------------------------------------------------------------------------

NO_PLACE: frozenset[str] = frozenset(
    {"", "VARIOUS", "N/A", "NA", "TBD", "MOBILE TRAINING TEAM", "MTT", "CONUS", "OCONUS", "-"}
)
"""Location values (after P1) that name no place: such a row cannot be placed in a class."""


@dataclass(frozen=True)
class Place:
    place: str
    pattern: str
    examples: tuple[str, ...]
    note: str = ""
    sources: tuple[str, ...] = ()  # where each example is printed: "2001-2002 p. 1"


_IN_COUNTRY = re.compile(r"^(.+?) IN COUNTRY(?: TRAINING)?$")
_ZIP = re.compile(r"\b\d{5}(-\d{4})?\b")
_TRAILING_US = re.compile(r"\s+(US|USA|UNITED STATES)$")
_FORT = re.compile(r"\bFT\b")


@cache
def normalise_location(location: str) -> str | None:
    """Rule P4 (after P1-P2): the location with ZIP codes, ``US`` and punctuation removed."""
    text = _fold(location)
    if text.strip(" .") in NO_PLACE:
        return None
    text = _ZIP.sub(" ", text)
    text = re.sub(r"[^A-Z0-9 ]+", " ", text.replace(".", ""))
    text = _TRAILING_US.sub("", " ".join(text.split()))
    text = _FORT.sub("FORT", text)
    return text or None


@cache
def place_of(location: str | None) -> str | None:
    """The place a printed location names (rules P1-P4), or ``None`` if it names none."""
    if location is None or pd.isna(location):
        return None
    folded = _fold(location)
    if folded.strip(" .") in NO_PLACE:
        return None
    in_country = _IN_COUNTRY.match(" ".join(re.sub(r"[^A-Z0-9 ]+", " ", folded).split()))
    if in_country:
        return f"{in_country[1].title()} (in-country training)"
    for place, pattern in _places_compiled():
        if pattern.search(folded):
            return place
    return normalise_location(location)


def places_table() -> pd.DataFrame:
    """The curated places as a table (for the chapter and the methods appendix)."""
    return pd.DataFrame(
        [
            {
                "place": p.place,
                "rule (regular expression on the upper-cased location)": p.pattern,
                "locations as printed (examples, where printed)": _with_sources(
                    p.examples, p.sources
                ),
                "note": p.note,
            }
            for p in places()
        ]
    )
