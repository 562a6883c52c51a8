"""Data-quality functions for the methods appendix: tiny frames that make each behaviour flip,
and the fixture tables cut from the real FMTR files."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from imetbook.analysis import quality, spellings
from imetbook.chapters import methods, params
from imetbook.chapters import tables as shown
from imetbook.data import countries, datasets, schema
from imetbook.data.manifest import read_manifest
from imetbook.data.parsers import fmtr
from imetbook.data.parsers.fmtr_fields import FLAG_DOCS
from imetbook.errors import DataError, ParameterError

FIXTURE = Path(__file__).parents[1] / "fixtures" / "fmtr"


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
    merged_rows = quality.has_flag(pt, "countries_merged")
    merged = got[got["country_name"].isin(pt.loc[merged_rows, "country_name"])]
    merged = merged[merged["report"].isin(pt.loc[merged_rows, "report"])]
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


# --- the methods appendix -------------------------------------------------------------------


def test_report_year_reads_the_first_year_and_rejects_other_labels():
    assert quality.report_year("2012-2013") == 2012
    with pytest.raises(DataError, match="not a report label: 'FY2012'"):
        quality.report_year("FY2012")


def test_share_text_never_rounds_to_all_or_nothing():
    assert methods.share_text(1.0) == "100%"
    assert methods.share_text(0.0) == "0%"
    assert methods.share_text(0.9996) == "99.9%"
    assert methods.share_text(0.0004) == "0.1%"
    assert methods.share_text(0.96597) == "96.6%"
    assert methods.share_text(0.5) == "50%"
    assert methods.share_text(float("nan")) == ""


def test_and_list_says_none_for_no_items():
    assert methods.and_list([]) == "none"
    assert methods.and_list([], empty="no report") == "no report"
    assert methods.and_list(["a", "b", "c"]) == "a, b and c"


def test_methods_parameter_is_none_or_a_report_of_the_data():
    assert params.validate("methods", {"report": None}) == {"report": None}
    first = sorted(datasets.load("training")["report"].unique())[0]
    assert params.validate("methods", {"report": first}) == {"report": first}
    with pytest.raises(ParameterError, match="parameter 'report'.*closest"):
        params.validate("methods", {"report": "2009-2011"})
    with pytest.raises(ParameterError, match="parameter 'report'.*got int 2009"):
        params.validate("methods", {"report": 2009})
    with pytest.raises(ParameterError, match="unknown parameter 'reports'"):
        params.validate("methods", {"reports": None})


def test_details_escapes_its_summary():
    out = shown.details("a <b> table", "<table></table>")
    assert out.data.startswith("<details><summary><strong>a &lt;b&gt; table</strong>")
    assert "<table></table>" in out.data


def test_data_dictionary_follows_the_contract():
    contract = schema.Contract(
        "tiny",
        "A tiny table.",
        (
            schema.Column("id", "str", "Row id", nullable=False),
            schema.Column("status", "str", "State", allowed=("on", "off")),
        ),
        key=("id",),
    )
    got = quality.data_dictionary(contract)
    assert got["column"].tolist() == ["id (key)", "status"]
    assert got["nulls"].tolist() == ["never", "allowed"]
    assert got["allowed values"].tolist() == ["", "on, off"]
    assert got["meaning"].tolist() == ["Row id", "State"]


def test_families_by_report_groups_the_rest_and_fills_true_zeros():
    t = _training(program=["IMET", "FMF", "IMET"])
    got = quality.families_by_report(t, top=1)
    assert got[["report", "family", "rows"]].values.tolist() == [
        ["2001-2002", "IMET", 1],
        ["2001-2002", quality.OTHER, 1],
        ["2002-2003", "IMET", 1],
        ["2002-2003", quality.OTHER, 0],  # the report lists no other program
    ]
    assert got["first_year"].tolist() == [2001, 2001, 2002, 2002]


def test_with_total_adds_a_summing_row():
    got = quality.with_total(quality.rows_by_report(_training()))
    assert got.index[-1] == "All reports"
    assert got.loc["All reports", "rows"] == 3
    assert got.loc["All reports", "students"] == 7


def _mismatched(**cols) -> pd.DataFrame:
    n = len(next(iter(cols.values())))
    base = {
        "report": ["2009-2010"] * n,
        "region": ["Africa"] * n,
        "source_file": ["f"] * n,
        "level": ["program"] * n,
        "country_name": ["A"] * n,
        "program_raw": ["P"] * n,
        "printed_students": pd.array([5] * n, dtype="Int64"),
        "parsed_students": pd.array([4] * n, dtype="Int64"),
        "diff_students": pd.array([-1] * n, dtype="Int64"),
        "printed_cost": [10.0] * n,
        "parsed_cost": [10.0] * n,
        "diff_cost": [0.0] * n,
        "status": ["mismatch"] * n,
        "totals_flags": [""] * n,
    }
    base.update(cols)
    return pd.DataFrame(base)


def _rows(students: list, costs: list, program: str = "P", country: str = "A") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source_file": "f",
            "country_name": country,
            "program_raw": program,
            "students": pd.array(students, dtype="Int64"),
            "cost_usd": costs,
        }
    )


def test_explain_mismatches_reads_flags_then_missing_values():
    rows = _rows([4, None], [5.0, 5.0])
    got = quality.explain_mismatches(
        _mismatched(totals_flags=["countries_merged", "totals_with_row_data", ""]), rows
    )
    assert got["reason"].tolist() == [
        "countries merged",
        "totals row holds a course",
        "students or cost not printed",
    ]
    # The same group with every student count printed is not explained.
    plain = quality.explain_mismatches(_mismatched(totals_flags=[""]), _rows([4], [10.0]))
    assert plain["reason"].tolist() == ["not explained"]


def test_a_missing_value_explains_only_the_measure_that_differs():
    # Students are missing, but only the cost differs: the missing students explain nothing.
    mism = _mismatched(diff_students=pd.array([0], dtype="Int64"), diff_cost=[-7.0])
    assert quality.explain_mismatches(mism, _rows([None], [3.0]))["reason"].tolist() == [
        "not explained"
    ]
    assert quality.explain_mismatches(mism, _rows([2], [None]))["reason"].tolist() == [
        "students or cost not printed"
    ]


def test_country_totals_follow_program_mismatches_and_order_is_kept():
    mism = _mismatched(
        report=["2006-2007"] * 3,
        level=["country", "program", "country"],
        country_name=["A", "A", "B"],
        program_raw=[None, "P", None],
        status=["mismatch", "mismatch", "no_parsed_rows"],
        diff_students=pd.array([-1, -1, None], dtype="Int64"),
    )
    got = quality.explain_mismatches(mism, _rows([4], [10.0]))
    assert got["country_name"].tolist() == ["A", "A", "B"]
    assert got["level"].tolist() == ["country", "program", "country"]
    assert got["reason"].tolist() == [
        "follows a program mismatch",
        "not explained",
        "no course rows",
    ]
    counts = quality.reasons_by_report(got)
    assert counts.loc["2006-2007", "all unmatched"] == 3
    assert list(counts.columns) == [
        "follows a program mismatch",
        "no course rows",
        "not explained",
        "all unmatched",
    ]


def test_every_real_fixture_mismatch_gets_a_known_reason(tables):
    mism = quality.mismatches(tables["reconciliation"], tables["printed_totals"])
    got = quality.explain_mismatches(mism, tables["training"])
    assert len(got) == len(mism)
    assert set(got["reason"]) <= set(quality.MISMATCH_REASONS)
    merged = got[got["totals_flags"].str.contains("countries_merged")]
    assert merged["reason"].eq("countries merged").all()


def test_program_code_and_mismatch_view():
    assert quality.program_code("IMET-1 - FY 2007 DoS Training") == "IMET-1"
    assert quality.program_code(None) == "country total"
    mism = _mismatched(totals_flags=[""])
    view = quality.mismatch_view(quality.explain_mismatches(mism, _rows([4], [10.0])))
    assert view.columns.tolist()[:3] == ["region", "country", "program"]
    assert view.loc[0, "program"] == "P" and view.loc[0, "reason"] == "not explained"


def test_has_flag_matches_whole_flags_only():
    t = pd.DataFrame({"flags": ["dates_split", "dates_split_more;x", "", "x;dates_split"]})
    t.index = [7, 3, 5, 1]  # a filtered frame: the mask keeps its index
    got = quality.has_flag(t, "dates_split")
    assert got.tolist() == [True, False, False, True] and got.index.tolist() == [7, 3, 5, 1]


def test_flag_summary_lists_every_documented_flag(tables):
    t, pt = tables["training"], tables["printed_totals"]
    got = quality.flag_summary(t, pt).set_index("flag")
    assert set(got.index) == set(FLAG_DOCS)
    blank = got.loc["cost_blank"]
    assert blank["training rows"] == quality.has_flag(t, "cost_blank").sum() > 0
    assert blank["where"] == f"2011-2012: {blank['training rows']:,}"
    row_data = got.loc["totals_with_row_data"]
    assert row_data["training rows"] == 0 and row_data["totals rows"] > 0
    assert "totals" in row_data["where"]
    assert got.loc["region_from_label", "where"] == "none"


def test_known_defects_count_the_rows_of_their_report(tables):
    t = tables["training"]
    got = quality.known_defects(t)
    assert len(got) == len(quality.KNOWN_DEFECTS)
    assert got["report"].is_monotonic_increasing
    early = got[got["report"].eq("1999-2000") & got["defect"].str.contains("dates")].iloc[0]
    assert early["rows affected"] == early["rows in report"] == (t["report"] == "1999-2000").sum()
    merged = got[got["report"].eq("2019-2020")].iloc[0]
    sub = t[t["report"].eq("2019-2020")]
    assert merged["rows affected"] == quality.has_flag(sub, "countries_merged").sum() > 0
    custom = (quality.Defect("2011-2012", "bare $", lambda f: quality.has_flag(f, "cost_blank")),)
    assert quality.known_defects(t, custom)["rows affected"].tolist() == [
        quality.has_flag(t, "cost_blank").sum()
    ]
    missing = (quality.Defect("1990-1991", "no such report", lambda f: f["page"].isna()),)
    with pytest.raises(DataError, match="'1990-1991'"):
        quality.known_defects(t, missing)


def test_merged_headings_from_the_flags(tables):
    t, pt = tables["training"], tables["printed_totals"]
    got = quality.merged_headings(t, pt)
    flagged = t[quality.has_flag(t, "countries_merged")]
    assert got["training rows"].sum() == len(flagged)
    angola = got[got["report"].eq("2019-2020")]
    assert angola["heading as printed"].eq("Angola").all()
    assert set(angola["attributed to"]) <= {"Angola", "Benin"} and len(angola)
    assert got["totals rows"].sum() == quality.has_flag(pt, "countries_merged").sum()


def test_country_spellings_per_canonical_country():
    t = pd.DataFrame(
        {
            "report": ["1999-2000", "2000-2001", "2008-2009", "2008-2009", "2019-2020"],
            "country": ["Korea", "Korea", "Korea, Republic of South", "Nepal", "Angola"],
            "country_name": ["South Korea", "South Korea", "South Korea", "Nepal", "A and B"],
            "iso3": ["KOR", "KOR", "KOR", "NPL", None],
        }
    )
    got = spellings.country_spellings(t)
    assert got["country"].tolist() == ["South Korea", "Nepal"]  # merged headings left out
    korea = got.iloc[0]
    assert korea["spellings"] == 2
    assert korea["printed as (reports)"] == (
        "Korea (1999-2000 to 2000-2001, 2 reports); Korea, Republic of South (2008-2009)"
    )


def test_override_use_counts_the_rows_each_override_resolves():
    t = pd.DataFrame({"country": ["Burma", "Burma", "Nepal", "Indochina"]})
    got = spellings.override_use(t).set_index("normalised name")
    assert set(countries.OVERRIDES) <= set(got.index)
    assert got.loc["burma", "training rows"] == 2
    assert got.loc["burma", "printed in the reports as"] == "Burma"
    assert got.loc["turkey", "training rows"] == 0  # never printed as a recipient
    assert got.loc["indochina", "iso3"] == "" and got.loc["indochina", "training rows"] == 1


def test_last_report_with_a_country():
    t = pd.DataFrame({"report": ["1999-2000", "2002-2003"], "iso3": ["AUS", "AUS"]})
    assert spellings.last_report_with(t, "AUS") == "2002-2003"
    assert spellings.last_report_with(t, "TUR") is None
