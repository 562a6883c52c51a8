"""The matching engine of shared classes: which rows can be matched, and how they group.

:mod:`imetbook.analysis.classmates` states the rules and is the public entry point
(:func:`imetbook.analysis.classmates.shared_classes_for`); this module holds the steps: select
the rows of a query (:func:`select_rows`), put each in a candidate class (:func:`assign_groups`),
keep the classes holding two or more countries and summarise each (:func:`match_rows`).
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from imetbook import vocab
from imetbook.analysis import courses
from imetbook.errors import DataError, ParameterError

MATCH_KINDS: tuple[str, ...] = ("class", "course-year")

# Columns of ``training`` this module reads.
NEEDED: tuple[str, ...] = (
    "record_id",
    "report",
    "fiscal_year",
    "status",
    "country_name",
    "iso3",
    "program",
    "is_imet",
    "course_title",
    "course_key",
    "location",
    "start_date",
    "end_date",
    "students",
    "page",
    "source_url",
)
# Columns read where present: a table without them reads as if every value were missing (a
# row whose original document is not known is shown as such, never guessed).
OPTIONAL: tuple[str, ...] = ("document_url",)
# The report rows behind a class as the book lists them (the chapter's evidence table, the
# command line's CSV and JSON): which row, where it is printed, and what it says.
EVIDENCE_COLUMNS: tuple[str, ...] = (
    "record_id",
    "country_name",
    "report",
    "page",
    "source_url",
    "document_url",
    "program",
    "course_title",
    "location",
    "start_date",
    "end_date",
    "students",
)
# Columns of :attr:`SharedClasses.rows`: the evidence for each class.
ROW_COLUMNS: tuple[str, ...] = (
    "class_id",
    "match",
    "country_name",
    "iso3",
    "record_id",
    *EVIDENCE_COLUMNS[2:],
)


@dataclass(frozen=True)
class Query:
    """A validated question: which countries, programs, years and kind of match."""

    countries: tuple[str, ...]
    iso3: tuple[str, ...]
    programs: str
    fy_start: int
    fy_end: int
    match: str


def check_columns(training: pd.DataFrame) -> None:
    missing = [c for c in NEEDED if c not in training.columns]
    if missing:
        raise DataError(f"training table lacks column(s) {', '.join(missing)}")


# --- selection -----------------------------------------------------------------------------


def program_mask(training: pd.DataFrame, programs: str) -> pd.Series:
    """Rows of ``programs``: ``"IMET"`` (``is_imet``), ``"all"``, or one program family."""
    if programs.casefold() == "all":
        return pd.Series(True, index=training.index)
    if programs.casefold() == "imet":
        return training["is_imet"].astype(bool)
    known = set(training["program"].dropna().unique())
    if programs not in known:
        raise ParameterError(
            f"programs: {programs!r} is not IMET, all, or a program in the records "
            f"({', '.join(sorted(known))})"
        )
    return training["program"] == programs


def resolve_program(training: pd.DataFrame, programs: object) -> str:
    """``programs`` spelt as the records spell it: ``"IMET"``, ``"all"`` or a program family in
    ``training`` (matched ignoring case); :class:`ParameterError` with the closest names if not."""
    families = sorted(set(training["program"].dropna().unique()) - {"IMET", "all"})
    valid = ["IMET", "all", *families]
    if not isinstance(programs, str):
        raise ParameterError(f"programs: expected a program name (text), got {programs!r}")
    folded = {v.casefold(): v for v in valid}
    hit = folded.get(programs.strip().casefold())
    if hit is None:
        close = difflib.get_close_matches(programs.casefold(), list(folded), n=3, cutoff=0.5)
        hint = f" (closest: {', '.join(folded[c] for c in close)})" if close else ""
        raise ParameterError(f"programs: unknown program {programs!r}{hint}")
    return hit


def select_rows(training: pd.DataFrame, query: Query) -> pd.DataFrame:
    """The rows a query matches on, with ``place``, ``family`` and the row's ``basis``.

    Actual training of the query's countries, programs and years. ``basis`` says how a row can
    be matched under ``match="class"``: ``dated`` (course, place and dates in order),
    ``undated`` (course, but a date missing or out of order: course-year fallback),
    ``no place`` (dates but no place: not matched) or ``no course`` (no title: not matched).
    """
    t = training
    mask = (
        (t["status"] == "actual")
        & t["iso3"].isin(query.iso3)
        & t["fiscal_year"].between(query.fy_start, query.fy_end)
        & program_mask(t, query.programs)
    )
    rows = t.loc[mask, list(NEEDED)].copy()
    for col in OPTIONAL:
        rows[col] = t.loc[mask, col] if col in t.columns else pd.Series(pd.NA, index=rows.index)
    rows["place"] = _each_value(rows["location"], courses.place_of)
    rows["family"] = _each_value(rows["course_title"], courses.course_family)
    dates_ok = (
        rows["start_date"].notna()
        & rows["end_date"].notna()
        & (rows["start_date"] <= rows["end_date"])
    )
    basis = pd.Series("dated", index=rows.index, dtype="str")
    basis = basis.mask(dates_ok & rows["place"].isna(), "no place")
    basis = basis.mask(~dates_ok, "undated")
    rows["basis"] = basis.mask(rows["course_key"].isna(), "no course")
    return rows.sort_values(["fiscal_year", "record_id"], kind="stable").reset_index(drop=True)


def _each_value(column: pd.Series, read: Callable[[object], object]) -> pd.Series:
    """``read`` of every value, as text; called once per distinct value (titles and places
    repeat thousands of times, and ``read`` is a pure function of the value)."""
    codes, distinct = pd.factorize(column)
    values = [read(v) for v in distinct.tolist()]
    missing = codes == -1  # a missing value has code -1: the last item
    values.append(read(column[missing].tolist()[0]) if missing.any() else None)
    found = np.array(values, dtype=object)[codes]
    return pd.Series(found, index=column.index, dtype="object").astype("str")


BASES: tuple[str, ...] = ("dated", "undated", "no place", "no course")


def coverage(rows: pd.DataFrame, query: Query) -> pd.DataFrame:
    """Per country: rows considered, by how they can be matched (see :func:`select_rows`)."""
    out = []
    for name, iso3 in zip(query.countries, query.iso3, strict=True):
        r = rows[rows["iso3"] == iso3]
        counts = r["basis"].value_counts()
        out.append(
            {
                "country": name,
                "rows": len(r),
                **{f"rows {b}": int(counts.get(b, 0)) for b in BASES},
            }
        )
    types = {"rows": "int64", **{f"rows {b}": "int64" for b in BASES}}
    return pd.DataFrame(out).astype(types)


def year_coverage(rows: pd.DataFrame, query: Query) -> pd.DataFrame:
    """Per fiscal year of the query: rows considered and rows of each basis (0 if none)."""
    years = pd.Index(range(query.fy_start, query.fy_end + 1), name="fiscal_year")
    counts = rows.groupby(["fiscal_year", "basis"]).size().unstack("basis")
    counts = counts.reindex(index=years, columns=list(BASES)).fillna(0).astype("int64")
    counts.columns = [f"rows {b}" for b in BASES]
    counts.insert(0, "rows", counts.sum(axis=1))
    return counts.reset_index()


# --- matching ------------------------------------------------------------------------------


# The column of :func:`match_parts` naming the query (the part) a row belongs to.
PART = "_part"


def _part_of(rows: pd.DataFrame) -> list[str]:
    return [PART] if PART in rows.columns else []


def stack_parts(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """The rows of several queries as :func:`match_parts` reads them: one frame, each row
    tagged with :data:`PART`, the position of its query in ``parts``."""
    stack = pd.concat(parts, ignore_index=True)
    stack[PART] = np.repeat(np.arange(len(parts)), [len(p) for p in parts])
    return stack


def _class_clusters(dated: pd.DataFrame) -> pd.Series:
    """Cluster number per dated row: connected runs of overlapping dates within a group."""
    keys = [*_part_of(dated), "fiscal_year", "course_key", "place"]
    order = [*keys, "start_date", "end_date", "record_id"]
    dated = dated[order].sort_values(order, kind="stable")  # only the columns it reads
    # A walk over plain lists (a few hundred rows; per-group pandas calls cost far more): a
    # row starts a new cluster when its group changes or it starts after every earlier end.
    group = list(zip(*(dated[k].tolist() for k in keys), strict=True))
    start, end = dated["start_date"].tolist(), dated["end_date"].tolist()
    cluster, number, running_end = [], 0, None
    for i, key in enumerate(group):
        if i == 0 or key != group[i - 1] or start[i] > running_end:
            number += 1
        running_end = end[i] if i == 0 or key != group[i - 1] else max(running_end, end[i])
        cluster.append(number)
    return pd.Series(cluster, index=dated.index, dtype="int64", name="cluster")


def _course_year_groups(rows: pd.DataFrame) -> pd.Series:
    keys = rows["fiscal_year"].astype(str) + "|" + rows["course_key"].astype(str)
    if PART in rows.columns:
        keys = rows[PART].astype(str) + "|" + keys
    return keys.rename("cluster")


def assign_groups(rows: pd.DataFrame, match: str) -> pd.DataFrame:
    """Matchable ``rows`` plus ``match`` and ``group``: the candidate class of each row."""
    if match == "course-year":
        dated = rows.iloc[0:0]
        undated = rows[rows["basis"] != "no course"]
    else:
        dated, undated = rows[rows["basis"] == "dated"], rows[rows["basis"] == "undated"]
    parts = []
    if len(dated):
        parts.append(
            dated.assign(match="class", group="class|" + _class_clusters(dated).astype(str))
        )
    if len(undated):
        parts.append(
            undated.assign(match="course-year", group="course-year|" + _course_year_groups(undated))
        )
    if not parts:
        return rows.iloc[0:0].assign(match=pd.Series(dtype="str"), group=pd.Series(dtype="str"))
    return pd.concat(parts)


# The summaries below work on plain Python lists: a few hundred classes of a few rows each,
# where per-group pandas calls would cost seconds.


def _present(values: list) -> list:
    return [v for v in values if not pd.isna(v)]


def mode(values: list) -> object:
    """Most frequent non-null value; ties go to the first in sort order (deterministic)."""
    counts = Counter(str(v) for v in _present(values))
    if not counts:
        return pd.NA
    top = max(counts.values())
    return min(v for v, n in counts.items() if n == top)


def _joined(values: list) -> str:
    return "; ".join(sorted({str(v) for v in _present(values)}))


def _pages(reports: list, pages: list) -> str:
    """``2008-2009 p. 8, 24; 2009-2010 p. 13``: where a class's rows are printed."""
    by_report: dict[str, set[int]] = {}
    for report, page in zip(reports, pages, strict=True):
        by_report.setdefault(report, set())
        if not pd.isna(page):
            by_report[report].add(int(page))
    return "; ".join(
        vocab.printed_at(report, ", ".join(map(str, sorted(found))))
        for report, found in sorted(by_report.items())
    )


def known_sum(students) -> object:
    """Sum of students, or unknown (NA) if any row's number is unknown: never a partial sum."""
    values = list(students)
    if any(pd.isna(v) for v in values):
        return pd.NA
    return int(sum(values))


def _summarise(g: dict[str, list], countries: tuple[str, ...]) -> dict[str, object]:
    """One class from its rows, given as ``column -> list of values``."""
    present = [c for c in countries if c in set(g["country_name"])]
    starts, ends = _present(g["start_date"]), _present(g["end_date"])
    return {
        "match": g["match"][0],
        "fiscal_year": int(g["fiscal_year"][0]),
        "course_key": g["course_key"][0],
        "course_title": mode(g["course_title"]),
        "family": mode(g["family"]),
        "place": mode(g["place"]),
        "location": mode(g["location"]),
        "start_date": min(starts) if starts else pd.NaT,
        "end_date": max(ends) if ends else pd.NaT,
        "countries": "; ".join(present),
        "n_countries": len(present),
        "students": known_sum(g["students"]),
        "n_rows": len(g["record_id"]),
        "programs": _joined(g["program"]),
        "reports": _joined(g["report"]),
        "pages": _pages(g["report"], g["page"]),
        "source_urls": _joined(g["source_url"]),
        "record_ids": _joined(g["record_id"]),
    }


def _by_group(shared: pd.DataFrame) -> dict[str, dict[str, list]]:
    """``group -> column -> values``, in row order."""
    columns = list(shared.columns)
    out: dict[str, dict[str, list]] = {}
    for values in zip(*(shared[c].tolist() for c in columns), strict=True):
        row = dict(zip(columns, values, strict=True))
        g = out.setdefault(row["group"], {c: [] for c in columns})
        for c in columns:
            g[c].append(row[c])
    return out


CLASS_COLUMNS: tuple[str, ...] = (
    "class_id",
    "match",
    "fiscal_year",
    "course_key",
    "course_title",
    "family",
    "place",
    "location",
    "start_date",
    "end_date",
    "countries",
    "n_countries",
    "students",
    "n_rows",
    "programs",
    "reports",
    "pages",
    "source_urls",
    "record_ids",
)


def empty_classes() -> pd.DataFrame:
    return _empty_classes().copy()


def no_classes() -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`match_rows`' answer when no class is shared: no class and no evidence row."""
    return empty_classes(), pd.DataFrame(columns=list(ROW_COLUMNS))


@cache
def _empty_classes() -> pd.DataFrame:
    # Built once: typing an empty frame costs as much as a full one (rivalries call it often).
    return pd.DataFrame({c: pd.Series(dtype="object") for c in CLASS_COLUMNS}).pipe(_typed)


def _typed(classes: pd.DataFrame) -> pd.DataFrame:
    types = {
        "fiscal_year": "int64",
        "n_countries": "int64",
        "n_rows": "int64",
        "students": "Int64",
        "start_date": "datetime64[us]",
        "end_date": "datetime64[us]",
    }
    return classes.astype({c: types.get(c, "str") for c in CLASS_COLUMNS})


def _meets_another_country(dated: pd.DataFrame) -> pd.Series:
    """True for a row whose dates overlap a row of another country in the same class."""
    # Plain lists: classes hold a few rows each, where a self-merge costs far more.
    start, end = dated["start_date"].tolist(), dated["end_date"].tolist()
    iso3, record_id = dated["iso3"].tolist(), dated["record_id"].tolist()
    if PART in dated.columns:  # a record stands once in each part: hit in one, not the others
        record_id = list(zip(dated[PART].tolist(), record_id, strict=True))
    members: dict[object, list[int]] = {}
    for i, group in enumerate(dated["group"].tolist()):
        members.setdefault(group, []).append(i)
    hit = {
        record_id[i]
        for rows in members.values()
        for i in rows
        if any(iso3[i] != iso3[j] and start[i] <= end[j] and start[j] <= end[i] for j in rows)
    }
    return pd.Series([r in hit for r in record_id], index=dated.index, dtype="bool")


def _shared_rows(grouped: pd.DataFrame) -> pd.DataFrame:
    """Rows of groups holding two or more countries; in a class, only the rows that overlap a
    row of another country (a run of one country's sessions chained to the class by its own
    dates is not shared)."""
    n_countries = grouped.groupby("group")["iso3"].transform("nunique")
    candidates = grouped[n_countries >= 2]
    dated = candidates["match"] == "class"
    keep = pd.Series(True, index=candidates.index)
    keep[dated] = _meets_another_country(candidates[dated])
    return candidates[keep]


def match_rows(rows: pd.DataFrame, query: Query) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Shared classes and their evidence rows from selected rows (see :func:`select_rows`)."""
    shared = _shared_rows(assign_groups(rows, query.match))
    if shared.empty:
        return no_classes()
    summaries = {g: _summarise(v, query.countries) for g, v in _by_group(shared).items()}
    classes = pd.DataFrame.from_dict(summaries, orient="index")
    classes = classes.sort_values(
        ["fiscal_year", "start_date", "course_title", "place", "record_ids"],
        na_position="last",
        kind="stable",
    )
    number = classes.groupby("fiscal_year").cumcount() + 1
    ids = "FY" + classes["fiscal_year"].astype(str) + "-" + number.map("{:03d}".format)
    classes.insert(0, "class_id", ids)
    evidence = shared.assign(class_id=shared["group"].map(classes["class_id"]))
    evidence = evidence.sort_values(["class_id", "country_name", "record_id"], kind="stable")
    classes = _typed(classes.reset_index(drop=True)[list(CLASS_COLUMNS)])
    return classes, evidence[list(ROW_COLUMNS)].reset_index(drop=True)


def match_parts(
    rows: pd.DataFrame, countries: list[tuple[str, ...]], match: str
) -> list[tuple[pd.DataFrame, pd.DataFrame]]:
    """:func:`match_rows` of several queries in one pass, each query's answer exactly as
    :func:`match_rows` gives it. ``rows`` carries :data:`PART`, the position in ``countries``
    (each query's countries, in order) of the query a row belongs to; a row may stand in
    several parts, and the index must be unique. Classes never cross parts."""
    shared = _shared_rows(assign_groups(rows, match))
    out = [no_classes() for _ in countries]
    if shared.empty:
        return out
    summaries = {
        g: {**_summarise(v, countries[v[PART][0]]), PART: v[PART][0]}
        for g, v in _by_group(shared).items()
    }
    classes = pd.DataFrame.from_dict(summaries, orient="index")
    classes = classes.sort_values(
        [PART, "fiscal_year", "start_date", "course_title", "place", "record_ids"],
        na_position="last",
        kind="stable",
    )
    number = classes.groupby([PART, "fiscal_year"]).cumcount() + 1
    ids = "FY" + classes["fiscal_year"].astype(str) + "-" + number.map("{:03d}".format)
    classes.insert(0, "class_id", ids)
    evidence = shared.assign(class_id=shared["group"].map(classes["class_id"]))
    evidence = evidence.sort_values([PART, "class_id", "country_name", "record_id"], kind="stable")
    rows_of = dict(iter(evidence.groupby(PART, sort=False)))
    for part, found in classes.groupby(PART, sort=False):
        typed = _typed(found.reset_index(drop=True)[list(CLASS_COLUMNS)])
        out[part] = (typed, rows_of[part][list(ROW_COLUMNS)].reset_index(drop=True))
    return out
