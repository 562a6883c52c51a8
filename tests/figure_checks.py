"""Shared check for every figure function: nothing drawn for a missing value lies inside the
axes' data area (gaps go to the strip below the axis, see :mod:`imetbook.figures.plots`)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import numpy as np

from imetbook.figures import plots, style


def gap_marks(fig) -> dict[str, list[float]]:
    """Per axes index and series: the years marked as gaps, after checking every mark lies
    below its axes (outside the data area)."""
    if style._INFO[fig].source is not None:
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


# --- the three states of a yearly number, read back from the SVG ------------------------------

_SVG = "{http://www.w3.org/2000/svg}"
_HREF = "{http://www.w3.org/1999/xlink}href"
_PREFIX = re.compile(r"^imet[0-9a-f]{10}-")
_STATE_OF = {"series": "value", "bar": "value", "zeros": "zero", "gaps": "gap"}


@dataclass(frozen=True)
class Mark:
    """One mark as the SVG draws it: its shape (marker path, or "bar"), fill and centre."""

    shape: str
    fill: str
    x: float
    y: float


def _style(el, key: str) -> str:
    m = re.search(rf"(?:^|;)\s*{key}:\s*([^;]+)", el.get("style") or "")
    return m[1].strip() if m else ""


def _uses(group, shapes: dict[str, str]) -> list[Mark]:
    return [
        Mark(
            shapes[u.get(_HREF).lstrip("#")],
            _style(u, "fill"),
            float(u.get("x")),
            float(u.get("y")),
        )
        for u in group.iter(f"{_SVG}use")
    ]


def _bar(group) -> Mark:
    path = next(group.iter(f"{_SVG}path"))
    xy = np.array(re.findall(r"[-\d.]+", path.get("d")), float).reshape(-1, 2)
    return Mark("bar", _style(path, "fill"), float(xy[:, 0].mean()), float(xy[:, 1].max()))


def year_states(svg_text: str) -> list[dict]:
    """Per axes of a chart's SVG, what a reader can see of each yearly series.

    Each item: ``area`` (x0, top, x1, bottom of the data area, SVG points, y down),
    ``states`` ({series slug: {"value" | "zero" | "gap": [Mark, ...]}}) and ``legend``
    ([(label, Mark | None), ...]: each legend text with the marker drawn just before it).
    """
    root = ET.fromstring(svg_text)
    shapes = {
        p.get("id"): " ".join(p.get("d").split())
        for p in root.iter(f"{_SVG}path")
        if p.get("id") and p.get("d")
    }
    out = []
    for axes in root.iter(f"{_SVG}g"):
        children = [g for g in axes if g.tag == f"{_SVG}g"]
        names = [_PREFIX.sub("", g.get("id") or "") for g in children]
        if not any(n.split("-")[0] in _STATE_OF for n in names):
            continue
        xy = np.array(re.findall(r"[-\d.]+", next(children[0].iter(f"{_SVG}path")).get("d")), float)
        xs, ys = xy[0::2], xy[1::2]
        states: dict[str, dict[str, list[Mark]]] = {}
        for g, name in zip(children, names, strict=True):
            kind = name.split("-")[0]
            if kind == "bar":
                slug = name.removeprefix("bar-").rsplit("-", 1)[0]
                marks = [_bar(g)]
            elif kind in _STATE_OF:
                slug, marks = name.split("-", 1)[1], _uses(g, shapes)
            else:
                continue
            states.setdefault(slug, {"value": [], "zero": [], "gap": []})[_STATE_OF[kind]] += marks
        area = (xs.min(), ys.min(), xs.max(), ys.max())
        out.append({"area": area, "states": states, "legend": _legend(root, axes, shapes)})
    return out


def _legend(root, axes, shapes: dict[str, str]) -> list[tuple[str, Mark | None]]:
    """The axes' own legend, else the figure's: each text with the marker drawn before it."""

    def legends(within):
        return [
            g
            for g in within.iter(f"{_SVG}g")
            if _PREFIX.sub("", g.get("id") or "").startswith("legend")
        ]

    groups = legends(axes) or [g for g in legends(root) if g not in set(axes.iter())]
    entries: list[tuple[str, Mark | None]] = []
    for g in groups:
        last = None
        for item in g:
            text = item.find(f"{_SVG}text")
            if text is not None:
                entries.append((text.text or "", last))
            else:
                found = _uses(item, shapes)
                last = found[0] if found else None
    return entries


def assert_three_states_distinct(svg_text: str, zero_label: str) -> list[dict]:
    """Value, reported zero and gap look different and sit where they should: a value inside
    the data area, a zero on its bottom line (marked with the legend's key for ``zero_label``),
    a gap below it. Returns :func:`year_states` for further checks."""
    found = year_states(svg_text)
    for axes in found:
        x0, top, x1, bottom = axes["area"]
        keys = dict(axes["legend"])
        for slug, by_state in axes["states"].items():
            looks = {s: {(m.shape, m.fill) for m in marks} for s, marks in by_state.items()}
            for a, b in (("value", "zero"), ("value", "gap"), ("zero", "gap")):
                assert not looks[a] & looks[b], f"{slug}: a {a} and a {b} look alike"
            for m in by_state["zero"]:
                assert abs(m.y - bottom) < 0.01, f"{slug}: a reported zero off the zero line"
                key = keys.get(zero_label)
                assert key is not None, f"{slug}: no legend entry {zero_label!r}"
                assert (key.shape, key.fill) == (m.shape, m.fill), f"{slug}: zero unlike its key"
            for m in by_state["gap"]:
                assert m.y > bottom + 1, f"{slug}: a gap mark inside the data area"
                assert x0 <= m.x <= x1, f"{slug}: a gap mark off the x axis"
            for m in by_state["value"]:
                assert top - 0.01 <= m.y <= bottom + 0.01, f"{slug}: a value outside the area"
    return found
