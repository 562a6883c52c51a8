"""Shared classes: the matching rules, the pair matrix, the course families and places.

Matching rules are pinned on ``tests/fixtures/classmates/training_rows.csv``: rows of the real
``training`` table (columns as built), cut by ``tests/fixtures/classmates/README.md``. Where a
behaviour needs a row the records do not hold (a planned row, a null student count), a tiny
frame is built in the test. The last tests run on the real table.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from fixture_helpers import training_rows

from imetbook.analysis import classmates as cm
from imetbook.analysis import courses, matching
from imetbook.chapters import classmates as chapter
from imetbook.errors import DataError, ParameterError, UnknownCountryError

FIXTURES = Path(__file__).parents[1] / "fixtures" / "classmates"


def load_fixture(name: str = "training_rows.csv") -> pd.DataFrame:
    """A fixture CSV typed as the ``training`` table is (dates, nullable integers, bool)."""
    return training_rows(FIXTURES / name)


@pytest.fixture(scope="module")
def rows() -> pd.DataFrame:
    return load_fixture()


def pick(df: pd.DataFrame, case: str) -> pd.DataFrame:
    """The fixture rows of one named case (column ``case`` of the fixture)."""
    out = df[df["case"] == case]
    assert len(out) >= 2, f"fixture case {case!r} is missing"
    return out.reset_index(drop=True)


def one_class(result: cm.SharedClasses) -> pd.Series:
    assert len(result.classes) == 1, result.classes
    return result.classes.iloc[0]


# --- matching rules on rows cut from the real records ----------------------------------------


def test_overlapping_dates_same_course_place_year_is_one_class(rows):
    t = pick(rows, "overlap")
    result = cm.shared_classes_for(t, ["India", "Pakistan"])
    c = one_class(result)
    assert c["match"] == "class"
    assert c["countries"] == "India; Pakistan"
    assert set(result.rows["record_id"]) == set(t["record_id"])


def test_entries_with_different_start_but_overlapping_dates_are_one_class(rows):
    # Naval Staff College: the 5 1/2- and 10-month entries overlap and end together.
    t = pick(rows, "staggered")
    assert t["start_date"].nunique() > 2
    c = one_class(cm.shared_classes_for(t, ["India", "Pakistan"]))
    assert c["start_date"] == t["start_date"].min()
    assert c["end_date"] == t["end_date"].max()
    assert c["n_rows"] == len(t)


def test_dates_that_do_not_overlap_are_not_a_shared_class(rows):
    t = pick(rows, "no_overlap")
    iso = sorted(t["iso3"].unique())
    assert len(iso) == 2 and t["course_key"].nunique() == 1 and t["fiscal_year"].nunique() == 1
    result = cm.shared_classes_for(t, list(t["country_name"].unique()))
    assert result.classes.empty
    # The same rows, matched on course and year only, are one (weaker) shared class.
    loose = cm.shared_classes_for(t, list(t["country_name"].unique()), match="course-year")
    assert one_class(loose)["match"] == "course-year"


def test_same_course_same_dates_at_different_places_is_not_a_shared_class(rows):
    t = pick(rows, "other_place")
    assert t["location"].nunique() >= 2
    assert t["start_date"].nunique() == 1 or (t["start_date"].max() <= t["end_date"].min())
    names = list(t["country_name"].unique())
    assert cm.shared_classes_for(t, names).classes.empty
    assert len(cm.shared_classes_for(t, names, match="course-year").classes) == 1


def test_missing_dates_fall_back_to_course_year(rows):
    # FY1999 (the 1999-2000 report) prints no dates or places. India's row there is the
    # report's planned FY2000 training: never matched.
    t = pick(rows, "no_dates")
    assert t["start_date"].isna().all() and t["location"].isna().all()
    result = cm.shared_classes_for(t, ["Bangladesh", "Sri Lanka", "India"])
    c = one_class(result)
    assert c["match"] == "course-year"
    assert c["countries"] == "Bangladesh; Sri Lanka"
    assert pd.isna(c["start_date"]) and pd.isna(c["place"])
    assert "India" not in set(result.rows["country_name"])


def test_country_name_variants_resolve_to_the_same_rows(rows):
    t = pick(rows, "variant")
    printed = sorted(t["country"].unique())
    assert any("\u2019" in p or "Republic" in p for p in printed), printed
    a = cm.shared_classes_for(t, ["Cote D'ivoire, Republic Of", "Senegal"], programs="all")
    b = cm.shared_classes_for(t, ["Côte d'Ivoire", "senegal"], programs="all")
    assert len(a.classes) == len(b.classes) >= 1
    assert a.classes["record_ids"].tolist() == b.classes["record_ids"].tolist()
    assert a.query.countries == b.query.countries == ("Cote d'Ivoire", "Senegal")


def test_identical_repeated_rows_are_students_and_are_summed(rows):
    t = pick(rows, "repeated")
    per_row = t.drop(columns=["record_id"]).duplicated(keep=False)
    assert per_row.any(), "the case needs identical repeated rows"
    result = cm.shared_classes_for(t, list(t["country_name"].unique()))
    c = one_class(result)
    assert c["n_rows"] == len(t)
    assert c["students"] == t["students"].sum()
    students = cm.students_by_country(result).iloc[0]
    for name, g in t.groupby("country_name"):
        assert students[name] == g["students"].sum()


def test_program_filter_imet_or_all(rows):
    t = pick(rows, "programs")
    assert not t.loc[t["iso3"] == "ISR", "is_imet"].any()
    assert cm.shared_classes_for(t, ["Israel", "Egypt"], programs="IMET").classes.empty
    allp = cm.shared_classes_for(t, ["Israel", "Egypt"], programs="all")
    assert len(allp.classes) >= 1
    assert set(allp.rows["country_name"]) == {"Israel", "Egypt"}


def test_every_class_carries_its_rows_with_report_page_and_source(rows):
    result = cm.shared_classes_for(rows, ["India", "Pakistan"], programs="all")
    assert not result.classes.empty
    for c in result.classes.itertuples():
        evidence = result.rows[result.rows["class_id"] == c.class_id]
        assert len(evidence) == c.n_rows >= 2
        assert evidence["country_name"].nunique() >= 2
        assert evidence["source_url"].notna().all()
        assert set(c.record_ids.split("; ")) == set(evidence["record_id"])
        for r in evidence.itertuples():
            assert r.report in c.pages
            if pd.notna(r.page):
                assert f"{r.report} p. " in c.pages and str(r.page) in c.pages


# --- rules that need a row the records do not hold: tiny frames ------------------------------


def frame(*rows: dict) -> pd.DataFrame:
    """Training-shaped rows; unspecified columns get plain values."""
    base = {
        "record_id": "r",
        "report": "2008-2009",
        "fiscal_year": 2008,
        "status": "actual",
        "country_name": "India",
        "iso3": "IND",
        "program": "IMET",
        "is_imet": True,
        "course_title": "AIR WAR COLLEGE",
        "course_key": "AIR WAR COLLEGE",
        "location": "MAXWELL AFB, AL",
        "start_date": "2007-07-23",
        "end_date": "2008-05-27",
        "students": 1,
        "page": 8,
        "source_url": "u",
    }
    df = pd.DataFrame([{**base, **r} for r in rows])
    for col in ("start_date", "end_date"):
        df[col] = pd.to_datetime(df[col]).astype("datetime64[us]")
    return df.astype(
        {"students": "Int64", "page": "Int64", "fiscal_year": "int64", "is_imet": bool}
    )


PAK = {"country_name": "Pakistan", "iso3": "PAK"}


def test_planned_rows_are_never_matched():
    t = frame(
        {"record_id": "a"},
        {"record_id": "b", **PAK, "status": "planned"},
        {
            "record_id": "c",
            "fiscal_year": 2007,
            "start_date": "2006-07-01",
            "end_date": "2007-05-01",
        },
    )
    assert cm.shared_classes_for(t, ["India", "Pakistan"]).classes.empty
    t.loc[1, "status"] = "actual"
    assert len(cm.shared_classes_for(t, ["India", "Pakistan"]).classes) == 1


def test_touching_dates_overlap_and_a_day_apart_do_not():
    same_day = frame(
        {"record_id": "a", "end_date": "2008-05-27"},
        {"record_id": "b", **PAK, "start_date": "2008-05-27", "end_date": "2008-06-30"},
    )
    assert len(cm.shared_classes_for(same_day, ["India", "Pakistan"]).classes) == 1
    next_day = same_day.copy()
    next_day.loc[1, "start_date"] = pd.Timestamp("2008-05-28")
    assert cm.shared_classes_for(next_day, ["India", "Pakistan"]).classes.empty


def test_a_third_country_does_not_bridge_two_others():
    # Bangladesh overlaps both; India and Pakistan do not overlap each other.
    t = frame(
        {"record_id": "a", "start_date": "2008-01-01", "end_date": "2008-02-01"},
        {"record_id": "b", **PAK, "start_date": "2008-03-01", "end_date": "2008-04-01"},
        {
            "record_id": "c",
            "country_name": "Bangladesh",
            "iso3": "BGD",
            "start_date": "2008-01-15",
            "end_date": "2008-03-15",
        },
    )
    assert cm.shared_classes_for(t, ["India", "Pakistan"]).classes.empty
    three = cm.shared_classes_for(t, ["India", "Pakistan", "Bangladesh"])
    assert one_class(three)["n_countries"] == 3
    pairs = cm.pair_table(t, ["India", "Pakistan", "Bangladesh"]).set_index(
        ["country_a", "country_b"]
    )
    assert pairs.loc[("India", "Pakistan"), "total"] == 0
    assert pairs.loc[("India", "Bangladesh"), "total"] == 1


def test_a_later_session_chained_by_its_own_country_is_left_out():
    t = frame(
        {"record_id": "a", "start_date": "2008-01-01", "end_date": "2008-02-01"},
        {"record_id": "b", **PAK, "start_date": "2008-01-15", "end_date": "2008-03-01"},
        {"record_id": "c", **PAK, "start_date": "2008-02-15", "end_date": "2008-04-01"},
    )
    result = cm.shared_classes_for(t, ["India", "Pakistan"])
    c = one_class(result)
    assert c["record_ids"] == "a; b"
    assert c["end_date"] == pd.Timestamp("2008-03-01")
    assert cm.students_by_country(result).iloc[0].tolist() == [1, 1]


def test_classes_with_keeps_only_the_classes_a_country_is_in():
    t = frame(
        {"record_id": "a"},
        {"record_id": "b", **PAK},
        {"record_id": "c", "country_name": "Israel", "iso3": "ISR", "course_key": "X"},
        {"record_id": "d", **PAK, "course_key": "X"},
    )
    result = cm.shared_classes_for(t, ["Israel", "India", "Pakistan"])
    assert len(result.classes) == 2
    israel = cm.classes_with(result, "Israel")
    assert israel.classes["countries"].tolist() == ["Israel; Pakistan"]
    assert set(israel.rows["record_id"]) == {"c", "d"}
    with pytest.raises(ParameterError, match="not one of"):
        cm.classes_with(result, "Nepal")
    none = cm.classes_with(cm.shared_classes_for(t, ["Israel", "Nepal"]), "Israel")
    assert none.classes.empty and list(none.classes) == list(result.classes)


def test_unknown_student_count_is_unknown_not_zero():
    t = frame({"record_id": "a", "students": None}, {"record_id": "b", **PAK})
    result = cm.shared_classes_for(t, ["India", "Pakistan", "Nepal"])
    per_country = cm.students_by_country(result).iloc[0]
    assert pd.isna(per_country["India"])
    assert per_country["Pakistan"] == 1
    assert per_country["Nepal"] == 0  # no row at all: the records list nobody


def test_dates_out_of_order_are_undated_and_fall_back_to_course_year():
    typo = {"start_date": "2008-12-10", "end_date": "2008-01-10"}
    t = frame({"record_id": "a", **typo}, {"record_id": "b", **PAK})
    # One undated row against a dated one: nothing to match on.
    assert cm.shared_classes_for(t, ["India", "Pakistan"]).classes.empty
    t = frame({"record_id": "a", **typo}, {"record_id": "b", **PAK, "start_date": None})
    assert one_class(cm.shared_classes_for(t, ["India", "Pakistan"]))["match"] == "course-year"


def test_rows_with_dates_but_no_place_are_not_matched_as_classes():
    t = frame(
        {"record_id": "a", "location": "VARIOUS"}, {"record_id": "b", **PAK, "location": "VARIOUS"}
    )
    result = cm.shared_classes_for(t, ["India", "Pakistan"])
    assert result.classes.empty
    assert result.coverage["rows no place"].tolist() == [1, 1]
    assert len(cm.shared_classes_for(t, ["India", "Pakistan"], match="course-year").classes) == 1


# --- arguments --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "text"),
    [
        ({"countries": ["India"]}, ParameterError, "at least two"),
        ({"countries": ["India", "india"]}, ParameterError, "listed twice"),
        ({"countries": "India"}, ParameterError, "list of names"),
        ({"countries": ["India", "Pakistn"]}, UnknownCountryError, "Pakistan"),
        ({"countries": ["India", "Indochina"]}, ParameterError, "not a country"),
        ({"match": "room"}, ParameterError, "class, course-year"),
        ({"fy_start": 2009, "fy_end": 2008}, ParameterError, r"fy_start \(2009\) is after"),
        ({"fy_start": 1990}, ParameterError, "outside"),
        ({"programs": "NOPE"}, ParameterError, "not IMET, all"),
    ],
)
def test_bad_arguments_raise_one_clear_error(kwargs, error, text):
    t = frame({"record_id": "a"}, {"record_id": "b", **PAK})
    args = {"countries": ["India", "Pakistan"], **kwargs}
    with pytest.raises(error, match=text):
        cm.shared_classes_for(t, **args).classes  # noqa: B018


def test_missing_columns_are_a_data_error():
    with pytest.raises(DataError, match="course_key"):
        cm.shared_classes_for(frame({}).drop(columns=["course_key"]), ["India", "Pakistan"])


# --- views ------------------------------------------------------------------------------------


def test_pair_matrix_is_symmetric_and_equals_each_pair_on_its_own(rows):
    names = ["India", "Pakistan", "Bangladesh"]
    pairs = cm.pair_table(rows, names, programs="all")
    m = cm.pair_matrix(pairs)
    assert list(m.index) == list(m.columns) == names
    assert m.isna().to_numpy().diagonal().all()
    for a in names:
        for b in names:
            if a != b:
                assert m.loc[a, b] == m.loc[b, a]
                alone = cm.shared_classes_for(rows, [a, b], programs="all")
                assert m.loc[a, b] == len(alone.classes)
    with pytest.raises(ParameterError):
        cm.pair_matrix(pairs, value="students")
    first = cm.pair_table(rows, names, programs="all", first_only=True)
    assert first[["country_a", "country_b"]].values.tolist() == [
        ["India", "Pakistan"],
        ["India", "Bangladesh"],
    ]
    assert first["total"].tolist() == pairs["total"].head(2).tolist()


def assert_at_once_is_alone(t: pd.DataFrame, groups: list[list[str]], match: str) -> None:
    """``match_parts`` (the rivalries' one pass) equals ``match_rows`` query by query."""
    queries = [cm.make_query(t, names, "all", None, None, match) for names in groups]
    selected = [cm.select_rows(t, q) for q in queries]
    stack = matching.stack_parts(selected)
    assert stack[matching.PART].tolist() == [i for i, s in enumerate(selected) for _ in s.index]
    together = matching.match_parts(stack, [q.countries for q in queries], match)
    assert any(len(classes) for classes, _ in together)
    for q, s, (classes, evidence) in zip(queries, selected, together, strict=True):
        alone_classes, alone_evidence = cm.match_rows(s, q)
        pd.testing.assert_frame_equal(classes, alone_classes, check_exact=True)
        pd.testing.assert_frame_equal(evidence, alone_evidence, check_exact=True)


@pytest.mark.parametrize("match", ["class", "course-year"])
def test_matching_several_queries_at_once_gives_each_its_own_answer(rows, match):
    # The same rows stand in several queries; classes are numbered per query.
    groups = [
        ["India", "Pakistan"],
        ["India", "Bangladesh"],
        ["Pakistan", "India"],
        ["India", "Pakistan", "Bangladesh"],
    ]
    assert_at_once_is_alone(rows, groups, match)


def test_matching_at_once_keeps_each_rows_overlap_to_its_own_query():
    # Pakistan's second session (c) meets Bangladesh (d) but not India (a); its first (b)
    # meets India but not Bangladesh: each is in the class of one query only.
    t = frame(
        {"record_id": "a", "start_date": "2008-01-01", "end_date": "2008-02-01"},
        {"record_id": "b", **PAK, "start_date": "2008-01-15", "end_date": "2008-03-01"},
        {"record_id": "c", **PAK, "start_date": "2008-02-15", "end_date": "2008-04-01"},
        {
            "record_id": "d",
            "country_name": "Bangladesh",
            "iso3": "BGD",
            "start_date": "2008-03-15",
            "end_date": "2008-04-15",
        },
    )
    assert_at_once_is_alone(t, [["India", "Pakistan"], ["Pakistan", "Bangladesh"]], "class")


def test_classes_per_year_counts_every_year_of_the_query(rows):
    result = cm.shared_classes_for(rows, ["India", "Pakistan"], programs="all")
    per_year = cm.classes_per_year(result)
    q = result.query
    assert per_year["fiscal_year"].tolist() == list(range(q.fy_start, q.fy_end + 1))
    assert per_year["total"].sum() == len(result.classes)
    assert (per_year["total"] == per_year["class"] + per_year["course-year"]).all()
    # No row of India or Pakistan at all in FY1999: a real zero.
    assert per_year.set_index("fiscal_year").loc[1999, "class"] == 0


def test_a_year_without_dates_has_an_unknown_class_count_not_zero(rows):
    result = cm.shared_classes_for(pick(rows, "no_dates"), ["Bangladesh", "Sri Lanka"])
    year = cm.classes_per_year(result).set_index("fiscal_year").loc[1999]
    assert pd.isna(year["class"]) and pd.isna(year["total"])
    assert year["course-year"] == 1


def test_roster_has_one_column_per_country_and_the_source(rows):
    result = cm.shared_classes_for(rows, ["India", "Pakistan"], programs="all")
    table = chapter.roster(result)
    assert {"India", "Pakistan", "report and page", "place", "start", "end"} <= set(table)
    assert len(table) == len(result.classes)
    assert table["class"].is_unique


def test_meeting_courses_groups_title_variants_by_family(rows):
    result = cm.shared_classes_for(rows, ["India", "Pakistan"], programs="all")
    top = cm.meeting_courses(result, top=None)
    assert top["classes"].sum() == len(result.classes)
    assert top["classes"].is_monotonic_decreasing
    fam = result.classes["family"].dropna()
    for family, n in fam.value_counts().items():
        assert top.set_index("course").loc[family, "classes"] == n


def test_roster_says_not_printed_where_the_report_prints_no_place_or_date(rows):
    result = cm.shared_classes_for(pick(rows, "no_dates"), ["Bangladesh", "Sri Lanka"])
    line = chapter.roster(result, links=False).iloc[0]
    assert line["place"] == line["start"] == line["end"] == "not printed"
    assert line["report and page"] == "1999-2000, no page printed"


def test_example_class_prefers_a_dated_match(rows):
    t = pd.concat(
        [
            pick(rows, "no_dates"),
            pick(rows, "no_dates").assign(
                record_id=lambda d: d["record_id"] + "-dated",
                fiscal_year=2001,
                report="2001-2002",
                location="MAXWELL AFB, AL",
                start_date=pd.Timestamp("2000-08-01"),
                end_date=pd.Timestamp("2001-06-01"),
                status="actual",
            ),
        ]
    )
    result = cm.shared_classes_for(t, ["Bangladesh", "Sri Lanka"])
    assert result.classes["match"].tolist() == ["course-year", "class"]
    chosen = cm.example_class(result)
    assert result.classes.set_index("class_id").loc[chosen, "match"] == "class"
    assert set(chapter.evidence(result, chosen)["record_id"]) == set(
        result.rows.loc[result.rows["class_id"] == chosen, "record_id"]
    )


def test_answer_numbers_are_formatted_strings_from_the_result(rows):
    result = cm.shared_classes_for(rows, ["India", "Pakistan"], programs="all")
    imet = cm.shared_classes_for(rows, ["India", "Pakistan"])
    words = chapter.answer_numbers(imet, result)
    assert all(isinstance(v, str) and v for v in words.values())
    assert words["countries"] == "India and Pakistan"
    assert words["n_classes"] == f"{len(imet.classes):,} shared classes"
    assert f"{len(result.classes):,} shared classes" in words["all_programs"]
    assert (
        chapter.answer_numbers(result, result)["all_programs"] == "This count covers every program."
    )
    empty = cm.shared_classes_for(pick(rows, "no_overlap"), ["India", "Pakistan"])
    assert chapter.answer_numbers(empty)["top_course"] == "They shared no course."


def test_matrix_countries_adds_readers_countries_once():
    out = cm.matrix_countries(["Pakistan", "Israel", "israel"])
    assert out[: len(cm.SOUTH_ASIA)] == list(cm.SOUTH_ASIA)
    assert out[len(cm.SOUTH_ASIA) :] == ["Israel"]


# --- course titles and families -----------------------------------------------------------


@pytest.mark.parametrize(
    ("family", "title"),
    [(f.family, title) for f in courses.FAMILIES for title in f.examples],
)
def test_every_family_example_maps_to_its_family(family, title):
    assert courses.course_family(title) == family


@pytest.mark.parametrize("title", courses.NOT_IN_FAMILIES)
def test_lookalike_titles_have_no_family(title):
    assert courses.course_family(title) is None


@pytest.mark.parametrize(
    ("title", "family"),
    [
        ("AIR COMD & STAFF COLLEGE", "Air Command and Staff College"),
        (
            "INTL OFF SCH (FOR AC&SC)",
            "Air Command and Staff College preparatory (International Officer School)",
        ),
        ("NAVAL STAFF COL - 10 MONTH", "Naval Staff College"),
        ("NAVAL STAFF COLLEGE", "Naval Staff College"),
    ],
)
def test_the_issues_title_variants(title, family):
    assert courses.course_family(title) == family


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("Air COMD &amp;amp; Staff  College", "AIR COMMAND AND STAFF COLLEGE"),  # T1, T4, T7
        ("varioU.S. Maritime ops Training", "VARIOUS MARITIME OPS TRAINING"),  # T3
        ("INT'L OFF PREP-INF CCC", "INTERNATIONAL OFFICER PREPARATORY INF CCC"),  # T5, T6
        (
            "Command And General Staff Officer S Course",
            "COMMAND AND GENERAL STAFF OFFICERS COURSE",
        ),  # T5
        ("COMMAND + STAFF COLL USMC", "COMMAND AND STAFF COLLEGE USMC"),  # T4
        ("Côte d’Ivoire seminar", "COTE DIVOIRE SEMINAR"),  # T1, T2
    ],
)
def test_title_rules(raw, normalised):
    assert courses.normalise_title(raw) == normalised


def test_families_table_lists_every_family_once():
    table = courses.families_table()
    assert table["family"].is_unique
    assert len(table) == len(courses.FAMILIES)
    assert set(table["level"]) <= set(courses.LEVELS)


# --- places ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("place", "location"),
    [(p.place, loc) for p in courses.PLACES for loc in p.examples],
)
def test_every_place_example_maps_to_its_place(place, location):
    assert courses.place_of(location) == place


@pytest.mark.parametrize(
    ("location", "place"),
    [
        ("FT SILL OK 73503", "Fort Sill, OK"),
        ("Ft. Sill, OK, US ", "Fort Sill, OK"),
        ("FIELD ARTILLERY SCHOOL HQ", "Fort Sill, OK"),  # text spilled after the school
        ("AIR DEFENSE ARTILLERY SCHOOL", "AIR DEFENSE ARTILLERY SCHOOL"),  # moved: as printed
        ("KEESLER AFB, MS 39534-2354", "KEESLER AFB MS"),  # rule P4
        ("NEPAL (IN COUNTRY TRAINING)", "Nepal (in-country training)"),  # rule P2a
        ("Honolulu, HI, United States", "HONOLULU HI"),
        ("VARIOUS", None),
        ("N/A ", None),
        ("  ", None),
        (None, None),
    ],
)
def test_place_rules(location, place):
    assert courses.place_of(location) == place


def test_newport_news_is_not_newport():
    assert courses.place_of("NEWPORT NEWS, VA") != "Newport, RI"


# --- the real table ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def training() -> pd.DataFrame:
    from imetbook.data import datasets

    return datasets.load("training")


def _folded(values: pd.Series) -> set[str]:
    return {" ".join(str(v).split()).casefold() for v in values.dropna().unique()}


def test_every_curated_example_is_printed_in_the_records(training):
    titles = _folded(training["course_title"])
    examples = [t for f in courses.FAMILIES for t in f.examples] + list(courses.NOT_IN_FAMILIES)
    assert [t for t in examples if t.casefold() not in titles] == []
    places = _folded(training["location"])
    examples = [loc for p in courses.PLACES for loc in p.examples]
    assert [loc for loc in examples if " ".join(loc.split()).casefold() not in places] == []


def test_fixture_rows_are_rows_of_the_real_table(rows, training):
    real = training.set_index("record_id").loc[rows["record_id"]]
    for col in ("report", "country", "course_title", "location", "students", "page", "source_url"):
        assert real[col].astype(object).fillna("").astype(str).tolist() == (
            rows[col].astype(object).fillna("").astype(str).tolist()
        ), col


def test_india_pakistan_imet_classes_trace_to_report_rows(training):
    result = cm.shared_classes_for(training, ["India", "Pakistan"], "IMET")
    assert len(result.classes) > 0
    cols = ["record_id", "report", "page", "source_url", "is_imet", "status", "country_name"]
    ev = result.rows.merge(
        training[cols],
        on="record_id",
        how="left",
        suffixes=("", "_real"),
        validate="one_to_one",
        indicator=True,
    )
    assert (ev["_merge"] == "both").all()
    for col in ("report", "source_url", "country_name"):
        assert (ev[col] == ev[f"{col}_real"]).all(), col
    assert ev["page"].fillna(-1).eq(ev["page_real"].fillna(-1)).all()
    assert ev["source_url"].str.startswith("https://").all()
    assert ev["is_imet"].all() and (ev["status"] == "actual").all()
    per_class = ev.groupby("class_id").agg(
        rows=("record_id", "size"), countries=("country_name", "nunique")
    )
    assert per_class.index.tolist() == sorted(result.classes["class_id"])
    assert (per_class["rows"] >= 2).all() and (per_class["countries"] == 2).all()
    # A row without a page is only allowed in a report that prints no page numbers.
    no_pages = set(training.groupby("report")["page"].count().loc[lambda s: s == 0].index)
    assert set(ev.loc[ev["page"].isna(), "report"]) <= no_pages


# --- the curated tables' sources --------------------------------------------------------------


def test_every_cited_example_row_prints_its_title_or_location(training):
    """Each example of the curated CSVs cites a training row (report, page, record id,
    document): that row exists and prints the example, as the reports spell it."""
    tables = courses._read()
    real = training.set_index("record_id")
    for name, column in ((courses.TITLES_FILE, "title"), (courses.LOCATIONS_FILE, "location")):
        printed = "course_title" if column == "title" else "location"
        for row in tables[name]:
            got = real.loc[row["record_id"]]
            assert got[printed] == row[column], (name, row)
            assert got["report"] == row["report"]
            page = "" if pd.isna(got["page"]) else str(int(got["page"]))
            assert page == row["page"], (name, row)
            doc = "" if pd.isna(got["document_url"]) else got["document_url"]
            assert doc == row["document_url"], (name, row)


def _reference_copy(tmp_path, name, edit):
    """The reference folder copied to ``tmp_path``, ``name`` edited by ``edit`` (text -> text)
    and its manifest row updated, so that only the edit can fail."""
    import csv
    import hashlib
    import shutil

    folder = tmp_path / "reference"
    shutil.copytree(courses.reference_dir(), folder)
    path = folder / name
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    data = path.read_bytes()
    with (folder / "MANIFEST.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        if row["file"] == name:
            row["sha256"], row["bytes"] = hashlib.sha256(data).hexdigest(), str(len(data))
    with (folder / "MANIFEST.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return folder


def _first_row_twice(text: str) -> str:
    header, first, rest = text.split("\n", 2)
    return "\n".join([header, first, first, rest])


@pytest.mark.parametrize(
    ("name", "edit", "message"),
    [
        ("course_families.csv", _first_row_twice, r"line 3: repeats line 2 \(family="),
        ("places.csv", _first_row_twice, r"line 3: repeats line 2 \(place="),
        ("course_titles.csv", _first_row_twice, r"line 3: repeats line 2 \(title="),
        (
            "course_families.csv",
            lambda s: s.replace(",senior,", ",postgraduate,", 1),
            r"course_families.csv line \d+: level 'postgraduate'",
        ),
        ("places.csv", lambda s: s.replace(r"\bQUANTICO\b", "(QUANTICO", 1), "bad regular"),
        (
            "course_titles.csv",
            lambda s: s.replace(",Naval Command College,", ",Naval Kommand College,", 1),
            "unknown family 'Naval Kommand College'",
        ),
        (
            "place_locations.csv",
            lambda s: s.replace("https://", "javascript://", 1),
            "document_url is not an http",
        ),
    ],
)
def test_a_bad_curated_row_is_one_clear_error(tmp_path, name, edit, message):
    folder = _reference_copy(tmp_path, name, edit)
    with pytest.raises(DataError, match=message):
        courses.families(folder)
        courses.places(folder)


def test_a_curated_file_changed_without_its_manifest_fails(tmp_path):
    import shutil

    folder = tmp_path / "reference"
    shutil.copytree(courses.reference_dir(), folder)
    path = folder / "places.csv"
    path.write_text(path.read_text(encoding="utf-8") + "Nowhere,NOWHERE,\n", encoding="utf-8")
    with pytest.raises(DataError):
        courses.places(folder)


# --- the roster links each row's original document ----------------------------------------------


def test_roster_links_each_report_to_its_document_and_shows_a_gap_where_none_is_named(training):
    result = cm.shared_classes_for(training, ["India", "Pakistan"], "IMET")
    docs = cm.class_documents(result)
    table = chapter.roster(result).set_index("class")
    linked = docs[docs["document_url"].notna()].iloc[0]
    cell = table.loc[linked["class_id"], "report and page"]
    assert f'<a href="{linked["document_url"]}">{linked["report"]} p. ' in cell
    gap = docs[docs["document_url"].isna()]
    assert len(gap), "the 2015-2016 to 2017-2018 reports name no document"
    cell = table.loc[gap["class_id"].iloc[0], "report and page"]
    assert f"{gap['report'].iloc[0]} p. {gap['pages'].iloc[0]} ({chapter.NO_DOCUMENT})" in cell
    # Every row's document is one the training table gives that row.
    real = training.set_index("record_id")["document_url"]
    assert result.rows["document_url"].equals(
        real.loc[result.rows["record_id"]].reset_index(drop=True).rename("document_url")
    )


def test_roster_never_links_an_address_that_is_not_http(rows):
    t = pick(rows, "overlap").assign(document_url="javascript:alert(1)")
    cell = chapter.roster(cm.shared_classes_for(t, ["India", "Pakistan"]))["report and page"][0]
    assert "href" not in cell and "javascript" not in cell
    assert cell.endswith(f"({chapter.NO_DOCUMENT})")
