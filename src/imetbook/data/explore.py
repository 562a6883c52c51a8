"""A query tool for researchers: every table in one SQLite file, explored in Datasette.

``python -m imetbook data sqlite`` writes ``data/processed/imetbook.sqlite`` (:func:`write_sqlite`)
and the Datasette metadata beside it (:func:`write_metadata`): table and column descriptions
from the contracts, licences and source links, and two canned queries. ``make explore`` serves
them with ``datasette serve --immutable`` on 127.0.0.1.

The file holds every table (dates as ``YYYY-MM-DD`` text, booleans as 0/1), a full-text index
over the course titles, places and units of ``training`` (``training_fts``, FTS5, external
content) and indexes on the country, year, program and course-key columns.

The canned query ``shared_courses`` is the book's *course-year* match
(:func:`imetbook.analysis.classmates.shared_classes_for` with ``match="course-year"``): IMET
records of status actual of the two countries with the same course key in the same fiscal
year. The stricter *class* match (same place, overlapping dates) needs the place rules of
:mod:`imetbook.analysis.courses` and stays in Python.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pandas as pd

from imetbook import atomic, paths
from imetbook.data import datasets, publish, schema

DB_NAME = "imetbook"
DB_FILE = f"{DB_NAME}.sqlite"
METADATA_FILE = "datasette.json"
FTS_TABLE = "training_fts"
FTS_COLUMNS = ("course_title", "location", "us_unit", "student_unit")
INDEXED = ("country_name", "iso3", "fiscal_year", "program", "course_key")
HOST = "127.0.0.1"
PORT = 8001

SHARED_COURSES = """
select fiscal_year, course_key, min(course_title) as course_title,
  group_concat(distinct country_name) as countries, count(*) as records,
  sum(students) as students
from training
where status = 'actual' and is_imet = 1 and course_key is not null
  and iso3 in (
    select iso3 from training where country_name in (:country_a, :country_b) and iso3 is not null
  )
group by fiscal_year, course_key
having count(distinct iso3) = 2
order by fiscal_year, course_key
""".strip()

COURSES_BY_YEAR = """
select fiscal_year, program, course_title, location, start_date, end_date, students, cost_usd,
  report, page, document_url
from training
where country_name = :country
order by fiscal_year, start_date, course_title, record_id
""".strip()


def db_path(processed: Path | None = None) -> Path:
    return (processed or paths.processed_dir()) / DB_FILE


def metadata_path(processed: Path | None = None) -> Path:
    return (processed or paths.processed_dir()) / METADATA_FILE


def _sql_frame(df: pd.DataFrame, contract: schema.Contract) -> pd.DataFrame:
    """Columns as SQLite stores them: dates as ISO text, booleans as 0/1, nulls as NULL."""
    out = df[contract.names].copy()
    for col in contract.columns:
        s = out[col.name]
        if col.kind == "date":
            out[col.name] = s.dt.strftime("%Y-%m-%d").astype(object).where(s.notna(), None)
        elif col.kind == "bool":
            out[col.name] = s.astype("int64")
        elif col.kind == "str":
            out[col.name] = s.astype(object).where(s.notna(), None)
    return out


def _fill(con: sqlite3.Connection, processed: Path | None) -> None:
    for name, contract in schema.CONTRACTS.items():
        df = _sql_frame(datasets.load(name, processed), contract)
        df.to_sql(name, con, index=False)
        for col in INDEXED:
            if col in contract.names:
                con.execute(f'create index "idx_{name}_{col}" on "{name}" ("{col}")')
    cols = ", ".join(FTS_COLUMNS)
    con.execute(
        f'create virtual table "{FTS_TABLE}" using fts5({cols}, content="training", '
        'content_rowid="rowid")'
    )
    con.execute(f"insert into \"{FTS_TABLE}\"({FTS_TABLE}) values ('rebuild')")
    con.commit()


def write_sqlite(processed: Path | None = None, out: Path | None = None) -> Path:
    """Write every table into one SQLite file (atomically) and return its path."""
    target = out or db_path(processed)

    def writer(tmp: Path) -> None:
        tmp.unlink(missing_ok=True)
        con = sqlite3.connect(tmp)
        try:
            _fill(con, processed)
        finally:
            con.close()

    atomic.write_with(target, writer)
    return target


def _table_metadata(contract: schema.Contract) -> dict[str, object]:
    meta: dict[str, object] = {
        "description": contract.doc,
        "columns": {c.name: c.doc for c in contract.columns},
    }
    if contract.table in publish.FMTR_TABLES:
        meta |= {
            "source": publish.FMTR_SOURCE["title"],
            "source_url": publish.FMTR_SOURCE["path"],
            "license": publish.FMTR_LICENSE["title"],
            "license_url": publish.FMTR_LICENSE["path"],
        }
    else:
        folder = publish.RAW_FOLDER.get(contract.table, contract.table)
        meta["source"] = publish.OTHER_SOURCE.format(folder=folder)
    if contract.table == "training":
        meta |= {"fts_table": FTS_TABLE, "fts_pk": "rowid"}
    return meta


def metadata() -> dict[str, object]:
    """Datasette metadata: descriptions, licences, sources and the canned queries."""
    tables = {name: _table_metadata(c) for name, c in schema.CONTRACTS.items()}
    tables[FTS_TABLE] = {"hidden": True}
    return {
        "title": "IMET in the records",
        "description": "The tables of the imetbook data book: US Foreign Military Training "
        "report records, IMET funding figures, timelines, rules and claims. Each funding, "
        "event, rule and claim row cites its own source (source_title, source_url).",
        "source": publish.FMTR_SOURCE["title"],
        "source_url": publish.FMTR_SOURCE["path"],
        "license": publish.FMTR_LICENSE["title"],
        "license_url": publish.FMTR_LICENSE["path"],
        "databases": {
            DB_NAME: {
                "tables": tables,
                "queries": {
                    "shared_courses": {
                        "title": "Shared courses of two countries",
                        "description": "IMET courses (status actual) that officers of both "
                        "countries took in the same fiscal year: the book's course-year match. "
                        "Use canonical country names, e.g. India and Pakistan.",
                        "sql": SHARED_COURSES,
                    },
                    "courses_by_year": {
                        "title": "A country's courses by year",
                        "description": "Every training record of one country (canonical name), "
                        "by fiscal year, with the original document and page.",
                        "sql": COURSES_BY_YEAR,
                    },
                },
            }
        },
    }


def write_metadata(processed: Path | None = None) -> Path:
    target = metadata_path(processed)
    text = json.dumps(metadata(), indent=1, ensure_ascii=False) + "\n"
    atomic.write_bytes(target, text.encode("utf-8"))
    return target


def serve_command(processed: Path | None = None, host: str = HOST, port: int = PORT) -> list[str]:
    """The ``datasette serve`` command line for the built file (loopback only by default)."""
    return [
        "datasette",
        "serve",
        "--immutable",
        str(db_path(processed)),
        "--metadata",
        str(metadata_path(processed)),
        "--host",
        host,
        "--port",
        str(port),
    ]
