"""The funding table from the budget sources (fixtures cut from data/raw/budget)."""

from __future__ import annotations

import re
import shutil
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from fixture_helpers import edit, line_of, read_rows, set_amount

from imetbook.data import schema
from imetbook.data.parsers import budget
from imetbook.errors import ChecksumError, DataError, UnknownCountryError

FIX = Path(__file__).parents[1] / "fixtures" / "budget"
SCA = "South and Central Asia"


# --- helpers ---------------------------------------------------------------------------------


def copy_fixture(tmp_path: Path) -> Path:
    return Path(shutil.copytree(FIX, tmp_path / "budget"))


def training_frame(rows: list[dict]) -> pd.DataFrame:
    """A tiny ``training`` table with the contract columns the funding builder reads."""
    cols = {
        "report": "str",
        "fiscal_year": "int64",
        "status": "str",
        "region": "str",
        "iso3": "str",
        "country_name": "str",
        "is_imet": "bool",
        "students": "Int64",
        "cost_usd": "float64",
        "source_url": "str",
    }
    return pd.DataFrame(rows, columns=list(cols)).astype(cols)


NO_TRAINING = training_frame([])


@pytest.fixture(scope="module")
def funding() -> pd.DataFrame:
    return budget.build_funding(FIX, NO_TRAINING)


# --- the table as a whole ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def editions() -> pd.DataFrame:
    return budget.funding_tables(FIX, NO_TRAINING)["funding_editions"]


def test_fixture_meets_the_contract_with_one_row_per_master_figure(funding, editions):
    schema.validate(funding, schema.FUNDING)
    schema.validate(editions, schema.FUNDING_EDITIONS)
    # Each master row is one source figure; the companions must not add a second copy.
    assert len(editions) == len(read_rows(FIX, budget.MASTER))
    # The default view is the latest edition of each figure.
    assert len(funding) == editions["latest_edition"].sum() < len(editions)


def test_output_is_deterministic():
    a = budget.build_funding(FIX, NO_TRAINING)
    b = budget.build_funding(FIX, NO_TRAINING)
    pd.testing.assert_frame_equal(a, b)


def test_editions_stay_apart_and_the_default_view_keeps_the_latest(funding, editions):
    crs = editions[(editions["source"] == "crs") & (editions["fiscal_year"] == 2009)]
    rows = read_rows(FIX, budget.CRS)
    expected = {r["source"] for r in rows if r["fiscal_year"] == "2009"}
    assert set(crs["source_title"]) == expected
    assert len(crs) == len(expected) > 1
    assert crs["edition"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    default = funding[(funding["source"] == "crs") & (funding["fiscal_year"] == 2009)]
    assert default["edition"].tolist() == [crs["edition"].max()]
    # A plain group-and-sum over the default view counts each figure once.
    key = ["source", "measure", "country_name", "fiscal_year"]
    assert not funding[funding["edition"].notna()].duplicated(key).any()


def test_two_figures_of_one_edition_are_an_error(editions):
    crs = editions[editions["source"].eq("crs")]
    with pytest.raises(DataError, match="two crs figures"):
        budget.latest_editions(pd.concat([crs, crs.iloc[:1]], ignore_index=True))


# --- each source's units and quirks ------------------------------------------------------------


def test_state_tables_are_thousands(funding):
    state = funding[funding["source"] == "state_csis"]
    rows = read_rows(FIX, budget.STATE)
    assert len(state) == len(rows)
    for row in rows:
        locator = f"{row['file']}, line {row['csv_line']}, column IMET"
        got = state.loc[state["locator"] == locator, "amount_usd"]
        assert got.tolist() == [float(Decimal(row["imet_thousands"]) * 1000)]


def test_greenbook_is_dollars(funding):
    rows = read_rows(FIX, budget.GREENBOOK)
    green = funding[funding["source"] == "greenbook"]
    assert len(green) == len(rows)
    assert sorted(green["amount_usd"]) == sorted(
        float(r["obligations_historical_usd"]) for r in rows
    )


def test_crs_millions_become_rows_and_other_cells_become_gaps(editions):
    rows = read_rows(FIX, budget.CRS)
    numeric = [
        r
        for r in rows
        if re.fullmatch(r"\d+", r["imet_usd_millions"].strip()) and "-" not in r["fiscal_year"]
    ]
    crs = editions[editions["source"] == "crs"]
    assert sorted(crs["amount_usd"]) == sorted(
        float(r["imet_usd_millions"]) * 1_000_000 for r in numeric
    )
    gaps = budget.funding_gaps(FIX)
    assert len(gaps) == len(rows) - len(numeric) > 0
    reasons = " ".join(gaps["reason"])
    assert "multi-year" in reasons and "dash" in reasons and "asterisk" in reasons
    multi = gaps[gaps["fiscal_years"].str.contains("-")]
    assert len(multi) == sum("-" in r["fiscal_year"] for r in rows)
    # A multi-year total is never spread over the years it covers.
    assert not crs["locator"].str.contains("-FY").any()


def test_fmtr_section3_program_rows_stay_apart(funding):
    s3 = funding[(funding["source"] == "fmtr_s3") & funding["measure"].str.startswith("fmtr_")]
    rows = read_rows(FIX, budget.FMTR_S3)
    assert len(s3) == len(rows)
    assert sorted(s3["students"].astype(int)) == sorted(int(r["students"]) for r in rows)
    programs = {r["program"] for r in rows if r["country"] == "Armenia"}
    armenia = s3[s3["country_name"] == "Armenia"]
    assert all(armenia["locator"].str.contains(f'row "{p}"').any() for p in programs)


def test_master_only_figures_are_kept(funding):
    only = funding[~funding["source"].isin(["greenbook", "state_csis", "crs"])]
    assert {"cbj", "news", "state_factsheet", "tertiary"} <= set(only["source"])
    narrative = funding[(funding["source"] == "fmtr_s3") & (funding["measure"] == "allocation")]
    assert len(narrative) == 1


# --- scope, totals and regions -----------------------------------------------------------------


def test_region_and_world_rows_are_distinct(funding):
    non_country = funding[funding["scope"] != "country"]
    assert non_country["iso3"].isna().all()
    assert funding.loc[funding["scope"] == "country", "iso3"].notna().all()
    world = funding[funding["country_name"] == "World"]
    assert set(world["scope"]) == {"world"} and world["is_total"].all()
    sca = funding[funding["country_name"] == SCA]
    assert set(sca["scope"]) == {"region"} and sca["is_total"].all()
    unspecified = funding[funding["country_name"].str.endswith("(not specified)")]
    assert len(unspecified) > 0 and not unspecified["is_total"].any()
    assert unspecified["region"].isna().all()
    pm = funding[funding["country_name"].str.startswith("Political-Military")]
    assert set(pm["scope"]) == {"world"} and pm["region"].isna().all()
    regional_line = funding[funding["country_name"] == "East Asia and Pacific Regional"]
    assert regional_line["region"].tolist() == ["East Asia and Pacific"]


def test_region_of_a_country_comes_from_the_state_layout(funding):
    countries_ = funding[funding["scope"] == "country"]
    listed = countries_[(countries_["source"] == "state_csis") & (countries_["region"] == SCA)]
    placed = countries_[countries_["region"] == SCA]
    assert set(placed["iso3"]) == set(listed["iso3"])
    assert {"IND", "PAK", "KGZ"} <= set(placed["iso3"])
    # India's Greenbook rows get the region the State table lists India under.
    india = countries_[countries_["iso3"] == "IND"]
    assert set(india["region"]) == {SCA}
    # Turkey is not in the fixture's State rows: no region rather than a guess.
    assert countries_.loc[countries_["iso3"] == "TUR", "region"].isna().all()


def test_block_that_does_not_add_up_is_an_error(tmp_path):
    folder = copy_fixture(tmp_path)
    edit(
        folder,
        budget.STATE,
        "2008,actual,FY08,India,India,1345,1345000,",
        "2008,actual,FY08,India,India,1346,1346000,",
    )
    master = next(
        r
        for r in read_rows(folder, budget.MASTER)
        if r["country"] == "India"
        and r["fiscal_year"] == "2008"
        and r["source_title"].startswith("State")
    )
    edit(
        folder,
        budget.MASTER,
        f"India,2008,actual,{master['amount_usd']},",
        "India,2008,actual,1346000,",
    )
    with pytest.raises(DataError, match=r"South and Central Asia.*subtotal"):
        budget.build_funding(folder, NO_TRAINING)


def test_derive_regions_falls_back_to_the_fmtr_section():
    state = pd.DataFrame(
        {
            "iso3": ["IND", "PAK", "IDN"],
            "region": [SCA, SCA, "East Asia and Pacific"],
            "fiscal_year": [2016, 2017, 2017],
        }
    )
    listed = [
        ("2019-2020", "Europe", "BTN"),
        ("2020-2021", "South Central Asia", "BTN"),
        ("2020-2021", "South Central Asia", "IND"),
        ("2020-2021", "South Central Asia", "PAK"),
        ("2020-2021", "Mixed", "XKX"),
        ("2020-2021", "Mixed", "IND"),
        ("2020-2021", "Mixed", "IDN"),
    ]
    training = training_frame(
        [
            {"report": r, "region": s, "iso3": c, "fiscal_year": int(r[-4:]) - 1}
            for r, s, c in listed
        ]
    )
    out = budget.derive_regions(state, training).set_index("iso3")
    assert out.loc["BTN", "region"] == SCA
    assert "2020-2021" in out.loc["BTN", "basis"]
    assert out.loc["PAK", "basis"] == "State table FY2017"
    assert "XKX" not in out.index  # its section mixes State regions: no region


# --- training delivered ------------------------------------------------------------------------


def _training() -> pd.DataFrame:
    base = {
        "report": "2007-2008",
        "region": "South Central Asia",
        "status": "actual",
        "source_url": "fmtr/fy2007_2008/south_asia.xml.gz",
    }
    rows = [
        {"iso3": "PAK", "fiscal_year": 2008, "is_imet": True, "cost_usd": 1000.5, "students": 2},
        {"iso3": "PAK", "fiscal_year": 2008, "is_imet": True, "cost_usd": 250.0, "students": 1},
        {"iso3": "PAK", "fiscal_year": 2008, "is_imet": True, "cost_usd": None, "students": 3},
        {"iso3": "PAK", "fiscal_year": 2008, "is_imet": False, "cost_usd": 9e6, "students": 9},
        {
            "iso3": "PAK",
            "fiscal_year": 2008,
            "is_imet": True,
            "cost_usd": 7e6,
            "students": 7,
            "status": "planned",
        },
        {"iso3": None, "fiscal_year": 2008, "is_imet": True, "cost_usd": 5e5, "students": 5},
        {"iso3": "IND", "fiscal_year": 2008, "is_imet": True, "cost_usd": None, "students": 4},
    ]
    return training_frame([{**base, **r} for r in rows])


def test_training_value_sums_imet_actual_country_rows():
    training = _training()
    funding = budget.build_funding(FIX, training)
    value = funding[funding["measure"] == "training_value"]
    counted = training[
        training["is_imet"] & (training["status"] == "actual") & training["iso3"].notna()
    ]
    pak = counted[counted["iso3"] == "PAK"]
    row = value[value["iso3"] == "PAK"].iloc[0]
    assert row["amount_usd"] == pak["cost_usd"].sum()
    assert row["students"] == pak["students"].sum()
    assert row["source"] == "fmtr" and row["region"] == SCA
    assert f"report 2007-2008 ({len(pak)} rows)" in row["locator"]
    assert "1 without a printed cost" in row["note"]
    # Null ISO codes are left out; a country-year with no printed cost is a gap, not a row.
    assert set(value["iso3"]) == {"PAK"}
    gaps = budget.funding_gaps(FIX, training)
    assert gaps.loc[gaps["source"] == "fmtr", "iso3"].tolist() == ["IND"]


def _reconciliation(status: str, printed: float, parsed: float) -> pd.DataFrame:
    """One IMET program group of the 2007-2008 report for Pakistan FY2008."""
    return pd.DataFrame(
        {
            "report": ["2007-2008"],
            "level": ["program"],
            "program": ["IMET"],
            "iso3": ["PAK"],
            "fiscal_year": pd.array([2008], dtype="Int64"),
            "status": [status],
            "printed_cost": [printed],
            "parsed_cost": [parsed],
        }
    )


def test_training_value_from_an_unmatched_group_is_doubtful():
    training = _training()
    pak = training[training["iso3"].eq("PAK") & training["status"].eq("actual")]
    parsed = float(pak["cost_usd"].sum())

    def value(recon):
        f = budget.build_funding(FIX, training, recon)
        return f[f["measure"].eq("training_value") & f["iso3"].eq("PAK")].iloc[0]

    bad = value(_reconciliation("mismatch", parsed + 1000, parsed))
    assert bad["quality"] == "doubtful"
    assert "doubtful: report 2007-2008 prints" in bad["note"]
    good = value(_reconciliation("match", parsed, parsed))
    assert good["quality"] == "checked" and "doubtful" not in good["note"]
    # Budget figures are the sources' own: no quality.
    f = budget.build_funding(FIX, training, _reconciliation("match", parsed, parsed))
    assert f.loc[f["measure"].ne("training_value"), "quality"].isna().all()


def test_training_value_sits_beside_the_budget_figures():
    funding = budget.build_funding(FIX, _training())
    pak = funding[(funding["iso3"] == "PAK") & (funding["fiscal_year"] == 2008)]
    assert {"training_value", "obligation", "actual", "appropriation"} <= set(pak["measure"])
    assert pak["source"].nunique() >= 4


def test_training_without_needed_columns_is_an_error():
    with pytest.raises(DataError, match="training: missing column"):
        budget.build_funding(FIX, NO_TRAINING.drop(columns=["cost_usd"]))


# --- bad input ---------------------------------------------------------------------------------


def test_checksum_mismatch(tmp_path):
    folder = copy_fixture(tmp_path)
    edit(folder, budget.GREENBOOK, ",3851885,3851885", ",3851886,3851885", manifest=False)
    with pytest.raises(ChecksumError, match=budget.GREENBOOK):
        budget.build_funding(folder, NO_TRAINING)


def test_unparsable_amount_names_file_and_line(tmp_path):
    folder = copy_fixture(tmp_path)
    line = set_amount(folder, budget.MASTER, "Nepal", "allocation", "220 000")
    with pytest.raises(DataError, match=rf"{budget.MASTER} line {line}: unparsable amount"):
        budget.build_funding(folder, NO_TRAINING)


def test_unparsable_crs_cell(tmp_path):
    folder = copy_fixture(tmp_path)
    edit(folder, budget.CRS, ",* (asterisk in source; footnote not seen)", ",n/a")
    with pytest.raises(DataError, match=rf"{budget.CRS} line \d+: unparsable amount 'n/a'"):
        budget.build_funding(folder, NO_TRAINING)


def test_unknown_country_names_the_name_and_line(tmp_path):
    folder = copy_fixture(tmp_path)
    old = "Nepal,2001,allocation,"
    line = line_of(folder, budget.MASTER, old)
    edit(folder, budget.MASTER, old, "Nepall Kingdom,2001,allocation,")
    with pytest.raises(UnknownCountryError, match=rf"line {line}: .*'Nepall Kingdom'"):
        budget.build_funding(folder, NO_TRAINING)


def test_unknown_region_label(tmp_path):
    folder = copy_fixture(tmp_path)
    edit(
        folder,
        budget.GREENBOOK,
        ",Asia (not specified),Asia (not specified),",
        ",Antarctica (not specified),Antarctica (not specified),",
    )
    with pytest.raises(DataError, match=r"unknown region label 'Antarctica \(not specified\)'"):
        budget.build_funding(folder, NO_TRAINING)


def test_master_and_companion_disagreeing_is_an_error(tmp_path):
    folder = copy_fixture(tmp_path)
    row = next(r for r in read_rows(folder, budget.GREENBOOK) if r["country"] == "Israel")
    old = f"Israel,{row['fiscal_year']},obligation,{row['obligations_historical_usd']},"
    edit(folder, budget.MASTER, old, old.replace(row["obligations_historical_usd"], "1"))
    with pytest.raises(DataError, match="disagree on amount_usd"):
        budget.build_funding(folder, NO_TRAINING)


def test_companion_figure_missing_from_the_master_is_an_error(tmp_path):
    folder = copy_fixture(tmp_path)
    row = next(r for r in read_rows(folder, budget.GREENBOOK) if r["country"] == "Israel")
    lines = (folder / budget.MASTER).read_bytes().decode("utf-8").splitlines(keepends=True)
    prefix = f"Israel,{row['fiscal_year']},obligation,"
    old = next(line for line in lines if line.startswith(prefix))
    edit(folder, budget.MASTER, old, "")
    line = line_of(folder, budget.GREENBOOK, f",Israel,Israel,{row['obligations_historical_usd']}")
    with pytest.raises(DataError, match=rf"{budget.GREENBOOK} line {line}: figure missing from"):
        budget.build_funding(folder, NO_TRAINING)


def test_unknown_source_title(tmp_path):
    folder = copy_fixture(tmp_path)
    edit(folder, budget.MASTER, "Military of Nepal (encyclopedia", "Military of Nepal (blog")
    with pytest.raises(DataError, match="matches no known source"):
        budget.build_funding(folder, NO_TRAINING)


def test_resolve_label_does_not_send_regions_to_the_country_mapper():
    assert budget.resolve_label(SCA).scope == "region"
    assert budget.resolve_label("World").scope == "world"
    assert budget.resolve_label("World (not specified)", {"World"}).scope == "world"
    assert budget.resolve_label("Kyrgyz Republic").iso3 == "KGZ"
    with pytest.raises(DataError, match="unknown region label"):
        budget.resolve_label("Asia (not specified)", {"Oceania"})


def test_real_crs_editions_do_not_double_pakistan_fy2010():
    from imetbook import paths

    tables = budget.funding_tables(paths.raw_dir() / "budget", NO_TRAINING)
    every, default = tables["funding_editions"], tables["funding"]

    def pak2010(frame):
        f = frame[
            frame["source"].eq("crs")
            & frame["iso3"].eq("PAK")
            & frame["fiscal_year"].eq(2010)
            & frame["measure"].eq("appropriation")
        ]
        return f

    both = pak2010(every)
    assert both["edition"].nunique() == len(both) > 1  # printed in several editions
    kept = pak2010(default)
    assert len(kept) == 1 and kept["edition"].iloc[0] == both["edition"].max()
    assert kept["amount_usd"].sum() == both.loc[both["edition"].idxmax(), "amount_usd"]
