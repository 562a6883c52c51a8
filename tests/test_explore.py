"""The SQLite query tool: every table in one file, full-text search, indexes, and Datasette
(the real server, on loopback) answering the canned queries as the Python functions do."""

from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import pytest

from imetbook.analysis import classmates
from imetbook.data import datasets, explore, schema

DATASETTE = Path(sys.executable).with_name("datasette")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("sqlite")
    explore.write_sqlite(out=folder / explore.DB_FILE)
    meta = folder / explore.METADATA_FILE
    meta.write_text(json.dumps(explore.metadata()), encoding="utf-8")
    return folder


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


def test_data_sqlite_command_writes_the_file_and_metadata(tmp_path, monkeypatch, capsys):
    import os
    import shutil

    from imetbook import paths
    from imetbook.run import cli

    processed = tmp_path / "processed"
    skip = shutil.ignore_patterns(explore.DB_FILE, explore.METADATA_FILE)
    shutil.copytree(paths.processed_dir(), processed, copy_function=os.link, ignore=skip)
    monkeypatch.setenv("IMETBOOK_PROCESSED", str(processed))
    assert cli.main(["data", "sqlite"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out == [
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
