"""The book's vocabulary (imetbook.vocab): one wording per kind of fact."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from imetbook import vocab
from imetbook.data import schema
from imetbook.errors import ParameterError


@pytest.mark.parametrize(
    ("day", "year"),
    [
        ("2018-09-30", 2018),
        ("2018-10-01", 2019),
        (dt.date(2019, 12, 31), 2020),
        (pd.Timestamp("2019-01-01"), 2019),
    ],
)
def test_fiscal_year_starts_on_the_first_of_october(day, year):
    assert vocab.fiscal_year(day) == year


def test_fiscal_years_keeps_gaps():
    out = vocab.fiscal_years(pd.Series(["2018-10-01", None, "2018-09-30"]))
    assert out.tolist()[0] == 2019 and pd.isna(out.iloc[1]) and out.iloc[2] == 2018


def test_spans_and_runs():
    assert vocab.fy_span(1999, 2020) == "FY1999\u2013FY2020"
    assert vocab.fy_span(2020, 2020) == "FY2020"
    assert vocab.fy(None) == "no year"
    assert vocab.fy_runs([2001, 1999, 2000, 2005]) == "FY1999\u2013FY2001, FY2005"
    assert vocab.fy_runs([]) == "none"


def test_money_and_counts():
    assert vocab.usd(1234567.4) == "$1,234,567"
    assert vocab.usd(-5) == "-$5"
    assert vocab.usd(float("nan")) == vocab.NO_FIGURE
    assert vocab.usd_short(13_800_000) == "$13.8 million"
    assert vocab.usd_short(1_000_000) == "$1 million"
    assert vocab.usd_short(999_999) == "$999,999"
    assert vocab.count(12345) == "12,345"
    assert vocab.plural(1, "course", "courses") == "1 course"
    assert vocab.plural(2, "course", "courses") == "2 courses"


def test_and_join():
    assert vocab.and_join([]) == ""
    assert vocab.and_join(["India"]) == "India"
    assert vocab.and_join(["India", "Pakistan"]) == "India and Pakistan"
    assert vocab.and_join(["India", "Nepal", "Pakistan"]) == "India, Nepal and Pakistan"


def test_every_measure_of_the_contract_has_one_label_and_a_definition():
    assert set(vocab.MEASURE_LABELS) == set(schema.MEASURES)
    assert len(set(vocab.MEASURE_LABELS.values())) == len(vocab.MEASURE_LABELS)
    for measure in schema.MEASURES:
        assert vocab.measure_definition(measure)
    assert vocab.measure_sorted(list(reversed(schema.MEASURES))) == list(schema.MEASURES)
    with pytest.raises(KeyError):
        vocab.measure_label("budget")


# --- a span that runs backwards: one check, one message ----------------------------------------


def test_a_backwards_span_is_one_parameter_error():
    with pytest.raises(ParameterError, match=r"^fy_start \(2010\) is after fy_end \(2002\)"):
        vocab.check_order(2010, 2002)
    vocab.check_order(2002, 2002)  # one year is a span
    vocab.check_order(None, 2002)  # an open end is no error


def test_analysis_and_chapter_parameters_word_a_backwards_span_alike():
    from imetbook.analysis import classmates, coverage
    from imetbook.chapters import params

    funding = pd.DataFrame(columns=["scope", "iso3", "fiscal_year", "measure", "source"])

    with pytest.raises(params.Invalid) as rule:
        params.Ordered("fy_start", "fy_end")({"fy_start": 2010, "fy_end": 2002})
    for check in (
        lambda: classmates.check_span(2010, 2002, (1999, 2020)),
        lambda: coverage.coverage_matrix(funding, ["IND"], 2010, 2002),
    ):
        with pytest.raises(ParameterError) as raised:
            check()
        assert (
            str(raised.value)
            == str(rule.value)
            == vocab.span_backwards(2010, 2002, ("fy_start", "fy_end"))
        )


def test_a_missing_place_is_worded():
    assert vocab.place("Carlisle Barracks, PA") == "Carlisle Barracks, PA"
    for missing in (None, float("nan"), pd.NA, ""):
        assert vocab.place(missing) == "place not printed"
    assert vocab.place(None, "a place not printed") == "a place not printed"


def test_where_a_record_is_printed_reads_one_way():
    assert vocab.printed_at("2019-2020", "8, 24") == "2019-2020 p. 8, 24"
    assert vocab.printed_at("2019-2020", 123) == "2019-2020 p. 123"
    # No page: a comma, so that the label can sit in parentheses without nesting them.
    assert vocab.printed_at("1999-2000") == "1999-2000, no page printed"
    assert vocab.printed_at("1999-2000", "") == "1999-2000, no page printed"
