"""The original documents of the seven oldest reports: printed totals, recovered values and
rows, reconciliation, the text cache and bad input. The tables are built from a few real
vendored files (the XML region files and the documents that print the pinned countries)."""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from imetbook import paths
from imetbook.data.parsers import fmtr, fmtr_reports
from imetbook.errors import ChecksumError, DataError

RAW = paths.raw_dir()
XML = (
    "fy1999_2000/1999_2000_Europe_1_fmtrpt_dedup.xml.gz",
    "fy2000_2001/2000_2001_Africa_fmtrpt_dedup.xml.gz",
    "fy2000_2001/2000_2001_Western_Hemisphere_Region_fmtrpt_dedup.xml.gz",
    "fy2003_2004/2003_2004_Africa_fmtrpt_dedup.xml.gz",
)
DOCS = (
    "fy1999_2000/cta_eur_alb2est.html.gz",
    "fy2000_2001/3164.pdf",
    "fy2000_2001/3166.pdf",
    "fy2003_2004/34329.pdf",
)


def _subset(src: Path, dst: Path, files: tuple[str, ...]) -> Path:
    """A copy of a raw source folder holding only ``files`` and their manifest rows."""
    with (src / "MANIFEST.csv").open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        rows = [r for r in reader if r["staged_file"] in files]
        fields = reader.fieldnames
    assert len(rows) == len(files)
    for f in files:
        (dst / f).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src / f, dst / f)
    with (dst / "MANIFEST.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    return dst


@pytest.fixture(scope="module")
def raw(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("raw")
    # The notes that name each file's original document sit beside the FMTR files.
    shutil.copytree(RAW / "fmtr_notes", root / "fmtr_notes")
    return {
        "fmtr": _subset(RAW / "fmtr", root / "fmtr", XML),
        "reports": _subset(RAW / "fmtr_reports", root / "fmtr_reports", DOCS),
        "cache": root / "cache",
    }


@pytest.fixture(scope="module")
def tables(raw: dict[str, Path]) -> dict[str, pd.DataFrame]:
    return fmtr.build_tables(raw["fmtr"], raw["reports"], raw["cache"])


def _imet(frame: pd.DataFrame, report: str, country: str, fy: int) -> pd.DataFrame:
    return frame[
        frame["report"].eq(report)
        & frame["country_name"].eq(country)
        & frame["program"].eq("IMET")
        & frame["program_raw"].str.contains(f"FY ?{str(fy)[2:]}$", regex=True)
    ]


def _group(tables, report: str, country: str, fy: int) -> pd.Series:
    r = _imet(tables["reconciliation"], report, country, fy)
    r = r[r["level"].eq("program")]
    assert len(r) == 1
    return r.iloc[0]


def _flagged(frame: pd.DataFrame, flag: str) -> pd.Series:
    return frame["flags"].str.split(";").map(lambda fs: flag in fs).astype(bool)


@pytest.mark.parametrize(
    ("report", "country", "fy", "flag", "title"),
    [
        # p. 93: the quantity is missing from the extraction, printed in the PDF.
        ("2000-2001", "Haiti", 2000, "students_from_document", "MTT COMERC CTRL,INFRAS DEV"),
        # p. 32: 'MET DIILS SEMINARS' has no quantity in the extraction.
        ("2003-2004", "Sierra Leone", 2003, "students_from_document", "MET DIILS SEMINARS"),
        # the quantity sits in the title: 'COUNTERNARCOTICS 4'.
        ("2000-2001", "Eritrea", 2001, "students_from_title", "COUNTERNARCOTICS"),
        # the HTML cell wraps onto a new line: the row is lost from the extraction.
        ("1999-2000", "Estonia", 2000, "row_from_document", "BASIC PERSONNEL OFFICER"),
    ],
)
def test_pinned_groups_match_the_printed_totals(tables, report, country, fy, flag, title):
    g = _group(tables, report, country, fy)
    assert g["status"] == "match"
    assert g["n_printed_rows"] == 1
    assert g["parsed_students"] == g["printed_students"]
    assert abs(g["parsed_cost"] - g["printed_cost"]) < fmtr.COST_TOLERANCE
    assert g["source_file"].startswith(fmtr_reports.RAW_PREFIX)
    rows = _imet(tables["training"], report, country, fy)
    recovered = rows[_flagged(rows, flag)]
    assert recovered["course_title"].tolist() == [title]
    # Without the recovered value the group would not add up: the recovery is what matches.
    assert rows["students"].sum() - recovered["students"].sum() != g["printed_students"]


def test_recovered_value_is_the_number_printed_on_the_course_line(tables, raw):
    doc = fmtr_reports.read_documents(raw["reports"], raw["cache"])
    text = "\n".join(d.lines["text"].str.cat(sep="\n") for d in doc if d.report == "2000-2001")
    printed = re.search(r"^MTT COMERC CTRL,INFRAS DEV (\d+) \$108,000$", text, re.M)
    rows = _imet(tables["training"], "2000-2001", "Haiti", 2000)
    row = rows[rows["course_title"].eq("MTT COMERC CTRL,INFRAS DEV")].iloc[0]
    assert row["students"] == int(printed.group(1))


def test_printed_totals_come_from_the_documents_with_pages(tables):
    pt = tables["printed_totals"]
    docs = pt[_flagged(pt, "totals_from_document")]
    assert set(docs["report"]) == {"1999-2000", "2000-2001", "2003-2004"}
    assert set(docs["level"]) == {"program", "country"}
    pdf = docs[docs["source_file"].str.endswith(".pdf")]
    assert pdf["page"].notna().all()
    html = docs[docs["source_file"].str.endswith(".html.gz")]
    assert html["page"].isna().all()  # the HTML pages carry no page numbers


def test_every_imet_group_of_the_documents_matches(tables):
    r = tables["reconciliation"]
    imet = r[r["program"].eq("IMET") & r["level"].eq("program")]
    assert len(imet) > 50
    assert imet["status"].eq("match").all(), imet[imet["status"].ne("match")]


def test_heading_key_joins_the_label_forms():
    extraction = (
        "DOS Africa Region, Angola,  International Military Education and Training (IMET),FY03"
    )
    running_head = (
        "Africa Region, Angola, International Military Education and Training (IMET), FY 03"
    )
    assert fmtr_reports.heading_key(extraction) == fmtr_reports.heading_key(running_head)
    assert fmtr_reports.label_key("Benin", "Africa Center for Strategic Studies, FY 00") == (
        fmtr_reports.heading_key("Benin, Africa Center for Strategic Studies, FY 00")
    )


def test_classify_reads_totals_and_three_column_courses():
    lines = [
        [1, "FY 00 Totals: 84 $175,579"],
        [1, "Program Totals: 179 $321,972"],
        [1, " Country Totals: 1133 $1,770,770"],
        [1, "FY 01 Totals: 0"],
        [1, "370 INFO TECHNOLOGY MGT-MS 2 $38,857"],
    ]
    got = fmtr_reports.classify(lines, three_columns=True)
    assert got["kind"].tolist() == [
        "fy_total",
        "program_total",
        "country_total",
        "fy_total",
        "course",
    ]
    assert got.loc[0, "fiscal_year"] == 2000
    assert got.loc[2, "students"] == 1133
    assert pd.isna(got.loc[3, "cost"])
    assert got.loc[4, "title"] == "370 INFO TECHNOLOGY MGT-MS"


def test_pdf_text_is_cached_by_checksum(raw, tmp_path):
    cache = tmp_path / "cache"
    first = fmtr_reports.read_documents(raw["reports"], cache)
    files = sorted(cache.glob("*.json"))
    assert len(files) == 3  # the three PDFs; the HTML page is parsed directly
    files[0].write_text("not json", encoding="utf-8")  # a damaged entry is rebuilt
    second = fmtr_reports.read_documents(raw["reports"], cache)
    for a, b in zip(first, second, strict=True):
        pd.testing.assert_frame_equal(a.lines, b.lines)


def test_changed_document_is_a_checksum_error(raw, tmp_path):
    folder = _subset(raw["reports"], tmp_path / "reports", DOCS[1:2])
    with (folder / DOCS[1]).open("ab") as fh:
        fh.write(b"%")
    with pytest.raises(ChecksumError, match="3164.pdf"):
        fmtr_reports.read_documents(folder, None)


def test_document_that_is_not_a_pdf_is_a_data_error(raw, tmp_path):
    folder = _subset(raw["reports"], tmp_path / "reports", DOCS[1:2])
    (folder / DOCS[1]).write_bytes(b"not a pdf")
    rows = list(csv.DictReader((folder / "MANIFEST.csv").open(encoding="utf-8")))
    import hashlib

    rows[0]["sha256"] = hashlib.sha256(b"not a pdf").hexdigest()
    with (folder / "MANIFEST.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    with pytest.raises(DataError, match="not a readable PDF"):
        fmtr_reports.read_documents(folder, None)


def test_every_country_total_is_reconciled_once(tables):
    pt, r = tables["printed_totals"], tables["reconciliation"]
    country = pt[_flagged(pt, "totals_from_document") & pt["level"].eq("country")]
    assert not _flagged(country, "totals_repeated_in_region").any()
    groups = r[r["level"].eq("country") & r["source_file"].str.startswith(fmtr_reports.RAW_PREFIX)]
    assert len(groups) == len(country.drop_duplicates(["report", "country_name"])) > 10
    haiti = groups[groups["report"].eq("2000-2001") & groups["country_name"].eq("Haiti")]
    assert haiti["status"].tolist() == ["match"]


def test_a_page_printed_in_two_documents_is_counted_once():
    tot = pd.DataFrame(
        {
            "report": ["2001-2002"] * 3,
            "level": ["program", "program", "country"],
            "country_name": ["Zambia"] * 3,
            "program_raw": ["IMET, FY 01", "IMET, FY 01", None],
            "students": [2, 2, 5],
            "cost_usd": [10.0, 10.0, 20.0],
            "source_file": ["a.pdf", "b.pdf", "b.pdf"],
        }
    )
    got = fmtr_reports.mark_repeats(tot)
    assert got["repeat"].tolist() == [False, True, False]


def test_2009_2010_costs_and_quantities_lost_in_merged_columns():
    # Real values of the 2009-2010 extraction (India, Mali, Comoros, Malaysia).
    n = 6
    el = pd.DataFrame(
        {
            "kind": ["row"] * n,
            "report": ["2009-2010"] * 5 + ["2010-2011"],
            "course_title": ["A", "B", "C", "D", "INTL OFF SCH (FOR AC&SC) 1", "E"],
            "course_key": ["A", "B", "C", "D", "X", "E"],
            "students": pd.array([1, 1, 1, 1, None, 1], dtype="Int64"),
            "cost_usd": [float("nan")] * n,
            "student_unit": [
                "AF STN KANPUR 13735",
                "1st CTE, 31",
                None,
                "Safety Inspectorate, Air Force HQ, Kuala Lumpur 1910 5/11/2009 5/21/2009",
                "AEB, HINDON",
                "AF STN KANPUR 13735",
            ],
            "location": ["X", "Y", "NEWPORT, RI Gendarmerie 22301", "Z", "MAXWELL", "X"],
            "start_date": pd.to_datetime([None] * n).astype("datetime64[s]"),
            "end_date": pd.to_datetime([None] * n).astype("datetime64[s]"),
        }
    )
    got = fmtr.recover_merged_columns(el)
    assert got["cost_usd"].iloc[[0, 2, 3]].tolist() == [13735.0, 22301.0, 1910.0]
    assert pd.isna(got.loc[1, "cost_usd"])  # '31' is part of a name, not a cost
    assert pd.isna(got.loc[5, "cost_usd"])  # only the report whose columns were merged
    assert got.loc[0, "student_unit"] == "AF STN KANPUR"
    assert str(got.loc[3, "start_date"].date()) == "2009-05-11"
    assert (got.loc[4, "students"], got.loc[4, "course_title"]) == (1, "INTL OFF SCH (FOR AC&SC)")
    flags = fmtr.joined_flags(got)
    assert flags[0] == "cost_from_unit" and flags[1] == "" and flags[4] == "students_from_title_end"


@pytest.fixture(scope="module")
def split_tables(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    files = (
        "fy2012_2013/2012_2013_Africa_fmtrpt_dedup.xml.gz",
        "fy2013_2014/2013_2014_Africa_fmtrpt_dedup.xml.gz",
    )
    root = tmp_path_factory.mktemp("split")
    shutil.copytree(RAW / "fmtr_notes", root / "fmtr_notes")
    folder = _subset(RAW / "fmtr", root / "fmtr", files)
    return fmtr.build_tables(folder)


@pytest.mark.parametrize("report", ["2012-2013", "2013-2014"])
def test_cote_divoire_split_from_congo_matches_the_printed_totals(split_tables, report):
    t, r = split_tables["training"], split_tables["reconciliation"]
    heading = t[t["report"].eq(report) & _flagged(t, "country_split_by_program_order")]
    assert set(heading["iso3"]) == {"COG", "CIV"}
    for iso3 in ("COG", "CIV"):
        groups = r[r["report"].eq(report) & r["iso3"].eq(iso3) & r["level"].eq("program")]
        assert len(groups) > 0
        assert groups["status"].eq("match").all(), groups
        imet = groups[groups["program"].eq("IMET")]
        rows = heading[heading["iso3"].eq(iso3) & heading["is_imet"]]
        assert rows["students"].sum() == imet["printed_students"].sum()
