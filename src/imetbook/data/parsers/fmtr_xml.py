"""Parse one FMTR XML file (Security Force Monitor's ``4_xml_dedup`` stage) into raw elements.

Layout: ``<countries><country name><program name><training>`` with one child per field
(see ``data/raw/fmtr/README.md``). Every ``<training>`` element becomes exactly one row of
the returned frame, classified by :func:`classify` as a course row, a printed totals row, an
orphan title fragment, a placeholder or an empty element, so that the build can account for
every element the manifest counts. Values stay raw text here; ``fmtr_fields`` cleans them.

Speed: the tree is walked once in Python collecting plain lists (about 250,000 elements for
the whole corpus); everything else (classification, cleaning) is done per column or per
distinct value, never per element.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
from lxml import etree

from imetbook.data.parsers import fmtr_fields as F
from imetbook.errors import DataError

KINDS = (
    "row",
    "program_totals",
    "country_totals",
    "orphan_fragment",
    "placeholder",
    "empty_element",
)
CONTEXT = ("ordinal", "country_block", "program_block", "country", "program", "notes")
COLUMNS = (*CONTEXT, *F.FIELDS, "kind")
_DATA_FIELDS = ("quantity", "total_cost", "start_date", "end_date")
_ROW_DETAIL = ("start_date", "end_date", "location", "student_unit", "us_unit")


class RawElement(NamedTuple):
    """One raw record (``<training>`` element or HTML table row), values as printed."""

    ordinal: int  # 1-based position of the element in the file (document order)
    country_block: int  # 1-based position of the country element / heading in the file
    program_block: int  # 1-based position of the program element / heading in the file
    country: str | None
    program: str | None
    notes: str  # parser notes (flags), ';'-separated
    course_title: str | None
    quantity: str | None
    location: str | None
    student_unit: str | None
    us_unit: str | None
    total_cost: str | None
    start_date: str | None
    end_date: str | None
    page_number: str | None


def blank(values: pd.Series) -> np.ndarray:
    """True where a raw value is absent, empty or only whitespace."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    is_blank = np.array([not str(u).strip() for u in uniques] + [True], dtype=bool)
    return is_blank[codes]


def per_value(values: pd.Series, func) -> np.ndarray:
    """``func`` applied once per distinct value (``None`` for missing), spread to every row."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    out = np.empty(len(uniques) + 1, dtype=object)
    out[:] = [func(u) for u in uniques] + [func(None)]
    return out[codes]


def blanks(df: pd.DataFrame) -> dict[str, np.ndarray]:
    """:func:`blank` of every raw field, computed once for :func:`classify` and
    :func:`totals_notes`."""
    return {f: blank(df[f]) for f in F.FIELDS}


def classify(df: pd.DataFrame, empty: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """Kind of each element of one file, from its values and its place in its program.

    * a program labelled 'No activities reported for Niue in 2007-2008' is a placeholder;
    * a title 'FY 2008 Program Totals' / 'Fiscal Year 2012 Program Totals' is a totals row;
    * an element with no value at all (page aside) is empty;
    * 2007-2008 prints its totals with no title: an untitled element with a quantity or
      cost that is the last non-empty element of a program without a titled totals row is a
      totals row (untitled course rows elsewhere are never last);
    * an element with none of quantity, cost and dates is an orphan title fragment (a title
      wrapped onto its own line, e.g. 'PRGM' after 'CNTRTERRORISM FELLOWS ').
    """
    empty = blanks(df) if empty is None else empty
    has_value = ~np.logical_and.reduce([empty[f] for f in F.FIELDS if f != "page_number"])
    has_data = ~np.logical_and.reduce([empty[f] for f in _DATA_FIELDS])
    has_number = ~(empty["quantity"] & empty["total_cost"])
    placeholder = per_value(df["program"], F.is_placeholder).astype(bool)
    titled = per_value(df["course_title"], F.is_totals_title).astype(bool)
    block = df["program_block"].to_numpy()
    block_has_totals = pd.Series(titled).groupby(block).transform("any").to_numpy()
    pos = np.arange(len(df))
    last = pd.Series(np.where(has_value, pos, -1)).groupby(block).transform("max").to_numpy()
    untitled = empty["course_title"] & (pos == last) & ~block_has_totals & has_number
    return np.select(
        [placeholder, titled, ~has_value, untitled, ~has_data],
        ["placeholder", "program_totals", "empty_element", "program_totals", "orphan_fragment"],
        default="row",
    )


def totals_notes(
    df: pd.DataFrame, kind: np.ndarray, empty: dict[str, np.ndarray] | None = None
) -> np.ndarray:
    """'totals_with_row_data' on totals rows that also carry a course row's dates, place or
    units (a course row merged into the totals row upstream)."""
    empty = blanks(df) if empty is None else empty
    detail = ~np.logical_and.reduce([empty[f] for f in _ROW_DETAIL])
    return np.where((kind == "program_totals") & detail, "totals_with_row_data", "")


def _parse_tree(data: bytes, name: str) -> etree._Element:
    # Blank text between elements is layout; dropping it (and ID collection) parses faster.
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=True,
        remove_blank_text=True,
        collect_ids=False,
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise DataError(f"{name}: malformed XML ({exc})") from None
    if root.tag != "countries":
        raise DataError(f"{name}: root element is <{root.tag}>, expected <countries>")
    return root


_FIELD_INDEX = {f: i for i, f in enumerate(F.FIELDS)}


class _Walk:
    """What :func:`_walk` collects from several files: each field's value as a code into
    that field's distinct values (-1: absent), and the country and program of each program
    element with its number of ``<training>`` elements (expanded to rows later)."""

    def __init__(self) -> None:
        self.codes: list[list[int]] = []
        self.values: list[dict[str, int]] = [{} for _ in F.FIELDS]
        self.programs: list[tuple[int, int, str | None, str | None, int]] = []

    def columns(self) -> dict[str, pd.Categorical]:
        """Each field as a categorical. Coding the values while walking costs less than
        factorising the columns afterwards, and every later step (blanks, classification,
        cleaning) then works on the codes instead of hashing the same strings again."""
        codes = np.array(self.codes, dtype=np.int64).reshape(-1, len(F.FIELDS))
        return {
            f: pd.Categorical.from_codes(codes[:, i], pd.Index(list(self.values[i]), dtype=object))
            for i, f in enumerate(F.FIELDS)
        }


def _walk(root: etree._Element, into: _Walk) -> int:
    """Walk one file's ``<country><program><training>`` elements into ``into``; the number
    of ``<training>`` elements read. A field printed twice keeps its last value."""
    rows, values, index = into.codes, into.values, _FIELD_INDEX
    before = len(rows)
    program_block = 0
    for country_block, country in enumerate(root.iterchildren("country"), start=1):
        cname = country.get("name")
        for program in country.iterchildren("program"):
            program_block += 1
            start = len(rows)
            for training in program.iterchildren("training"):
                codes = [-1] * len(index)
                for child in training:
                    i = index.get(child.tag)
                    if i is not None:
                        text = child.text
                        seen = values[i]
                        codes[i] = -1 if text is None else seen.setdefault(text, len(seen))
                rows.append(codes)
            here = (country_block, program_block, cname, program.get("name"), len(rows) - start)
            into.programs.append(here)
    return len(rows) - before


def _frame(into: _Walk, sizes: list[int]) -> pd.DataFrame:
    """The walked elements as a frame: the context columns and one categorical column per
    field; ``program_block`` is made unique across files (``file`` * 1,000,000 + block)."""
    n = np.array([p[4] for p in into.programs], dtype=np.int64)

    def context(i: int, dtype: type) -> np.ndarray:
        return np.repeat(np.array([p[i] for p in into.programs], dtype=dtype), n)

    file = np.repeat(np.arange(len(sizes)), sizes)
    df = pd.DataFrame(
        {
            "country_block": context(0, np.int64),
            "program_block": file * 1_000_000 + context(1, np.int64),
            "country": context(2, object),
            "program": context(3, object),
        }
    )
    df = df.assign(**into.columns(), file=file)
    df["ordinal"] = np.concatenate([np.arange(1, k + 1) for k in sizes] or [[]]).astype(int)
    return df


def parse_many(files: list[tuple[bytes, str]]) -> pd.DataFrame:
    """Every ``<training>`` element of several XML files, in file and document order, with a
    ``file`` column (position in ``files``) and the columns :data:`COLUMNS` (the fields as
    categoricals). Classification runs once for all files (per-file pandas work would
    dominate the parse time)."""
    into = _Walk()
    sizes = []
    for data, name in files:
        root = _parse_tree(data, name)
        sizes.append(_walk(root, into))
        total = int(root.xpath("count(//training)"))
        if total != sizes[-1]:
            raise DataError(
                f"{name}: {total - sizes[-1]} <training> element(s) outside a country program"
            )
    df = _frame(into, sizes)
    empty = blanks(df)
    kind = classify(df, empty)
    df["notes"] = totals_notes(df, kind, empty)
    df["kind"] = kind
    df["program_block"] = df["program_block"] % 1_000_000
    return df[["file", *COLUMNS]]


def parse(data: bytes, name: str) -> pd.DataFrame:
    """Every ``<training>`` element of one XML file, in document order (columns
    :data:`COLUMNS`). ``name`` (the vendored file's path) is used in error messages;
    malformed XML raises :class:`DataError`."""
    return parse_many([(data, name)]).drop(columns="file")


def frame(elements: list[RawElement]) -> pd.DataFrame:
    """Raw elements built one by one (the HTML parser) as a frame with the context and field
    columns of :func:`parse` (the caller adds ``kind``)."""
    return pd.DataFrame.from_records(elements, columns=RawElement._fields).astype(
        {f: object for f in F.FIELDS}
    )
