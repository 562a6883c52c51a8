"""The charts of the rivalries chapter: rivalries by status each year, and pairs by years."""

from __future__ import annotations

from matplotlib.figure import Figure

from imetbook.analysis import rivalries as rv
from imetbook.figures import plots

SOURCE = (
    "Foreign Military Training reports, Section IV (Security Force Monitor extraction); "
    "rivalries: Thompson, Sakuwa and Suhas (2021) via peacesciencer"
)


def _years(result: rv.RivalryClasses) -> range:
    return range(result.query.fy_start, result.query.fy_end + 1)


def per_year(result: rv.RivalryClasses) -> Figure:
    """Bars of the active rivalries each year by what the records show (:data:`rv.STATUSES`)."""
    q = result.query
    fig, ax = plots.count_bars(
        "Active rivalries by what the records show, each year",
        rv.per_year(result),
        series=rv.STATUSES,
        by="status",
        y="rivalries",
        years=_years(result),
    )
    return plots.finish(
        fig, ax,
        xlabel="US fiscal year", ylabel="Active rivalries (count)",
        source=SOURCE,
        alt=(f"Bar chart: for each fiscal year from {q.fy_start} to {q.fy_end}, the active "
             "rivalries whose two sides shared a US class (meets), had rows but no shared class, "
             "were not checkable because a side is outside the reports by law, or had a side "
             "without training rows."),
    )  # fmt: skip


def pair_years(result: rv.RivalryClasses) -> Figure | None:
    """Every rivalry that met, by fiscal year: shared classes per square, crosses where the
    records cannot show a meeting; ``None`` when no rivalry met."""
    q = result.query
    met = rv.top_rivalries(result, top=None)["rivalry"].tolist()
    if not met:
        return None
    fig, ax = plots.figure(
        "Rivals in the same US class, year by year", height=max(3.0, 1.2 + 0.26 * len(met))
    )
    plots.pair_years(
        ax,
        rv.grid(result, met),
        row="rivalry",
        x="fiscal_year",
        value="classes",
        order=met,
        years=_years(result),
    )
    return plots.finish(
        fig, ax,
        xlabel="US fiscal year (shared classes per year, count)",
        source=SOURCE,
        alt=(f"Grid of the {len(met)} rivalries that met, most shared classes first, by fiscal "
             f"year from {q.fy_start} to {q.fy_end}; each square gives the number of shared "
             "classes, crosses mark years the records cannot show."),
    )  # fmt: skip
