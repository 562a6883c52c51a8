"""The strategic rivalries list (Thompson, Sakuwa and Suhas 2021, as transcribed by
peacesciencer): an ``.xlsx`` read with the standard library, parsed into one row per rivalry.

Parser quirks, each tested on the real file:

* cells are shared strings or numbers; an empty cell is absent from the sheet XML;
* ``start`` is a year or ``P1494``/``P1816`` ("already under way before"): the year is kept in
  ``start`` and ``start_before`` is set;
* ``end`` is a year or ``ongoing`` (ongoing at the book's writing, 2021): ``end`` is null and
  ``ongoing`` set;
* the rivalry name is ``A-B`` with an optional trailing number (``Greece-Turkey 2``); a side's
  own name may hold a hyphen (``Guinea-Bissau``), so the split is checked against the names the
  list uses elsewhere;
* the end year of rivalry 61 is printed wrongly in the book: peacesciencer's correction (1955) is
  applied and flagged.
"""

from __future__ import annotations

import io
import re
import zipfile
from xml.etree import ElementTree

import pandas as pd

from imetbook.errors import DataError

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
COLUMNS = (
    "rivalry",
    "start",
    "end",
    "positional",
    "spatial",
    "ideological",
    "interventionary",
    "principal",
    "aprin",
    "note",
)
SHARED = "xl/sharedStrings.xml"
_CELL_REF = re.compile(r"^([A-Z]+)(\d+)$")
_START = re.compile(r"^(P?)(\d{4})$")
_NAME = re.compile(r"^(?P<pair>.+?)(?: (?P<number>\d+))?$")


def _column_index(ref: str) -> int:
    letters = _CELL_REF.match(ref)[1]
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def read_xlsx(data: bytes, name: str = "tss_rivalries.xlsx") -> list[dict[str, str]]:
    """The first sheet of an ``.xlsx`` file as rows of text keyed by the header row."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            shared_xml = (
                z.read("xl/sharedStrings.xml") if "xl/sharedStrings.xml" in z.namelist() else None
            )
            sheet_xml = z.read("xl/worksheets/sheet1.xml")
    except (zipfile.BadZipFile, KeyError) as exc:
        raise DataError(f"{name}: not a readable xlsx workbook ({exc})") from None
    shared = []
    if shared_xml is not None:
        for si in ElementTree.fromstring(shared_xml).findall("m:si", NS):
            shared.append("".join(t.text or "" for t in si.iter(f"{{{NS['m']}}}t")))
    table: list[list[str]] = []
    for row in ElementTree.fromstring(sheet_xml).iter(f"{{{NS['m']}}}row"):
        values: dict[int, str] = {}
        for c in row.findall("m:c", NS):
            v = c.find("m:v", NS)
            if v is None or v.text is None:
                continue
            text = shared[int(v.text)] if c.get("t") == "s" else v.text
            values[_column_index(c.get("r"))] = text
        width = max(values) + 1 if values else 0
        table.append([values.get(i, "") for i in range(width)])
    if not table:
        raise DataError(f"{name}: the sheet is empty")
    header = [h.strip() for h in table[0]]
    return [
        {h: (r[i].strip() if i < len(r) else "") for i, h in enumerate(header)} for r in table[1:]
    ]


def _number(text: str) -> str:
    """``'1994'`` and ``'1994.0'`` (numbers stored as floats) as ``'1994'``."""
    return text[:-2] if text.endswith(".0") else text


def _split(pair: str, names: set[str], rivalry: str) -> tuple[str, str]:
    """``A-B`` into its two sides; where a hyphen could split several ways, the split whose
    sides are names used in other rivalries wins."""
    parts = pair.split("-")
    splits = [("-".join(parts[:i]), "-".join(parts[i:])) for i in range(1, len(parts))]
    if len(splits) == 1:
        return splits[0]
    known = [s for s in splits if s[0] in names and s[1] in names]
    if len(known) != 1:
        raise DataError(f"rivalry {rivalry!r}: cannot tell its two sides apart")
    return known[0]


# Corrections peacesciencer's cleaning script applies (README: "the end year of the rivalry
# numbered 61 is printed wrongly in the book and should be 1955").
END_CORRECTIONS: dict[int, int] = {61: 1955}


def parse(rows: list[dict[str, str]]) -> pd.DataFrame:
    """One row per rivalry: ``rivalry_id`` (row number, 1-based), name, sides, years, flags."""
    if not rows or any(c not in rows[0] for c in COLUMNS):
        raise DataError(f"tss_rivalries.xlsx: expected columns {', '.join(COLUMNS)}")
    pairs = []
    for r in rows:
        m = _NAME.match(r["rivalry"])
        if not r["rivalry"] or m is None:
            raise DataError(f"tss_rivalries.xlsx: a row has no rivalry name ({r})")
        pairs.append((r["rivalry"], m["pair"], m["number"]))
    # Names a hyphenated pair could be split into: the sides of pairs with one hyphen.
    simple = {s for _, p, _ in pairs if p.count("-") == 1 for s in p.split("-")}
    out = []
    for i, (r, (name, pair, number)) in enumerate(zip(rows, pairs, strict=True), start=1):
        side_a, side_b = _split(pair, simple, name)
        start = _START.match(_number(r["start"]))
        if start is None:
            raise DataError(f"rivalry {name!r}: start {r['start']!r} is not a year or P+year")
        end_text = _number(r["end"])
        ongoing = end_text.casefold() == "ongoing"
        if not ongoing and not re.fullmatch(r"\d{4}", end_text):
            raise DataError(f"rivalry {name!r}: end {r['end']!r} is not a year or 'ongoing'")
        end = None if ongoing else int(end_text)
        corrected = i in END_CORRECTIONS
        out.append(
            {
                "rivalry_id": i,
                "rivalry": name,
                "side_a": side_a,
                "side_b": side_b,
                "number": int(number) if number else 1,
                "start": int(start[2]),
                "start_before": start[1] == "P",
                "end": END_CORRECTIONS.get(i, end),
                "ongoing": ongoing,
                "end_printed": end_text,
                "end_corrected": corrected,
                **{f: _number(r[f]) == "1" for f in COLUMNS[3:9]},
                "note": r["note"],
            }
        )
    frame = pd.DataFrame(out)
    return frame.astype({"end": "Int64"})
