"""The budget chapter's charts: a region's IMET by measure, members' shares, a country's chain
from request to delivery, a country's yearly money against an amount, a country's global rank.

Each function takes the analysis tables (:mod:`imetbook.analysis.budget`,
:mod:`imetbook.analysis.budget_tables`) and returns a finished house-style figure (title,
units, source line, alt text), or None when there is nothing to draw.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter, StrMethodFormatter

from imetbook.analysis import budget, budget_tables
from imetbook.figures import plots
from imetbook.vocab import fy_span, measure_label, usd_short

SOURCE_FUNDING = "imetbook funding table (USAID Greenbook, State budget tables, CRS, CBJ, FMTR)"
SOURCE_CLAIM = SOURCE_FUNDING + "; claim: claims table"
DOLLARS = "Amount (US dollars, nominal)"
FISCAL_YEAR = "US fiscal year"
WIDTH = 8.5


def _labels(measures: pd.Series) -> list[str]:
    return [measure_label(m) for m in measures]


def _present(measures: pd.Series) -> list[str]:
    """Labels of the measures present, in the chain's order."""
    return [measure_label(m) for m in budget.CHAIN if m in set(measures)]


def region_totals(totals: pd.DataFrame, region: str, years: Sequence[int]) -> Figure | None:
    """The region's IMET per fiscal year: its region rows and its members' sums, per measure."""
    series = budget_tables.region_series(totals)
    if series.empty:
        return None
    order = list(dict.fromkeys(series["series"]))
    fig, ax = plots.figure(f"IMET to {region}, {fy_span(years[0], years[-1])}", width=WIDTH)
    plots.yearly(ax, series, x="fiscal_year", y="amount_usd", by="series", years=years, order=order)
    return plots.finish(
        fig,
        ax,
        xlabel=FISCAL_YEAR,
        ylabel=DOLLARS,
        source=SOURCE_FUNDING,
        alt=(
            f"Line chart of IMET money for {region} per fiscal year, one line per measure: "
            + "; ".join(order)
            + ". Years without a figure are gaps."
        ),
        note="Region rows and sums of members are separate series; measures are never added.",
    )


def member_shares(
    shares: pd.DataFrame, region: str, measure: str, years: Sequence[int]
) -> Figure | None:
    """Each member's share of the members' sum of ``measure``, per fiscal year (the largest
    members apart, the rest as one series)."""
    if shares.empty:
        return None
    plotted = budget_tables.share_series(shares, keep=len(plots.COLORS) - 1)
    plotted = plotted.assign(share_pct=plotted["share"] * 100)
    title = f"Members' shares of {region}, {fy_span(years[0], years[-1])}"
    fig, ax = plots.figure(title, width=WIDTH)
    plots.yearly(ax, plotted, x="fiscal_year", y="share_pct", by="country", years=years)
    return plots.finish(
        fig,
        ax,
        xlabel=FISCAL_YEAR,
        ylabel="Share of the members' sum (percent)",
        source=SOURCE_FUNDING,
        alt=(
            f"Line chart of each member's share of {region}'s {measure_label(measure)} per "
            "fiscal year: " + ", ".join(sorted(plotted["country"].unique())) + "."
        ),
    )


def country_chain(
    chain: pd.DataFrame, country: str, years: Sequence[int], doubtful: pd.DataFrame
) -> Figure:
    """A country's figures per fiscal year, one line per measure; doubtful values circled."""
    present = _present(chain["measure"])
    drawn = chain.assign(series=_labels(chain["measure"]))
    title = f"{country}: IMET from request to delivery, {fy_span(years[0], years[-1])}"
    fig, ax = plots.figure(title, width=WIDTH)
    plots.yearly(
        ax, drawn, x="fiscal_year", y="amount_usd", by="series", years=years, order=present
    )
    plots.mark_doubtful(ax, doubtful, x="fiscal_year", y="amount_usd")
    return plots.finish(
        fig,
        ax,
        xlabel=FISCAL_YEAR,
        ylabel=DOLLARS,
        source=SOURCE_FUNDING,
        note=plots.DOUBTFUL_NOTE if len(doubtful) else None,
        alt=(
            f"Line chart of {country}'s IMET per fiscal year, one line per measure: "
            + ", ".join(present)
            + ". Years without a figure are gaps."
            + (" Circled points are doubtful training values." if len(doubtful) else "")
        ),
    )


def _article_line(ax: Axes, value: float, label: str) -> None:
    """The article's figure as a dashed grey line across the chart (named in the legend)."""
    ax.axhline(value, color=plots.GAP_GREY, linestyle="--", linewidth=1.2, label=label)


def against_amount(table: pd.DataFrame, threshold: float) -> Figure:
    """A :func:`.analysis.budget.yearly_vs_threshold` table: the country's yearly figures per
    measure, and the amount as a dashed line."""
    country = str(table["country_name"].iloc[0])
    first, last = int(table["fiscal_year"].min()), int(table["fiscal_year"].max())
    said = usd_short(threshold)
    fig, ax = plots.figure(
        f"{country}: yearly IMET and the article's {said}, {fy_span(first, last)}", width=WIDTH
    )
    _article_line(ax, threshold, f"The article's {said}")
    present = _present(table["measure"])
    drawn = table.assign(series=_labels(table["measure"]))
    plots.yearly(ax, drawn, x="fiscal_year", y="amount_usd", by="series", order=present)
    return plots.finish(
        fig,
        ax,
        xlabel=FISCAL_YEAR,
        ylabel=DOLLARS,
        source=SOURCE_CLAIM,
        alt=(
            f"Line chart of {country}'s IMET per fiscal year {fy_span(first, last)} by measure ("
            + ", ".join(present)
            + f") with a dashed line at {said}."
        ),
    )


def global_rank(ranks: pd.DataFrame, target: int, years: Sequence[int]) -> Figure | None:
    """A :func:`.analysis.budget.country_rank` table: the country's rank per measure and
    fiscal year (log scale, rank 1 on top), the claim's rank as a dashed line."""
    ranked = ranks[ranks["rank"].notna()]
    if ranked.empty:
        return None
    country = str(ranked["country_name"].iloc[0])
    ranked = ranked.assign(
        series=_labels(ranked["measure"]), rank_f=ranked["rank"].astype("float64")
    )
    fig, ax = plots.figure(
        f"{country}'s rank among countries, {fy_span(years[0], years[-1])}", width=WIDTH
    )
    _article_line(ax, target, f"The article's rank {target}")
    present = _present(ranked["measure"])
    plots.yearly(ax, ranked, x="fiscal_year", y="rank_f", by="series", years=years, order=present)
    ax.set_yscale("log")
    ax.set_ylim(max(ranked["rank_f"].max(), target) * 1.3, 0.8)
    ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    ax.yaxis.set_minor_formatter(NullFormatter())
    return plots.finish(
        fig,
        ax,
        xlabel=FISCAL_YEAR,
        ylabel="Rank among countries (1 = largest, log scale)",
        source=SOURCE_CLAIM,
        alt=(
            f"Line chart of {country}'s global rank per fiscal year by measure "
            f"({', '.join(present)}), rank 1 at the top, with a dashed line at the article's "
            f"rank {target}."
        ),
    )
