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
Every shared class keeps the rows it rests on (record id, report, page, source URL), so a
reader can find it in the printed report. Identical repeated rows are kept: the reports print
one row per student in many years, so a country's students in a class are the sum of its rows.

Only rows with status ``actual`` are used: the 1999-2000 and 2000-2001 reports also list the
next year's planned training, and FY2000 would otherwise be counted twice.

Public entry point for other chapters: :func:`shared_classes_for`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

import pandas as pd

from imetbook.analysis import courses
from imetbook.chapters import params
from imetbook.data import countries as countries_mod
from imetbook.errors import DataError, ParameterError

MATCH_KINDS: tuple[str, ...] = ("class", "course-year")
SOUTH_ASIA: tuple[str, ...] = (
    "India",
    "Pakistan",
    "Bangladesh",
    "Nepal",
    "Sri Lanka",
    "Afghanistan",
)

PARAMS = params.Spec(
    params.Ordered("fy_start", "fy_end"),
    countries=params.Param(
        params.Countries(minimum=2), "Countries whose shared classes are listed (two or more)."
    ),
    programs=params.Param(
        params.Program(), '"IMET" (every IMET variant), "all", or one program family.'
    ),
    fy_start=params.Param(params.FiscalYear(), "First US fiscal year."),
    fy_end=params.Param(params.FiscalYear(), "Last US fiscal year."),
    match=params.Param(
        params.Choice(MATCH_KINDS),
        '"class" (same course, place and overlapping dates; course-year where dates are '
        'missing) or "course-year" (same course and fiscal year only).',
    ),
)

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
# Columns of :attr:`SharedClasses.rows`: the evidence for each class.
ROW_COLUMNS: tuple[str, ...] = (
    "class_id",
    "match",
    "country_name",
    "iso3",
    "record_id",
    "report",
    "page",
    "source_url",
    "program",
    "course_title",
    "location",
    "start_date",
    "end_date",
    "students",
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


def _check_columns(training: pd.DataFrame) -> None:
    missing = [c for c in NEEDED if c not in training.columns]
    if missing:
        raise DataError(f"training table lacks column(s) {', '.join(missing)}")


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
    try:
        first, last = params.FiscalYearSpan(bounds=bounds)([fy_start, fy_end])
    except params.Invalid as exc:
        raise ParameterError(f"fiscal years: {exc}") from None
    return first, last


def make_query(
    training: pd.DataFrame,
    countries: Sequence[str],
    programs: str = "IMET",
    fy_start: int | None = None,
    fy_end: int | None = None,
    match: str = "class",
) -> Query:
    """Validate the arguments of :func:`shared_classes_for` against ``training``."""
    _check_columns(training)
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
    rows["place"] = rows["location"].map(courses.place_of).astype("str")
    rows["family"] = rows["course_title"].map(courses.course_family).astype("str")
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


def _class_clusters(dated: pd.DataFrame) -> pd.Series:
    """Cluster number per dated row: connected runs of overlapping dates within a group."""
    keys = ["fiscal_year", "course_key", "place"]
    dated = dated.sort_values([*keys, "start_date", "end_date", "record_id"], kind="stable")
    running_end = dated.groupby(keys, sort=False)["end_date"].cummax()
    previous_end = running_end.groupby([dated[k] for k in keys], sort=False).shift()
    starts_new = previous_end.isna() | (dated["start_date"] > previous_end)
    return starts_new.cumsum().rename("cluster")


def _course_year_groups(rows: pd.DataFrame) -> pd.Series:
    keys = rows[["fiscal_year", "course_key"]].astype(str).agg("|".join, axis=1)
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


def _mode(values: list) -> object:
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
        f"{report} p. " + ", ".join(map(str, sorted(found)))
        if found
        else f"{report} (no page printed)"
        for report, found in sorted(by_report.items())
    )


def _known_sum(students) -> object:
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
        "course_title": _mode(g["course_title"]),
        "family": _mode(g["family"]),
        "place": _mode(g["place"]),
        "location": _mode(g["location"]),
        "start_date": min(starts) if starts else pd.NaT,
        "end_date": max(ends) if ends else pd.NaT,
        "countries": "; ".join(present),
        "n_countries": len(present),
        "students": _known_sum(g["students"]),
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


def _empty_classes() -> pd.DataFrame:
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
    out = classes.astype(types)
    for col in CLASS_COLUMNS:
        if col not in types:
            out[col] = out[col].astype("str")
    return out


def _meets_another_country(dated: pd.DataFrame) -> pd.Series:
    """True for a row whose dates overlap a row of another country in the same class."""
    cols = ["group", "iso3", "start_date", "end_date", "record_id"]
    pairs = dated[cols].merge(dated[cols], on="group", suffixes=("", "_other"))
    hit = (
        (pairs["iso3"] != pairs["iso3_other"])
        & (pairs["start_date"] <= pairs["end_date_other"])
        & (pairs["start_date_other"] <= pairs["end_date"])
    )
    return dated["record_id"].isin(set(pairs.loc[hit, "record_id"]))


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
        return _empty_classes(), pd.DataFrame(columns=list(ROW_COLUMNS))
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
        out.loc[class_id, country] = _known_sum(g["students"])
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


def roster(result: SharedClasses) -> pd.DataFrame:
    """The shared classes as a roster: course, place, dates, students per country, source.

    A place or date the report does not print (course-year matches) reads ``not printed``.
    """
    c = result.classes
    per_country = students_by_country(result).reset_index(drop=True)
    table = pd.DataFrame(
        {
            "class": c["class_id"],
            "FY": c["fiscal_year"],
            "match": c["match"],
            "course (as printed)": c["course_title"],
            "place": c["place"],
            "start": c["start_date"].dt.strftime("%Y-%m-%d"),
            "end": c["end_date"].dt.strftime("%Y-%m-%d"),
        }
    )
    for col in ("place", "start", "end"):
        table[col] = table[col].fillna("not printed")
    table = pd.concat([table, per_country], axis=1)
    table["report and page"] = c["pages"]
    return table


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


def evidence(result: SharedClasses, class_id: str) -> pd.DataFrame:
    """The report rows behind one class, with dates as text (for display)."""
    cols = [
        "class_id",
        "country_name",
        "report",
        "page",
        "course_title",
        "location",
        "start_date",
        "end_date",
        "students",
        "source_url",
        "record_id",
    ]
    rows = result.rows.loc[result.rows["class_id"] == class_id, cols]
    for col in ("start_date", "end_date"):
        rows[col] = rows[col].dt.strftime("%Y-%m-%d")
    return rows.reset_index(drop=True)


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
    titles = classes.groupby("course_key")["course_title"].agg(_mode)
    fallback = classes["course_key"].map(titles)
    return classes["family"].where(classes["family"].notna(), fallback).astype("str")


def meeting_courses(result: SharedClasses, top: int | None = 10) -> pd.DataFrame:
    """The courses (families where curated) with the most shared classes, first and last year."""
    c = result.classes
    if c.empty:
        return pd.DataFrame(
            columns=["course", "level", "classes", "students", "first FY", "last FY", "years"]
        )
    c = c.assign(course=_course_label(c))
    levels = {f.family: f.level for f in courses.FAMILIES}
    out = (
        c.groupby("course")
        .agg(
            classes=("class_id", "size"),
            students=("students", "sum"),
            first_fy=("fiscal_year", "min"),
            last_fy=("fiscal_year", "max"),
            years=("fiscal_year", "nunique"),
        )
        .reset_index()
    )
    out.insert(1, "level", out["course"].map(levels).fillna("(no curated family)"))
    out = out.sort_values(["classes", "course"], ascending=[False, True], kind="stable")
    out = out.rename(columns={"first_fy": "first FY", "last_fy": "last FY"})
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
    out = []
    for (name_a, iso_a), (name_b, iso_b) in pairs:
        pair = replace(query, countries=(name_a, name_b), iso3=(iso_a, iso_b))
        classes, _ = match_rows(rows[rows["iso3"].isin(pair.iso3)], pair)
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
    out = (
        t.groupby("program")
        .agg(
            IMET=("is_imet", "any"),
            rows=("record_id", "size"),
            students=("students", "sum"),
            first_fy=("fiscal_year", "min"),
            last_fy=("fiscal_year", "max"),
        )
        .reset_index()
    )
    out = out.rename(columns={"first_fy": "first FY", "last_fy": "last FY"})
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


# --- words for the chapter ---------------------------------------------------------------------


def and_join(names: Sequence[str]) -> str:
    """``India and Pakistan``; ``India, Nepal and Pakistan``."""
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def program_words(programs: str) -> str:
    """How the chapter names a program choice in prose."""
    if programs.casefold() == "all":
        return "under any program"
    if programs.casefold() == "imet":
        return "under IMET"
    return f"under the {programs} program"


def _plural(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def count_words(n: int, one: str, many: str, zero: str) -> str:
    """``no rows``, ``1 row``, ``7,026 rows``: a count in words for glued prose."""
    return zero if n == 0 else _plural(n, one, many)


def answer_numbers(result: SharedClasses, all_programs: SharedClasses | None = None) -> dict:
    """The strings the chapter glues into its answer (numbers formatted, never typed)."""
    q = result.query
    kinds = result.classes["match"].value_counts()
    per_year = classes_per_year(result)
    met = int((per_year["class"].fillna(0) + per_year["course-year"] > 0).sum())
    words = {
        "countries": and_join(q.countries),
        "programs": program_words(q.programs),
        "fy_span": f"FY{q.fy_start}-FY{q.fy_end}",
        "n_classes": _plural(len(result.classes), "shared class", "shared classes"),
        "n_class": f"{int(kinds.get('class', 0)):,}",
        "n_course_year": f"{int(kinds.get('course-year', 0)):,}",
        "years_met": f"{met:,}",
        "n_years": f"{len(per_year):,}",
    }
    top = meeting_courses(result, top=1)
    words["top_course"] = (
        f"The course where they met most often is {top['course'][0]} "
        f"({_plural(int(top['classes'][0]), 'class', 'classes')}, FY{top['first FY'][0]}-"
        f"FY{top['last FY'][0]})."
        if len(top)
        else "They shared no course."
    )
    place = meeting_places(result, top=1)
    words["top_place"] = (
        f"The place where they met most often is {place['place'][0]} "
        f"({_plural(int(place['classes'][0]), 'class', 'classes')})."
        if len(place)
        else "No shared class has a known place."
    )
    words["all_programs"] = "This count covers every program."
    if all_programs is not None and all_programs.query.programs != q.programs:
        words["all_programs"] = (
            f"Counting every program, not only {q.programs}, the records list "
            f"{_plural(len(all_programs.classes), 'shared class', 'shared classes')}."
        )
    return words
