"""Column contracts for every tidy table (the machinery: :mod:`imetbook.data.contract`).

Each table is declared once, as a :class:`Contract` of :class:`Column`; :data:`CONTRACTS`
lists them all by name. The FMTR tables are declared in :mod:`imetbook.data.schema_fmtr`; the
others (funding, events, rules, claims, sourced reference facts) here. The names of both and of
the machinery (``validate``, ``dictionary``, ``table_schema``...) are importable from here.
"""

from __future__ import annotations

from imetbook.data.contract import (  # noqa: F401 (the machinery, importable from here)
    ANY,
    COUNT,
    FMTR_YEARS,
    NUMERIC,
    PAGE,
    USD,
    YEARS,
    Column,
    Contract,
    dictionary,
    pandera_schema,
    table_schema,
    validate,
)
from imetbook.data.contract import column as _c
from imetbook.data.schema_fmtr import (  # noqa: F401 (the FMTR tables, declared there)
    EXCLUDED_REASONS,
    FLAGS_DOC,
    FMTR_DOCUMENTS,
    FMTR_EXCLUDED,
    FMTR_REGIONS,
    LEVELS,
    PRINTED_TOTALS,
    RECONCILIATION,
    RECONCILIATION_STATUS,
    STATUS,
    TRAINING,
)
from imetbook.vocab import MEASURE_DOCS, MEASURES  # noqa: F401 (the one list, worded once)

SOURCE_GRADES = ("primary", "secondary", "tertiary")
# The source columns of the tables whose rows cite one source each.
_CITED = (
    _c("source_title", "str", "Source title", nullable=False),
    _c("source_url", "str", "Source address"),
)

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
        *_CITED,
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
        *_CITED,
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


def _country() -> tuple[Column, ...]:
    """A country as the source names it, with its code and canonical name."""
    return (
        _c("country", "str", "Country as the source names it", nullable=False),
        _c("iso3", "str", "ISO alpha-3", nullable=False),
        _c("country_name", "str", "Canonical country name", nullable=False),
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


def _country_event(kind: Column) -> tuple[Column, ...]:
    """A dated event of one ``kind`` concerning a country, sourced, in our words."""
    return _sourced(
        *_country(),
        kind,
        *_dated("date"),
        _c("detail", "str", "What the source says (our words)", nullable=False),
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
    _country_event(
        _c("event", "str", "suspended or a kind of waiver", nullable=False, allowed=ASPA_EVENTS)
    ),
    key=("iso3", "event", "source_url"),
)

NATO_ACCESSIONS = Contract(
    "nato_accessions",
    "NATO members and their date of accession (the reports leave members out by law).",
    _sourced(
        *_country(),
        *_dated("accession_date"),
    ),
    key=("iso3",),
)

COUNTRY_RESTRICTIONS = Contract(
    "country_restrictions",
    "Dated suspensions of a country's US military aid for a cause other than ASPA (today: "
    "after a military coup), one source and locator each.",
    _country_event(
        _c("cause", "str", "Why aid was suspended", nullable=False, allowed=RESTRICTION_CAUSES)
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
