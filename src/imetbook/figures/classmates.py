"""The charts of the classmates chapter: shared classes per year, and course by course."""

from __future__ import annotations

from matplotlib.figure import Figure

from imetbook import vocab
from imetbook.analysis import classmates as cm
from imetbook.figures import plots

SOURCE = "Foreign Military Training reports, Section IV (Security Force Monitor extraction)"


def _years(result: cm.SharedClasses) -> range:
    return range(result.query.fy_start, result.query.fy_end + 1)


def per_year(result: cm.SharedClasses) -> Figure:
    """Bars of the shared classes per fiscal year, class and course-year matches apart; a year
    whose records print no dates is a gap (a cross), not a zero."""
    q = result.query
    names = vocab.and_join(q.countries)
    fig, ax = plots.count_bars(
        f"Classes shared by officers of {names}",
        cm.classes_per_year(result),
        series=cm.MATCH_KINDS,
        by="match",
        y="classes",
        years=_years(result),
    )
    return plots.finish(
        fig, ax,
        xlabel="US fiscal year", ylabel="Shared classes (count)",
        source=SOURCE,
        alt=(f"Bar chart of the classes shared by officers of {names} "
             f"{cm.program_words(q.programs)} in each fiscal year from {q.fy_start} to "
             f"{q.fy_end}, split into class matches (same course, place and overlapping dates) "
             "and weaker course-year matches; a cross marks a year whose records print no "
             "dates."),
    )  # fmt: skip


def by_course(result: cm.SharedClasses, top: int = 4) -> Figure | None:
    """One panel per course where the countries met most (the rest as "other courses"), on
    the same scales; ``None`` when they shared no class."""
    over_time = cm.meetings_over_time(result, top=top)
    if over_time.empty:
        return None
    fig, ax = plots.small_multiples(
        "Where they met, course by course",
        over_time,
        x="fiscal_year",
        y="classes",
        by="course",
        order=list(dict.fromkeys(over_time["course"])),
        years=_years(result),
    )
    return plots.finish(
        fig, ax,
        xlabel="US fiscal year", ylabel="Shared classes (count)",
        source=SOURCE,
        alt=("Bar charts, one panel per course on the same scales, of shared classes per fiscal "
             f"year for the four courses where officers of {vocab.and_join(result.query.countries)}"
             " met most often, and all other courses together."),
    )  # fmt: skip
