"""Parse one FMTR XML file (Security Force Monitor's ``4_xml_dedup`` stage) into raw elements.

Layout: ``<countries><country name><program name><training>`` with one child per field
(see ``data/raw/fmtr/README.md``). Every ``<training>`` element becomes exactly one
:class:`RawElement`, classified by :func:`classify` as a course row, a printed totals row, an
orphan title fragment, a placeholder or an empty element, so that the build can account for
every element the manifest counts. Values stay raw text here; ``fmtr_fields`` cleans them.
"""

from __future__ import annotations

from typing import NamedTuple

from lxml import etree

from imetbook.errors import DataError
from imetbook.sources import fmtr_fields as F

KINDS = (
    "row",
    "program_totals",
    "country_totals",
    "orphan_fragment",
    "placeholder",
    "empty_element",
)
_DATA_FIELDS = ("quantity", "total_cost", "start_date", "end_date")
_ROW_DETAIL = ("start_date", "end_date", "location", "student_unit", "us_unit")


class RawElement(NamedTuple):
    """One raw record (``<training>`` element or HTML table row), values as printed."""

    ordinal: int  # 1-based position of the element in the file (document order)
    country_block: int  # 1-based position of the country element / heading in the file
    program_block: int  # 1-based position of the program element / heading in the file
    country: str | None
    program: str | None
    kind: str
    notes: tuple[str, ...]
    course_title: str | None
    quantity: str | None
    location: str | None
    student_unit: str | None
    us_unit: str | None
    total_cost: str | None
    start_date: str | None
    end_date: str | None
    page_number: str | None


def _blank(value: str | None) -> bool:
    return value is None or not value.strip()


def _has_value(values: dict[str, str | None]) -> bool:
    return any(not _blank(values.get(f)) for f in F.FIELDS if f != "page_number")


def classify(values: dict[str, str | None], is_last: bool, program_has_totals: bool) -> str:
    """Kind of one element from its values and its place in the program.

    * a title 'FY 2008 Program Totals' / 'Fiscal Year 2012 Program Totals' is a totals row;
    * 2007-2008 prints its totals with no title: an untitled element with a quantity or
      cost that is the program's last non-empty element, in a program without a titled
      totals row, is a totals row (untitled course rows elsewhere are never last);
    * an element with no value at all (page aside) is empty;
    * an element with none of quantity, cost and dates is an orphan title fragment (a title
      wrapped onto its own line, e.g. 'PRGM' after 'CNTRTERRORISM FELLOWS ').
    """
    title = values.get("course_title")
    if F.is_placeholder(title):
        return "placeholder"
    if F.is_totals_title(title):
        return "program_totals"
    if not _has_value(values):
        return "empty_element"
    has_data = not all(_blank(values.get(f)) for f in _DATA_FIELDS)
    has_number = not (_blank(values.get("quantity")) and _blank(values.get("total_cost")))
    if _blank(title) and is_last and not program_has_totals and has_number:
        return "program_totals"
    return "row" if has_data else "orphan_fragment"


def totals_notes(values: dict[str, str | None]) -> tuple[str, ...]:
    """Flag a totals row that also carries a course row's dates, place or units."""
    if any(not _blank(values.get(f)) for f in _ROW_DETAIL):
        return ("totals_with_row_data",)
    return ()


def _parse_tree(data: bytes, name: str) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise DataError(f"{name}: malformed XML ({exc})") from None
    if root.tag != "countries":
        raise DataError(f"{name}: root element is <{root.tag}>, expected <countries>")
    return root


def _program_elements(
    program: etree._Element, start: int, country: str | None, blocks: tuple[int, int]
) -> list[RawElement]:
    label = program.get("name")
    trainings = list(program.iterchildren("training"))
    values = [{child.tag: child.text for child in t} for t in trainings]
    placeholder = F.is_placeholder(label)
    has_totals = any(F.is_totals_title(v.get("course_title")) for v in values)
    nonempty = [i for i, v in enumerate(values) if _has_value(v)]
    last = nonempty[-1] if nonempty else -1
    out = []
    for i, v in enumerate(values):
        kind = "placeholder" if placeholder else classify(v, i == last, has_totals)
        notes = totals_notes(v) if kind == "program_totals" else ()
        fields = tuple(v.get(f) for f in F.FIELDS)
        out.append(RawElement(start + i, *blocks, country, label, kind, notes, *fields))
    return out


def parse(data: bytes, name: str) -> list[RawElement]:
    """Every ``<training>`` element of one XML file, in document order.

    ``name`` (the vendored file's path) is used in error messages. Malformed XML raises
    :class:`DataError`.
    """
    root = _parse_tree(data, name)
    out: list[RawElement] = []
    program_block = 0
    for country_block, country in enumerate(root.iterchildren("country"), start=1):
        cname = country.get("name")
        for program in country.iterchildren("program"):
            program_block += 1
            blocks = (country_block, program_block)
            out.extend(_program_elements(program, len(out) + 1, cname, blocks))
    total = sum(1 for _ in root.iter("training"))
    if total != len(out):
        raise DataError(f"{name}: {total - len(out)} <training> element(s) outside a program")
    return out
