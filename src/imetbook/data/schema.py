"""Column contracts for every tidy table.

A contract names each column, its kind, whether it may be null, and (for a few) the values it
may take. :func:`validate` checks a DataFrame against its contract and raises
:class:`~imetbook.errors.ContractError` naming the table, the column and an example row.
Validation is pandera's; the same declaration gives the data dictionary (:func:`dictionary`)
and the Frictionless Table Schema (:func:`table_schema`) published with the data. Every
numeric column declares its valid range (``bounds``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import pandas as pd
import pandera.pandas as pa
from pandas.api import types as ptypes

from imetbook.errors import ContractError
from imetbook.data.parsers.fmtr_fields import FAMILIES
from imetbook.vocab import MEASURE_DOCS, MEASURES  # the one list, worded once

KINDS = ("str", "int", "float", "bool", "date")
NUMERIC = ("int", "float")
# Frictionless Table Schema field types of each kind.
FRICTIONLESS_TYPES = {
    "str": "string",
    "int": "integer",
    "float": "number",
    "bool": "boolean",
    "date": "date",
}
ANY = (None, None)  # an explicitly unbounded numeric column (differences)


@dataclass(frozen=True)
class Column:
    """One column: name, kind, meaning, and the values it may take.

    Every numeric column declares ``bounds`` (``(minimum, maximum)``, ``None`` for an open
    end, :data:`ANY` for a difference that may take any value) and may name its ``unit``.
    """

    name: str
    kind: str
    doc: str
    nullable: bool = True
    allowed: tuple[str, ...] | None = None
    bounds: tuple[float | None, float | None] | None = None
    unit: str | None = None
    blank: bool = False  # may be the empty string, which a CSV cannot tell from null

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"column {self.name}: unknown kind {self.kind!r}")
        if self.kind in NUMERIC and self.bounds is None:
            raise ValueError(f"column {self.name}: a numeric column must declare its bounds")

    @property
    def minimum(self) -> float | None:
        return self.bounds[0] if self.bounds else None

    @property
    def maximum(self) -> float | None:
        return self.bounds[1] if self.bounds else None

    def range_text(self) -> str:
        """The valid range in words ('0 or more', '1999 to 2021', 'any')."""
        lo, hi = self.minimum, self.maximum
        if lo is None and hi is None:
            return "any" if self.kind in NUMERIC else ""
        fmt = "{:g}".format
        if hi is None:
            return f"{fmt(lo)} or more"
        if lo is None:
            return f"{fmt(hi)} or less"
        return f"{fmt(lo)} to {fmt(hi)}"

    def check_value(self, value: float) -> float:
        """``value`` if it lies in the column's range; :class:`ContractError` if not (for
        parsers, which add the file and line)."""
        lo, hi = self.minimum, self.maximum
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise ContractError(
                f"{self.name} {value:g} is outside its valid range ({self.range_text()})"
            )
        return value


@dataclass(frozen=True)
class Contract:
    """A table: its meaning, its columns, its key, and the columns that say where a row came
    from (``where``: named in every error, e.g. the raw file and line)."""

    table: str
    doc: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = field(default_factory=tuple)
    where: tuple[str, ...] = field(default_factory=tuple)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.table} has no column {name!r}")


def _kind_ok(series: pd.Series, kind: str) -> bool:
    checks = {
        "str": lambda s: ptypes.is_string_dtype(s) or ptypes.is_object_dtype(s),
        "int": ptypes.is_integer_dtype,
        "float": ptypes.is_float_dtype,
        "bool": ptypes.is_bool_dtype,
        "date": ptypes.is_datetime64_any_dtype,
    }
    return bool(checks[kind](series))


def _checks(col: Column) -> list[pa.Check]:
    kind = col.kind
    checks = [
        pa.Check(
            lambda s, kind=kind: _kind_ok(s, kind),
            name=f"kind_{kind}",
            error=f"expected {kind}",
        )
    ]
    if col.allowed is not None:
        checks.append(pa.Check.isin(list(col.allowed)))
    if col.minimum is not None:
        checks.append(pa.Check.ge(col.minimum))
    if col.maximum is not None:
        checks.append(pa.Check.le(col.maximum))
    return checks


@cache
def pandera_schema(contract: Contract) -> pa.DataFrameSchema:
    """The contract as a pandera schema (built once per contract)."""
    columns = {
        c.name: pa.Column(None, checks=_checks(c), nullable=c.nullable, required=True)
        for c in contract.columns
    }
    key = list(contract.key) or None
    return pa.DataFrameSchema(columns, unique=key, report_duplicates="all", name=contract.table)


def _example(df: pd.DataFrame, index: object, contract: Contract) -> str:
    if index is None or pd.isna(index) or index not in df.index:
        return ""
    row = df.loc[index]
    if isinstance(row, pd.DataFrame):
        row = row.iloc[0]
    keys = dict.fromkeys(contract.where + contract.key or tuple(contract.names[:2]))
    shown = ", ".join(f"{k}={row[k]!r}" for k in keys if k in df.columns)
    return f" (e.g. {shown})" if shown else ""


def _message(df: pd.DataFrame, contract: Contract, failures: pd.DataFrame) -> str:
    t = contract.table
    order = {name: i for i, name in enumerate(contract.names)}
    failures = failures.assign(_order=failures["column"].map(order).fillna(len(order))).sort_values(
        ["_order", "check_number"], kind="stable", na_position="first"
    )
    first = failures.iloc[0]
    col, check, value = first["column"], str(first["check"]), first["failure_case"]
    value = value.item() if hasattr(value, "item") else value  # numpy scalar: plain repr
    where = _example(df, first["index"], contract)
    if check == "column_in_dataframe":
        missing = failures.loc[failures["check"] == check, "failure_case"]
        return f"{t}: missing column(s) {', '.join(map(str, missing))}"
    if check.startswith(("kind_", "expected ")):
        return f"{t}.{col}: expected {contract.column(col).kind}, got dtype {df[col].dtype}"
    if check == "not_nullable":
        return f"{t}.{col}: null in a non-null column{where}"
    if check.startswith("isin"):
        allowed = list(contract.column(col).allowed or ())
        return f"{t}.{col}: value {value!r} not in {allowed}{where}"
    if check.startswith(("greater_than_or_equal_to", "less_than_or_equal_to")):
        valid = contract.column(col).range_text()
        return f"{t}.{col}: value {value!r} outside its valid range ({valid}){where}"
    if check == "multiple_fields_uniqueness" or "unique" in check:
        return f"{t}: duplicate key {list(contract.key)}{where}"
    return f"{t}.{col}: {check} failed for {value!r}{where}"


def validate(df: pd.DataFrame, contract: Contract) -> pd.DataFrame:
    """Return ``df`` unchanged if it meets ``contract``; raise :class:`ContractError` naming
    the table, the column, the value and where the row came from if not (pandera checks)."""
    try:
        pandera_schema(contract).validate(df, lazy=True, inplace=True)
    except pa.errors.SchemaErrors as exc:
        raise ContractError(_message(df, contract, exc.failure_cases)) from None
    return df


# --- publishing: the data dictionary and the Frictionless descriptor -------------------------


def dictionary(contract: Contract) -> pd.DataFrame:
    """The published data dictionary: one row per column, in the table's order."""
    key = set(contract.key)
    cols = contract.columns
    return pd.DataFrame(
        {
            "column": [c.name + (" (key)" if c.name in key else "") for c in cols],
            "type": [c.kind for c in cols],
            "unit": [c.unit or "" for c in cols],
            "nulls": ["allowed" if c.nullable else "never" for c in cols],
            "allowed values": [", ".join(c.allowed) if c.allowed else c.range_text() for c in cols],
            "meaning": [c.doc for c in cols],
        }
    )


def _field(col: Column) -> dict[str, object]:
    constraints: dict[str, object] = {}
    if not col.nullable and not col.blank:
        constraints["required"] = True
    if col.allowed is not None:
        constraints["enum"] = list(col.allowed)
    for name, value in (("minimum", col.minimum), ("maximum", col.maximum)):
        if value is not None:
            constraints[name] = int(value) if col.kind == "int" else value
    out: dict[str, object] = {
        "name": col.name,
        "type": FRICTIONLESS_TYPES[col.kind],
        "description": col.doc + (f" Unit: {col.unit}." if col.unit else ""),
    }
    if col.kind == "bool":
        out |= {"trueValues": ["True"], "falseValues": ["False"]}
    if constraints:
        out["constraints"] = constraints
    return out


def table_schema(contract: Contract) -> dict[str, object]:
    """The contract as a Frictionless Table Schema (empty cells are nulls)."""
    out: dict[str, object] = {
        "fields": [_field(c) for c in contract.columns],
        "missingValues": [""],
    }
    nullable = {c.name for c in contract.columns if c.nullable}
    if contract.key and not nullable & set(contract.key):
        out["primaryKey"] = list(contract.key)
    return out


def _c(name: str, kind: str, doc: str, **kw) -> Column:
    return Column(name, kind, doc, **kw)


# Valid ranges of the numeric columns. The FMTR reports cover fiscal years 1999 to 2021; other
# years are plausibility bounds, wide enough for every source series and any budget request.
FMTR_YEARS = (1999, 2021)
YEARS = (1900, 2100)
COUNT = (0, None)  # counts and dollar amounts: never negative
PAGE = (1, None)
USD = "US dollars (nominal)"

STATUS = ("actual", "planned")

# Report sections, as the manifest and the 2001-2006 program labels name them.
FMTR_REGIONS = (
    "Africa",
    "East Asia and Pacific",
    "Europe",
    "Near East",
    "Newly Independent States",
    "South Asia",
    "South Central Asia",
    "Western Hemisphere",
)
FLAGS_DOC = (
    "Known defects and repairs of this row, ';'-separated (empty if none); every flag is "
    "documented in imetbook.data.parsers.fmtr_fields.FLAG_DOCS"
)

TRAINING = Contract(
    "training",
    "One row per training activity printed in Section IV of the Foreign Military Training "
    "reports, FY1999-2000 to FY2020-2021. Identical repeated rows are kept (one row per "
    "student in many years); totals rows, orphan title fragments, placeholders, empty elements "
    "and copies printed in two region files are not rows (see fmtr_excluded).",
    (
        _c(
            "record_id",
            "str",
            "Stable id: source file stem '#' 1-based position of the "
            "<training> element (XML) or of the <tr> row (2006-2007 HTML)",
            nullable=False,
        ),
        _c("report", "str", "Report label, e.g. 2012-2013", nullable=False),
        _c(
            "fiscal_year",
            "int",
            "US fiscal year of the training: the program label's FY, else the report's first year",
            nullable=False,
            bounds=FMTR_YEARS,
        ),
        _c(
            "status",
            "str",
            "actual, or planned (second FY of the 1999-2000 and 2000-2001 reports)",
            nullable=False,
            allowed=STATUS,
        ),
        _c(
            "region",
            "str",
            "Report section: the manifest's (parts of 1999-2000 merged), the "
            "program label's in 2001-2006 (2005-2006 is one all-regions file), one region for "
            "a country printed in two (flag region_reassigned)",
            nullable=False,
            allowed=FMTR_REGIONS,
        ),
        _c("country", "str", "Country as printed, whitespace and entities cleaned", nullable=False),
        _c(
            "country_name",
            "str",
            "Canonical country name; a heading that holds two countries' rows is split "
            "where its program order restarts (flags countries_merged, "
            "country_split_by_program_order)",
            nullable=False,
        ),
        _c(
            "iso3",
            "str",
            "ISO 3166 alpha-3 code (null for non-country headings such as "
            "Indochina and for merged headings)",
        ),
        _c("program_raw", "str", "Program heading as printed, cleaned", nullable=False),
        _c(
            "program",
            "str",
            "Normalised program family (IMET, CTFP, FMF, ...; see fmtr_fields.PROGRAM_FAMILIES)",
            nullable=False,
            allowed=FAMILIES,
        ),
        _c(
            "is_imet",
            "bool",
            "True for every IMET program variant (\\bIMET\\b in the label)",
            nullable=False,
        ),
        _c("course_title", "str", "Course title as printed, cleaned (null: lost in extraction)"),
        _c(
            "course_key",
            "str",
            "Course title normalised for matching (ASCII, upper case, punctuation folded)",
        ),
        _c("location", "str", "Training location as printed, cleaned"),
        _c("us_unit", "str", "US unit providing the training"),
        _c("student_unit", "str", "Unit of the students"),
        _c("start_date", "date", "Course start date"),
        _c("end_date", "date", "Course end date"),
        _c(
            "students",
            "int",
            "Number of students (null where not printed or unreadable)",
            bounds=COUNT,
            unit="students",
        ),
        _c(
            "cost_usd",
            "float",
            "Cost in nominal US dollars (null where not printed or "
            "unreadable; a bare '$' is null, not zero)",
            bounds=COUNT,
            unit=USD,
        ),
        _c("page", "int", "Page of the printed report (numbering differs by report)", bounds=PAGE),
        _c("source_url", "str", "Upstream file the row was extracted from", nullable=False),
        _c(
            "document_url",
            "str",
            "Original State Department document (report year and region) the row was printed "
            "in, from the extraction's notes (see fmtr_documents); null for the 2015-2016 to "
            "2017-2018 reports, whose notes name no document. With page, where to read the row",
        ),
        _c("source_file", "str", "Vendored raw file (data/raw/fmtr/...)", nullable=False),
        _c("flags", "str", FLAGS_DOC, nullable=False, blank=True),
    ),
    key=("record_id",),
    where=("source_file",),
)

LEVELS = ("program", "country")

PRINTED_TOTALS = Contract(
    "printed_totals",
    "The reports' own totals rows: 'Program Totals' (FY2007-2008 onward, untitled in "
    "2007-2008); in the 2006-2007 HTML, program and country totals; for 1999-2000 to "
    "2005-2006, the 'FY nn Totals' (level program) and 'Country Totals' rows of the original "
    "documents (flag totals_from_document).",
    (
        _c("record_id", "str", "Stable id of the totals row", nullable=False),
        _c("report", "str", "Report label", nullable=False),
        _c("fiscal_year", "int", "US fiscal year", nullable=False, bounds=FMTR_YEARS),
        _c(
            "level",
            "str",
            "program, or country (2006-2007 '<Country> FY 2006 Totals')",
            nullable=False,
            allowed=LEVELS,
        ),
        _c("region", "str", "Report section", nullable=False, allowed=FMTR_REGIONS),
        _c("country", "str", "Country as printed, cleaned", nullable=False),
        _c(
            "country_name",
            "str",
            "Canonical country name (or merged-heading label)",
            nullable=False,
        ),
        _c("iso3", "str", "ISO alpha-3 code"),
        _c("program_raw", "str", "Program heading as printed (null for country totals)"),
        _c(
            "program",
            "str",
            "Normalised program family (null for country totals)",
            allowed=FAMILIES,
        ),
        _c("students", "int", "Printed total students", bounds=COUNT, unit="students"),
        _c("cost_usd", "float", "Printed total cost, US dollars", bounds=COUNT, unit=USD),
        _c("page", "int", "Page of the printed report", bounds=PAGE),
        _c("source_file", "str", "Vendored raw file", nullable=False),
        _c("flags", "str", FLAGS_DOC, nullable=False, blank=True),
    ),
    key=("record_id",),
    where=("source_file",),
)

RECONCILIATION_STATUS = ("match", "mismatch", "no_printed_total", "no_parsed_rows")

RECONCILIATION = Contract(
    "reconciliation",
    "Printed totals against the sums of the parsed training rows, per region file, country "
    "and program (and per country in 2006-2007). Match: students equal and cost within one "
    "dollar. Null students or costs count as zero in the parsed sums. 1999-2000 to "
    "2005-2006: totals read from the original documents, grouped per document, country and "
    "program heading (the label carries the fiscal year) and per country.",
    (
        _c("report", "str", "Report label", nullable=False),
        _c("region", "str", "Report section", nullable=False, allowed=FMTR_REGIONS),
        _c("source_file", "str", "Region file (vendored raw file)", nullable=False),
        _c("level", "str", "program or country", nullable=False, allowed=LEVELS),
        _c("country_name", "str", "Canonical country name", nullable=False),
        _c("program_raw", "str", "Program heading as printed (null at country level)"),
        _c("program", "str", "Normalised program family (null at country level)", allowed=FAMILIES),
        _c("iso3", "str", "ISO alpha-3 code (null for merged and non-country headings)"),
        _c(
            "fiscal_year",
            "int",
            "US fiscal year of the group (null for a country total spanning two years)",
            bounds=FMTR_YEARS,
        ),
        _c(
            "n_printed_rows",
            "int",
            "Printed totals rows in the group (0 or 1; 2 where a merged heading repeats a program)",
            nullable=False,
            bounds=COUNT,
            unit="rows",
        ),
        _c(
            "n_parsed_rows",
            "int",
            "Training rows in the group",
            nullable=False,
            bounds=COUNT,
            unit="rows",
        ),
        _c(
            "printed_students",
            "int",
            "Students on the printed totals row(s)",
            bounds=COUNT,
            unit="students",
        ),
        _c(
            "parsed_students",
            "int",
            "Sum of students over parsed rows",
            bounds=COUNT,
            unit="students",
        ),
        _c("diff_students", "int", "parsed minus printed", bounds=ANY, unit="students"),
        _c(
            "printed_cost",
            "float",
            "Cost on the printed totals row(s), US dollars",
            bounds=COUNT,
            unit=USD,
        ),
        _c(
            "parsed_cost",
            "float",
            "Sum of cost over parsed rows, US dollars",
            bounds=COUNT,
            unit=USD,
        ),
        _c("diff_cost", "float", "parsed minus printed, US dollars", bounds=ANY, unit=USD),
        _c(
            "status",
            "str",
            "match, mismatch, no_printed_total or no_parsed_rows",
            nullable=False,
            allowed=RECONCILIATION_STATUS,
        ),
    ),
    key=("source_file", "level", "country_name", "program_raw"),
)

EXCLUDED_REASONS = (
    "program_totals",
    "country_totals",
    "orphan_fragment",
    "placeholder",
    "empty_element",
    "duplicate_region_copy",
)

FMTR_EXCLUDED = Contract(
    "fmtr_excluded",
    "Every raw FMTR element that is not a training row, with the reason. For each report, "
    "the manifest's n_training_elements equals the training rows plus the rows here with "
    "in_manifest_count true.",
    (
        _c("record_id", "str", "Stable id (as in training)", nullable=False),
        _c("report", "str", "Report label", nullable=False),
        _c("region", "str", "Report section"),
        _c("country", "str", "Country as printed, cleaned"),
        _c("program_raw", "str", "Program heading as printed"),
        _c(
            "course_title",
            "str",
            "Title text of the element, cleaned (the fragment itself for orphan fragments)",
        ),
        _c("page", "int", "Page of the printed report", bounds=PAGE),
        _c(
            "reason",
            "str",
            "program_totals and country_totals (in printed_totals), "
            "orphan_fragment (a wrapped title line with no quantity, cost or dates), "
            "placeholder ('No activities reported ...'), empty_element (no value at all), "
            "duplicate_region_copy (identical row printed in a second region file)",
            nullable=False,
            allowed=EXCLUDED_REASONS,
        ),
        _c(
            "in_manifest_count",
            "bool",
            "Counted in the manifest's n_training_elements (all "
            "XML elements; HTML orphan fragments)",
            nullable=False,
        ),
        _c("detail", "str", "Where the element went or what it duplicates"),
        _c("source_file", "str", "Vendored raw file", nullable=False),
    ),
    key=("record_id",),
    where=("source_file",),
)

FMTR_DOCUMENTS = Contract(
    "fmtr_documents",
    "Which original State Department document each vendored FMTR file was extracted from, "
    "read from Security Force Monitor's notes for each report year (vendored in "
    "data/raw/fmtr_notes/notes) and checked against the addresses of the staged original "
    "documents (data/raw/fmtr_notes/report_documents.csv). A report with no document in its "
    "notes is a gap (no document_url), not a guess.",
    (
        _c("report", "str", "Report label", nullable=False),
        _c("source_file", "str", "Vendored raw FMTR file", nullable=False),
        _c(
            "file_region", "str", "Region of the file as the FMTR manifest gives it", nullable=False
        ),
        _c("document_label", "str", "The document's label in the notes (e.g. Africa, All)"),
        _c(
            "document_url",
            "str",
            "Address of the original document: the one the staged copy was fetched from "
            "(1999-2000 to 2005-2006), else the notes' address",
        ),
        _c("notes_url", "str", "Address as the notes give it"),
        _c("notes_file", "str", "Notes file that lists the document"),
        _c("notes_line", "int", "Line of the notes file", bounds=PAGE),
    ),
    key=("source_file",),
    where=("notes_file", "notes_line"),
)

SOURCE_GRADES = ("primary", "secondary", "tertiary")

FUNDING = Contract(
    "funding",
    "One row per source figure of IMET money (and, as training_value, the value of IMET "
    "training delivered from the course records). Different measures are never summed; a figure "
    "printed by two sources is two rows; a source cell without a single-year figure (dash, "
    "asterisk, multi-year total) is a gap, not a row (see sources.budget.funding_gaps).",
    (
        _c(
            "country_name",
            "str",
            "Canonical country name, or the region/world label as staged",
            nullable=False,
        ),
        _c("iso3", "str", "ISO alpha-3 (null for region and world rows)"),
        _c(
            "scope",
            "str",
            "country, region or world",
            nullable=False,
            allowed=("country", "region", "world"),
        ),
        _c(
            "is_total",
            "bool",
            "True for a total of other rows of the same source (State "
            "regional subtotals, world totals); False for a country or a line of its own",
            nullable=False,
        ),
        _c(
            "region",
            "str",
            "State regional bureau: of the country (derived from the State "
            "tables' layout, else from the FMTR report section; null if neither places it), of "
            "the regional line, or the region row itself; null for world rows and Greenbook "
            "'(not specified)' lines",
        ),
        _c("fiscal_year", "int", "US fiscal year", nullable=False, bounds=YEARS),
        _c(
            "measure",
            "str",
            "What the figure measures (see MEASURE_DOCS)",
            nullable=False,
            allowed=MEASURES,
        ),
        _c(
            "amount_usd",
            "float",
            "Nominal US dollars (source units multiplied out)",
            nullable=False,
            bounds=COUNT,
            unit=USD,
        ),
        _c(
            "students",
            "int",
            "Students: FMTR Section III students trained or projected; for "
            "training_value the sum over the course rows",
            bounds=COUNT,
            unit="students",
        ),
        _c(
            "source",
            "str",
            "Short source key: greenbook, state_csis, crs, fmtr_s3, cbj, "
            "state_factsheet, news, tertiary, fmtr",
            nullable=False,
        ),
        _c(
            "source_grade",
            "str",
            "primary (the government's own document or data), secondary (an analysis or "
            "report of it: CRS, news) or tertiary (a reference work: listed, never charted "
            "or judged)",
            nullable=False,
            allowed=SOURCE_GRADES,
        ),
        _c("source_title", "str", "Full source title", nullable=False),
        _c("source_url", "str", "Source address"),
        _c(
            "source_copy_at",
            "str",
            "The mirror site source_url is on, when the file is a copy of the document named "
            "in source_title; null for the publisher's own address",
        ),
        _c("locator", "str", "Where in the source (sheet, file and line, column, page, report)"),
        _c("note", "str", "Source notes: units converted, names as printed, rows left out"),
        _c(
            "edition",
            "str",
            "Edition of a source printed in several (CRS Pakistan table: its date, YYYY-MM-DD); "
            "null for a source printed once. funding keeps the latest edition of each figure; "
            "funding_editions keeps them all",
        ),
        _c(
            "quality",
            "str",
            "training_value only: checked (every IMET report group it sums matches its printed "
            "total), doubtful (a group fails reconciliation, e.g. the damaged 2009-2010 "
            "report; named in the note) or unchecked (a group has no printed total); null for "
            "source figures",
            allowed=("checked", "doubtful", "unchecked"),
        ),
    ),
    where=("source", "locator", "country_name", "fiscal_year", "measure"),
)

FUNDING_EDITIONS = Contract(
    "funding_editions",
    "Every row of funding plus the figures of superseded editions (a source printed in "
    "several editions, e.g. the CRS Pakistan table of October 2013 and March 2014): one row "
    "per source, edition, measure, country and year of such a source.",
    (
        *FUNDING.columns,
        _c(
            "latest_edition",
            "bool",
            "True for the rows of funding (the latest edition of each figure)",
            nullable=False,
        ),
    ),
    where=("source", "edition", "locator", "country_name", "fiscal_year", "measure"),
)

PRECISIONS = ("day", "month", "year")
CATEGORIES = ("sanction", "suspension", "resumption", "budget", "statement", "agreement", "other")

EVENTS = Contract(
    "events",
    "Dated events from the Pakistan and India timelines, one row per event and concerned "
    "country (every country named but the United States, plus the timeline's own country). "
    "An event present in both timelines (same date, precision and source address) gives one "
    "row per country, taken from that country's own timeline where it has one.",
    (
        _c(
            "event_id",
            "str",
            "Stable id: timeline file stem and data row, e.g. pakistan_timeline:7",
            nullable=False,
        ),
        _c("timeline", "str", "Which timeline file the row comes from", nullable=False),
        _c("shared_with", "str", "event_id of the same event in the other timeline(s)"),
        _c("date", "str", "Date as given (YYYY, YYYY-MM or YYYY-MM-DD)", nullable=False),
        _c("date_precision", "str", "day, month or year", nullable=False, allowed=PRECISIONS),
        _c("date_start", "date", "First day the date can mean", nullable=False),
        _c("date_end", "date", "Last day the date can mean", nullable=False),
        _c(
            "fiscal_year",
            "int",
            "US fiscal year of date_start (FY starts 1 October)",
            nullable=False,
            bounds=YEARS,
        ),
        _c("category", "str", "Kind of event", nullable=False, allowed=CATEGORIES),
        _c("event", "str", "What happened (our words)", nullable=False),
        _c("country_name", "str", "Country the event concerns (canonical)", nullable=False),
        _c("iso3", "str", "ISO alpha-3", nullable=False),
        _c(
            "countries",
            "str",
            "All countries named, ';'-separated as in the source",
            nullable=False,
        ),
        _c("source_title", "str", "Source title", nullable=False),
        _c("source_url", "str", "Source address", nullable=False),
        _c("source_date", "str", "Date of the source page, if visible"),
        _c("quote", "str", "Verbatim excerpt of the source"),
    ),
    key=("event_id", "iso3"),
)

RULES = Contract(
    "rules",
    "Laws and policies that authorise IMET or can cut a country off.",
    (
        _c("rule_id", "str", "R01...", nullable=False),
        _c("name", "str", "Short name", nullable=False),
        _c("legal_citation", "str", "Statute or regulation", nullable=False),
        _c("year_enacted", "int", "Year enacted (null where no source gave it)", bounds=YEARS),
        _c("effect_on_imet", "str", "What it does to IMET", nullable=False),
        _c("example_countries", "str", "Countries a source names, ';'-separated as given"),
        _c("example_iso3", "str", "ISO alpha-3 codes of example_countries, ';'-separated"),
        _c("source_title", "str", "Source title", nullable=False),
        _c("source_url", "str", "Source address"),
    ),
    key=("rule_id",),
)

VERDICTS = ("supported", "partly supported", "contradicted", "unverified")

CLAIMS = Contract(
    "claims",
    "The article's checkable claims, quoted verbatim, with sourced evidence and verdict.",
    (
        _c("claim_id", "str", "C01...", nullable=False),
        _c("claim", "str", "The article's words", nullable=False),
        _c(
            "kind",
            "str",
            "number, date or fact",
            nullable=False,
            allowed=("number", "date", "fact"),
        ),
        _c("what_would_verify_it", "str", "Evidence that would settle it", nullable=False),
        _c("evidence_found", "str", "Evidence found in sources", nullable=False),
        _c("verdict", "str", "Sourced verdict", nullable=False, allowed=VERDICTS),
        _c("source_title", "str", "Source title", nullable=False),
        _c("source_url", "str", "Source address"),
    ),
    key=("claim_id",),
)

# --- sourced reference facts (data/raw/reference) -------------------------------------------

REF_PRECISIONS = ("day", "month", "year", "unknown")
ASPA_MILESTONES = ("enacted", "prohibition", "in_force", "suspension", "imet_exempt")
ASPA_EVENTS = ("suspended", "article98_waiver", "partial_waiver", "training_waiver")
RESTRICTION_CAUSES = ("coup",)


def _sourced(*columns: Column) -> tuple[Column, ...]:
    return (
        *columns,
        _c("source_title", "str", "Source title", nullable=False),
        _c("source_url", "str", "Source address (http or https)", nullable=False),
        _c("locator", "str", "Where in the source: section, page or paragraph", nullable=False),
    )


def _dated(name: str) -> tuple[Column, ...]:
    return (
        _c(name, "str", "Date as the source gives it (YYYY, YYYY-MM or YYYY-MM-DD; null: undated)"),
        _c(
            "date_precision",
            "str",
            "day, month, year or unknown",
            nullable=False,
            allowed=REF_PRECISIONS,
        ),
        _c("date_start", "date", "First day the date can mean (null: undated)"),
        _c("date_end", "date", "Last day the date can mean (null: undated)"),
    )


ASPA_RULES = Contract(
    "aspa_rules",
    "Dated milestones of the American Servicemembers' Protection Act of 2002 (ASPA), one "
    "source and locator each.",
    _sourced(
        _c("rule_id", "str", "A01...", nullable=False),
        _c("milestone", "str", "What the row dates", nullable=False, allowed=ASPA_MILESTONES),
        *_dated("date"),
        _c("name", "str", "Short name", nullable=False),
        _c("legal_citation", "str", "Statute, section or determination", nullable=False),
        _c("effect_on_imet", "str", "What it does to IMET (our words)", nullable=False),
    ),
    key=("rule_id",),
)

ASPA_COUNTRIES = Contract(
    "aspa_countries",
    "Countries whose US military assistance was suspended under ASPA, and their waivers, one "
    "row per country and event as a source names it.",
    _sourced(
        _c("country", "str", "Country as the source names it", nullable=False),
        _c("iso3", "str", "ISO alpha-3", nullable=False),
        _c("country_name", "str", "Canonical country name", nullable=False),
        _c("event", "str", "suspended or a kind of waiver", nullable=False, allowed=ASPA_EVENTS),
        *_dated("date"),
        _c("detail", "str", "What the source says (our words)", nullable=False),
    ),
    key=("iso3", "event", "source_url"),
)

NATO_ACCESSIONS = Contract(
    "nato_accessions",
    "NATO members and their date of accession (the reports leave members out by law).",
    _sourced(
        _c("country", "str", "Country as the source names it", nullable=False),
        _c("iso3", "str", "ISO alpha-3", nullable=False),
        _c("country_name", "str", "Canonical country name", nullable=False),
        *_dated("accession_date"),
    ),
    key=("iso3",),
)

COUNTRY_RESTRICTIONS = Contract(
    "country_restrictions",
    "Dated suspensions of a country's US military aid for a cause other than ASPA (today: "
    "after a military coup), one source and locator each.",
    _sourced(
        _c("country", "str", "Country as the source names it", nullable=False),
        _c("iso3", "str", "ISO alpha-3", nullable=False),
        _c("country_name", "str", "Canonical country name", nullable=False),
        _c("cause", "str", "Why aid was suspended", nullable=False, allowed=RESTRICTION_CAUSES),
        *_dated("date"),
        _c("detail", "str", "What the source says (our words)", nullable=False),
    ),
    key=("iso3", "cause", "date"),
)

CONTRACTS: dict[str, Contract] = {
    c.table: c
    for c in (
        TRAINING,
        PRINTED_TOTALS,
        RECONCILIATION,
        FMTR_EXCLUDED,
        FMTR_DOCUMENTS,
        FUNDING,
        FUNDING_EDITIONS,
        EVENTS,
        RULES,
        CLAIMS,
        ASPA_RULES,
        ASPA_COUNTRIES,
        NATO_ACCESSIONS,
        COUNTRY_RESTRICTIONS,
    )
}
