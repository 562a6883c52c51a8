"""Helpers shared by the tests that build small frames or edit fixture copies (plain module:
imported, not collected)."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import shutil
from pathlib import Path

import nbformat
import pandas as pd

from imetbook.analysis import timeline as tl
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


# --- timeline events ------------------------------------------------------------------------


def event(
    date: str, category: str, iso3: str = "PAK", name: str = "Pakistan", eid: str | None = None
) -> dict[str, object]:
    """One row of the ``events`` table, its date bounds and precision read from ``date``."""
    first, last, precision = tl.date_bounds(date)
    return {
        "event_id": eid or f"t:{date}:{category}:{iso3}",
        "timeline": "pakistan_timeline",
        "date": date,
        "date_precision": precision,
        "date_start": first,
        "date_end": last,
        "category": category,
        "event": f"{category} on {date}",
        "iso3": iso3,
        "country_name": name,
        "source_title": "a source",
        "source_url": "https://example.org/",
    }


def events(*rows: dict[str, object]) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


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
    if manifest:
        resign(folder, name)


def resign(folder: Path, name: str) -> None:
    """Record ``folder/name``'s current sha256 and size in ``folder/MANIFEST.csv`` (an edited
    file then passes its checksum, so what the build does with its content is tested)."""
    data = (folder / name).read_bytes()
    rows = read_rows(folder, "MANIFEST.csv")
    for row in rows:
        if row["file"] == name:
            row["sha256"] = hashlib.sha256(data).hexdigest()
            row["bytes"] = str(len(data))
    with (folder / "MANIFEST.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def set_amount(folder: Path, name: str, country: str, measure: str, amount: str) -> int:
    """Print ``amount`` as the figure of the first ``country`` row of ``measure`` in the budget
    CSV ``name`` (re-checksummed); returns that row's physical line, which errors must name."""
    row = next(
        r for r in read_rows(folder, name) if r["country"] == country and r["measure"] == measure
    )
    old = f"{country},{row['fiscal_year']},{measure},{row['amount_usd']},"
    line = line_of(folder, name, old)
    edit(folder, name, old, old.replace(row["amount_usd"], amount))
    return line


def notebook(*code: str, markdown: str = "# A tiny notebook", parameters: str | None = None):
    """A notebook: a markdown cell, an optional ``parameters`` cell, then the code cells."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    cells = [nbformat.v4.new_markdown_cell(markdown)]
    if parameters is not None:
        cells.append(nbformat.v4.new_code_cell(parameters, metadata={"tags": ["parameters"]}))
    cells += [nbformat.v4.new_code_cell(src) for src in code]
    for i, cell in enumerate(cells):
        cell.id = f"c{i}"  # stable ids: tests compare bytes
    nb.cells = cells
    return nb


def built_page(book: Path, nb: nbformat.NotebookNode, stem: str) -> str:
    """Write ``nb`` as ``book/STEM.ipynb``, execute it as the chapters are (papermill, same
    kernel environment), build ``book`` strictly: the HTML of the page."""
    from imetbook.run import execute
    from imetbook.run.commands.execute import build_html

    source = book / f"{stem}.ipynb"
    nbformat.write(nb, source)
    source.write_bytes(execute.render(execute.Job(source, source)))
    build_html(book)
    return (book / "_build" / "html" / f"{stem}.html").read_text(encoding="utf-8")


def classmates_cli(capsys, *argv: str) -> tuple[int, str, str]:
    """``python -m imetbook classmates ARGV...`` in process: exit code, stdout, stderr."""
    from imetbook.run.cli import main

    code = main(["classmates", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def course_rows(**columns: list) -> pd.DataFrame:
    """IMET actual records of one country with the columns the course tables read."""
    n = len(next(iter(columns.values())))
    base = {
        "iso3": ["IND"] * n,
        "fiscal_year": [2010] * n,
        "report": ["2010-2011"] * n,
        "page": pd.array([5] * n, dtype="Int64"),
        "record_id": [f"r#{i}" for i in range(n)],
        "source_url": [f"https://example.org/{i}" for i in range(n)],
        "students": pd.array([1] * n, dtype="Int64"),
        "location": ["MAXWELL AFB, AL"] * n,
    }
    base.update(columns)
    if "course_key" not in columns:
        base["course_key"] = [t.upper() if t else None for t in base["course_title"]]
    return pd.DataFrame(base)


def link_or_copy(src: str, dst: str) -> None:
    """``shutil.copytree``'s copy function for a copy of the built tables: hard links (a build
    never writes into a table file, it swaps a new folder in), or a copy across file systems."""
    try:
        os.link(src, dst)
    except OSError:  # another file system
        shutil.copy2(src, dst)
