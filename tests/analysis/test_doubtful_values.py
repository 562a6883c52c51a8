"""Training values summed from report groups that fail reconciliation are shown as doubtful:
ringed on the charts and marked in the tables (issue 20), from the real funding table."""

from __future__ import annotations

import pandas as pd
import pytest

from imetbook import vocab
from imetbook.analysis import budget, budget_tables
from imetbook.analysis import country_pages as cp
from imetbook.chapters import budget as chapter
from imetbook.data import datasets
from imetbook.figures import plots


@pytest.fixture(scope="module")
def funding() -> pd.DataFrame:
    return datasets.load("funding")


def _flagged(funding: pd.DataFrame, iso3: str) -> set[int]:
    rows = funding[
        funding["iso3"].eq(iso3)
        & funding["measure"].eq("training_value")
        & funding["quality"].eq("doubtful")
    ]
    return set(rows["fiscal_year"].astype(int))


@pytest.mark.parametrize("country, iso3", [("India", "IND"), ("Pakistan", "PAK")])
def test_doubtful_values_are_the_flagged_training_values(funding, country, iso3):
    got = budget_tables.doubtful_values(funding, country)
    assert set(got["measure"]) == {"training_value"}
    assert set(got["fiscal_year"]) == _flagged(funding, iso3)
    assert len(got)  # the damaged 2009-2010 report makes some of both countries' values doubtful


def test_chain_table_marks_exactly_the_doubtful_figures(funding):
    chain = budget.measure_chain(funding, "India")
    first, last = int(chain["fiscal_year"].min()), int(chain["fiscal_year"].max())
    doubtful = budget_tables.doubtful_values(funding, "India", first, last)
    shown = chapter.chain_display(budget.chain_wide(chain, first, last), doubtful)
    marked = {
        (col, int(fy))
        for col in shown.columns[1:]
        for fy, cell in zip(shown["FY"], shown[col], strict=True)
        if cell.endswith("(doubtful)")
    }
    label = budget.label("training_value")
    assert marked == {(label, int(fy)) for fy in doubtful["fiscal_year"]}
    plain = chapter.chain_display(budget.chain_wide(chain, first, last))
    assert not plain.apply(lambda col: col.str.contains("doubtful")).any().any()


def test_rings_sit_on_drawn_values_only():
    fig, ax = plots.figure("t")
    points = pd.DataFrame({"fiscal_year": [2009, 2010], "amount": [5.0, None]})
    assert plots.mark_doubtful(ax, points, x="fiscal_year", y="amount") == 1
    offsets = ax.collections[-1].get_offsets()
    assert offsets.tolist() == [[2009.0, 5.0]]


def test_country_page_rings_the_doubtful_training_value(funding):
    rows = cp.funding_rows(funding, "IND")
    by_year = cp.funding_by_year(rows)
    years = list(range(int(by_year["fiscal_year"].min()), int(by_year["fiscal_year"].max()) + 1))
    money = cp.chart_data(by_year, years, ["training_value", "obligation"])
    ringed = cp.doubtful_points(rows, money)
    assert set(ringed["fiscal_year"].astype(int)) == _flagged(funding, "IND") & set(years)
    assert set(ringed["measure"]) == {vocab.MEASURE_LABELS["training_value"]}
