"""The Pakistan timeline's charts: events, restriction periods and the IMET record on one US
fiscal-year axis, and a country beside its reference country.

Drawn in the house style of :mod:`imetbook.figures.plots`; the caller finishes each figure with
:func:`imetbook.figures.plots.finish` (source line and alt text, e.g. :func:`timeline_alt`).
Positions on the axis come from :func:`imetbook.analysis.timeline.axis_position`: fiscal year
*n* spans n-0.5 to n+0.5, so an event sits inside its fiscal year's bar.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

from imetbook import vocab
from imetbook.analysis.timeline import axis_position, fiscal_year_bounds, span_position
from imetbook.analysis.timeline_yearly import MONEY_MEASURES, tidy
from imetbook.figures import plots

CATEGORY_COLORS: dict[str, str] = {
    "sanction": plots.PALETTE["vermillion"],
    "suspension": plots.PALETTE["orange"],
    "resumption": plots.PALETTE["bluish_green"],
    "budget": plots.PALETTE["blue"],
    "statement": plots.PALETTE["reddish_purple"],
    "agreement": plots.PALETTE["sky_blue"],
    "other": plots.PALETTE["black"],
}
# Rough width of one character of 7-point DejaVu Sans, in inches: enough to keep labels in
# separate lanes; the exact width does not matter because labels only need not to collide.
_CHAR_IN = 0.066
_AXES_WIDTH_IN = 4.6


def _fits(lane: list[tuple[float, float]], a: float, b: float, gap: float) -> bool:
    return all(b + gap <= c or d + gap <= a for c, d in lane)


def assign_lanes(
    spans: Sequence[tuple[float, float]],
    widths: Sequence[float],
    *,
    lo: float = -np.inf,
    hi: float = np.inf,
    gap: float = 0.0,
) -> list[tuple[int, str]]:
    """Lane and label side for glyphs spanning ``spans`` with labels ``widths`` wide.

    Each item, taken in the order given, goes to the lowest lane where its glyph plus label
    fits without touching another (``gap`` apart), trying the label on the right of the glyph
    first, then on its left; a label may not cross ``lo`` or ``hi``. Returns
    ``(lane, "right" | "left")`` per item.
    """
    lanes: list[list[tuple[float, float]]] = []
    out: list[tuple[int, str]] = []
    for (x0, x1), width in zip(spans, widths, strict=True):
        options = [
            (side, a, b)
            for side, a, b in (("right", x0, x1 + width), ("left", x0 - width, x1))
            if a >= lo and b <= hi
        ]
        if not options:  # too wide for either side: keep it on the right, on a lane of its own
            options = [("right", x0, x1 + width)]
        for i, lane in enumerate(lanes):
            hit = next(((side, a, b) for side, a, b in options if _fits(lane, a, b, gap)), None)
            if hit is not None:
                lane.append((hit[1], hit[2]))
                out.append((i, hit[0]))
                break
        else:
            side, a, b = options[0]
            lanes.append([(a, b)])
            out.append((len(lanes) - 1, side))
    return out


def event_label(ev: pd.Series) -> str:
    """``12 1998-05-30``, ``24 2020-01 (month)``, ``7 1998 (year)``: the event's number and its
    date as given, with the precision spelled out where it is coarser than a day."""
    precision = "" if ev["date_precision"] == "day" else f" ({ev['date_precision']})"
    return f"{ev['n']} {ev['date']}{precision}"


def _label_width(label: str, fy_start: int, fy_end: int) -> float:
    """Approximate width of a 7-point label in axis units (fiscal years)."""
    per_year_in = _AXES_WIDTH_IN / (fy_end - fy_start + 1)
    return (len(label) + 1) * _CHAR_IN / per_year_in


def event_layout(events: pd.DataFrame, fy_start: int, fy_end: int) -> pd.DataFrame:
    """Where each event on the axis is drawn: ``x0``/``x1`` (the days the date can mean, on the
    axis of :func:`axis_position`), the label, the side of the glyph it sits on (``right``, or
    ``left`` near the end of the axis) and its lane. Events off the axis are left out."""
    lo, hi = fiscal_year_bounds(fy_start)[0], fiscal_year_bounds(fy_end)[1]
    on_axis = events[(events["date_end"] >= lo) & (events["date_start"] <= hi)]
    if on_axis.empty:
        return on_axis.assign(x0=[], x1=[], label=[], side=[], lane=[])
    xs = [
        span_position(a, b) for a, b in zip(on_axis["date_start"], on_axis["date_end"], strict=True)
    ]
    labels = [event_label(ev) for _, ev in on_axis.iterrows()]
    widths = [_label_width(label, fy_start, fy_end) for label in labels]
    placed = assign_lanes(xs, widths, lo=fy_start - 0.5, hi=fy_end + 0.5, gap=0.3)
    return on_axis.assign(
        x0=[x0 for x0, _ in xs],
        x1=[x1 for _, x1 in xs],
        label=labels,
        side=[side for _, side in placed],
        lane=[lane for lane, _ in placed],
    )


def _draw_events(ax, layout: pd.DataFrame) -> None:
    n_lanes = int(layout["lane"].max()) + 1
    for _, ev in layout.iterrows():
        y = n_lanes - 1 - ev["lane"]
        color = CATEGORY_COLORS.get(ev["category"], plots.PALETTE["black"])
        if ev["date_precision"] == "day":
            ax.plot(
                [(ev["x0"] + ev["x1"]) / 2],
                [y],
                marker="o",
                markersize=5,
                color=color,
                linestyle="none",
            )
        else:
            ax.plot([ev["x0"], ev["x1"]], [y, y], color=color, linewidth=5, solid_capstyle="butt")
        right = ev["side"] == "right"
        ax.annotate(
            ev["label"],
            (ev["x1"] if right else ev["x0"], y),
            xytext=(3 if right else -3, 0),
            textcoords="offset points",
            va="center",
            ha="left" if right else "right",
            fontsize=7,
            color="#222222",
        )
    ax.set_ylim(-0.7, n_lanes - 0.3)
    ax.set_yticks([])
    ax.grid(False)
    ax.spines["left"].set_visible(False)
    handles = [
        Line2D([], [], color=c, marker="s", linestyle="none", markersize=7, label=cat)
        for cat, c in CATEGORY_COLORS.items()
        if cat in set(layout["category"])
    ]
    handles += [
        Line2D([], [], color="#444444", marker="o", linestyle="none", label="dated to the day"),
        Line2D([], [], color="#444444", linewidth=5, label="month or year: bar spans it"),
    ]
    ax.legend(
        handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0, fontsize=7
    )
    ax.set_ylabel("Events (#, date)", fontsize=8)


def _period_spans(p: pd.Series, lo: float, hi: float) -> tuple[tuple[float, float], ...]:
    """(uncertain start, certain middle, uncertain end) spans of a period, clipped to the axis."""
    s0, s1 = span_position(p["start_earliest"], p["start_latest"])
    if p["open_ended"] or pd.isna(p["end_earliest"]):
        e0 = e1 = hi
    else:
        e0, e1 = span_position(p["end_earliest"], p["end_latest"])
    spans = ((s0, s1), (s1, e0), (e0, e1))
    return tuple((max(a, lo), min(b, hi)) for a, b in spans)


def period_label(p: pd.Series, lo: float) -> str:
    """``#19 to #23`` (event numbers), ``#29 to open``; flagged when it starts off the axis.
    A sourced period (:func:`restriction_periods`) is labelled by its dates."""
    # A period opened before the axis starts says so: its start is off the chart.
    before = "from before the axis: " if axis_position(p["start_earliest"]) < lo else ""
    if pd.isna(p["start_n"]):
        return f"{before}{p['start_date']} to {p['end_date']}"
    end = "open" if p["open_ended"] else f"#{p['end_n']}"
    return f"{before}#{p['start_n']} to {end}"


def _period_layout(
    periods: pd.DataFrame, lo: float, hi: float, fy_span: tuple[int, int]
) -> tuple[list[str], list[int]]:
    """Label and lane of each period bar (bars and their labels never overlap)."""
    spans, labels = [], []
    for _, p in periods.iterrows():
        u0, _, u1 = _period_spans(p, lo, hi)
        label = period_label(p, lo)
        spans.append((u0[0], max(u1[1], u0[0] + _label_width(label, *fy_span))))
        labels.append(label)
    lanes = [lane for lane, _ in assign_lanes(spans, [0.0] * len(spans), gap=0.3)]
    return labels, lanes


def _draw_periods(ax, periods: pd.DataFrame, lo: float, hi: float, fy_span: tuple[int, int]):
    labels, lanes = _period_layout(periods, lo, hi, fy_span)
    n = max(lanes) + 1
    for (_, p), label, lane in zip(periods.iterrows(), labels, lanes, strict=True):
        y = n - 1 - lane
        color = CATEGORY_COLORS.get(p["category"], plots.SHADE_GREY)
        (u0, certain, u1) = _period_spans(p, lo, hi)
        for a, b in (u0, u1):
            if b > a:
                ax.barh(
                    y,
                    b - a,
                    left=a,
                    height=0.4,
                    color="white",
                    edgecolor=color,
                    hatch="////",
                    linewidth=0.8,
                )
        if certain[1] > certain[0]:
            ax.barh(y, certain[1] - certain[0], left=certain[0], height=0.4, color=color)
        ax.annotate(
            label,
            (u0[0], y + 0.2),
            xytext=(1, 1),
            textcoords="offset points",
            va="bottom",
            ha="left",
            fontsize=7,
            color="#222222",
        )
    ax.set_ylim(-0.5, n)
    ax.set_yticks([])
    ax.grid(False)
    ax.spines["left"].set_visible(False)
    ax.set_ylabel("Periods", fontsize=8)
    return n


def shade_certain(ax, periods: pd.DataFrame, lo: float, hi: float) -> None:
    """Shade, across a panel, every span that some period certainly covers (light grey) and the
    uncertain ends (hatched); overlapping periods simply overlap."""
    for _, p in periods.iterrows():
        (u0, certain, u1) = _period_spans(p, lo, hi)
        for a, b in (u0, u1):
            if b > a:
                ax.axvspan(
                    a,
                    b,
                    facecolor="none",
                    edgecolor=plots.SHADE_GREY,
                    hatch="////",
                    linewidth=0,
                    zorder=0,
                )
        if certain[1] > certain[0]:
            ax.axvspan(
                certain[0], certain[1], color=plots.SHADE_GREY, alpha=0.7, linewidth=0, zorder=0
            )


def _money_millions(yearly: pd.DataFrame, measures: Sequence[str]) -> pd.DataFrame:
    long = tidy(yearly, measures)
    long["value"] = long["value"] / 1e6
    return long


def timeline_figure(
    events: pd.DataFrame,
    periods: pd.DataFrame,
    yearly: pd.DataFrame,
    *,
    country: str,
    fy_start: int,
    fy_end: int,
    money: Sequence[str] = ("obligation", "training_value"),
):
    """Events (numbered, precision shown), the periods they open and close, IMET dollars and
    IMET students of one country on one fiscal-year axis. Panels with nothing to show are left
    out; returns ``(figure, list of what was left out)``. The caller finishes the figure with
    :func:`imetbook.figures.plots.finish` (source line and alt text)."""
    years = list(range(fy_start, fy_end + 1))
    lo, hi = fy_start - 0.5, fy_end + 0.5
    layout = event_layout(events, fy_start, fy_end)
    shown = periods[
        (periods["start_earliest"] <= fiscal_year_bounds(fy_end)[1])
        & (
            periods["end_latest"].isna()
            | (periods["end_latest"] >= fiscal_year_bounds(fy_start)[0])
        )
    ]
    panels, ratios, omitted = [], [], []
    if len(layout):
        panels.append("events")
        ratios.append(0.35 + 0.22 * (int(layout["lane"].max()) + 1))
    else:
        omitted.append("events (none on this axis)")
    if len(shown):
        panels.append("periods")
        ratios.append(0.3 + 0.3 * (max(_period_layout(shown, lo, hi, (fy_start, fy_end))[1]) + 1))
    else:
        omitted.append("periods (none on this axis)")
    panels += ["money", "students"]
    ratios += [2.2, 1.8]
    fig, first = plots.figure(
        f"{country}: events and the IMET record, {vocab.fy_span(fy_start, fy_end)}",
        height=sum(ratios) + 1.3,
    )
    first.remove()
    axes = fig.subplots(len(panels), 1, sharex=True, height_ratios=ratios)
    axes = list(np.atleast_1d(axes))
    by_name = dict(zip(panels, axes, strict=True))
    if "events" in by_name:
        _draw_events(by_name["events"], layout)
    if "periods" in by_name:
        _draw_periods(by_name["periods"], shown, lo, hi, (fy_start, fy_end))
    money_ax, students_ax = by_name["money"], by_name["students"]
    for ax in (money_ax, students_ax):
        shade_certain(ax, shown, lo, hi)
    plots.yearly(
        money_ax,
        _money_millions(yearly, money),
        x="fiscal_year",
        y="value",
        by="measure",
        years=years,
        value_format="{x:,.1f}",
    )
    money_ax.set_ylabel("US dollars\n(millions, nominal)", fontsize=8)
    student_rows = tidy(yearly, ["students"])
    plots.yearly(
        students_ax,
        student_rows.drop(columns="measure"),
        x="fiscal_year",
        y="value",
        kind="bar",
        years=years,
    )
    students_ax.set_ylabel("IMET students\n(people)", fontsize=8)
    students_ax.set_xlim(lo, hi)
    return fig, omitted


def comparison_figure(
    compared: pd.DataFrame,
    periods: pd.DataFrame,
    *,
    names: Sequence[str],
    fy_start: int,
    fy_end: int,
    measures: Sequence[str] = ("students", "training_value", "obligation"),
):
    """One panel per measure, one line per country (output of :func:`compare_yearly`), on the
    same fiscal-year axis, with the first country's periods shaded. The caller finishes it."""
    years = list(range(fy_start, fy_end + 1))
    lo, hi = fy_start - 0.5, fy_end + 0.5
    fig, first = plots.figure(
        f"{names[0]} and {names[1]}: the IMET record on one axis, "
        f"{vocab.fy_span(fy_start, fy_end)}",
        height=2.0 * len(measures) + 1.2,
    )
    first.remove()
    axes = list(np.atleast_1d(fig.subplots(len(measures), 1, sharex=True)))
    for ax, m in zip(axes, measures, strict=True):
        label = vocab.measure_label(m)
        rows = compared[compared["measure"] == label].drop(columns="measure")
        money = m in MONEY_MEASURES
        if money:
            rows = rows.assign(value=rows["value"] / 1e6)
        shade_certain(ax, periods, lo, hi)
        plots.yearly(
            ax,
            rows,
            x="fiscal_year",
            y="value",
            by="country",
            years=years,
            order=list(names),
            value_format="{x:,.1f}" if money else "{x:,.0f}",
        )
        unit = "US$ millions" if money else "people"
        ax.set_ylabel(f"{label}\n({unit})", fontsize=8)
    axes[-1].set_xlim(lo, hi)
    return fig, axes


def timeline_alt(
    country: str, events: pd.DataFrame, periods: pd.DataFrame, fy_start: int, fy_end: int
) -> str:
    """Alt text of :func:`timeline_figure`, counting what it draws."""
    n_events = len(event_layout(events, fy_start, fy_end)) if len(events) else 0
    return (
        f"Timeline of {country}, {vocab.fy(fy_start)} to {vocab.fy(fy_end)}. Top: {n_events} "
        f"numbered events, dots for dates known to the day and bars for dates known only to the "
        f"month or year. Then {len(periods)} periods in which IMET was restricted (sourced), "
        "hatched where a date is uncertain. Below, with the periods shaded: IMET obligations and "
        "the value of IMET training in US dollar millions, and IMET students, per fiscal year; "
        "crosses below the axis mark years with no figure."
    )
