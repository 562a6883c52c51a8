"""Column contracts for every tidy table.

A contract names each column, its kind, whether it may be null, and (for a few) the values it
may take. :func:`validate` checks a DataFrame against its contract and raises
:class:`~imetbook.errors.ContractError` naming the table, the column and an example row.
The ``doc`` strings are the data dictionary that the methods appendix prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
from pandas.api import types as ptypes

from imetbook.errors import ContractError
from imetbook.sources.fmtr_fields import FAMILIES

KINDS = ("str", "int", "float", "bool", "date")


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    doc: str
    nullable: bool = True
    allowed: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Contract:
    table: str
    doc: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = field(default_factory=tuple)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


def _kind_ok(series: pd.Series, kind: str) -> bool:
    checks = {
        "str": lambda s: ptypes.is_string_dtype(s) or ptypes.is_object_dtype(s),
        "int": ptypes.is_integer_dtype,
        "float": ptypes.is_float_dtype,
        "bool": ptypes.is_bool_dtype,
        "date": ptypes.is_datetime64_any_dtype,
    }
    return bool(checks[kind](series))


def _example(df: pd.DataFrame, mask: pd.Series, contract: Contract) -> str:
    row = df[mask].iloc[0]
    keys = contract.key or tuple(contract.names[:2])
    return ", ".join(f"{k}={row[k]!r}" for k in keys if k in df.columns)


def validate(df: pd.DataFrame, contract: Contract) -> pd.DataFrame:
    """Return ``df`` unchanged if it meets ``contract``; raise :class:`ContractError` if not."""
    t = contract.table
    missing = [c for c in contract.names if c not in df.columns]
    if missing:
        raise ContractError(f"{t}: missing column(s) {', '.join(missing)}")
    for col in contract.columns:
        s = df[col.name]
        if not _kind_ok(s, col.kind):
            raise ContractError(f"{t}.{col.name}: expected {col.kind}, got dtype {s.dtype}")
        if not col.nullable and s.isna().any():
            ex = _example(df, s.isna(), contract)
            raise ContractError(f"{t}.{col.name}: null in a non-null column (e.g. {ex})")
        if col.allowed is not None:
            bad = s.notna() & ~s.isin(col.allowed)
            if bad.any():
                ex = _example(df, bad, contract)
                raise ContractError(
                    f"{t}.{col.name}: value {s[bad].iloc[0]!r} not in {list(col.allowed)}"
                    f" (e.g. {ex})"
                )
    if contract.key:
        dup = df.duplicated(list(contract.key), keep=False)
        if dup.any():
            ex = _example(df, dup, contract)
            raise ContractError(f"{t}: duplicate key {list(contract.key)} (e.g. {ex})")
    return df


def _c(name: str, kind: str, doc: str, **kw) -> Column:
    return Column(name, kind, doc, **kw)


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
    "documented in imetbook.sources.fmtr_fields.FLAG_DOCS"
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
        _c("students", "int", "Number of students (null where not printed or unreadable)"),
        _c(
            "cost_usd",
            "float",
            "Cost in nominal US dollars (null where not printed or "
            "unreadable; a bare '$' is null, not zero)",
        ),
        _c("page", "int", "Page of the printed report (numbering differs by report)"),
        _c("source_url", "str", "Upstream file the row was extracted from", nullable=False),
        _c("source_file", "str", "Vendored raw file (data/raw/fmtr/...)", nullable=False),
        _c("flags", "str", FLAGS_DOC, nullable=False),
    ),
    key=("record_id",),
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
        _c("fiscal_year", "int", "US fiscal year", nullable=False),
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
        _c("students", "int", "Printed total students"),
        _c("cost_usd", "float", "Printed total cost, US dollars"),
        _c("page", "int", "Page of the printed report"),
        _c("source_file", "str", "Vendored raw file", nullable=False),
        _c("flags", "str", FLAGS_DOC, nullable=False),
    ),
    key=("record_id",),
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
        ),
        _c(
            "n_printed_rows",
            "int",
            "Printed totals rows in the group (0 or 1; 2 where a merged heading repeats a program)",
            nullable=False,
        ),
        _c("n_parsed_rows", "int", "Training rows in the group", nullable=False),
        _c("printed_students", "int", "Students on the printed totals row(s)"),
        _c("parsed_students", "int", "Sum of students over parsed rows"),
        _c("diff_students", "int", "parsed minus printed"),
        _c("printed_cost", "float", "Cost on the printed totals row(s), US dollars"),
        _c("parsed_cost", "float", "Sum of cost over parsed rows, US dollars"),
        _c("diff_cost", "float", "parsed minus printed, US dollars"),
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
        _c("page", "int", "Page of the printed report"),
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
)

MEASURES = (
    "request",
    "estimate",
    "actual",
    "allocation",
    "appropriation",
    "obligation",
    "fmtr_actual_dollars",
    "fmtr_planned_dollars",
    "training_value",
)

# What each measure means, as the sources use it. Measures answer different questions (asked
# for, expected, set aside, appropriated, committed, delivered) and are never added together.
MEASURE_DOCS = {
    "request": "Amount the administration asked Congress for, for the coming fiscal year: the "
    "Congressional Budget Justification (CBJ), the State tables marked '(r)' (FY2016-FY2017, "
    "label inferred), CRS '(req.)' columns, State fact sheets, or news reports of the CBJ.",
    "estimate": "Amount a budget document expected for the year under way when it was written "
    "(CBJ 'Estimate' column, CRS '(est.)' column, State fact sheet 'Est.' tables).",
    "actual": "Amount allocated to the country for a completed year as reported in State budget "
    "tables afterwards (State tables FY2008-FY2015, label inferred from their world totals; CBJ "
    "and fact sheet 'Actual' columns); a budget figure, not spending and not training delivered.",
    "allocation": "Amount set aside for the country by a named allocation: a State fact sheet's "
    "653(a) column, or an 'IMET operating budget' stated in FMTR Section III country narratives "
    "(and one tertiary page).",
    "appropriation": "Amount appropriated for the programme account for the country, as "
    "tabulated by CRS (rounded to the nearest $ million; final obligations may be lower).",
    "obligation": "Amount legally committed in the fiscal year (USAID Greenbook, historical "
    "dollars); '<region> (not specified)' lines are unallocated lines, not totals.",
    "fmtr_actual_dollars": "IMET dollar value of the completed year in the FMTR Section III "
    "country summary table (with students trained); differs from Section IV course sums.",
    "fmtr_planned_dollars": "IMET dollar value planned for the current year in the FMTR "
    "Section III country summary table (with students projected).",
    "training_value": "Value of IMET training delivered in the fiscal year: the sum of cost_usd "
    "over the FMTR Section IV course rows of an IMET programme with status actual, per country "
    "(students: the sum of their students; rows without a printed cost are left out and counted "
    "in the note). It includes what the course costs carry (travel and living allowances, "
    "language labs, cancellation fees in some years); a value of training, not a budget.",
}

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
        _c("fiscal_year", "int", "US fiscal year", nullable=False),
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
        ),
        _c(
            "students",
            "int",
            "Students: FMTR Section III students trained or projected; for "
            "training_value the sum over the course rows",
        ),
        _c(
            "source",
            "str",
            "Short source key: greenbook, state_csis, crs, fmtr_s3, cbj, "
            "state_factsheet, news, tertiary, fmtr",
            nullable=False,
        ),
        _c("source_title", "str", "Full source title", nullable=False),
        _c("source_url", "str", "Source address"),
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
        _c("year_enacted", "int", "Year enacted (null where no source gave it)"),
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

CONTRACTS: dict[str, Contract] = {
    c.table: c
    for c in (
        TRAINING,
        PRINTED_TOTALS,
        RECONCILIATION,
        FMTR_EXCLUDED,
        FUNDING,
        FUNDING_EDITIONS,
        EVENTS,
        RULES,
        CLAIMS,
    )
}
