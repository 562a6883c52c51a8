"""Budget analysis on tiny hand-built funding frames: each test makes one behaviour flip."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from fixture_helpers import funding_frame as frame

from imetbook.analysis import budget, budget_tables
from imetbook.analysis import claim_words as words
from imetbook.chapters import budget as chapter
from imetbook.data import schema
from imetbook.errors import DataError, ParameterError
from imetbook.vocab import fy_runs, measure_label

REGION = "South and Central Asia"
OTHER = "Near East"
ISO = {"India": "IND", "Pakistan": "PAK", "Nepal": "NPL", "Jordan": "JOR", "Turkey": "TUR"}


def row(name, fy, measure, amount, *, scope="country", region=REGION, total=None, source="src-a"):
    return {
        "country_name": name,
        "iso3": ISO.get(name) if scope == "country" else None,
        "scope": scope,
        "is_total": scope != "country" if total is None else total,
        "region": region,
        "fiscal_year": fy,
        "measure": measure,
        "amount_usd": float(amount),
        "students": None,
        "source": source,
        "source_title": f"Title of {source}",
        "source_url": f"https://example.org/{source}",
        "locator": f"{source} line for {name} {fy}",
        "note": None,
        "source_grade": "primary",
        "source_copy_at": None,
    }


# --- one figure per key, sources kept ------------------------------------------------------


def test_consolidate_counts_a_figure_repeated_by_two_sources_once_and_keeps_both():
    df = frame(
        row("Pakistan", 2010, "appropriation", 5, source="crs-2013"),
        row("Pakistan", 2010, "appropriation", 5, source="crs-2014"),
    )
    out = budget.consolidate(df)
    assert len(out) == 1
    rec = out.iloc[0]
    assert rec["amount_usd"] == 5 and rec["n_sources"] == 2 and not rec["conflict"]
    assert rec["source"] == "crs-2013 | crs-2014"
    assert "crs-2013" in rec["locator"] and "crs-2014" in rec["locator"]


def test_consolidate_flags_disagreeing_sources_and_picks_neither():
    df = frame(
        row("India", 2003, "fmtr_actual_dollars", 7, source="a"),
        row("India", 2003, "fmtr_actual_dollars", 9, source="b"),
    )
    rec = budget.consolidate(df).iloc[0]
    assert rec["conflict"]
    assert math.isnan(rec["amount_usd"])
    assert rec["amounts_seen"] == "$7 vs $9"


# --- regions -------------------------------------------------------------------------------


def region_frame() -> pd.DataFrame:
    return frame(
        row(REGION, 2016, "request", 100, scope="region"),
        row("India", 2016, "request", 30),
        row("Pakistan", 2016, "request", 70),
        row("India", 2016, "obligation", 25),
        row("Pakistan", 2016, "obligation", 60),
        row("Nepal", 2017, "obligation", 4),
        row("Jordan", 2016, "request", 500, region=OTHER),
        row("World", 2016, "request", 10_000, scope="world", region=None),
        row("Asia (not specified)", 2016, "request", 900, scope="region", total=False),
        row("SCA Regional", 2016, "request", 5, scope="region", region=REGION, total=False),
    )


def test_members_come_from_the_region_column():
    df = region_frame()
    assert budget.region_members(df, REGION) == ["India", "Nepal", "Pakistan"]
    assert budget.region_members(df, OTHER) == ["Jordan"]


def test_unknown_region_is_one_parameter_error_listing_the_regions():
    with pytest.raises(ParameterError, match="Atlantis.*South and Central Asia"):
        budget.region_members(region_frame(), "Atlantis")


def test_region_total_shows_region_row_and_country_sum_side_by_side_never_added():
    out = budget.regional_totals(region_frame(), REGION, measures=["request"])
    assert len(out) == 1
    rec = out.iloc[0]
    assert rec["region_row_usd"] == 100  # the region row alone
    assert rec["country_sum_usd"] == 100  # India + Pakistan only, not the region row too
    assert rec["countries_reported"] == 2 and rec["members"] == 3
    assert rec["difference_usd"] == 0
    assert rec["region_row_source"] == "Title of src-a"


def test_a_regional_programme_line_is_neither_the_region_row_nor_a_member():
    df = frame(
        row(REGION, 2016, "request", 7, scope="region", total=False),
        row("India", 2016, "request", 30),
    )
    rec = budget.regional_totals(df, REGION).iloc[0]
    assert pd.isna(rec["region_row_usd"])
    assert rec["country_sum_usd"] == 30


def test_region_total_never_adds_measures_together():
    out = budget.regional_totals(region_frame(), REGION).set_index(["measure", "fiscal_year"])
    assert out.loc[("obligation", 2016), "country_sum_usd"] == 85
    assert out.loc[("request", 2016), "country_sum_usd"] == 100
    assert math.isnan(out.loc[("obligation", 2016), "region_row_usd"])
    assert out.loc[("obligation", 2017), "countries_reported"] == 1


def test_region_total_counts_a_member_figure_from_two_sources_once():
    df = pd.concat([region_frame(), frame(row("India", 2016, "request", 30, source="news"))])
    rec = budget.regional_totals(df, REGION, measures=["request"]).iloc[0]
    assert rec["country_sum_usd"] == 100


def test_region_total_leaves_out_and_names_a_member_whose_sources_disagree():
    df = pd.concat([region_frame(), frame(row("India", 2016, "request", 31, source="news"))])
    rec = budget.regional_totals(df, REGION, measures=["request"]).iloc[0]
    assert rec["country_sum_usd"] == 70
    assert rec["countries_reported"] == 1
    assert rec["conflicts"] == "India"


def test_a_region_row_whose_sources_disagree_is_named_and_not_shown():
    df = pd.concat([region_frame(), frame(row(REGION, 2016, "request", 99, scope="region"))])
    rec = budget.regional_totals(df, REGION, measures=["request"]).iloc[0]
    assert pd.isna(rec["region_row_usd"])
    assert rec["conflicts"] == REGION
    assert rec["country_sum_usd"] == 100


def test_region_row_without_country_rows_is_not_turned_into_a_zero_sum():
    df = frame(row(REGION, 2022, "request", 13, scope="region"), row("India", 2021, "request", 1))
    out = budget.regional_totals(df, REGION).set_index("fiscal_year")
    assert out.loc[2022, "region_row_usd"] == 13
    assert pd.isna(out.loc[2022, "country_sum_usd"])
    assert out.loc[2022, "countries_reported"] == 0
    assert pd.isna(out.loc[2021, "region_row_usd"])


def test_fiscal_year_window_applies_to_totals():
    out = budget.regional_totals(region_frame(), REGION, fy_start=2017, fy_end=2017)
    assert out["fiscal_year"].tolist() == [2017]


def test_region_request_returns_the_region_row_for_that_year_only():
    out = budget.region_request(region_frame(), REGION, 2016)
    assert out["measure"].tolist() == ["request"]
    assert out["region_row_usd"].tolist() == [100]
    assert budget.region_request(region_frame(), REGION, 2017).empty


def test_coverage_lists_years_with_neither_kind_of_figure():
    totals = budget.regional_totals(region_frame(), REGION)
    cov = budget.coverage(totals, 2015, 2018).set_index("measure")
    assert cov.loc["request", "years_with_region_row"] == "FY2016"
    assert cov.loc["request", "years_with_neither"] == "FY2015, FY2017\u2013FY2018"
    assert cov.loc["obligation", "years_with_country_figures"] == "FY2016\u2013FY2017"
    assert cov.loc["obligation", "years_with_region_row"] == "none"


def test_check_countries_accepts_spellings_and_rejects_non_members():
    df = region_frame()
    assert budget.check_countries(df, REGION, None) == ["India", "Nepal", "Pakistan"]
    assert budget.check_countries(df, REGION, ["Republic of India"]) == ["India"]
    with pytest.raises(ParameterError, match="not in region.*Jordan"):
        budget.check_countries(df, REGION, ["Jordan"])


# --- shares --------------------------------------------------------------------------------


def test_shares_divide_by_all_members_even_when_fewer_are_shown():
    out = budget.country_shares(region_frame(), REGION, "request", countries_shown=["India"])
    assert out["country_name"].tolist() == ["India"]
    rec = out.iloc[0]
    assert rec["share_of_country_sum"] == pytest.approx(0.3)
    assert rec["share_of_region_row"] == pytest.approx(0.3)


def test_shares_of_all_members_add_to_one_and_skip_other_regions():
    out = budget.country_shares(region_frame(), REGION, "obligation")
    y2016 = out[out["fiscal_year"] == 2016]
    assert y2016["country_name"].tolist() == ["Pakistan", "India"]  # largest first
    assert y2016["share_of_country_sum"].sum() == pytest.approx(1.0)
    assert y2016["share_of_region_row"].isna().all()  # no region row for obligations


def test_share_of_a_zero_total_is_missing_not_infinite():
    df = frame(row("India", 2016, "obligation", 0), row("Pakistan", 2016, "obligation", 0))
    out = budget.country_shares(df, REGION, "obligation")
    assert out["share_of_country_sum"].isna().all()


def test_unknown_measure_is_a_parameter_error():
    with pytest.raises(ParameterError, match="measure 'grants'"):
        budget.country_shares(region_frame(), REGION, "grants")


# --- ranks ---------------------------------------------------------------------------------


def rank_frame() -> pd.DataFrame:
    return frame(
        row("Pakistan", 2013, "actual", 50),
        row("Jordan", 2013, "actual", 40, region=OTHER),
        row("India", 2013, "actual", 40),
        row("Turkey", 2013, "actual", 30, region="Europe and Eurasia"),
        row("Nepal", 2013, "actual", 1),
        row(REGION, 2013, "actual", 999, scope="region"),
        row("World", 2013, "actual", 9999, scope="world", region=None),
        row("World (not specified)", 2013, "actual", 500, scope="world", region=None, total=False),
        row("Pakistan", 2014, "actual", 50),
        row("India", 2014, "actual", 20),
        row("Turkey", 2016, "actual", 35, region="Europe and Eurasia"),
    )


def test_ties_share_the_best_rank_and_skip_the_next():
    out = budget.rank_table(rank_frame(), "actual", 2013)
    ranks = dict(zip(out["country_name"], out["rank"], strict=True))
    assert ranks == {"Pakistan": 1, "India": 2, "Jordan": 2, "Turkey": 4, "Nepal": 5}
    assert out.set_index("country_name")["tied"].to_dict()["India"]
    assert not out.set_index("country_name")["tied"].to_dict()["Turkey"]
    assert set(out["n_ranked"]) == {5}


def test_region_world_and_not_specified_lines_are_never_ranked():
    out = budget.global_ranks(rank_frame())
    assert not out["country_name"].str.contains("Asia|World").any()


def test_country_rank_keeps_missing_years_missing_not_last():
    out = budget.country_rank(rank_frame(), "Turkey", 2013, 2016).set_index("fiscal_year")
    assert out.loc[2013, "rank"] == 4 and out.loc[2013, "status"] == "ranked"
    assert pd.isna(out.loc[2014, "rank"])
    assert out.loc[2014, "status"] == "no figure for this country"
    assert out.loc[2014, "n_ranked"] == 2
    assert out.loc[2015, "status"] == "no country figures this year"
    assert out.loc[2016, "rank"] == 1 and out.loc[2016, "n_ranked"] == 1


def test_country_rank_names_who_a_tied_country_shares_its_rank_with():
    out = budget.country_rank(rank_frame(), "India", 2013, 2013).iloc[0]
    assert out["rank"] == 2 and out["status"] == "tied" and out["tied_with"] == "Jordan"


def test_country_rank_does_not_rank_a_figure_whose_sources_disagree():
    df = pd.concat([rank_frame(), frame(row("Turkey", 2013, "actual", 31, source="b"))])
    out = budget.country_rank(df, "Turkey", 2013, 2013).iloc[0]
    assert pd.isna(out["rank"]) and out["status"] == "sources disagree"
    assert budget.rank_table(df, "actual", 2013)["n_ranked"].iloc[0] == 4


def test_country_rank_covers_only_measures_with_a_figure_for_the_country_by_default():
    df = pd.concat([rank_frame(), frame(row("India", 2013, "obligation", 3))])
    assert set(budget.country_rank(df, "Turkey", 2013, 2014)["measure"]) == {"actual"}
    assert set(budget.country_rank(df, "India", 2013, 2014)["measure"]) == {"actual", "obligation"}


# --- one country's chain and a threshold ---------------------------------------------------


def chain_frame() -> pd.DataFrame:
    return frame(
        row("India", 2016, "training_value", 800, source="fmtr"),
        row("India", 2016, "obligation", 1_100, source="greenbook"),
        row("India", 2016, "request", 1_300, source="cbj"),
        row("India", 2016, "request", 1_300, source="news"),
        row("India", 2018, "obligation", 1_000, source="greenbook"),
        row("Pakistan", 2016, "request", 4_800, source="cbj"),
    )


def test_chain_runs_from_request_to_training_delivered_with_sources():
    chain = budget.measure_chain(chain_frame(), "India")
    y2016 = chain[chain["fiscal_year"] == 2016]
    assert y2016["measure"].tolist() == ["request", "obligation", "training_value"]
    assert y2016["source"].tolist() == ["cbj | news", "greenbook", "fmtr"]
    assert set(chain["country_name"]) == {"India"}


def test_chain_wide_keeps_a_year_without_figures_as_a_gap():
    wide = budget.chain_wide(budget.measure_chain(chain_frame(), "India"), 2016, 2018)
    assert wide["fiscal_year"].tolist() == [2016, 2017, 2018]
    assert list(wide.columns) == ["fiscal_year", "request", "obligation", "training_value"]
    assert wide.set_index("fiscal_year").loc[2017].isna().all()
    assert pd.isna(wide.set_index("fiscal_year").loc[2018, "request"])


def test_threshold_marks_above_equal_below_and_missing_years():
    out = budget.yearly_vs_threshold(chain_frame(), "India", 1_000, 2016, 2018)
    status = out.set_index(["measure", "fiscal_year"])["status"]
    assert status[("obligation", 2016)] == "at or above"
    assert status[("obligation", 2018)] == "at or above"  # equal to the threshold
    assert status[("obligation", 2017)] == "missing"
    assert status[("training_value", 2016)] == "below"
    summary = budget.threshold_summary(out).set_index("measure")
    assert summary.loc["obligation", "years_missing"] == "FY2017"
    assert summary.loc["training_value", "years_below"] == "FY2016"
    assert summary.loc["training_value", "n_missing"] == 2


def test_unknown_country_is_one_clear_error():
    from imetbook.errors import UnknownCountryError

    with pytest.raises(UnknownCountryError, match="Atlantis"):
        budget.measure_chain(chain_frame(), "Atlantis")


def test_reversed_years_are_a_parameter_error():
    with pytest.raises(ParameterError, match=r"fy_start \(2020\) is after fy_end \(2010\)"):
        budget.regional_totals(region_frame(), REGION, fy_start=2020, fy_end=2010)


# --- the article's words and formatting ----------------------------------------------------


def test_figures_are_read_from_the_claim_text():
    claims = pd.DataFrame({"claim_id": ["C1"], "claim": ["asked for $13.8 million since 2003"]})
    text = words.claim_text(claims, "C1")
    assert words.dollar_amount(text) == pytest.approx(13.8e6)
    assert words.since_year(text) == 2003
    assert words.ordinal_rank("the third-largest allocation") == 3
    assert words.ordinal_rank("the 12th-largest allocation") == 12
    with pytest.raises(DataError, match="no claim 'C9'"):
        words.claim_text(claims, "C9")
    with pytest.raises(DataError, match="no dollar amount"):
        words.dollar_amount("no money here")


def test_year_ranges_are_the_vocabulary_spans():
    years = [2008, 2003, 2004, 2005]
    assert budget.year_ranges(years) == fy_runs(years) == "FY2003\u2013FY2005, FY2008"
    assert budget.year_ranges([]) == "none"
    with pytest.raises(ValueError, match="always written"):
        budget.year_ranges(years, "")


def test_chain_covers_every_measure_in_the_schema_with_the_one_label():
    assert set(budget.CHAIN) == set(schema.MEASURES)
    assert [budget.label(m) for m in budget.CHAIN] == [measure_label(m) for m in budget.CHAIN]
    with pytest.raises(ParameterError, match="measure 'grants'"):
        budget.label("grants")


# --- chapter tables and series -------------------------------------------------------------


def test_region_series_keeps_region_rows_and_member_sums_as_separate_series():
    totals = budget.regional_totals(region_frame(), REGION)
    series = budget_tables.region_series(totals)
    assert list(dict.fromkeys(series["series"])) == [
        "Request: region row",
        "Obligation (Greenbook): sum of members",
    ]
    # the request member sum is a fragment measure: tabled, not charted
    assert not series["series"].str.contains("Request: sum").any()
    assert series.groupby(["fiscal_year", "series"]).size().max() == 1


def test_share_series_groups_the_smallest_members_into_one_series():
    shares = budget.country_shares(region_frame(), REGION, "obligation")
    out = budget_tables.share_series(shares, keep=1)
    assert set(out["country"]) == {"Pakistan", "Other members (2)"}
    y2016 = out[out["fiscal_year"] == 2016].set_index("country")["share"]
    assert y2016["Other members (2)"] == pytest.approx(25 / 85)


def test_threshold_and_rank_sentences_say_which_years_and_why():
    table = budget.yearly_vs_threshold(chain_frame(), "India", 1_000, 2016, 2018)
    assert budget_tables.threshold_sentence(table, "training_value") == (
        "below in FY2016 ($800); no figure for FY2017\u2013FY2018"
    )
    assert budget_tables.threshold_sentence(table, "obligation") == (
        "at or above in FY2016, FY2018; no figure for FY2017"
    )
    ranks = budget.country_rank(rank_frame(), "Turkey", 2013, 2016)
    assert chapter.rank_sentence(ranks, "actual", 4) == (
        "rank 4 in FY2013; last ranked in FY2016: 1 of 1"
    )
    assert chapter.rank_sentence(ranks, "actual", 3).startswith("never rank 3")


def test_rank_grid_names_ties_and_shows_missing_years_as_missing():
    grid = chapter.rank_grid(budget.country_rank(rank_frame(), "India", 2013, 2015))
    cells = grid.set_index("FY")[measure_label("actual")]
    assert cells["2013"] == "2 of 5 (tied with Jordan)"
    assert cells["2014"] == "2 of 2"
    assert cells["2015"] == chapter.GAP


def test_sources_table_lists_each_source_once_with_its_measures_and_years():
    rows = budget.country_rows(chain_frame(), "India")
    table = budget_tables.sources_table(rows).set_index("source")
    assert list(table.index) == [
        "Title of cbj",
        "Title of fmtr",
        "Title of greenbook",
        "Title of news",
    ]
    assert table.loc["Title of greenbook", "fiscal years"] == "FY2016, FY2018"
    assert table.loc["Title of cbj", "measures"] == "Request"
    assert table.loc["Title of cbj", "address"] == "https://example.org/cbj"


def test_sources_table_counts_many_files_of_one_source_under_their_folder():
    rows = frame(
        *[row("India", fy, "training_value", 1, source=f"fmtr/r{fy}") for fy in range(2001, 2004)]
    ).assign(source_title="FMTR")
    table = budget_tables.sources_table(rows)
    assert table["address"].tolist() == ["3 files under https://example.org/fmtr/"]
    assert table["fiscal years"].tolist() == ["FY2001\u2013FY2003"]


def test_member_grid_puts_members_down_and_years_across_with_gaps():
    grid, rows = chapter.member_grid(region_frame(), REGION, "obligation", [2016, 2017])
    assert list(grid.columns) == ["country", "FY2016", "FY2017"]
    cells = grid.set_index("country")
    assert cells.loc["Nepal", "FY2016"] == chapter.GAP
    assert cells.loc["India", "FY2016"] == "$25"
    assert len(rows) == 3
