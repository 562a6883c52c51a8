"""The eligibility chapter's charts: countries taking part in IMET, by source and by region."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from matplotlib.figure import Figure

from imetbook.figures import plots

FMTR = "Foreign Military Training reports, Vol. I Sec. IV"
MONEY = "Greenbook, State Dept. tables, CRS, FMTR Sec. III"
RECORDS = "Course records"
FUNDING = "IMET money"


def _when(day: pd.Timestamp, with_day: bool = True) -> str:
    return f"{day:%d %B %Y}" if with_day else f"{day:%B %Y}"


def participation_chart(
    both: pd.DataFrame,
    years: Sequence[int],
    shade: tuple[float, float, str],
    aspa: tuple[pd.Timestamp, pd.Timestamp],
) -> Figure:
    """Countries with course records and with IMET money per fiscal year (``both``:
    :func:`imetbook.analysis.eligibility.side_by_side`), the ASPA bar shaded (``shade``:
    :func:`imetbook.analysis.dropouts.aspa_shade`; ``aspa``: its first and last day)."""
    long = pd.concat(
        [
            pd.DataFrame(
                {"fiscal_year": both["fiscal_year"], "source": name, "countries": both[column]}
            )
            for name, column in ((RECORDS, "training"), (FUNDING, "funding"))
        ],
        ignore_index=True,
    )
    fig, ax = plots.figure("Countries taking part in IMET, by fiscal year")
    plots.yearly(ax, long, x="fiscal_year", y="countries", by="source", years=years)
    plots.shade_periods(ax, [shade])
    return plots.finish(
        fig,
        ax,
        xlabel="US fiscal year",
        ylabel="Countries (number)",
        source=f"{FMTR}; {MONEY}; ASPA dates: data/raw/reference",
        alt=(
            "Two lines, one per source, counting the countries with IMET course records and the "
            f"countries with IMET money in each fiscal year from {years[0]} to {years[-1]}; "
            "crosses mark years a source does not cover. A grey band marks the period the "
            "American Servicemembers' Protection Act barred IMET for countries without an "
            f"Article 98 agreement, {_when(aspa[0])} to {_when(aspa[1], with_day=False)}."
        ),
    )


def region_charts(
    records: pd.DataFrame, money: pd.DataFrame, regions: Sequence[str], years: Sequence[int]
) -> list[Figure]:
    """One chart per source of the countries per region and fiscal year (``records``,
    ``money``: :func:`imetbook.analysis.eligibility.all_regions`), on one scale and with the
    regions in one order, so that a region keeps its colour."""
    top = max(float(records.max().max()), float(money.max().max()))
    figs = []
    for frame, label, what, source in (
        (records, "course records", "IMET course records", FMTR),
        (money, "IMET money", "IMET money", MONEY),
    ):
        tidy = frame.stack(future_stack=True).rename("countries").reset_index()
        fig, ax = plots.figure(f"Countries with {label}, by region and fiscal year")
        plots.yearly(
            ax, tidy, x="fiscal_year", y="countries", by="region", years=years, order=regions
        )
        ax.set_ylim(0, top * 1.08)
        figs.append(
            plots.finish(
                fig,
                ax,
                xlabel="US fiscal year",
                ylabel="Countries (number)",
                source=source,
                alt=(
                    f"One line per State Department region counting the countries with {what} "
                    f"in each fiscal year from {years[0]} to {years[-1]}; crosses mark years "
                    "not covered."
                ),
            )
        )
    return figs
