"""Country pages (imetbook.analysis.country_pages) on tiny tables built here."""

from __future__ import annotations

import pandas as pd

from imetbook.analysis import country_pages as cp


def training() -> pd.DataFrame:
    """India: IMET in 2001 (one record without students) and a non-IMET record in 2002.
    Nepal: IMET in 2002 and a planned 2003 row. A heading row with no ISO code."""
    return pd.DataFrame(
        {
            "iso3": ["IND", "IND", "IND", "NPL", "NPL", None],
            "country_name": ["India", "India", "India", "Nepal", "Nepal", "Indochina"],
            "fiscal_year": [2001, 2001, 2002, 2002, 2003, 2001],
            "status": ["actual", "actual", "actual", "actual", "planned", "actual"],
            "is_imet": [True, True, False, True, True, True],
            "students": pd.array([3, None, 1, 2, 9, 1], dtype="Int64"),
            "cost_usd": [100.0, 50.0, 5.0, 20.0, 90.0, 1.0],
        }
    )


def test_countries_are_those_with_a_code() -> None:
    assert cp.countries_with_training(training()).to_dict("list") == {
        "iso3": ["IND", "NPL"],
        "country_name": ["India", "Nepal"],
    }


def test_by_year_counts_actual_imet_and_keeps_gaps() -> None:
    table = cp.imet_by_year(training(), "India")
    assert list(table.columns) == cp.BY_YEAR_COLUMNS
    assert table["fiscal_year"].tolist() == [2001, 2002]
    first, second = table.iloc[0], table.iloc[1]
    assert (first["records"], first["students"], first["cost_usd"]) == (2, 3, 150.0)
    assert first["records_without_students"] == 1
    # 2002 has only a non-IMET record for India: a gap, not a zero.
    assert second["records"] == 0
    assert pd.isna(second["students"]) and pd.isna(second["cost_usd"])


def test_planned_rows_are_not_counted() -> None:
    table = cp.imet_by_year(training(), "Nepal")
    assert 2003 not in table["fiscal_year"].tolist()
    assert table.set_index("fiscal_year").loc[2002, "students"] == 2


def test_headlines_and_index_page() -> None:
    heads = cp.headlines(training()).set_index("iso3")
    assert heads.loc["IND", ["first_year", "last_year", "imet_records"]].tolist() == [2001, 2002, 2]
    assert heads.loc["NPL", "last_year"] == 2003  # years with any record, planned included
    page = cp.index_markdown(cp.headlines(training()))
    assert page.startswith("# Countries\n")
    assert "| {doc}`India <IND>` | IND | 2001–2002 | 2 | 3 | 150 |" in page
    assert "each of the 2 countries" in page


def test_missing_sums_show_as_a_dash() -> None:
    rows = training()
    rows["students"] = pd.array([None] * len(rows), dtype="Int64")
    page = cp.index_markdown(cp.headlines(rows))
    assert "| {doc}`Nepal <NPL>` | NPL | 2002–2003 | 1 | — | 20 |" in page
