"""``python -m imetbook classmates``: errors, formats, and agreement with the chapter's function.

Most tests run the command on the fixture rows (``tests/fixtures/classmates``) by replacing
``datasets.load``; the agreement test runs it on the real ``training`` table.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from fixture_helpers import classmates_cli as run
from fixture_helpers import training_rows

from imetbook.analysis import classmates as cm
from imetbook.data import datasets
from imetbook.run.commands import classmates as cmd

FIXTURE = Path(__file__).parents[1] / "fixtures" / "classmates" / "training_rows.csv"


def load_fixture() -> pd.DataFrame:
    """The fixture rows typed as the ``training`` table is (see test_classmates.py)."""
    return training_rows(FIXTURE)


@pytest.fixture
def fixture_table(monkeypatch) -> pd.DataFrame:
    table = load_fixture()
    monkeypatch.setattr(datasets, "load", lambda name, *a, **k: table.copy())
    return table


# --- errors: one clear line, non-zero exit, nothing on stdout ---------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["Pakistn", "India"], "unknown country 'Pakistn'; closest names in the records: Pakistan"),
        (["India", "Pakistan", "--fy", "2008-2002"], "fy_start (2008) is after fy_end (2002)"),
        (["India", "Pakistan", "--fy", "1990-2002"], "outside the data's range"),
        (["India", "Pakistan", "--fy", "2002:2008"], "--fy: expected a year or a span"),
        (["India"], "at least two countries"),
        (["India", "Pakistan", "--match", "room"], "'room' is not one of class, course-year"),
        (["India", "Pakistan", "--program", "IMTE"], "unknown program 'IMTE' (closest: IMET"),
    ],
)
def test_bad_input_is_one_line_on_stderr(fixture_table, capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code != 0
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("error: ")
    assert message in err


def test_a_country_without_rows_gets_a_note_not_an_error(fixture_table, capsys):
    code, out, err = run(capsys, "India", "Turkey", "--format", "csv")
    assert code == 0
    assert "note: Turkey has no training rows" in err
    assert pd.read_csv(io.StringIO(out)).empty


# --- formats ----------------------------------------------------------------------------------


def test_table_format_lists_every_class_with_its_page(fixture_table, capsys):
    code, out, _ = run(capsys, "India", "Pakistan", "--program", "all")
    result = cm.shared_classes_for(fixture_table, ["India", "Pakistan"], "all")
    assert code == 0
    assert out.splitlines()[0] == cmd.headline(result)
    for c in result.classes.itertuples():
        assert c.class_id in out and c.pages in out


def test_csv_format_has_one_row_per_class_and_students_per_country(fixture_table, capsys):
    code, out, _ = run(capsys, "India", "Pakistan", "--format", "csv")
    table = pd.read_csv(io.StringIO(out))
    result = cm.shared_classes_for(fixture_table, ["India", "Pakistan"])
    assert code == 0
    assert table["class_id"].tolist() == result.classes["class_id"].tolist()
    assert {"students_India", "students_Pakistan", "source_urls", "record_ids"} <= set(table)
    assert (table["students_India"] + table["students_Pakistan"] == table["students"]).all()


def test_json_format_nests_the_rows_of_each_class(fixture_table, capsys):
    code, out, _ = run(capsys, "India", "Pakistan", "--format", "json", "--fy", "2008")
    doc = json.loads(out)
    assert code == 0
    assert doc["query"] == {
        "countries": ["India", "Pakistan"],
        "programs": "IMET",
        "fy_start": 2008,
        "fy_end": 2008,
        "match": "class",
    }
    assert [c["fiscal_year"] for c in doc["classes"]] == [2008, 2008]
    for c in doc["classes"]:
        assert len(c["rows"]) >= 2
        assert {r["country"] for r in c["rows"]} == {"India", "Pakistan"}
        assert all(r["source_url"] and r["page"] for r in c["rows"])
        assert sum(c["students_by_country"].values()) == c["students"]


def test_output_is_deterministic(fixture_table, capsys):
    first = run(capsys, "India", "Pakistan", "Bangladesh", "--format", "json", "--program", "all")
    again = run(capsys, "India", "Pakistan", "Bangladesh", "--format", "json", "--program", "all")
    assert first == again


# --- agreement with the chapter, on the real table --------------------------------------------


def test_cli_and_chapter_function_give_the_same_classes_for_india_and_pakistan(capsys):
    training = datasets.load("training")
    code, out, _ = run(
        capsys, "India", "Pakistan", "--program", "IMET", "--match", "class", "--format", "json"
    )
    assert code == 0
    doc = json.loads(out)
    result = cm.shared_classes_for(training, ["India", "Pakistan"], "IMET", match="class")
    assert len(doc["classes"]) == len(result.classes) > 0
    assert [c["class_id"] for c in doc["classes"]] == result.classes["class_id"].tolist()
    for c, ids in zip(doc["classes"], result.classes["record_ids"], strict=True):
        assert "; ".join(sorted(r["record_id"] for r in c["rows"])) == ids
