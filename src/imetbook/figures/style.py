"""House style for every chart in the book: one palette, one font, titles, units, sources, alt text.

The chart helpers (:func:`imetbook.figures.plots.yearly` and the others) live in
:mod:`imetbook.figures.plots`, which also re-exports every name of this module that callers use
as ``plots.X``.

Why it looks like this:

* Figures are plain :class:`matplotlib.figure.Figure` objects with an Agg canvas, never pyplot
  figures, so a notebook's inline backend never adds a second (PNG) copy and no global figure
  state leaks between cells.
* Output is SVG with a fixed ``svg.hashsalt``, text kept as ``<text>`` (``svg.fonttype: none``:
  a reader's browser renders it at a legible size, can search it and a screen reader can read
  it; DejaVu Sans first, the font that ships with matplotlib) and no date metadata: the same
  figure gives the same bytes on every run, so nbval can compare figures and two builds give
  identical pages.
* :func:`show` emits the SVG inline inside a ``<figure>`` (mime ``text/html``). myst-nb renders
  an ``image/svg+xml`` output as ``<img src="_images/<hash>.svg">`` whose ``alt`` is the file
  path, with no way for the output to set it; raw HTML is passed through untouched, so the
  ``role="img"``, ``aria-labelledby``, ``<title>`` and ``<desc>`` that a screen reader announces
  reach the page. Element ids are prefixed with a hash of the SVG so that several charts on one
  page never share an id.
"""

from __future__ import annotations

import hashlib
import html
import io
import re
import textwrap
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib as mpl
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine

from imetbook import atomic
from imetbook.errors import ParameterError

# Okabe & Ito (2008), "Color Universal Design": distinguishable with every common colour-vision
# deficiency. Yellow comes late: it has the weakest contrast on white.
PALETTE: dict[str, str] = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "bluish_green": "#009E73",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "sky_blue": "#56B4E9",
    "yellow": "#F0E442",
    "black": "#000000",
}
COLORS: tuple[str, ...] = tuple(PALETTE.values())
TEXT_GREY = "#555555"  # 7:1 contrast on white: source lines stay readable
GAP_GREY = "#767676"  # 4.5:1 on white, the lightest grey that meets WCAG AA
SHADE_GREY = "#d9d9d9"

FONT = "DejaVu Sans"  # bundled with matplotlib: same glyphs, so same bytes, on every machine
HASHSALT = "imetbook"
WIDTH_IN, HEIGHT_IN = 7.0, 4.2
UNIT_RE = re.compile(r"\(.+\)")

STYLE: dict[str, Any] = {
    "svg.hashsalt": HASHSALT,
    "svg.fonttype": "none",
    "svg.image_inline": True,
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "font.family": "sans-serif",
    "font.sans-serif": [FONT],
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "axes.labelcolor": "#222222",
    "axes.edgecolor": "#444444",
    "axes.prop_cycle": cycler(color=list(COLORS)),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "axes.axisbelow": True,
    "grid.color": "#e0e0e0",
    "grid.linewidth": 0.6,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "xtick.color": "#444444",
    "ytick.color": "#444444",
    "legend.frameon": False,
    "legend.fontsize": 9,
    "lines.linewidth": 2.0,
    "lines.markersize": 4.5,
    "patch.linewidth": 0,
}
# What makes the SVG bytes deterministic: forced again at save time whatever a cell changed.
_DETERMINISM = {k: STYLE[k] for k in ("svg.hashsalt", "svg.fonttype", "svg.image_inline")}
_SVG_METADATA = {"Date": None, "Creator": "imetbook"}


@dataclass
class ChartInfo:
    """What :func:`finish` recorded about a figure: checked again by :func:`svg`."""

    title: str
    source: str | None = None
    alt: str | None = None


_INFO: weakref.WeakKeyDictionary[Figure, ChartInfo] = weakref.WeakKeyDictionary()


def setup() -> None:
    """Apply the house style to matplotlib's global rcParams (idempotent).

    :func:`figure` calls it; call it yourself only before drawing with matplotlib directly.
    """
    mpl.rcParams.update(STYLE)


def figure(
    title: str, *, width: float = WIDTH_IN, height: float = HEIGHT_IN
) -> tuple[Figure, Axes]:
    """A new house-style figure with one axes and its title; sizes in inches."""
    if not title or not title.strip():
        raise ParameterError("plots.figure: every chart needs a title")
    setup()
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    _set_title(fig, title)
    _INFO[fig] = ChartInfo(title=title)
    return fig, ax


def _set_title(fig: Figure, title: str) -> None:
    fig.suptitle(title, x=0.01, ha="left", fontsize=13, fontweight="bold", color="#111111")


def finish(
    fig: Figure,
    ax: Axes,
    *,
    source: str,
    alt: str,
    ylabel: str | None = None,
    xlabel: str | None = None,
    title: str | None = None,
    note: str | None = None,
) -> Figure:
    """Label the axes, add the source line (and an optional note), record the alt text.

    At least one axis label must name its unit in parentheses, e.g. ``"Students (people)"``
    or ``"Cost (US dollars, nominal)"``: a number without a unit is not a finding.
    """
    info = _info(fig)
    if title is not None:
        _set_title(fig, title)
        info.title = title
    labels = [lbl for lbl in (xlabel, ylabel) if lbl]
    if not any(UNIT_RE.search(lbl) for lbl in labels):
        raise ParameterError(
            f"plots.finish({info.title!r}): an axis label must give its unit in parentheses, "
            f"e.g. 'Students (people)'; got {labels or 'no axis label'}"
        )
    if not source or not source.strip():
        raise ParameterError(f"plots.finish({info.title!r}): every chart needs a source line")
    _require_alt(info.title, alt)
    if xlabel:
        ax.set_xlabel(xlabel)
    if ylabel:
        ax.set_ylabel(ylabel)
    line = _wrap_to(fig, f"Source: {source}" + (f"\n{note}" if note else ""), SOURCE_PT)
    fig.supxlabel(line, x=0.01, ha="left", fontsize=SOURCE_PT, color=TEXT_GREY, linespacing=1.4)
    info.source, info.alt = source, alt
    return fig


SOURCE_PT = 8
# DejaVu Sans averages about 0.55 em a character in mixed text: a wrapped line of this many
# ems a character fits the figure's width with a margin.
_EM_PER_CHAR = 0.6


def _wrap_to(fig: Figure, text: str, size_pt: float) -> str:
    """``text`` wrapped to the figure's width (each of its lines apart): a long source line
    would otherwise run past the right edge and be cut off."""
    chars = max(20, int(fig.get_figwidth() * 72 * 0.97 / (size_pt * _EM_PER_CHAR)))
    return "\n".join(textwrap.fill(part, chars) or part for part in text.split("\n"))


def _info(fig: Figure) -> ChartInfo:
    try:
        return _INFO[fig]
    except KeyError:
        raise ParameterError(
            "plots: this figure was not made by plots.figure(); start every chart there"
        ) from None


def _require_alt(title: str, alt: str | None) -> str:
    if not alt or not alt.strip():
        raise ParameterError(f"plots({title!r}): alt text is required (describe what it shows)")
    return alt.strip()


def _finished(fig: Figure, alt: str | None) -> ChartInfo:
    info = _info(fig)
    if info.source is None:
        raise ParameterError(f"plots({info.title!r}): call plots.finish() before showing")
    return ChartInfo(info.title, info.source, _require_alt(info.title, alt or info.alt))


# --- SVG output ----------------------------------------------------------------------------

_ID_RE = re.compile(r'\bid="([^"]+)"')
_REF_RE = re.compile(r'((?:xlink:)?href="#|url\(#)([^")]+)')
_ROOT_RE = re.compile(r'<svg\b[^>]*\bwidth="([\d.]+)pt"[^>]*>', re.S)


def _freeze_layout(fig: Figure) -> None:
    """Run the constrained layout once, then keep it.

    Constrained layout starts from the positions of the previous draw, so a second render of
    the same figure would move things by a fraction of a point and change the bytes.
    """
    engine = fig.get_layout_engine()
    if isinstance(engine, ConstrainedLayoutEngine):
        # The layout alone, not a whole draw without rendering around it: savefig draws next.
        with mpl.rc_context(_DETERMINISM):
            engine.execute(fig)
        fig.set_layout_engine("none")


def _raw_svg(fig: Figure) -> str:
    _freeze_layout(fig)
    buf = io.StringIO()
    with mpl.rc_context(_DETERMINISM):
        fig.savefig(buf, format="svg", metadata=_SVG_METADATA)
    return buf.getvalue()


def _prefix_ids(svg_text: str, info: ChartInfo) -> tuple[str, str]:
    """Prefix every id (and every reference to one) with a hash of the chart itself."""
    digest = hashlib.sha256(
        "\0".join([svg_text, info.title, str(info.alt), str(info.source)]).encode()
    )
    prefix = "imet" + digest.hexdigest()[:10]
    text = _ID_RE.sub(lambda m: f'id="{prefix}-{m[1]}"', svg_text)
    return _REF_RE.sub(lambda m: f"{m[1]}{prefix}-{m[2]}", text), prefix


def _accessible_root(svg_text: str, info: ChartInfo, prefix: str) -> str:
    """Make the root ``<svg>`` an accessible, responsive image with ``<title>`` and ``<desc>``."""
    match = _ROOT_RE.search(svg_text)
    if match is None:
        raise ParameterError(f"plots({info.title!r}): matplotlib wrote no <svg> root")
    width_pt = match[1]
    root = match[0]
    root = re.sub(r'\swidth="[\d.]+pt"', ' width="100%"', root, count=1)
    root = re.sub(r'\sheight="[\d.]+pt"', "", root, count=1)
    attrs = (
        f' role="img" aria-labelledby="{prefix}-title {prefix}-desc"'
        f' class="imetbook-chart" style="max-width:{width_pt}pt;height:auto"'
    )
    root = root[:-1] + attrs + ">"
    desc = f"{info.alt.rstrip('.')}. Source: {info.source}"
    header = (
        f'\n <title id="{prefix}-title">{html.escape(info.title, quote=False)}</title>'
        f'\n <desc id="{prefix}-desc">{html.escape(desc, quote=False)}</desc>'
    )
    return svg_text[: match.start()] + root + header + svg_text[match.end() :]


def svg(fig: Figure, alt: str | None = None) -> str:
    """The chart as a standalone, byte-stable SVG document (title, description, alt text)."""
    info = _finished(fig, alt)
    text, prefix = _prefix_ids(_raw_svg(fig), info)
    return _accessible_root(text, info, prefix)


def html_figure(fig: Figure, alt: str | None = None) -> str:
    """The chart as an HTML ``<figure>`` holding the inline SVG (no XML prolog).

    The figure takes the focus (``tabindex="0"``): on a phone the chart scales to the column,
    and a focused chart is shown at a legible size, scrolling inside its figure (the book's
    stylesheet), which a keyboard can then scroll too.
    """
    doc = svg(fig, alt)
    inline = doc[doc.index("<svg") :].rstrip()
    return f'<figure class="imetbook-figure" tabindex="0">\n{inline}\n</figure>'


def show(fig: Figure, alt: str | None = None) -> None:
    """Display the chart in a notebook: inline SVG in a ``<figure>``, plus a text fallback.

    ``alt`` overrides the alt text given to :func:`finish`.
    """
    from IPython.display import display

    info = _finished(fig, alt)
    bundle = {
        "text/html": html_figure(fig, info.alt),
        "text/plain": f"[chart] {info.title}: {info.alt} Source: {info.source}",
    }
    display(bundle, raw=True)


def save(fig: Figure, path: Path, alt: str | None = None) -> Path:
    """Write the chart's SVG to ``path`` atomically (for figures used outside notebooks)."""
    path = Path(path)
    atomic.write_bytes(path, svg(fig, alt).encode("utf-8"))
    return path
