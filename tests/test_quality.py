"""Data-quality functions for the methods appendix: tiny frames that make each behaviour flip,
and the fixture tables cut from the real FMTR files."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from imetbook.analysis import quality
from imetbook.manifest import read_manifest
from imetbook.sources import fmtr

FIXTURE = Path(__file__).parent / "fixtures" / "fmtr"


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return fmtr.build_tables(FIXTURE)


def _training(**cols) -> pd.DataFrame:
    base = {
        "report": ["2001-2002", "2001-2002", "2002-2003"],
        "program": ["IMET", "FMF", "IMET"],
        "is_imet": [True, False, True],
        "students": pd.array([2, None, 5], dtype="Int64"),
        "cost_usd": [100.0, 50.0, float("nan")],
    }
    base.update(cols)
    return pd.DataFrame(base)


def test_rows_by_report_sums_and_counts_gaps():
    got = quality.rows_by_report(_training())
    assert got.loc["2001-2002"].to_dict() == {
        "rows": 2,
        "imet_rows": 1,
        "students": 2,
        "cost_usd": 150.0,
        "rows_without_students": 1,
        "rows_without_cost": 0,
    }
    assert got.loc["2002-2003", "rows_without_cost"] == 1


def test_rows_by_program_largest_first():
    got = quality.rows_by_program(_training())
    assert got["program"].tolist() == ["IMET", "FMF"]
    assert got.set_index("program").loc["IMET", "students"] == 7
    by_report = quality.rows_by_program(_training(), by_report=True)
    assert by_report[["report", "program"]].values.tolist() == [
        ["2001-2002", "FMF"],
        ["2001-2002", "IMET"],
        ["2002-2003", "IMET"],
    ]


def test_field_coverage_share_per_report(tables):
    t = tables["training"]
    cov = quality.field_coverage(t)
    assert cov.loc["1999-2000", "start_date"] == 0.0  # no dates printed in 1999-2000
    assert cov.loc["2006-2007", "us_unit"] == 0.0  # '-' in every row
    sub = t[t["report"].eq("2011-2012")]
    assert cov.loc["2011-2012", "cost_usd"] == sub["cost_usd"].notna().mean()
    assert list(cov.columns) == list(quality.COVERAGE_FIELDS)


def _recon(statuses: list[tuple[str, str]], level: str = "program") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "report": [r for r, _ in statuses],
            "level": level,
            "status": [s for _, s in statuses],
            "source_file": [f"f{i}" for i in range(len(statuses))],
            "country_name": "X",
            "program_raw": [f"P{i}" for i in range(len(statuses))],
            "diff_students": pd.array([0] * len(statuses), dtype="Int64"),
        }
    )


def test_match_rate_counts_only_groups_with_a_printed_total():
    recon = _recon(
        [
            ("2008-2009", "match"),
            ("2008-2009", "match"),
            ("2009-2010", "mismatch"),
            ("2009-2010", "no_printed_total"),
        ]
    )
    assert quality.match_rate(recon) == pytest.approx(2 / 3)
    summary = quality.reconciliation_summary(recon)
    assert summary.loc[("2008-2009", "program"), "match_rate"] == 1.0
    assert summary.loc[("2009-2010", "program"), "compared"] == 1
    early = quality.reconciliation_summary(_recon([("1999-2000", "no_printed_total")]))
    assert math.isnan(early.loc[("1999-2000", "program"), "match_rate"])
    assert math.isnan(quality.match_rate(_recon([("1999-2000", "no_printed_total")])))


def test_mismatches_lists_every_unmatched_group_with_totals_flags(tables):
    recon, pt = tables["reconciliation"], tables["printed_totals"]
    got = quality.mismatches(recon, pt)
    assert len(got) == recon["status"].isin(["mismatch", "no_parsed_rows"]).sum()
    assert set(got["status"]) <= {"mismatch", "no_parsed_rows"}
    kosovo = got[got["country_name"].eq("Kosovo") & got["level"].eq("program")].iloc[0]
    assert kosovo["totals_flags"] == "totals_with_row_data"
    merged = got[got["country_name"].str.contains("merged in source")]
    assert merged["totals_flags"].str.contains("countries_merged").all()
    assert "totals_flags" not in quality.mismatches(recon).columns


def test_element_counts_explain_the_difference(tables):
    manifest = pd.DataFrame(read_manifest(FIXTURE / "MANIFEST.csv"))
    counts = quality.element_counts(tables["training"], tables["fmtr_excluded"], manifest)
    assert counts["unexplained"].eq(0).all()
    assert counts.loc["2001-2002", "duplicate_region_copy"] > 0
    assert counts.loc["2006-2007", "not_counted"] > 0  # HTML totals and empty rows
    # a training row lost on the way shows up as unexplained
    short = quality.element_counts(tables["training"].iloc[1:], tables["fmtr_excluded"], manifest)
    first = tables["training"]["report"].iloc[0]
    assert short.loc[first, "unexplained"] == 1


def test_flag_counts_per_report_with_meaning():
    t = pd.DataFrame(
        {
            "report": ["a", "a", "b"],
            "flags": ["cost_blank", "cost_blank;title_missing", ""],
        }
    )
    got = quality.flag_counts(t)
    assert got.loc["cost_blank", "a"] == 2 and got.loc["title_missing", "a"] == 1
    assert "b" not in got.columns
    assert got.loc["cost_blank", "meaning"].startswith("cost:")


def test_excluded_by_reason(tables):
    got = quality.excluded_by_reason(tables["fmtr_excluded"])
    assert got.loc["2007-2008", "placeholder"] == 1
    assert got.values.sum() == len(tables["fmtr_excluded"])
