"""A query tool for researchers: every table in one SQLite file, explored in Datasette.

``python -m imetbook data sqlite`` writes ``data/processed/imetbook.sqlite`` (:func:`write_sqlite`)
and the Datasette metadata beside it (:func:`write_metadata`): table and column descriptions
from the contracts, licences and source links, and the canned queries of :data:`QUERIES`.
``make explore`` serves them with ``datasette serve --immutable`` on 127.0.0.1.

The file holds every table (dates as ``YYYY-MM-DD`` text, booleans as 0/1), a full-text index
over the course titles, places and units of ``training`` (``training_fts``, FTS5, external
content) and indexes on the country, year, program and course-key columns.

Canned queries (:data:`QUERIES`), each with named parameters a researcher types in Datasette's
form (an empty optional parameter means "any"):

* ``shared_courses``: two countries' shared courses, the *course-year* match (below);
* ``war_college_classmates``: the same match, only at a war college (title or place names one);
* ``courses_by_year``: every training record of one country, with its document and page;
* ``imet_courses``: one country's IMET courses by year (optionally a year range), each with its
  report, page and the State Department document it was printed in;
* ``imet_per_year``: one country's IMET training per report year, every year a report covers,
  so a covered year with no record reads 0 (a reported zero) and a year no report covers is
  absent (a gap), never 0;
* ``funding_by_measure``: one country's IMET money by year and measure, each figure with its
  source, locator and note (measures are never summed).

The canned query ``shared_courses`` is the book's *course-year* match
(:func:`imetbook.analysis.classmates.shared_classes_for` with ``match="course-year"``): IMET
records of status actual of the two countries with the same course key in the same fiscal
year. The stricter *class* match (same place, overlapping dates) needs the place rules of
:mod:`imetbook.analysis.courses` and stays in Python.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from imetbook import atomic, paths
from imetbook.data import datasets, publish, schema
from imetbook.errors import DataError

DB_NAME = "imetbook"
DB_FILE = f"{DB_NAME}.sqlite"
METADATA_FILE = "datasette.json"
FTS_TABLE = "training_fts"
FTS_COLUMNS = ("course_title", "location", "us_unit", "student_unit")
INDEXED = ("country_name", "iso3", "fiscal_year", "program", "course_key")
HOST = "127.0.0.1"
PORT = 8001

_SHARED = """
select fiscal_year, course_key, min(course_title) as course_title,{extra_columns}
  group_concat(distinct country_name) as countries, count(*) as records,
  sum(students) as students
from training
where status = 'actual' and is_imet = 1 and course_key is not null{extra_where}
  and iso3 in (
    select iso3 from training where country_name in (:country_a, :country_b) and iso3 is not null
  )
group by fiscal_year, course_key
having count(distinct iso3) = 2
order by fiscal_year, course_key
"""
SHARED_COURSES = _SHARED.format(extra_columns="", extra_where="").strip()
# A war college by its printed title or place ("AIR WAR COLLEGE", "ARMY WAR COLLEGE RES CRS";
# "NATIONAL WAR COLLEGE" as the place of NDU's International Fellows). The book's PME tiers
# (imetbook.analysis.tiers) are a sourced, finer classification that stays in Python.
WAR_COLLEGE = "(upper(course_title) like '%WAR COL%' or upper(location) like '%WAR COL%')"
WAR_COLLEGE_CLASSMATES = _SHARED.format(
    extra_columns="""
  group_concat(distinct location) as places,
  group_concat(distinct country_name || ': ' || report || ' p. ' || coalesce(page, '?'))
    as report_pages,""",
    extra_where=f"\n  and {WAR_COLLEGE}",
).strip()

COURSES_BY_YEAR = """
select fiscal_year, program, course_title, location, start_date, end_date, students, cost_usd,
  report, page, document_url
from training
where country_name = :country
order by fiscal_year, start_date, course_title, record_id
""".strip()

# An empty optional parameter means "any" (Datasette sends '' for a field left blank).
_YEARS = """
  and (:from_year = '' or fiscal_year >= cast(:from_year as integer))
  and (:to_year = '' or fiscal_year <= cast(:to_year as integer))"""

IMET_COURSES = f"""
select fiscal_year, status, course_title, location, start_date, end_date, students, cost_usd,
  report, page, document_url, record_id
from training
where country_name = :country and is_imet = 1{_YEARS}
order by fiscal_year, status, start_date, course_title, record_id
""".strip()

# Every year a report covers (its actual year is the first of its two, "2007-2008" -> 2007),
# joined to the country's actual IMET records: a covered year with none reads 0 records.
IMET_PER_YEAR = """
with covered as (
  select distinct report, cast(substr(report, 1, 4) as integer) as fiscal_year
  from fmtr_documents
),
listed as (
  select * from training where country_name = :country and is_imet = 1 and status = 'actual'
)
select c.fiscal_year, c.report, count(l.record_id) as records,
  case when count(l.record_id) = 0 then 0 else sum(l.students) end as students,
  case when count(l.record_id) = 0 then 0 else sum(l.cost_usd) end as cost_usd,
  sum(l.record_id is not null and l.cost_usd is null) as records_without_cost
from covered c left join listed l on l.report = c.report and l.fiscal_year = c.fiscal_year
group by c.fiscal_year, c.report
order by c.fiscal_year
""".strip()

FUNDING_BY_MEASURE = """
select fiscal_year, measure, amount_usd, students, source, source_grade, edition, quality,
  source_title, source_url, locator, note
from funding
where country_name = :country and (:measure = '' or measure = :measure)
order by fiscal_year, measure, source, source_title
""".strip()

# name: (title, description, sql); the order is the order Datasette lists them in.
QUERIES: dict[str, tuple[str, str, str]] = {
    "shared_courses": (
        "Shared courses of two countries",
        "IMET courses (status actual) that officers of both countries took in the same fiscal "
        "year: the book's course-year match. Use canonical country names, e.g. India and "
        "Pakistan.",
        SHARED_COURSES,
    ),
    "war_college_classmates": (
        "Classmates of two countries at a war college",
        "The course-year match of two countries (IMET, status actual), only for courses whose "
        "printed title or place names a war college (Army, Navy, Air, Marine Corps, National "
        "War College), with the places and each country's report and page. The book's PME "
        "tiers classify courses more finely.",
        WAR_COLLEGE_CLASSMATES,
    ),
    "courses_by_year": (
        "A country's courses by year",
        "Every training record of one country (canonical name), by fiscal year, with the "
        "original document and page.",
        COURSES_BY_YEAR,
    ),
    "imet_courses": (
        "A country's IMET courses by year, with their report document",
        "One country's IMET records (actual and planned), optionally from_year to to_year "
        "(leave blank for all), each with its report, page and the State Department "
        "document it was printed in.",
        IMET_COURSES,
    ),
    "imet_per_year": (
        "A country's IMET training per report year",
        "Records, students and summed printed costs of one country's actual IMET training, "
        "for every year a report covers: 0 records means the report lists none (a reported "
        "zero); a year no report covers is not listed (a gap, never 0). records_without_cost "
        "counts rows whose cost is not printed (left out of the sum).",
        IMET_PER_YEAR,
    ),
    "funding_by_measure": (
        "A country's IMET money by year and measure, with sources",
        "Every IMET money figure of one country: one row per source figure and measure "
        "(measure blank for all; e.g. obligation, actual, training_value), never summed "
        "across measures, each with its source, locator and note.",
        FUNDING_BY_MEASURE,
    ),
}


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


def _fill(
    con: sqlite3.Connection,
    processed: Path | None,
    frames: Mapping[str, pd.DataFrame] | None = None,
) -> None:
    names = list(schema.CONTRACTS) if frames is None else list(frames)
    for name in names:
        contract = schema.CONTRACTS[name]
        table = datasets.load(name, processed) if frames is None else frames[name]
        _sql_frame(table, contract).to_sql(name, con, index=False)
        for col in INDEXED:
            if col in contract.names:
                con.execute(f'create index "idx_{name}_{col}" on "{name}" ("{col}")')
    if "training" not in names:
        con.commit()
        return
    cols = ", ".join(FTS_COLUMNS)
    con.execute(
        f'create virtual table "{FTS_TABLE}" using fts5({cols}, content="training", '
        'content_rowid="rowid")'
    )
    con.execute(f"insert into \"{FTS_TABLE}\"({FTS_TABLE}) values ('rebuild')")
    con.commit()


def write_sqlite(
    processed: Path | None = None,
    out: Path | None = None,
    *,
    frames: Mapping[str, pd.DataFrame] | None = None,
) -> Path:
    """Write every table into one SQLite file (atomically) and return its path.

    ``frames`` (table name: rows in the table's contract) writes only those tables, from
    those rows, instead of every built table: the tests run the canned queries on a few real
    rows this way.
    """
    target = out or db_path(processed)
    unknown = sorted(set(frames or ()) - set(schema.CONTRACTS))
    if unknown:
        raise DataError(f"explore.write_sqlite: no contract for table(s) {unknown}")

    def writer(tmp: Path) -> None:
        tmp.unlink(missing_ok=True)
        con = sqlite3.connect(tmp)
        try:
            _fill(con, processed, frames)
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
                    name: {"title": title, "description": doc, "sql": sql}
                    for name, (title, doc, sql) in QUERIES.items()
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
