"""The original documents of the seven oldest FMTR reports (1999-2000 HTML, 2000-2001 to
2005-2006 PDF), read for what the extraction in ``data/raw/fmtr`` dropped.

Security Force Monitor's XML of these reports leaves out the documents' "FY nn Totals",
"Program Totals" and "Country Totals" rows, and loses a few values (a quantity left out, a
quantity glued to the title, a 1999-2000 table row whose cell wraps onto a new line in the
HTML source). This module turns every document into a list of *lines* (one per printed text
line of a PDF page, one per table row of the HTML) classified as totals rows, course lines or
other text; :mod:`imetbook.data.parsers.fmtr` pairs them with the parsed course rows.

PDF library: ``pypdfium2`` (PDFium, the engine of Chrome's PDF viewer), pinned in
``requirements.txt``. Compared with ``pdfplumber`` 0.11 on these 30 files: pypdfium2 returns
the text in reading order, one printed row per line, so every one of the 6,849 totals lines
has the same shape (``FY 00 Totals: 84 $175,579``), and it extracts all 30 files in about
2 s of CPU; pdfplumber's ``extract_text`` took 37 s for the first file alone (32 pages) and
interleaves the columns of two-column pages (``FY 00 Totals: 4 $14,422 SIGNAL OFFICER BASIC
1 $3,188``), so totals could not be told from course rows without layout work.

The text of each PDF is cached under ``data/cache/fmtr_reports`` keyed by the file's sha256
(verified against the manifest first) and the extractor version, so a rebuild only re-reads a
document that changed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from lxml import html as lxml_html

from imetbook import atomic
from imetbook.data import manifest
from imetbook.data.manifest import RawFile
from imetbook.errors import DataError

RAW_PREFIX = "data/raw/fmtr_reports/"
# Bump when the text extraction changes, so cached text is not reused.
EXTRACTOR_VERSION = "pdfium-1"

_TOTALS = re.compile(
    r"^\s*(?:(?P<fy>FY ?(?P<yy>\d\d)) Totals|(?P<prog>Program) Totals|(?P<ctry>Country) Totals)"
    r":\s*(?P<students>\d[\d,]*)?\s*(?P<cost>\$[\d,]+)?\s*$"
)
# A course line of the three-column reports (1999-2000, 2000-2001): title, students, cost.
_COURSE3 = re.compile(r"^(?P<title>.*\S)\s+(?P<students>\d+)\s+(?P<cost>\$[\d,]+)\s*$")
# The end of a program heading: '..., FY 00', '...,FY02' (or 'FY' alone, the year on the
# next line).
HEADING_END = re.compile(r"FY ?\d\d\s*$|,\s*FY\s*$")


@dataclass(frozen=True)
class Document:
    """One verified document: report label, vendored path, original URL and its lines."""

    report: str
    source_file: str
    original_url: str
    lines: pd.DataFrame


def _number(text: str | None) -> int | None:
    return None if text is None else int(text.replace("$", "").replace(",", ""))


def _pdf_text(raw: RawFile, cache_dir: Path | None) -> list[list]:
    """``[[page, text], ...]`` per printed line of the PDF (page 1-based, as the extraction's
    ``page_number``)."""
    cached = None
    if cache_dir is not None:
        cached = cache_dir / f"{raw.meta['sha256']}-{EXTRACTOR_VERSION}.json"
        if cached.is_file():
            try:
                return json.loads(cached.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                pass  # a damaged cache entry is rebuilt below
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(raw.data)
    except pdfium.PdfiumError as exc:
        raise DataError(f"{RAW_PREFIX}{raw.relpath}: not a readable PDF ({exc})") from None
    out = []
    try:
        for i in range(len(pdf)):
            text = pdf[i].get_textpage().get_text_range()
            for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
                if line.strip():
                    out.append([i + 1, line])
    finally:
        pdf.close()
    if cached is not None:
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            atomic.write_bytes(cached, json.dumps(out, ensure_ascii=False).encode("utf-8"))
        except OSError:
            pass  # a cache only saves time: a read-only or full disk must not stop the parse
    return out


def _cell_text(cell) -> str:
    return " ".join(cell.text_content().split())


def _html_rows(raw: RawFile) -> list[list]:
    """``[[None, text, bold, cells], ...]`` per table row of the HTML page. The page is parsed
    as HTML, so a cell whose text wraps onto a new line of the source stays one row."""
    try:
        doc = lxml_html.fromstring(raw.data)
    except (ValueError, lxml_html.etree.ParserError) as exc:
        raise DataError(f"{RAW_PREFIX}{raw.relpath}: not readable HTML ({exc})") from None
    out = []
    for tr in doc.iter("tr"):
        cells = [_cell_text(td) for td in tr.findall("td")]
        if not any(cells):
            continue
        bold = bool(tr.findall(".//b"))
        out.append([None, " ".join(c for c in cells if c), bold, cells])
    return out


def classify(lines: list[list], three_columns: bool) -> pd.DataFrame:
    """Lines as a table: ``line`` (0-based), ``page``, ``text``, ``kind`` (``fy_total``,
    ``program_total``, ``country_total``, ``course``, ``heading`` (HTML bold rows) or
    ``text``), totals' ``fiscal_year``, ``students`` and ``cost``, and, for course lines of
    the three-column reports, ``title``."""
    rows = []
    for n, item in enumerate(lines):
        page, text = item[0], item[1]
        bold = item[2] if len(item) > 2 else False
        rec = {"line": n, "page": page, "text": text, "kind": "text", "fiscal_year": None}
        rec.update(title=None, students=None, cost=None)
        m = _TOTALS.match(text)
        if m:
            kind = "fy_total" if m["fy"] else "program_total" if m["prog"] else "country_total"
            rec.update(kind=kind, students=_number(m["students"]), cost=_number(m["cost"]))
            if m["yy"]:
                rec["fiscal_year"] = (
                    2000 + int(m["yy"]) if int(m["yy"]) < 50 else 1900 + int(m["yy"])
                )
        elif bold:
            rec["kind"] = "heading"
        elif three_columns:
            c = _COURSE3.match(text)
            if c:
                rec.update(
                    kind="course",
                    title=c["title"],
                    students=_number(c["students"]),
                    cost=_number(c["cost"]),
                )
        rows.append(rec)
    df = pd.DataFrame(rows)
    for col in ("page", "fiscal_year", "students"):
        df[col] = df[col].astype("Int64")
    df["cost"] = df["cost"].astype("float64")
    return df


def read_documents(reports_dir: Path, cache_dir: Path | None = None) -> list[Document]:
    """Every document of ``fmtr_reports/MANIFEST.csv``, verified and split into lines."""
    docs = []
    for raw in manifest.read_documents(Path(reports_dir)):
        if raw.relpath.endswith(".html.gz"):
            lines, three = _html_rows(raw), True
        elif raw.relpath.endswith(".pdf"):
            lines = _pdf_text(raw, cache_dir)
            three = raw.meta["report_fy"] == "2000-2001"
        else:
            raise DataError(f"{RAW_PREFIX}{raw.relpath}: unknown document type (.pdf, .html.gz)")
        docs.append(
            Document(
                report=raw.meta["report_fy"],
                source_file=RAW_PREFIX + raw.relpath,
                original_url=raw.meta["original_url"],
                lines=classify(lines, three),
            )
        )
    return docs


# --- pairing the documents with the extraction ---------------------------------------------

_AGENCY = re.compile(r"^\s*(DOS|DOD)\s+")
_REGION = re.compile(r"^[^,]*\bREGION\s*,")
_NON_ALNUM = re.compile(r"[^A-Z0-9]")


def heading_key(text: str) -> str:
    """A program heading reduced for matching: upper case, the agency ('DOS'/'DOD') and
    '<X> Region,' prefixes dropped, only letters and digits kept. The extraction's label
    (``'DOS Africa Region, Angola,  International ...,FY03'``, or, in 1999-2001, the country
    and ``'International ... (IMET), FY 00'``) and the document's heading, printed on one or
    two lines or as a running page head, reduce to the same key."""
    t = _AGENCY.sub("", text.upper())
    return _NON_ALNUM.sub("", _REGION.sub("", t))


def label_key(country: str, program_raw: str) -> str:
    own = heading_key(program_raw)
    c = _NON_ALNUM.sub("", country.upper())
    return own if own.startswith(c) else heading_key(f"{country}, {program_raw}")


def label_keys(el: pd.DataFrame, reports: set[str]) -> pd.DataFrame:
    """One row per (report, heading key): the extraction's country and program label with
    their canonical name, family and fiscal year, from the course rows of ``reports``."""
    rows = el[el["kind"].eq("row") & el["report"].isin(reports) & el["program_raw"].notna()]
    cols = ["report", "country", "program_raw", "country_name", "iso3", "program_family"]
    cols += ["is_imet", "fiscal_year", "region"]
    g = rows.groupby(["report", "country", "program_raw"], sort=False)[cols[3:]].first()
    g = g.reset_index()
    g["key"] = [label_key(c, p) for c, p in zip(g["country"], g["program_raw"], strict=True)]
    return g.drop_duplicates(["report", "key"]).reset_index(drop=True)


def _heading_at(texts: list[str], kinds: list[str], i: int, known: set[str]) -> tuple:
    """(key, text) of the heading ending at line ``i`` (one to three lines; the year may sit
    on the next line); key None if no joined form is a known label."""
    last = i + 1 if texts[i].rstrip().endswith("FY") and i + 1 < len(texts) else i
    tried = []
    for first in (i, i - 1, i - 2):
        if first < 0 or any(kinds[j] not in ("text", "heading") for j in range(first, i)):
            break
        text = " ".join(t.strip() for t in texts[first : last + 1])
        tried.append(text)
        if heading_key(text) in known:
            return heading_key(text), text
    return None, tried[-1] if tried else texts[i]


def blocks(doc: Document, known: set[str]) -> pd.DataFrame:
    """``doc.lines`` with the heading each line falls under: ``key`` (null when the heading
    is not a label of the extraction) and ``heading`` (as printed)."""
    lines = doc.lines
    texts, kinds = lines["text"].tolist(), lines["kind"].tolist()
    keys, heads = [None] * len(lines), [None] * len(lines)
    key = head = None
    for i, text in enumerate(texts):
        if kinds[i] in ("text", "heading") and HEADING_END.search(text):
            key, head = _heading_at(texts, kinds, i, known)
        keys[i], heads[i] = key, head
    return lines.assign(report=doc.report, source_file=doc.source_file, key=keys, heading=heads)


def document_lines(docs: list[Document], keys: pd.DataFrame) -> pd.DataFrame:
    """The lines of every document with their heading (:func:`blocks`)."""
    parts = []
    for doc in docs:
        known = set(keys.loc[keys["report"].eq(doc.report), "key"])
        parts.append(blocks(doc, known))
    for part in parts:
        stem = part["source_file"].iloc[0].rsplit("/", 1)[-1].split(".")[0] if len(part) else ""
        part["record_id"] = [f"{stem}#L{n + 1}" for n in part["line"].tolist()]
    return pd.concat(parts, ignore_index=True)


# --- printed totals --------------------------------------------------------------------------


def _unmatched_heading(heading: str) -> tuple[str, str]:
    """(country, program) as printed in a heading the extraction has no label for."""
    text = _REGION.sub("", _AGENCY.sub("", heading or "")).strip(" ,")
    country, _, program = text.partition(",")
    return country.strip(), program.strip() or text


def document_totals(lines: pd.DataFrame, keys: pd.DataFrame) -> pd.DataFrame:
    """Every 'FY nn Totals' row (level program: the extraction's labels carry the fiscal year)
    and 'Country Totals' row of the documents, with the label, country and region of the
    extraction's block it closes. ('Program Totals' rows add up a program's FY rows and are
    not kept.) A heading the extraction has no label for keeps its printed text (country and
    program), the region of the document's previous block and no program family."""
    from imetbook.data import countries

    lines = lines.merge(
        keys.drop(columns=["fiscal_year"]), on=["report", "key"], how="left", validate="m:1"
    )
    # Region of an unmatched block: that of the document's previous matched block.
    by_doc = lines.groupby("source_file", sort=False)["region"]
    lines["region"] = lines["region"].fillna(by_doc.ffill()).fillna(by_doc.bfill())
    tot = lines[lines["kind"].isin(["fy_total", "country_total"])].copy()
    tot["level"] = tot["kind"].map({"fy_total": "program", "country_total": "country"})
    lost = tot["key"].isna()
    for i in tot.index[lost]:
        country, program = _unmatched_heading(tot.at[i, "heading"])
        try:
            name, iso3 = countries.name_and_code(country)
        except Exception:  # noqa: BLE001 - an unknown printed name is kept as printed
            name, iso3 = country, None
        tot.loc[i, ["country", "country_name", "iso3", "program_raw"]] = [
            country,
            name,
            iso3,
            program,
        ]
    country_level = tot["level"].eq("country")
    tot.loc[country_level, ["program_raw", "program_family"]] = None
    first_year = tot["report"].str[:4].astype("int64")
    tot["fiscal_year"] = tot["fiscal_year"].astype("Int64").fillna(first_year).astype("int64")
    tot = tot.rename(columns={"cost": "cost_usd"})
    tot["flag__totals_from_document"] = True
    return tot.reset_index(drop=True)


def mark_repeats(tot: pd.DataFrame) -> pd.DataFrame:
    """A total printed identically in two documents of a report (a page printed at the end of
    one region document and the start of the next) is kept once: the later copies get the
    flag ``totals_repeated_in_region`` and ``repeat`` True."""
    same = ["report", "level", "country_name", "program_raw", "students", "cost_usd"]
    # Missing values as text: a null must not make the whole key null (nulls would all match).
    key = pd.Series("", index=tot.index, dtype=object)
    for col in same:
        key = key + "\x1f" + tot[col].astype(object).map(str)
    first_file = tot.groupby(key, sort=False)["source_file"].transform("first")
    repeat = key.duplicated() & tot["source_file"].ne(first_file)
    return tot.assign(repeat=repeat, flag__totals_repeated_in_region=repeat)


# --- recovering what the extraction lost ----------------------------------------------------

_WSP = re.compile(r"\s+")
_AFTER_TITLE = re.compile(r"^\s+(?P<n>\d+)\b")
_FIRST_COST = re.compile(r"\$(?P<c>\d[\d,]*)")
_TRAILING_N = re.compile(r"^(?P<title>.*\S)\s+(?P<n>\d+)$")
_ONLY_COST = re.compile(r"^\s+\$\d[\d,]*\s*$")
_CUT_TITLE = re.compile(r"^\s+(?P<more>\S.*?)\s+(?P<n>\d+)\s+\$(?P<c>\d[\d,]*)\s*$")


def _dollars(text: str) -> float:
    return float(text.replace(",", ""))


def _squash(text: str) -> str:
    return _WSP.sub(" ", text).strip()


def _rests(block: list[str], title: str) -> list[str]:
    """What follows ``title`` on the block's lines that start with it."""
    t = _squash(title)
    return [line[len(t) :] for line in block if line.startswith(t + " ")]


def _one(values: list) -> object:
    return values[0] if values and all(v == values[0] for v in values) else None


def recover_values(el: pd.DataFrame, lines: pd.DataFrame, keys: pd.DataFrame) -> dict:
    """Values the extraction lost but the course's own document line prints, per row index of
    ``el``: ``{index: (field, value, flag)}``. Rules (each also a flag, so never silent):
    ``students_from_title`` (the title ends in a number and the document line is
    '<title> $<cost>'), ``students_from_document`` (the number right after the title) and
    ``cost_from_document`` (the first $ amount after the title). Only when every line of the
    block that starts with the title gives the same value, and (for students) its $ amount,
    if any, equals the row's cost."""
    reports = set(lines["report"])
    rows = el[el["kind"].eq("row") & el["report"].isin(reports)]
    rows = rows[rows["students"].isna() | rows["cost_usd"].isna()]
    rows = rows[rows["course_title"].notna()]
    kmap = keys.set_index(["report", "country", "program_raw"])["key"]
    wanted = {
        (r, kmap.get((r, c, p)))
        for r, c, p in zip(rows["report"], rows["country"], rows["program_raw"], strict=True)
    }
    texts = lines[lines["key"].notna() & lines["kind"].isin(["text", "course"])]
    texts = texts[[(r, k) in wanted for r, k in zip(texts["report"], texts["key"], strict=True)]]
    by_block = {
        k: [_squash(t) for t in g] for k, g in texts.groupby(["report", "key"], sort=False)["text"]
    }
    found: dict = {}
    for i, r in rows.iterrows():
        key = kmap.get((r["report"], r["country"], r["program_raw"]))
        block = by_block.get((r["report"], key), [])
        rests = _rests(block, r["course_title"])
        changes = []
        if pd.isna(r["students"]):
            m = _TRAILING_N.match(_squash(r["course_title"]))
            if m and rests and all(_ONLY_COST.match(x) for x in rests):
                changes.append(("students", int(m["n"]), "students_from_title"))
                changes.append(("course_title", m["title"], "students_from_title"))
            else:
                ok = []
                for rest in rests:
                    c = _FIRST_COST.search(rest)
                    if c and pd.notna(r["cost_usd"]) and _dollars(c["c"]) != r["cost_usd"]:
                        continue  # another course of the same title
                    n = _AFTER_TITLE.match(rest)
                    if n:
                        ok.append((int(n["n"]), None))
                        continue
                    # The extraction cut the title ('AEROSPACE' for 'AEROSPACE MEDICINE 1
                    # $840'): the three-column line must then carry the row's own cost.
                    cut = _CUT_TITLE.match(rest)
                    same = cut and _dollars(cut["c"]) == r["cost_usd"]
                    ok.append((int(cut["n"]), cut["more"]) if same else None)
                value = _one(ok)
                if value is not None:
                    changes.append(("students", value[0], "students_from_document"))
                    if value[1]:
                        full = f"{_squash(r['course_title'])} {value[1]}"
                        changes.append(("course_title", full, "students_from_document"))
        if pd.isna(r["cost_usd"]) and rests:
            costs = [_FIRST_COST.search(x) for x in rests]
            value = _one([_dollars(c["c"]) if c else None for c in costs])
            if value is not None:
                changes.append(("cost_usd", value, "cost_from_document"))
        if changes:
            found[i] = changes
    return found


def lost_rows(el: pd.DataFrame, lines: pd.DataFrame, keys: pd.DataFrame) -> pd.DataFrame:
    """Course lines of the three-column documents (1999-2000, 2000-2001) that no course row
    of the extraction accounts for: per block printed in one document, the document's
    (title, students, cost) lines minus the extraction's rows, keeping only lines whose
    (students, cost) no left-over extraction row has (a row whose title was cut or merged
    is not a lost row). Columns: the line's report, key, record_id, page, source_file,
    title, students, cost."""
    course = lines[lines["kind"].eq("course") & lines["key"].notna()]
    one_doc = course.groupby(["report", "key"])["source_file"].transform("nunique").eq(1)
    course = course[one_doc]
    kmap = keys.set_index(["report", "country", "program_raw"])["key"]
    rows = el[el["kind"].eq("row") & el["report"].isin(set(course["report"]))]
    idx = pd.MultiIndex.from_arrays([rows["report"], rows["country"], rows["program_raw"]])
    rows = rows.assign(key=kmap.reindex(idx).to_numpy())

    def sig(title, n, c) -> tuple:
        return (_NON_ALNUM.sub("", str(title).upper()), None if pd.isna(n) else int(n), c)

    titles = rows["course_title"].astype(str).str.upper().str.replace(_NON_ALNUM, "", regex=True)
    students = rows["students"].astype(object).where(rows["students"].notna(), None)
    have: dict = {}
    for report, key, t, n, c in zip(
        rows["report"], rows["key"], titles, students, rows["cost_usd"], strict=True
    ):
        have.setdefault((report, key), []).append((t, None if n is None else int(n), c))
    blocks: dict = {}
    cols = ["report", "key", "record_id", "page", "source_file", "title", "students", "cost"]
    for rec in zip(*(course[c].tolist() for c in cols), strict=True):
        blocks.setdefault((rec[0], rec[1]), []).append(rec)
    out = []
    for (report, key), recs in blocks.items():
        left = list(have.get((report, key), []))
        extra = []
        for rec in recs:
            s = sig(rec[5], rec[6], rec[7])
            if s in left:
                left.remove(s)
            else:
                extra.append((rec, s))
        numbers = {(n, c) for _t, n, c in left}
        for rec, (_t, n, c) in extra:
            if (n, c) not in numbers:
                out.append(dict(zip(cols, rec, strict=True)) | {"title": _squash(rec[5])})
    cols = ["report", "key", "record_id", "page", "source_file", "title", "students", "cost"]
    return pd.DataFrame(out, columns=cols)
