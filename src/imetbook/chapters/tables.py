"""Tables as the chapters show them: one deterministic, escaped HTML table per DataFrame.

Every chapter displays tables through :func:`show`. It exists because the two obvious ways
break the book:

- a pandas ``Styler`` draws a random uuid for its element ids (the page changes on every run)
  and its plain-text repr carries a memory address (nbval compares ``text/plain``);
- data strings may hold markup (the data dictionary mentions ``<training>``; a course title
  could hold anything), so every cell is HTML-escaped unless its column is declared as HTML,
  which is only for markup the project itself built (:func:`link`).

The look is the same everywhere: no index, left-aligned cells at the top, short columns kept
on one line, long prose given room to read, column names as words (``fiscal_year`` reads
"fiscal year"), and a missing value always written as the table's gap text, never as
``<NA>``, ``nan`` or ``None``.

Long or wide tables (more than :data:`LONG_ROWS` rows or :data:`WIDE_COLUMNS` columns) carry the
class ``imetbook-interactive``: the book's own script (``imetbook/static``, added to every page
once by :mod:`imetbook.run.sphinx_tables`) makes them sortable, searchable and paged with the
DataTables bundle that ships inside the pinned ``itables`` package. No page inlines the library
and nothing is fetched from a network; without JavaScript the full table is still there.
"""

from __future__ import annotations

import html
import re
import urllib.parse
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from imetbook.chapters import captions
from imetbook.errors import ContractError

Formatter = str | Callable[[object], str]

LONG_ROWS = 15  # rows: a longer table is paged and searchable
WIDE_COLUMNS = 7  # columns: a wider one too (sortable, and scrolls inside its own box)
INTERACTIVE_CLASS = "imetbook-interactive"
# What a missing value looks like once a formatter or an f-string has turned it into text.
_GAP_TEXTS = frozenset({"<NA>", "nan", "NaN", "None", "NaT", "<NA>%"})
SHORT_CELL = 24  # characters: columns no wider than this (years, dates, amounts) never wrap
PROSE_CELL = 60  # characters: columns with a cell wider than this get room to read
_TAGS = re.compile(r"<[^>]+>")
_TABLE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
_CELLS = "text-align: left; vertical-align: top; padding: 0.2em 0.6em;"
_COMPACT = (
    "text-align: left; vertical-align: top; padding: 0.15em 0.5em; "
    "border-bottom: 1px solid #e0e0e0; font-size: 0.85em;"
)


@dataclass(frozen=True)
class Table:
    """A table as a notebook shows it: the HTML, and a plain-text stand-in naming it.

    ``display(table)`` renders :attr:`html`; the ``text/plain`` form is :attr:`text`, which
    depends only on the table's id, size and columns, never on where it sits in memory.
    """

    html: str
    text: str

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return self.text


LINK_SCHEMES = ("http", "https")


def http_url(url: object) -> str | None:
    """``url`` (stripped) if it is an absolute ``http(s)`` address, else None.

    Every link the book builds from data goes through here: an address from a data file is
    untrusted, and a ``javascript:``, ``data:`` or relative one must never become a live
    ``href``. Control characters and spaces anywhere (which browsers drop, so that
    ``java\tscript:`` would still run) disqualify the address too.
    """
    if not isinstance(url, str):
        return None
    url = url.strip()
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        return None
    parts = urllib.parse.urlsplit(url)
    return url if parts.scheme.lower() in LINK_SCHEMES and parts.netloc else None


def link(text: object, url: object) -> str:
    """An HTML link to ``url`` reading ``text``, both escaped; escaped plain text when there is
    no address or it is not an ``http(s)`` one (:func:`http_url`). Put its results in a column
    declared in ``html_columns`` of :func:`show`."""
    label = html.escape(str(text))
    href = http_url(url)
    if href is None:
        return label
    return f'<a href="{html.escape(href, quote=True)}">{label}</a>'


def show(
    df: pd.DataFrame,
    table_id: str,
    *,
    na_rep: str = "",
    formats: Mapping[object, Formatter] | None = None,
    html_columns: Iterable[object] = (),
    caption: str | None = None,
    index: bool = False,
    gradient: Sequence[object] = (),
    compact: bool = False,
    interactive: bool | None = None,
) -> Table:
    """``df`` as a deterministic HTML table with the element id ``T_<table_id>``.

    - ``na_rep``: the text shown for a missing value (say what the gap is, e.g. "no record").
    - ``formats``: per column, a format string (``"{:,.0f}"``) or a function of one value;
      missing values never reach it. Other numbers print whole when whole, else in full.
    - ``html_columns``: columns whose cells are already HTML built by the project (e.g. with
      :func:`link`) and are inserted as they are; every other cell, and every header, is
      escaped.
    - ``caption``: plain text above the table; by default the table id's caption in
      :data:`imetbook.chapters.captions.CAPTIONS`.
    - ``index``: show the index as row headings (e.g. a matrix); hidden by default.
    - ``gradient``: columns of shares from 0 to 1, shaded in one colour-blind-safe hue.
    - ``compact``: smaller type and a rule under each row, for wide reference tables.
    - ``interactive``: sort, search and page the table in the browser; by default when it is
      long or wide (:data:`LONG_ROWS`, :data:`WIDE_COLUMNS`).

    Raises :class:`~imetbook.errors.ContractError` for an id unusable in HTML, duplicate
    column names, or an option naming a column ``df`` does not have.
    """
    formats = dict(formats or {})
    html_set = list(html_columns)
    _check(df, table_id, [*formats, *html_set, *gradient])
    styler = df.style if index else df.style.hide(axis="index")
    shown = {c: _cell_function(formats.get(c), na_rep, c in html_set) for c in df.columns}
    if interactive is None:
        interactive = len(df) > LONG_ROWS or len(df.columns) > WIDE_COLUMNS
    classes = "imetbook-table" + (f" {INTERACTIVE_CLASS}" if interactive else "")
    styler = (
        styler.format(shown)
        .format_index(header_label, escape="html", axis=1)
        .format_index(escape="html", axis=0)
        .set_uuid(table_id)
        .set_table_attributes(f'class="{classes}" style="margin-left: 0"')
        # One rule for the whole table, not one per cell: a roster has thousands of cells.
        .set_table_styles([{"selector": "td, th", "props": _COMPACT if compact else _CELLS}])
    )
    styler = _column_widths(styler, df, shown, html_set)
    if gradient:
        styler = styler.background_gradient(cmap="Blues", vmin=0.0, vmax=1.0, subset=list(gradient))
    if caption is None:
        caption = captions.for_table(table_id)
    if caption is not None:
        styler = styler.set_caption(html.escape(caption))
    return Table(styler.to_html(), _text(df, table_id))


def header_label(column: object) -> str:
    """A column name as a reader sees it: ``fiscal_year`` -> ``fiscal year``."""
    if isinstance(column, tuple):
        return " ".join(header_label(c) for c in column)
    return str(column).replace("_", " ")


def _check(df: pd.DataFrame, table_id: str, named: list[object]) -> None:
    if not isinstance(table_id, str) or not _TABLE_ID.fullmatch(table_id):
        raise ContractError(
            f"table id {table_id!r} must be letters, digits, '-' or '_' (it is an HTML id)"
        )
    if not df.columns.is_unique:
        dup = sorted({str(c) for c in df.columns[df.columns.duplicated()]})
        raise ContractError(f"table {table_id!r} has duplicate columns: {', '.join(dup)}")
    missing = [str(c) for c in dict.fromkeys(named) if c not in df.columns]
    if missing:
        raise ContractError(f"table {table_id!r} has no column {', '.join(missing)}")


def _plain(value: object) -> str:
    """A value with no format of its own: whole numbers without decimals, others in full."""
    if isinstance(value, float) and value.is_integer():
        return f"{value:.0f}"
    return str(value)


def _cell_function(fmt: Formatter | None, na_rep: str, is_html: bool) -> Callable[[object], str]:
    """The text of one cell: the gap text, or the formatted value, escaped unless HTML."""
    if fmt is None:
        as_text = _plain
    elif callable(fmt):
        as_text = fmt
    else:
        as_text = fmt.format
    gap = html.escape(na_rep)

    def text(v: object) -> str | None:
        if _missing(v):
            return None
        out = str(as_text(v))
        return None if out.strip() in _GAP_TEXTS else out

    if is_html:
        return lambda v: gap if (t := text(v)) is None else t
    return lambda v: gap if (t := text(v)) is None else html.escape(t)


def _missing(value: object) -> bool:
    return bool(pd.api.types.is_scalar(value) and pd.isna(value))


def _column_widths(styler, df: pd.DataFrame, shown: Mapping, html_set: list[object]):
    """Short columns stay on one line; a column holding long text gets a minimum width and
    may break a long address anywhere. Widths are judged on the visible text."""
    styles: dict[object, list[dict[str, str]]] = {}
    for col in df.columns:
        widest = max((len(html.unescape(_TAGS.sub("", shown[col](v)))) for v in df[col]), default=0)
        if widest <= SHORT_CELL:
            styles[col] = [{"selector": "td", "props": "white-space: nowrap;"}]
        elif widest > PROSE_CELL:
            styles[col] = [{"selector": "td", "props": "min-width: 16em; overflow-wrap: anywhere;"}]
    if not styles:
        return styler
    return styler.set_table_styles(styles, overwrite=False)


def _text(df: pd.DataFrame, table_id: str) -> str:
    columns = [" ".join(map(str, c)) if isinstance(c, tuple) else str(c) for c in df.columns]
    return f"[table {table_id}: {len(df):,} rows; columns: {', '.join(columns)}]"


def details(summary: str, body: str):
    """A collapsed HTML section (``<details>``) for ``display``: ``summary`` is plain text shown
    in bold, ``body`` is HTML the project built (e.g. a :class:`Table`'s ``html``)."""
    from IPython.display import HTML

    head = f"<summary><strong>{html.escape(summary)}</strong></summary>"
    return HTML(f"<details>{head}\n{body}\n</details>")
