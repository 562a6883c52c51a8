"""Shared check for every figure function: nothing drawn for a missing value lies inside the
axes' data area (gaps go to the strip below the axis, see :mod:`imetbook.figures.plots`)."""

from __future__ import annotations

import numpy as np

from imetbook.figures import plots


def gap_marks(fig) -> dict[str, list[float]]:
    """Per axes index and series: the years marked as gaps, after checking every mark lies
    below its axes (outside the data area)."""
    if plots._INFO[fig].source is not None:
        plots.svg(fig)
    else:
        fig.draw_without_rendering()
    found: dict[str, list[float]] = {}
    for i, ax in enumerate(fig.axes):
        box = ax.get_window_extent()
        for line in ax.get_lines():
            gid = line.get_gid() or ""
            if not gid.startswith("gaps-"):
                continue
            xy = line.get_transform().transform(
                np.column_stack([line.get_xdata(), line.get_ydata()])
            )
            assert len(xy), f"axes {i}: empty gap marks {gid}"
            assert (xy[:, 1] < box.y0 - 1).all(), f"axes {i}: gap marks {gid} inside the axes"
            lo, hi = sorted(ax.get_xlim())
            assert all(lo <= x <= hi for x in line.get_xdata()), f"axes {i}: {gid} off the axis"
            found[f"{i}:{gid.removeprefix('gaps-')}"] = sorted(line.get_xdata())
            _nothing_drawn_at(ax, gid.removeprefix("gaps-"), line.get_xdata())
    return found


def _nothing_drawn_at(ax, slug: str, years) -> None:
    """The series itself draws no point and no bar at a year it marks as a gap."""
    for other in ax.get_lines():
        if other.get_gid() == f"series-{slug}":
            ys = dict(zip(np.asarray(other.get_xdata(), float), other.get_ydata(), strict=True))
            assert all(np.isnan(ys.get(float(y), np.nan)) for y in years)
    bars = {p.get_gid() for p in ax.patches}
    assert not any(f"bar-{slug}-{int(y)}" in bars for y in years)
