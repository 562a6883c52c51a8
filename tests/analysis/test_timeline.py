"""The fiscal-year axis, periods derived from events, gaps against zeros, and the chapter text.

Small DataFrames built here make one behaviour flip at a time; ``fixtures/timeline`` holds rows
cut from the real Pakistan and India timelines, parsed by the real context parser.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fixture_helpers import event, events

from imetbook import paths, vocab
from imetbook.analysis import timeline as tl
from imetbook.analysis import timeline_periods as tp
from imetbook.analysis import timeline_yearly as ty
from imetbook.chapters import pakistan as pk
from imetbook.chapters import params
from imetbook.data import manifest
from imetbook.data.parsers import context
from imetbook.errors import DataError, ParameterError
from imetbook.figures import timeline as ft

FIXTURES = Path(__file__).parents[1] / "fixtures" / "timeline"


# --- builders -----------------------------------------------------------------------------


def training(rows: list[tuple[int, int | None, float | None, str]]) -> pd.DataFrame:
    """IMET rows for Pakistan: (fiscal_year, students, cost_usd, program_raw)."""
    n = len(rows)
    return pd.DataFrame(
        {
            "record_id": [f"r{i}" for i in range(n)],
            "report": [f"{fy}-{fy + 1}" for fy, *_ in rows],
            "fiscal_year": [fy for fy, *_ in rows],
            "status": ["actual"] * n,
            "iso3": ["PAK"] * n,
            "is_imet": [True] * n,
            "program_raw": [p for *_, p in rows],
            "course_title": [f"Course {i}" for i in range(n)],
            "course_key": [f"course {i}" for i in range(n)],
            "location": ["Fort X"] * n,
            "students": pd.array([s for _, s, _, _ in rows], dtype="Int64"),
            "cost_usd": pd.array([c for _, _, c, _ in rows], dtype="float64"),
            "page": pd.array([1] * n, dtype="Int64"),
            "source_url": ["https://example.org/fmtr"] * n,
        }
    )


def funding(rows: list[tuple[int, str, float, str]], iso3: str = "PAK") -> pd.DataFrame:
    """Country rows: (fiscal_year, measure, amount_usd, source)."""
    n = len(rows)
    return pd.DataFrame(
        {
            "country_name": ["Pakistan"] * n,
            "iso3": [iso3] * n,
            "scope": ["country"] * n,
            "fiscal_year": [fy for fy, *_ in rows],
            "measure": [m for _, m, _, _ in rows],
            "amount_usd": [float(a) for _, _, a, _ in rows],
            "source": [s for *_, s in rows],
            "source_title": [f"title of {s}" for *_, s in rows],
            "source_url": [f"https://example.org/{s}" for *_, s in rows],
        }
    )


@pytest.fixture(scope="module")
def real_events() -> pd.DataFrame:
    """Rows cut from the real timelines, through the real parser."""
    files = [
        manifest.RawFile(path.name, {}, path.read_bytes())
        for path in sorted(FIXTURES.glob("*_timeline.csv"))
    ]
    return context.build_events(files)


# --- the fiscal-year axis -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "fy"),
    [("2018-08-10", 2018), ("2018-09-30", 2018), ("2018-10-01", 2019), ("2019-12-19", 2020)],
)
def test_fiscal_year_starts_on_1_october(day: str, fy: int) -> None:
    assert vocab.fiscal_year(day) == fy


@pytest.mark.parametrize(
    ("date", "years"),
    [
        ("2018-08-10", (2018, 2018)),
        ("2019-12", (2020, 2020)),
        ("2019-09", (2019, 2019)),
        ("1998", (1998, 1999)),
    ],  # fmt: skip
)
def test_a_date_spans_the_fiscal_years_its_precision_allows(date: str, years: tuple) -> None:
    assert tl.fiscal_years_spanned(date) == years


def test_date_bounds_keep_precision() -> None:
    assert tl.date_bounds("2020-02") == (
        pd.Timestamp(2020, 2, 1), pd.Timestamp(2020, 2, 29), "month"
    )  # fmt: skip
    assert tl.date_bounds("1998") == (pd.Timestamp(1998, 1, 1), pd.Timestamp(1998, 12, 31), "year")
    first, last, precision = tl.date_bounds("2018-08-10")
    assert first == last == pd.Timestamp(2018, 8, 10) and precision == "day"


@pytest.mark.parametrize("bad", ["2018-13", "2019-02-30", "18-01", "Jan 2020", ""])
def test_bad_dates_are_one_clear_error(bad: str) -> None:
    with pytest.raises(DataError, match="date"):
        tl.date_bounds(bad)


def test_axis_positions_put_a_fiscal_year_around_its_integer() -> None:
    assert tl.axis_position("2017-10-01") == pytest.approx(2017.5)
    assert 2017.5 < tl.axis_position("2018-04-01") < 2018.5
    start, end = tl.span_position(pd.Timestamp(2019, 12, 1), pd.Timestamp(2019, 12, 31))
    assert 2019.5 < start < end < 2020.0


def test_event_fiscal_years_come_from_first_and_last_day() -> None:
    ev = tl.country_events(events(event("1998", "sanction"), event("2019-12", "resumption")), "PAK")
    assert ev[["fy_first", "fy_last"]].astype(int).values.tolist() == [[1998, 1999], [2020, 2020]]
    assert ev["n"].tolist() == [1, 2]


# --- periods --------------------------------------------------------------------------------


def test_a_period_runs_from_its_event_to_the_next_resumption() -> None:
    ev = events(
        event("2017-05-01", "resumption"),  # before the sanction: closes nothing
        event("2018-01-04", "suspension"),
        event("2018-06-01", "statement"),  # not a resumption
        event("2019-12-19", "resumption"),
        event("2020-01", "resumption"),
    )
    p = tl.derive_periods(tl.country_events(ev, "PAK"))
    assert len(p) == 1
    row = p.iloc[0]
    assert (row["start_date"], row["end_date"]) == ("2018-01-04", "2019-12-19")
    assert not row["open_ended"]
    assert (row["fy_first"], row["fy_last"]) == (2018, 2020)


def test_a_period_without_resumption_is_open_ended_to_the_axis_end() -> None:
    ev = tl.country_events(events(event("2021-07-01", "sanction")), "PAK")
    free = tl.derive_periods(ev).iloc[0]
    assert free["open_ended"] and pd.isna(free["end_latest"]) and pd.isna(free["fy_last"])
    ended = tl.derive_periods(ev, axis_end="2021-09-30").iloc[0]
    assert ended["open_ended"] and pd.isna(ended["end_event_id"])
    assert ended["end_earliest"] == ended["end_latest"] == pd.Timestamp(2021, 9, 30)
    assert ended["fy_last"] == 2021


def test_a_year_precise_start_is_the_whole_year_and_needs_a_later_resumption() -> None:
    ev = events(
        event("1998", "sanction"),
        event("1998-12-01", "resumption"),  # may be before 'late in 1998': does not close it
        event("2001-09-22", "resumption"),
    )
    row = tl.derive_periods(tl.country_events(ev, "PAK")).iloc[0]
    assert row["start_earliest"] == pd.Timestamp(1998, 1, 1)
    assert row["start_latest"] == pd.Timestamp(1998, 12, 31)
    assert row["end_date"] == "2001-09-22"


def test_a_month_precise_end_spans_its_month() -> None:
    ev = events(event("2018-08-10", "suspension"), event("2020-01", "resumption"))
    row = tl.derive_periods(tl.country_events(ev, "PAK")).iloc[0]
    assert (row["end_earliest"], row["end_latest"]) == (
        pd.Timestamp(2020, 1, 1), pd.Timestamp(2020, 1, 31)
    )  # fmt: skip
    assert row["end_precision"] == "month"


def test_another_countrys_resumption_does_not_close_a_period() -> None:
    ev = events(
        event("1998-05-13", "sanction", "IND", "India"),
        event("1998-11-07", "resumption", "PAK", "Pakistan"),
    )
    p = tl.derive_periods(ev)
    assert p["iso3"].tolist() == ["IND"] and bool(p["open_ended"].iloc[0])


def test_real_pakistan_periods(real_events: pd.DataFrame) -> None:
    ev = tl.country_events(real_events, "PAK")
    p = tl.derive_periods(ev, axis_end="2021-09-30")
    pairs = list(zip(p["start_date"], p["end_date"].fillna("open"), strict=True))
    assert pairs == [
        ("1985", "1995-10-24"),
        ("1990-10", "1995-10-24"),
        ("1998", "2001-09-22"),
        ("1998-05-30", "1998-11-07"),
        ("2018-01-04", "2019-12-19"),
        ("2018-08-10", "2019-12-19"),
        ("2021-07-01", "open"),
    ]


def test_shared_events_count_once_per_country(real_events: pd.DataFrame) -> None:
    ev = tl.country_events(real_events, "IND")
    assert ev["date"].tolist().count("1998-11-07") == 1
    p = tl.derive_periods(ev)
    assert set(p["end_date"]) == {"1998-11-07"}


def test_episodes_merge_overlapping_periods(real_events: pd.DataFrame) -> None:
    p = tl.derive_periods(tl.country_events(real_events, "PAK"))
    eps = tl.episodes(p)
    assert [(e.start_earliest.year, e.open_ended) for e in eps] == [
        (1985, False), (1998, False), (2018, False), (2021, True)
    ]  # fmt: skip
    latest = tl.latest_closed_episode(p, "PAK")
    assert latest is not None and latest.start_earliest == pd.Timestamp(2018, 1, 4)
    assert tl.latest_closed_episode(p, "BGD") is None


def test_phases_of_fiscal_years_against_the_2018_suspension(real_events: pd.DataFrame) -> None:
    p = tl.derive_periods(tl.country_events(real_events, "PAK"))
    ep = tl.latest_closed_episode(p, "PAK")
    table = tl.phases(ep, range(2017, 2022))
    assert table["phase"].tolist() == ["before", "partly", "during", "partly", "after"]


# --- months between dates -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "span"),
    [
        ("2018-08-10", "2019-12-19", (16, 16)),
        ("2018-08-10", "2020-01", (16, 17)),
        ("2018-08-10", "2018-09-09", (0, 0)),
        ("1998", "2001-09-22", (32, 44)),
    ],
)
def test_months_between_carry_date_precision(start: str, end: str, span: tuple) -> None:
    assert tl.months_between(start, end) == span


def test_months_between_refuses_an_end_that_may_come_first() -> None:
    with pytest.raises(DataError, match="not certainly after"):
        tl.months_between("1998", "1998-12-01")


def test_format_months() -> None:
    assert tl.format_months((16, 16)) == "16 months"
    assert tl.format_months((16, 17)) == "16 to 17 months"
    assert tl.format_months((1, 1)) == "1 month"


def test_suspension_to_resumption_on_the_real_timeline(real_events: pd.DataFrame) -> None:
    s = tl.suspension_to_resumption(real_events, "PAK")
    assert s is not None
    assert s.first_opener["date"] == "2018-01-04"
    assert s.last_opener["date"] == "2018-08-10"
    assert s.closer["date"] == "2019-12-19"
    assert s.last_resumption["date"] == "2020-01"  # the budget event of 2020-02 ends the run
    assert s.months_last_to_close == (16, 16)
    assert s.months_last_to_last_resumption == (16, 17)
    assert tl.suspension_to_resumption(real_events, "BGD") is None


# --- yearly measures: gaps are not zeros ----------------------------------------------------


def test_training_gaps_and_zeros() -> None:
    tr = training(
        [
            (2017, 10, 1000.0, "IMET-1 - Fiscal Year 2017 Department of State Training"),
            (2017, 5, 500.0, "IMET-1 - Fiscal Year 2017 Department of State Training"),
            (2019, 0, 0.0, "IMET-1 - Fiscal Year 2019 Department of State Training"),
            (2020, None, None, "IMET-2 - Fiscal Year 2020 Department of State Training"),
        ]
    )
    y = ty.yearly_measures(tr, funding([]), "PAK", 2016, 2020)
    assert y.index.tolist() == [2016, 2017, 2018, 2019, 2020]
    assert y.loc[2017, "students"] == 15 and y.loc[2017, "training_value"] == 1500.0
    assert pd.isna(y.loc[2016, "students"]) and pd.isna(y.loc[2018, "training_value"])  # no rows
    assert y.loc[2019, "students"] == 0 and y.loc[2019, "training_value"] == 0.0  # a real zero
    assert pd.isna(y.loc[2020, "students"]) and y.loc[2020, "activities"] == 1  # rows, no count


def test_planned_and_non_imet_rows_are_left_out() -> None:
    tr = training([(2017, 10, 1.0, "IMET-1"), (2017, 7, 1.0, "IMET-1"), (2017, 3, 1.0, "PKO")])
    tr.loc[1, "status"] = "planned"
    tr.loc[2, "is_imet"] = False
    assert ty.training_yearly(tr, "PAK").loc[2017, "students"] == 10


def test_funding_gaps_zeros_duplicates_and_conflicts() -> None:
    fu = funding(
        [
            (2018, "obligation", 496954, "greenbook"),
            (2019, "obligation", 0, "greenbook"),
            (2012, "appropriation", 5e6, "crs"),
            (2012, "appropriation", 5e6, "crs"),  # a second edition printing the same figure
        ]
    )
    y = ty.funding_yearly(fu, "PAK")
    assert y.loc[2019, "obligation"] == 0.0 and y.loc[2012, "appropriation"] == 5e6
    full = ty.yearly_measures(training([]), fu, "PAK", 2012, 2020)
    assert pd.isna(full.loc[2020, "obligation"]) and pd.isna(full.loc[2012, "request"])
    clash = funding([(2012, "appropriation", 5e6, "crs"), (2012, "appropriation", 4e6, "other")])
    with pytest.raises(DataError, match="disagree on PAK FY2012 appropriation"):
        ty.funding_yearly(clash, "PAK")


def test_region_rows_are_not_a_countrys_figures() -> None:
    fu = funding([(2021, "request", 12.7e6, "news")])
    fu["scope"] = "region"
    assert ty.funding_yearly(fu, "PAK").empty


def test_coverage_table_says_no_figure_and_keeps_zero() -> None:
    y = ty.yearly_measures(
        training([]), funding([(2019, "obligation", 0, "g"), (2018, "obligation", 5, "g")]),
        "PAK", 2018, 2020,
    )  # fmt: skip
    table = pk.coverage_table(y, [2018, 2019, 2020], ["obligation", "students"])
    row = table.set_index("measure").loc[vocab.measure_label("obligation")]
    assert row.tolist() == ["$5", "$0", "no figure"]
    assert set(table.set_index("measure").loc[vocab.measure_label("students")]) == {"no figure"}


def test_gap_years_are_nulls_not_zeros() -> None:
    s = pd.Series([1.0, np.nan, np.nan, 0.0, np.nan], index=[2000, 2001, 2002, 2003, 2004])
    assert ty.gap_years(s) == [2001, 2002, 2004]
    assert vocab.fy_runs(ty.gap_years(s)) == "FY2001\u2013FY2002, FY2004"
    assert ty.gap_years(s.dropna()) == []


# --- programs ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "label"),
    [
        ("IMET-1 - Fiscal Year 2018 Department of State Training", "IMET-1"),
        ("IMET-D&R - Fiscal Year 2019 Department of State Training", "IMET-D&R"),
        ("International Military Education and Training (IMET), FY 99", "IMET"),
        (
            "DOS South Asia Region, Pakistan,  International Military Education and Training "
            "(IMET),FY03",
            "IMET",
        ),  # fmt: skip
    ],
)
def test_program_labels(raw: str, label: str) -> None:
    assert ty.program_label(raw) == label


def test_imet_by_program_lists_missing_years_as_gaps() -> None:
    tr = training(
        [
            (2018, 170, 10.0, "IMET-1 - Fiscal Year 2018 Department of State Training"),
            (2020, 32, 5.0, "IMET-2 - Fiscal Year 2020 Department of State Training"),
        ]
    )
    out = ty.imet_by_program(tr, "PAK", [2018, 2019, 2020])
    assert out["fiscal_year"].tolist() == [2018, 2019, 2020]
    assert out["program"].tolist()[0::2] == ["IMET-1", "IMET-2"]
    assert pd.isna(out.loc[1, "students"]) and pd.isna(out.loc[1, "program"])


# --- figures ------------------------------------------------------------------------------


def test_lanes_separate_overlapping_labels_and_reuse_free_space() -> None:
    placed = ft.assign_lanes([(0.0, 0.0), (1.0, 1.0), (10.0, 10.0)], [2.0, 2.0, 2.0])
    assert [lane for lane, _ in placed] == [0, 1, 0]
    near_end = ft.assign_lanes([(9.5, 9.5)], [2.0], hi=10.0)
    assert near_end == [(0, "left")]


def test_event_layout_skips_off_axis_events(real_events: pd.DataFrame) -> None:
    ev = tl.country_events(real_events, "PAK")
    layout = ft.event_layout(ev, 2017, 2021)
    assert layout["date"].min() == "2018-01-04"
    assert "(month)" in layout.set_index("date").loc["2020-01", "label"]
    assert "before FY2017" in pk.off_axis(ev, 2017, 2021)


# --- parameters and text ----------------------------------------------------------------


def test_params_reject_an_unknown_country_and_a_backward_axis() -> None:
    with pytest.raises(ParameterError, match="compare_with"):
        params.spec_for("pakistan").validate({"compare_with": "Narnia"}, "pakistan")
    base = {"country": "Pakistan", "compare_with": "India", "fy_start": 2000, "fy_end": 2010}
    assert pk.PARAMS.validate(dict(base)) == base
    with pytest.raises(ParameterError, match="after fy_end"):
        pk.PARAMS.validate({**base, "fy_start": 2011})
    with pytest.raises(ParameterError, match="same as country"):
        pk.PARAMS.validate({**base, "compare_with": "Pakistan"})


def test_an_axis_reaching_none_of_the_periods_is_a_parameter_error() -> None:
    # The bug of `run pakistan -p fy_end 1986`: an IndexError deep in the chapter before.
    periods = tp.restriction_periods(tp.read_restriction_periods(), "Pakistan")
    first = int(periods["fy_first"].min())
    base = {"country": "Pakistan", "compare_with": "India"}
    lo, hi = params.spec_for("pakistan").params["fy_start"].validator.bounds()
    assert lo < first - 1, "the data reach back before the first period"
    with pytest.raises(ParameterError, match="restriction periods of country Pakistan"):
        params.validate("pakistan", {**base, "fy_start": lo, "fy_end": first - 1})
    assert params.validate("pakistan", {**base, "fy_start": lo, "fy_end": first})
    # A country without a sourced period runs on any axis (the chapter says so).
    assert params.validate("pakistan", {"country": "Bangladesh", "fy_start": lo, "fy_end": lo})


def test_window_years_never_comes_back_empty() -> None:
    ev = tl.country_events(
        events(event("2018-08-10", "suspension"), event("2020-01", "resumption")), "PAK"
    )
    ep = tl.episodes(tl.derive_periods(ev))[0]
    assert tl.window_years(ep, 2015, 2021) == [2017, 2018, 2019, 2020, 2021]
    assert tl.window_years(None, 2015, 2021) == [2016, 2017, 2018, 2019, 2020, 2021]
    with pytest.raises(ParameterError, match="does not reach the period"):
        tl.window_years(ep, 1985, 1986)


def _timeline(
    country: str,
    periods: pd.DataFrame,
    yearly: pd.DataFrame,
    ref: pd.DataFrame,
    fy_start: int,
    fy_end: int,
    n_events: int = 0,
) -> pk.Timeline:
    """A chapter state built from fixtures, as :func:`pk.load` builds it from the tables."""
    latest = tp.latest_on_axis(periods, fy_start, fy_end)
    episode = None if latest is None else tp.period_episode(latest)
    rows = [event(f"{2000 + i}-01-01", "other") for i in range(max(n_events, 1))]
    ev = tl.country_events(events(*rows), "PAK").head(n_events)
    return pk.Timeline(
        country=country, reference="India", iso3="PAK", ref_iso3="IND", fy_start=fy_start,
        fy_end=fy_end, events=ev, periods=periods, training=training([]), funding=funding([]),
        yearly_all=yearly, ref_yearly_all=ref, latest=latest, episode=episode,
        window=tl.window_years(episode, fy_start, fy_end),
    )  # fmt: skip


def test_answer_text_says_when_there_is_nothing_to_measure() -> None:
    empty = ty.yearly_measures(training([]), funding([]), "BGD", 2017, 2020)
    none = tp.restriction_periods(tp.read_restriction_periods(), "Bangladesh")
    assert none.empty
    text = pk.answer_text(_timeline("Bangladesh", none, empty, empty, 2017, 2020, n_events=2))
    assert "holds no period in which IMET was restricted for Bangladesh" in text
    assert "2 events" in text


def test_answer_text_reads_the_sourced_periods_and_shows_contradictions() -> None:
    periods = tp.restriction_periods(tp.read_restriction_periods(), "Pakistan")
    latest = periods.iloc[-1]
    tr = training([(2017, 400, 1.0, "IMET-1"), (2019, 8, 1.0, "IMET-1")])
    y = ty.yearly_measures(tr, funding([]), "PAK", 2016, 2021)
    text = pk.answer_text(_timeline("Pakistan", periods, y, y.iloc[0:0], 2016, 2021))
    assert "400 IMET students in FY2017" in text and "8 IMET students in FY2019" in text
    assert "India: no IMET figure for FY2017" in text
    months = tl.format_months(tl.months_between(latest["start_date"], latest["end_date"]))
    assert f"{latest['start_date']} to {latest['end_date']}" in text and months in text
    # FY2019 lies wholly inside the shaded period, and the records show students: both shown.
    assert "(FY2019) the records show IMET money obligated or IMET students trained" in text
    # Only the period reaching the axis is counted; the events are not paired.
    assert "1 period on the axis" in text and "#" not in text


def test_answer_text_without_a_contradiction_says_so() -> None:
    periods = tp.restriction_periods(tp.read_restriction_periods(), "Pakistan")
    y = ty.yearly_measures(training([]), funding([]), "PAK", 2016, 2021)
    text = pk.answer_text(_timeline("Pakistan", periods, y, y, 2016, 2021))
    assert "In none of the 1 fiscal year wholly inside a shaded period" in text


def test_periods_with_activity_counts_money_and_students_not_gaps() -> None:
    ev = events(event("2015-06-01", "sanction"), event("2019-12-19", "resumption"))
    p = tl.derive_periods(tl.country_events(ev, "PAK"))
    fu = funding([(2016, "obligation", 5.0, "g"), (2017, "obligation", 0.0, "g")])
    tr = training([(2018, 4, 1.0, "IMET-1")])
    y = ty.yearly_measures(tr, fu, "PAK", 2014, 2020)
    row = tl.periods_with_activity(p, y).iloc[0]
    # FY2016-FY2019 lie wholly inside; FY2017 is a real zero and FY2019 a gap.
    assert (row["full_years"], row["years_with_imet"]) == (4, 2)
    assert row["with_imet"] == "FY2016, FY2018"


def test_with_links_links_the_title_and_leaves_other_text_plain() -> None:
    df = pd.DataFrame(
        {"event": ["IMET-D&R <b>"], "source": ["A & B"], "address": ["https://x.org/?a=1&b=2"]}
    )
    out = pk.with_links(df, "source", "address")
    assert list(out.columns) == ["event", "source"]
    assert out.loc[0, "event"] == "IMET-D&R <b>"  # escaped when shown, not here
    assert out.loc[0, "source"] == '<a href="https://x.org/?a=1&amp;b=2">A &amp; B</a>'


def test_events_html_escapes_the_event_and_links_its_source() -> None:
    ev = pd.DataFrame(
        {
            "n": [1],
            "date": ["1990-10-01"],
            "date_precision": ["day"],
            "fy_first": [1991],
            "fy_last": [1991],
            "category": ["sanction"],
            "event": ["Aid <b>cut</b> & more"],
            "source_title": ["T & U"],
            "source_url": ["https://x.org/?a=1&b=2"],
        }
    )
    out = pk.events_html(ev)
    assert pk.EVENTS_HTML_COLUMN in out.columns and "source" not in out.columns
    assert out.loc[0, pk.EVENTS_HTML_COLUMN] == (
        'Aid &lt;b&gt;cut&lt;/b&gt; &amp; more<br>Source: <a href="https://x.org/?a=1&amp;b=2">'
        "T &amp; U</a>"
    )


def test_measure_sources_group_tables_at_one_address() -> None:
    fu = funding(
        [(2008, "actual", 1.0, "s"), (2009, "actual", 2.0, "s"), (2011, "actual", 3.0, "s")]
    )
    fu["source_url"] = "https://github.com/x"
    fu["source_title"] = [f"State table FY{fy}" for fy in fu["fiscal_year"]]
    out = ty.measure_sources(fu, "PAK", 2000, 2020)
    assert len(out) == 1
    assert out.loc[0, "fiscal years"] == "FY2008\u2013FY2009, FY2011"
    assert out.loc[0, "source"] == "State table FY2008 (and 2 more at the same address)"


def test_timeline_figure_leaves_out_empty_panels() -> None:
    tr = training([(2017, 4, 1.0, "IMET-1")])
    y = ty.yearly_measures(tr, funding([(2016, "obligation", 5.0, "g")]), "PAK", 2015, 2018)
    ev = tl.country_events(events(event("2030-01-01", "other")), "PAK")  # off the axis
    fig, left_out = ft.timeline_figure(
        ev, tl.derive_periods(ev), y, country="Pakistan", fy_start=2015, fy_end=2018
    )
    assert left_out == ["events (none on this axis)", "periods (none on this axis)"]
    assert len(fig.axes) == 2


# --- sourced restriction periods ----------------------------------------------------------


def _write_periods(folder: Path, rows: list[dict[str, str]]) -> None:
    """A context folder holding one restriction-periods file and its manifest."""
    import csv
    import hashlib
    import io

    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(tp.PERIODS_FILE_COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    data = buf.getvalue().encode()
    (folder / tp.PERIODS_FILE).write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    (folder / "MANIFEST.csv").write_text(
        f"file,sha256,bytes,origin,licence\n{tp.PERIODS_FILE},{digest},{len(data)},x,y\n"
    )


def test_every_real_period_has_a_sourced_start_and_end() -> None:
    table = tp.read_restriction_periods()
    assert len(table)
    for end in ("start", "end"):
        assert table[f"{end}_source_url"].str.match(r"https?://").all()
        assert table[f"{end}_locator"].str.strip().ne("").all()
    periods = tp.restriction_periods(table, "Pakistan")
    assert (periods["fy_first"] <= periods["fy_last"]).all()
    assert periods["start_earliest"].is_monotonic_increasing
    # Every source of a period is one the Pakistan timeline already cites.
    timeline = paths.raw_dir() / "context" / "pakistan_timeline.csv"
    cited = set(pd.read_csv(timeline)["source_url"])
    assert set(table["start_source_url"]) | set(table["end_source_url"]) <= cited


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"end": "1990-01", "end_precision": "month"}, "before it starts"),
        ({"end_source_url": ""}, "every end needs a source"),
        ({"end_source_url": "javascript:alert(1)"}, "http"),
        ({"start_precision": "day"}, "is a month"),
        ({"imet_restricted": "maybe"}, "yes or no"),
    ],
)
def test_a_bad_period_row_is_one_clear_error(tmp_path: Path, change, message) -> None:
    good = tp.read_restriction_periods().iloc[0].to_dict()
    _write_periods(tmp_path, [{**good, **change}])
    with pytest.raises(DataError, match=message):
        tp.read_restriction_periods(tmp_path)


def test_a_period_twice_or_a_country_not_the_books_is_one_clear_error(tmp_path: Path) -> None:
    good = tp.read_restriction_periods().iloc[0].to_dict()
    _write_periods(tmp_path, [good, good])
    with pytest.raises(DataError, match=r"line 3: repeats line 2 \(country="):
        tp.read_restriction_periods(tmp_path)
    _write_periods(tmp_path, [{**good, "country": good["country"].upper()}])
    with pytest.raises(DataError, match="is not the book's name"):
        tp.read_restriction_periods(tmp_path)
    _write_periods(tmp_path, [])
    with pytest.raises(DataError, match="no data rows"):
        tp.read_restriction_periods(tmp_path)


def test_contradictions_list_money_or_students_inside_a_shaded_period(tmp_path: Path) -> None:
    good = tp.read_restriction_periods().iloc[0].to_dict()
    row = {
        **good,
        "start": "2001-10-01",
        "start_precision": "day",
        "end": "2004-09-30",
        "end_precision": "day",
    }
    _write_periods(tmp_path, [row])
    periods = tp.restriction_periods(tp.read_restriction_periods(tmp_path), good["country"])
    yearly = pd.DataFrame(
        {"obligation": [np.nan, 5.0, 0.0, np.nan], "students": [np.nan, 0, 0, 3]},
        index=pd.Index([2002, 2003, 2004, 2005], name="fiscal_year"),
    ).astype({"students": "Int64"})
    clash = tp.contradictions(periods, yearly)
    # 2002 is a gap (no record), 2004 a reported zero, 2005 outside the period.
    assert list(clash["fiscal_year"]) == [2003]
    assert pk.contradictions_table(clash)["IMET obligations"].tolist() == [vocab.usd(5.0)]


def test_a_covered_year_listing_nothing_is_zero_an_uncovered_year_a_gap() -> None:
    from imetbook.data import datasets

    training, funding = datasets.load("training"), datasets.load("funding")
    covered = ty.report_years(training)
    first, last = min(covered), max(covered)
    yearly = ty.yearly_measures(training, funding, "PAK", first - 2, last)
    listed = set(ty.training_yearly(training, "PAK").index)
    silent = sorted(covered - listed)
    assert silent, "Pakistan has covered years with no IMET row (the sanction years)"
    assert (yearly.loc[silent, "students"] == 0).all()
    assert yearly.loc[[first - 2, first - 1], "students"].isna().all()


def test_timeline_and_comparison_figures_draw_gaps_outside_the_data_area() -> None:
    from figure_checks import gap_marks

    tr = training([(2017, 4, 1.0, "IMET-1")])
    fund = funding([(2016, "obligation", 5.0, "g")])
    y = ty.yearly_measures(tr, fund, "PAK", 2015, 2018)
    ev = tl.country_events(events(event("2016-05-01", "sanction")), "PAK")
    fig, _ = ft.timeline_figure(
        ev, tl.derive_periods(ev), y, country="Pakistan", fy_start=2015, fy_end=2018
    )
    marks = gap_marks(fig)
    # 2017 is the only covered year: the other years have no training source at all.
    assert [2015.0, 2016.0, 2018.0] in marks.values()
    compared = ty.compare_yearly(tr, fund, ["PAK", "IND"], ["Pakistan", "India"], 2015, 2018)
    fig, _ = ft.comparison_figure(
        compared, tl.derive_periods(ev), names=["Pakistan", "India"], fy_start=2015, fy_end=2018
    )
    assert gap_marks(fig)


def test_the_periods_table_links_only_its_sources_and_spans_use_the_vocabulary() -> None:
    periods = tp.restriction_periods(tp.read_restriction_periods(), "Pakistan")
    table = pk.sourced_periods_table(periods)
    for column in pk.SOURCED_HTML_COLUMNS:
        assert table[column].str.startswith('<a href="http').all()
    plain = table.drop(columns=list(pk.SOURCED_HTML_COLUMNS))
    assert not plain.astype(str).apply(lambda c: c.str.contains("<a ")).any().any()
    spans = [
        vocab.fy_span(a, b) for a, b in zip(periods["fy_first"], periods["fy_last"], strict=True)
    ]
    assert table["fiscal years shaded"].tolist() == spans
