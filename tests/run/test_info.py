"""``python -m imetbook data info`` on tables built from the FMTR fixtures."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from imetbook import vocab
from imetbook.data import build
from imetbook.data.parsers import fmtr
from imetbook.errors import DataError
from imetbook.run import info

FIXTURE = Path(__file__).parents[1] / "fixtures" / "fmtr"


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return fmtr.build_tables(FIXTURE)


def test_report_describes_training_reconciliation_and_other_tables(tmp_path, tables):
    out = tmp_path / "processed"
    build.write_tables(out, dict(tables), "stamp")
    text = info.report(out)
    training = tables["training"]
    assert f"FMTR training: {len(training):,} rows, {training['report'].nunique()} reports" in text
    for program in training["program"].unique():
        assert program in text
    assert "Reconciliation with the printed totals" in text
    assert "Reports printed without totals rows: 1999-2000" in text
    assert "funding: not built" in text and "claims: not built" in text


def test_report_needs_the_training_table(tmp_path):
    with pytest.raises(DataError, match="training table not built"):
        info.report(tmp_path)


def test_coverage_of_a_funding_like_table():
    df = pd.DataFrame(
        {
            "country_name": ["Pakistan", "Pakistan", "India"],
            "fiscal_year": [2001, 2002, 2002],
            "measure": ["actual", "request", "actual"],
        }
    )
    assert info.coverage(df) == {
        "rows": 3,
        "countries": 2,
        "fiscal_years": f"{vocab.fy_span(2001, 2002)} (2 years)",
        "measures": "actual 2, request 1",
        "country x year x measure cells": 3,
    }
