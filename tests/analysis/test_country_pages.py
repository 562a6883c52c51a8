"""Country pages (imetbook.analysis.country_pages) on tiny tables built here, and on rows of the
real training table cut for the classmates tests (``tests/fixtures/classmates``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from fixture_helpers import course_rows, training_rows

from imetbook import vocab
from imetbook.analysis import classmates
from imetbook.analysis import country_classes as cc
from imetbook.analysis import country_pages as cp
from imetbook.analysis import country_set as cset
from imetbook.chapters import country_text as ct
from imetbook.chapters import profile
from imetbook.data import datasets
from imetbook.errors import DataError, ParameterError
from imetbook.figures import country as cf

CLASSMATES = Path(__file__).parents[1] / "fixtures" / "classmates" / "training_rows.csv"


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
            "program": ["IMET", "IMET", "CTFP", "IMET", "IMET", "IMET"],
            "students": pd.array([3, None, 1, 2, 9, 1], dtype="Int64"),
            "cost_usd": [100.0, 50.0, 5.0, 20.0, 90.0, 1.0],
        }
    )


def load_classmates_rows() -> pd.DataFrame:
    """The classmates fixture typed as the training table is."""
    return training_rows(CLASSMATES).drop(columns="case")


# --- which countries, students and dollars by year -------------------------------------------


def test_countries_are_those_with_a_code() -> None:
    assert cp.countries_with_training(training()).to_dict("list") == {
        "iso3": ["IND", "NPL"],
        "country_name": ["India", "Nepal"],
    }
    assert cp.iso3_of(training(), "Nepal") == "NPL"
    with pytest.raises(ParameterError, match="Turkey has no record .* and no IMET money"):
        cp.iso3_of(training(), "Turkey")
    # A country the reports leave out gets its page from its own IMET money.
    turkey_money = money_rows().assign(iso3="TUR", country_name="Turkey")
    assert cp.iso3_of(training(), "Turkey", turkey_money) == "TUR"


def test_by_year_counts_actual_imet_and_keeps_gaps() -> None:
    table = cp.imet_by_year(training(), "IND")
    assert list(table.columns) == cp.BY_YEAR_COLUMNS
    assert table["fiscal_year"].tolist() == [2001, 2002]
    first, second = table.iloc[0], table.iloc[1]
    assert (first["records"], first["students"], first["cost_usd"]) == (2, 3, 150.0)
    assert first["records_without_students"] == 1
    # 2002 has only a non-IMET record for India: a gap, not a zero.
    assert second["records"] == 0
    assert pd.isna(second["students"]) and pd.isna(second["cost_usd"])


def test_planned_rows_are_not_counted() -> None:
    table = cp.imet_by_year(training(), "NPL")
    assert 2003 not in table["fiscal_year"].tolist()
    assert table.set_index("fiscal_year").loc[2002, "students"] == 2


def test_display_tells_a_year_without_records_from_a_number_not_printed() -> None:
    rows = training()
    rows.loc[3, "students"] = pd.NA  # Nepal's one 2002 record prints no students
    shown = ct.by_year_display(cp.imet_by_year(rows, "NPL"))
    assert shown["students"].tolist() == [ct.NO_RECORD, ct.NOT_PRINTED]
    assert shown["dollars (course costs)"].tolist() == [ct.NO_RECORD, "$20"]
    assert shown["fiscal year"].tolist() == ["FY2001", "FY2002"]


def test_headline_and_opening_paragraph() -> None:
    by_year = cp.imet_by_year(training(), "IND")
    head = cp.headline(by_year)
    assert (head.records, head.years_with, head.years_covered) == (2, 1, 2)
    assert (head.students, head.dollars, head.last_year) == (3, 150.0, 2001)
    others = cp.other_programs(training(), "IND")
    assert others.to_dict("list") == {"program": ["CTFP"], "records": [1]}
    top = pd.DataFrame({"course": ["Air Command and Staff College"], "students": [3]})
    text = ct.opening_text("India", head, top, others)
    assert "list 3 IMET students from India in 1 of the 2 fiscal years" in text
    assert "(FY2001–FY2002), in 2 course records whose printed costs add up to $150." in text
    assert "attended most is Air Command and Staff College (3 students)." in text
    assert "1 record prints no number of students and 0 no cost" in text
    odd = pd.DataFrame({"course": ["LOADMASTER/ *"], "students": [1]})
    assert "attended most is LOADMASTER/ \\* (1 student)." in ct.opening_text(
        "India", head, odd, others
    )


def test_opening_paragraph_without_imet_names_the_other_programs() -> None:
    rows = training()
    rows["is_imet"] = rows["program"].eq("IMET") & rows["iso3"].ne("IND")
    head = cp.headline(cp.imet_by_year(rows, "IND"))
    text = ct.opening_text("India", head, pd.DataFrame(), cp.other_programs(rows, "IND"))
    assert text.startswith("The Foreign Military Training reports list no IMET training for India")
    assert "under other programs: IMET (2), CTFP (1)." in text


# --- top courses and places ------------------------------------------------------------------


def test_top_courses_group_a_family_and_rank_by_students() -> None:
    rows = course_rows(
        course_title=[
            "AIR COMD & STAFF COLLEGE",  # two printings of one curated family
            "AIR COMMAND & STAFF COLLEGE",
            "ENGLISH LANGUAGE",
            "ENGLISH LANGUAGE",
            "MYSTERY COURSE",
            None,
        ],
        students=pd.array([1, 1, 1, 4, None, 9], dtype="Int64"),
        fiscal_year=[2008, 2012, 2010, 2010, 2010, 2010],
        report=["2008-2009", "2012-2013", "2010-2011", "2010-2011", "2010-2011", "2010-2011"],
    )
    top = cp.top_courses(rows)
    assert top["course"].tolist() == [
        "ENGLISH LANGUAGE",
        "Air Command and Staff College",
        "MYSTERY COURSE",  # students unknown: last
    ]
    family = top.set_index("course").loc["Air Command and Staff College"]
    assert (family["records"], family["students"]) == (2, 2)
    assert family["fiscal years"] == "FY2008–FY2012"
    assert family["latest listing"] == "2012-2013 p. 5"
    assert family["source_url"] == "https://example.org/1"
    assert pd.isna(top.set_index("course").loc["MYSTERY COURSE", "students"])


def test_top_places_leave_out_records_naming_no_place() -> None:
    rows = course_rows(
        course_title=["A", "B", "C"],
        location=["MAXWELL AFB, AL 36112-6323", "Maxwell AFB, AL, US", "VARIOUS"],
    )
    places = cp.top_places(rows)
    assert places[["place", "records", "courses"]].to_dict("list") == {
        "place": ["Maxwell AFB, AL"],
        "records": [2],
        "courses": [2],
    }
    assert cp.records_without_place(rows) == 1


# --- neighbours and shared classes -----------------------------------------------------------


def funding(regions: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "iso3": list(regions),
            "scope": ["country"] * len(regions),
            "region": list(regions.values()),
        }
    )


def test_region_from_the_funding_bureau_else_the_report_section() -> None:
    rows = pd.DataFrame(
        {
            "iso3": ["PAK", "IND", "NPL", "BTN", "BTN", "BTN"],
            "country_name": ["Pakistan", "India", "Nepal", "Bhutan", "Bhutan", "Bhutan"],
            "region": ["South Asia", "South Asia", "South Asia", "South Asia"] + ["Europe"] * 2,
        }
    )
    money = funding({"PAK": "SCA", "IND": "SCA", "NPL": "EAP"})
    by_bureau = cp.region_of(rows, money, "PAK")
    assert (by_bureau.name, by_bureau.basis, by_bureau.members) == ("SCA", "funding", ("IND",))
    # Bhutan has no bureau: it is printed under Europe most often, alone there.
    fallback = cp.region_of(rows, money, "BTN")
    assert (fallback.name, fallback.basis, fallback.members) == ("Europe", "training", ())
    assert "section of the training reports" in ct.region_words(fallback)


def classes_frame() -> pd.DataFrame:
    """The classmates fixture plus three rows of one course whose dates chain Pakistan to
    India only through Nepal: matched pair by pair, Pakistan and India share no class."""
    rows = load_classmates_rows()
    chain = rows[rows["iso3"].eq("PAK")].iloc[[0]].copy()
    chain = pd.concat([chain] * 3, ignore_index=True)
    chain["iso3"] = ["PAK", "NPL", "IND"]
    chain["country_name"] = ["Pakistan", "Nepal", "India"]
    chain["record_id"] = [f"chain#{i}" for i in range(3)]
    chain["course_title"] = chain["course_key"] = "CHAIN COURSE"
    chain["fiscal_year"] = 2015
    chain["start_date"] = pd.to_datetime(["2015-01-01", "2015-01-09", "2015-01-19"]).astype(
        "datetime64[us]"
    )
    chain["end_date"] = pd.to_datetime(["2015-01-10", "2015-01-20", "2015-01-30"]).astype(
        "datetime64[us]"
    )
    return pd.concat([rows, chain], ignore_index=True)


def test_neighbours_rank_by_shared_course_years() -> None:
    rows = classes_frame()
    near = cc.neighbours(rows, "PAK", ["IND", "NPL", "BGD", "LKA"], top=2)
    assert near["iso3"].tolist()[0] == "IND"
    assert len(near) == 2
    assert near["course_years"].is_monotonic_decreasing
    assert "BGD" not in cc.neighbours(rows, "PAK", ["BGD"])["iso3"].tolist()  # none shared


def test_shared_classes_are_those_of_each_pair_alone() -> None:
    rows = classes_frame()
    near = cc.neighbours(rows, "PAK", ["IND", "NPL"])
    table = cc.shared_with_neighbours(rows, "Pakistan", "PAK", near).set_index("neighbour")
    for other in near["country_name"]:
        alone = classmates.shared_classes_for(rows, ["Pakistan", other]).classes
        kinds = alone["match"].value_counts()
        assert table.loc[other, "classes"] == kinds.get("class", 0), other
        assert table.loc[other, "course-year matches"] == kinds.get("course-year", 0), other
    # The chain: Nepal overlaps both, India only overlaps Nepal.
    assert table.loc["Nepal", "classes"] == 1
    chain_with_india = classmates.shared_classes_for(rows, ["Pakistan", "India"]).classes
    assert "CHAIN COURSE" not in chain_with_india["course_title"].tolist()
    alone_with_india = classmates.shared_classes_for(rows, ["Pakistan", "India"])
    last = alone_with_india.classes.sort_values("fiscal_year").iloc[-1]
    assert table.loc["India", "latest shared class"] == (
        f"{last['course_title']}, FY{last['fiscal_year']} ({last['pages']})"
    )


def test_no_neighbours_no_table() -> None:
    empty = cc.neighbours(classes_frame(), "PAK", [])
    assert empty.empty
    assert cc.shared_with_neighbours(classes_frame(), "Pakistan", "PAK", empty).empty
    region = cp.Region("SCA", "funding", ())
    assert "no neighbours to match" in ct.neighbours_text("Pakistan", region, empty, True)
    region = cp.Region("SCA", "funding", ("IND",))
    assert "the records show no shared class" in ct.neighbours_text("Pakistan", region, empty, True)
    assert "has no IMET record" in ct.neighbours_text("Israel", region, empty, False)


# --- funding ---------------------------------------------------------------------------------


def money_rows() -> pd.DataFrame:
    """Obligations in three years, two sources disagreeing on a 2003 request, a region row."""
    return pd.DataFrame(
        {
            "iso3": ["ARM"] * 6 + [None],
            "country_name": ["Armenia"] * 6 + ["Europe and Eurasia"],
            "scope": ["country"] * 6 + ["region"],
            "fiscal_year": [2001, 2002, 2003, 2003, 2003, 1990, 2001],
            "measure": ["obligation"] * 3 + ["request", "request", "obligation", "obligation"],
            "amount_usd": [100.0, 200.0, 300.0, 50.0, 60.0, 10.0, 999.0],
            "source": ["greenbook"] * 3 + ["cbj", "news", "greenbook", "greenbook"],
            "source_title": ["Greenbook"] * 3 + ["CBJ 2003", "A newspaper", "Greenbook", "G"],
            "source_url": ["https://g"] * 3 + ["https://c", "https://n", "https://g", "https://g"],
        }
    )


def test_funding_by_year_never_picks_between_disagreeing_sources() -> None:
    rows = cp.funding_rows(money_rows(), "ARM")
    assert len(rows) == 6  # the region row is not the country's
    by_year = cp.funding_by_year(rows)
    request = by_year[by_year["measure"].eq("request")].iloc[0]
    assert pd.isna(request["amount_usd"])
    # Markdown: the source names come from the data, so every markup character is escaped.
    label = vocab.measure_label("request")
    assert ct.disagreements(by_year) == [rf"FY2003 {label}: \$50 (cbj); \$60 (news)"]


def test_chart_draws_measures_with_enough_figures_and_lists_the_rest() -> None:
    by_year = cp.funding_by_year(cp.funding_rows(money_rows(), "ARM"))
    years = list(range(2000, 2004))  # the 1990 obligation is off the axis
    measures = cp.chart_measures(by_year, years, limit=8, min_figures=3)
    assert measures == ["obligation"]
    data = cp.chart_data(by_year, years, measures)
    assert data["amount"].tolist() == [100.0, 200.0, 300.0]
    obligation = vocab.measure_label("obligation")
    assert set(data["measure"]) == {obligation}
    counts = cp.axis_counts(by_year, years)
    assert ct.table_only(counts, measures) == ""  # the request has no single figure
    assert cp.chart_measures(by_year, years, limit=8, min_figures=4) == []
    assert ct.table_only(counts, []) == f"{obligation} (3 figures)"


def test_funding_table_one_row_per_measure_and_source() -> None:
    table = ct.funding_table(cp.funding_rows(money_rows(), "ARM"))
    request, obligation = (vocab.measure_label(m) for m in ("request", "obligation"))
    assert table["measure"].tolist() == [request, request, obligation]
    obligation = table.iloc[2]
    assert obligation["fiscal years"] == "FY1990, FY2001–FY2003"
    assert (obligation["figures"], obligation["latest figure"]) == (4, "FY2003: $300")
    assert obligation["address"] == "https://g"


def test_money_scale() -> None:
    assert cf.money_scale(1_500_000) == (1_000_000.0, "US$ millions, nominal")
    assert cf.money_scale(999_999) == (1_000.0, "US$ thousands, nominal")


def test_record_figure_leaves_out_empty_panels() -> None:
    by_year = cp.imet_by_year(training(), "IND")
    none = pd.DataFrame({"fiscal_year": [], "measure": [], "amount": []})
    fig, _ = cf.record_figure("India", by_year, none, [2001, 2002])
    assert len(fig.axes) == 1
    nothing = by_year.assign(students=pd.array([None, None], dtype="Int64"))
    assert cf.record_figure("India", nothing, none, [2001, 2002]) is None
    alt = cf.students_alt("India", by_year)
    assert "Most in FY2001 (3)" in alt and "list no IMET training (zero) for FY2002" in alt
    # FY2002 is covered (Nepal's record) and lists nothing for India: a zero, not a gap.
    assert cp.students_chart_data(by_year)["students"].tolist() == [3.0, 0.0]


# --- what the records cannot show ------------------------------------------------------------


def by_year_of(records: dict[int, int]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "fiscal_year": list(records),
            "records": list(records.values()),
            "students": pd.array([n or None for n in records.values()], dtype="Int64"),
            "cost_usd": [float(n) if n else None for n in records.values()],
            "records_without_students": [0] * len(records),
            "records_without_cost": [0] * len(records),
        }
    )


def test_exemption_note_follows_the_accession_date() -> None:
    by_year = by_year_of({2001: 2, 2002: 1, 2003: 0})
    joined = {"EST": "2002-03-29", "FIN": "2023-04-04"}
    note = ct.exemption_note("Estonia", "EST", by_year, joined, ())
    assert "joined NATO on 2002-03-29" in note and "its last IMET record in them is FY2002" in note
    assert "after the last year of these records" in ct.exemption_note(
        "Finland", "FIN", by_year, joined, ()
    )
    assert "by name" in ct.exemption_note("Japan", "JPN", by_year, {}, ("JPN",))
    assert ct.exemption_note("Nepal", "NPL", by_year, joined, ("JPN",)) is None


def test_limits_name_the_gaps_and_the_other_programs() -> None:
    by_year = by_year_of({2001: 2, 2002: 0, 2003: 0, 2004: 1})
    others = pd.DataFrame({"program": ["CTFP"], "records": [4]})
    text = ct.limits_text("Nepal", "NPL", by_year, others, {}, ())
    assert "- The course records cover FY2001–FY2004" in text
    assert "no IMET training for Nepal in FY2002–FY2003" in text
    assert "not counted here: CTFP (4)." in text
    assert "22 U.S.C. 2416(a)(2)" in text


# --- the index page and reading only some columns --------------------------------------------


def test_headlines_and_index_page() -> None:
    heads = cset.headlines(training()).set_index("iso3")
    assert heads.loc["IND", ["first_year", "last_year", "imet_records"]].tolist() == [2001, 2002, 2]
    assert heads.loc["NPL", "last_year"] == 2003  # years with any record, planned included
    assert (heads.loc["IND", "imet_years"], heads.loc["IND", "last_imet_year"]) == (1, 2001)
    page = ct.index_page(training(), money_rows().iloc[:0].assign(country_name=[]))
    assert page.startswith("# Countries\n")
    assert "| {doc}`India <IND>` | IND | 2001–2002 | 1 of 2 | 2001 | 2 | 3 | 150 |" in page
    assert "each of the 2 countries with training records" in page
    assert (
        "(FY2001–FY2002) or IMET money of their own in a budget source. 2 of them have IMET "
        "records: 3 records listing 5 students" in page
    )
    # A NATO member has a page from its money alone, listed as such.
    turkey_money = money_rows().assign(iso3="TUR", country_name="Turkey")
    with_turkey = ct.index_page(training(), turkey_money)
    assert "each of the 3 countries" in with_turkey
    assert "| {doc}`Turkey <TUR>` | TUR | none (IMET money only) | 0 of 2 | — | 0 | — | — |" in (
        with_turkey
    )


def test_missing_sums_show_as_a_dash() -> None:
    rows = training()
    rows["students"] = pd.array([None] * len(rows), dtype="Int64")
    page = ct.index_markdown(cset.headlines(rows))
    assert "| {doc}`Nepal <NPL>` | NPL | 2002–2003 | 1 | 2002 | 1 | — | 20 |" in page
    one_year = ct.index_markdown(cset.headlines(rows[rows["fiscal_year"].eq(2002)]))
    assert "| {doc}`Nepal <NPL>` | NPL | 2002 | 1 | 2002 | 1 | — | 20 |" in one_year


def test_load_reads_only_the_columns_asked_for(processed: Path) -> None:
    training().to_parquet(processed / "training.parquet")
    got = datasets.load("training", columns=["iso3", "fiscal_year"])
    assert list(got.columns) == ["iso3", "fiscal_year"]
    with pytest.raises(DataError, match="no column"):
        datasets.load("training", columns=["iso3", "colour"])
    with pytest.raises(DataError, match=r"training.parquet: no column\(s\) region; rebuild"):
        datasets.load("training", columns=["iso3", "region"])


def test_a_country_without_records_is_refused_before_any_kernel(processed: Path) -> None:
    training().to_parquet(processed / "training.parquet")
    money_rows().to_parquet(processed / "funding.parquet")
    assert profile.PARAMS.validate({"country": "nepal"}, "profile") == {"country": "Nepal"}
    assert profile.PARAMS.validate({"country": "Armenia"}, "profile") == {"country": "Armenia"}
    with pytest.raises(ParameterError, match="'country' of chapter 'profile': Turkey has no rec"):
        profile.PARAMS.validate({"country": "Turkey"}, "profile")


def test_record_figure_draws_gaps_outside_the_data_area() -> None:
    from figure_checks import gap_marks

    by_year = cp.imet_by_year(training(), "IND")
    by_year.loc[0, "students"] = pd.NA  # records without a student count: a gap
    by_year = pd.concat(
        [by_year, by_year.iloc[[1]].assign(fiscal_year=2003, records=1, students=5)]
    )
    money = pd.DataFrame(
        {
            "fiscal_year": [2001, 2003],
            "measure": [vocab.MEASURE_LABELS["request"]] * 2,
            "amount": [1.0, 2.0],
        }
    )
    fig, _ = cf.record_figure("India", by_year, money, [2001, 2002, 2003])
    marks = gap_marks(fig)
    assert [2001.0] in marks.values()  # the uncounted students
    assert [2002.0] in marks.values()  # the year with no money figure


# --- the page set: what every page shares, computed once ------------------------------------


@pytest.fixture(scope="module")
def real() -> tuple[pd.DataFrame, pd.DataFrame, cset.PageSet]:
    training = datasets.load("training", columns=cp.TRAINING_COLUMNS)
    funding = datasets.load("funding", columns=cp.FUNDING_COLUMNS)
    return training, funding, cset.PageSet.build(training, funding)


@pytest.mark.parametrize("codes", [("IND",), ("PAK", "IND", "NPL"), ("NPL", "AFG", "NPL"), ("??",)])
def test_page_set_rows_are_what_a_selection_of_the_full_table_gives(real, codes) -> None:
    training, funding, pages = real
    pd.testing.assert_frame_equal(pages.rows(*codes), training[training["iso3"].isin(codes)])
    pd.testing.assert_frame_equal(pages.money(codes[0]), funding[funding["iso3"].eq(codes[0])])


@pytest.mark.parametrize("country", ["Pakistan", "Nepal", "Armenia"])
def test_a_page_on_its_own_rows_shows_what_the_full_tables_give(real, country) -> None:
    training, funding, pages = real
    iso3 = cp.iso3_of(training, country, funding)
    assert pages.iso3(country) == iso3
    assert pages.covered == tuple(cp.covered_years(training))
    own = pages.rows(iso3)
    pd.testing.assert_frame_equal(
        cp.imet_by_year(own, iso3, pages.covered), cp.imet_by_year(training, iso3)
    )
    pd.testing.assert_frame_equal(
        cp.top_courses(cp.imet_rows(own, iso3)), cp.top_courses(cp.imet_rows(training, iso3))
    )
    region = cp.region_of(training, funding, iso3)
    assert pages.region(iso3) == region
    near = cc.neighbours(training, iso3, region.members)
    assert len(near)
    pd.testing.assert_frame_equal(pages.neighbours(iso3, region.members), near)
    pd.testing.assert_frame_equal(
        cc.shared_with_neighbours(pages.rows(iso3, *near["iso3"]), country, iso3, near),
        cc.shared_with_neighbours(training, country, iso3, near),
    )
    pd.testing.assert_frame_equal(
        cp.funding_rows(pages.money(iso3), iso3), cp.funding_rows(funding, iso3)
    )


def test_a_page_reads_the_shared_inputs_once_and_records_its_tables() -> None:
    first = profile.page("Nepal")
    datasets.TABLES_READ.clear()
    second = profile.page("India")
    assert second.inputs is first.inputs  # computed once per process and table version
    assert set(profile.TABLES) <= datasets.TABLES_READ  # the execution cache still sees them
    assert (first.iso3, second.iso3) == ("NPL", "IND")


# --- three states on the page's chart: a value, a reported zero, no report ------------------


def test_training_value_is_a_reported_zero_in_a_covered_year_without_records(real) -> None:
    """Pakistan FY1999-FY2001: the reports exist and list no Pakistani IMET training, so the
    training value is 0 there; a year no report covers stays a gap, and a budget measure is
    never given a zero its sources do not print."""
    training, funding, pages = real
    by_year = cp.imet_by_year(training, "PAK")
    money = cp.funding_by_year(cp.funding_rows(funding, "PAK"))
    years = cp.chart_years(pages.covered, money)
    zeros = cp.reported_zero_years(by_year)
    sanctioned = {1999, 2000, 2001}
    assert sanctioned <= set(zeros) <= set(pages.covered)
    assert not cp.imet_rows(training, "PAK")["fiscal_year"].isin(zeros).any()
    measures = sorted(set(money["measure"]))
    data = cp.chart_data(money, years, measures, zeros)
    plain = cp.chart_data(money, years, measures)
    value = vocab.MEASURE_LABELS["training_value"]
    mine = data[data["measure"].eq(value)].set_index("fiscal_year")["amount"]
    assert (mine.loc[sorted(sanctioned)] == 0).all()
    assert set(mine.index) == set(plain.loc[plain["measure"].eq(value), "fiscal_year"]) | set(zeros)
    uncovered = [y for y in years if y not in pages.covered]
    assert uncovered and not set(uncovered) & set(mine.index)  # no report: a gap
    # Budget measures are those of the plain chart data, row for row: no zero added.
    budget = data[~data["measure"].eq(value)].reset_index(drop=True)
    pd.testing.assert_frame_equal(budget, plain[~plain["measure"].eq(value)].reset_index(drop=True))
    obligation = vocab.MEASURE_LABELS["obligation"]
    unprinted = set(zeros) - set(data.loc[data["measure"].eq(obligation), "fiscal_year"])
    assert unprinted  # Pakistan has no obligation figure for some of those years: still gaps


def test_the_page_chart_shows_value_reported_zero_and_gap_apart() -> None:
    from figure_checks import assert_three_states_distinct

    from imetbook.figures import plots

    page = profile.page("Pakistan")
    zeros = [y for y in cp.reported_zero_years(page.by_year) if y in page.years]
    uncovered = [y for y in page.years if y not in page.shared.covered]
    text = plots.svg(page.record_chart())
    students, money = assert_three_states_distinct(text, plots.ZERO_LABEL)
    slug = plots._slug(vocab.MEASURE_LABELS["training_value"])
    value = money["states"][slug]
    assert (len(value["zero"]), len(value["gap"])) == (len(zeros), len(uncovered))
    assert value["value"], "a training value is drawn"
    # The money panel's zeros stand in the same years as the students panel's.
    at = sorted(m.x for m in value["zero"])
    assert at == sorted(m.x for m in students["states"]["students"]["zero"])
    assert plots.ZERO_LABEL in dict(money["legend"])
    assert f"zero (diamonds on the axis) for {vocab.fy_runs(zeros)}" in text  # the alt text
