"""The FMTR parse end to end, on fixtures cut from the real files (tests/fixtures/fmtr/cut.py
says which real example each fixture file carries)."""

from __future__ import annotations

import csv
import gzip
import hashlib
import shutil
from pathlib import Path

import pandas as pd
import pytest

from imetbook.analysis import quality
from imetbook.data import build, schema
from imetbook.data.manifest import read_manifest
from imetbook.data.parsers import fmtr, fmtr_html, fmtr_xml
from imetbook.errors import ChecksumError, DataError, UnknownCountryError

FIXTURE = Path(__file__).parents[1] / "fixtures" / "fmtr"


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return fmtr.build_tables(FIXTURE)


@pytest.fixture(scope="module")
def training(tables) -> pd.DataFrame:
    return tables["training"]


def rows(df: pd.DataFrame, **where) -> pd.DataFrame:
    mask = pd.Series(True, index=df.index)
    for col, value in where.items():
        mask &= df[col].eq(value)
    return df[mask]


def flags(row: pd.Series) -> set[str]:
    return set(filter(None, row["flags"].split(";")))


# --- the tables -------------------------------------------------------------------------------


def test_tables_meet_their_contracts(tables):
    assert set(tables) == {
        "training",
        "printed_totals",
        "reconciliation",
        "fmtr_excluded",
        "fmtr_documents",
    }
    for name, df in tables.items():
        schema.validate(df, schema.CONTRACTS[name])
        assert list(df.columns) == schema.CONTRACTS[name].names


def test_every_raw_element_is_accounted_for(tables):
    manifest = pd.DataFrame(read_manifest(FIXTURE / "MANIFEST.csv"))
    counts = quality.element_counts(tables["training"], tables["fmtr_excluded"], manifest)
    assert counts["unexplained"].eq(0).all()
    assert counts["training_rows"].sum() == len(tables["training"])


def test_parse_is_deterministic_and_ids_are_stable(tables):
    again = fmtr.build_tables(FIXTURE)
    for name, df in tables.items():
        pd.testing.assert_frame_equal(df, again[name])
    assert tables["training"]["record_id"].str.fullmatch(r"[\w]+#\d+").all()


def test_tables_do_not_depend_on_workers_or_runs(tables, monkeypatch):
    # The default parse splits the files into several runs parsed by two processes; one run
    # in this process must give the same tables.
    assert len(fmtr._chunks(fmtr._sizes(fmtr.manifest.read_fmtr(FIXTURE)))) > 1
    in_two = fmtr.build_tables(FIXTURE, workers=2)
    monkeypatch.setattr(fmtr, "CHUNKS", 1)
    in_one = fmtr.build_tables(FIXTURE, workers=1)
    for name, df in tables.items():
        pd.testing.assert_frame_equal(in_two[name], df)
        pd.testing.assert_frame_equal(in_one[name], df)


def test_source_url_points_at_the_upstream_blob(training):
    row = training.iloc[0]
    meta = {r["staged_file"]: r for r in read_manifest(FIXTURE / "MANIFEST.csv")}
    m = meta[row["source_file"].removeprefix("data/raw/fmtr/")]
    assert row["source_url"] == (
        f"https://github.com/{m['upstream_repo']}/blob/{m['upstream_commit']}/{m['upstream_path']}"
    )


# --- program labels, fiscal years, status ------------------------------------------------------


def test_two_year_reports_carry_actual_and_planned_years(training):
    benin = rows(training, report="1999-2000", country="Benin")
    assert set(zip(benin["fiscal_year"], benin["status"], strict=True)) == {
        (1999, "actual"),
        (2000, "planned"),
    }
    assert rows(training, report="2012-2013")["status"].eq("actual").all()


def test_label_without_a_year_uses_the_report_year(training):
    saudi = rows(training, country="Saudi Arabia").iloc[0]
    assert (saudi["fiscal_year"], saudi["program"]) == (1999, "Misc Non-SA")
    assert "fiscal_year_not_printed" in flags(saudi)


def test_split_country_name_in_label(training):
    cape_verde = rows(training, report="1999-2000", country="Cape Verde")
    assert len(cape_verde) and cape_verde["is_imet"].all()


def test_program_families_and_imet(training):
    assert rows(training, report="2016-2017", country="Cameroon")["program"].eq("CTFP").all()
    assert rows(training, report="2012-2013", country="Cambodia")["program"].eq("USCG").all()
    assert (
        rows(training, report="2000-2001", country="St Vincent And Grenadines")["fiscal_year"]
        .eq(2000)
        .all()
    )  # 'FY 00 FY 00'
    assert training.loc[training["is_imet"], "program"].eq("IMET").all()


# --- totals rows, placeholders, fragments ------------------------------------------------------


def test_totals_rows_are_not_training_rows(tables, training):
    assert not training["course_title"].str.contains("Program Totals", na=False).any()
    pt = tables["printed_totals"]
    angola = rows(pt, report="2007-2008", country="Angola", program="IMET").iloc[0]
    assert (angola["students"], angola["cost_usd"]) == (24, 364134.0)  # untitled totals row


def test_real_course_named_total_is_kept(training):
    bulgaria = rows(training, report="1999-2000", country="Bulgaria")
    assert bulgaria["course_title"].tolist() == ["TOTAL ARMY INSTRUCTOR TNG"]


def test_placeholder_orphans_and_empty_elements_are_excluded(tables, training):
    ex = tables["fmtr_excluded"]
    assert rows(ex, country="Niue")["reason"].tolist() == ["placeholder"]
    assert rows(training, report="2007-2008", country="Niue").empty
    orphans = set(rows(ex, reason="orphan_fragment")["course_title"])
    assert {"USMC", "PRGM", "Workshop on the", "22", "Democracy Building", "(HEADQUARTERS),"} <= (
        orphans
    )
    assert not set(training["course_title"].dropna()) & {"USMC", "PRGM", "Democracy Building"}
    empty = rows(ex, reason="empty_element")
    assert set(empty["report"]) == {"2006-2007", "2007-2008", "2015-2016"}
    # HTML totals and empty rows are not counted by the manifest; XML elements all are
    html = ex["source_file"].str.endswith(".html.gz")
    assert ex.loc[~html, "in_manifest_count"].all()
    assert ex.loc[html, "in_manifest_count"].eq(ex.loc[html, "reason"].eq("orphan_fragment")).all()


def test_totals_row_carrying_a_course_rows_data_is_flagged(tables):
    pt = tables["printed_totals"]
    flagged = set(pt.loc[pt["flags"].str.contains("totals_with_row_data"), "country"])
    assert flagged == {"Lesotho", "Kosovo", "Bangladesh"}


# --- values --------------------------------------------------------------------------------


def test_merged_row_keeps_the_first_values(training):
    row = rows(training, country="Jamaica", course_title="MTT FM DIESEL ENGINES").iloc[0]
    assert (row["students"], row["cost_usd"]) == (30, 48102.0)
    assert (row["start_date"], row["end_date"]) == (
        pd.Timestamp("2001-06-11"),
        pd.Timestamp("2001-06-30"),
    )
    assert {"quantity_repaired", "cost_repaired", "dates_merged"} <= flags(row)


def test_dates_inside_the_cost_are_moved(training):
    angola = rows(training, report="2009-2010", country="Angola", program="Regional Centers")
    row = angola.iloc[0]
    assert (row["cost_usd"], row["start_date"]) == (578.0, pd.Timestamp("2008-11-16"))
    assert "dates_from_cost" in flags(row)
    mne = rows(training, report="2009-2010", country="Republic of Montenegro").iloc[0]
    assert (mne["start_date"], mne["end_date"], mne["cost_usd"]) == (
        pd.Timestamp("2009-09-07"),
        pd.Timestamp("2009-09-11"),
        0.0,
    )
    nic = rows(training, course_title="RULE OF LAW&DISCP MIL OPS").iloc[0]
    assert (nic["cost_usd"], nic["start_date"]) == (320.0, pd.Timestamp("2003-09-15"))


def test_both_dates_in_one_field_are_split(training):
    row = rows(training, report="2009-2010", country="Angola", program="IMET").iloc[0]
    assert (row["start_date"], row["end_date"]) == (
        pd.Timestamp("2009-09-21"),
        pd.Timestamp("2009-09-24"),
    )
    png = rows(training, country="Papua New Guinea", program="Regional Centers").iloc[0]
    assert "dates_split" in flags(png)


def test_two_digit_years_and_typos(training):
    jamaica = rows(training, report="2001-2002", country="Jamaica")
    assert jamaica["start_date"].dt.year.between(2000, 2001).all()
    aze = rows(training, country="Azerbaijan").iloc[0]
    assert pd.isna(aze["start_date"]) and aze["end_date"] == pd.Timestamp("2007-12-10")
    assert "date_unreadable" in flags(aze)


def test_quantity_with_appended_text(training):
    for where in (
        {"country": "Cameroon", "report": "2002-2003"},  # '1 39529-7099'
        {"country": "Uruguay", "course_title": "ANTITERRSM FOR PRTC LVL I"},  # '1 LACKLAND AFB...'
        {"country": "Albania", "report": "2009-2010"},  # '1 Garmisch, '
    ):
        picked = rows(training, **where)
        assert picked["flags"].str.contains("quantity_repaired").any(), where
        assert picked["students"].notna().all()


def test_bare_dollar_cost_is_a_gap(training):
    angola = rows(training, report="2011-2012", country="Angola")
    assert angola["cost_usd"].isna().all()
    assert angola["flags"].str.contains("cost_blank").all()


def test_cost_printed_in_the_date_column(training):
    row = rows(training, country="Colombia").iloc[0]
    assert pd.isna(row["start_date"]) and row["cost_usd"] == 1177.0
    assert "value_in_wrong_column" in flags(row)


def test_shifted_columns_and_lost_titles(training):
    bd = rows(training, report="2015-2016", country="Bangladesh")
    shifted = bd[bd["student_unit"].eq("$972")]
    assert len(shifted) == 3
    assert shifted["students"].isna().all()
    assert shifted["flags"].str.contains("quantity_unreadable").all()
    assert shifted["flags"].str.contains("value_in_wrong_column").all()
    untitled = shifted[shifted["course_title"].isna()]
    assert len(untitled) == 2 and untitled["flags"].str.contains("title_missing").all()
    # identical repeated rows are real rows: both copies are kept
    assert untitled.drop(columns="record_id").duplicated(keep=False).all()


def test_page_numbers(training):
    costa_rica = rows(training, country="Costa Rica", report="2002-2003")
    assert 224 in set(costa_rica["page"]) and costa_rica["flags"].str.contains("page_merged").any()
    assert rows(training, report="1999-2000")["page"].isna().all()
    assert rows(training, report="2006-2007")["page"].isna().all()


def test_text_damage_is_repaired(training):
    kenya = rows(training, report="2012-2013", country="Kenya").iloc[0]
    assert kenya["us_unit"] == "COLUMBUS AFB MS" and "us_damage_repaired" in flags(kenya)
    mauritius = rows(training, report="2012-2013", country="Mauritius").iloc[0]
    assert mauritius["student_unit"] == "Mauritius Police Force"
    ethiopia = rows(training, report="2013-2014", country="Ethiopia").iloc[0]
    assert ethiopia["student_unit"] == "Ethiopian Defense Staff & Command College"


def test_truncated_title_is_kept_as_printed(training):
    assert "UN Civil-" in set(rows(training, report="2018-2019")["course_title"])


# --- countries and regions -----------------------------------------------------------------


def test_country_name_variants(training):
    albania = rows(training, report="1999-2000", country="Albania")  # printed ' Albania'
    assert albania["iso3"].eq("ALB").all()
    bolivia = rows(training, country="Bolivia INC").iloc[0]
    assert (bolivia["country_name"], bolivia["iso3"]) == ("Bolivia", "BOL")


def test_merged_countries_are_split_where_the_program_order_restarts(tables, training):
    for report, heading, codes in (
        ("2019-2020", "Angola", ["AGO", "BEN"]),
        ("2012-2013", "Congo, Republic of (Brazzaville)", ["COG", "CIV"]),
    ):
        merged = rows(training, report=report, country=heading)
        assert len(merged)
        assert merged["flags"].str.contains("countries_merged").all()
        assert merged["flags"].str.contains("country_split_by_program_order").all()
        assert set(merged["iso3"]) <= set(codes)
        # In file order, the heading's own country first, then the partner, each in order.
        order = merged["record_id"].str.split("#").str[1].astype(int)
        merged = merged.assign(_o=order).sort_values("_o")
        first = merged["iso3"].eq(codes[0])
        assert not (first & ~first.cummin()).any()
        for code in codes:
            names = merged.loc[merged["iso3"].eq(code), "program_raw"]
            names = names.drop_duplicates().str.lower().tolist()
            assert names == sorted(names)
        totals = rows(tables["printed_totals"], report=report, country=heading)
        assert set(totals["iso3"]) <= set(codes)


def test_merge_detection_must_agree_with_the_table(monkeypatch):
    monkeypatch.setattr(fmtr, "MERGED_COUNTRIES", {})
    with pytest.raises(DataError, match="looks like two countries merged"):
        fmtr.build_tables(FIXTURE)


def test_rows_printed_in_two_region_files_are_kept_once(tables, training):
    ex = tables["fmtr_excluded"]
    copies = rows(ex, reason="duplicate_region_copy")
    assert set(
        zip(
            copies["country"],
            copies["source_file"].str.extract(r"2001_2002_(\w+?)_fmtrpt")[0],
            strict=True,
        )
    ) == {("Algeria", "Europe"), ("Armenia", "Near_East")}
    algeria = rows(training, report="2001-2002", country="Algeria")
    assert algeria["region"].eq("Near East").all()
    assert len(algeria) == len(rows(copies, country="Algeria"))
    assert algeria["flags"].str.contains("also_in_other_region_file").all()
    # the three identical 'AMERICAN LANGUAGE CRS' rows are kept (one per student)
    assert (algeria["course_title"] == "AMERICAN LANGUAGE CRS").sum() == 3
    armenia = rows(training, report="2001-2002", country="Armenia")
    assert armenia["region"].eq("Newly Independent States").all()
    assert copies["detail"].str.startswith("identical to 2001_2002_").all()


def test_split_country_gets_its_neighbouring_reports_region(training):
    albania = rows(training, report="2000-2001", country="Albania")
    assert albania["region"].eq("Europe").all()
    moved = albania[albania["flags"].str.contains("region_reassigned")]
    assert moved["source_file"].str.contains("East_Asia").all() and len(moved) == 2
    bangladesh = rows(training, report="2000-2001", country="Bangladesh")
    assert bangladesh["region"].eq("South Asia").all()


def test_all_regions_file_takes_regions_from_the_labels(training):
    got = rows(training, report="2005-2006").groupby("country")["region"].unique()
    assert {c: list(r) for c, r in got.items()} == {
        "Chad": ["Africa"],
        "Pakistan": ["South Asia"],
        "Uruguay": ["Western Hemisphere"],
    }


# --- 2006-2007 HTML ------------------------------------------------------------------------


def test_unclosed_country_headings_keep_their_rows(tables, training):
    qatar = rows(training, report="2006-2007", country="Qatar")
    kuwait = rows(training, report="2006-2007", country="Kuwait")
    assert len(qatar) and len(kuwait)
    recon = rows(tables["reconciliation"], report="2006-2007", level="country")
    got = recon.set_index("country_name")["status"]
    assert got["Qatar"] == "match" and got["Kuwait"] == "match"


def test_rows_nested_under_an_unclosed_heading_are_read_in_order():
    # Qatar's real heading and first CTFP row (Near East 2006-2007), nested inside the heading
    # cell as a naive tree would hold them: the row still belongs to Qatar.
    cells = (
        "REGIONAL CENTERS SEMINARS",
        "1",
        "BDH",
        "QATAR ARMED FORCES - B",
        "-",
        "2700",
        "8/28/2006",
        "9/8/2006",
    )
    page = (
        "<table><tr><td bgColor=beige colSpan=8><b>Qatar</U></STRONG> </b><table><tr><td>"
        "<strong>CTFP - FY 2006 DoD Training</strong></td>" + "<td>&nbsp;</td>" * 7 + "</tr>"
        "<tr>" + "".join(f"<td><p>{c}</p></td>" for c in cells) + "</tr></table></td></tr></table>"
    ).encode()
    df = fmtr_html.parse(page, "nested.html")
    assert df["country"].tolist() == ["Qatar"]
    assert df[["course_title", "total_cost"]].values.tolist() == [[cells[0], cells[5]]]
    assert df["us_unit"].isna().all()  # the '-' printed in every row is no unit


def test_misprinted_heading_is_corrected_by_the_country_totals_row(training):
    bf = rows(training, report="2006-2007", country="Burkina Faso")
    assert len(bf) and bf["iso3"].eq("BFA").all()
    assert bf["flags"].str.contains("country_from_totals_row").all()
    assert rows(training, report="2006-2007", country="Benin").empty


def test_html_us_unit_dash_is_empty(training):
    assert rows(training, report="2006-2007")["us_unit"].isna().all()


# --- reconciliation --------------------------------------------------------------------------


def test_reconciliation_statuses(tables):
    recon = tables["reconciliation"]
    early = recon[recon["report"] < "2006-2007"]
    assert early["status"].eq("no_printed_total").all() and len(early)
    status = recon.set_index(["report", "country_name", "program_raw"])["status"]
    assert (
        status[
            (
                "2012-2013",
                "Cambodia",
                "DHS/USCG - Fiscal Year 2012 Department of Homeland Security Training",
            )
        ]
        == "match"
    )
    kosovo = rows(recon, report="2006-2007", country_name="Kosovo", program="Regional Centers")
    assert kosovo["status"].tolist() == ["mismatch"]
    row = kosovo.iloc[0]
    assert row["diff_students"] == row["parsed_students"] - row["printed_students"]


# --- parsers on their own ------------------------------------------------------------------


def test_xml_parser_classifies_every_element():
    data = gzip.decompress(
        (FIXTURE / "fy2007_2008/2007_2008_Africa_fmtrpt_dedup.xml.gz").read_bytes()
    )
    df = fmtr_xml.parse(data, "x.xml")
    assert df["ordinal"].tolist() == list(range(1, len(df) + 1))
    assert df["kind"].value_counts().to_dict() == {
        "row": 3,
        "program_totals": 3,
        "orphan_fragment": 1,
        "empty_element": 1,
    }


# --- bad input -------------------------------------------------------------------------------


def _copy(tmp_path: Path) -> Path:
    dest = tmp_path / "fmtr"
    # Without the script that cut the fixture: a raw folder holds only what its manifest lists.
    shutil.copytree(FIXTURE, dest, ignore=shutil.ignore_patterns("cut.py"))
    # The notes that map each file to its original document sit beside the FMTR files.
    shutil.copytree(FIXTURE.parent / "fmtr_notes", tmp_path / "fmtr_notes")
    return dest


def _rewrite(folder: Path, staged: str, change, fix_manifest: bool = True) -> None:
    """Rewrite one fixture file's content; update its checksum and size in the manifest."""
    path = folder / staged
    data = change(gzip.decompress(path.read_bytes()))
    path.write_bytes(gzip.compress(data, mtime=0))
    if not fix_manifest:
        return
    with (folder / "MANIFEST.csv").open(newline="", encoding="utf-8") as fh:
        manifest = list(csv.DictReader(fh))
    for row in manifest:
        if row["staged_file"] == staged:
            row.update(sha256=hashlib.sha256(data).hexdigest(), bytes_uncompressed=str(len(data)))
    with (folder / "MANIFEST.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(manifest[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(manifest)


BENIN_1999 = "fy1999_2000/1999_2000_Africa_1_fmtrpt_dedup.xml.gz"


def test_checksum_mismatch_names_the_file(tmp_path):
    folder = _copy(tmp_path)
    _rewrite(folder, BENIN_1999, lambda d: d.replace(b"AIRBORNE", b"AIRBORNX"), fix_manifest=False)
    with pytest.raises(ChecksumError, match=r"1999_2000_Africa_1_fmtrpt_dedup\.xml\.gz: sha256"):
        fmtr.build_tables(folder)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_bad_file_is_named_before_any_file_is_parsed(tmp_path, monkeypatch, workers):
    # Every file is verified first: the error is that of the first bad file in manifest order,
    # even after a malformed one, and nothing is parsed (forked workers inherit the patch).
    folder = _copy(tmp_path)
    _rewrite(folder, BENIN_1999, lambda d: d[: len(d) // 2])  # run 1: malformed XML
    read = fmtr.manifest.read_fmtr(folder)
    bounds = fmtr._chunks(fmtr._sizes(read))
    assert len(bounds) > 2
    late, last = read[bounds[-2][0]].relpath, read[bounds[-1][0]].relpath
    for staged in (late, last):
        _rewrite(folder, staged, lambda d: d + b" ", fix_manifest=False)

    def parsed(*_args):
        raise AssertionError("a file was parsed before every file was verified")

    monkeypatch.setattr(fmtr, "_parse_chunk", parsed)
    with pytest.raises(ChecksumError, match=rf"{Path(late).name}: sha256 mismatch"):
        fmtr.build_tables(folder, workers=workers)
    (folder / last).unlink()
    with pytest.raises(ChecksumError, match=rf"{Path(late).name}: sha256 mismatch"):
        fmtr.build_tables(folder, workers=workers)
    _rewrite(folder, late, lambda d: d)  # its checksum fixed: the missing file is first now
    with pytest.raises(DataError, match=rf"{Path(last).name}: listed in MANIFEST.csv but missing"):
        fmtr.build_tables(folder, workers=workers)


def test_truncated_gzip_is_a_clear_error(tmp_path):
    folder = _copy(tmp_path)
    path = folder / BENIN_1999
    path.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(DataError, match="corrupt or truncated gzip"):
        fmtr.build_tables(folder)


def test_malformed_xml_is_a_clear_error(tmp_path):
    folder = _copy(tmp_path)
    _rewrite(folder, BENIN_1999, lambda d: d[: len(d) // 2])
    with pytest.raises(DataError, match=r"1999_2000_Africa_1_fmtrpt_dedup\.xml\.gz: malformed XML"):
        fmtr.build_tables(folder)


def test_unknown_country_name_is_named(tmp_path):
    folder = _copy(tmp_path)
    _rewrite(folder, BENIN_1999, lambda d: d.replace(b'name="Benin"', b'name="Atlantis"'))
    with pytest.raises(UnknownCountryError, match="'Atlantis'"):
        fmtr.build_tables(folder)


def test_missing_file_and_wrong_element_count(tmp_path):
    folder = _copy(tmp_path)
    manifest = (folder / "MANIFEST.csv").read_text(encoding="utf-8")
    (folder / "MANIFEST.csv").write_text(
        manifest.replace(",413", ",999").replace(",7\n", ",8\n", 1)
    )
    with pytest.raises(DataError, match="MANIFEST.csv counts 8"):
        fmtr.build_tables(folder)
    (folder / BENIN_1999).unlink()
    with pytest.raises(DataError, match="listed in MANIFEST.csv but missing"):
        fmtr.build_tables(folder)


# --- atomic build ------------------------------------------------------------------------------


def test_failed_build_leaves_previous_tables_untouched(tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    folder = _copy(raw)
    out = tmp_path / "processed"
    monkeypatch.setattr(build, "parse_all", lambda r: fmtr.build_tables(r / "fmtr"))
    build.build(raw=raw, out=out, log=lambda _m: None)
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert Path("training.parquet") in before and Path("fmtr_excluded.parquet") in before

    _rewrite(folder, BENIN_1999, lambda d: d.replace(b'name="Benin"', b'name="Atlantis"'))
    with pytest.raises(UnknownCountryError):
        build.build(raw=raw, out=out, force=True, log=lambda _m: None)
    assert {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["processed", "raw"]


def test_contract_violation_leaves_previous_tables_untouched(tmp_path, tables):
    out = tmp_path / "processed"
    build.write_tables(out, dict(tables), "stamp-1")
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    broken = dict(tables)
    broken["training"] = tables["training"].assign(status="maybe")
    with pytest.raises(Exception, match="training.status"):
        build.write_tables(out, broken, "stamp-2")
    assert {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
