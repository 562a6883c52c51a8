"""A caption for every table the chapters show, by table id (used by
:func:`imetbook.chapters.tables.show` when a cell passes no caption of its own).

A caption says what one row is and where the numbers come from, so a table read on its own (or
found by the browser's search) is not misread. Ids ending in ``-*`` cover a family of tables
whose id ends with a country, report or claim; ``{}`` in the caption is that ending.
"""

from __future__ import annotations

CAPTIONS: dict[str, str] = {
    # budget
    "budget-measures": "The money measures of the funding table and what each one counts",
    "budget-coverage": "Fiscal years with a region row, member figures, or neither, per measure",
    "budget-totals": "Region rows and sums of members per fiscal year and measure (never added)",
    "budget-shares": "Each member's share of the region's members' sum, per fiscal year (percent)",
    "budget-chain-*": "{}: IMET per fiscal year from request to delivery, one column per measure",
    "budget-chain-sources-*": "{}: the sources of the figures above, with their addresses",
    "budget-india-summary": "India: fiscal years at or above and below the article's figure",
    "budget-india-years": "India: IMET per fiscal year and measure, against the article's figure",
    "budget-claim-india": "The article's claim about India's IMET and the claims table's verdict",
    "budget-turkey-summary": "Turkey's rank among countries, per measure",
    "budget-turkey-ranks": "Turkey's rank per fiscal year and measure (1 = largest)",
    "budget-claim-turkey": "The article's claim about Turkey's rank and the claims table's verdict",
    "budget-requests": "The region's IMET request per fiscal year against the article's figure",
    "budget-member-requests": "Members' IMET requests in the fiscal years with a region row",
    "budget-member-request-sources": "The sources of the members' requests",
    "budget-claim-request": "The article's claims about the request, with verdicts",
    "budget-sources": "Every source of the figures in this chapter, with its address",
    # claims
    "claims-counts": "Verdicts: computed from the tables, sourced, and all claims",
    "claims-differences": "Claims whose computed verdict differs from the claims table's",
    "claims-figures-*": "Claim {}: the figures behind the verdict",
    # classmates
    "cm-coverage": "Training rows considered per country, by how they can be matched",
    "cm-per-year": "Shared classes per fiscal year, by kind of match",
    "cm-courses": "The courses with the most shared classes",
    "cm-places": "The places with the most shared classes",
    "cm-roster": "Every shared class: course as printed, place, dates, students per country, "
    "and the report and page it is printed on",
    "cm-evidence": "One shared class: the training records behind it, as printed",
    "cm-matrix": "Shared classes for every pair of countries (class and course-year matches)",
    "cm-pairs": "Shared classes per pair of countries, by kind of match",
    "cm-israel-programs": "Israel's rows in the training reports, by program",
    "cm-israel-pairs": "Shared classes of Israel with each other country",
    "cm-israel-courses": "The courses where Israeli officers met officers of the other countries",
    "cm-families": "Course families: how printed titles are grouped into one course",
    "cm-place-table": "Places: how printed locations are grouped into one place",
    # eligibility
    "eligibility-rules": "The laws and rules that authorise IMET or cut a country off",
    "eligibility-by-year": "Countries per fiscal year with course records, IMET money, or both",
    "eligibility-money-sources": "The sources of the IMET money figures",
    "eligibility-by-region": "Countries per fiscal year and region with records and IMET money",
    "eligibility-snapshot": "Countries per region with course records and IMET money in one year",
    "eligibility-returned": "Countries absent from the records for some years and back later",
    "eligibility-gap-years": "Countries in a gap, per fiscal year",
    "eligibility-why": "Why a country is missing: the events and rules in or next to its gaps",
    "eligibility-exempt": "Countries exempt from the training reports by law",
    "eligibility-never": "Countries with IMET money but never in the training reports",
    "eligibility-turkey": "Turkey: IMET money per fiscal year",
    "eligibility-turkey-sources": "The sources of Turkey's IMET figures",
    "eligibility-article": "The article's countries in the records and in the money figures",
    "eligibility-focus-years": "The country followed: records and money per fiscal year",
    "eligibility-focus-gaps": "The country followed: its gaps in the records",
    "eligibility-focus-why": "The country followed: why it is missing in its gap years",
    "eligibility-focus-events": "The country followed: events of the timelines",
    "eligibility-focus-rules": "The country followed: rules that name it",
    # methods
    "methods-dict-*": "Data dictionary of the {} table",
    "methods-rows-by-report": "Training rows, students and cost per report",
    "methods-rows-by-program": "Training rows, students and cost per program family",
    "methods-coverage": "Share of rows with each field printed, per report",
    "methods-elements": "What the raw elements of each report became",
    "methods-reconciliation": "Parsed totals against the reports' printed totals",
    "methods-reasons": "Why a printed total is not matched",
    "methods-reasons-by-report": "Unmatched printed totals per report, by reason",
    "methods-flags": "Repairs made while parsing, and where",
    "methods-unmatched-*": "Report {}: the printed totals that do not match the parsed rows",
    "methods-defects": "Known defects per report",
    "methods-merged": "Country headings that merge two countries",
    "methods-spellings": "Country names printed in several spellings",
    "methods-overrides": "Printed country names mapped by hand to a country",
    # pakistan
    "tl-events": "Every event of the timelines concerning the country, with its source",
    "tl-programs": "IMET per fiscal year and program around the latest closed suspension",
    "tl-courses": "The IMET courses listed in the fiscal years wholly inside the suspension",
    "tl-compare": "IMET students per fiscal year of the two countries, by phase",
    "tl-coverage": "Which measures have a figure in each fiscal year",
    "tl-gaps": "Fiscal years with and without a figure, per measure",
    "tl-printed-gaps": "Source cells that print a dash, an asterisk or a multi-year total",
    "tl-sources": "The sources of the money figures on the axis",
    "tl-reports": "The training reports behind the counts, with their pages",
    # sources
    "sources-inventory": "Every raw source: origin, licence, files, size, rows and coverage",
    "sources-reports": "Each training report: its files, regions, rows and size",
    "sources-tables": "Each table file: rows, the years it covers and how many countries it names",
    "sources-checksums": "The SHA-256 checksum and size of every raw file",
    "sources-funding": "The sources of the funding table",
    "sources-documents": "Every document behind the funding table",
    "sources-coverage-matrix": "Which figures exist, per country and fiscal year",
    "sources-gaps": "Source cells that print no single-year figure",
    # country pages
    "cp-by-year": "IMET records, students and cost per fiscal year",
    "cp-courses": "The courses with the most IMET students",
    "cp-places": "The places with the most IMET students",
    "cp-shared": "Shared classes with the neighbours",
    "cp-funding": "IMET money figures by measure and source",
    "cp-events": "Events of the timelines concerning the country",
    "cp-programs": "Training records per program the reports list for the country, IMET first",
    "cp-shared-all": "Shared classes with the neighbours under every program",
    "cp-ranks": "The country's rank among all countries with a figure, per measure and year",
    "cp-dropouts": "Fiscal years the country left the records, with the sourced cause",
    # claims (the article's four countries, C05)
    "claims-four-countries": "Shared classes of the article's countries, all programs and at "
    "war colleges, with the verdicts they support",
    "claims-c05-by-year": "War-college classes per fiscal year and how many nationalities sat "
    "in them (all programs; NATO members are absent from the reports)",
    "cm-tiers": "Shared classes by level of professional military education",
    # data appendix
    "data-tables": "Every built table: rows, columns, what one row is, and its files",
    "data-dict-*": "Data dictionary of the {} table: column, type, unit, nulls, allowed values "
    "and meaning",
    "data-countries": "One CSV of training records per country",
    # eligibility: drop-outs and ASPA
    "eligibility-dropouts-by-year": "Drop-outs per fiscal year and the share a source explains",
    "eligibility-dropout-causes": "Each drop-out with its cause, dates and source",
    "eligibility-aspa-steps": "The American Servicemembers' Protection Act, step by step, with "
    "its effect on IMET",
    "eligibility-aspa-countries": "Countries whose military assistance was suspended under ASPA, "
    "and their waivers, as the sources give them",
    # methods: reconciliation of every report
    "methods-imet-match": "IMET groups with a printed total, and how many match it exactly, per "
    "report",
    "methods-recovered": "Values the extraction lost and the original documents print, "
    "recovered per report and rule",
    "methods-doubtful": "Training values summed from report groups that fail reconciliation",
    # rivalries
    "rv-per-year": "Active rivalries per fiscal year, by whether their sides shared a class",
    "rv-top": "Rivalries by shared classes (IMET or the programs chosen)",
    "rv-top-war": "Rivalries by shared war-college classes",
    "rv-by-tier": "Shared classes of each rivalry by level of professional military education",
    "rv-tier-counts": "Shared classes of all rivalries by level of professional military education",
    "rv-classes": "Shared classes of rival countries, war colleges first, with report and pages",
    "rv-top-all": "Rivalries by shared classes under every program",
    "rv-never": "Rivalries whose sides never shared a class, and why where the data says",
    "rv-not-in-reports": "Countries the training reports leave out by law",
    "rv-rules": "Eligibility rules that name a side of a rivalry that never met",
    "rv-names": "The rivalry list's short names and the book's countries they stand for",
    "rv-tier-coverage": "Training records per level of professional military education, and "
    "the share no rule places",
    "rv-tier-rules": "The sourced rules that place a course at a level",
}


def for_table(table_id: str) -> str | None:
    """The caption of ``table_id``: an exact entry, else the longest ``-*`` family it belongs
    to with ``{}`` filled by the rest of the id; None if it has none."""
    if table_id in CAPTIONS:
        return CAPTIONS[table_id]
    families = [k for k in CAPTIONS if k.endswith("-*") and table_id.startswith(k[:-1])]
    if not families:
        return None
    key = max(families, key=len)
    return CAPTIONS[key].replace("{}", table_id[len(key) - 1 :])
