"""The "Data and sources" chart: which IMET figures exist, per country, kind and fiscal year."""

from __future__ import annotations

import re

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from imetbook import vocab
from imetbook.analysis.coverage import EVIDENCE, evidence_by_year
from imetbook.figures import plots

SOURCE = (
    "imetbook funding table (USAID Greenbook, State budget tables, CRS, CBJ, "
    "FMTR Sections III and IV, State fact sheets, news reports)"
)


def evidence_chart(coverage: pd.DataFrame, gaps: pd.DataFrame | None = None) -> Figure:
    """The finished chart of :func:`draw_evidence` for the countries and years of ``coverage``
    (:func:`imetbook.analysis.coverage.coverage_matrix`), titled, sourced and described."""
    names = list(dict.fromkeys(coverage["country_name"]))
    years = coverage["fiscal_year"]
    span = vocab.fy_span(years.min(), years.max())
    fig, ax = plots.figure(
        f"Which IMET figures exist: {len(names)} countries, {span}",
        height=1.2 + 0.55 * len(names),
    )
    filled = draw_evidence(ax, coverage, gaps).sum(axis=1)
    return plots.finish(
        fig,
        ax,
        xlabel="US fiscal year (October to September)",
        source=SOURCE,
        alt=(
            f"Grid of {len(names)} countries by fiscal year, {span}, with three stripes per "
            "country (budget documents, Greenbook obligations, training delivered) filled where "
            "a figure exists. Years with a figure, per country and kind: "
            + "; ".join(f"{name} {kind} {n}" for (name, kind), n in filled.items())
            + "."
        ),
    )


EVIDENCE_COLORS = (plots.PALETTE["blue"], plots.PALETTE["orange"], plots.PALETTE["bluish_green"])
NO_FIGURE = "#f0f0f0"  # the empty stripe: light enough that every figure stands out against it


def draw_evidence(
    ax: Axes, coverage: pd.DataFrame, gaps: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One block per country, one stripe per kind of evidence (:data:`EVIDENCE`), one cell per
    fiscal year: filled where a figure exists, left pale where none does; a cross marks a year
    a source prints without a figure (``gaps``, as :func:`single_year_gaps` returns them).

    Returns what was drawn: (country, kind) x fiscal year, True where filled.
    """
    evidence = evidence_by_year(coverage)
    names = list(dict.fromkeys(evidence["country_name"]))
    kinds = [k for k, _ in EVIDENCE]
    wide = evidence.pivot(
        index=["country_name", "evidence"], columns="fiscal_year", values="present"
    )
    wide = wide.loc[[(c, k) for c in names for k in kinds]]
    years = list(wide.columns)
    stride = len(kinds) + 1  # one blank stripe between countries
    for i, name in enumerate(names):
        for k, kind in enumerate(kinds):
            y = -(i * stride + k)
            ax.barh(y, len(years), left=years[0] - 0.5, height=0.86, color=NO_FIGURE)
            filled = [yr for yr in years if wide.loc[(name, kind), yr]]
            bars = ax.barh(
                y,
                [1] * len(filled),
                left=[yr - 0.5 for yr in filled],
                height=0.86,
                color=EVIDENCE_COLORS[k],
            )
            for bar, yr in zip(bars.patches, filled, strict=True):
                bar.set_gid(f"evidence-{_slug(name)}-{_slug(kind)}-{yr}")
    _mark_gaps(ax, gaps, names, dict(zip(evidence["iso3"], evidence["country_name"], strict=True)))
    ax.set_yticks([-(i * stride + 1) for i in range(len(names))], names)
    ax.tick_params(axis="y", length=0)
    ax.set_xticks(years, [str(y) for y in years], rotation=90)
    ax.set_xlim(years[0] - 0.6, years[-1] + 0.6)
    ax.set_ylim(-(len(names) * stride - 1), 1)
    ax.grid(False)
    ax.spines["left"].set_visible(False)
    handles = [Patch(color=c, label=k) for c, k in zip(EVIDENCE_COLORS, kinds, strict=True)]
    handles.append(Patch(color=NO_FIGURE, label="no figure"))
    if gaps is not None and len(gaps):
        handles.append(
            Line2D(
                [],
                [],
                linestyle="none",
                marker="x",
                color=plots.PALETTE["vermillion"],
                markeredgewidth=1.6,
                label="printed without a figure",
            )
        )
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    return wide.astype("bool")


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()


def _mark_gaps(
    ax: Axes, gaps: pd.DataFrame | None, names: list[str], name_of: dict[str, str]
) -> None:
    if gaps is None or not len(gaps):
        return
    kind_of = {m: i for i, (_, ms) in enumerate(EVIDENCE) for m in ms}
    stride = len(EVIDENCE) + 1
    xs = gaps["fiscal_year"].to_list()
    ys = [
        -(names.index(name_of[c]) * stride + kind_of[m])
        for c, m in zip(gaps["iso3"], gaps["measure"], strict=True)
    ]
    (marks,) = ax.plot(
        xs,
        ys,
        linestyle="none",
        marker="x",
        markersize=6,
        markeredgewidth=1.6,
        color=plots.PALETTE["vermillion"],
    )
    marks.set_gid("printed-without-a-figure")
