"""The Pakistan-timeline chapter (``chapters/pakistan.ipynb``): its parameters, the values it
glues, the sentences that vary with its parameters, its charts (finished) and its table views.

The notebook binds its parameters, calls :func:`load` once, and shows what the functions here
return. Restriction periods come from the sourced table
(:mod:`imetbook.analysis.timeline_periods`), never from pairing events; where the shading and the
records disagree, both are shown (:func:`answer_text`, :func:`period_views`).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import pandas as pd
from IPython.display import Markdown

from imetbook import paths
from imetbook.analysis import timeline as tl
from imetbook.analysis import timeline_periods as tp
from imetbook.analysis import timeline_yearly as ty
from imetbook.chapters import params, tables
from imetbook.data import countries, datasets
from imetbook.data.parsers import budget
from imetbook.figures import plots
from imetbook.figures import timeline as ft
from imetbook.vocab import and_join, count, fy, fy_runs, fy_span, measure_label, plural, usd


@cache
def _country_periods(country: str) -> pd.DataFrame:
    return tp.restriction_periods(tp.read_restriction_periods(), country)


@dataclass(frozen=True)
class ReachesAPeriod:
    """A rule across parameters: if the sourced table holds restriction periods for the
    country, the axis reaches at least one of them (else the chapter has nothing to set the
    record against, and its before/during/after window would be empty)."""

    country: str = "country"
    first: str = "fy_start"
    last: str = "fy_end"

    @property
    def names(self) -> tuple[str, ...]:
        return (self.country, self.first, self.last)

    @property
    def describe(self) -> str:
        return f"{self.first}-{self.last} reaches a restriction period of {self.country}, if any"

    def __call__(self, values: dict[str, Any]) -> None:
        periods = _country_periods(values[self.country])
        lo, hi = values[self.first], values[self.last]
        if periods.empty or lo > hi or not tp.on_axis(periods, lo, hi).empty:
            return
        spans = [
            fy_span(a, b) for a, b in zip(periods["fy_first"], periods["fy_last"], strict=True)
        ]
        raise params.Invalid(
            f"the axis {self.first}–{self.last} ({fy_span(lo, hi)}) reaches none of the "
            f"restriction periods of {self.country} {values[self.country]} ({', '.join(spans)}); "
            f"choose {self.first} and {self.last} that reach one"
        )


# The axis may reach back before the course records (FY1999) because the Greenbook obligations
# and the events do; the bounds are the funding table's years.
PARAMS = params.Spec(
    params.Ordered("fy_start", "fy_end"),
    params.Distinct("country", "compare_with"),
    ReachesAPeriod(),
    country=params.Param(
        params.Country(),
        "Country whose events and IMET record the chapter follows",
        default="Pakistan",
    ),
    compare_with=params.Param(
        params.Country(), "Reference country drawn on the same fiscal-year axes", default="India"
    ),
    fy_start=params.Param(
        params.FiscalYear(params.data_years("funding")),
        "First US fiscal year on the axis",
        default=1985,
    ),
    fy_end=params.Param(
        params.FiscalYear(params.data_years("funding")),
        "Last US fiscal year on the axis",
        default=2021,
    ),
)
MEASURES = ("students", "courses", "training_value", *ty.FUNDING_MEASURES)
XLABEL = "US fiscal year (1 October to 30 September)"


# --- the chapter's data ------------------------------------------------------------------


@dataclass(frozen=True)
class Timeline:
    """Everything the chapter shows, read once. ``yearly_all`` and ``ref_yearly_all`` cover the
    axis widened to every year of the tables (the answer may look beyond the axis); ``latest``
    is the latest restriction period reaching the axis, ``episode`` the same as an episode and
    ``window`` the fiscal years around it (the axis' last six without one)."""

    country: str
    reference: str
    iso3: str
    ref_iso3: str
    fy_start: int
    fy_end: int
    events: pd.DataFrame
    periods: pd.DataFrame
    training: pd.DataFrame
    funding: pd.DataFrame
    yearly_all: pd.DataFrame
    ref_yearly_all: pd.DataFrame
    latest: pd.Series | None
    episode: tl.Episode | None
    window: list[int]

    @property
    def yearly(self) -> pd.DataFrame:
        return self.yearly_all.loc[self.fy_start : self.fy_end]

    @property
    def years(self) -> list[int]:
        return list(range(self.fy_start, self.fy_end + 1))


def load(values: dict[str, Any]) -> Timeline:
    """The chapter's data for bound parameters (:func:`imetbook.chapters.params.bind`)."""
    country, reference = values["country"], values["compare_with"]
    iso3, ref_iso3 = countries.to_iso3(country), countries.to_iso3(reference)
    fy_start, fy_end = values["fy_start"], values["fy_end"]
    training, funding = datasets.load("training"), datasets.load("funding")
    span = ty.full_span(training, funding, fy_start=fy_start, fy_end=fy_end)
    periods = _country_periods(country)
    latest = tp.latest_on_axis(periods, fy_start, fy_end)
    episode = None if latest is None else tp.period_episode(latest)
    return Timeline(
        country=country,
        reference=reference,
        iso3=iso3,
        ref_iso3=ref_iso3,
        fy_start=fy_start,
        fy_end=fy_end,
        events=tl.country_events(datasets.load("events"), iso3),
        periods=periods,
        training=training,
        funding=funding,
        yearly_all=ty.yearly_measures(training, funding, iso3, *span),
        ref_yearly_all=ty.yearly_measures(training, funding, ref_iso3, *span),
        latest=latest,
        episode=episode,
        window=tl.window_years(episode, fy_start, fy_end),
    )


# --- glued values and sentences ------------------------------------------------------------


def _value(yearly: pd.DataFrame, column: str, year: int) -> object:
    return yearly[column].get(year, pd.NA) if year in yearly.index else pd.NA


def record_phrase(yearly: pd.DataFrame, year: int) -> str:
    """What the records hold for one fiscal year, in words: IMET students from the course
    records where there are any, else the Greenbook obligation, else that there is no figure."""
    students = _value(yearly, "students", year)
    if not pd.isna(students):
        return f"{plural(students, 'IMET student', 'IMET students')} in {fy(year)}"
    obligation = _value(yearly, "obligation", year)
    if not pd.isna(obligation):
        return f"no course records but {usd(obligation)} of IMET obligations in {fy(year)}"
    return f"no IMET figure for {fy(year)}"


def _date(date: str, precision: str) -> str:
    return date if precision == "day" else f"{date} (a {precision}-precise date)"


def _latest_sentences(t: Timeline) -> str:
    p, ep = t.latest, t.episode
    years = tl.episode_years(ep, int(p["fy_first"]) - 1, int(p["fy_last"]) + 1)
    months = tl.format_months(tl.months_between(p["start_date"], p["end_date"]))
    text = (
        f"The latest of them runs from {_date(p['start_date'], p['start_precision'])} to "
        f"{_date(p['end_date'], p['end_precision'])}, {months}. "
    )
    before = years["before"][-1]
    if years["during"]:
        during = years["during"][0]
        return text + (
            f"{t.country}'s records show {record_phrase(t.yearly_all, before)}, the last fiscal "
            f"year before it, and {record_phrase(t.yearly_all, during)}, the first fiscal year "
            f"wholly inside it ({t.reference}: {record_phrase(t.ref_yearly_all, before)} and "
            f"{record_phrase(t.ref_yearly_all, during)}). "
        )
    return text + (
        f"No fiscal year lies wholly inside it; {t.country}'s records show "
        f"{record_phrase(t.yearly_all, before)}, the last fiscal year before it. "
    )


def _check_sentence(t: Timeline) -> str:
    shown = tp.on_axis(t.periods, t.fy_start, t.fy_end)
    inside = sorted({y for _, p in shown.iterrows() for y in tp.years_inside(p)})
    if not inside:
        return "No fiscal year lies wholly inside a shaded period, so the records cannot check one."
    clash = tp.contradictions(shown, t.yearly_all)
    n_inside = plural(len(inside), "fiscal year", "fiscal years")
    if clash.empty:
        return (
            f"In none of the {n_inside} wholly inside a shaded period do the records show IMET "
            "money obligated or IMET students trained."
        )
    years = sorted(set(clash["fiscal_year"]))
    return (
        f"In {len(years)} of the {n_inside} wholly inside a shaded period ({fy_runs(years)}) "
        "the records show IMET money obligated or IMET students trained: the sources of the "
        "shading and the records disagree there, and the tables below show both."
    )


def answer_text(t: Timeline) -> str:
    """The chapter's one-paragraph answer, every number computed from the tables."""
    if t.periods.empty:
        return (
            f"The book's sourced table of restriction periods holds no period in which IMET was "
            f"restricted for {t.country}, so there is no before-and-after to measure; the "
            f"timelines record {plural(len(t.events), 'event', 'events')} for it, and the "
            f"figures below show its IMET record beside {t.reference}'s."
        )
    shown = tp.on_axis(t.periods, t.fy_start, t.fy_end)
    spans = and_join(
        fy_span(a, b) for a, b in zip(shown["fy_first"], shown["fy_last"], strict=True)
    )
    text = (
        f"The book's sourced table of restriction periods holds "
        f"{plural(len(shown), 'period', 'periods')} on the axis in which IMET was restricted "
        f"for {t.country}, each end with its own source ({spans}). "
    )
    return text + _latest_sentences(t) + _check_sentence(t)


def glued_text(t: Timeline) -> dict[str, str]:
    """The plain-text values the chapter glues (keys ``tl_*``)."""
    last_allocation = ty.last_year_with(t.funding, ["actual", "allocation"])
    return {
        "tl_country": t.country,
        "tl_reference": t.reference,
        "tl_axis": fy_span(t.fy_start, t.fy_end),
        "tl_first_fmtr": fy(t.training["fiscal_year"].min()),
        "tl_last_allocation": fy(last_allocation, missing="none"),
    }


def glued_markdown(t: Timeline) -> dict[str, str]:
    """The sentences the chapter glues as Markdown (myst-nb sets pasted plain text in bold);
    they hold numbers, dates, fiscal years and country names only, never free text from data."""
    return {"tl_answer": answer_text(t), "tl_unknowns": unknowns_text(t)}


def off_axis(events: pd.DataFrame, fy_start: int, fy_end: int) -> str:
    """A sentence naming the events that fall outside the axis (they stay in the table)."""
    lo, hi = tl.fiscal_year_bounds(fy_start)[0], tl.fiscal_year_bounds(fy_end)[1]
    before = events[events["date_end"] < lo]["n"].tolist()
    after = events[events["date_start"] > hi]["n"].tolist()
    parts = []
    if before:
        parts.append(f"before {fy(fy_start)}: " + ", ".join(f"#{n}" for n in before))
    if after:
        parts.append(f"after {fy(fy_end)}: " + ", ".join(f"#{n}" for n in after))
    return "Events off the axis are in the table only (" + "; ".join(parts) + ")." if parts else ""


def unknowns_text(t: Timeline) -> str:
    """One sentence listing the measures with no figure in the window, and when."""
    block = t.yearly_all.reindex(t.window)
    span = fy_span(t.window[0], t.window[-1])
    missing = []
    for m in ("students", "training_value", *ty.FUNDING_MEASURES):
        gaps = ty.gap_years(block[m])
        if gaps:
            when = "in any year" if block[m].isna().all() else "in " + fy_runs(gaps)
            missing.append(f"{measure_label(m)} {when}")
    if not missing:
        return f"In {span} every measure has a figure for {t.country}."
    return f"In {span} the records hold no figure for {t.country} for: " + "; ".join(missing) + "."


# --- charts ----------------------------------------------------------------------------------


def timeline_chart(t: Timeline):
    """The events, periods and IMET record on one axis, finished; None when the records hold
    no IMET students, training value or obligations on the axis."""
    if not t.yearly[["students", "training_value", "obligation"]].notna().any().any():
        return None
    fig, _left_out = ft.timeline_figure(
        t.events, t.periods, t.yearly, country=t.country, fy_start=t.fy_start, fy_end=t.fy_end
    )
    return plots.finish(
        fig,
        fig.axes[-1],
        xlabel=XLABEL,
        source="events: the book's timelines (sources in the table below); periods: the book's "
        "sourced restriction periods;\nobligations: USAID Greenbook; training value and "
        "students: Foreign Military Training\nreports, Section IV (Security Force Monitor "
        "extraction)",
        alt=ft.timeline_alt(t.country, t.events, t.periods, t.fy_start, t.fy_end),
        note=off_axis(t.events, t.fy_start, t.fy_end) or None,
    )


def comparison_chart(t: Timeline):
    """Both countries' IMET record on the same axes, finished; None with nothing to draw."""
    names = [t.country, t.reference]
    compared = ty.compare_yearly(
        t.training, t.funding, [t.iso3, t.ref_iso3], names, t.fy_start, t.fy_end
    )
    if not compared["value"].notna().any():
        return None
    fig, axes = ft.comparison_figure(
        compared, t.periods, names=names, fy_start=t.fy_start, fy_end=t.fy_end
    )
    return plots.finish(
        fig,
        axes[-1],
        xlabel=XLABEL,
        source="Foreign Military Training reports, Section IV (Security Force Monitor "
        "extraction);\nUSAID Greenbook",
        alt=f"Three line charts on one fiscal-year axis, {fy_span(t.fy_start, t.fy_end)}: IMET "
        f"students, IMET training value and IMET obligations of {t.country} and {t.reference}, "
        f"with the periods in which {t.country}'s IMET was restricted shaded; crosses in a strip "
        "below each axis mark years with no figure.",
    )


def no_chart(t: Timeline, which: str) -> Markdown:
    """What stands in for a chart with nothing to draw."""
    if which == "timeline":
        return Markdown(
            f"The records hold no IMET students, training value or obligations for {t.country} "
            f"in {fy_span(t.fy_start, t.fy_end)}, so there is no chart to draw."
        )
    return Markdown(f"The records hold none of these measures for {t.country} or {t.reference}.")


# --- table views -----------------------------------------------------------------------------

EVENTS_HTML_COLUMN = "event and source"
SOURCED_HTML_COLUMNS = ("start: source", "end: source")


def with_links(df: pd.DataFrame, text: str, url: str) -> pd.DataFrame:
    """Column ``text`` becomes an HTML link to column ``url`` (then dropped); the other columns
    stay plain text. Show it with ``tables.show(..., html_columns=[text])``."""
    out = df.drop(columns=url).copy()
    out[text] = [tables.link(a, u) for a, u in zip(df[text], df[url], strict=True)]
    return out


def events_table(events: pd.DataFrame) -> pd.DataFrame:
    """The events of :func:`~imetbook.analysis.timeline.country_events` as a reader's table:
    number, date, precision, fiscal year(s), category, what happened, and the source."""
    spans = zip(events["fy_first"], events["fy_last"], strict=True)
    return pd.DataFrame(
        {
            "#": events["n"].to_numpy(),
            "date": events["date"].to_numpy(),
            "precision": events["date_precision"].to_numpy(),
            "fiscal year": [fy_span(a, b) for a, b in spans],
            "category": events["category"].to_numpy(),
            "event": events["event"].to_numpy(),
            "source": events["source_title"].to_numpy(),
            "address": events["source_url"].to_numpy(),
        }
    )


def events_html(events: pd.DataFrame) -> pd.DataFrame:
    """:func:`events_table` for an HTML page: the source, linked, under each event's escaped
    text (one column fewer for narrow pages). Column :data:`EVENTS_HTML_COLUMN` is HTML; show
    it with ``tables.show(..., html_columns=[EVENTS_HTML_COLUMN])``."""
    table = with_links(events_table(events), "source", "address")
    table["event"] = [
        f"{html.escape(str(text))}<br>Source: {link}"
        for text, link in zip(table["event"], table["source"], strict=True)
    ]
    return table.drop(columns="source").rename(columns={"event": EVENTS_HTML_COLUMN})


def sourced_periods_table(periods: pd.DataFrame) -> pd.DataFrame:
    """Restriction periods as a reader's table; the two source columns are HTML links (show
    with ``html_columns=SOURCED_HTML_COLUMNS``), every other cell plain text."""
    spans = zip(periods["fy_first"], periods["fy_last"], strict=True)
    return pd.DataFrame(
        {
            "what was restricted": periods["restricted"].to_numpy(),
            "from": periods["start_date"].to_numpy(),
            "start: source": [
                tables.link(a, u)
                for a, u in zip(
                    periods["start_source_title"], periods["start_source_url"], strict=True
                )
            ],
            "start: where in the source": periods["start_locator"].to_numpy(),
            "to": periods["end_date"].to_numpy(),
            "end: source": [
                tables.link(a, u)
                for a, u in zip(periods["end_source_title"], periods["end_source_url"], strict=True)
            ],
            "end: where in the source": periods["end_locator"].to_numpy(),
            "fiscal years shaded": [fy_span(a, b) for a, b in spans],
            "note": periods["note"].to_numpy(),
        }
    )


def contradictions_table(clash: pd.DataFrame) -> pd.DataFrame:
    """:func:`~imetbook.analysis.timeline_periods.contradictions` as a reader's table."""
    return pd.DataFrame(
        {
            "period": [
                f"{a} to {b}: {r}"
                for a, b, r in zip(
                    clash["start_date"], clash["end_date"], clash["restricted"], strict=True
                )
            ],
            "fiscal year": [fy(y) for y in clash["fiscal_year"]],
            "IMET obligations": [usd(v) for v in clash["obligation"]],
            "IMET students": [count(v, missing="no record") for v in clash["students"]],
        },
        columns=["period", "fiscal year", "IMET obligations", "IMET students"],
    )


def coverage_table(yearly: pd.DataFrame, years: Sequence[int], measures: Sequence[str]):
    """Measures by fiscal year as printed figures; a gap reads ``no figure``, a zero reads 0."""
    block = yearly.reindex(list(years))
    rows = {
        measure_label(m): [
            usd(v) if m in ty.MONEY_MEASURES else count(v, "no figure") for v in block[m]
        ]
        for m in measures
    }
    table = pd.DataFrame(rows, index=[fy(y) for y in years]).T
    table.index.name = "measure"
    return table.reset_index()


def gaps_table(yearly: pd.DataFrame, measures: Sequence[str]) -> pd.DataFrame:
    """Per measure: the fiscal years on the axis with a figure and those without one."""
    return pd.DataFrame(
        [
            {
                "measure": measure_label(m),
                "years with a figure": fy_runs(yearly.index[yearly[m].notna()]),
                "years without a figure": fy_runs(ty.gap_years(yearly[m])),
            }
            for m in measures
        ]
    )


PROGRAM_COLUMNS = {
    "fiscal_year": "fiscal year",
    "phase": "phase",
    "program": "program",
    "activities": "training rows",
    "courses": "distinct courses",
    "students": "students",
    "training_value": "training value",
    "report": "report",
    "pages": "pages",
}


def _show(df: pd.DataFrame, table_id: str, **options: Any) -> tables.Table:
    return tables.show(df, table_id, na_rep="no record", **options)


def events_views(t: Timeline) -> list:
    if t.events.empty:
        return [Markdown(f"No event in the timelines concerns {t.country}.")]
    return [_show(events_html(t.events), "tl-events", html_columns=[EVENTS_HTML_COLUMN])]


def period_views(t: Timeline) -> list:
    """The sourced periods and the check of every shaded year against the records."""
    if t.periods.empty:
        return [
            Markdown(f"The restriction-periods table holds no IMET restriction for {t.country}.")
        ]
    caption = f"Periods in which IMET was restricted for {t.country}, with a source for each end"
    out = [
        tables.show(
            sourced_periods_table(t.periods),
            "tl-periods",
            html_columns=SOURCED_HTML_COLUMNS,
            caption=caption,
        )
    ]
    clash = tp.contradictions(t.periods, t.yearly_all)
    if clash.empty:
        text = "No fiscal year wholly inside a shaded period has IMET money obligated or IMET "
        return [*out, Markdown(text + "students trained in the records.")]
    caption = "Fiscal years inside a shaded period with IMET money or students in the records "
    caption += "(contradictions)"
    return [*out, tables.show(contradictions_table(clash), "tl-period-check", caption=caption)]


def phase_views(t: Timeline) -> list:
    """IMET by program in the years around the latest period, with each year's phase; then the
    courses of the years wholly inside it."""
    if t.episode is None:
        text = f"No restriction period of {t.country} reaches the axis, so there is no before "
        return [Markdown(text + "and after to show.")]
    programs = ty.programs_by_phase(t.training, t.iso3, t.episode, t.window)
    programs["training_value"] = programs["training_value"].map(usd)
    programs["fiscal_year"] = programs["fiscal_year"].map(fy)
    shown = programs[list(PROGRAM_COLUMNS)].rename(columns=PROGRAM_COLUMNS)
    out = [_show(shown, "tl-programs")]
    during = tl.episode_years(t.episode, t.window[0], t.window[-1])["during"]
    courses = ty.imet_courses(t.training, t.iso3, during)
    if during and courses.empty:
        text = f"The training reports list no IMET course for {t.country} in "
        return [*out, Markdown(text + and_join(fy(y) for y in during) + ".")]
    if not during:
        return out
    courses["fiscal_year"] = courses["fiscal_year"].map(fy)
    courses["cost_usd"] = courses["cost_usd"].map(usd)
    shown = courses.rename(columns={"fiscal_year": "fiscal year", "cost_usd": "cost"})
    text = "The IMET courses listed for the fiscal years wholly inside the period, with the "
    return [
        *out,
        Markdown(text + "report and page each is printed on:"),
        _show(shown, "tl-courses"),
    ]


def comparison_views(t: Timeline) -> list:
    if t.episode is None:
        return []
    yearly = {t.country: t.yearly_all, t.reference: t.ref_yearly_all}
    table = ty.phase_comparison(yearly, t.episode, t.window)
    return [_show(table.rename(columns={"fiscal_year": "fiscal year"}), "tl-compare")]


def gap_views(t: Timeline) -> list:
    """The window's figures, the gaps over the axis, and cells printed without a figure."""
    out = [
        tables.show(coverage_table(t.yearly_all, t.window, MEASURES), "tl-coverage"),
        tables.show(gaps_table(t.yearly, MEASURES), "tl-gaps"),
    ]
    printed = budget.funding_gaps(paths.raw_dir() / "budget")
    printed = printed[printed["iso3"] == t.iso3]
    if printed.empty:
        text = f"No source cell for {t.country} holds a dash, an asterisk or a multi-year total "
        return [*out, Markdown(text + "in place of a figure.")]
    columns = ["fiscal_years", "measure", "cell", "reason", "source_title", "source_url"]
    shown = printed[[*columns, "locator"]].rename(
        columns={"fiscal_years": "fiscal years", "source_title": "source"}
    )
    linked = with_links(shown, "source", "source_url")
    return [*out, _show(linked, "tl-printed-gaps", html_columns=["source"])]


def source_views(t: Timeline) -> list:
    """The sources of every money figure on the axis, then the reports behind the window."""
    sources = ty.measure_sources(t.funding, t.iso3, t.fy_start, t.fy_end)
    if sources.empty:
        out = [Markdown(f"No money figure for {t.country} falls on the axis.")]
    else:
        linked = with_links(sources, "source", "address")
        out = [_show(linked, "tl-sources", html_columns=["source"])]
    reports = ty.training_sources(t.training, t.iso3, t.window)
    if reports.empty:
        return out
    return [
        *out,
        _show(with_links(reports, "report", "file"), "tl-reports", html_columns=["report"]),
    ]
