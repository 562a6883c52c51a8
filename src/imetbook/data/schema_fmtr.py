"""The contracts of the tables parsed from the Foreign Military Training reports: ``training``,
``printed_totals``, ``reconciliation``, ``fmtr_excluded`` and ``fmtr_documents``.

Declared with :mod:`imetbook.data.contract`; :mod:`imetbook.data.schema` lists every table.
"""

from __future__ import annotations

from imetbook.data.contract import ANY, COUNT, FMTR_YEARS, PAGE, USD, Contract
from imetbook.data.contract import column as _c
from imetbook.data.parsers.fmtr_fields import FAMILIES

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

# Columns several FMTR tables share, word for word.
_REPORT = _c("report", "str", "Report label", nullable=False)
_REGION = _c("region", "str", "Report section", nullable=False, allowed=FMTR_REGIONS)
_PAGE = _c("page", "int", "Page of the printed report", bounds=PAGE)
_SOURCE_FILE = _c("source_file", "str", "Vendored raw file", nullable=False)
_FLAGS = _c("flags", "str", FLAGS_DOC, nullable=False, blank=True)


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
        _FLAGS,
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
        _REPORT,
        _c("fiscal_year", "int", "US fiscal year", nullable=False, bounds=FMTR_YEARS),
        _c(
            "level",
            "str",
            "program, or country (2006-2007 '<Country> FY 2006 Totals')",
            nullable=False,
            allowed=LEVELS,
        ),
        _REGION,
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
        _PAGE,
        _SOURCE_FILE,
        _FLAGS,
    ),
    key=("record_id",),
    where=("source_file",),
)

RECONCILIATION_STATUS = ("match", "mismatch", "no_printed_total", "no_parsed_rows")


def _compared(measure: str, kind: str, label: str, unit: str, suffix: str) -> tuple:
    """The printed total, the parsed sum and their difference of one measure."""
    return (
        _c(
            f"printed_{measure}",
            kind,
            f"{label} on the printed totals row(s){suffix}",
            bounds=COUNT,
            unit=unit,
        ),
        _c(
            f"parsed_{measure}",
            kind,
            f"Sum of {measure} over parsed rows{suffix}",
            bounds=COUNT,
            unit=unit,
        ),
        _c(f"diff_{measure}", kind, f"parsed minus printed{suffix}", bounds=ANY, unit=unit),
    )


RECONCILIATION = Contract(
    "reconciliation",
    "Printed totals against the sums of the parsed training rows, per region file, country "
    "and program (and per country in 2006-2007). Match: students equal and cost within one "
    "dollar. Null students or costs count as zero in the parsed sums. 1999-2000 to "
    "2005-2006: totals read from the original documents, grouped per document, country and "
    "program heading (the label carries the fiscal year) and per country.",
    (
        _REPORT,
        _REGION,
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
        *_compared("students", "int", "Students", "students", ""),
        *_compared("cost", "float", "Cost", USD, ", US dollars"),
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
        _REPORT,
        _c("region", "str", "Report section"),
        _c("country", "str", "Country as printed, cleaned"),
        _c("program_raw", "str", "Program heading as printed"),
        _c(
            "course_title",
            "str",
            "Title text of the element, cleaned (the fragment itself for orphan fragments)",
        ),
        _PAGE,
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
        _SOURCE_FILE,
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
        _REPORT,
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
