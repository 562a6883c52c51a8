"""Country pages: which rows each page counts and the tables it shows, as DataFrames.

A page is made for every country with a training record or IMET money of its own
(:mod:`imetbook.analysis.country_scope`) by executing ``chapters/country/profile.ipynb``
with parameter ``country``; :mod:`imetbook.chapters.profile` words and shows what is computed
here, :mod:`imetbook.figures.country` draws the chart.

Rules that hold throughout:

- Training figures count IMET records of status ``actual`` only: the two oldest reports also
  list the next year's planned training, which would count FY2000 twice. Records under other
  programs (CTFP, FMF, ...) are counted apart.
- Sums skip records where the report printed no number; the counts of such records are kept
  next to them. Three states for every yearly number: a value; a reported zero for the
  training-derived series (students, training value) in a fiscal year a report covers
  (:func:`covered_years`) and lists no IMET record for the country; a gap where no report
  covers the year or the records print no number. Budget measures (request, obligation, ...)
  are never zero-filled: only a source that prints 0 gives a zero.
- Funding measures answer different questions and are never added together. Where sources
  print different figures for the same country, year and measure, that year has no single
  figure: it is a gap in the chart and the figures are listed.
- Neighbours are the other countries of the country's State regional bureau as the funding
  table places it (:func:`imetbook.analysis.eligibility.bureaus`); a country the funding table
  does not place takes the report section it is printed in most often. Only the few neighbours
  whose officers took the most of the same IMET courses in the same fiscal years are matched
  (:func:`imetbook.analysis.country_classes.neighbours`), each pair exactly as
  :func:`imetbook.analysis.classmates.shared_classes_for` matches two countries.

Performance matters: ~190 pages run in every cold build, in a few warm kernels
(:mod:`imetbook.run.kernel`). What every page shares (the tables split by country, the
regions, the global ranks, the merged report headings) is computed once per kernel in a
:class:`imetbook.analysis.country_set.PageSet`; a page then works on its own country's rows
only, and every function here gives on them what it gives on the full tables.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from imetbook.analysis import budget, classmates, country_scope, courses, eligibility
from imetbook.analysis import timeline_yearly as ty
from imetbook.errors import ParameterError
from imetbook.vocab import MEASURE_LABELS, MEASURE_ORDER, fy_span, printed_at, usd

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

NEIGHBOURS = 5  # neighbours matched per page (country_classes)
TOP = 5  # rows of the top courses and top places tables
MIN_CHART_FIGURES = 3  # a measure with fewer figures on the axis is a row of crosses

BY_YEAR_COLUMNS = [
    "fiscal_year",
    "records",
    "students",
    "cost_usd",
    "records_without_students",
    "records_without_cost",
]


# --- which countries, which rows -------------------------------------------------------------


def is_imet_actual(training: pd.DataFrame) -> pd.Series:
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
    return page_code(pages, country)


def page_code(pages: pd.DataFrame, country: str) -> str:
    code = country_scope.page_iso3(pages, country)
    if code is None:
        raise ParameterError(
            f"country: {country} has no record in the training reports and no IMET money of "
            "its own in any funding source, so it has no page"
        )
    return code


def covered_years(training: pd.DataFrame) -> list[int]:
    """Fiscal years with any actual training record: the years the reports cover, as the
    Pakistan chapter decides them (:func:`imetbook.analysis.timeline_yearly.report_years`)."""
    return sorted(ty.report_years(training))


def imet_rows(training: pd.DataFrame, iso3: str) -> pd.DataFrame:
    """The country's IMET training records of status actual."""
    return training[training["iso3"].eq(iso3) & is_imet_actual(training)]


def other_programs(training: pd.DataFrame, iso3: str) -> pd.DataFrame:
    """The country's actual records under programs other than IMET: ``program, records``,
    most records first."""
    mask = training["iso3"].eq(iso3) & training["status"].eq("actual")
    mask &= ~training["is_imet"].astype(bool)
    out = training.loc[mask, ["program"]].groupby("program").size().rename("records")
    out = out.reset_index().astype({"records": "int64"})
    return out.sort_values(["records", "program"], ascending=[False, True], ignore_index=True)


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


def imet_by_year(
    training: pd.DataFrame, iso3: str, covered: Sequence[int] | None = None
) -> pd.DataFrame:
    """IMET records, students and dollars per fiscal year for the country ``iso3``.

    Every fiscal year the reports cover (``covered``; by default :func:`covered_years` of
    ``training``) appears; a year with no record for this country shows 0 records and empty
    sums here (the charts read 0 records as a reported zero: :func:`students_chart_data`,
    :func:`reported_zero_years`).
    """
    rows = training.loc[
        training["iso3"].eq(iso3) & is_imet_actual(training),
        ["fiscal_year", "students", "cost_usd"],
    ]
    years = pd.Index(covered_years(training) if covered is None else covered, name="fiscal_year")
    table = _by_year(rows).reindex(years)
    for col in ("records", "records_without_students", "records_without_cost"):
        table[col] = table[col].fillna(0).astype("int64")
    table["students"] = table["students"].astype("Int64")
    table["cost_usd"] = table["cost_usd"].astype("float64")
    return table.reset_index()[BY_YEAR_COLUMNS]


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


def reported_zero_years(by_year: pd.DataFrame) -> list[int]:
    """The fiscal years a report covers and lists no IMET record for the country
    (``by_year``: :func:`imet_by_year`, whose years are the covered ones): the years its
    training-derived series are a reported zero."""
    return [int(y) for y in by_year.loc[by_year["records"].eq(0), "fiscal_year"]]


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


# --- top courses and places ------------------------------------------------------------------


def listing(report: object, page: object) -> str:
    """``2019-2020 p. 123``, or ``2019-2020, no page printed``: where a record is printed."""
    return printed_at(report, "" if pd.isna(page) else int(page))


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


# --- the region: whose classes are matched ---------------------------------------------------


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
    return region_from(listed, eligibility.bureaus(funding), report_sections(training), iso3)


def region_from(
    listed: Iterable[str], bureaus: Mapping[str, str], sections: Mapping[str, str], iso3: str
) -> Region:
    if iso3 in bureaus:
        regions, basis = bureaus, "funding"
    else:
        regions, basis = sections, "training"
    if iso3 not in regions:
        raise ParameterError(f"country {iso3}: no training record places it in a region")
    name = regions[iso3]
    members = tuple(sorted(c for c in listed if c != iso3 and regions.get(c) == name))
    return Region(name, basis, members)


# --- funding ---------------------------------------------------------------------------------


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


def chart_years(covered: Sequence[int], by_year: pd.DataFrame) -> list[int]:
    """The chart's axis: the first year the reports cover (``covered``) to the last year with
    a course record or a money figure (``by_year``: :func:`funding_by_year`)."""
    last = max([covered[-1], *by_year["fiscal_year"].tolist()])
    return list(range(covered[0], last + 1))


def axis_counts(by_year: pd.DataFrame, years: Sequence[int]) -> pd.Series:
    """Single figures per measure on the axis ``years``, in the book's measure order."""
    on_axis = by_year[by_year["fiscal_year"].between(years[0], years[-1])]
    counts = on_axis[on_axis["amount_usd"].notna()].groupby("measure").size()
    return counts.loc[sorted(counts.index, key=MEASURE_ORDER.__getitem__)]


def chart_measures(
    by_year: pd.DataFrame, years: Sequence[int], limit: int, min_figures: int = MIN_CHART_FIGURES
) -> list[str]:
    """The measures the chart draws: those with at least ``min_figures`` single figures on the
    axis (fewer draw almost nothing but gap crosses), at most ``limit`` of them (one colour
    each), in the book's measure order."""
    counts = axis_counts(by_year, years)
    return list(counts[counts >= min_figures].index[:limit])


# Money measures computed from the training reports: 0 in a covered year that lists nothing.
TRAINING_MONEY: tuple[str, ...] = ("training_value",)


def chart_data(
    by_year: pd.DataFrame,
    years: Sequence[int],
    measures: Sequence[str],
    zeros: Iterable[int] = (),
) -> pd.DataFrame:
    """Tidy ``fiscal_year, measure, amount`` of ``measures`` (labelled) for the chart.

    ``zeros`` are the fiscal years a report covers and lists nothing for the country
    (:func:`reported_zero_years`): there the measures of :data:`TRAINING_MONEY` are 0, a
    reported zero. Any other year without a single figure has no row: the chart shows it as
    a gap. Budget measures are never given a zero they do not print."""
    on_axis = by_year[by_year["fiscal_year"].between(years[0], years[-1])]
    kept = on_axis[on_axis["amount_usd"].notna() & on_axis["measure"].isin(list(measures))]
    kept = kept[["fiscal_year", "measure", "amount_usd"]]
    listed = set(zip(on_axis["fiscal_year"], on_axis["measure"], strict=True))
    silent = sorted({int(y) for y in zeros if years[0] <= y <= years[-1]})
    extra = pd.DataFrame(
        [
            (y, m, 0.0)
            for m in TRAINING_MONEY
            if m in measures
            for y in silent
            if (y, m) not in listed
        ],
        columns=["fiscal_year", "measure", "amount_usd"],
    )
    if len(extra):
        kept = pd.concat([kept, extra], ignore_index=True)
        kept = kept.sort_values(["measure", "fiscal_year"], kind="stable")
    return pd.DataFrame(
        {
            "fiscal_year": kept["fiscal_year"].to_numpy(dtype="int64"),
            "measure": kept["measure"].map(MEASURE_LABELS).to_numpy(),
            "amount": kept["amount_usd"].to_numpy(dtype="float64"),
        }
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
