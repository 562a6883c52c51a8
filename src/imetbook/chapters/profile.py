"""The country page (``chapters/country/profile.ipynb``): its parameter, its inputs, and each
section as the page shows it.

The notebook calls :func:`page` once, glues :meth:`Page.opening` and calls one ``show_*``
function per section; the numbers come from :mod:`imetbook.analysis.country_pages`, the
chart from :mod:`imetbook.figures.country`, the sentences and table views from
:mod:`imetbook.chapters.country_text`.

About 190 pages run in every cold build, several in each warm kernel
(:mod:`imetbook.run.kernel`): :func:`page_set` reads the tables and computes what every page
shares once per kernel and table version, and each page then works on its own rows.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

import pandas as pd
from IPython.display import HTML, Markdown, display
from matplotlib.figure import Figure

from imetbook.analysis import country_classes as cc
from imetbook.analysis import country_pages as cp
from imetbook.analysis import country_scope as cs
from imetbook.analysis import dropouts, eligibility
from imetbook.analysis import timeline as tl
from imetbook.analysis.country_set import PageSet, page_list
from imetbook.chapters import country_text as ct
from imetbook.chapters import evidence, pakistan, tables
from imetbook.chapters.country_text import NOT_PRINTED, md
from imetbook.chapters.params import Country, Invalid, Param, Spec
from imetbook.data import datasets, publish
from imetbook.figures import country as country_figure
from imetbook.figures import plots
from imetbook.vocab import fy_span

__all__ = ["PARAMS", "Page", "page", "page_set"]


@dataclass(frozen=True)
class CountryWithRecords:
    """A country name (any known spelling) with training records or IMET money of its own,
    so with a page; checked before any kernel starts (``imetbook run profile -p country``)."""

    describe: str = "a country with training records or IMET money of its own"

    def __call__(self, value: object) -> str:
        name = Country()(value)
        if cs.page_iso3(_pages(_stamp("training"), _stamp("funding")), name) is None:
            raise Invalid(
                f"{name} has no record in the training reports and no IMET money of its own "
                "in any funding source, so it has no page"
            )
        return name


PARAMS = Spec(
    country=Param(
        CountryWithRecords(), "The country the page is about (any known spelling).", default="India"
    )
)

# The tables a page reads, with the columns it needs (None: all of them).
TABLES: dict[str, tuple[str, ...] | None] = {
    "training": cp.TRAINING_COLUMNS,
    "funding": cp.FUNDING_COLUMNS,
    "events": None,
    "nato_accessions": None,
    "aspa_rules": None,
    "aspa_countries": None,
    "country_restrictions": None,
}


@dataclass(frozen=True)
class Inputs:
    """The tables of :data:`TABLES` and the :class:`PageSet` of the first two."""

    tables: dict[str, pd.DataFrame]
    pages: PageSet


def _stamp(name: str) -> int | None:
    path = datasets.table_path(name)
    return path.stat().st_mtime_ns if path.is_file() else None


@lru_cache(maxsize=1)
def _pages(training: int | None, funding: int | None) -> pd.DataFrame:
    """:func:`page_list`, once per version of the two tables (arguments: their stamps)."""
    return page_list()


@lru_cache(maxsize=1)
def _inputs(stamps: tuple[tuple[str, int | None], ...]) -> Inputs:
    loaded = {name: datasets.load(name, columns=TABLES[name]) for name, _ in stamps}
    inputs = Inputs(loaded, PageSet.build(loaded["training"], loaded["funding"]))
    # The inputs live as long as the kernel: out of the collector's sight, a warm kernel's
    # reset between two pages (which collects) does not walk them again for every page.
    gc.collect()
    gc.freeze()
    return inputs


def page_set() -> Inputs:
    """The page inputs, read and computed once per process and version of the tables.

    Every call records the tables as read (:data:`imetbook.data.datasets.TABLES_READ`), also
    when they come from this cache: a warm kernel empties that record between two pages, and
    the execution cache must see what each page used."""
    inputs = _inputs(tuple((name, _stamp(name)) for name in TABLES))
    datasets.TABLES_READ.update(TABLES)
    return inputs


def page(country: str) -> Page:
    """The page of ``country`` (a canonical name, as :data:`PARAMS` gives it)."""
    inputs = page_set()
    return Page(country, inputs.pages.iso3(country), inputs)


@dataclass(frozen=True)
class Page:
    """One country's page: its rows, and each section's values, computed when first asked."""

    country: str
    iso3: str
    inputs: Inputs

    @property
    def shared(self) -> PageSet:
        """What every page shares."""
        return self.inputs.pages

    def table(self, name: str) -> pd.DataFrame:
        """A small table of :data:`TABLES`, as a copy: the next page must see it unchanged."""
        return self.inputs.tables[name].copy()

    @cached_property
    def training(self) -> pd.DataFrame:
        """Every training row of the country."""
        return self.shared.rows(self.iso3)

    @cached_property
    def imet(self) -> pd.DataFrame:
        return cp.imet_rows(self.training, self.iso3)

    @cached_property
    def top(self) -> pd.DataFrame:
        """The country's top IMET courses."""
        return cp.top_courses(self.imet)

    @cached_property
    def programs(self) -> pd.DataFrame:
        return cs.programs_table(self.training, self.iso3)

    @cached_property
    def by_year(self) -> pd.DataFrame:
        return cp.imet_by_year(self.training, self.iso3, self.shared.covered)

    @cached_property
    def head(self) -> cp.Headline:
        return cp.headline(self.by_year)

    @cached_property
    def others(self) -> pd.DataFrame:
        return cp.other_programs(self.training, self.iso3)

    @cached_property
    def accessions(self) -> dict[str, str]:
        return eligibility.accession_dates(self.table("nato_accessions"))

    @cached_property
    def money(self) -> pd.DataFrame:
        return cp.funding_rows(self.shared.money(self.iso3), self.iso3)

    @cached_property
    def money_by_year(self) -> pd.DataFrame:
        return cp.funding_by_year(self.money)

    @cached_property
    def years(self) -> list[int]:
        return cp.chart_years(self.shared.covered, self.money_by_year)

    @cached_property
    def drawn(self) -> list[str]:
        """The money measures the chart draws (one colour each)."""
        return cp.chart_measures(self.money_by_year, self.years, limit=len(plots.COLORS))

    @cached_property
    def lines(self) -> pd.DataFrame:
        """The money chart's points: single figures, and a reported zero of the training value
        in each covered year that lists no IMET record for the country."""
        zeros = cp.reported_zero_years(self.by_year)
        return cp.chart_data(self.money_by_year, self.years, self.drawn, zeros)

    def record_chart(self) -> Figure | None:
        """The chart of students and money by year (None when there is nothing to draw)."""
        doubtful = cp.doubtful_points(self.money, self.lines)
        return country_figure.record_chart(
            self.country, self.by_year, self.lines, self.years, doubtful
        )

    @cached_property
    def region(self) -> cp.Region:
        return self.shared.region(self.iso3)

    def opening(self) -> Markdown:
        """The opening paragraph (Markdown: myst-nb would set pasted plain text in bold)."""
        parts = [
            ct.opening_text(self.country, self.head, self.top, self.others),
            ""
            if len(self.programs)
            else md(ct.money_sentence(self.country, *cs.money_measures(self.money, self.iso3))),
            ct.law_markdown(self.country, self.iso3, not self.programs.empty, self.accessions),
        ]
        return Markdown(" ".join(p for p in parts if p))


def _md(text: str) -> None:
    display(Markdown(text))


COUNTS = {"records": "{:,}", "students": "{:,}"}


def show_programs(p: Page) -> None:
    """Every program of the country's records, IMET first."""
    _md(md(ct.programs_sentence(p.country, p.programs)))
    if not p.programs.empty:
        formats = {**COUNTS, "course costs (US$)": "{:,.0f}"}
        display(tables.show(p.programs, "cp-programs", na_rep=NOT_PRINTED, formats=formats))


def show_record(p: Page) -> None:
    """The chart of students and money by year, and the table of records by year."""
    fig = p.record_chart()
    span = fy_span(p.years[0], p.years[-1])
    if fig is None:
        _md(
            f"The records hold no IMET students and no IMET money figure for {md(p.country)} "
            f"in {span}: there is nothing to draw."
        )
    else:
        plots.show(fig)
        undrawn = ct.table_only(cp.axis_counts(p.money_by_year, p.years), p.drawn)
        if undrawn:
            _md(
                f"Measures with fewer than {cp.MIN_CHART_FIGURES} figures in {span} are in "
                f"the funding table only: {undrawn}."
            )
    if p.head.records == 0:
        _md(
            f"The reports list no IMET training for {md(p.country)} in "
            f"{fy_span(p.head.first_covered, p.head.last_covered)}."
        )
    else:
        display(tables.show(ct.by_year_display(p.by_year), "cp-by-year"))


def show_courses(p: Page) -> None:
    """The top courses and places (of every program for a country without IMET records)."""
    rows, imet = cs.course_rows(p.training, p.iso3)
    if rows.empty:
        _md(f"The reports list no course for {md(p.country)}.")
        return
    if not imet:
        _md(
            f"The reports list no IMET course for {md(p.country)}: the courses and places "
            "below are those of its records under every program (see the table of programs "
            "above)."
        )
    linked = {"na_rep": NOT_PRINTED, "html_columns": ["latest listing"]}
    courses = ct.with_listing_links(p.top if imet else cp.top_courses(rows))
    display(tables.show(courses, "cp-courses", formats=COUNTS, **linked))
    places = cp.top_places(rows)
    if not places.empty:
        formats = {**COUNTS, "courses": "{:,}"}
        display(tables.show(ct.with_listing_links(places), "cp-places", formats=formats, **linked))
    unplaced = cp.records_without_place(rows)
    if unplaced:
        _md(
            f"{unplaced:,} of {len(rows):,} records name no place (a mobile training team, "
            "*various*, or nothing) and are left out of the places."
        )


def show_neighbours(p: Page) -> None:
    """The classes shared with the neighbours (under every program without IMET records)."""
    if p.imet.empty and p.programs.empty:
        _md(
            f"The training reports hold no record for {md(p.country)}, so no class shared with "
            "another country can be found in them."
        )
    elif p.imet.empty:
        rows = p.shared.rows(p.iso3, *p.region.members)
        shared = cc.all_program_pairs(rows, p.iso3, p.region.members)
        _md(ct.all_programs_text(p.country, p.region))
        if not shared.empty:
            formats: dict[Any, str] = {c: "{:,}" for c in shared.columns[1:]}
            display(tables.show(shared, "cp-shared-all", formats=formats))
    else:
        near = p.shared.neighbours(p.iso3, p.region.members)
        _md(ct.neighbours_text(p.country, p.region, near, has_imet=True))
        if not near.empty:
            rows = p.shared.rows(p.iso3, *near["iso3"])
            shared = cc.shared_with_neighbours(rows, p.country, p.iso3, near)
            formats = {c: "{:,}" for c in ("shared course-years", "classes", "course-year matches")}
            display(tables.show(shared, "cp-shared", na_rep="no shared class", formats=formats))


def show_funding(p: Page) -> None:
    """Every money figure of the country, one row per measure and source."""
    if p.money.empty:
        _md(f"No budget source in the book gives an IMET figure for {md(p.country)}.")
        return
    clashes = ct.disagreements(p.money_by_year)
    if clashes:
        _md(
            "Sources disagree on these figures, so the chart leaves those years out: "
            + "; ".join(clashes)
            + "."
        )
    table = ct.funding_table(p.money)
    table["source"] = [
        tables.link(t, u) for t, u in zip(table["source"], table["address"], strict=True)
    ]
    shown = table.drop(columns="address")
    display(tables.show(shown, "cp-funding", formats={"figures": "{:,}"}, html_columns=["source"]))


def show_ranks(p: Page) -> None:
    """The country's rank among all countries, per money measure."""
    ranks = cs.rank_table(p.shared.money(p.iso3), p.iso3, p.shared.ranks)
    if ranks.empty:
        _md(f"No budget source in the book ranks {md(p.country)} by a money measure.")
    else:
        display(tables.show(ct.rank_display(ranks), "cp-ranks"))


def show_events(p: Page) -> None:
    """The dated events of the book's timelines that concern the country."""
    events = tl.country_events(p.table("events"), p.iso3)
    if events.empty:
        _md(f"The book's timelines hold no event concerning {md(p.country)}.")
    else:
        shown = pakistan.events_html(events)
        display(tables.show(shown, "cp-events", html_columns=[pakistan.EVENTS_HTML_COLUMN]))


def show_dropouts(p: Page) -> None:
    """The fiscal years the country left the records, with their causes."""
    present = p.by_year.loc[p.by_year["records"] > 0, "fiscal_year"]
    left = dropouts.country_causes(
        p.iso3,
        present,
        p.by_year["fiscal_year"],
        p.table("aspa_rules"),
        p.table("aspa_countries"),
        p.table("nato_accessions"),
        p.shared.merged,
        p.table("events"),
        p.table("country_restrictions"),
    )
    if left.empty:
        _md(
            f"The reports never stop listing IMET training for {md(p.country)} after a year "
            "that listed it."
        )
    else:
        display(tables.show(evidence.causes_table(left), "cp-dropouts", html_columns=["Source"]))


def show_limits(p: Page) -> None:
    """What the records cannot show for the country."""
    _md(ct.limits_text(p.country, p.iso3, p.by_year, p.others, p.accessions))


def show_download(p: Page) -> None:
    """The link to the CSV of the country's training records."""
    display(HTML(publish.country_download(p.training, p.iso3, p.country)))
