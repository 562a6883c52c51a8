"""The country page's chart: IMET students and IMET money of one country by fiscal year.

Its inputs are the tables of :mod:`imetbook.analysis.country_pages` (``imet_by_year``,
``chart_data``, ``doubtful_points``); this module draws them in the house style
(:mod:`imetbook.figures.plots`) and words the chart's alt text.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from imetbook.analysis import country_pages as cp
from imetbook.figures import plots
from imetbook.vocab import MEASURE_LABELS, fy, fy_runs, fy_span, plural

XLABEL = "US fiscal year (1 October to 30 September)"
SOURCE = (
    "students: Foreign Military Training reports, Section IV (IMET records, status actual;\n"
    "Security Force Monitor extraction); money: the sources in the funding table below"
)


def money_scale(largest: float) -> tuple[float, str]:
    """Divisor and unit for a money axis: millions from $1 million up, else thousands."""
    if largest >= 1_000_000:
        return 1_000_000.0, "US$ millions, nominal"
    return 1_000.0, "US$ thousands, nominal"


def chart_order(data: pd.DataFrame) -> list[str]:
    """The measure labels of ``chart_data``, in the book's one measure order."""
    present = set(data["measure"])
    return [label for label in MEASURE_LABELS.values() if label in present]


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
        text += f" Records without a student count (crosses below the axis) for {fy_runs(gaps)}."
    silent = by_year.loc[by_year["records"].eq(0), "fiscal_year"]
    if len(silent):
        text += f" The reports list no IMET training (zero) for {fy_runs(silent)}."
    return text


def funding_alt(country: str, data: pd.DataFrame, years: Sequence[int]) -> str:
    """Alt text of the money panel: which measures, in how many years each, and which years
    are a reported zero (diamonds on the axis)."""
    counts = data.groupby("measure").size()
    parts = [
        f"{label} ({plural(int(counts[label]), 'year', 'years')})" for label in chart_order(data)
    ]
    text = (
        f"Lines: IMET money for {country} per US fiscal year, "
        f"{fy_span(years[0], years[-1])}, one line per measure, never added together: "
        f"{', '.join(parts)}."
    )
    zero = data[data["amount"].eq(0)]
    for label in chart_order(zero):
        runs = fy_runs(zero.loc[zero["measure"].eq(label), "fiscal_year"])
        text += f" {label}: zero (diamonds on the axis) for {runs}."
    return text + " Crosses mark years with no figure."


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


def record_figure(
    country: str,
    by_year: pd.DataFrame,
    money: pd.DataFrame,
    years: Sequence[int],
    doubtful: pd.DataFrame | None = None,
) -> tuple[Figure, Axes] | None:
    """IMET students (bars, top) and IMET money by measure (lines, below) of one country on
    one fiscal-year axis ``years``; ``money`` is ``chart_data``, ``doubtful`` the points of
    it to ring (``doubtful_points``). A panel with nothing to draw is left out; None if
    both are empty. Returns the figure and its lowest axes; :func:`record_chart` finishes it."""
    students = cp.students_chart_data(by_year)
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


def record_chart(
    country: str,
    by_year: pd.DataFrame,
    money: pd.DataFrame,
    years: Sequence[int],
    doubtful: pd.DataFrame,
) -> Figure | None:
    """:func:`record_figure` finished: axis label, source line, alt text and, when points
    are ringed, the note that says why (None when there is nothing to draw)."""
    drawn = record_figure(country, by_year, money, years, doubtful)
    if drawn is None:
        return None
    fig, ax = drawn
    ringed = len(doubtful) > 0
    alt = record_alt(country, by_year, money, years)
    plots.finish(
        fig,
        ax,
        xlabel=XLABEL,
        source=SOURCE,
        alt=alt + (" Circled points are doubtful training values." if ringed else ""),
        note=plots.DOUBTFUL_NOTE if ringed else None,
    )
    return fig
