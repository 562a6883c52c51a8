"""The "Data and sources" summaries (imetbook.analysis.sources) on files cut from data/raw.

tests/fixtures/sources/raw holds two FMTR files of two reports, one budget CSV and one context
CSV, copied unchanged from data/raw with their manifest rows, and the README parts read here.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from imetbook import vocab
from imetbook.analysis import sources as src
from imetbook.chapters import sources as cs
from imetbook.errors import ChecksumError, DataError, ParameterError

RAW = Path(__file__).parents[1] / "fixtures" / "sources" / "raw"


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


# --- the funding table's sources and the coverage matrix's countries ------------------------

BUDGET = Path(__file__).parents[1] / "fixtures" / "budget"


@pytest.fixture(scope="module")
def funding():
    from fixture_helpers import no_training

    from imetbook.data.parsers import budget

    return budget.build_funding(BUDGET, no_training())


def test_funding_sources_count_rows_countries_years_and_measures(funding) -> None:
    from imetbook.data import schema

    table = src.funding_sources(funding, schema.MEASURES).set_index("source")
    assert list(table.index) == sorted(funding["source"].unique())
    for key, rows in funding.groupby("source"):
        got = table.loc[key]
        countries = rows[rows["scope"] == "country"]
        assert got["rows"] == len(rows)
        assert got["country rows"] + got["region and world rows"] == len(rows)
        assert got["countries"] == countries["iso3"].nunique()
        first, last = rows["fiscal_year"].min(), rows["fiscal_year"].max()
        assert got["fiscal years"] == vocab.fy_span(first, last)
        assert set(got["measures"].split(", ")) == set(rows["measure"])
        assert got["documents"] == rows["source_title"].nunique()


def test_funding_documents_link_each_title_to_its_address(funding) -> None:
    docs = cs.funding_documents(funding)
    pairs = funding.groupby(["source", "source_title"])["source_url"].nunique()
    assert len(docs) == len(pairs)
    for row in docs.itertuples():
        if row.address.startswith("http"):
            assert f'href="{row.address}"' in row.document
    several = funding.copy()
    several["source_url"] = several["source_url"] + "#" + several.index.astype(str)
    title = several["source_title"].value_counts().index[0]  # a title with several rows
    only = cs.funding_documents(several[several["source_title"] == title].head(2))
    assert "<a " not in only.loc[0, "document"] and only.loc[0, "address"].startswith("2 addresses")


def test_matrix_countries_are_the_region_members_then_the_comparators(funding) -> None:
    from imetbook.data import countries

    members = funding[
        (funding["scope"] == "country") & (funding["region"] == "South and Central Asia")
    ]
    codes = src.matrix_countries(funding, "South and Central Asia")
    expected = members.drop_duplicates("iso3").sort_values("country_name")["iso3"].tolist()
    assert codes[: len(expected)] == expected
    assert codes[len(expected) :] == [countries.to_iso3(n) for n in src.COMPARATORS]
    assert src.matrix_countries(funding, "ignored", ["Nepal", "Burma"]) == ["NPL", "MMR"]
    with pytest.raises(ParameterError, match="region 'Atlantis' has no member countries"):
        src.matrix_countries(funding, "Atlantis")


def test_gaps_table_links_the_document(funding) -> None:
    from imetbook.data.parsers import budget

    gaps = budget.funding_gaps(BUDGET)
    table = cs.gaps_table(gaps)
    assert len(table) == len(gaps)
    assert list(table["fiscal years"]) == list(gaps["fiscal_years"])
    assert all(url in doc for url, doc in zip(gaps["source_url"], table["document"], strict=True))


def test_matrix_parameters_are_validated() -> None:
    ok = cs.PARAMS.validate({"countries": None, "fy_start": 2001})
    assert ok == {"countries": None, "fy_start": 2001}
    from imetbook.data import countries

    canonical = countries.canonical_name("MMR")
    assert cs.PARAMS.validate({"countries": ["myanmar"]})["countries"] == [canonical]
    with pytest.raises(ParameterError, match="parameter 'countries'.*unknown country"):
        cs.PARAMS.validate({"countries": ["Atlantis"]})
    with pytest.raises(ParameterError, match="parameter 'fy_end'.*outside the data's range"):
        cs.PARAMS.validate({"fy_end": 1800})
    with pytest.raises(ParameterError, match="parameter 'region'.*unknown region"):
        cs.PARAMS.validate({"region": "Atlantis"})


def test_the_chapter_module_gives_every_value_the_prose_glues() -> None:
    import ast
    import re

    import nbformat

    from imetbook.chapters import params

    path = Path(__file__).resolve().parents[2] / "chapters" / "sources.ipynb"
    nb = nbformat.read(path, as_version=4)
    prose = "".join(c.source for c in nb.cells if c.cell_type == "markdown")
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    defaults = {
        node.targets[0].id: ast.literal_eval(node.value)
        for node in ast.parse(cell.source).body
        if isinstance(node, ast.Assign)
    }
    chapter = cs.Chapter.load(params.validate("sources", defaults))
    values = chapter.glue_values()
    assert set(re.findall(r"\{glue:text\}`(\w+)`", prose)) == set(values)
    # The span is worded by the vocabulary, and the matrix holds every year of it.
    first, last = defaults["fy_start"], defaults["fy_end"]
    assert values["fy_span"] == vocab.fy_span(first, last)
    assert sorted(set(chapter.matrix["fiscal_year"])) == list(range(first, last + 1))
    assert values["n_matrix_countries"] == vocab.count(chapter.matrix["iso3"].nunique())
