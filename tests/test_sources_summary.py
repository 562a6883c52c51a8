"""The "Data and sources" summaries (imetbook.analysis.sources) on files cut from data/raw.

tests/fixtures/sources/raw holds two FMTR files of two reports, one budget CSV and one context
CSV, copied unchanged from data/raw with their manifest rows, and the README parts read here.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from imetbook.analysis import sources as src
from imetbook.errors import ChecksumError, DataError

RAW = Path(__file__).parent / "fixtures" / "sources" / "raw"


def timeline_years() -> tuple[int, int]:
    """First and last year of the fixture timeline, read independently of the code under test."""
    with (RAW / "context" / "india_timeline.csv").open(encoding="utf-8", newline="") as fh:
        years = [int(row["date"][:4]) for row in csv.DictReader(fh)]
    return min(years), max(years)


@pytest.fixture(scope="module")
def summaries() -> list[src.SourceSummary]:
    return src.read_raw_sources(RAW)


def test_sources_table_reads_titles_origins_and_licences(summaries) -> None:
    table = src.sources_table(summaries).set_index("source")
    assert list(table.index) == ["budget", "context", "fmtr"]
    fmtr = table.loc["fmtr"]
    assert fmtr["title"].startswith("FMTR course-level training data")
    assert fmtr["origin"] == "security-force-monitor/fmtrpt_data @ 203d73f"
    assert fmtr["licence"] == "MIT (Copyright 2019 Security Force Monitor)"
    assert fmtr["coverage"] == "2 reports, 1999-2000 to 2000-2001"
    assert table.loc["budget", "licence"].startswith("US government works are public domain")
    first, last = timeline_years()
    assert table.loc["context", "coverage"] == f"years {first} to {last}"


def test_rows_and_bytes_come_from_the_manifests_and_files(summaries) -> None:
    table = src.sources_table(summaries).set_index("source")
    manifest = (RAW / "fmtr" / "MANIFEST.csv").read_text().splitlines()[1:]
    assert table.loc["fmtr", "rows"] == sum(int(line.rsplit(",", 1)[1]) for line in manifest)
    csv_rows = (
        len(
            (RAW / "budget" / "crs_pakistan_direct_overt_aid_imet.csv")
            .read_text(encoding="utf-8")
            .splitlines()
        )
        - 1
    )
    assert table.loc["budget", "rows"] == csv_rows
    assert (
        table.loc["budget", "bytes"]
        == (RAW / "budget" / "crs_pakistan_direct_overt_aid_imet.csv").stat().st_size
    )


def test_report_coverage_has_one_row_per_report(summaries) -> None:
    reports = src.report_coverage(summaries)
    assert list(reports["report"]) == ["1999-2000", "2000-2001"]
    assert list(reports["regions"]) == ["South Asia (part 1)", "South Asia"]
    assert list(reports["files"]) == [1, 1]


def test_table_coverage_reads_years_from_the_first_dating_column(summaries) -> None:
    tables = src.table_coverage(summaries).set_index("file")
    budget = tables.loc["crs_pakistan_direct_overt_aid_imet.csv"]
    assert (budget["year column"], budget["rows without a year"]) == ("fiscal_year", 0)
    assert budget["first year"] <= budget["last year"]
    timeline = tables.loc["india_timeline.csv"]
    assert (timeline["year column"], timeline["first year"], timeline["last year"]) == (
        "date",
        *timeline_years(),
    )


def test_checksums_list_every_file_sorted(summaries) -> None:
    sums = src.checksums(summaries)
    assert list(sums["file"]) == [
        "crs_pakistan_direct_overt_aid_imet.csv",
        "india_timeline.csv",
        "fy1999_2000/1999_2000_South_Asia_1_fmtrpt_dedup.xml.gz",
        "fy2000_2001/2000_2001_South_Asia_Region_fmtrpt_dedup.xml.gz",
    ]
    assert sums["sha256"].str.fullmatch(r"[0-9a-f]{64}").all()


def test_only_one_source(summaries) -> None:
    only = src.read_raw_sources(RAW, only="budget")
    assert [s.key for s in only] == ["budget"]
    with pytest.raises(DataError, match="no raw source 'fmtx'; sources are budget, context, fmtr"):
        src.read_raw_sources(RAW, only="fmtx")


def test_a_changed_file_fails_its_checksum(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    changed = raw / "context" / "india_timeline.csv"
    changed.write_bytes(changed.read_bytes().replace(b"1965", b"1966", 1))
    with pytest.raises(ChecksumError, match="india_timeline.csv: sha256 mismatch"):
        src.read_raw_sources(raw)


@pytest.mark.parametrize(
    ("readme", "expected"),
    [
        (
            "# T\n## Licence\n> Copyright 2020 X\n>\n> Permission is hereby granted, free of "
            "charge, to any person\n",
            "MIT (Copyright 2020 X)",
        ),
        ("# T\n## Licence\nAll rights reserved.\n", "not stated"),
        ("# T\nNo licence section.\n", "not stated"),
    ],
    ids=["mit", "unrecognised", "no section"],
)
def test_readme_licence(readme: str, expected: str) -> None:
    assert src.readme_licence(readme) == expected


def test_year_coverage_counts_rows_without_a_year() -> None:
    rows = [{"date": "1998-05"}, {"date": "2001"}, {"date": ""}]
    assert src.year_coverage(rows) == ("date", 1998, 2001, 1)
    assert src.year_coverage([{"claim": "x"}]) == (None, None, None, 1)
