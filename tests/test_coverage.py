"""Which funding measures exist for which country and year (the sources chapter's matrix)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from imetbook import schema
from imetbook.analysis import coverage
from imetbook.errors import ParameterError, UnknownCountryError
from imetbook.sources import budget

FIX = Path(__file__).parent / "fixtures" / "budget"
TRAINING_COLUMNS = {
    "report": "str",
    "fiscal_year": "int64",
    "status": "str",
    "region": "str",
    "iso3": "str",
    "is_imet": "bool",
    "students": "Int64",
    "cost_usd": "float64",
    "source_url": "str",
}


@pytest.fixture(scope="module")
def funding() -> pd.DataFrame:
    training = pd.DataFrame(columns=list(TRAINING_COLUMNS)).astype(TRAINING_COLUMNS)
    return budget.build_funding(FIX, training)


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
    with pytest.raises(ParameterError, match="fy_start 2010 is after fy_end 2009"):
        coverage.coverage_matrix(funding, ["PAK"], 2010, 2009)
    with pytest.raises(ParameterError, match="list of ISO"):
        coverage.coverage_matrix(funding, "PAK", 2008, 2009)
    with pytest.raises(UnknownCountryError, match="'XYZ'"):
        coverage.coverage_matrix(funding, ["XYZ"], 2008, 2009)
    with pytest.raises(ParameterError, match="unknown measure"):
        coverage.coverage_pivot(coverage.coverage_matrix(funding, ["PAK"], 2008, 2008), ["gift"])
