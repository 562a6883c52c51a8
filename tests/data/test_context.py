"""Events, rules and claims from the context files (fixtures cut from data/raw/context)."""

from __future__ import annotations

import calendar
import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest
from fixture_helpers import edit, line_of, read_rows

from imetbook.data import schema
from imetbook.data.parsers import context
from imetbook.errors import ChecksumError, DataError, UnknownCountryError

FIX = Path(__file__).parents[1] / "fixtures" / "context"
PAK, IND = "pakistan_timeline.csv", "india_timeline.csv"


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return context.build_tables(FIX)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return Path(shutil.copytree(FIX, tmp_path / "context"))


# --- the tables --------------------------------------------------------------------------------


def test_tables_meet_their_contracts(tables):
    for name in ("events", "rules", "claims"):
        schema.validate(tables[name], schema.CONTRACTS[name])
    assert len(tables["rules"]) == len(read_rows(FIX, "eligibility_rules.csv"))
    assert len(tables["claims"]) == len(read_rows(FIX, "article_claims.csv"))


def _expected_range(date: str, precision: str) -> tuple[dt.date, dt.date]:
    parts = [int(p) for p in date.split("-")]
    if precision == "year":
        return dt.date(parts[0], 1, 1), dt.date(parts[0], 12, 31)
    if precision == "month":
        last = calendar.monthrange(parts[0], parts[1])[1]
        return dt.date(parts[0], parts[1], 1), dt.date(parts[0], parts[1], last)
    return dt.date(*parts), dt.date(*parts)


def test_dates_keep_their_precision(tables):
    events = tables["events"]
    assert {"day", "month", "year"} <= set(events["date_precision"])
    for row in events.itertuples():
        start, end = _expected_range(row.date, row.date_precision)
        assert (row.date_start.date(), row.date_end.date()) == (start, end), row.event_id
        assert row.fiscal_year == start.year + (1 if start.month >= 10 else 0), row.event_id
    month = events[events["date_precision"] == "month"].iloc[0]
    assert month["date_start"] != month["date_end"]


@pytest.mark.parametrize(
    ("day", "fy"),
    [(dt.date(2018, 10, 5), 2019), (dt.date(2018, 9, 30), 2018), (dt.date(2018, 10, 1), 2019)],
)
def test_fiscal_year_starts_on_1_october(day, fy):
    assert context.fiscal_year(day) == fy


def test_date_range_rejects_mismatched_precision_and_impossible_dates():
    for date, precision in (
        ("2020-01", "day"),
        ("2020", "month"),
        ("2020-02-30", "day"),
        ("1990-13", "month"),
        ("2020-01-01", "week"),
    ):
        with pytest.raises(DataError):
            context.date_range(date, precision)


def test_one_row_per_event_and_concerned_country(tables):
    events = tables["events"]
    assert "USA" not in set(events["iso3"])
    # Every country a row names (but the US) is concerned, and so is the timeline's country.
    for key, rows in events.groupby(["date", "source_url"]):
        named = set(";".join(rows["countries"]).split(";")) - {"United States"}
        assert set(rows["country_name"]) >= named, key
    created = events[events["event"].str.contains("created the IMET program")]
    assert created["iso3"].tolist() == ["PAK"]


def test_events_in_both_timelines_are_counted_once_per_country(tables):
    events = tables["events"]
    assert not events.duplicated(["date", "date_precision", "source_url", "iso3"]).any()
    shared = events[events["shared_with"].notna()]
    assert set(shared["timeline"]) == {"india_timeline", "pakistan_timeline"}
    for iso3, timeline in (("IND", "india_timeline"), ("PAK", "pakistan_timeline")):
        own = shared[shared["iso3"] == iso3]
        assert set(own["timeline"]) == {timeline}
    pak_rows = read_rows(FIX, PAK)
    ind_rows = read_rows(FIX, IND)
    both = {(r["date"], r["source_url"]) for r in pak_rows} & {
        (r["date"], r["source_url"]) for r in ind_rows
    }
    assert len(set(zip(shared["date"], shared["source_url"], strict=True))) == len(both) > 0
    # A third country of a shared event (Israel, USAWC class of 2009) appears once.
    israel = events[events["iso3"] == "ISR"]
    assert len(israel) == 1 and israel["shared_with"].notna().all()


def test_rules_code_their_example_countries(tables):
    rules = tables["rules"].set_index("rule_id")
    raw = {r["rule_id"]: r for r in read_rows(FIX, "eligibility_rules.csv")}
    for rule_id, row in raw.items():
        names = [n for n in row["example_countries"].split(";") if n]
        codes = rules.loc[rule_id, "example_iso3"]
        if names:
            assert len(codes.split(";")) == len(names), rule_id
        else:
            assert pd.isna(codes), rule_id
        assert pd.isna(rules.loc[rule_id, "year_enacted"]) == (row["year_enacted"] == "")
    assert "KOR" in rules.loc["R08", "example_iso3"].split(";")
    assert "COD" in rules.loc["R21", "example_iso3"].split(";")


# --- bad input ---------------------------------------------------------------------------------


def test_checksum_mismatch(folder):
    edit(folder, PAK, "1990-10,month", "1990-11,month", manifest=False)
    with pytest.raises(ChecksumError, match=PAK):
        context.build_tables(folder)


def fails_at_line(folder, name: str, at: str, old: str, new: str, error, message: str) -> None:
    """Replace ``old`` with ``new`` in the fixture file ``name``: the build must fail with
    ``error`` naming the file, the line holding ``at`` and ``message`` (a pattern)."""
    line = line_of(folder, name, at)
    edit(folder, name, old, new)
    with pytest.raises(error, match=rf"{name} line {line}: {message}"):
        context.build_tables(folder)


def test_bad_date_names_file_and_line(folder):
    month = "1990-10,month"
    fails_at_line(folder, PAK, month, month, "1990-13,month", DataError, "bad date '1990-13'")


def test_precision_mismatch_names_file_and_line(folder):
    month = "1990-10,month"
    message = "date '1990-10' does not have"
    fails_at_line(folder, PAK, month, month, "1990-10,day", DataError, message)


def test_unknown_precision(folder):
    edit(folder, PAK, "1990-10,month", "1990-10,season")
    with pytest.raises(DataError, match="unknown date precision 'season'"):
        context.build_tables(folder)


def test_unknown_category(folder):
    row = next(r for r in read_rows(folder, IND) if r["date"] == "2020-02")
    old = f",{row['category']},United States;India"
    new = ",rumour,United States;India"
    fails_at_line(folder, IND, "2020-02,month", old, new, DataError, "unknown category 'rumour'")


def test_unknown_country_names_file_and_line(folder):
    old, new = "Pakistan;Russia", "Pakistan;Ruritania"
    fails_at_line(folder, PAK, "2018-08-07", old, new, UnknownCountryError, ".*'Ruritania'")


def test_bad_rule_year_and_unknown_verdict(folder, tmp_path):
    edit(folder, "eligibility_rules.csv", "2347(a),1976,", "2347(a),c. 1976,")
    with pytest.raises(DataError, match="eligibility_rules.csv line 2: bad year_enacted"):
        context.build_tables(folder)
    other = Path(shutil.copytree(FIX, tmp_path / "again"))
    edit(other, "article_claims.csv", "partly supported", "plausible")
    with pytest.raises(DataError, match="article_claims.csv line 2: unknown verdict"):
        context.build_tables(other)
