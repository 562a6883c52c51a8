"""Chart helpers in the house style of :mod:`imetbook.figures.style`.

A chapter draws a chart in four steps::

    from imetbook.figures import plots

    fig, ax = plots.figure("IMET students trained, Pakistan")
    plots.yearly(ax, df, x="fiscal_year", y="students", by="program")
    plots.finish(fig, ax, xlabel="US fiscal year", ylabel="Students (people)",
                 source="FMTR reports, Section IV", alt="Line chart: ...")
    plots.show(fig)

``figure``, ``finish``, ``svg``, ``html_figure``, ``show``, ``save`` and the palette come from
:mod:`imetbook.figures.style` and are re-exported here, so callers need one import.

* Three states for every yearly series, each with its own mark: a value (a filled dot on a
  line, a bar); a reported zero (the source covers the year and lists nothing or prints 0: the
  caller passes 0), drawn at 0 as an open diamond that the legend names (:data:`ZERO_LABEL`),
  because a bar of height zero is invisible and a dot on the axis reads as a small value; no
  source for the year (NaN or no row): a gap, which breaks the line and draws no bar, and is
  marked with a cross in a labelled strip *below* the x axis, never inside the data area, where
  a mark would read as a value. Nothing is ever filled with zero.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable, Sequence
from typing import Any

import matplotlib as mpl
import matplotlib.patches  # noqa: F401  (mpl.patches)
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator, StrMethodFormatter
from matplotlib.transforms import ScaledTranslation

from imetbook.errors import ParameterError
from imetbook.figures.style import (
    COLORS,
    GAP_GREY,
    PALETTE,
    SHADE_GREY,
    TEXT_GREY,
    figure,
    finish,
    html_figure,
    save,
    show,
    svg,
)

__all__ = [
    "COLORS",
    "DOUBTFUL_NOTE",
    "GAP_GREY",
    "NOT_SHOWN",
    "NO_DATA",
    "NO_VALUE",
    "PALETTE",
    "SHADE_GREY",
    "TEXT_GREY",
    "ZERO_LABEL",
    "count_bars",
    "figure",
    "finish",
    "html_figure",
    "mark_doubtful",
    "mark_events",
    "pair_years",
    "ranking",
    "save",
    "shade_periods",
    "show",
    "small_multiples",
    "svg",
    "yearly",
]

NO_DATA = "no source"  # the gap strip's label: no source covers the series in that year
NO_VALUE = "no data"  # a ranking label with no value
GAP_STRIP_PT = 24.0  # centre of the gap strip's first row, in points below the x axis
GAP_ROW_PT = 9.0  # one row per series with a gap
ZERO_LABEL = "reported zero"  # the legend's name for the open diamond: the source lists none
ZERO_MARKER = "D"
ZERO_MARKER_SIZE = 5.5


# --- chart helpers -------------------------------------------------------------------------


def _slug(text: object) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", str(text)).strip("-").lower() or "x"


def _wide_by_year(
    data: pd.DataFrame, x: str, y: str, by: str | None, years: Sequence[int] | None
) -> pd.DataFrame:
    """Years x categories, one value per cell; a year or cell with no row is NaN."""
    missing = [c for c in (x, y, by) if c and c not in data.columns]
    if missing:
        raise ParameterError(f"plots.yearly: no column(s) {missing} in {list(data.columns)}")
    keys = [x, by] if by else [x]
    dup = data.duplicated(keys, keep=False)
    if dup.any():
        first = data.loc[dup, keys].iloc[0].tolist()
        raise ParameterError(
            f"plots.yearly: several rows for {dict(zip(keys, first, strict=True))}; "
            "aggregate before plotting"
        )
    frame = data.assign(_series=data[by] if by else y)
    wide = frame.pivot(index=x, columns="_series", values=y).astype("float64")
    wide = wide[sorted(wide.columns, key=str)] if by else wide
    if years is None:
        present = wide.index.dropna().astype(int)
        years = range(int(present.min()), int(present.max()) + 1) if len(present) else []
    wide = wide.reindex(pd.Index(list(years), name=x))
    wide.columns.name = by
    return wide


def yearly(
    ax: Axes,
    data: pd.DataFrame,
    *,
    x: str,
    y: str,
    by: str | None = None,
    kind: str = "line",
    years: Sequence[int] | None = None,
    order: Sequence[str] | None = None,
    value_format: str = "{x:,.0f}",
    zeros: bool = True,
    legend: bool = True,
) -> pd.DataFrame:
    """A yearly line or bar chart, one series per ``by`` category; gaps stay gaps.

    ``data`` is tidy: one row per year (and category). A year inside ``years`` (default: the
    first to the last year in the data) with no row, or with a null value, is a gap: the line
    breaks, no bar is drawn, and a cross in the strip below the x axis marks it. Zero is only
    ever drawn where the data say zero, and (``zeros``, the default) with its own mark, an open
    diamond at 0 that the legend names :data:`ZERO_LABEL`. ``legend=False`` leaves the legend
    to the caller (:func:`small_multiples` draws one for all its panels).
    Returns the years x categories table that was drawn (gaps as NaN).
    """
    if kind not in ("line", "bar"):
        raise ParameterError(f"plots.yearly: kind must be 'line' or 'bar', not {kind!r}")
    wide = _wide_by_year(data, x, y, by, years)
    if order is not None:
        unknown = sorted(set(map(str, wide.columns)) - set(order))
        if unknown:
            raise ParameterError(f"plots.yearly: categories {unknown} missing from order")
        wide = wide[[c for c in order if c in wide.columns]]
    if wide.shape[1] > len(COLORS):
        raise ParameterError(
            f"plots.yearly: {wide.shape[1]} categories but {len(COLORS)} colours; "
            "group the smallest into one category first"
        )
    draw = _draw_lines if kind == "line" else _draw_bars
    draw(ax, wide)
    zeroed = _mark_zeros(ax, wide, kind) if zeros else False
    if len(wide.index):
        # The axis spans every year asked for, also leading and trailing gaps: their marks
        # must sit under the axis, and autoscaling sees only the years with values.
        ax.set_xlim(float(wide.index.min()) - 0.6, float(wide.index.max()) + 0.6)
    _mark_gaps(ax, wide)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.xaxis.set_major_formatter(StrMethodFormatter("{x:.0f}"))
    ax.yaxis.set_major_formatter(StrMethodFormatter(value_format))
    values = wide.to_numpy()
    if np.all(np.isnan(values) | (np.mod(values, 1) == 0)):  # counts: no tick between 2 and 3
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    if kind == "bar" or np.nanmin(wide.to_numpy(), initial=0.0) >= 0:
        ax.set_ylim(bottom=0)
    if legend:
        _legend(ax, wide, zeroed)
    return wide


def count_bars(
    title: str, wide: pd.DataFrame, *, series: Sequence[str], by: str, y: str, years: Sequence[int]
) -> tuple[Figure, Axes]:
    """A new figure of yearly bars from ``wide`` (a ``fiscal_year`` column and one count column
    per name in ``series``), one bar per series in that order, drawn by :func:`yearly`."""
    tidy = wide.melt(id_vars="fiscal_year", value_vars=list(series), var_name=by, value_name=y)
    fig, ax = figure(title)
    yearly(ax, tidy, x="fiscal_year", y=y, by=by, kind="bar", years=years, order=list(series))
    return fig, ax


def small_multiples(
    title: str,
    data: pd.DataFrame,
    *,
    x: str,
    y: str,
    by: str,
    order: Sequence[str],
    years: Sequence[int] | None = None,
    kind: str = "bar",
    ncols: int = 2,
    value_format: str = "{x:,.0f}",
) -> tuple[Figure, Axes]:
    """One small panel per ``by`` category (in ``order``), all on the same x and y scales, each
    drawn by :func:`yearly` (so gaps are gaps) and titled with its category: no legend to read,
    no colours to match. Returns the figure and its lower-left axes, which :func:`finish` labels.
    """
    if not order:
        raise ParameterError("plots.small_multiples: no category to draw")
    unknown = sorted(set(map(str, data[by])) - set(order))
    if unknown:
        raise ParameterError(f"plots.small_multiples: categories {unknown} missing from order")
    ncols = max(1, min(ncols, len(order)))
    nrows = -(-len(order) // ncols)
    fig, first = figure(title, height=1.1 + 1.9 * nrows)
    first.remove()
    grid = fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False)
    zeroed = False
    for ax, category in zip(grid.flat, order, strict=False):
        part = data.loc[data[by] == category].drop(columns=by)
        wide = yearly(
            ax, part, x=x, y=y, kind=kind, years=years, value_format=value_format, legend=False
        )
        zeroed = zeroed or bool((wide == 0).any().any())
        ax.set_title(textwrap.fill(str(category), 38), loc="left", fontsize=9)
        ax.set_gid(f"panel-{_slug(category)}")
    for ax in grid.flat[len(order) :]:
        ax.remove()
    # Each panel set its own limits while drawing; the shared axis must hold the largest value.
    top = float(np.nanmax(pd.to_numeric(data[y], errors="coerce").to_numpy(float), initial=0.0))
    grid[0, 0].set_ylim(0, top * 1.08 if top > 0 else 1)
    for c in range(ncols):  # the lowest panel of each column carries the years
        lowest = max(r for r in range(nrows) if r * ncols + c < len(order))
        grid[lowest, c].tick_params(labelbottom=True)
    if zeroed:  # one key for every panel, above them, never narrowing one
        fig.legend(handles=[_zero_handle()], loc="outside upper right", borderaxespad=0.2)
    return fig, grid[nrows - 1, 0]


def _draw_lines(ax: Axes, wide: pd.DataFrame) -> None:
    years = wide.index.to_numpy(dtype=float)
    for i, col in enumerate(wide.columns):
        # Markers make a single year between two gaps visible: it has no segment to draw.
        (line,) = ax.plot(years, wide[col].to_numpy(), marker="o", color=COLORS[i], label=col)
        line.set_gid(f"series-{_slug(col)}")


def _bar_offset(i: int, n: int) -> float:
    """Where series ``i`` of ``n`` sits in its year's group of bars (0.8 of a year wide)."""
    return (i - (n - 1) / 2) * 0.8 / n


def _draw_bars(ax: Axes, wide: pd.DataFrame) -> None:
    n = wide.shape[1]
    width = 0.8 / n
    for i, col in enumerate(wide.columns):
        values = wide[col]
        present = values.notna()  # a gap gets no bar at all, not a bar of height zero
        xs = wide.index.to_numpy(dtype=float)[present.to_numpy()] + _bar_offset(i, n)
        bars = ax.bar(xs, values[present].to_numpy(), width=width, color=COLORS[i], label=col)
        for bar, year in zip(bars.patches, wide.index[present], strict=True):
            bar.set_gid(f"bar-{_slug(col)}-{year}")


def _zero_style(color: str) -> dict[str, Any]:
    return {
        "linestyle": "none",
        "marker": ZERO_MARKER,
        "markersize": ZERO_MARKER_SIZE,
        "markerfacecolor": "white",
        "markeredgecolor": color,
        "markeredgewidth": 1.4,
    }


def _zero_handle() -> Line2D:
    """The legend's key for a reported zero (in the axis grey: it stands for every series)."""
    return Line2D([], [], label=ZERO_LABEL, **_zero_style("#444444"))


def _mark_zeros(ax: Axes, wide: pd.DataFrame, kind: str) -> bool:
    """Draw every reported zero as an open diamond on the zero line; True if there was one.

    A line keeps its segments through a zero (the value is known) but loses its filled dot
    there, so each year shows exactly one mark: a dot (value), a diamond (zero) or a cross
    below the axis (gap). A bar of height zero is kept (it is a value) and gets the diamond,
    since it is invisible by itself.
    """
    any_zero = False
    n = wide.shape[1]
    lines = {line.get_gid(): line for line in ax.get_lines()}
    for i, col in enumerate(wide.columns):
        zero = (wide[col] == 0).to_numpy()
        if not zero.any():
            continue
        any_zero = True
        years = wide.index.to_numpy(dtype=float)[zero]
        series = lines.get(f"series-{_slug(col)}")
        if kind == "line" and series is not None:
            series.set_markevery([int(k) for k in np.flatnonzero(~zero)])
        else:
            years = years + _bar_offset(i, n)
        (marks,) = ax.plot(
            years,
            np.zeros(len(years)),
            color=COLORS[i],
            clip_on=False,  # on the axis line: a clipped diamond would be half a mark
            zorder=5,
            scalex=False,
            scaley=False,
            label="_nolegend_",
            **_zero_style(COLORS[i]),
        )
        marks.set_gid(f"zeros-{_slug(col)}")
    return any_zero


def _mark_gaps(ax: Axes, wide: pd.DataFrame) -> None:
    """Mark every missing year in a strip below the x axis (under the tick labels).

    One row per series with a gap, in the series colour and legend order, labelled on the left;
    the x axis label moves down to make room. The marks sit outside the axes, so they can never
    be read as values, and they are left out of the data limits.
    """
    rows = [(i, col) for i, col in enumerate(wide.columns) if wide[col].isna().any()]
    if not rows:
        return
    points = ax.figure.dpi_scale_trans
    for r, (i, col) in enumerate(rows):
        offset = ScaledTranslation(0, -(GAP_STRIP_PT + GAP_ROW_PT * r) / 72, points)
        gaps = wide.index[wide[col].isna()].to_numpy(dtype=float)
        (marks,) = ax.plot(
            gaps,
            np.zeros(len(gaps)),
            linestyle="none",
            marker="x",
            markersize=5,
            markeredgewidth=1.5,
            color=COLORS[i],
            transform=ax.get_xaxis_transform() + offset,  # x in data, y on the axis line
            clip_on=False,
            scalex=False,
            scaley=False,
            label="_nolegend_",
        )
        marks.set_gid(f"gaps-{_slug(col)}")
    label = ax.text(
        0,
        0,
        NO_DATA + " \u00d7",
        transform=ax.transAxes + ScaledTranslation(-4 / 72, -GAP_STRIP_PT / 72, points),
        ha="right",
        va="center",
        fontsize=8,
        color=TEXT_GREY,
    )
    label.set_gid("gap-strip-label")
    ax.xaxis.labelpad = GAP_STRIP_PT + GAP_ROW_PT * (len(rows) - 1) - 12


def _legend(ax: Axes, wide: pd.DataFrame, zeroed: bool = False) -> None:
    """The legend sits above the plot, in as many columns as fit, so it never narrows it."""
    handles, labels = ax.get_legend_handles_labels()
    if wide.columns.name is None:  # one unnamed series: the axis label says what it is
        handles, labels = [], []
    if zeroed:
        handles, labels = [*handles, _zero_handle()], [*labels, ZERO_LABEL]
    if labels:
        ax.legend(
            handles,
            [str(lbl) for lbl in labels],
            loc="lower left",
            bbox_to_anchor=(0.0, 1.01),
            borderaxespad=0,
            # As many columns as fit the width: long labels get fewer, never a clipped label.
            ncols=max(1, min(len(labels), 3, 84 // (max(len(str(x)) for x in labels) + 6))),
        )


DOUBTFUL_NOTE = "Circled: doubtful, summed from report groups that miss their printed totals."


def mark_doubtful(ax: Axes, points: pd.DataFrame, *, x: str, y: str) -> int:
    """Ring each point of ``points`` (its ``x`` and ``y``): a value drawn on the chart whose
    source is doubtful. Rings sit on values, never on gaps (a null ``y`` is skipped). Returns
    how many were ringed; the caller says what the rings mean (:data:`DOUBTFUL_NOTE`)."""
    shown = points.dropna(subset=[y])
    if shown.empty:
        return 0
    ax.scatter(
        shown[x].astype("float64").to_numpy(),
        shown[y].astype("float64").to_numpy(),
        s=150,
        facecolors="none",
        edgecolors="black",
        linewidths=1.4,
        zorder=6,
    )
    return len(shown)


def ranking(
    ax: Axes,
    values: pd.Series,
    *,
    top: int | None = None,
    highlight: Iterable[str] = (),
    value_format: str = "{:,.0f}",
) -> pd.Series:
    """Horizontal bars, largest at the top; each bar labelled with its value.

    ``values`` is indexed by label. Ties are ordered by label so the order never depends on
    input order. A null value gets no bar and its label says "no data"; it is listed below the
    ranked bars.
    Returns the series as drawn, top to bottom.
    """
    if values.index.has_duplicates:
        dups = sorted(map(str, values.index[values.index.duplicated()].unique()))
        raise ParameterError(f"plots.ranking: duplicate labels {dups}")
    frame = pd.DataFrame({"label": values.index.astype(str), "value": values.to_numpy(float)})
    frame = frame.sort_values(
        ["value", "label"], ascending=[False, True], na_position="last", kind="stable"
    )
    known, unknown = frame[frame["value"].notna()], frame[frame["value"].isna()]
    if top is not None:
        known = known.head(top)
    frame = pd.concat([known, unknown])
    marked = set(highlight)
    ys = np.arange(len(frame))[::-1]
    colors = [PALETTE["vermillion"] if lbl in marked else PALETTE["blue"] for lbl in frame["label"]]
    present = frame["value"].notna().to_numpy()
    bars = ax.barh(
        ys[present], frame["value"].to_numpy()[present], color=np.array(colors)[present], height=0.7
    )
    for bar, label in zip(bars.patches, frame["label"][present], strict=True):
        bar.set_gid(f"rank-{_slug(label)}")
    for y_pos, val in zip(ys[present], frame["value"][present], strict=True):
        ax.annotate(
            " " + value_format.format(val),
            (val, y_pos),
            xytext=(3, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
            color="#222222",
        )
    # A missing value is said in its label, outside the data area, never drawn at zero.
    names = [
        f"{lbl} ({NO_VALUE})" if pd.isna(v) else lbl
        for lbl, v in zip(frame["label"], frame["value"], strict=True)
    ]
    ax.set_yticks(ys, names)
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", visible=True)
    ax.xaxis.set_major_formatter(StrMethodFormatter(value_format.replace("{:", "{x:")))
    ax.set_xlim(left=0)
    ax.margins(x=0.12)
    return pd.Series(frame["value"].to_numpy(), index=frame["label"].to_numpy(), name=values.name)


# Shades of one hue for counts in a grid: darker is more; the count is printed in the cell too.
GRID_BINS: tuple[tuple[int, float], ...] = ((1, 0.25), (2, 0.45), (5, 0.7), (10, 1.0))
NOT_SHOWN = "cannot show"


def pair_years(
    ax: Axes,
    data: pd.DataFrame,
    *,
    row: str,
    x: str,
    value: str,
    order: Sequence[str],
    years: Sequence[int],
) -> pd.DataFrame:
    """A grid of pairs (rows, top to bottom in ``order``) by years, one square per row of
    ``data``: filled and labelled with the count where it is 1 or more (darker is more),
    outlined where it is 0, a grey cross where the value is null (the records cannot show
    it). A pair-year with no row in ``data`` (the pair was not active) is left blank.
    Returns the pairs x years table that was drawn.
    """
    unknown = sorted(set(map(str, data[row])) - set(order))
    if unknown:
        raise ParameterError(f"plots.pair_years: rows {unknown} missing from order")
    wide = data.pivot(index=row, columns=x, values=value).reindex(
        index=list(order), columns=list(years)
    )
    present = data.set_index([row, x]).index
    color = PALETTE["blue"]
    for i, name in enumerate(order):
        y_pos = len(order) - 1 - i
        for year in years:
            if (name, year) not in present:
                continue
            v = wide.loc[name, year]
            if pd.isna(v):
                ax.plot(year, y_pos, marker="x", color=GAP_GREY, markersize=5, markeredgewidth=1.2)
                continue
            alpha = max((a for lo, a in GRID_BINS if v >= lo), default=0.0)
            ax.add_patch(
                mpl.patches.Rectangle(
                    (year - 0.45, y_pos - 0.4),
                    0.9,
                    0.8,
                    facecolor=color if v else "white",
                    alpha=1.0 if not v else alpha,
                    edgecolor=SHADE_GREY,
                    linewidth=0.6,
                    gid=f"cell-{_slug(name)}-{year}",
                )
            )
            if v:
                ax.annotate(
                    f"{int(v):,}",
                    (year, y_pos),
                    ha="center",
                    va="center",
                    fontsize=6,
                    color="white" if alpha >= 0.7 else "#111111",
                )
    ax.set_xlim(min(years) - 0.6, max(years) + 0.6)
    ax.set_ylim(-0.6, len(order) - 0.4)
    ax.set_yticks(range(len(order))[::-1], list(order))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.xaxis.set_major_formatter(StrMethodFormatter("{x:.0f}"))
    ax.grid(visible=False)
    bounds = [lo for lo, _ in GRID_BINS[1:]] + [None]
    labels = [
        f"{lo}+" if hi is None else (f"{lo}" if hi - 1 == lo else f"{lo}-{hi - 1}")
        for (lo, _), hi in zip(GRID_BINS, bounds, strict=True)
    ]
    handles = [
        mpl.patches.Patch(facecolor=color, alpha=a, edgecolor=SHADE_GREY, label=label)
        for (_, a), label in zip(GRID_BINS, labels, strict=True)
    ]
    handles.insert(0, mpl.patches.Patch(facecolor="white", edgecolor=SHADE_GREY, label="0"))
    handles.append(Line2D([], [], linestyle="none", marker="x", color=GAP_GREY, label=NOT_SHOWN))
    ax.legend(
        handles=handles,
        loc="lower left",
        bbox_to_anchor=(0.0, 1.0),
        ncol=len(handles),
        borderaxespad=0.2,
        fontsize=8,
        handlelength=1.2,
        columnspacing=1.0,
    )
    return wide


def shade_periods(ax: Axes, periods: Iterable[tuple[Any, Any, str]]) -> None:
    """Shade each ``(start, end, label)`` span of the x axis and name it at the top."""
    for start, end, label in periods:
        span = ax.axvspan(start, end, color=SHADE_GREY, alpha=0.6, zorder=0, linewidth=0)
        span.set_gid(f"period-{_slug(label)}")
        ax.annotate(
            label,
            (start, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(2, -2),
            textcoords="offset points",
            va="top",
            ha="left",
            fontsize=8,
            color=TEXT_GREY,
        )


def mark_events(ax: Axes, events: Iterable[tuple[Any, str]], *, levels: int = 3) -> None:
    """A dashed vertical line and a label for each ``(x, label)`` event.

    Labels step down through ``levels`` heights, in the order given, so neighbours do not
    overlap; sort the events by date first for a readable staircase.
    """
    for i, (x, label) in enumerate(events):
        line = ax.axvline(x, color=TEXT_GREY, linestyle="--", linewidth=0.9, zorder=1)
        line.set_gid(f"event-{_slug(label)}")
        y = 0.92 - 0.08 * (i % levels)
        ax.annotate(
            label,
            (x, y),
            xycoords=("data", "axes fraction"),
            xytext=(3, 0),
            textcoords="offset points",
            va="center",
            ha="left",
            fontsize=8,
            color="#222222",
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8},
        )
