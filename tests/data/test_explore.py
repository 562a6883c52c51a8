"""The SQLite query tool: every table in one file, full-text search, indexes, and Datasette
(the real server, on loopback) answering the canned queries as the Python functions do."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pandas as pd
import pytest

from imetbook.analysis import classmates
from imetbook.data import datasets, explore, schema

DATASETTE = Path(sys.executable).with_name("datasette")


@dataclass(frozen=True)
class Written:
    """What ``python -m imetbook data sqlite`` wrote (into a linked copy of the tables)."""

    processed: Path
    code: int
    stdout: list[str]


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> Written:
    """The command run once for the module: writing every table into SQLite takes seconds."""
    from imetbook import paths
    from imetbook.run import cli

    processed = tmp_path_factory.mktemp("sqlite") / "processed"
    skip = shutil.ignore_patterns(explore.DB_FILE, explore.METADATA_FILE)
    shutil.copytree(paths.processed_dir(), processed, copy_function=os.link, ignore=skip)
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stdout(out):
        mp.setenv("IMETBOOK_PROCESSED", str(processed))
        code = cli.main(["data", "sqlite"])
    return Written(processed, code, out.getvalue().strip().splitlines())


@pytest.fixture(scope="module")
def built(written) -> Path:
    return written.processed


@pytest.fixture(scope="module")
def con(built):
    c = sqlite3.connect(built / explore.DB_FILE)
    yield c
    c.close()


def test_every_table_with_every_row(con):
    for name, contract in schema.CONTRACTS.items():
        cols = [r[1] for r in con.execute(f'pragma table_info("{name}")')]
        assert cols == contract.names
        (n,) = con.execute(f'select count(*) from "{name}"').fetchone()
        assert n == len(datasets.load(name)), name


def test_indexes_on_country_year_program_and_course(con):
    indexed = {
        (r[0], r[1])
        for r in con.execute("select tbl_name, name from sqlite_master where type = 'index'")
    }
    cols = {(t, n.removeprefix(f"idx_{t}_")) for t, n in indexed}
    for col in ("country_name", "iso3", "fiscal_year", "program", "course_key"):
        assert ("training", col) in cols


def test_full_text_search_over_titles_places_and_units(con):
    hits = con.execute(
        "select t.course_title, t.location, t.us_unit, t.student_unit from training_fts f "
        "join training t on t.rowid = f.rowid where training_fts match 'leavenworth'"
    ).fetchall()
    assert hits
    assert all(any("leavenworth" in (v or "").lower() for v in row) for row in hits)
    training = datasets.load("training", columns=list(explore.FTS_COLUMNS))
    anywhere = training.apply(lambda c: c.str.contains("leavenworth", case=False, na=False))
    assert len(hits) <= int(anywhere.any(axis=1).sum())


def test_dates_and_booleans_as_sqlite_stores_them(con):
    start, imet = con.execute(
        "select start_date, is_imet from training where start_date is not null limit 1"
    ).fetchone()
    assert len(start) == 10 and start[4] == "-" and imet in (0, 1)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=30) as r:
        return json.load(r)


@pytest.fixture(scope="module")
def server(built):
    port = _free_port()
    cmd = [str(DATASETTE), *explore.serve_command(built, port=port)[1:]]
    cmd[cmd.index("--metadata") + 1] = str(built / explore.METADATA_FILE)
    cmd[cmd.index("--immutable") + 1] = str(built / explore.DB_FILE)
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                _get(f"{base}/-/versions.json")
                break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail(f"datasette exited: {proc.stderr.read().decode()[-500:]}")
                time.sleep(0.5)
        else:
            pytest.fail("datasette did not start")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_datasette_shared_courses_match_the_python_function(server):
    query = urlencode({"country_a": "India", "country_b": "Pakistan", "_shape": "objects"})
    answer = _get(f"{server}/{explore.DB_NAME}/shared_courses.json?{query}")
    assert answer["ok"] and not answer["truncated"]
    got = {(r["fiscal_year"], r["course_key"]) for r in answer["rows"]}
    result = classmates.shared_classes_for(
        datasets.load("training"), ["India", "Pakistan"], match="course-year"
    )
    want = set(zip(result.classes["fiscal_year"], result.classes["course_key"], strict=True))
    assert got and got == want
    students = {(r["fiscal_year"], r["course_key"]): r["students"] for r in answer["rows"]}
    for row in result.classes.itertuples():
        if not pd_isna(row.students):
            assert students[(row.fiscal_year, row.course_key)] == row.students


def pd_isna(value: object) -> bool:
    import pandas as pd

    return bool(pd.isna(value))


def test_datasette_metadata_and_search(server):
    meta = _get(f"{server}/-/metadata.json")
    tables = meta["databases"][explore.DB_NAME]["tables"]
    assert (
        tables["training"]["columns"]["document_url"] == schema.TRAINING.column("document_url").doc
    )
    assert meta["license_url"].startswith("https://")
    found = _get(f"{server}/{explore.DB_NAME}/training.json?_search=leavenworth&_shape=objects")
    assert found["rows"] and found["filtered_table_rows_count"] > 0


def test_courses_by_year_canned_query(server, con):
    query = urlencode({"country": "Nepal", "_shape": "objects", "_size": "max"})
    answer = _get(f"{server}/{explore.DB_NAME}/courses_by_year.json?{query}")
    (n,) = con.execute("select count(*) from training where country_name = 'Nepal'").fetchone()
    assert len(answer["rows"]) == min(n, 1000)
    years = [r["fiscal_year"] for r in answer["rows"]]
    assert years == sorted(years)


def test_data_sqlite_command_writes_the_file_and_metadata(written):
    processed = written.processed
    assert written.code == 0
    assert written.stdout == [
        f"data: wrote {processed / explore.DB_FILE} and {explore.METADATA_FILE}; "
        "explore it with `make explore`"
    ]
    con = sqlite3.connect(processed / explore.DB_FILE)
    try:
        (n,) = con.execute("select count(*) from training").fetchone()
    finally:
        con.close()
    assert n == len(datasets.load("training", columns=["record_id"]))
    meta = json.loads((processed / explore.METADATA_FILE).read_text(encoding="utf-8"))
    assert meta == explore.metadata()


# --- the canned queries, run on a small SQLite of real rows (tests/fixtures/explore) ---------

FIXTURES = Path(__file__).parents[1] / "fixtures" / "explore"
FIXTURE_TABLES = ("training", "funding", "fmtr_documents")
WAR_COLLEGE_WORDS = ("WAR COL",)


def _fixture(name: str) -> pd.DataFrame:
    """Rows cut from the real table (see tests/fixtures/explore/cut.py), in its contract."""
    contract = schema.CONTRACTS[name]
    df = pd.read_csv(FIXTURES / f"{name}_rows.csv", dtype=str, keep_default_na=False)
    df = df.replace("", None)
    for col in contract.columns:
        s = df[col.name]
        if col.kind == "date":
            df[col.name] = pd.to_datetime(s)
        elif col.kind == "bool":
            df[col.name] = s.map({"True": True, "False": False}).astype(bool)
        elif col.kind == "int":
            df[col.name] = pd.to_numeric(s).astype("Int64")
        elif col.kind == "float":
            df[col.name] = pd.to_numeric(s).astype("float64")
        else:
            df[col.name] = s.astype("string")
    return df[contract.names]


@pytest.fixture(scope="module")
def rows() -> dict[str, pd.DataFrame]:
    return {name: _fixture(name) for name in FIXTURE_TABLES}


@pytest.fixture(scope="module")
def small(tmp_path_factory, rows):
    path = tmp_path_factory.mktemp("small") / explore.DB_FILE
    explore.write_sqlite(out=path, frames=rows)
    c = sqlite3.connect(path)
    c.row_factory = sqlite3.Row
    yield c
    c.close()


def _run(con, name: str, **params: str) -> list[dict]:
    sql = explore.QUERIES[name][2]
    return [dict(r) for r in con.execute(sql, params).fetchall()]


def _war_college(df: pd.DataFrame) -> pd.Series:
    text = df["course_title"].fillna("").str.upper() + " | " + df["location"].fillna("").str.upper()
    return text.str.contains("|".join(WAR_COLLEGE_WORDS), regex=True)


def test_every_canned_query_is_published_with_a_title_and_description():
    queries = explore.metadata()["databases"][explore.DB_NAME]["queries"]
    assert list(queries) == list(explore.QUERIES)
    assert len(queries) >= 6
    for name, q in queries.items():
        assert q["title"] and q["description"] and q["sql"] == explore.QUERIES[name][2]


def test_war_college_classmates_are_the_course_year_match_at_war_colleges(small, rows):
    got = _run(small, "war_college_classmates", country_a="India", country_b="Pakistan")
    training = rows["training"]
    result = classmates.shared_classes_for(training, ["India", "Pakistan"], match="course-year")
    shared = result.classes
    keys = set(zip(shared["fiscal_year"], shared["course_key"], strict=True))
    at_college = training[_war_college(training)]
    college_keys = set(zip(at_college["fiscal_year"], at_college["course_key"], strict=True))
    want = keys & college_keys
    assert want and want < keys  # the fixture holds a shared course that is not at a college
    assert {(r["fiscal_year"], r["course_key"]) for r in got} == want
    for r in got:
        assert set(r["countries"].split(",")) == {"India", "Pakistan"}
        assert "India: " in r["report_pages"] and "Pakistan: " in r["report_pages"]
    # Pakistan's CTFP rows at a war college are not IMET: no match on them
    ctfp = training[(training["program"] == "CTFP") & _war_college(training)]
    assert not ctfp.empty
    assert not set(ctfp["course_key"]) & {r["course_key"] for r in got} - set(
        training.loc[training["is_imet"] & (training["iso3"] == "PAK"), "course_key"]
    )


def test_imet_courses_of_a_country_with_their_documents_and_a_year_range(small, rows):
    training = rows["training"]
    india = training[(training["country_name"] == "India") & training["is_imet"]]
    every = _run(small, "imet_courses", country="India", from_year="", to_year="")
    assert [r["record_id"] for r in every] == list(
        india.sort_values(["fiscal_year", "status", "start_date", "course_title", "record_id"])[
            "record_id"
        ]
    )
    for r in every:
        url = urlsplit(r["document_url"])
        assert url.scheme in ("http", "https") and url.hostname.endswith("state.gov")
        row = india.set_index("record_id").loc[r["record_id"]]
        assert (r["report"], r["page"]) == (
            row["report"],
            None if pd.isna(row["page"]) else row["page"],
        )
    year = int(india["fiscal_year"].max()) - 1
    one = _run(small, "imet_courses", country="India", from_year=str(year), to_year=str(year))
    assert one and {r["fiscal_year"] for r in one} == {year}
    assert len(one) == int((india["fiscal_year"] == year).sum())


def test_imet_per_year_has_reported_zeros_and_no_uncovered_year(small, rows):
    training, docs = rows["training"], rows["fmtr_documents"]
    got = {r["fiscal_year"]: r for r in _run(small, "imet_per_year", country="India")}
    covered = {int(rep[:4]) for rep in docs["report"]}
    assert set(got) == covered  # a year no report covers is not listed: a gap, not 0
    actual = training[
        (training["country_name"] == "India")
        & training["is_imet"]
        & (training["status"] == "actual")
    ]
    for year, r in got.items():
        mine = actual[actual["fiscal_year"] == year]
        assert r["records"] == len(mine)
        assert r["students"] == (int(mine["students"].sum()) if len(mine) else 0)
    zeros = [y for y, r in got.items() if r["records"] == 0]
    # India's only row of the 1999-2000 report is planned: FY1999 is a reported zero
    assert zeros and all(y in covered for y in zeros)
    assert all(got[y]["students"] == 0 for y in zeros)


def test_funding_by_measure_lists_every_source_figure_never_summed(small, rows):
    funding = rows["funding"]
    india = funding[funding["country_name"] == "India"]
    every = _run(small, "funding_by_measure", country="India", measure="")
    assert len(every) == len(india)
    assert sorted(r["amount_usd"] for r in every) == sorted(india["amount_usd"])
    assert all(r["source_title"] and r["locator"] for r in every)
    years = [(r["fiscal_year"], r["measure"]) for r in every]
    assert years == sorted(years)
    measure = india["measure"].mode().iloc[0]
    one = _run(small, "funding_by_measure", country="India", measure=measure)
    assert {r["measure"] for r in one} == {measure}
    assert len(one) == int((india["measure"] == measure).sum()) < len(every)


def test_write_sqlite_refuses_a_table_without_a_contract(tmp_path):
    from imetbook.errors import DataError

    with pytest.raises(DataError, match="no contract"):
        explore.write_sqlite(out=tmp_path / "x.sqlite", frames={"nope": pd.DataFrame()})
    assert not (tmp_path / "x.sqlite").exists()


def test_datasette_runs_the_war_college_query(server, con):
    query = urlencode({"country_a": "India", "country_b": "Pakistan", "_shape": "objects"})
    answer = _get(f"{server}/{explore.DB_NAME}/war_college_classmates.json?{query}")
    assert answer["ok"]
    sql = explore.QUERIES["war_college_classmates"][2]
    direct = con.execute(sql, {"country_a": "India", "country_b": "Pakistan"}).fetchall()
    assert direct and [(r["fiscal_year"], r["course_key"]) for r in answer["rows"]] == [
        (r[0], r[1]) for r in direct
    ]


def test_datasette_leaves_a_blank_optional_parameter_as_any(server, con):
    query = urlencode({"country": "India", "_shape": "objects", "_size": "max"})
    answer = _get(f"{server}/{explore.DB_NAME}/funding_by_measure.json?{query}")
    (n,) = con.execute("select count(*) from funding where country_name = 'India'").fetchone()
    assert answer["ok"] and n and len(answer["rows"]) == min(n, 1000)
    years = _get(f"{server}/{explore.DB_NAME}/imet_per_year.json?{query}")["rows"]
    (covered,) = con.execute("select count(distinct report) from fmtr_documents").fetchone()
    assert len(years) == covered
