"""Strategic rivalries: the xlsx parser, the name mapping, shared classes per rivalry and year,
the reasons a rivalry never meets, the chart and the ``classmates --rivalries`` command.

Parser quirks are pinned on the real vendored workbook; the analysis runs on the real
``training`` table."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import zipfile

import pandas as pd
import pytest
from fixture_helpers import classmates_cli as run
from fixture_helpers import edit

from imetbook.analysis import classmates as cm
from imetbook.analysis import rivalries as rv
from imetbook.analysis import sources, tiers
from imetbook.chapters import rivalries as chapter
from imetbook.data import countries, datasets
from imetbook.data.parsers import rivalries as parser
from imetbook.errors import ChecksumError, DataError, ParameterError
from imetbook.figures import plots

XLSX = rv.raw_folder() / "tss_rivalries.xlsx"


# --- the workbook ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def listed() -> pd.DataFrame:
    return rv.load_rivalries()


def test_every_row_of_the_workbook_is_a_rivalry(listed):
    raw = parser.read_xlsx(XLSX.read_bytes())
    assert len(listed) == len(raw)
    assert listed["rivalry"].tolist() == [r["rivalry"] for r in raw]
    assert listed["rivalry_id"].is_unique


def test_start_before_ongoing_and_numbered_names(listed):
    by_name = listed.set_index("rivalry")
    britain_france = by_name.loc["Britain-France 1"]  # start printed "P1494"
    assert britain_france["start_before"] and britain_france["start"] == 1494
    greece_turkey = by_name.loc["Greece-Turkey 2"]  # end printed "ongoing"
    assert greece_turkey["ongoing"] and pd.isna(greece_turkey["end"])
    assert greece_turkey["last_active"] == rv.ONGOING_UNTIL
    assert (greece_turkey["side_a"], greece_turkey["side_b"], greece_turkey["number"]) == (
        "Greece",
        "Turkey",
        2,
    )
    # A side whose own name holds a parenthesis stays whole.
    assert by_name.loc["Austria (Hungary)-France", "side_a"] == "Austria (Hungary)"


def test_rivalry_61_end_year_is_corrected_and_flagged(listed):
    row = listed[listed["rivalry_id"] == 61].iloc[0]
    assert row["end_corrected"] and row["end"] == parser.END_CORRECTIONS[61]
    assert row["end_printed"] != str(row["end"])
    assert not listed.loc[listed["rivalry_id"] != 61, "end_corrected"].any()


def test_a_hyphenated_side_is_split_by_the_names_used_elsewhere():
    assert parser._split("Guinea-Bissau-Senegal", {"Guinea-Bissau", "Senegal", "Guinea"}, "x") == (
        "Guinea-Bissau",
        "Senegal",
    )
    with pytest.raises(DataError, match="cannot tell its two sides apart"):
        parser._split("A-B-C", {"A", "B", "C"}, "A-B-C")


def test_a_broken_workbook_is_one_clear_error(tmp_path):
    with pytest.raises(DataError, match="not a readable xlsx workbook"):
        parser.read_xlsx(b"not a zip", "broken.xlsx")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(DataError, match="not a readable xlsx workbook"):
        parser.read_xlsx(buf.getvalue(), "nosheet.xlsx")


def test_a_changed_workbook_fails_its_checksum(tmp_path):
    folder = tmp_path / "rivalries"
    shutil.copytree(rv.raw_folder(), folder)
    (folder / "tss_rivalries.xlsx").write_bytes(XLSX.read_bytes() + b"\0")
    with pytest.raises(ChecksumError):
        rv.load_rivalries(folder)


def _rivalries_copy(tmp_path, name: str, old: str, new: str):
    folder = tmp_path / "rivalries"
    shutil.copytree(rv.raw_folder(), folder)
    edit(folder, name, old, new)
    return folder


def _first_row(path) -> str:
    return path.read_text(encoding="utf-8").split("\n", 2)[1]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("country,iso3,", "land,iso3,", "missing column"),
        (",GRC,", ",GRE,", "'Greece' is not the book's name of GRE"),
        ("GRC,a NATO member: excepted from the training reports by law,1952,22 U.S.C. 2416(a)(2),"
         "https://", "GRC,a NATO member: excepted from the training reports by law,1952,"
         "22 U.S.C. 2416(a)(2),ftp://", "law_url is not an http"),
        ("Turkey,TUR,", "Greece,GRC,", r"line 5: repeats line 4 \(iso3='GRC'\)"),
    ],
)  # fmt: skip
def test_a_bad_not_in_reports_row_is_one_clear_error(tmp_path, old, new, message):
    folder = _rivalries_copy(tmp_path, "not_in_reports.csv", old, new)
    with pytest.raises(DataError, match=message):
        rv.not_in_reports(folder)


def test_a_country_named_twice_for_one_short_name_is_one_clear_error(tmp_path):
    first = _first_row(rv.raw_folder() / rv.NAMES_FILE) + "\n"
    folder = _rivalries_copy(tmp_path, rv.NAMES_FILE, first, first + first)
    with pytest.raises(DataError, match=r"line 3: repeats line 2 \(short_name="):
        rv.rivalry_names(folder)


def test_the_vendored_file_is_the_staged_one():
    manifest = (rv.raw_folder() / "MANIFEST.csv").read_text(encoding="utf-8")
    assert hashlib.sha256(XLSX.read_bytes()).hexdigest() in manifest


def test_the_sources_appendix_reads_the_workbook():
    (summary,) = sources.read_raw_sources(only="rivalries")
    files = {f.file: f for f in summary.files}
    assert files["tss_rivalries.xlsx"].rows == len(parser.read_xlsx(XLSX.read_bytes()))


# --- the name mapping --------------------------------------------------------------------------


def test_mapping_covers_every_side_of_every_rivalry_active_1999_2021(listed):
    active = rv.active_between(listed, *rv.BOOK_YEARS)
    sides = set(active["side_a"]) | set(active["side_b"])
    assert sides <= set(rv.RIVALRY_NAMES), sorted(sides - set(rv.RIVALRY_NAMES))
    table = rv.coverage_of_names(listed)
    assert len(table) == len(sides)
    assert (table["iso3"] != "").all()


def test_every_mapped_name_is_a_country_of_the_book():
    for short, names in rv.RIVALRY_NAMES.items():
        for name in names:
            canonical, iso3 = countries.name_and_code(name)
            assert iso3 is not None, short
            assert canonical == name, (short, name, canonical)


@pytest.mark.parametrize(
    ("short", "iso3"),
    [
        ("DRC", ("COD",)),
        ("Ivory Coast", ("CIV",)),
        ("Britain", ("GBR",)),
        ("Eguatorial Guinea", ("GNQ",)),
        ("UAE", ("ARE",)),
        ("Bosnia", ("BIH",)),
        ("Serbia", ("SRB", "SCG", "YUG")),
    ],
)
def test_the_lists_short_forms_map_to_the_reports_countries(short, iso3):
    assert rv.side_codes(short) == iso3


def test_sides_that_appear_in_the_records_are_found_there(listed):
    """Every mapped side with rows in the records is found under the names the mapping gives."""
    training = datasets.load("training", columns=["iso3", "country_name"])
    in_records = set(training["iso3"])
    active = rv.active_between(listed, *rv.BOOK_YEARS)
    for side in sorted(set(active["side_a"]) | set(active["side_b"])):
        codes = rv.side_codes(side)
        names = set(training.loc[training["iso3"].isin(codes), "country_name"])
        assert names <= set(rv.book_names(side)), side
        if side in ("Greece", "Turkey", "Britain", "United States"):
            assert not set(codes) & in_records, side


def test_an_unmapped_short_name_is_a_clear_error():
    with pytest.raises(DataError, match="no mapping for the short name 'Ottoman E'"):
        rv.book_names("Ottoman E")


# --- shared classes ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def training() -> pd.DataFrame:
    return datasets.load("training")


@pytest.fixture(scope="module")
def result(rivalries_of) -> rv.RivalryClasses:
    return rivalries_of()


def test_india_pakistan_count_equals_the_classmates_chapters(training, result):
    ours = result.classes[result.classes["rivalry"] == "India-Pakistan"]
    theirs = cm.shared_classes_for(training, ["India", "Pakistan"], "IMET")
    assert len(ours) == len(theirs.classes) > 0
    assert ours["class_id"].tolist() == theirs.classes["class_id"].tolist()
    assert ours["record_ids"].tolist() == theirs.classes["record_ids"].tolist()


def test_greece_turkey_is_not_checkable(result):
    gt = result.years[result.years["rivalry"] == "Greece-Turkey 2"]
    assert len(gt) == result.query.fy_end - result.query.fy_start + 1
    assert (gt["status"] == "not checkable").all()
    assert (gt["rows_a"] == 0).all() and (gt["rows_b"] == 0).all()
    assert (gt["sides"] == "Greece; Turkey").all()
    never = chapter.never_met(result).set_index("rivalry")
    assert never.loc["Greece-Turkey 2", "reason"].startswith("not checkable: Greece")
    assert "2416(a)(2)" in never.loc["Greece-Turkey 2", "reason"]


def test_a_side_without_rows_is_absent_and_the_rules_naming_it_are_given(result):
    rules = datasets.load("rules")
    never = chapter.never_met(result, rules).set_index("rivalry")
    reason = never.loc["Jordan-Syria", "reason"]
    assert "Syria: no training rows under IMET" in reason
    named = rv.absence_rules(rules, "Syria")["rule_id"].tolist()
    assert named and f"Syria is named in rule(s) {', '.join(named)}" in reason


def test_status_accounts_for_every_active_year(result):
    years = result.years
    assert set(years["status"]) <= set(rv.STATUSES)
    meets = years["status"] == "meets"
    assert (years.loc[meets, "classes"] >= result.query.min_classes).all()
    assert (years.loc[~meets, "classes"] < result.query.min_classes).all()
    per = rv.per_year(result)
    assert per["active"].sum() == len(years)
    assert (per[list(rv.STATUSES)].sum(axis=1) == per["active"]).all()


def test_every_class_has_both_sides_tiers_and_its_report_rows(result):
    c = result.classes
    assert set(c["tier"]) <= set(tiers.ALL_TIERS)
    sides = result.rivalries.set_index("rivalry_id")
    for row in c.sample(n=min(50, len(c)), random_state=0).itertuples(index=False):
        r = sides.loc[row.rivalry_id]
        present = set(row.countries.split("; "))
        assert present & set(rv.book_names(r["side_a"]))
        assert present & set(rv.book_names(r["side_b"]))
        evidence = result.rows[
            (result.rows["rivalry_id"] == row.rivalry_id)
            & (result.rows["class_id"] == row.class_id)
        ]
        assert set(evidence["record_id"]) == set(row.record_ids.split("; "))


def test_tier_and_minimum_filter_what_counts(rivalries_of, result):
    senior = rivalries_of(tier="senior", min_classes=2)
    counted = senior.classes[senior.classes["counted"]]
    assert (counted["tier"] == "senior").all()
    assert len(senior.classes) == len(result.classes)  # every class is kept, fewer counted
    met = senior.years[senior.years["status"] == "meets"]
    assert (met["classes"] >= 2).all()
    assert (rv.class_list(senior)["tier"].str.startswith("senior")).all()


def test_war_colleges_come_first_in_the_class_list(result):
    listed = rv.class_list(result)
    ranks = tiers.tier_rank(listed["tier"].str.replace(" (preparatory)", "", regex=False))
    assert ranks.is_monotonic_increasing


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"tier": "war"}, "'war' is not one of"),
        ({"min_classes": 0}, "below the minimum 1"),
        ({"fy_start": 2015, "fy_end": 2005}, r"fy_start \(2015\) is after fy_end \(2005\)"),
        ({"programs": "IMTE"}, "closest: IMET"),
    ],
)
def test_bad_arguments_are_one_clear_error(training, kwargs, message):
    with pytest.raises(ParameterError, match=message):
        rv.make_query(training, **kwargs)


def test_answer_numbers_are_computed(result):
    words = chapter.answer_numbers(result)
    assert words["n_active"] == f"{len(result.rivalries):,}"
    n_met = int((result.rivalries["years meets"] > 0).sum())
    assert words["n_met"] == f"{n_met:,}"
    assert words["top"].startswith(rv.top_rivalries(result, top=1)["rivalry"].iloc[0])


# --- the chart -----------------------------------------------------------------------------------


def test_pair_years_draws_counts_zeros_and_gaps(result):
    met = rv.top_rivalries(result, top=3)["rivalry"].tolist()
    grid = rv.grid(result, met)
    fig, ax = plots.figure("Rivals")
    wide = plots.pair_years(
        ax,
        grid,
        row="rivalry",
        x="fiscal_year",
        value="classes",
        order=met,
        years=range(1999, 2021),
    )
    plots.finish(fig, ax, xlabel="US fiscal year (count)", source="test", alt="A grid.")
    svg = plots.svg(fig)
    drawn = grid[grid["classes"].notna()]
    for row in drawn.head(5).itertuples(index=False):
        assert f"cell-{plots._slug(row.rivalry)}-{row.fiscal_year}" in svg
    assert wide.loc[met[0]].notna().any()
    with pytest.raises(ParameterError, match="missing from order"):
        plots.pair_years(
            ax,
            grid,
            row="rivalry",
            x="fiscal_year",
            value="classes",
            order=met[:1],
            years=range(1999, 2021),
        )


# --- the command line ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["India", "--rivalries"], "give no country names with it"),
        (["--rivalries", "--tier", "war"], "'war' is not one of"),
        (["--rivalries", "--min-classes", "x"], "--min-classes: expected a whole number"),
        (["--rivalries", "--fy", "2019-2010"], "fy_start (2019) is after fy_end (2010)"),
        (["--rivalries", "--match", "course-year"], "matches classes only"),
    ],
)
def test_cli_errors_are_one_line(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code != 0 and out == ""
    assert message in err and err.count("\n") == 1


def test_cli_csv_and_json_agree_with_the_function(capsys, rivalries_of):
    expected = rivalries_of(programs="IMET", tier="senior", fy_start=2015, fy_end=2020)
    code, out, _ = run(
        capsys, "--rivalries", "--fy", "2015-2020", "--tier", "senior", "--format", "csv"
    )
    assert code == 0
    csv = pd.read_csv(io.StringIO(out), dtype=str)
    assert len(csv) == int(expected.classes["counted"].sum())
    assert csv["report and page"].str.contains(" p. |no page printed").all()
    code, out, _ = run(
        capsys, "--rivalries", "--fy", "2015-2020", "--tier", "senior", "--format", "json"
    )
    data = json.loads(out)
    assert data["query"]["tier"] == "senior" and len(data["classes"]) == len(csv)
    first = data["classes"][0]
    assert first["rows"] and all(r["record_id"] and r["report"] for r in first["rows"])
    code, out, _ = run(capsys, "--rivalries", "--fy", "2015-2020", "--tier", "senior")
    assert code == 0 and out.startswith("rivalries active FY2015\u2013FY2020")
    assert "Greece-Turkey 2" in out


def test_not_in_reports_is_sourced():
    table = rv.not_in_reports()
    assert set(table["iso3"]) == {"USA", "GBR", "GRC", "TUR"}
    assert table["law_url"].str.match(r"https://").all()
    nato = table[table["iso3"] != "USA"]
    assert nato["source_url"].str.match(r"https://").all() and (nato["quote"] != "").all()


def test_mapping_tests_can_fail(tmp_path, monkeypatch, listed):
    """Dropping one short name from the mapping makes the coverage check fail."""
    monkeypatch.delitem(rv.RIVALRY_NAMES, "DRC")
    active = rv.active_between(listed, *rv.BOOK_YEARS)
    sides = set(active["side_a"]) | set(active["side_b"])
    assert not sides <= set(rv.RIVALRY_NAMES)
    with pytest.raises(DataError):
        rv.side_codes("DRC")


def test_rivalries_ranked_by_war_college_classes(result):
    war = rv.top_rivalries(result, top=None, by="war-college classes")
    assert (war["war-college classes"] > 0).all()
    assert war["war-college classes"].is_monotonic_decreasing
    senior = result.classes[(result.classes["tier"] == "senior") & ~result.classes["preparatory"]]
    assert war["war-college classes"].sum() == len(senior)
    with pytest.raises(ParameterError, match="by must be one of"):
        rv.top_rivalries(result, by="students")


def test_every_mapped_name_cites_a_training_row_that_lists_it(training):
    """``rivalry_names.csv``: each cited row exists in ``training``, in that report and page,
    and lists that country as printed; a name without a row says why."""
    import csv

    path = rv.raw_folder() / rv.NAMES_FILE
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    real = training.set_index("record_id")
    listed = set(training["country_name"])
    for row in rows:
        if not row["record_id"]:
            assert row["note"] and row["country"] not in listed, row
            continue
        got = real.loc[row["record_id"]]
        assert (got["country_name"], got["country"], got["report"]) == (
            row["country"],
            row["printed_as"],
            row["report"],
        ), row
        assert ("" if pd.isna(got["page"]) else str(int(got["page"]))) == row["page"], row
