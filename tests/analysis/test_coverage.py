"""Which funding measures exist for which country and year (the sources chapter's matrix)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from fixture_helpers import no_training

from imetbook.analysis import coverage
from imetbook.data import schema
from imetbook.data.parsers import budget
from imetbook.errors import ParameterError, UnknownCountryError

FIX = Path(__file__).parents[1] / "fixtures" / "budget"


@pytest.fixture(scope="module")
def funding() -> pd.DataFrame:
    return budget.build_funding(FIX, no_training())


def test_grid_is_complete_and_gaps_are_rows(funding):
    codes, first, last = ["PAK", "ISR"], 2008, 2009
    cov = coverage.coverage_matrix(funding, codes, first, last)
    assert len(cov) == len(codes) * (last - first + 1) * len(schema.MEASURES)
    assert list(cov["iso3"].drop_duplicates()) == codes
    israel = cov[cov["iso3"] == "ISR"]
    assert not israel["present"].any() and (israel["sources"] == "").all()


def test_counts_and_sources_match_the_funding_rows(funding):
    cov = coverage.coverage_matrix(funding, ["PAK"], 2008, 2009).set_index(
        ["fiscal_year", "measure"]
    )
    pak = funding[(funding["iso3"] == "PAK") & funding["fiscal_year"].between(2008, 2009)]
    for (fy, measure), rows in pak.groupby(["fiscal_year", "measure"]):
        cell = cov.loc[(fy, measure)]
        assert cell["n_figures"] == len(rows)
        assert cell["sources"] == ";".join(sorted(set(rows["source"])))
    assert cov["present"].sum() == pak.groupby(["fiscal_year", "measure"]).ngroups


def test_region_rows_do_not_count_for_a_country(funding):
    extra = funding[funding["country_name"] == "South and Central Asia"].copy()
    extra["iso3"] = "PAK"  # a region row wrongly coded must still not count: scope decides
    cov = coverage.coverage_matrix(pd.concat([funding, extra]), ["PAK"], 2016, 2016)
    base = coverage.coverage_matrix(funding, ["PAK"], 2016, 2016)
    pd.testing.assert_frame_equal(cov, base)


def test_pivot_prints_sources_by_year(funding):
    cov = coverage.coverage_matrix(funding, ["PAK", "IND"], 2008, 2010)
    wide = coverage.coverage_pivot(cov)
    assert list(wide.columns) == [2008, 2009, 2010]
    assert list(wide.index.get_level_values(0).unique()) == ["Pakistan", "India"]
    present = set(cov.loc[cov["present"], "measure"])
    assert set(wide.index.get_level_values(1)) == present
    assert wide.loc[("Pakistan", "obligation"), 2008] == "greenbook"


def test_bad_parameters():
    funding = pd.DataFrame(columns=["scope", "iso3", "fiscal_year", "measure", "source"])
    with pytest.raises(ParameterError, match=r"fy_start \(2010\) is after fy_end \(2009\)"):
        coverage.coverage_matrix(funding, ["PAK"], 2010, 2009)
    with pytest.raises(ParameterError, match="list of ISO"):
        coverage.coverage_matrix(funding, "PAK", 2008, 2009)
    with pytest.raises(UnknownCountryError, match="'XYZ'"):
        coverage.coverage_matrix(funding, ["XYZ"], 2008, 2009)
    with pytest.raises(ParameterError, match="unknown measure"):
        coverage.coverage_pivot(coverage.coverage_matrix(funding, ["PAK"], 2008, 2008), ["gift"])


# --- the chapter's grid, summary, known gaps and chart ------------------------------------


def test_every_measure_is_in_exactly_one_kind_of_evidence():
    kinds = [m for _, ms in coverage.EVIDENCE for m in ms]
    assert sorted(kinds) == sorted(schema.MEASURES)


def test_grid_counts_figures_marks_gaps_and_names_sources(funding):
    cov = coverage.coverage_matrix(funding, ["PAK", "ISR"], 2008, 2009)
    grid = coverage.coverage_grid(cov)
    assert list(grid.columns) == ["2008", "2009", "sources"]
    for row in cov.itertuples():
        if (row.country_name, row.measure) not in grid.index:
            continue
        cell = grid.loc[(row.country_name, row.measure), str(row.fiscal_year)]
        assert cell == (str(row.n_figures) if row.present else coverage.ABSENT_MARK)
    assert (grid.loc["Israel", "sources"] == "none").all()
    assert grid.loc[("Pakistan", "obligation"), "sources"] == "greenbook"


def test_summary_counts_country_years_by_kind():
    cov = pd.DataFrame(
        {
            "iso3": ["AAA", "AAA", "AAA", "AAA", "BBB", "BBB"],
            "country_name": ["A", "A", "A", "A", "B", "B"],
            "fiscal_year": [2001, 2001, 2002, 2002, 2001, 2001],
            "measure": ["obligation", "training_value"] * 3,
            "n_figures": [1, 1, 0, 2, 0, 0],
            "sources": ["greenbook", "fmtr", "", "fmtr", "", ""],
            "present": [True, True, False, True, False, False],
        }
    )
    s = coverage.coverage_summary(cov)
    assert (s["country_years"], s["with_any"], s["with_none"]) == (3, 2, 1)
    assert (s["with_budget"], s["with_training"], s["with_both"]) == (1, 2, 1)
    assert s["no_training"] == ["B"] and s["no_figures"] == ["B"]


def test_single_year_gaps_leave_out_multi_year_totals_and_years_outside(funding):
    gaps = budget.funding_gaps(FIX)
    cov = coverage.coverage_matrix(funding, ["PAK"], 2002, 2019)
    marked = coverage.single_year_gaps(gaps, cov)
    single = gaps[gaps["fiscal_years"].str.fullmatch(r"\d{4}")]
    inside = single[single["fiscal_years"].astype(int) <= 2019]
    assert len(marked) == len(inside) < len(gaps)
    assert set(marked["fiscal_year"]) == set(inside["fiscal_years"].astype(int))


def test_draw_evidence_fills_exactly_the_years_with_a_figure(funding):
    from imetbook.figures import coverage as chart
    from imetbook.figures import plots

    cov = coverage.coverage_matrix(funding, ["PAK", "ISR"], 2008, 2010)
    fig, ax = plots.figure("test")
    drawn = chart.draw_evidence(ax, cov)
    pak_obligation = cov[(cov["iso3"] == "PAK") & (cov["measure"] == "obligation")]
    expected = dict(zip(pak_obligation["fiscal_year"], pak_obligation["present"], strict=True))
    assert drawn.loc[("Pakistan", "obligation (Greenbook)")].to_dict() == expected
    assert not drawn.loc["Israel"].to_numpy().any()
    filled = [p for p in ax.patches if (p.get_gid() or "").startswith("evidence-")]
    assert len(filled) == int(drawn.to_numpy().sum())


def test_pivot_can_count_figures(funding):
    cov = coverage.coverage_matrix(funding, ["PAK"], 2008, 2009)
    counts = coverage.coverage_pivot(cov, ["obligation"], values="n_figures")
    row = cov[cov["measure"] == "obligation"].set_index("fiscal_year")["n_figures"]
    assert counts.loc[("Pakistan", "obligation")].to_dict() == row.to_dict()
    with pytest.raises(ParameterError, match="values must be"):
        coverage.coverage_pivot(cov, values="amount")
