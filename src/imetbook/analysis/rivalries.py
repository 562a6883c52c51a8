"""Rivals in the same US classroom, worldwide: every strategic rivalry, year by year.

The rivalries are those of Thompson, Sakuwa and Suhas (2021) (``data/raw/rivalries``, parsed by
:mod:`imetbook.data.parsers.rivalries`). A rivalry is *active* in a US fiscal year when that year
lies
between its start and end years (an ongoing rivalry: through FY2021, when the list was written).

For every rivalry active in a fiscal year, its *shared classes* are exactly those of
:func:`imetbook.analysis.classmates.shared_classes_for` for its two sides in that year (same
course, place and fiscal year, overlapping dates; course-year matches where the oldest reports
print no dates), so a rivalry's count equals the classmates chapter's count for the same pair,
program and years. Each class carries its PME tier (:mod:`imetbook.analysis.tiers`) and the
report rows and pages it rests on.

A rivalry-year is one of:

* ``meets``: at least ``min_classes`` shared classes;
* ``no shared class``: both sides have training rows that year, but fewer shared classes;
* ``not checkable``: a side is outside the reports by law (the United States, the host; NATO
  members, ``not_in_reports.csv``), so the records can neither show nor rule out a meeting;
* ``side absent``: a side has no training rows that year under the program (the rules table
  names the laws that cut some of them off: :func:`absence_rules`).

Public entry point: :func:`rivalry_classes`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from imetbook import paths
from imetbook.analysis import classmates, matching, tiers
from imetbook.data import countries as countries_mod
from imetbook.data import manifest
from imetbook.data.parsers import rivalries as parser
from imetbook.errors import DataError, ParameterError

# The last fiscal year an "ongoing" rivalry counts as active: the list was written in 2021.
ONGOING_UNTIL = 2021
# Shared classes the chapter lists (war colleges first); the command line lists them all.
LISTED = 300
# Years the book's rivalry coverage test spans: the training reports' years (and FY2021).
BOOK_YEARS = (1999, 2021)
STATUSES = ("meets", "no shared class", "not checkable", "side absent")
# The tiers a query may count ("all", or one), and the range of ``min_classes``.
TIER_CHOICES: tuple[str, ...] = ("all", *tiers.ALL_TIERS)
MIN_CLASSES: tuple[int, int] = (1, 1000)

# --- the raw list ------------------------------------------------------------------------------


def raw_folder() -> Path:
    return paths.raw_dir() / "rivalries"


NAMES_FILE = "rivalry_names.csv"
NAME_COLUMNS = (
    "short_name",
    "country",
    "iso3",
    "report",
    "page",
    "record_id",
    "printed_as",
    "note",
)


@cache
def _load(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, tuple[str, ...]]]:
    verified = manifest.read_plain(folder)
    for name in ("tss_rivalries.xlsx", "not_in_reports.csv", NAMES_FILE):
        if name not in verified:
            raise DataError(f"rivalries/MANIFEST.csv does not list {name}")
    rows = parser.read_xlsx(verified["tss_rivalries.xlsx"].data)
    listed = _not_in_reports(verified["not_in_reports.csv"])
    return parser.parse(rows), listed, _names(manifest.read_csv(verified[NAMES_FILE]))


LISTED_COLUMNS = (
    "country",
    "iso3",
    "reason",
    "since",
    "law",
    "law_url",
    "law_quote",
    "rule_id",
    "source_title",
    "source_url",
    "locator",
    "quote",
)
_LISTED_REQUIRED = ("country", "iso3", "reason", "law", "law_url", "law_quote", "rule_id")


def _not_in_reports(raw: manifest.RawFile) -> pd.DataFrame:
    """``not_in_reports.csv`` checked row by row: the book's name of each ISO code, the law
    and its address, an http(s) address for every link and a year for ``since``; no country
    twice (its years would be marked twice)."""
    rows = manifest.csv_rows(raw, LISTED_COLUMNS)
    for where, row in rows:
        empty = [c for c in _LISTED_REQUIRED if not row[c].strip()]
        if empty:
            raise DataError(f"{where}: empty {', '.join(empty)}")
        countries_mod.require_book_name(where, row["country"], row["iso3"])
        for col in ("law_url", "source_url"):
            if row[col] and not row[col].startswith(("http://", "https://")):
                raise DataError(f"{where}: {col} is not an http(s) address")
        if row["since"] and not row["since"].isdigit():
            raise DataError(f"{where}: since {row['since']!r} is not a year")
    manifest.refuse_repeats(rows, ["iso3"])
    return pd.DataFrame([row for _, row in rows], columns=list(LISTED_COLUMNS))


def _names(rows: list[dict[str, str]]) -> dict[str, tuple[str, ...]]:
    """Short name -> the book's country names, in file order; each name must be the book's
    own name of its ISO code, with a cited training row unless the note says why none."""
    if not rows or tuple(rows[0]) != NAME_COLUMNS:
        got = ", ".join(rows[0]) if rows else "no rows"
        raise DataError(f"{NAMES_FILE}: expected columns {', '.join(NAME_COLUMNS)}; got {got}")
    located = [(f"{NAMES_FILE} line {line}", row) for line, row in enumerate(rows, start=2)]
    out: dict[str, list[str]] = {}
    for where, row in located:
        countries_mod.require_book_name(where, row["country"], row["iso3"])
        if not row["short_name"] or not (row["record_id"] or row["note"]):
            raise DataError(f"{where}: a short name and a source (record_id or note) are required")
        out.setdefault(row["short_name"], []).append(row["country"])
    # A country named twice for one short name would count its rows twice.
    manifest.refuse_repeats(located, ["short_name", "country"])
    return {k: tuple(v) for k, v in out.items()}


def rivalry_names(folder: Path | None = None) -> dict[str, tuple[str, ...]]:
    """Each short name the list uses for a side of a rivalry active from 1999 to 2021 -> the
    book's country name(s) for it in the training reports (``rivalry_names.csv``). "Serbia"
    also stands for its predecessors in the reports ("Yugoslavia" FY2000-FY2002, "Serbia and
    Montenegro" FY2003-FY2006). Tested to cover every side of every rivalry active in those
    years."""
    return _load(folder or raw_folder())[2]


def __getattr__(name: str) -> object:
    # Read on first use, never at import (importing must not touch raw files).
    if name == "RIVALRY_NAMES":
        return rivalry_names()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def load_rivalries(folder: Path | None = None) -> pd.DataFrame:
    """Every rivalry (a copy), with ``last_active``: its end year, or :data:`ONGOING_UNTIL`."""
    frame = _load(folder or raw_folder())[0].copy()
    frame["last_active"] = frame["end"].fillna(ONGOING_UNTIL).astype("int64")
    return frame


def not_in_reports(folder: Path | None = None) -> pd.DataFrame:
    """Countries the training reports leave out by law, with the law and a source (a copy)."""
    return _load(folder or raw_folder())[1].copy()


def active_between(rivalries: pd.DataFrame, first: int, last: int) -> pd.DataFrame:
    """Rivalries active in at least one year from ``first`` to ``last`` (inclusive)."""
    hit = (rivalries["start"] <= last) & (rivalries["last_active"] >= first)
    return rivalries[hit].reset_index(drop=True)


def book_names(short: str) -> tuple[str, ...]:
    """The book's country names for a side's short name; :class:`DataError` if unmapped."""
    try:
        return rivalry_names()[short]
    except KeyError:
        raise DataError(f"rivalries: no mapping for the short name {short!r}") from None


def side_codes(short: str) -> tuple[str, ...]:
    """ISO codes of a side (every name it stands for in the reports)."""
    return tuple(countries_mod.name_and_code(n)[1] for n in book_names(short))


def _codes_of(frame: pd.DataFrame) -> dict[str, tuple[str, ...]]:
    """:func:`side_codes` of every side in ``frame``, looked up once per call."""
    return {s: side_codes(s) for s in sorted({*frame["side_a"], *frame["side_b"]})}


def rivalry_years(rivalries: pd.DataFrame, first: int, last: int) -> pd.DataFrame:
    """One row per rivalry and fiscal year it is active, from ``first`` to ``last``."""
    out = []
    for r in active_between(rivalries, first, last).itertuples(index=False):
        for fy in range(max(r.start, first), min(r.last_active, last) + 1):
            out.append((r.rivalry_id, r.rivalry, r.side_a, r.side_b, fy))
    return pd.DataFrame(
        out, columns=["rivalry_id", "rivalry", "side_a", "side_b", "fiscal_year"]
    ).astype({"rivalry_id": "int64", "fiscal_year": "int64"})


# --- shared classes ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    programs: str
    tier: str
    fy_start: int
    fy_end: int
    min_classes: int


@dataclass(frozen=True)
class RivalryClasses:
    """The answer to a :class:`Query`.

    ``classes``: one row per rivalry and shared class (all tiers; ``counted`` marks those of
    the query's tier). ``rows``: the report rows behind every class. ``years``: one row per
    rivalry and active fiscal year with its status. ``rivalries``: one row per rivalry.
    """

    query: Query
    classes: pd.DataFrame
    rows: pd.DataFrame
    years: pd.DataFrame
    rivalries: pd.DataFrame


def make_query(
    training: pd.DataFrame,
    programs: str = "IMET",
    tier: str = "all",
    fy_start: int | None = None,
    fy_end: int | None = None,
    min_classes: int = 1,
) -> Query:
    """Validate the arguments (one clear :class:`ParameterError` line for a bad one)."""
    lo, hi = classmates.data_span(training)
    first, last = classmates.check_span(
        lo if fy_start is None else fy_start, hi if fy_end is None else fy_end, (lo, hi)
    )
    programs = matching.resolve_program(training, programs)
    if tier not in TIER_CHOICES:
        raise ParameterError(f"rivalries: tier {tier!r} is not one of {', '.join(TIER_CHOICES)}")
    if isinstance(min_classes, bool) or not isinstance(min_classes, int):
        raise ParameterError(f"rivalries: min_classes must be a whole number, not {min_classes!r}")
    if not MIN_CLASSES[0] <= min_classes <= MIN_CLASSES[1]:
        raise ParameterError(
            f"rivalries: min_classes {min_classes} is below the minimum {MIN_CLASSES[0]}"
            if min_classes < MIN_CLASSES[0]
            else f"rivalries: min_classes {min_classes} is above the maximum {MIN_CLASSES[1]}"
        )
    return Query(programs, tier, first, last, min_classes)


def _key_tiers(training: pd.DataFrame, keys: pd.Series) -> dict[str, tiers.Tier]:
    """Tiers of ``keys``, each from all its printed titles in the records (not only the rows
    of one rivalry), so a course has the same tier whichever rivalry met in it."""
    hit = (training["status"] == "actual") & training["course_key"].isin(set(keys))
    return tiers.key_tiers(training.loc[hit, ["course_key", "course_title"]])


class _Rows:
    """The selected rows of every side, cut once into positions per country, so each rivalry
    takes its rows with array lookups instead of filtering the whole frame (102 rivalries)."""

    def __init__(self, rows: pd.DataFrame) -> None:
        self.frame = rows
        self.by_country = {k: v for k, v in rows.groupby("iso3", sort=False).indices.items()}
        self.iso3 = rows["iso3"].to_numpy(dtype=object)
        self.fiscal_year = rows["fiscal_year"].to_numpy(dtype="int64")
        self.course_key = rows["course_key"].to_numpy(dtype=object)
        self.keyed = rows["course_key"].notna().to_numpy(dtype=bool)

    def of(self, codes: tuple[str, ...], years: list[int]) -> np.ndarray:
        """Positions (in row order) of keyed rows of ``codes`` in ``years``."""
        found = [self.by_country[c] for c in codes if c in self.by_country]
        pos = np.sort(np.concatenate(found)) if found else np.array([], dtype="int64")
        pos = pos[np.isin(self.fiscal_year[pos], years)]
        return pos[self.keyed[pos]]


Sides = tuple[tuple[str, ...], tuple[str, ...], list[int]]


def _pair_classes(rows: _Rows, sides: list[Sides], match: str) -> list[tuple]:
    """Shared classes of each rivalry's two sides (their ISO codes) in its active years: the
    rivalries are matched in one pass (:func:`imetbook.analysis.matching.match_parts`), each
    exactly as :func:`imetbook.analysis.classmates.match_rows` would on its own."""
    names = [{c: countries_mod.canonical_name(c) for c in (*a, *b)} for a, b, _ in sides]
    pos = [
        _common_courses(rows, rows.of(tuple(n), years), a)
        for n, (a, _, years) in zip(names, sides, strict=True)
    ]
    taken = [i for i, p in enumerate(pos) if len(p)]
    found = {}
    if taken:
        stack = matching.stack_parts([rows.frame.iloc[pos[i]] for i in taken])
        countries = [tuple(names[i].values()) for i in taken]
        found = dict(zip(taken, matching.match_parts(stack, countries, match), strict=True))
    out = []
    for i, (a, _, _) in enumerate(sides):
        if i not in found:
            out.append(matching.no_classes())
        else:
            out.append(_both_sides(*found[i], {names[i][c] for c in a}))
    return out


def _both_sides(found: pd.DataFrame, evidence: pd.DataFrame, side_a: set[str]):
    """A rivalry's classes with both sides in them (Serbia's names are one side)."""
    if found.empty:  # no shared row: match_rows' own empty evidence, as it gives it
        return found, evidence
    present = found["countries"].str.split("; ")
    both = present.map(lambda cs: bool(side_a & set(cs)) and bool(set(cs) - side_a))
    found = found[both.astype(bool)]
    return found, evidence[evidence["class_id"].isin(found["class_id"])]


def _common_courses(rows: _Rows, pos: np.ndarray, codes_a: tuple[str, ...]) -> np.ndarray:
    """Only rows of a course and fiscal year both sides took: no other row can be in a shared
    class (classes never cross a course or a year), and the matching runs much faster."""
    keys = list(zip(rows.fiscal_year[pos].tolist(), rows.course_key[pos].tolist(), strict=True))
    is_a = np.isin(rows.iso3[pos], codes_a)
    both = {k for k, a in zip(keys, is_a, strict=True) if a}
    both &= {k for k, a in zip(keys, is_a, strict=True) if not a}
    return pos[np.fromiter((k in both for k in keys), dtype=bool, count=len(keys))]


def _side_rows(rows: pd.DataFrame) -> dict[tuple[str, int], int]:
    counts = rows.groupby(["iso3", "fiscal_year"]).size()
    return {(k[0], int(k[1])): int(v) for k, v in counts.items()}


def rivalry_classes(
    training: pd.DataFrame,
    programs: str = "IMET",
    tier: str = "all",
    fy_start: int | None = None,
    fy_end: int | None = None,
    min_classes: int = 1,
    folder: Path | None = None,
) -> RivalryClasses:
    """Shared classes of every rivalry active in the years asked, with tiers and status."""
    matching.check_columns(training)
    q = make_query(training, programs, tier, fy_start, fy_end, min_classes)
    rivalries = active_between(load_rivalries(folder), q.fy_start, q.fy_end)
    years = rivalry_years(rivalries, q.fy_start, q.fy_end)
    names = sorted({n for s in (*rivalries["side_a"], *rivalries["side_b"]) for n in book_names(s)})
    base = classmates.make_query(training, names, q.programs, q.fy_start, q.fy_end, "class")
    rows = classmates.select_rows(training, base)
    cut, codes = _Rows(rows), _codes_of(rivalries)
    active = {k: v.tolist() for k, v in years.groupby("rivalry_id", sort=False)["fiscal_year"]}
    found_classes, found_rows = [], []
    pairs = list(rivalries.itertuples(index=False))
    sides = [(codes[r.side_a], codes[r.side_b], active[r.rivalry_id]) for r in pairs]
    for r, (c, e) in zip(pairs, _pair_classes(cut, sides, base.match), strict=True):
        ident = {"rivalry_id": r.rivalry_id, "rivalry": r.rivalry}
        found_classes.append(c.assign(**ident))
        found_rows.append(e.assign(**ident))
    classes = pd.concat(found_classes, ignore_index=True)
    classes = _with_tiers(classes, _key_tiers(training, classes["course_key"]), q.tier)
    evidence = pd.concat(found_rows, ignore_index=True)
    status = year_status(years, classes, _side_rows(rows), q, folder)
    return RivalryClasses(q, classes, evidence, status, summarise(rivalries, status, classes))


def _with_tiers(classes: pd.DataFrame, key_tier: dict, tier: str) -> pd.DataFrame:
    found = classes["course_key"].map(lambda k: key_tier.get(k, tiers.NO_TIER))
    classes = classes.assign(
        tier=found.map(lambda t: t.tier).astype("str"),
        preparatory=found.map(lambda t: t.preparatory).astype("bool"),
    )
    classes["counted"] = True if tier == "all" else classes["tier"] == tier
    order = [
        "rivalry_id",
        "rivalry",
        *[c for c in classes.columns if c not in ("rivalry_id", "rivalry")],
    ]
    return (
        classes[order].sort_values(["rivalry_id", "class_id"], kind="stable").reset_index(drop=True)
    )


def year_status(
    years: pd.DataFrame,
    classes: pd.DataFrame,
    side_rows: dict[tuple[str, int], int],
    q: Query,
    folder: Path | None = None,
) -> pd.DataFrame:
    """Per rivalry and active year: rows of each side, classes (counted tier), status, and the
    ``sides`` behind a ``not checkable`` or ``side absent`` year ("A; B")."""
    listed = set(not_in_reports(folder)["iso3"])
    codes = _codes_of(years)
    counted = classes[classes["counted"]].groupby(["rivalry_id", "fiscal_year"]).size()
    n_counted = {(int(k[0]), int(k[1])): int(v) for k, v in counted.items()}
    out = []
    for y in years.itertuples(index=False):
        rows_a = sum(side_rows.get((c, y.fiscal_year), 0) for c in codes[y.side_a])
        rows_b = sum(side_rows.get((c, y.fiscal_year), 0) for c in codes[y.side_b])
        n = n_counted.get((int(y.rivalry_id), int(y.fiscal_year)), 0)
        excluded = [s for s in (y.side_a, y.side_b) if codes[s][0] in listed]
        if n >= q.min_classes:
            status, why = "meets", ""
        elif excluded:
            status, why = "not checkable", "; ".join(excluded)
        elif rows_a == 0 or rows_b == 0:
            absent = [s for s, n_rows in ((y.side_a, rows_a), (y.side_b, rows_b)) if n_rows == 0]
            status, why = "side absent", "; ".join(absent)
        else:
            status, why = "no shared class", ""
        out.append((*y, rows_a, rows_b, n, status, why))
    cols = [*years.columns, "rows_a", "rows_b", "classes", "status", "sides"]
    return pd.DataFrame(out, columns=cols).astype(
        {"rows_a": "int64", "rows_b": "int64", "classes": "int64"}
    )


def summarise(rivalries: pd.DataFrame, status: pd.DataFrame, classes: pd.DataFrame) -> pd.DataFrame:
    """One row per rivalry: active years, years of each status, classes by tier, first/last."""
    counted = classes[classes["counted"]]
    main = counted[~counted["preparatory"].astype(bool)]
    active = _counts(status["rivalry_id"])
    kinds = _counts(status["rivalry_id"], status["status"])
    n_classes = _counts(counted["rivalry_id"])
    war = _counts(main.loc[main["tier"] == "senior", "rivalry_id"])
    staff = _counts(main.loc[main["tier"] == "intermediate", "rivalry_id"])
    met = status.loc[status["status"] == "meets"].groupby("rivalry_id")["fiscal_year"]
    first, last = met.min().to_dict(), met.max().to_dict()
    out = []
    for r in rivalries.itertuples(index=False):
        rid = int(r.rivalry_id)
        out.append(
            {
                "rivalry_id": r.rivalry_id,
                "rivalry": r.rivalry,
                "side_a": r.side_a,
                "side_b": r.side_b,
                "active years": active.get(rid, 0),
                **{f"years {k}": kinds.get((rid, k), 0) for k in STATUSES},
                "classes": n_classes.get(rid, 0),
                "war-college classes": war.get(rid, 0),
                "staff-college classes": staff.get(rid, 0),
                "first FY met": int(first[rid]) if rid in first else pd.NA,
                "last FY met": int(last[rid]) if rid in last else pd.NA,
            }
        )
    frame = pd.DataFrame(out)
    return frame.astype({"first FY met": "Int64", "last FY met": "Int64"})


def _counts(*columns: pd.Series) -> dict:
    """Rows per value of ``columns`` (a tuple of values for several), as plain ints."""
    if len(columns) == 1:
        return dict(Counter(columns[0].tolist()))
    return dict(Counter(zip(*(c.tolist() for c in columns), strict=True)))


# --- views for the chapter and the command line ------------------------------------------------


def per_year(result: RivalryClasses) -> pd.DataFrame:
    """Per fiscal year: active rivalries, how many of each status, and the share meeting."""
    s = result.years
    counts = s.groupby(["fiscal_year", "status"]).size().unstack("status")
    q = result.query
    years = pd.Index(range(q.fy_start, q.fy_end + 1), name="fiscal_year")
    counts = counts.reindex(index=years, columns=list(STATUSES)).fillna(0).astype("int64")
    counts.insert(0, "active", counts.sum(axis=1))
    checkable = counts["active"] - counts["not checkable"] - counts["side absent"]
    counts["both sides in the records"] = checkable
    counts.columns.name = None
    return counts.reset_index()


RANKINGS = ("classes", "war-college classes", "staff-college classes")


def top_rivalries(
    result: RivalryClasses, top: int | None = 15, by: str = "classes"
) -> pd.DataFrame:
    """Rivalries with a shared class, ranked by ``by`` (shared classes, war-college or
    staff-college classes), the other counts breaking ties; a rivalry with none of ``by`` is
    left out."""
    if by not in RANKINGS:
        raise ParameterError(f"top_rivalries: by must be one of {', '.join(RANKINGS)}, not {by!r}")
    r = result.rivalries[result.rivalries[by] > 0]
    keys = [by, *[k for k in RANKINGS if k != by]]
    r = r.sort_values([*keys, "rivalry_id"], ascending=[False, False, False, True], kind="stable")
    cols = [
        "rivalry",
        "classes",
        "war-college classes",
        "staff-college classes",
        "years meets",
        "active years",
        "first FY met",
        "last FY met",
    ]
    return (r.head(top) if top else r)[cols].reset_index(drop=True)


def by_tier(result: RivalryClasses) -> pd.DataFrame:
    """Shared classes (counted) per rivalry and tier, war colleges first; preparatory apart."""
    c = result.classes[result.classes["counted"]]
    if c.empty:
        return pd.DataFrame(columns=["rivalry", *tiers.ALL_TIERS])
    label = c["tier"].where(~c["preparatory"], c["tier"] + " (preparatory)")
    table = pd.crosstab(c["rivalry"], label)
    order = [t for tier in tiers.ALL_TIERS for t in (tier, f"{tier} (preparatory)")]
    table = table.reindex(columns=[t for t in order if t in table.columns]).fillna(0)
    table = table.astype("int64")
    table["total"] = table.sum(axis=1)
    table = table.sort_values("total", ascending=False, kind="stable")
    table.columns.name = None
    return table.reset_index()


def tier_counts(result: RivalryClasses) -> pd.DataFrame:
    """All rivalries' shared classes per tier (all tiers, whatever the query's tier)."""
    c = result.classes
    out = pd.DataFrame(index=pd.Index(tiers.ALL_TIERS, name="tier"))
    out["label"] = [tiers.TIER_LABELS[t] for t in out.index]
    out["classes"] = c.groupby("tier").size()
    out["of which preparatory"] = c[c["preparatory"]].groupby("tier").size()
    out["rivalries"] = c.groupby("tier")["rivalry_id"].nunique()
    return (
        out.fillna(0)
        .astype({"classes": "int64", "of which preparatory": "int64", "rivalries": "int64"})
        .reset_index()
    )


def class_list(result: RivalryClasses, tier_first: bool = True) -> pd.DataFrame:
    """Every counted shared class with its tier and the report pages and record ids it rests on.

    War colleges first (then by rivalry and class) when ``tier_first``.
    """
    c = result.classes[result.classes["counted"]].copy()
    c["rank"] = tiers.tier_rank(c["tier"])
    keys = (["rank"] if tier_first else []) + ["rivalry_id", "class_id"]
    c = c.sort_values(keys, kind="stable")
    out = pd.DataFrame(
        {
            "rivalry": c["rivalry"],
            "class": c["class_id"],
            "FY": c["fiscal_year"],
            "tier": c["tier"].where(~c["preparatory"], c["tier"] + " (preparatory)"),
            "course (as printed)": c["course_title"],
            "place": c["place"].fillna("not printed"),
            "start": c["start_date"].dt.strftime("%Y-%m-%d").fillna("not printed"),
            "end": c["end_date"].dt.strftime("%Y-%m-%d").fillna("not printed"),
            "countries": c["countries"],
            "students": c["students"],
            "match": c["match"],
            "report and page": c["pages"],
            "record ids": c["record_ids"],
        }
    )
    return out.reset_index(drop=True)


def absence_rules(rules: pd.DataFrame, country: str) -> pd.DataFrame:
    """Rules of the book's rules table that name ``country`` among their examples."""
    _, iso3 = countries_mod.name_and_code(country)
    hit = rules["example_iso3"].fillna("").str.split(";").map(lambda codes: iso3 in codes)
    return rules.loc[hit.astype(bool), ["rule_id", "name", "legal_citation"]].reset_index(drop=True)


def grid(result: RivalryClasses, rivalries: list[str] | None = None) -> pd.DataFrame:
    """Tidy rivalry x fiscal year for the pairs-by-years chart: ``classes`` counted, NA where
    the year is not checkable or a side is absent (the records cannot show a meeting)."""
    s = result.years
    if rivalries is not None:
        s = s[s["rivalry"].isin(rivalries)]
    value = s["classes"].astype("Int64").mask(s["status"].isin(("not checkable", "side absent")))
    return pd.DataFrame(
        {"rivalry": s["rivalry"], "fiscal_year": s["fiscal_year"], "classes": value}
    ).reset_index(drop=True)


def coverage_of_names(
    rivalries: pd.DataFrame, first: int = BOOK_YEARS[0], last: int = BOOK_YEARS[1]
) -> pd.DataFrame:
    """Every side of every rivalry active from ``first`` to ``last``, its book names and codes."""
    active = active_between(rivalries, first, last)
    sides = sorted(set(active["side_a"]) | set(active["side_b"]))
    out = []
    for s in sides:
        mapped = rivalry_names().get(s)
        codes = [countries_mod.name_and_code(n)[1] for n in mapped] if mapped else []
        out.append(
            {
                "short name": s,
                "book names": "; ".join(mapped or ()),
                "iso3": "; ".join(c or "" for c in codes),
            }
        )
    return pd.DataFrame(out)
