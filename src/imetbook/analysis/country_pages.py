"""Country pages: which countries get a page, what each page shows, and the index page.

A page is made for every country with at least one training record (``iso3`` not null) by
executing ``chapters/country/profile.ipynb`` with parameter ``country``
(:mod:`imetbook.run.execute`). Everything a page computes is here, as small functions of the tidy
tables; the notebook calls them and displays the results.

Rules that hold throughout:

- Training figures count IMET records of status ``actual`` only: the two oldest reports also
  list the next year's planned training, which would count FY2000 twice. Records under other
  programs (CTFP, FMF, ...) are counted apart, and the page says so.
- Sums skip records where the report printed no number; the counts of such records are shown
  next to them. A fiscal year with no record stays visible as a gap, never a zero.
- Funding measures answer different questions (asked for, appropriated, set aside, obligated,
  delivered) and are never added together. Where sources print different figures for the same
  country, year and measure, that year has no single figure: it is a gap in the chart and the
  figures are listed.
- Neighbours are the other countries of the country's State regional bureau as the funding
  table places it (:func:`imetbook.analysis.eligibility.bureaus`); a country the funding table
  does not place takes the report section it is printed in most often. Only the few neighbours
  whose officers took the most of the same IMET courses in the same fiscal years are matched
  (:func:`neighbours`), each pair exactly as
  :func:`imetbook.analysis.classmates.shared_classes_for` matches two countries.

Performance matters: ~190 pages are executed in every cold build, so a page reads only the
columns in :data:`TRAINING_COLUMNS` and :data:`FUNDING_COLUMNS`, selects columns before rows
(string columns are costly to copy), and matches shared classes only on the rows that could be
in one.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from imetbook.analysis import budget, classmates, country_scope, courses, eligibility
from imetbook.chapters import tables
from imetbook.chapters.params import Country, Invalid, Param, Spec
from imetbook.data import schema
from imetbook.errors import ParameterError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


@dataclass(frozen=True)
class CountryWithRecords:
    """A country name (any known spelling) with training records, so with a page; checked
    before any kernel starts (``imetbook run profile -p country ...``)."""

    describe: str = "a country with training records or IMET money of its own"

    def __call__(self, value: object) -> str:
        name = Country()(value)
        if country_scope.page_iso3(page_list(), name) is None:
            raise Invalid(
                f"{name} has no record in the training reports and no IMET money of its own "
                "in any funding source, so it has no page"
            )
        return name


def page_list(
    training: pd.DataFrame | None = None, funding: pd.DataFrame | None = None
) -> pd.DataFrame:
    """:func:`country_scope.countries_with_pages` of ``training`` and ``funding``, each read
    from the built tables when not given (only the columns the list needs)."""
    from imetbook.data import datasets  # the tables are read only when the list is asked for

    if training is None:
        training = datasets.load("training", columns=["iso3", "country_name"])
    if funding is None:
        funding = datasets.load("funding", columns=["iso3", "country_name", "scope", "measure"])
    return country_scope.countries_with_pages(training, funding)


PARAMS = Spec(
    country=Param(CountryWithRecords(), "The country the page is about (any known spelling).")
)

# Columns each table is read with (``datasets.load(..., columns=...)``).
INDEX_COLUMNS: tuple[str, ...] = (
    "iso3",
    "country_name",
    "fiscal_year",
    "status",
    "is_imet",
    "students",
    "cost_usd",
)
TRAINING_COLUMNS: tuple[str, ...] = tuple(
    dict.fromkeys((*INDEX_COLUMNS, "region", "program", *classmates.NEEDED, "document_url"))
)
FUNDING_COLUMNS: tuple[str, ...] = (
    "iso3",
    "country_name",
    "is_total",
    "locator",
    "source_grade",
    "source_copy_at",
    "quality",
    "scope",
    "region",
    "fiscal_year",
    "measure",
    "amount_usd",
    "source",
    "source_title",
    "source_url",
)

NEIGHBOURS = 5  # neighbours matched per page: each pair costs one matching run
TOP = 5  # rows of the top courses and top places tables

BY_YEAR_COLUMNS = [
    "fiscal_year",
    "records",
    "students",
    "cost_usd",
    "records_without_students",
    "records_without_cost",
]
NO_RECORD = "no record"
NOT_PRINTED = "not printed"


# --- formatting ------------------------------------------------------------------------------


def fy(year: object) -> str:
    """``FY2008``."""
    return f"FY{int(year)}"


def fy_span(first: object, last: object) -> str:
    """``FY2008`` or ``FY2002–FY2020``."""
    return fy(first) if int(first) == int(last) else f"{fy(first)}–{fy(last)}"


def usd(value: object) -> str:
    """``$1,234,567`` (whole dollars)."""
    return f"${round(float(value)):,}"


def runs_text(years: Iterable[int]) -> str:
    """``FY1999–FY2001, FY2005`` for a set of years (``none`` if empty)."""
    runs: list[tuple[int, int]] = []
    for y in sorted({int(y) for y in years}):
        if runs and runs[-1][1] == y - 1:
            runs[-1] = (runs[-1][0], y)
        else:
            runs.append((y, y))
    return ", ".join(fy_span(a, b) for a, b in runs) or "none"


def _plural(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~$])")


def md(text: object) -> str:
    """``text`` from the data, safe inside Markdown: every character Markdown could read as
    markup is escaped (course titles hold ``*``, ``_``, ``[``, ``#`` and a backslash)."""
    return _MD_SPECIAL.sub(r"\\\1", str(text))


def listing(report: object, page: object) -> str:
    """``2019-2020 p. 123``, or ``2019-2020 (no page printed)``: where a record is printed."""
    if pd.isna(page):
        return f"{report} (no page printed)"
    return f"{report} p. {int(page)}"


# --- which countries, which rows -------------------------------------------------------------


def _is_imet_actual(training: pd.DataFrame) -> pd.Series:
    return training["is_imet"].astype(bool) & training["status"].eq("actual")


def countries_with_training(training: pd.DataFrame) -> pd.DataFrame:
    """``iso3, country_name`` of every country with a training record, sorted by code."""
    rows = training.loc[training["iso3"].notna(), ["iso3", "country_name"]]
    return rows.drop_duplicates("iso3").sort_values("iso3", ignore_index=True)


def iso3_of(training: pd.DataFrame, country: str, funding: pd.DataFrame | None = None) -> str:
    """The ISO code of ``country`` (a canonical name) as the training records give it, or,
    with ``funding``, as a funding source with IMET money of its own gives it.

    Raises :class:`ParameterError` for a country with neither: it has no page.
    """
    empty = pd.DataFrame(columns=["iso3", "country_name", "scope", "measure"])
    pages = country_scope.countries_with_pages(training, empty if funding is None else funding)
    code = country_scope.page_iso3(pages, country)
    if code is None:
        raise ParameterError(
            f"country: {country} has no record in the training reports and no IMET money of "
            "its own in any funding source, so it has no page"
        )
    return code


def covered_years(training: pd.DataFrame) -> list[int]:
    """Fiscal years with any actual training record: the years the reports cover."""
    years = training.loc[training["status"].eq("actual"), "fiscal_year"].unique()
    return sorted(int(y) for y in years)


def imet_rows(training: pd.DataFrame, iso3: str) -> pd.DataFrame:
    """The country's IMET training records of status actual."""
    return training[training["iso3"].eq(iso3) & _is_imet_actual(training)]


def other_programs(training: pd.DataFrame, iso3: str) -> pd.DataFrame:
    """The country's actual records under programs other than IMET: ``program, records``,
    most records first."""
    mask = training["iso3"].eq(iso3) & training["status"].eq("actual")
    mask &= ~training["is_imet"].astype(bool)
    out = training.loc[mask, ["program"]].groupby("program").size().rename("records")
    out = out.reset_index().astype({"records": "int64"})
    return out.sort_values(["records", "program"], ascending=[False, True], ignore_index=True)


def _programs_text(others: pd.DataFrame) -> str:
    """``CTFP (12), FMF (3)`` (Markdown)."""
    pairs = zip(others["program"], others["records"], strict=True)
    return ", ".join(f"{md(p)} ({n:,})" for p, n in pairs)


# --- students and dollars by year ------------------------------------------------------------


def _by_year(rows: pd.DataFrame) -> pd.DataFrame:
    grouped = rows.groupby("fiscal_year", sort=True)
    return pd.DataFrame(
        {
            "records": grouped.size(),
            "students": grouped["students"].sum(min_count=1),
            "cost_usd": grouped["cost_usd"].sum(min_count=1),
            "records_without_students": grouped["students"].agg(lambda s: int(s.isna().sum())),
            "records_without_cost": grouped["cost_usd"].agg(lambda s: int(s.isna().sum())),
        }
    )


def imet_by_year(training: pd.DataFrame, iso3: str) -> pd.DataFrame:
    """IMET records, students and dollars per fiscal year for the country ``iso3``.

    Every fiscal year the reports cover appears; a year with no record for this country shows
    0 records and empty sums (a gap, not a zero).
    """
    rows = training.loc[
        training["iso3"].eq(iso3) & _is_imet_actual(training),
        ["fiscal_year", "students", "cost_usd"],
    ]
    years = pd.Index(covered_years(training), name="fiscal_year")
    table = _by_year(rows).reindex(years)
    for col in ("records", "records_without_students", "records_without_cost"):
        table[col] = table[col].fillna(0).astype("int64")
    table["students"] = table["students"].astype("Int64")
    table["cost_usd"] = table["cost_usd"].astype("float64")
    return table.reset_index()[BY_YEAR_COLUMNS]


def _count_or_gap(value: object, records: int, money: bool = False) -> str:
    if records == 0:
        return NO_RECORD
    if pd.isna(value):
        return NOT_PRINTED
    return usd(value) if money else f"{int(value):,}"


def by_year_display(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`imet_by_year` as the page shows it: a year without records reads ``no record``;
    a sum over records that all lack the number reads ``not printed``."""
    rec = table["records"].tolist()
    return pd.DataFrame(
        {
            "fiscal year": table["fiscal_year"].map(fy),
            "IMET records": table["records"].map("{:,}".format),
            "students": [_count_or_gap(v, n) for v, n in zip(table["students"], rec, strict=True)],
            "dollars (course costs)": [
                _count_or_gap(v, n, money=True) for v, n in zip(table["cost_usd"], rec, strict=True)
            ],
            "records without students": table["records_without_students"].map("{:,}".format),
            "records without cost": table["records_without_cost"].map("{:,}".format),
        }
    )


def students_chart_data(by_year: pd.DataFrame) -> pd.DataFrame:
    """``fiscal_year, students`` for the chart: 0 where a report covers the year and lists no
    record for the country (a reported zero); null (a gap) where records print no number."""
    students = by_year["students"].astype("float64")
    return pd.DataFrame(
        {
            "fiscal_year": by_year["fiscal_year"].to_numpy(),
            "students": students.mask(by_year["records"].eq(0), 0.0).to_numpy(),
        }
    )


def students_alt(country: str, by_year: pd.DataFrame) -> str:
    """Alt text of the students chart: span, peak year and the years without a figure."""
    known = by_year[by_year["students"].notna()]
    span = fy_span(by_year["fiscal_year"].min(), by_year["fiscal_year"].max())
    text = f"Bars: IMET students from {country} per US fiscal year, {span}."
    if len(known):
        peak = known.sort_values(["students", "fiscal_year"], ascending=[False, True]).iloc[0]
        text += f" Most in {fy(peak['fiscal_year'])} ({int(peak['students']):,})."
    gaps = by_year.loc[by_year["students"].isna() & by_year["records"].gt(0), "fiscal_year"]
    if len(gaps):
        text += f" Records without a student count (crosses below the axis) for {runs_text(gaps)}."
    silent = by_year.loc[by_year["records"].eq(0), "fiscal_year"]
    if len(silent):
        text += f" The reports list no IMET training (zero) for {runs_text(silent)}."
    return text


# --- the opening paragraph -------------------------------------------------------------------


@dataclass(frozen=True)
class Headline:
    """The numbers of a page's opening paragraph (plain Python values, never numpy ones)."""

    records: int
    years_with: int
    years_covered: int
    first_covered: int
    last_covered: int
    students: int | None
    dollars: float | None
    last_year: int | None
    last_year_students: int | None
    without_students: int
    without_cost: int


def headline(by_year: pd.DataFrame) -> Headline:
    """The headline numbers of :func:`imet_by_year`."""
    present = by_year[by_year["records"] > 0]
    students = present["students"].sum(min_count=1)
    dollars = present["cost_usd"].sum(min_count=1)
    last = present.iloc[-1] if len(present) else None
    last_students = None if last is None or pd.isna(last["students"]) else int(last["students"])
    return Headline(
        records=int(by_year["records"].sum()),
        years_with=len(present),
        years_covered=len(by_year),
        first_covered=int(by_year["fiscal_year"].min()),
        last_covered=int(by_year["fiscal_year"].max()),
        students=None if pd.isna(students) else int(students),
        dollars=None if pd.isna(dollars) else float(dollars),
        last_year=None if last is None else int(last["fiscal_year"]),
        last_year_students=last_students,
        without_students=int(by_year["records_without_students"].sum()),
        without_cost=int(by_year["records_without_cost"].sum()),
    )


def opening_text(country: str, head: Headline, top: pd.DataFrame, others: pd.DataFrame) -> str:
    """The page's opening paragraph (Markdown), every number from the records.

    ``top`` is :func:`top_courses` (its first row is named), ``others`` :func:`other_programs`.
    """
    country = md(country)
    span = fy_span(head.first_covered, head.last_covered)
    if head.records == 0:
        text = (
            f"The Foreign Military Training reports list no IMET training for {country} in "
            f"the {head.years_covered} fiscal years they cover ({span})."
        )
        if len(others):
            text += f" Its records there are under other programs: {_programs_text(others)}."
        return text
    students = "an unknown number of" if head.students is None else f"{head.students:,}"
    text = (
        f"The Foreign Military Training reports list {students} IMET students from {country} "
        f"in {head.years_with} of the {head.years_covered} fiscal years they cover ({span}), "
        f"in {_plural(head.records, 'course record', 'course records')}"
    )
    text += f" whose printed costs add up to {usd(head.dollars)}." if head.dollars else "."
    text += f" The latest fiscal year with an IMET record is {fy(head.last_year)}"
    if head.last_year_students is not None:
        text += f" ({_plural(head.last_year_students, 'student', 'students')})"
    text += "."
    if len(top):
        first = top.iloc[0]
        text += f" The course its officers attended most is {md(first['course'])}"
        if not pd.isna(first["students"]):
            text += f" ({_plural(int(first['students']), 'student', 'students')})"
        text += "."
    if head.without_students or head.without_cost:
        text += (
            f" {_plural(head.without_students, 'record prints', 'records print')} no number "
            f"of students and {head.without_cost:,} no cost; the sums leave them out."
        )
    return text


# --- top courses and places ------------------------------------------------------------------


def _modes(keys: pd.Series, values: pd.Series) -> pd.Series:
    """Per key, the most frequent non-null value (ties: first in sort order)."""
    pairs = pd.DataFrame({"key": keys, "value": values}).dropna()
    counts = pairs.groupby(["key", "value"]).size().rename("n").reset_index()
    counts = counts.sort_values(["key", "n", "value"], ascending=[True, False, True])
    return counts.drop_duplicates("key").set_index("key")["value"]


RANK_COLUMNS = ["name", "records", "students", "courses", "fiscal years", "latest listing"]


def _ranked(rows: pd.DataFrame, key: pd.Series, label: pd.Series, top: int) -> pd.DataFrame:
    """Per ``key``: records, students, courses, fiscal years and the report and page of its
    latest record (``source_url`` kept for a link); most students first (unknown last), then
    most records, then by name."""
    if rows.empty:
        return pd.DataFrame(columns=[*RANK_COLUMNS, "source_url"])
    rows = rows.assign(_key=key)
    grouped = rows.groupby("_key", sort=True)
    stats = pd.DataFrame(
        {
            "records": grouped.size(),
            "students": grouped["students"].sum(min_count=1).astype("Int64"),
            "courses": grouped["course_key"].nunique(),
            "first": grouped["fiscal_year"].min(),
            "last": grouped["fiscal_year"].max(),
        }
    )
    order = ["_key", "fiscal_year", "report", "page", "record_id"]
    latest = rows.sort_values(order, kind="stable").drop_duplicates("_key", keep="last")
    latest = latest.set_index("_key")
    stats["latest listing"] = pd.Series(
        [listing(r, p) for r, p in zip(latest["report"], latest["page"], strict=True)],
        index=latest.index,
    )
    # The original State Department document where the notes name one, else the extracted file.
    url = latest["source_url"]
    if "document_url" in latest.columns:
        url = latest["document_url"].fillna(url)
    stats["source_url"] = url
    stats["name"] = label.reindex(stats.index).astype(str)
    stats["fiscal years"] = [
        fy_span(a, b) for a, b in zip(stats["first"], stats["last"], strict=True)
    ]
    table = stats.sort_values(
        ["students", "records", "name"],
        ascending=[False, False, True],
        na_position="last",
        kind="stable",
    )
    return table.head(top).reset_index(drop=True)[[*RANK_COLUMNS, "source_url"]]


def top_courses(rows: pd.DataFrame, top: int = TOP) -> pd.DataFrame:
    """The courses with the most IMET students among ``rows`` (:func:`imet_rows`).

    A course is its curated family where it has one
    (:func:`imetbook.analysis.courses.course_family`), else its normalised title, named by its
    most common printed title. Records without a title are left out. Columns: ``course``,
    ``records``, ``students``, ``fiscal years``, ``latest listing`` (report and page of its
    latest record) and that record's ``source_url``.
    """
    rows = rows[rows["course_key"].notna()]
    family = rows["course_title"].map(courses.course_family)
    # One normalisation of titles for the whole book: courses.normalise_title (rules T1-T8).
    title = rows["course_title"].map(courses.normalise_title)
    key = family.where(family.notna(), "title: " + title).astype(str)
    titles = _modes(key, rows["course_title"])
    label = pd.Series(
        [k if not k.startswith("title: ") else titles[k] for k in titles.index], titles.index
    )
    table = _ranked(rows, key, label, top).drop(columns="courses")
    return table.rename(columns={"name": "course"})


def _places(rows: pd.DataFrame) -> pd.Series:
    return rows["location"].map(courses.place_of)


def top_places(rows: pd.DataFrame, top: int = TOP) -> pd.DataFrame:
    """The places of training with the most IMET students
    (:func:`imetbook.analysis.courses.place_of`); records naming no place are left out.
    Columns as :func:`top_courses`, with ``place`` and ``courses`` (distinct titles)."""
    place = _places(rows)
    placed = rows[place.notna()]
    key = place[place.notna()].astype(str)
    names = key.unique()
    label = pd.Series(names, index=names, dtype="object")
    return _ranked(placed, key, label, top).rename(columns={"name": "place"})


def records_without_place(rows: pd.DataFrame) -> int:
    """Records whose printed location names no place (mobile teams, ``VARIOUS``, none)."""
    return int(_places(rows).isna().sum())


# --- neighbours and shared classes -----------------------------------------------------------


@dataclass(frozen=True)
class Region:
    """The country's region and the other countries in it that have training records.

    ``basis`` is ``funding`` (the State regional bureau the funding table gives) or
    ``training`` (the report section the country is printed in most often).
    """

    name: str
    basis: str
    members: tuple[str, ...]


def report_sections(training: pd.DataFrame) -> dict[str, str]:
    """Per country, the report section it is printed in most often (ties alphabetical)."""
    rows = training.loc[training["iso3"].notna(), ["iso3", "region"]]
    sizes = rows.groupby(["iso3", "region"]).size().reset_index(name="n")
    best = sizes.sort_values(["iso3", "n", "region"], ascending=[True, False, True])
    best = best.drop_duplicates("iso3")
    return dict(zip(best["iso3"], best["region"], strict=True))


def region_of(training: pd.DataFrame, funding: pd.DataFrame, iso3: str) -> Region:
    """The country's region (see the module doc) and its other members with records."""
    listed = set(countries_with_training(training)["iso3"])
    bureaus = eligibility.bureaus(funding)
    if iso3 in bureaus:
        regions, basis = bureaus, "funding"
    else:
        regions, basis = report_sections(training), "training"
    if iso3 not in regions:
        raise ParameterError(f"country {iso3}: no training record places it in a region")
    name = regions[iso3]
    members = tuple(sorted(c for c in listed if c != iso3 and regions.get(c) == name))
    return Region(name, basis, members)


def region_words(region: Region) -> str:
    """How the page names the region, and where it comes from (Markdown)."""
    name = md(region.name)
    if region.basis == "funding":
        return f"the State Department's {name} bureau, as the funding sources place it"
    return (
        f"the {name} section of the training reports, where its records are printed "
        "most often (the funding sources do not place it in a State bureau)"
    )


def _course_years(training: pd.DataFrame, countries: Sequence[str]) -> pd.DataFrame:
    mask = training["iso3"].isin(list(countries)) & _is_imet_actual(training)
    mask &= training["course_key"].notna()
    keys = training.loc[mask, ["iso3", "fiscal_year", "course_key"]]
    return keys.drop_duplicates()


def neighbours(
    training: pd.DataFrame, iso3: str, members: Sequence[str], top: int = NEIGHBOURS
) -> pd.DataFrame:
    """The ``top`` members whose officers took the most of the country's IMET courses in the
    same fiscal years (a shared class needs both), most first, ties by name.

    Columns ``iso3``, ``country_name``, ``course_years`` (distinct pairs of course and fiscal
    year both countries have an IMET record of). Members sharing none are left out.
    """
    keys = _course_years(training, [iso3, *members])
    mine = keys.loc[keys["iso3"].eq(iso3), ["fiscal_year", "course_key"]]
    theirs = keys[keys["iso3"].isin(list(members))].merge(mine, on=["fiscal_year", "course_key"])
    counts = theirs.groupby("iso3").size().rename("course_years").reset_index()
    names = countries_with_training(training).set_index("iso3")["country_name"]
    counts.insert(1, "country_name", counts["iso3"].map(names).astype(str))
    counts = counts.sort_values(
        ["course_years", "country_name"], ascending=[False, True], kind="stable"
    )
    return counts.head(top).reset_index(drop=True).astype({"course_years": "int64"})


_TAG = "\x1f"  # separates a pair's tag from a course key or record id; never in the data


def _pair_rows(training: pd.DataFrame, iso3: str, near: pd.DataFrame) -> pd.DataFrame:
    """The rows of every pair (country, neighbour) that could be in a class they share, one
    copy per pair, with ``course_key`` and ``record_id`` tagged by the pair.

    A class is formed within one course and fiscal year, so a row can only be in a class of
    the pair if both countries have a record of its course in its year. Classes are formed
    within one course key, and a row's overlap with another country's rows is looked up by
    record id, so tagged copies of different pairs never meet: one matching run over all the
    copies gives each pair's classes exactly as a run over that pair alone would, at the cost
    of one run instead of one per pair.
    """
    mask = training["iso3"].isin([iso3, *near["iso3"]]) & _is_imet_actual(training)
    rows = training[mask & training["course_key"].notna()]
    keys = pd.MultiIndex.from_frame(rows[["fiscal_year", "course_key"]])
    country = rows["iso3"].to_numpy()
    in_mine = keys.isin(keys[country == iso3])
    positions, tags = [], []
    for i, other in enumerate(near["iso3"]):
        theirs = country == other
        both = in_mine & keys.isin(keys[theirs]) & (theirs | (country == iso3))
        found = np.flatnonzero(both)
        positions.append(found)
        tags.append(np.full(len(found), f"{i}{_TAG}", dtype=object))
    pairs = rows.iloc[np.concatenate(positions)].reset_index(drop=True)
    tag = pd.Series(np.concatenate(tags), dtype="str")
    return pairs.assign(course_key=tag + pairs["course_key"], record_id=tag + pairs["record_id"])


def _most_common(values: Iterable[object]) -> str:
    """The most frequent value; ties go to the first in sort order (deterministic)."""
    counts = Counter(str(v) for v in values)
    top = max(counts.values())
    return min(v for v, n in counts.items() if n == top)


def _pair_summary(classes: pd.DataFrame) -> dict[str, object]:
    kinds = classes["match"].value_counts()
    family = classes["family"]
    label = family.where(family.notna(), classes["course_title"])
    latest = classes.sort_values(
        ["fiscal_year", "start_date", "course_title", "pages"], na_position="first", kind="stable"
    ).iloc[-1]
    return {
        "classes": int(kinds.get("class", 0)),
        "course-year matches": int(kinds.get("course-year", 0)),
        "fiscal years": fy_span(classes["fiscal_year"].min(), classes["fiscal_year"].max()),
        "most shared course": _most_common(label.tolist()),
        "latest shared class": f"{latest['course_title']}, {fy(latest['fiscal_year'])} "
        f"({latest['pages']})",
    }


SHARED_COLUMNS = [
    "neighbour",
    "shared course-years",
    "classes",
    "course-year matches",
    "fiscal years",
    "most shared course",
    "latest shared class",
]


def shared_with_neighbours(
    training: pd.DataFrame, country: str, iso3: str, near: pd.DataFrame
) -> pd.DataFrame:
    """Per neighbour of :func:`neighbours`: the IMET classes its officers shared with the
    country's, each pair matched exactly as
    :func:`imetbook.analysis.classmates.shared_classes_for` matches two countries.

    ``classes``: same course, place and overlapping dates; ``course-year matches``: same course
    and fiscal year where the dates are not printed. ``latest shared class`` names its report
    and pages. Columns: :data:`SHARED_COLUMNS`; a neighbour with no shared class has 0 and
    empty cells.
    """
    if near.empty:
        return pd.DataFrame(columns=SHARED_COLUMNS)
    rows = _pair_rows(training, iso3, near)
    out = [
        {"neighbour": other, "shared course-years": int(years)}
        for other, years in zip(near["country_name"], near["course_years"], strict=True)
    ]
    if len(rows):
        lo, hi = classmates.data_span(rows)
        query = classmates.Query(
            (country, *near["country_name"]), (iso3, *near["iso3"]), "IMET", lo, hi, "class"
        )
        classes, _ = classmates.match_rows(classmates.select_rows(rows, query), query)
        # Every class holds the rows of one pair: its countries are the country and one
        # neighbour, named in the query's order.
        for entry in out:
            mine = classes[classes["countries"].eq(f"{country}; {entry['neighbour']}")]
            if len(mine):
                entry.update(_pair_summary(mine))
    table = pd.DataFrame(out).reindex(columns=SHARED_COLUMNS)
    counts = ["classes", "course-year matches"]
    table[counts] = table[counts].fillna(0).astype("int64")
    return table


def neighbours_text(country: str, region: Region, near: pd.DataFrame, has_imet: bool) -> str:
    """The sentence that introduces the shared-classes table (or says why there is none);
    ``has_imet``: whether the country has any IMET record (Markdown)."""
    country, where = md(country), region_words(region)
    if not has_imet:
        return (
            f"{country} has no IMET record in the training reports, so there is no IMET class "
            "to share with a neighbour."
        )
    if not region.members:
        return (
            f"No other country of {country}'s region ({where}) has training records, so "
            "there are no neighbours to match."
        )
    if near.empty:
        return (
            f"{country}'s region is {where}. No other country of it has an IMET record of a "
            f"course in a fiscal year in which {country} has one, so the records show no "
            "shared class."
        )
    members = _plural(len(region.members), "other country", "other countries")
    matched = _plural(len(near), "neighbour", "neighbours")
    return (
        f"{country}'s region is {where}; {members} of it have training records. The table "
        f"matches the {matched} whose officers took the most of the same IMET courses in the "
        f"same fiscal years as {country}'s (shared course-years)."
    )


# --- funding ---------------------------------------------------------------------------------

MEASURE_LABELS: dict[str, str] = {
    "request": "request",
    "estimate": "estimate",
    "actual": "State actual allocation",
    "allocation": "allocation",
    "appropriation": "appropriation (CRS)",
    "obligation": "obligation (Greenbook)",
    "fmtr_actual_dollars": "FMTR Section III actual",
    "fmtr_planned_dollars": "FMTR Section III planned",
    "training_value": "training value (course records)",
}
MEASURE_ORDER: dict[str, int] = {m: i for i, m in enumerate(schema.MEASURES)}


def funding_rows(funding: pd.DataFrame, iso3: str) -> pd.DataFrame:
    """The country's own funding figures (scope ``country``), in measure and year order."""
    rows = funding[funding["iso3"].eq(iso3) & funding["scope"].eq("country")]
    rows = rows.assign(_order=rows["measure"].map(MEASURE_ORDER))
    rows = rows.sort_values(["_order", "fiscal_year", "source", "source_title"], kind="stable")
    return rows.drop(columns="_order").reset_index(drop=True)


def funding_by_year(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per measure and fiscal year with a figure (``rows``: :func:`funding_rows`).

    ``amount_usd`` is the figure where every source prints the same one, null where they
    disagree; ``figures`` lists each distinct figure with its source. Tertiary sources are
    left out: the funding table lists them, the chart never draws them.
    """
    rows = budget.evidence_rows(rows)
    columns = ["fiscal_year", "measure", "amount_usd", "figures"]
    if rows.empty:
        return pd.DataFrame(columns=columns).astype({"fiscal_year": "int64"})
    out = []
    for (measure, year), g in rows.groupby(["measure", "fiscal_year"], sort=True):
        pairs = sorted(set(zip(g["amount_usd"].tolist(), g["source"].tolist(), strict=True)))
        values = {v for v, _ in pairs}
        out.append(
            {
                "fiscal_year": int(year),
                "measure": measure,
                "amount_usd": values.pop() if len(values) == 1 else float("nan"),
                "figures": "; ".join(f"{usd(v)} ({s})" for v, s in pairs),
            }
        )
    return pd.DataFrame(out, columns=columns).astype(
        {"fiscal_year": "int64", "amount_usd": "float64"}
    )


def disagreements(by_year: pd.DataFrame) -> list[str]:
    """``FY2003 FMTR Section III actual: $1 (a); $2 (b)`` for each year sources disagree
    (Markdown: the source names come from the data and are escaped)."""
    clash = by_year[by_year["amount_usd"].isna()]
    return [
        f"{fy(y)} {MEASURE_LABELS[m]}: {md(f)}"
        for y, m, f in clash[["fiscal_year", "measure", "figures"]].itertuples(index=False)
    ]


def chart_years(training: pd.DataFrame, by_year: pd.DataFrame) -> list[int]:
    """The funding chart's axis: the first year the reports cover to the last year with a
    course record or a figure for the country."""
    covered = covered_years(training)
    last = max([covered[-1], *by_year["fiscal_year"].tolist()])
    return list(range(covered[0], last + 1))


MIN_CHART_FIGURES = 3  # a measure with fewer figures on the axis is a row of crosses


def _axis_counts(by_year: pd.DataFrame, years: Sequence[int]) -> pd.Series:
    """Single figures per measure on the axis, in :data:`schema.MEASURES` order."""
    on_axis = by_year[by_year["fiscal_year"].between(years[0], years[-1])]
    counts = on_axis[on_axis["amount_usd"].notna()].groupby("measure").size()
    return counts.loc[sorted(counts.index, key=MEASURE_ORDER.__getitem__)]


def chart_measures(
    by_year: pd.DataFrame, years: Sequence[int], limit: int, min_figures: int = MIN_CHART_FIGURES
) -> list[str]:
    """The measures the chart draws: those with at least ``min_figures`` single figures on the
    axis (fewer draw almost nothing but gap crosses), at most ``limit`` of them (one colour
    each), in :data:`schema.MEASURES` order."""
    counts = _axis_counts(by_year, years)
    return list(counts[counts >= min_figures].index[:limit])


def chart_data(
    by_year: pd.DataFrame, years: Sequence[int], measures: Sequence[str]
) -> pd.DataFrame:
    """Tidy ``fiscal_year, measure, amount`` of ``measures`` for
    :func:`imetbook.figures.plots.yearly`,
    labelled. A year without a single figure has no row: the chart shows it as a gap."""
    on_axis = by_year[by_year["fiscal_year"].between(years[0], years[-1])]
    kept = on_axis[on_axis["amount_usd"].notna() & on_axis["measure"].isin(list(measures))]
    return pd.DataFrame(
        {
            "fiscal_year": kept["fiscal_year"].to_numpy(),
            "measure": kept["measure"].map(MEASURE_LABELS).to_numpy(),
            "amount": kept["amount_usd"].to_numpy(dtype="float64"),
        }
    )


def table_only(by_year: pd.DataFrame, years: Sequence[int], measures: Sequence[str]) -> str:
    """``estimate (1 figure), allocation (2 figures)``: measures with figures on the axis that
    the chart does not draw (empty if none)."""
    counts = _axis_counts(by_year, years)
    return ", ".join(
        f"{MEASURE_LABELS[m]} ({_plural(int(n), 'figure', 'figures')})"
        for m, n in counts.items()
        if m not in measures
    )


def chart_order(data: pd.DataFrame) -> list[str]:
    """The measure labels of :func:`chart_data`, in :data:`schema.MEASURES` order."""
    present = set(data["measure"])
    return [label for label in MEASURE_LABELS.values() if label in present]


def money_scale(largest: float) -> tuple[float, str]:
    """Divisor and unit for a money axis: millions from $1 million up, else thousands."""
    if largest >= 1_000_000:
        return 1_000_000.0, "US$ millions, nominal"
    return 1_000.0, "US$ thousands, nominal"


def funding_alt(country: str, data: pd.DataFrame, years: Sequence[int]) -> str:
    """Alt text of the funding chart: which measures, in how many years each."""
    counts = data.groupby("measure").size()
    parts = [
        f"{label} ({_plural(int(counts[label]), 'year', 'years')})" for label in chart_order(data)
    ]
    return (
        f"Lines: IMET money for {country} per US fiscal year, "
        f"{fy_span(years[0], years[-1])}, one line per measure, never added together: "
        f"{', '.join(parts)}. Crosses mark years with no figure."
    )


def doubtful_points(rows: pd.DataFrame, money: pd.DataFrame) -> pd.DataFrame:
    """The points of ``money`` (:func:`chart_data`) that are training values marked doubtful in
    ``rows`` (:func:`funding_rows`; ``quality``): ``fiscal_year``, ``measure``, ``amount``."""
    if "quality" not in rows.columns or money.empty:
        return money.iloc[0:0]
    flagged = rows["measure"].eq("training_value") & rows["quality"].eq("doubtful")
    years = set(rows.loc[flagged, "fiscal_year"].astype(int))
    hit = money["measure"].eq(MEASURE_LABELS["training_value"])
    return money[hit & money["fiscal_year"].astype(int).isin(years)].reset_index(drop=True)


def record_figure(
    country: str,
    by_year: pd.DataFrame,
    money: pd.DataFrame,
    years: Sequence[int],
    doubtful: pd.DataFrame | None = None,
) -> tuple[Figure, Axes] | None:
    """IMET students (bars, top) and IMET money by measure (lines, below) of one country on
    one fiscal-year axis ``years``; ``money`` is :func:`chart_data`, ``doubtful`` the points of
    it to ring (:func:`doubtful_points`). A panel with nothing to draw is left out; None if
    both are empty. Returns the figure and its lowest axes; the caller finishes it with
    :func:`imetbook.figures.plots.finish` (source line, alt text)."""
    # Imported here: the build imports this module for the page list, and needs no charts.
    from imetbook.figures import plots

    students = students_chart_data(by_year)
    panels = [
        name
        for name, present in (
            ("students", students["students"].gt(0).any()),  # zeros alone: nothing to draw
            ("money", len(money)),
        )
        if present
    ]
    if not panels:
        return None
    fig, first = plots.figure(
        f"IMET record of {country}, by fiscal year", height=1.6 + 2.4 * len(panels)
    )
    first.remove()
    grid = fig.subplots(len(panels), 1, sharex=True, squeeze=False)
    axes = dict(zip(panels, grid[:, 0], strict=True))
    if "students" in axes:
        plots.yearly(
            axes["students"], students, x="fiscal_year", y="students", kind="bar", years=years
        )
        axes["students"].set_ylabel("IMET students\n(people)")
    if "money" in axes:
        divisor, unit = money_scale(float(money["amount"].max()))
        plots.yearly(
            axes["money"],
            money.assign(amount=money["amount"] / divisor),
            x="fiscal_year",
            y="amount",
            by="measure",
            years=years,
            order=chart_order(money),
            value_format="{x:,.1f}",
        )
        axes["money"].set_ylabel(f"IMET money\n({unit})")
        if doubtful is not None:
            ringed = doubtful.assign(amount=doubtful["amount"] / divisor)
            plots.mark_doubtful(axes["money"], ringed, x="fiscal_year", y="amount")
    return fig, axes[panels[-1]]


def record_alt(
    country: str, by_year: pd.DataFrame, money: pd.DataFrame, years: Sequence[int]
) -> str:
    """Alt text of :func:`record_figure`."""
    parts = []
    if by_year["students"].notna().any():
        parts.append(students_alt(country, by_year))
    if len(money):
        parts.append(funding_alt(country, money, years))
    return " ".join(parts)


def _titles(titles: Iterable[str]) -> str:
    found = sorted(set(titles))
    more = len(found) - 1
    return found[0] + (f" (and {more} more)" if more else "")


def _latest_figure(g: pd.DataFrame) -> str:
    last = int(g["fiscal_year"].max())
    values = sorted(set(g.loc[g["fiscal_year"].eq(last), "amount_usd"].tolist()))
    return f"{fy(last)}: " + " / ".join(usd(v) for v in values)


FUNDING_TABLE_COLUMNS = [
    "measure",
    "fiscal years",
    "figures",
    "latest figure",
    "source",
    "grade",
    "address",
]


def cited_title(title: object, copy_at: object) -> str:
    """A source as cited: its title, and ``(copy at fdocuments.in)`` when the file read is a
    mirror site's copy of that document."""
    if isinstance(copy_at, str) and copy_at and copy_at != "nan":
        return f"{title} (copy at {copy_at})"
    return str(title)


def funding_table(rows: pd.DataFrame) -> pd.DataFrame:
    """The compact funding table (``rows``: :func:`funding_rows`): one row per measure and
    source, with the fiscal years it gives a figure for, how many figures, the latest one,
    and the source (first title, and how many more; the address of its latest figure)."""
    out = []
    for (measure, _source), g in rows.groupby(["measure", "source"], sort=False):
        latest = g.sort_values(["fiscal_year", "source_title"], kind="stable").iloc[-1]
        copy_at = latest["source_copy_at"] if "source_copy_at" in g else None
        out.append(
            {
                "measure": MEASURE_LABELS[measure],
                "_order": MEASURE_ORDER[measure],
                "_first": int(g["fiscal_year"].min()),
                "fiscal years": runs_text(g["fiscal_year"]),
                "figures": len(g),
                "latest figure": _latest_figure(g),
                "source": cited_title(_titles(g["source_title"]), copy_at),
                "grade": latest["source_grade"] if "source_grade" in g else "",
                "address": latest["source_url"],
            }
        )
    if not out:
        return pd.DataFrame(columns=FUNDING_TABLE_COLUMNS)
    table = pd.DataFrame(out).sort_values(["_order", "_first", "source"], kind="stable")
    return table[FUNDING_TABLE_COLUMNS].reset_index(drop=True)


# --- what the records cannot show ------------------------------------------------------------


def _fiscal_year_of(day: str) -> int:
    date = pd.Timestamp(day)
    return int(date.year + (1 if date.month >= 10 else 0))


def exemption_note(
    country: str,
    iso3: str,
    by_year: pd.DataFrame,
    accessions: Mapping[str, str],
    by_name: Sequence[str] = eligibility.EXEMPT_BY_NAME,
) -> str | None:
    """A sentence when 22 U.S.C. 2416(a)(2) exempts the country from the reports (Markdown).

    ``accessions``: NATO members and accession dates (``eligibility.accession_dates`` of the
    ``nato_accessions`` table)."""
    country = md(country)
    present = by_year.loc[by_year["records"] > 0, "fiscal_year"]
    last = (
        f"its last IMET record in them is {fy(present.max())}"
        if len(present)
        else "they hold no IMET record for it"
    )
    if iso3 in accessions:
        joined = accessions[iso3]
        when = f"in {joined}" if len(joined) == 4 else f"on {joined}"  # year-only dates
        if _fiscal_year_of(joined) > int(by_year["fiscal_year"].max()):
            return (
                f"{country} joined NATO {when}, after the last year of these records; "
                "as a member it is exempt from the reports (22 U.S.C. 2416(a)(2))."
            )
        return (
            f"{country} joined NATO {when}. 22 U.S.C. 2416(a)(2) exempts NATO members "
            "from the training reports, so its training as a member may be missing from them; "
            f"{last}."
        )
    if iso3 in by_name:
        return (
            f"22 U.S.C. 2416(a)(2) exempts {country} from the training reports by name, so "
            f"they are not a full record of its training; {last}."
        )
    return None


def law_markdown(country: str, iso3: str, has_records: bool, accessions: Mapping[str, str]) -> str:
    """The law that leaves the country out of the training reports, with its citation
    (Markdown; empty for a country the reports must cover)."""
    sentence = country_scope.exemption_sentence(country, iso3, has_records, accessions)
    if sentence is None:
        return ""
    return (
        f"{md(sentence)} Source: [{country_scope.STATUTE}]({country_scope.STATUTE_URL}), "
        f"{md(country_scope.STATUTE_LOCATOR)}."
    )


def limits_text(
    country: str,
    iso3: str,
    by_year: pd.DataFrame,
    others: pd.DataFrame,
    accessions: Mapping[str, str],
    by_name: Sequence[str] = eligibility.EXEMPT_BY_NAME,
) -> str:
    """What the records cannot show for this country, as a Markdown list."""
    note = exemption_note(country, iso3, by_year, accessions, by_name)
    country = md(country)
    head = headline(by_year)
    missing = by_year.loc[by_year["records"].eq(0), "fiscal_year"]
    items = [
        f"The course records cover {fy_span(head.first_covered, head.last_covered)}, the "
        "fiscal years of the training reports with delivered training: training before or "
        "after is not in them, and the planned training the two oldest reports list is not "
        "counted."
    ]
    if head.records == 0:
        items.append(f"The reports list no IMET training for {country} in any of those years.")
    elif len(missing):
        items.append(
            f"The reports list no IMET training for {country} in {runs_text(missing)}: none "
            "may have taken place, or it was not reported. Those years are gaps, not zeros."
        )
    if head.without_students or head.without_cost:
        items.append(
            f"{_plural(head.without_students, 'IMET record prints', 'IMET records print')} no "
            f"number of students and {head.without_cost:,} no cost; the sums leave them out, "
            "so they are lower bounds."
        )
    if note:
        items.append(note)
    items.append(
        "The reports leave out NATO members, Australia, Japan and New Zealand by law (22 U.S.C. "
        "2416(a)(2)): Turkey, for one, never appears, and classes shared with their officers "
        "cannot be found here."
    )
    if len(others):
        items.append(
            f"{country}'s records under other programs are not counted here: "
            f"{_programs_text(others)}."
        )
    items.append(
        "Budget figures come from scattered sources: a fiscal year without a figure is unknown, "
        "not zero, and measures are never added together."
    )
    return "\n".join(f"- {item}" for item in items)


# --- the index page --------------------------------------------------------------------------


def headlines(training: pd.DataFrame) -> pd.DataFrame:
    """One row per country: years with any record; fiscal years with IMET records, the latest
    of them, and IMET records, students and dollars."""
    with_code = training[training["iso3"].notna()]
    span = with_code.groupby("iso3")["fiscal_year"].agg(["min", "max"])
    imet = with_code[_is_imet_actual(with_code)].groupby("iso3")
    out = countries_with_training(training).set_index("iso3")
    out["first_year"] = span["min"].astype("int64")
    out["last_year"] = span["max"].astype("int64")
    out["imet_years"] = imet["fiscal_year"].nunique().reindex(out.index).fillna(0).astype("int64")
    out["last_imet_year"] = imet["fiscal_year"].max().reindex(out.index).astype("Int64")
    out["imet_records"] = imet.size().reindex(out.index).fillna(0).astype("int64")
    out["imet_students"] = imet["students"].sum(min_count=1).reindex(out.index).astype("Int64")
    out["imet_cost_usd"] = imet["cost_usd"].sum(min_count=1).reindex(out.index)
    return out.reset_index().sort_values(["country_name", "iso3"], ignore_index=True)


def _fmt(value: object) -> str:
    return "—" if pd.isna(value) else f"{round(float(value)):,}"


def _years(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}–{last}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def index_markdown(table: pd.DataFrame, covered: Sequence[int] = ()) -> str:
    """The country index page (MyST): totals, then a table linking every country page.

    ``table`` is :func:`headlines`; ``covered`` the fiscal years the reports cover
    (:func:`covered_years`): with them, the page names the span and each country's years with
    IMET records read ``n of N``.
    """
    students = table["imet_students"].sum(min_count=1)
    with_imet = int((table["imet_records"] > 0).sum())
    span = f" ({fy_span(min(covered), max(covered))})" if len(covered) else ""
    of = f" of {len(covered)}" if len(covered) else ""
    lines = [
        "# Countries",
        "",
        f"One page for each of the {len(table)} countries with training records in the "
        f"Foreign Military Training reports{span} or IMET money of their own in a budget "
        f"source. {with_imet} of them have IMET records: "
        f"{_fmt(table['imet_records'].sum())} records listing {_fmt(students)} students in all. "
        "IMET figures count records of training delivered (status actual); sums skip records "
        "where no number was printed, and — marks a country with no such figure. The reports "
        "leave out NATO members, Australia, Japan and New Zealand by law (22 U.S.C. "
        "2416(a)(2)): their pages rest on the budget sources, and read *none (IMET money "
        "only)* below.",
        "",
        "| Country | ISO3 | Years with records | Years with IMET records | Latest IMET year "
        "| IMET records | IMET students | IMET course costs (US$) |",
        "|:--|:--|:--|--:|:--|--:|--:|--:|",
    ]
    for row in table.itertuples(index=False):
        link = f"{{doc}}`{_cell(row.country_name)} <{row.iso3}>`"
        latest = "—" if pd.isna(row.last_imet_year) else str(row.last_imet_year)
        seen = (
            "none (IMET money only)"
            if pd.isna(row.first_year)
            else _years(int(row.first_year), int(row.last_year))
        )
        lines.append(
            f"| {link} | {row.iso3} | {seen} | "
            f"{row.imet_years}{of} | {latest} | {row.imet_records:,} | "
            f"{_fmt(row.imet_students)} | {_fmt(row.imet_cost_usd)} |"
        )
    return "\n".join(lines) + "\n"


def with_money_only(table: pd.DataFrame, pages: pd.DataFrame) -> pd.DataFrame:
    """:func:`headlines` plus a row for each country whose page rests on IMET money alone
    (no training record: its year and record columns are empty)."""
    extra = pages.loc[pages["basis"].eq(country_scope.MONEY_ONLY), ["iso3", "country_name"]]
    if extra.empty:
        return table
    extra = extra.assign(imet_years=0, imet_records=0)
    out = pd.concat([table, extra], ignore_index=True)
    for col in ("first_year", "last_year", "last_imet_year", "imet_students"):
        out[col] = out[col].astype("Int64")
    return out.sort_values(["country_name", "iso3"], ignore_index=True)


def index_page(training: pd.DataFrame, funding: pd.DataFrame | None = None) -> str:
    """:func:`index_markdown` of the training table and the countries with IMET money only
    in ``funding`` (default: the built table): what ``imetbook execute`` writes."""
    table = with_money_only(headlines(training), page_list(training, funding))
    return index_markdown(table, covered_years(training))


def with_listing_links(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` (top courses or places) with its ``latest listing`` linked to the row's
    ``source_url`` (only an http(s) address becomes a link) and that column dropped."""
    out = table.drop(columns="source_url").copy()
    out["latest listing"] = [
        tables.link(text, url)
        for text, url in zip(table["latest listing"], table["source_url"], strict=True)
    ]
    return out
