"""Row-level provenance: each training row's original State Department document, read from the
extraction's notes (data/raw/fmtr_notes) and checked against the staged documents' manifest."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from imetbook import paths
from imetbook.data import datasets, manifest
from imetbook.data.parsers import fmtr_documents as docs
from imetbook.errors import DataError

REPORTS = paths.raw_dir() / docs.FOLDER


@pytest.fixture(scope="module")
def training():
    return datasets.load("training", columns=["report", "source_file", "document_url", "page"])


@pytest.fixture(scope="module")
def documents():
    return datasets.load("fmtr_documents")


def reports_without_documents() -> set[str]:
    """Report years whose notes list no document (from the notes, not typed here)."""
    raw = manifest.read_plain(REPORTS)
    listed = {
        b["report"]
        for name, r in raw.items()
        if name.startswith("notes/")
        for b in docs.parse_notes(r)
    }
    fmtr = {
        row["report_fy"]
        for row in manifest.read_manifest(paths.raw_dir() / "fmtr" / "MANIFEST.csv")
    }
    return fmtr - listed


def test_every_training_row_has_a_state_department_document_or_a_declared_gap(training):
    gaps = reports_without_documents()
    has = training["document_url"].notna()
    assert training.loc[has, "document_url"].map(docs.is_state_url).all()
    assert set(training.loc[~has, "report"]) == gaps
    # the gap is the notes' silence, nothing else: every other report is fully covered
    assert has[~training["report"].isin(gaps)].all()


def test_rows_take_the_document_of_their_file(training, documents):
    listed = training["source_file"].isin(documents["source_file"])
    merged = training[listed].merge(documents, on="source_file", suffixes=("", "_file"))
    assert len(merged) == listed.sum()
    same = merged["document_url"].fillna("") == merged["document_url_file"].fillna("")
    assert same.all()
    # The other rows were recovered from an original document, and name it.
    recovered = training[~listed]
    assert recovered["source_file"].str.startswith("data/raw/fmtr_reports/").all()
    assert recovered["document_url"].str.contains(r"^https?://[^/]*state\.gov/").all()


def test_notes_bullet_forms_are_read(documents):
    by = documents.set_index(["report", "file_region"])
    # 1999-2000: backquoted URLs, numbered parts of a region
    assert by.loc[("1999-2000", "Africa (part 2)"), "document_label"] == "Africa Region (2)"
    # 2000-2001: one document for two regions
    sa = by.loc[("2000-2001", "South Asia"), "document_url"]
    assert sa == by.loc[("2000-2001", "Western Hemisphere"), "document_url"]
    assert sa != by.loc[("2000-2001", "Africa"), "document_url"]
    # 2005-2006: one all-regions file, the single-document version (unlabeled bullet)
    single = documents[documents["report"] == "2005-2006"]
    assert (single["document_label"] == docs.SINGLE).all()
    # 2018-2019: one document for all regions
    assert set(documents.loc[documents["report"] == "2018-2019", "document_label"]) == {docs.WHOLE}
    # 2020-2021: Markdown links; "Western Hemispheric Region" is the Western Hemisphere
    assert by.loc[("2020-2021", "Western Hemisphere"), "document_label"] == (
        "Western Hemispheric Region"
    )


def test_staged_documents_use_their_fetched_address(documents):
    staged = manifest.read_csv(manifest.read_plain(REPORTS)[docs.DOCUMENTS_MANIFEST])
    urls = {row["original_url"] for row in staged}
    old = documents[documents["report"].isin({row["report_fy"] for row in staged})]
    assert old["document_url"].isin(urls).all()


def test_notes_line_points_at_the_url(documents):
    for row in documents.dropna(subset=["notes_file"]).itertuples():
        line = (paths.project_root() / row.notes_file).read_text().splitlines()[row.notes_line - 1]
        assert row.notes_url in line


def _copy(tmp_path: Path) -> Path:
    return Path(shutil.copytree(REPORTS, tmp_path / docs.FOLDER))


def _edit(folder: Path, name: str, old: str, new: str) -> None:
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")
    man = folder / "MANIFEST.csv"
    rows = man.read_text(encoding="utf-8").splitlines()
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    fixed = [
        ",".join([name, digest, str(path.stat().st_size), *r.split(",")[3:]])
        if r.startswith(name + ",")
        else r
        for r in rows
    ]
    man.write_text("\n".join(fixed) + "\n", encoding="utf-8")


def test_a_non_state_address_is_refused(tmp_path):
    folder = _copy(tmp_path)
    _edit(
        folder,
        "notes/fmtrpt_2012_2013.md",
        "https://www.state.gov/documents/organization/213468.pdf",
        "https://example.org/213468.pdf",
    )
    files = manifest.read_fmtr(paths.raw_dir() / "fmtr")
    with pytest.raises(
        DataError,
        match=r"fmtrpt_2012_2013\.md: 'https://example\.org/213468\.pdf' is not a state\.gov",
    ):
        docs.documents_table(folder, files)


def test_a_staged_document_missing_from_the_notes_is_refused(tmp_path):
    folder = _copy(tmp_path)
    _edit(folder, "notes/fmtrpt_2001_2002.md", "organization/10969.pdf", "organization/99999.pdf")
    files = manifest.read_fmtr(paths.raw_dir() / "fmtr")
    with pytest.raises(
        DataError, match=r"report_documents\.csv: .*10969\.pdf.*not listed in the notes"
    ):
        docs.documents_table(folder, files)


def test_is_state_url():
    assert docs.is_state_url("https://www.state.gov/x.pdf")
    assert docs.is_state_url("http://2009-2017.state.gov/x.htm")
    assert not docs.is_state_url("https://state.gov.evil.example/x")
    assert not docs.is_state_url("javascript:alert(1)//state.gov")
    assert not docs.is_state_url(None)


def test_country_page_course_table_links_the_original_document():
    from fixture_helpers import course_rows

    from imetbook.analysis import country_pages as cp

    rows = course_rows(
        course_title=["ENGLISH LANGUAGE", "ENGLISH LANGUAGE", "MYSTERY COURSE"],
        fiscal_year=[2010, 2016, 2010],
        report=["2010-2011", "2016-2017", "2010-2011"],
        document_url=["https://www.state.gov/documents/organization/171513.pdf", None, None],
    )
    rows["document_url"] = rows["document_url"].astype("str")
    top = cp.top_courses(rows).set_index("course")
    # the latest English record (2016-2017) has no document: its extracted file is linked
    assert top.loc["ENGLISH LANGUAGE", "source_url"] == "https://example.org/1"
    rows.loc[1, "document_url"] = "https://www.state.gov/x.pdf"
    top = cp.top_courses(rows).set_index("course")
    assert top.loc["ENGLISH LANGUAGE", "source_url"] == "https://www.state.gov/x.pdf"
