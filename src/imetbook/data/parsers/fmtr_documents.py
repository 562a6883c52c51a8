"""Which original State Department document printed each FMTR file: the ``fmtr_documents`` table.

Security Force Monitor's notes for every report year (vendored in ``data/raw/fmtr_notes/notes``)
list the report's documents as bullets: ``* Africa: http://www.state.gov/.../10964.pdf``,
``* [Africa](https://www.state.gov/...)``, ``* Africa Region (1): `https://...` `` (the 1999-2000
HTML parts), ``* All: https://...`` (one document for the whole report) or a bare URL (the
single-document version of a report also published by region). Each vendored FMTR file is mapped
to the document its rows were printed in:

* a report whose notes list one document for all regions (``All``) maps every file to it;
* a report extracted as one all-regions file maps it to the single-document version (2005-2006:
  the notes say that version was the basis of the extraction);
* otherwise the file's region (and, for 1999-2000, its part number, numbered as in the notes)
  picks the regional document; 2000-2001 printed two or three regions per document.

Reports whose notes list no document (2015-2016, 2016-2017; 2017-2018 has no notes) are gaps: the
file is listed with no ``document_url``. For 1999-2000 to 2005-2006 the address is the one the
staged copy of the document was fetched from (``report_documents.csv``, the MANIFEST of the
staged original documents; State's own archive host), which must have the path the notes give.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd

from imetbook.data import manifest
from imetbook.data.manifest import RawFile
from imetbook.errors import DataError

FOLDER = "fmtr_notes"
RAW_PREFIX = "data/raw/fmtr_notes/"
DOCUMENTS_MANIFEST = "report_documents.csv"
NOTES = re.compile(r"^notes/fmtrpt_(\d{4})_(\d{4})\.md$")
_BULLET = re.compile(
    r"^\s*\*\s*(?:\[(?P<label>[^\]]+)\]\((?P<url>https?://[^)\s]+)\)"
    r"|(?:(?P<label2>[^`*]+?):\s+)?`?(?P<url2>https?://[^\s`]+?)`?)\s*$"
)
_PART = re.compile(r"^(?P<base>.*?)\s*\((?:part\s+)?(?P<part>\d+)\)$")
# The 2000-2001 report printed several regions per document (notes, "Sources").
MULTI_REGION = {
    "Africa, Asia and Pacific": ("Africa", "East Asia and Pacific"),
    "Europe, Near East, and Newly Independent States": (
        "Europe",
        "Near East",
        "Newly Independent States",
    ),
    "South Asia, Western Hemisphere": ("South Asia", "Western Hemisphere"),
}
WHOLE = "All"  # label of a document covering every region
SINGLE = "(single document)"  # an unlabeled bullet: the whole report in one file
STATE_HOSTS = ("state.gov",)

COLUMNS = (
    "report",
    "source_file",
    "file_region",
    "document_label",
    "document_url",
    "notes_url",
    "notes_file",
    "notes_line",
)


def is_state_url(url: object) -> bool:
    """True for an http(s) address on a State Department host (``*.state.gov``)."""
    if not isinstance(url, str):
        return False
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return parts.scheme in ("http", "https") and any(
        host == h or host.endswith("." + h) for h in STATE_HOSTS
    )


def _region_key(label: str) -> tuple[str, int | None]:
    """A notes label or manifest region as (region, part): 'Africa Region (2)' -> Africa, 2."""
    part = None
    m = _PART.match(label.strip())
    if m:
        label, part = m["base"], int(m["part"])
    label = re.sub(r"\s+Region$", "", label.strip())
    label = label.replace("Western Hemispheric", "Western Hemisphere")
    return label, part


def parse_notes(raw: RawFile) -> list[dict[str, object]]:
    """The document bullets of one notes file: report, label, URL and line."""
    m = NOTES.match(raw.relpath)
    if not m:
        raise DataError(f"{RAW_PREFIX}{raw.relpath}: not a notes file (notes/fmtrpt_YYYY_YYYY.md)")
    report = f"{m[1]}-{m[2]}"
    out = []
    for n, line in enumerate(raw.data.decode("utf-8").splitlines(), start=1):
        b = _BULLET.match(line)
        if not b:
            continue
        label = (b["label"] or b["label2"] or SINGLE).strip()
        url = b["url"] or b["url2"]
        out.append({"report": report, "label": label, "url": url, "file": raw.relpath, "line": n})
    return out


def _candidates(bullets: list[dict[str, object]], region: str, part: int | None) -> list[dict]:
    hits = []
    for b in bullets:
        label = str(b["label"])
        regions = MULTI_REGION.get(label)
        if regions is not None:
            if region in regions:
                hits.append(b)
            continue
        r, p = _region_key(label)
        if r == region and (p is None or p == part or part is None):
            hits.append(b)
    return hits


def _document(bullets: list[dict[str, object]], file_region: str) -> dict[str, object] | None:
    """The bullet of the document that printed a file of region ``file_region``."""
    whole = [b for b in bullets if b["label"] == WHOLE]
    if whole:
        return whole[0]
    if file_region.startswith("All regions"):
        single = [b for b in bullets if b["label"] == SINGLE]
        return single[0] if single else None
    region, part = _region_key(file_region)
    hits = _candidates(bullets, region, part)
    if len(hits) > 1:
        raise DataError(
            f"{RAW_PREFIX}{hits[0]['file']}: {len(hits)} documents for region {file_region!r}"
        )
    return hits[0] if hits else None


def _path(url: str) -> str:
    return urlsplit(url).path


def _staged_urls(bullets: Iterable[dict[str, object]], staged: RawFile) -> dict[str, str]:
    """Path -> address of every staged original document; each must be one the notes list
    (same path: the staged copies come from State's own archive host, 2009-2017.state.gov)."""
    listed = {_path(str(b["url"])) for b in bullets}
    out = {}
    for row in manifest.read_csv(staged):
        url = row.get("original_url", "")
        if _path(url) not in listed:
            raise DataError(
                f"{RAW_PREFIX}{DOCUMENTS_MANIFEST}: {url!r} ({row.get('report_fy')}) is not "
                "listed in the notes"
            )
        out[_path(url)] = url
    return out


def documents_table(reports_dir: Path, fmtr_files: Iterable[RawFile]) -> pd.DataFrame:
    """One row per vendored FMTR file: the original document it was extracted from."""
    raw = manifest.read_plain(Path(reports_dir))
    notes = [r for name, r in sorted(raw.items()) if name.startswith("notes/")]
    if not notes or DOCUMENTS_MANIFEST not in raw:
        raise DataError(f"{reports_dir}: MANIFEST.csv lacks the notes or {DOCUMENTS_MANIFEST}")
    bullets = [b for r in notes for b in parse_notes(r)]
    staged = _staged_urls(bullets, raw[DOCUMENTS_MANIFEST])
    by_report: dict[str, list[dict[str, object]]] = {}
    for b in bullets:
        by_report.setdefault(str(b["report"]), []).append(b)
    rows = []
    for f in fmtr_files:
        report, region = f.meta["report_fy"], f.meta["region"]
        doc = _document(by_report.get(report, []), region)
        rows.append(
            {
                "report": report,
                "source_file": "data/raw/fmtr/" + f.relpath,
                "file_region": region,
                "document_label": doc["label"] if doc else None,
                "document_url": staged.get(_path(doc["url"]), doc["url"]) if doc else None,
                "notes_url": doc["url"] if doc else None,
                "notes_file": RAW_PREFIX + str(doc["file"]) if doc else None,
                "notes_line": doc["line"] if doc else None,
            }
        )
    df = pd.DataFrame(rows, columns=list(COLUMNS))
    bad = df["document_url"].notna() & ~df["document_url"].map(is_state_url)
    if bad.any():
        row = df[bad].iloc[0]
        raise DataError(f"{row['notes_file']}: {row['document_url']!r} is not a state.gov address")
    for col in COLUMNS:
        df[col] = df[col].astype("Int64" if col == "notes_line" else "str")
    return df
