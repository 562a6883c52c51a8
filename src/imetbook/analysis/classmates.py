"""Officers of rival nations in the same US class, read from the course records.

The ``training`` table gives, for every course a country's officers attended, the course title,
the place and the start and end dates. Two countries' officers who took the same course at the
same place over overlapping dates were, most likely, in the same class. The rules:

**class** (the strong kind). Two rows are in the same class when they have the same
``course_key``, the same place (:func:`imetbook.analysis.courses.place_of`), the same fiscal
year, and overlapping dates: ``start <= other_end and other_start <= end``. Within one course,
place and year a class is a connected run of overlapping date ranges, so two entry dates that
end together (the 5 1/2- and 10-month Naval Staff College entries) are one class. A row belongs
to a shared class only if its dates overlap a row of another country in it: one country's
later session, chained to the class only by its own earlier session, is left out. Rows are
grouped only among the countries asked about, so a class of India and Pakistan never depends on
a third country's dates.

**course-year** (the weaker kind). Where a row's dates are missing (or out of order, a
typo), it can only be matched to other undated rows of the same course in the same fiscal year:
the oldest reports (fiscal years 1999 and 2000) print no dates or places at all. Such matches
are labelled ``course-year``. A row with dates but no place (``VARIOUS``, ``N/A``, none:
mostly mobile teams teaching in the students' own country) is not matched at all: nothing
says where it took place. With
``match="course-year"`` every row is matched on course and year alone (dates and places
ignored), a looser view for comparison.

A shared class is a class (or course-year group) holding rows of two or more of the countries.
Every shared class keeps the rows it rests on (record id, report, page, source URL and the
original document's URL where the report's notes name one), so a reader can find it in the
printed report. Identical repeated rows are kept: the reports print
one row per student in many years, so a country's students in a class are the sum of its rows.

Only rows with status ``actual`` are used: the 1999-2000 and 2000-2001 reports also list the
next year's planned training, and FY2000 would otherwise be counted twice.

Public entry point for other chapters: :func:`shared_classes_for`. The steps of the matching
are in :mod:`imetbook.analysis.matching`; the chapter's words, roster and glued values in
:mod:`imetbook.chapters.classmates`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import pandas as pd

from imetbook import vocab
from imetbook.analysis import courses, matching
from imetbook.analysis.matching import (
    BASES,
    CLASS_COLUMNS,
    EVIDENCE_COLUMNS,
    MATCH_KINDS,
    NEEDED,
    OPTIONAL,
    ROW_COLUMNS,
    Query,
    check_columns,
    coverage,
    empty_classes,
    known_sum,
    match_rows,
    mode,
    select_rows,
    year_coverage,
)
from imetbook.data import countries as countries_mod
from imetbook.errors import DataError, ParameterError

# The matching engine's names that other modules use through this, the public module.
__all__ = [
    "BASES",
    "CLASS_COLUMNS",
    "EVIDENCE_COLUMNS",
    "MATCH_KINDS",
    "NEEDED",
    "OPTIONAL",
    "ROW_COLUMNS",
    "Query",
    "SharedClasses",
    "check_columns",
    "empty_classes",
    "match_rows",
    "select_rows",
    "shared_classes_for",
]

SOUTH_ASIA: tuple[str, ...] = (
    "India",
    "Pakistan",
    "Bangladesh",
    "Nepal",
    "Sri Lanka",
    "Afghanistan",
)


@dataclass(frozen=True)
class SharedClasses:
    """The answer to a :class:`Query`.

    ``classes``: one row per shared class (see :func:`shared_classes_for` for the columns).
    ``rows``: the report rows every class rests on, one per training row (:data:`ROW_COLUMNS`).
    ``coverage``: per country, how many rows were considered and on what basis they could be
    matched (see :func:`select_rows`). ``years``: the same per fiscal year, all countries
    together, for every year of the query.
    """

    query: Query
    classes: pd.DataFrame
    rows: pd.DataFrame
    coverage: pd.DataFrame
    years: pd.DataFrame


# --- validation ----------------------------------------------------------------------------


def data_span(training: pd.DataFrame) -> tuple[int, int]:
    """First and last fiscal year of the actual (not planned) training in ``training``."""
    years = training.loc[training["status"] == "actual", "fiscal_year"].dropna()
    if years.empty:
        raise DataError("training table has no actual training rows")
    return int(years.min()), int(years.max())


def resolve_countries(names: Sequence[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Canonical names and ISO codes, in the order given; at least two distinct countries.

    An unknown name raises :class:`~imetbook.errors.UnknownCountryError` with the closest known
    names; a heading that is not a country, a repeated country or fewer than two countries
    raise :class:`ParameterError`.
    """
    if isinstance(names, str):
        raise ParameterError(
            f'countries: expected a list of names, e.g. ["India", "Pakistan"], '
            f"got the text {names!r}"
        )
    resolved: list[tuple[str, str]] = []
    for name in names:
        canonical, iso3 = countries_mod.name_and_code(name)
        if iso3 is None:
            raise ParameterError(f"countries: {name!r} is not a country ({canonical})")
        if any(iso3 == seen for _, seen in resolved):
            raise ParameterError(f"countries: {canonical} is listed twice")
        resolved.append((canonical, iso3))
    if len(resolved) < 2:
        raise ParameterError(
            f"countries: shared classes need at least two countries, got {len(resolved)}"
        )
    return tuple(n for n, _ in resolved), tuple(c for _, c in resolved)


def check_span(fy_start: int, fy_end: int, bounds: tuple[int, int]) -> tuple[int, int]:
    """``(fy_start, fy_end)`` if in order and inside ``bounds``; :class:`ParameterError` if not."""
    for year in (fy_start, fy_end):
        if isinstance(year, bool) or not isinstance(year, int):
            raise ParameterError(
                f"fiscal years: expected a fiscal year (an integer), got "
                f"{type(year).__name__} {year!r}"
            )
    vocab.check_order(fy_start, fy_end)
    lo, hi = bounds
    if fy_start < lo or fy_end > hi:
        raise ParameterError(
            f"fiscal years: span [{fy_start}, {fy_end}] is outside the data's range {lo}-{hi}"
        )
    return int(fy_start), int(fy_end)


def make_query(
    training: pd.DataFrame,
    countries: Sequence[str],
    programs: str = "IMET",
    fy_start: int | None = None,
    fy_end: int | None = None,
    match: str = "class",
) -> Query:
    """Validate the arguments of :func:`shared_classes_for` against ``training``."""
    check_columns(training)
    names, codes = resolve_countries(countries)
    if match not in MATCH_KINDS:
        raise ParameterError(f"match: {match!r} is not one of {', '.join(MATCH_KINDS)}")
    if not isinstance(programs, str) or not programs.strip():
        raise ParameterError(f'programs: expected "IMET", "all" or a program, got {programs!r}')
    lo, hi = data_span(training)
    first, last = check_span(
        lo if fy_start is None else fy_start, hi if fy_end is None else fy_end, (lo, hi)
    )
    return Query(names, codes, programs, first, last, match)


def shared_classes_for(
    training: pd.DataFrame,
    countries: Sequence[str],
    programs: str = "IMET",
    fy_start: int | None = None,
    fy_end: int | None = None,
    match: str = "class",
) -> SharedClasses:
    """Classes that officers of two or more of ``countries`` attended together.

    ``training`` is the ``training`` table; ``countries`` any spellings
    :mod:`imetbook.data.countries` resolves; ``programs`` ``"IMET"``, ``"all"`` or one program
    family; ``fy_start``/``fy_end`` inclusive (default: every year with actual training);
    ``match`` ``"class"`` or ``"course-year"`` (see the module doc).

    ``result.classes`` has one row per shared class: ``class_id`` (``FY2008-003``: fiscal
    year and rank within it), ``match`` (``class`` or the weaker ``course-year``), the course
    (``course_key``, most common printed ``course_title``, curated ``family``), the ``place``
    and printed ``location``, the first ``start_date`` and last ``end_date``, the ``countries``
    present, total ``students``, and the evidence: ``reports``, ``pages``, ``source_urls`` and
    ``record_ids``. ``result.rows`` lists each underlying row; :func:`roster` gives students
    per country.

    Raises :class:`~imetbook.errors.UnknownCountryError` for an unknown country and
    :class:`ParameterError` for any other bad argument (one clear line).
    """
    query = make_query(training, countries, programs, fy_start, fy_end, match)
    rows = select_rows(training, query)
    classes, evidence = match_rows(rows, query)
    return SharedClasses(
        query, classes, evidence, coverage(rows, query), year_coverage(rows, query)
    )


# --- views for the chapter and the command line ---------------------------------------------


def students_by_country(result: SharedClasses) -> pd.DataFrame:
    """Students of each country in each class (``class_id`` x country).

    0 where the country has no row in the class (the records list nobody); unknown (NA) where a
    row of the country prints no number.
    """
    names = list(result.query.countries)
    ids = pd.Index(result.classes["class_id"], name="class_id")
    out = pd.DataFrame(0, index=ids, columns=names, dtype="Int64")
    for (class_id, country), g in result.rows.groupby(["class_id", "country_name"]):
        out.loc[class_id, country] = known_sum(g["students"])
    return out


def classes_with(result: SharedClasses, country: str) -> SharedClasses:
    """Only the shared classes ``country`` is in (with their rows), e.g. Israel's classes among
    those of Israel, India and Pakistan."""
    name, _ = countries_mod.name_and_code(country)
    if name not in result.query.countries:
        raise ParameterError(f"{name} is not one of {', '.join(result.query.countries)}")
    present = result.classes["countries"].map(lambda names: name in names.split("; "))
    classes = result.classes.loc[present.astype(bool)].reset_index(drop=True)
    rows = result.rows[result.rows["class_id"].isin(classes["class_id"])].reset_index(drop=True)
    return replace(result, classes=classes, rows=rows)


def class_documents(result: SharedClasses) -> pd.DataFrame:
    """Where each class's rows are printed: one row per class, report and original document
    (``document_url``, null where the report's notes name none), with the ``pages`` of its rows
    in that document (``"8, 24"``; empty where no page is printed). In class order, then by
    report and document."""
    rows = result.rows.assign(
        _doc=result.rows["document_url"].fillna(""), _page=result.rows["page"].astype("Int64")
    )
    out = []
    for (class_id, report, doc), g in rows.groupby(["class_id", "report", "_doc"], sort=True):
        pages = sorted({int(p) for p in g["_page"].dropna()})
        out.append((class_id, report, doc or None, ", ".join(map(str, pages))))
    frame = pd.DataFrame(out, columns=["class_id", "report", "document_url", "pages"])
    order = {c: i for i, c in enumerate(result.classes["class_id"])}
    frame["_order"] = frame["class_id"].map(order)
    return (
        frame.sort_values(["_order", "report", "document_url"], kind="stable", na_position="last")
        .drop(columns="_order")
        .reset_index(drop=True)
    )


def example_class(result: SharedClasses) -> str | None:
    """A class to check in the reports: the first ``class`` match (else the first match) of
    the course where the countries met most often."""
    if result.classes.empty:
        return None
    top = meeting_courses(result, top=1)["course"].iloc[0]
    c = result.classes.assign(course=_course_label(result.classes))
    c = c[c["course"] == top]
    dated = c[c["match"] == "class"]
    return str((dated if len(dated) else c)["class_id"].iloc[0])


def classes_per_year(result: SharedClasses) -> pd.DataFrame:
    """Shared classes per fiscal year and kind of match, every year of the query.

    ``class`` is unknown (NA) in a year where the countries have rows but none with dates and a
    place: the records cannot show a class there, which is not the same as showing none. A year
    with no rows at all is a real 0. ``total`` is unknown where ``class`` is.
    """
    counts = result.classes.groupby(["fiscal_year", "match"]).size().unstack("match")
    years = result.years.set_index("fiscal_year")
    counts = counts.reindex(index=years.index, columns=list(MATCH_KINDS)).fillna(0)
    counts = counts.astype("int64").astype("Int64")
    cannot_date = (years["rows"] > 0) & (years["rows dated"] == 0)
    counts.loc[cannot_date, "class"] = pd.NA
    counts["total"] = counts["class"] + counts["course-year"]
    counts.columns.name = None
    return counts.reset_index()


def _course_label(classes: pd.DataFrame) -> pd.Series:
    """The curated family where there is one, else the course's most common printed title."""
    titles = classes.groupby("course_key")["course_title"].agg(mode)
    fallback = classes["course_key"].map(titles)
    return classes["family"].where(classes["family"].notna(), fallback).astype("str")


def _first_last(
    rows: pd.DataFrame,
    by: str,
    counts: dict[str, tuple[str, str]],
    then: dict[str, tuple[str, str]] | None = None,
) -> pd.DataFrame:
    """One row per ``by`` value: the ``counts`` aggregates, its first and last fiscal year
    (``first FY``, ``last FY``), then the ``then`` aggregates."""
    spans = {"first FY": ("fiscal_year", "min"), "last FY": ("fiscal_year", "max")}
    return rows.groupby(by).agg(**counts, **spans, **(then or {})).reset_index()


def meeting_courses(result: SharedClasses, top: int | None = 10) -> pd.DataFrame:
    """The courses (families where curated) with the most shared classes, first and last year."""
    c = result.classes
    if c.empty:
        return pd.DataFrame(
            columns=["course", "level", "classes", "students", "first FY", "last FY", "years"]
        )
    c = c.assign(course=_course_label(c))
    levels = {f.family: f.level for f in courses.FAMILIES}
    out = _first_last(
        c,
        "course",
        {"classes": ("class_id", "size"), "students": ("students", "sum")},
        {"years": ("fiscal_year", "nunique")},
    )
    out.insert(1, "level", out["course"].map(levels).fillna("(no curated family)"))
    out = out.sort_values(["classes", "course"], ascending=[False, True], kind="stable")
    return (out.head(top) if top else out).reset_index(drop=True)


def meeting_places(result: SharedClasses, top: int | None = 10) -> pd.DataFrame:
    """The places with the most shared classes (rows without a place are left out)."""
    c = result.classes[result.classes["place"].notna()]
    if c.empty:
        return pd.DataFrame(columns=["place", "classes", "courses", "first FY", "last FY"])
    out = (
        c.groupby("place")
        .agg(
            classes=("class_id", "size"),
            courses=("course_key", "nunique"),
            first_fy=("fiscal_year", "min"),
            last_fy=("fiscal_year", "max"),
        )
        .reset_index()
    )
    out = out.sort_values(["classes", "place"], ascending=[False, True], kind="stable")
    out = out.rename(columns={"first_fy": "first FY", "last_fy": "last FY"})
    return (out.head(top) if top else out).reset_index(drop=True)


def meetings_over_time(result: SharedClasses, top: int = 4) -> pd.DataFrame:
    """Shared classes per fiscal year for the ``top`` courses, the rest as "other courses".

    Tidy: ``fiscal_year``, ``course``, ``classes``; every year of the query for every course
    (0 where none), ready for :func:`imetbook.figures.plots.yearly`.
    """
    q = result.query
    c = result.classes
    years = range(q.fy_start, q.fy_end + 1)
    if c.empty:
        return pd.DataFrame(
            {
                "fiscal_year": pd.Series(dtype="int64"),
                "course": pd.Series(dtype="str"),
                "classes": pd.Series(dtype="int64"),
            }
        )
    leaders = meeting_courses(result, top=top)["course"].tolist()
    label = _course_label(c)
    c = c.assign(course=label.where(label.isin(leaders), "other courses"))
    order = leaders + (["other courses"] if (c["course"] == "other courses").any() else [])
    counts = c.groupby(["fiscal_year", "course"]).size().unstack("course")
    counts = counts.reindex(index=pd.Index(years, name="fiscal_year"), columns=order)
    tidy = counts.fillna(0).astype("int64").stack().rename("classes").reset_index()
    return tidy.sort_values(["fiscal_year", "course"], kind="stable").reset_index(drop=True)


# --- pairs ---------------------------------------------------------------------------------


def pair_table(
    training: pd.DataFrame,
    countries: Sequence[str],
    programs: str = "IMET",
    fy_start: int | None = None,
    fy_end: int | None = None,
    match: str = "class",
    first_only: bool = False,
) -> pd.DataFrame:
    """Shared classes of every pair of ``countries``, each pair matched on its own.

    One row per pair (in the order given): ``class`` and ``course-year`` counts and ``total``.
    Each pair is exactly :func:`shared_classes_for` of those two countries. With
    ``first_only``, only the pairs of the first country with each of the others.
    """
    query = make_query(training, countries, programs, fy_start, fy_end, match)
    rows = select_rows(training, query)
    named = list(zip(query.countries, query.iso3, strict=True))
    pairs = [
        (a, b) for i, a in enumerate(named) for b in named[i + 1 :] if not first_only or i == 0
    ]
    if not pairs:
        return pd.DataFrame([])
    # Every pair matched in one pass, each exactly as on its own (matching.match_parts).
    cut = [rows[rows["iso3"].isin((iso_a, iso_b))] for (_, iso_a), (_, iso_b) in pairs]
    stack = matching.stack_parts(cut)
    found = matching.match_parts(stack, [(a, b) for (a, _), (b, _) in pairs], query.match)
    out = []
    for ((name_a, _), (name_b, _)), (classes, _) in zip(pairs, found, strict=True):
        kinds = classes["match"].value_counts()
        out.append(
            {
                "country_a": name_a,
                "country_b": name_b,
                **{k: int(kinds.get(k, 0)) for k in MATCH_KINDS},
                "total": len(classes),
            }
        )
    return pd.DataFrame(out)


def pair_matrix(pairs: pd.DataFrame, value: str = "total") -> pd.DataFrame:
    """Square, symmetric matrix of a :func:`pair_table` column; the diagonal is empty."""
    if value not in (*MATCH_KINDS, "total"):
        raise ParameterError(
            f"pair_matrix: value must be class, course-year or total, not {value!r}"
        )
    names = list(dict.fromkeys([*pairs["country_a"], *pairs["country_b"]]))
    m = pd.DataFrame(pd.NA, index=pd.Index(names, name=None), columns=names, dtype="Int64")
    for a, b, v in pairs[["country_a", "country_b", value]].itertuples(index=False):
        m.loc[a, b] = m.loc[b, a] = v
    return m


def matrix_countries(extra: Sequence[str], base: Sequence[str] = SOUTH_ASIA) -> list[str]:
    """The South Asia list plus any country in ``extra`` not already in it (canonical names)."""
    out = [countries_mod.name_and_code(n)[0] for n in base]
    for name in extra:
        canonical = countries_mod.name_and_code(name)[0]
        if canonical not in out:
            out.append(canonical)
    return out


# --- who is absent, and why --------------------------------------------------------------------


def programs_of(training: pd.DataFrame, country: str) -> pd.DataFrame:
    """A country's actual training rows by program: rows, students, first and last year."""
    _, iso3 = countries_mod.name_and_code(country)
    t = training[(training["iso3"] == iso3) & (training["status"] == "actual")]
    if t.empty:
        return pd.DataFrame(columns=["program", "IMET", "rows", "students", "first FY", "last FY"])
    out = _first_last(
        t,
        "program",
        {
            "IMET": ("is_imet", "any"),
            "rows": ("record_id", "size"),
            "students": ("students", "sum"),
        },
    )
    return out.sort_values(["rows", "program"], ascending=[False, True], kind="stable").reset_index(
        drop=True
    )


def named_as_place(training: pd.DataFrame, country: str) -> pd.DataFrame:
    """Rows whose printed location names ``country`` (a place of training, not a recipient)."""
    name, _ = countries_mod.name_and_code(country)
    pattern = rf"\b{name}\b"
    hit = training["location"].fillna("").str.contains(pattern, case=False, regex=True)
    cols = [
        "record_id",
        "report",
        "page",
        "country_name",
        "program",
        "course_title",
        "location",
        "source_url",
    ]
    return training.loc[hit, cols].sort_values("record_id", kind="stable").reset_index(drop=True)


# --- labels ---------------------------------------------------------------------------------


def program_words(programs: str) -> str:
    """How the chapter names a program choice in prose."""
    if programs.casefold() == "all":
        return "under any program"
    if programs.casefold() == "imet":
        return "under IMET"
    return f"under the {programs} program"
