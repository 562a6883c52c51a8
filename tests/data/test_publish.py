"""The downloads: every table as CSV and Parquet, a Frictionless Data Package that the
frictionless validator accepts, and one CSV per country."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from frictionless import validate

from imetbook.data import datasets, publish, schema

DOWNLOADS = publish.downloads_dir()


@pytest.fixture(scope="module")
def report():
    return validate(str(DOWNLOADS / publish.DESCRIPTOR))


def csv_rows(path: Path) -> tuple[list[str], int]:
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        return header, sum(1 for _ in reader)


def test_frictionless_accepts_the_package_and_every_file(report):
    problems = [f"{t.name}: {e.message}" for t in report.tasks for e in t.errors[:1]]
    assert report.valid, problems[:5]
    assert sorted(t.name for t in report.tasks) == sorted(schema.CONTRACTS)
    for task in report.tasks:
        assert task.stats["rows"] == len(datasets.load(task.name)), task.name


def test_descriptor_comes_from_the_contracts():
    desc = json.loads((DOWNLOADS / publish.DESCRIPTOR).read_text(encoding="utf-8"))
    for res in desc["resources"]:
        assert res["schema"] == schema.table_schema(schema.CONTRACTS[res["name"]])
        header, _ = csv_rows(DOWNLOADS / res["path"])
        assert header == schema.CONTRACTS[res["name"]].names
    training = next(r for r in desc["resources"] if r["name"] == "training")
    assert training["licenses"][0]["name"] == "MIT"


def test_parquet_files_are_the_tables():
    for name in schema.CONTRACTS:
        got = pd.read_parquet(DOWNLOADS / f"{name}.parquet")
        pd.testing.assert_frame_equal(got, datasets.load(name))


def test_frictionless_rejects_a_negative_amount(tmp_path):
    folder = Path(
        shutil.copytree(
            DOWNLOADS, tmp_path / "d", ignore=shutil.ignore_patterns("country", "training.*")
        )
    )
    desc = json.loads((folder / publish.DESCRIPTOR).read_text(encoding="utf-8"))
    desc["resources"] = [r for r in desc["resources"] if r["name"] == "funding"]
    (folder / publish.DESCRIPTOR).write_text(json.dumps(desc), encoding="utf-8")
    funding = pd.read_csv(folder / "funding.csv", dtype=str, keep_default_na=False)
    funding.loc[2, "amount_usd"] = "-3500000"
    funding.to_csv(folder / "funding.csv", index=False, lineterminator="\n")
    report = validate(str(folder / publish.DESCRIPTOR))
    assert not report.valid
    errors = [e for t in report.tasks for e in t.errors]
    assert {e.type for e in errors} == {"constraint-error"}
    assert errors[0].field_name == "amount_usd" and errors[0].row_number == 4


def test_one_csv_per_country_with_its_rows():
    training = datasets.load("training", columns=["iso3"])
    counts = training["iso3"].value_counts()
    files = sorted(p.stem for p in (DOWNLOADS / publish.COUNTRIES).glob("*.csv"))
    assert files == sorted(counts.index)
    header, n = csv_rows(DOWNLOADS / publish.COUNTRIES / "IND.csv")
    assert header == schema.TRAINING.names and n == counts["IND"]


def test_links_are_escaped_and_download():
    link = publish.download_link('a"<b>', "../downloads/x.csv")
    assert link == '<a href="../downloads/x.csv" download>a&quot;&lt;b&gt;</a>'
    assert publish.country_csv_href("IND") == "../../downloads/country/IND.csv"


@pytest.mark.parametrize("break_a_line", [False, True])
def test_country_csvs_are_cut_from_the_whole_csv_as_write_csv_writes_them(tmp_path, break_a_line):
    """Byte for byte what :func:`publish.write_csv` writes of each country's rows, with a cell
    holding a line break too (the rows are then formatted per country)."""
    training = datasets.load("training").iloc[::997].reset_index(drop=True)
    if break_a_line:
        training.loc[3, "course_title"] = f"{training.loc[3, 'course_title']}\nsecond line"
    publish.write_csv(training, tmp_path / "training.csv")
    (tmp_path / "cut").mkdir()
    rendered = (tmp_path / "training.csv").read_bytes()
    publish.write_country_csvs(training, rendered, tmp_path / "cut")
    (tmp_path / "want").mkdir()
    for iso3, rows in training.groupby("iso3"):
        publish.write_csv(rows, tmp_path / "want" / f"{iso3}.csv")
    want = {p.name: p.read_bytes() for p in (tmp_path / "want").iterdir()}
    assert len(want) > 20
    assert {p.name: p.read_bytes() for p in (tmp_path / "cut").iterdir()} == want


# --- the fast CSV writer ---------------------------------------------------------------------


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    return df.to_csv(**publish._CSV).encode("utf-8")


@pytest.mark.parametrize("name", sorted(schema.CONTRACTS))
def test_fast_csv_writes_every_table_as_to_csv_does(name):
    df = datasets.load(name)
    assert publish.fast_csv(df) == to_csv_bytes(df)


TEXT = [
    "plain",
    "a,b",
    'say "hi"',
    '"',
    "cr\rin",
    " lead",
    "trail ",
    "",
    None,
    "Zürich – São Tomé",
    "tab\tin",
    "'",
]
FLOATS = [0.1, 1e20, 1234.0, float("nan"), 0.0, -0.0, 1e-7, 2.5e-300, float("inf"), -1.5, 1e16]
DATES = ["2001-02-03", None, "1999-12-31 23:59:59", "2021-10-01 00:00:01", "1970-01-01"]


def awkward(rows: int = 97) -> pd.DataFrame:
    """Every awkward value of every dtype the contracts use (and a few more), repeated in a
    scrambled order so that each column repeats its values differently."""

    def col(values: list, dtype: str) -> pd.Series:
        order = [(i * 7 + len(values)) % len(values) for i in range(rows)]
        return pd.Series([values[i] for i in order], dtype=dtype)

    return pd.DataFrame(
        {
            "str": col(TEXT, "str"),
            "str_na": col(TEXT, "string"),
            "str_python": col(TEXT, pd.StringDtype("python")),
            "float": col(FLOATS, "float64"),
            "float32": col([0.1, 3.0, None, -0.0], "float32"),
            "Int64": col([1, None, -7, 2**40, 0], "Int64"),
            "int": col([0, -1, 2**62, 1999], "int64"),
            "bool": col([True, False], "bool"),
            "boolean": col([True, None, False], "boolean"),
            "date_s": col(DATES, "datetime64[s]"),
            "date_ms": col(DATES, "datetime64[ms]"),
            "date_ns": col(DATES, "datetime64[ns]"),
            'comma, quoted "name"': col(["x", "y"], "str"),
        }
    )


def test_fast_csv_writes_awkward_values_as_to_csv_does():
    df = awkward()
    fast = publish.fast_csv(df)
    assert fast is not None and fast == to_csv_bytes(df)
    assert b'"a,b"' in fast and b'"say ""hi"""' in fast and b"-0.0" in fast and b"1e+20" in fast
    # every cell null, and no row at all
    nulls = df.iloc[:, :3].assign(d=pd.Series([None] * len(df), dtype="datetime64[s]"))
    assert publish.fast_csv(nulls.iloc[:0]) == to_csv_bytes(nulls.iloc[:0])
    nulls.iloc[:, :3] = None
    assert publish.fast_csv(nulls) == to_csv_bytes(nulls)


@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame({"a": ["one\nline break", "x"] * 3, "b": [1, 2] * 3}),
        pd.DataFrame({"a": ["cr lf\r\n", "x"] * 3, "b": [1, 2] * 3}),
        pd.DataFrame({"a": [1.5, -0.0, 0.0] * 2, "b": pd.array([0.0, -0.0, None] * 2, "Float64")}),
        pd.DataFrame({"a": [1, 1.0, True, "1"] * 2, "b": [1] * 8}),  # object: 1 == 1.0 == True
        pd.DataFrame({"a": pd.Categorical(["x", "y"] * 3), "b": [1] * 6}),
        pd.DataFrame({"a": ["", "x", "", None]}),  # one column: a lone empty cell is ""
    ],
)
def test_what_fast_csv_cannot_prove_identical_is_written_by_to_csv(frame):
    assert publish.fast_csv(frame) is None
    assert publish.csv_bytes(frame) == to_csv_bytes(frame)


def test_csv_bytes_takes_the_fast_path_for_big_frames(monkeypatch):
    df = pd.concat([awkward()] * (publish.FAST_MIN_ROWS // 97 + 1), ignore_index=True)
    calls = []
    monkeypatch.setattr(publish, "fast_csv", lambda d: calls.append(len(d)) or b"fast")
    assert publish.csv_bytes(df) == b"fast" and calls == [len(df)]
    assert publish.csv_bytes(df.iloc[:10]) == to_csv_bytes(df.iloc[:10]) and calls == [len(df)]
