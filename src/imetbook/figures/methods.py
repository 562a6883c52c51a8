"""The charts of the methods appendix: rows and students per report by program family, and the
share of printed program totals the parsed rows match."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from imetbook.analysis import quality as q
from imetbook.figures import plots

FMTR = "Foreign Military Training reports, Vol. I Sec. IV (Security Force Monitor extraction)"
MEASURES = (("rows", "Rows (number)", "course rows"), ("students", "Students (people)", "students"))


def by_family(training: pd.DataFrame) -> list[Figure]:
    """One line chart per measure (course rows, students) of each report, by program family."""
    fam = q.families_by_report(training)
    order = list(dict.fromkeys(fam["family"]))
    reports = sorted(training["report"].unique())
    years = [q.report_year(r) for r in reports]
    out = []
    for measure, unit, what in MEASURES:
        fig, ax = plots.figure(f"FMTR {what} per report, by program family")
        plots.yearly(ax, fam, x="first_year", y=measure, by="family", years=years, order=order)
        out.append(plots.finish(
            fig, ax,
            xlabel="Report (first US fiscal year)", ylabel=unit, source=FMTR,
            alt=(f"One line per program family ({', '.join(order)}) counting the {what} of each "
                 f"report from {reports[0]} to {reports[-1]}; the largest families are shown, "
                 "the rest summed as other programs."),
        ))  # fmt: skip
    return out


def match_rates(rates: pd.DataFrame, first_report: str, last_report: str, lowest: str) -> Figure:
    """Bars of each report's share (percent) of printed program totals matched; ``rates`` has
    ``first_year`` and ``match_rate`` (a gap where a report prints no totals); ``lowest`` names
    the report with the lowest rate and its rate, for the alt text."""
    fig, ax = plots.figure("Program totals matched by the parsed rows, per report")
    plots.yearly(ax, rates, x="first_year", y="match_rate", kind="bar",
                 years=rates["first_year"].tolist(), value_format="{x:.0f}%")  # fmt: skip
    return plots.finish(
        fig, ax,
        xlabel="Report (first US fiscal year)", ylabel="Groups matching (% of printed totals)",
        source=FMTR + "; 1999-2006 totals: the original report documents",
        alt=(f"Bars giving, for each report from {first_report} to {last_report}, the share "
             f"of printed program totals that the parsed course rows add up to; every bar is near "
             f"100% except {lowest}."),
    )  # fmt: skip
