"""Table contracts: one declaration gives validation (pandera), the data dictionary and the
Frictionless Table Schema; every numeric column states its valid range."""

from __future__ import annotations

import pandas as pd
import pytest
from fixture_helpers import set_amount
from test_budget import NO_TRAINING, copy_fixture

from imetbook.data import datasets, schema
from imetbook.data.parsers import budget
from imetbook.errors import ContractError


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return {name: datasets.load(name) for name in schema.CONTRACTS}


def test_every_numeric_column_declares_its_range():
    for contract in schema.CONTRACTS.values():
        for col in contract.columns:
            if col.kind in schema.NUMERIC:
                assert col.bounds is not None, f"{contract.table}.{col.name}"
                assert col.range_text(), f"{contract.table}.{col.name}"


def test_a_numeric_column_without_bounds_is_refused():
    with pytest.raises(ValueError, match="must declare its bounds"):
        schema.Column("n", "int", "a count")


def test_built_tables_meet_their_contracts(tables):
    for name, df in tables.items():
        assert schema.validate(df, schema.CONTRACTS[name]) is df


def test_negative_amount_names_table_column_value_and_source(tables):
    funding = tables["funding"].copy()
    row = funding.iloc[3]
    funding.loc[3, "amount_usd"] = -3_500_000.0
    with pytest.raises(ContractError) as err:
        schema.validate(funding, schema.FUNDING)
    msg = str(err.value)
    assert msg.startswith("funding.amount_usd: value -3500000.0 outside its valid range")
    assert f"locator={row['locator']!r}" in msg and "\n" not in msg


def test_negative_amount_in_a_raw_file_names_file_and_line(tmp_path):
    folder = copy_fixture(tmp_path)
    line = set_amount(folder, budget.MASTER, "Nepal", "allocation", "-3500000")
    with pytest.raises(ContractError, match=rf"{budget.MASTER} line {line}: amount_usd -3.5e\+06"):
        budget.build_funding(folder, NO_TRAINING)


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("students", -1, r"training\.students: value -1 outside its valid range \(0 or more\)"),
        ("page", 0, r"training\.page: value 0 outside its valid range \(1 or more\)"),
        ("fiscal_year", 1850, r"training\.fiscal_year: value 1850 outside .*1999 to 2021"),
        ("region", "Mars", r"training\.region: value 'Mars' not in"),
    ],
)
def test_out_of_range_training_value_names_the_raw_file(tables, column, value, expected):
    training = tables["training"].copy()
    training.loc[10, column] = value
    with pytest.raises(ContractError, match=expected) as err:
        schema.validate(training, schema.TRAINING)
    assert f"source_file={training.loc[10, 'source_file']!r}" in str(err.value)
    assert f"record_id={training.loc[10, 'record_id']!r}" in str(err.value)


def test_null_duplicate_missing_and_wrong_kind(tables):
    t = tables["training"]
    with pytest.raises(ContractError, match=r"training\.country: null in a non-null column"):
        schema.validate(t.assign(country=t["country"].mask(t.index == 4)), schema.TRAINING)
    dup = pd.concat([t.head(3), t.head(1)], ignore_index=True)
    with pytest.raises(ContractError, match=r"training: duplicate key \['record_id'\]"):
        schema.validate(dup, schema.TRAINING)
    with pytest.raises(ContractError, match=r"training: missing column\(s\) page"):
        schema.validate(t.drop(columns="page"), schema.TRAINING)
    with pytest.raises(ContractError, match=r"training\.students: expected int, got dtype"):
        schema.validate(t.assign(students=t["students"].astype("float")), schema.TRAINING)


def test_dictionary_and_table_schema_come_from_the_contract():
    for contract in schema.CONTRACTS.values():
        d = schema.dictionary(contract)
        assert [c.split(" ")[0] for c in d["column"]] == contract.names
        fields = schema.table_schema(contract)["fields"]
        assert [f["name"] for f in fields] == contract.names
        for col, f in zip(contract.columns, fields, strict=True):
            cons = f.get("constraints", {})
            assert cons.get("required", False) is (not col.nullable and not col.blank)
            assert cons.get("minimum") == col.minimum and cons.get("maximum") == col.maximum
            assert cons.get("enum") == (list(col.allowed) if col.allowed else None)
    amount = schema.dictionary(schema.FUNDING).set_index("column").loc["amount_usd"]
    assert amount["allowed values"] == "0 or more" and amount["unit"] == schema.USD


def test_reading_tables_and_drawing_pages_does_not_import_pandera():
    # pandera costs about 0.2 s to import; kernels and commands that only read the tables
    # (every chapter and country page) must not pay it. A fresh interpreter: this one has it.
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import imetbook.chapters.profile, imetbook.chapters.claims, imetbook.data.datasets\n"
        "print('pandera' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_validation_still_imports_pandera_when_it_runs(tables):
    with pytest.raises(ContractError):
        schema.validate(tables["training"].iloc[:0].drop(columns="iso3"), schema.TRAINING)
