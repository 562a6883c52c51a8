"""Helpers shared by the tests that build small frames or edit fixture copies (plain module:
imported, not collected)."""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

import pandas as pd

from imetbook.data import schema

# Columns (and dtypes) of an empty training table, for analyses that take one but whose
# test needs no training rows.
TRAINING_COLUMNS = {
    "report": "str",
    "fiscal_year": "int64",
    "status": "str",
    "region": "str",
    "iso3": "str",
    "is_imet": "bool",
    "students": "Int64",
    "cost_usd": "float64",
    "source_url": "str",
}


def no_training() -> pd.DataFrame:
    """An empty training table (what a funding build takes when no course rows matter)."""
    return pd.DataFrame(columns=list(TRAINING_COLUMNS)).astype(TRAINING_COLUMNS)


def funding_frame(*rows: dict[str, object]) -> pd.DataFrame:
    """A funding table of ``rows`` (dicts of :data:`schema.FUNDING` columns), typed and
    checked against the contract as the built table is."""
    df = pd.DataFrame(list(rows), columns=schema.FUNDING.names)
    df["fiscal_year"] = df["fiscal_year"].astype("int64")
    df["is_total"] = df["is_total"].astype(bool)
    df["students"] = df["students"].astype("Int64")
    text = (
        "iso3",
        "region",
        "source_url",
        "locator",
        "note",
        "source_copy_at",
        "edition",
        "quality",
    )
    for col in text:
        df[col] = df[col].astype("str")
    return schema.validate(df, schema.FUNDING)


def training_rows(path: Path) -> pd.DataFrame:
    """A fixture CSV of training rows typed as the ``training`` table is (dates, nullable
    integers, bool)."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    for col in ("start_date", "end_date"):
        df[col] = pd.to_datetime(df[col], format="%Y-%m-%d").astype("datetime64[us]")
    for col in ("students", "page"):
        df[col] = pd.to_numeric(df[col]).astype("Int64")
    df["fiscal_year"] = df["fiscal_year"].astype("int64")
    df["is_imet"] = df["is_imet"].map({"True": True, "False": False}).astype(bool)
    return df


# --- editing a copy of a fixture folder (with its MANIFEST.csv) ------------------------------


def read_rows(folder: Path, name: str) -> list[dict[str, str]]:
    text = (folder / name).read_bytes().decode("utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def line_of(folder: Path, name: str, needle: str) -> int:
    """Physical line number of the only line containing ``needle``."""
    lines = (folder / name).read_bytes().decode("utf-8").splitlines()
    hits = [i + 1 for i, line in enumerate(lines) if needle in line]
    assert len(hits) == 1, f"{needle!r} occurs {len(hits)} times in {name}"
    return hits[0]


def edit(folder: Path, name: str, old: str, new: str, manifest: bool = True) -> None:
    """Replace the only occurrence of ``old`` in a fixture file (and re-checksum it)."""
    path = folder / name
    text = path.read_bytes().decode("utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {name}"
    path.write_bytes(text.replace(old, new).encode("utf-8"))
    if not manifest:
        return
    rows = read_rows(folder, "MANIFEST.csv")
    for row in rows:
        if row["file"] == name:
            row["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
            row["bytes"] = str(path.stat().st_size)
    with (folder / "MANIFEST.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def classmates_cli(capsys, *argv: str) -> tuple[int, str, str]:
    """``python -m imetbook classmates ARGV...`` in process: exit code, stdout, stderr."""
    from imetbook.run.cli import main

    code = main(["classmates", *argv])
    out, err = capsys.readouterr()
    return code, out, err
