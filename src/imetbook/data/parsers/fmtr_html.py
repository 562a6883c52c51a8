"""Parse one 2006-2007 FMTR HTML page (state.gov, 'IV. Country Training Activities').

No XML extraction exists for that report, so the six source pages are parsed directly. The
page holds one table: a one-cell beige row per country heading, then per program an 8-cell
row with the program name, a header row ('Course Title', 'Students', ...), the course rows,
'FY 2006 Program Totals' and, after the last program, '<Country> FY 2006 Totals'.

Quirks handled here:

* Seven country headings are not closed (``<B>Oman</U></STRONG> </B>`` followed by a new
  ``<TR>``). Rows are visited in document order (``iter('tr')``) and a heading's name is read
  from its own ``<B>``, so the rows after it belong to it however the tree nests them.
* One heading is misprinted: Burkina Faso's block is headed 'Benin' (a second time) while its
  own totals row reads 'Burkina Faso FY 2006 Totals'. When a country-totals row names another
  country than the heading, the block's rows take the totals row's name (note
  ``country_from_totals_row``).
* Rows that hold only a title ('Democracy Building', 'PSP0618 AF-PK') are the first line of
  a two-line title: orphan fragments, as in the XML. Fully empty 8-cell rows are empty
  elements. The US-unit column prints '-' for every row; it is read as empty.
"""

from __future__ import annotations

import re

import lxml.html
import numpy as np
import pandas as pd
from lxml import etree

from imetbook.data import countries
from imetbook.data.parsers import fmtr_fields as F
from imetbook.data.parsers.fmtr_xml import COLUMNS as FRAME_COLUMNS
from imetbook.data.parsers.fmtr_xml import RawElement, frame, totals_notes
from imetbook.errors import DataError

HEADER = (
    "Course Title",
    "Students",
    "Location",
    "Student's Unit",
    "US Units",
    "Total Cost",
    "Start Date",
    "End Date",
)
# Table columns, in HTML order, mapped to the raw field names shared with the XML: every
# field but the page number, which the HTML reports do not print.
COLUMNS = tuple(f for f in F.FIELDS if f != "page_number")
_CELLS = ("td", "th")
_PROGRAM = re.compile(r" - FY \d{4} .*Training$")


def _text(cell: etree._Element) -> str:
    return " ".join(cell.text_content().split())


def _heading_name(cell: etree._Element) -> str:
    bold = cell.find(".//b")
    return " ".join((bold if bold is not None else cell).text_content().split())


def _same_country(a: str, b: str) -> bool:
    return countries.normalise(a) == countries.normalise(b) or (
        countries.to_iso3(a) == countries.to_iso3(b) is not None
    )


class _Page:
    """Walks the rows of one page, keeping the current country and program."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.out: list[RawElement] = []
        self.kinds: list[str] = []
        self.country: str | None = None
        self.program: str | None = None
        self.country_block = 0
        self.program_block = 0
        self.block_start = 0  # index in ``out`` of the current country's first element

    def heading(self, cell: etree._Element) -> None:
        self.country = _heading_name(cell)
        self.program = None
        self.country_block += 1
        self.block_start = len(self.out)

    def row(self, ordinal: int, cells: list[str]) -> None:
        first = cells[0]
        if tuple(cells) == HEADER:
            return
        if first and not any(cells[1:]) and _PROGRAM.search(first):
            self.program = first
            self.program_block += 1
            return
        values = dict(zip(COLUMNS, cells, strict=True))
        if values["us_unit"] == "-":
            values["us_unit"] = ""
        kind = self._kind(values)
        if self.country is None or (self.program is None and kind != "country_totals"):
            raise DataError(f"{self.name}: table row {ordinal} comes before a country/program")
        if kind == "country_totals":
            self._close_country(F.country_totals_name(first) or "")
        fields = tuple(values.get(f) or None for f in F.FIELDS)
        program = None if kind == "country_totals" else self.program
        blocks = (self.country_block, self.program_block)
        self.out.append(RawElement(ordinal, *blocks, self.country, program, "", *fields))
        self.kinds.append(kind)

    @staticmethod
    def _kind(values: dict[str, str]) -> str:
        title = values["course_title"]
        if F.is_totals_title(title):
            return "program_totals"
        if F.country_totals_name(title):
            return "country_totals"
        if not any(values.values()):
            return "empty_element"
        if not any(values[f] for f in ("quantity", "total_cost", "start_date", "end_date")):
            return "orphan_fragment"
        return "row"

    def _close_country(self, printed: str) -> None:
        if self.country is None or _same_country(printed, self.country):
            return
        for i in range(self.block_start, len(self.out)):
            el = self.out[i]
            self.out[i] = el._replace(country=printed, notes="country_from_totals_row")
        self.country = printed


def parse(data: bytes, name: str) -> pd.DataFrame:
    """Every 8-cell table row of one 2006-2007 page that is not a program or header row,
    in document order (country and program totals included, classified by ``kind``), as a
    frame with the columns of :func:`imetbook.data.parsers.fmtr_xml.parse`."""
    try:
        doc = lxml.html.document_fromstring(
            data, parser=lxml.html.HTMLParser(encoding="utf-8", remove_comments=True)
        )
    except (etree.ParserError, ValueError) as exc:
        raise DataError(f"{name}: unreadable HTML ({exc})") from None
    page = _Page(name)
    for ordinal, tr in enumerate(doc.iter("tr"), start=1):
        cells = [c for c in tr if c.tag in _CELLS]  # as ./td|./th, without an XPath per row
        if len(cells) == 1 and _heading_name(cells[0]):
            page.heading(cells[0])
        elif len(cells) == len(COLUMNS):
            page.row(ordinal, [_text(c) for c in cells])
        elif len(cells) > 1:
            raise DataError(f"{name}: table row {ordinal} has {len(cells)} cells, expected 8")
    if not page.out:
        raise DataError(f"{name}: no training table found")
    df = frame(page.out)
    kind = np.array(page.kinds, dtype=object)
    extra = totals_notes(df, kind)
    df["notes"] = [";".join(n for n in pair if n) for pair in zip(df["notes"], extra, strict=True)]
    df["kind"] = kind
    return df[list(FRAME_COLUMNS)]
