"""What the country pages say: their sentences and table views, worded through
:mod:`imetbook.vocab`, every number from :mod:`imetbook.analysis.country_pages`.

Text from the data (country, course and source names) is escaped before it goes into
Markdown (:func:`md`); table cells are escaped by :func:`imetbook.chapters.tables.show`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

import pandas as pd

from imetbook.analysis import country_pages as cp
from imetbook.analysis import country_scope as cs
from imetbook.analysis import eligibility
from imetbook.analysis.country_set import index_table
from imetbook.chapters import tables
from imetbook.vocab import (
    MEASURE_ORDER,
    fiscal_year,
    fy,
    fy_runs,
    fy_span,
    measure_label,
    plural,
    usd,
)

NO_RECORD = "no record"
NOT_PRINTED = "not printed"
LAW = (
    "The reports leave out NATO members, Australia, Japan and New Zealand by law (22 U.S.C. "
    "2416(a)(2))"
)

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~$])")


def md(text: object) -> str:
    """``text`` from the data, safe inside Markdown: every character Markdown could read as
    markup is escaped (course titles hold ``*``, ``_``, ``[``, ``#`` and a backslash)."""
    return _MD_SPECIAL.sub(r"\\\1", str(text))


def _programs_text(others: pd.DataFrame) -> str:
    """``CTFP (12), FMF (3)`` (Markdown)."""
    pairs = zip(others["program"], others["records"], strict=True)
    return ", ".join(f"{md(p)} ({n:,})" for p, n in pairs)


# --- the opening paragraph -------------------------------------------------------------------


def opening_text(country: str, head: cp.Headline, top: pd.DataFrame, others: pd.DataFrame) -> str:
    """The page's opening paragraph (Markdown), every number from the records.

    ``top`` is ``top_courses`` (its first row is named), ``others`` ``other_programs``.
    """
    country = md(country)
    span = fy_span(head.first_covered, head.last_covered)
    if head.records == 0:
        text = (
            f"The Foreign Military Training reports list no IMET training for {country} in "
            f"the {head.years_covered} fiscal years they cover ({span})."
        )
        if len(others):
            text += f" Its records there are under other programs: {_programs_text(others)}."
        return text
    students = "an unknown number of" if head.students is None else f"{head.students:,}"
    text = (
        f"The Foreign Military Training reports list {students} IMET students from {country} "
        f"in {head.years_with} of the {head.years_covered} fiscal years they cover ({span}), "
        f"in {plural(head.records, 'course record', 'course records')}"
    )
    text += f" whose printed costs add up to {usd(head.dollars)}." if head.dollars else "."
    text += f" The latest fiscal year with an IMET record is {fy(head.last_year)}"
    if head.last_year_students is not None:
        text += f" ({plural(head.last_year_students, 'student', 'students')})"
    text += "."
    if len(top):
        first = top.iloc[0]
        text += f" The course its officers attended most is {md(first['course'])}"
        if not pd.isna(first["students"]):
            text += f" ({plural(int(first['students']), 'student', 'students')})"
        text += "."
    if head.without_students or head.without_cost:
        text += (
            f" {plural(head.without_students, 'record prints', 'records print')} no number "
            f"of students and {head.without_cost:,} no cost; the sums leave them out."
        )
    return text


def programs_sentence(country: str, programs: pd.DataFrame) -> str:
    """Which programs paid for the country's training, plainly (plain text, no markup)."""
    if programs.empty:
        return f"The training reports list no training for {country} under any program."
    imet = programs[programs["IMET"].eq("yes")]
    others = programs[programs["IMET"].eq("no")]
    parts = [
        f"{p} ({plural(n, 'record', 'records')})"
        for p, n in zip(others["program"], others["records"], strict=True)
    ]
    if imet.empty:
        return (
            f"The training reports list no IMET training for {country}: every one of its "
            f"{int(programs['records'].sum()):,} records is paid by another program: "
            + ", ".join(parts)
            + "."
        )
    text = f"IMET paid for {int(imet['records'].sum()):,} of {country}'s records"
    return text + (f"; other programs for the rest: {', '.join(parts)}." if parts else ".")


def money_sentence(country: str, years: Sequence[int], measures: Sequence[str]) -> str:
    """For a page without training records: the years and measures of the country's own IMET
    money (``country_scope.money_measures``; plain text, empty if none)."""
    if not years:
        return ""
    return (
        f"Its page rests on the budget sources, which give IMET money for {country} in "
        f"{fy_runs(years)} ({', '.join(measure_label(m) for m in measures)})."
    )


# --- the law ---------------------------------------------------------------------------------


def exemption_sentence(
    country: str, iso3: str, has_records: bool, accessions: Mapping[str, str]
) -> str | None:
    """One plain sentence naming the law (the page links the citation), or None."""
    found = cs.exemption(iso3, accessions)
    if found is None:
        return None
    head = (
        f"{country} is a NATO member (since {found.since})"
        if found.since
        else f"{country} is one of the three countries the statute names"
    )
    tail = (
        "so the reports are not a full record of its training"
        if has_records
        else "so the reports hold no training record for it, and whether its officers sat in "
        "a class with any other country's cannot be checked from them"
    )
    return (
        f"{head}: {cs.STATUTE} exempts it from the annual Foreign Military Training report "
        f"unless a congressional committee asks for it in writing, {tail}."
    )


def law_markdown(country: str, iso3: str, has_records: bool, accessions: Mapping[str, str]) -> str:
    """The law that leaves the country out of the training reports, with its citation
    (Markdown; empty for a country the reports must cover)."""
    sentence = exemption_sentence(country, iso3, has_records, accessions)
    if sentence is None:
        return ""
    return f"{md(sentence)} Source: [{cs.STATUTE}]({cs.STATUTE_URL}), {md(cs.STATUTE_LOCATOR)}."


def exemption_note(
    country: str,
    iso3: str,
    by_year: pd.DataFrame,
    accessions: Mapping[str, str],
    by_name: Sequence[str] = eligibility.EXEMPT_BY_NAME,
) -> str | None:
    """A sentence when 22 U.S.C. 2416(a)(2) exempts the country from the reports (Markdown).

    ``accessions``: NATO members and accession dates (``eligibility.accession_dates``)."""
    country = md(country)
    present = by_year.loc[by_year["records"] > 0, "fiscal_year"]
    last = (
        f"its last IMET record in them is {fy(present.max())}"
        if len(present)
        else "they hold no IMET record for it"
    )
    if iso3 in accessions:
        joined = accessions[iso3]
        when = f"in {joined}" if len(joined) == 4 else f"on {joined}"  # year-only dates
        if fiscal_year(joined) > int(by_year["fiscal_year"].max()):
            return (
                f"{country} joined NATO {when}, after the last year of these records; "
                "as a member it is exempt from the reports (22 U.S.C. 2416(a)(2))."
            )
        return (
            f"{country} joined NATO {when}. 22 U.S.C. 2416(a)(2) exempts NATO members "
            "from the training reports, so its training as a member may be missing from them; "
            f"{last}."
        )
    if iso3 in by_name:
        return (
            f"22 U.S.C. 2416(a)(2) exempts {country} from the training reports by name, so "
            f"they are not a full record of its training; {last}."
        )
    return None


def limits_text(
    country: str,
    iso3: str,
    by_year: pd.DataFrame,
    others: pd.DataFrame,
    accessions: Mapping[str, str],
    by_name: Sequence[str] = eligibility.EXEMPT_BY_NAME,
) -> str:
    """What the records cannot show for this country, as a Markdown list."""
    note = exemption_note(country, iso3, by_year, accessions, by_name)
    country = md(country)
    head = cp.headline(by_year)
    missing = by_year.loc[by_year["records"].eq(0), "fiscal_year"]
    items = [
        f"The course records cover {fy_span(head.first_covered, head.last_covered)}, the "
        "fiscal years of the training reports with delivered training: training before or "
        "after is not in them, and the planned training the two oldest reports list is not "
        "counted."
    ]
    if head.records == 0:
        items.append(f"The reports list no IMET training for {country} in any of those years.")
    elif len(missing):
        items.append(
            f"The reports list no IMET training for {country} in {fy_runs(missing)}: none "
            "may have taken place, or it was not reported. Those years are gaps, not zeros."
        )
    if head.without_students or head.without_cost:
        items.append(
            f"{plural(head.without_students, 'IMET record prints', 'IMET records print')} no "
            f"number of students and {head.without_cost:,} no cost; the sums leave them out, "
            "so they are lower bounds."
        )
    if note:
        items.append(note)
    items.append(
        f"{LAW}: Turkey, for one, never appears, and classes shared with their officers "
        "cannot be found here."
    )
    if len(others):
        items.append(
            f"{country}'s records under other programs are not counted here: "
            f"{_programs_text(others)}."
        )
    items.append(
        "Budget figures come from scattered sources: a fiscal year without a figure is unknown, "
        "not zero, and measures are never added together."
    )
    return "\n".join(f"- {item}" for item in items)


# --- neighbours ------------------------------------------------------------------------------


def region_words(region: cp.Region) -> str:
    """How the page names the region, and where it comes from (Markdown)."""
    name = md(region.name)
    if region.basis == "funding":
        return f"the State Department's {name} bureau, as the funding sources place it"
    return (
        f"the {name} section of the training reports, where its records are printed "
        "most often (the funding sources do not place it in a State bureau)"
    )


def neighbours_text(country: str, region: cp.Region, near: pd.DataFrame, has_imet: bool) -> str:
    """The sentence that introduces the shared-classes table (or says why there is none);
    ``has_imet``: whether the country has any IMET record (Markdown)."""
    country, where = md(country), region_words(region)
    if not has_imet:
        return (
            f"{country} has no IMET record in the training reports, so there is no IMET class "
            "to share with a neighbour."
        )
    if not region.members:
        return (
            f"No other country of {country}'s region ({where}) has training records, so "
            "there are no neighbours to match."
        )
    if near.empty:
        return (
            f"{country}'s region is {where}. No other country of it has an IMET record of a "
            f"course in a fiscal year in which {country} has one, so the records show no "
            "shared class."
        )
    members = plural(len(region.members), "other country", "other countries")
    matched = plural(len(near), "neighbour", "neighbours")
    return (
        f"{country}'s region is {where}; {members} of it have training records. The table "
        f"matches the {matched} whose officers took the most of the same IMET courses in the "
        f"same fiscal years as {country}'s (shared course-years)."
    )


def all_programs_text(country: str, region: cp.Region) -> str:
    """The sentence before the shared classes of a country without IMET records (Markdown)."""
    return (
        f"{md(country)} has no IMET record, so its classes are counted under every program: "
        f"those its officers shared with officers of the other countries of "
        f"{region_words(region)}, each pair matched on its own."
    )


# --- records and money by year ---------------------------------------------------------------


def _count_or_gap(value: object, records: int, money: bool = False) -> str:
    if records == 0:
        return NO_RECORD
    if pd.isna(value):
        return NOT_PRINTED
    return usd(value) if money else f"{int(value):,}"


def by_year_display(table: pd.DataFrame) -> pd.DataFrame:
    """``imet_by_year`` as the page shows it: a year without records reads ``no record``;
    a sum over records that all lack the number reads ``not printed``."""
    rec = table["records"].tolist()
    return pd.DataFrame(
        {
            "fiscal year": table["fiscal_year"].map(fy),
            "IMET records": table["records"].map("{:,}".format),
            "students": [_count_or_gap(v, n) for v, n in zip(table["students"], rec, strict=True)],
            "dollars (course costs)": [
                _count_or_gap(v, n, money=True) for v, n in zip(table["cost_usd"], rec, strict=True)
            ],
            "records without students": table["records_without_students"].map("{:,}".format),
            "records without cost": table["records_without_cost"].map("{:,}".format),
        }
    )


def disagreements(by_year: pd.DataFrame) -> list[str]:
    """``FY2003 Request: $1 (a); $2 (b)`` for each year sources disagree (Markdown: the
    source names come from the data and are escaped)."""
    clash = by_year[by_year["amount_usd"].isna()]
    return [
        f"{fy(y)} {measure_label(m)}: {md(f)}"
        for y, m, f in clash[["fiscal_year", "measure", "figures"]].itertuples(index=False)
    ]


def table_only(counts: pd.Series, drawn: Sequence[str]) -> str:
    """``Estimate (1 figure), Allocation (2 figures)``: measures with figures on the axis
    (``counts``: ``axis_counts``) that the chart does not draw (empty if none)."""
    return ", ".join(
        f"{measure_label(m)} ({plural(int(n), 'figure', 'figures')})"
        for m, n in counts.items()
        if m not in drawn
    )


FUNDING_TABLE_COLUMNS = [
    "measure",
    "fiscal years",
    "figures",
    "latest figure",
    "source",
    "grade",
    "address",
]


def _titles(titles: Iterable[str]) -> str:
    found = sorted(set(titles))
    more = len(found) - 1
    return found[0] + (f" (and {more} more)" if more else "")


def _latest_figure(g: pd.DataFrame) -> str:
    last = int(g["fiscal_year"].max())
    values = sorted(set(g.loc[g["fiscal_year"].eq(last), "amount_usd"].tolist()))
    return f"{fy(last)}: " + " / ".join(usd(v) for v in values)


def cited_title(title: object, copy_at: object) -> str:
    """A source as cited: its title, and ``(copy at fdocuments.in)`` when the file read is a
    mirror site's copy of that document."""
    if isinstance(copy_at, str) and copy_at and copy_at != "nan":
        return f"{title} (copy at {copy_at})"
    return str(title)


def funding_table(rows: pd.DataFrame) -> pd.DataFrame:
    """The compact funding table (``rows``: ``funding_rows``, in measure order): one row per
    measure and source, with the fiscal years it gives a figure for, how many figures, the
    latest one, and the source (first title, and how many more; the address of its latest
    figure)."""
    out = []
    for (measure, _source), g in rows.groupby(["measure", "source"], sort=False):
        latest = g.sort_values(["fiscal_year", "source_title"], kind="stable").iloc[-1]
        copy_at = latest["source_copy_at"] if "source_copy_at" in g else None
        out.append(
            {
                "measure": measure_label(measure),
                "_order": MEASURE_ORDER[measure],
                "_first": int(g["fiscal_year"].min()),
                "fiscal years": fy_runs(g["fiscal_year"]),
                "figures": len(g),
                "latest figure": _latest_figure(g),
                "source": cited_title(_titles(g["source_title"]), copy_at),
                "grade": latest["source_grade"] if "source_grade" in g else "",
                "address": latest["source_url"],
            }
        )
    if not out:
        return pd.DataFrame(columns=FUNDING_TABLE_COLUMNS)
    table = pd.DataFrame(out).sort_values(["_order", "_first", "source"], kind="stable")
    return table[FUNDING_TABLE_COLUMNS].reset_index(drop=True)


RANK_DISPLAY_COLUMNS = [
    "measure",
    "fiscal years ranked",
    "best rank",
    "latest rank",
    "fiscal years without a figure",
]


def _rank_text(rank: tuple[int, int, int] | None) -> str:
    if rank is None:
        return "none"
    place, of, year = rank
    return f"{place} of {of} ({fy(year)})"


def rank_display(ranks: pd.DataFrame) -> pd.DataFrame:
    """``country_scope.rank_table`` as the page shows it."""
    return pd.DataFrame(
        {
            "measure": [measure_label(m) for m in ranks["measure"]],
            "fiscal years ranked": [fy_runs(y) for y in ranks["ranked"]],
            "best rank": [_rank_text(r) for r in ranks["best"]],
            "latest rank": [_rank_text(r) for r in ranks["latest"]],
            "fiscal years without a figure": [fy_runs(y) for y in ranks["without"]],
        },
        columns=RANK_DISPLAY_COLUMNS,
    )


def with_listing_links(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` (top courses or places) with its ``latest listing`` linked to the row's
    ``source_url`` (only an http(s) address becomes a link) and that column dropped."""
    out = table.drop(columns="source_url").copy()
    out["latest listing"] = [
        tables.link(text, url)
        for text, url in zip(table["latest listing"], table["source_url"], strict=True)
    ]
    return out


# --- the index page --------------------------------------------------------------------------


def _fmt(value: object) -> str:
    return "—" if pd.isna(value) else f"{round(float(value)):,}"


def _years(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}–{last}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def index_markdown(table: pd.DataFrame, covered: Sequence[int] = ()) -> str:
    """The country index page (MyST): totals, then a table linking every country page.

    ``table`` is ``country_set.headlines``; ``covered`` the fiscal years the reports cover:
    with them, the page names the span and each country's years with IMET records read
    ``n of N``.
    """
    students = table["imet_students"].sum(min_count=1)
    with_imet = int((table["imet_records"] > 0).sum())
    span = f" ({fy_span(min(covered), max(covered))})" if len(covered) else ""
    of = f" of {len(covered)}" if len(covered) else ""
    lines = [
        "# Countries",
        "",
        f"One page for each of the {len(table)} countries with training records in the "
        f"Foreign Military Training reports{span} or IMET money of their own in a budget "
        f"source. {with_imet} of them have IMET records: "
        f"{_fmt(table['imet_records'].sum())} records listing {_fmt(students)} students in all. "
        "IMET figures count records of training delivered (status actual); sums skip records "
        f"where no number was printed, and — marks a country with no such figure. {LAW}: "
        "their pages rest on the budget sources, and read *none (IMET money only)* below.",
        "",
        "| Country | ISO3 | Years with records | Years with IMET records | Latest IMET year "
        "| IMET records | IMET students | IMET course costs (US$) |",
        "|:--|:--|:--|--:|:--|--:|--:|--:|",
    ]
    for row in table.itertuples(index=False):
        link = f"{{doc}}`{_cell(row.country_name)} <{row.iso3}>`"
        latest = "—" if pd.isna(row.last_imet_year) else str(row.last_imet_year)
        seen = (
            "none (IMET money only)"
            if pd.isna(row.first_year)
            else _years(int(row.first_year), int(row.last_year))
        )
        lines.append(
            f"| {link} | {row.iso3} | {seen} | "
            f"{row.imet_years}{of} | {latest} | {row.imet_records:,} | "
            f"{_fmt(row.imet_students)} | {_fmt(row.imet_cost_usd)} |"
        )
    return "\n".join(lines) + "\n"


def index_page(training: pd.DataFrame, funding: pd.DataFrame | None = None) -> str:
    """:func:`index_markdown` of the training table and the countries with IMET money only
    in ``funding`` (default: the built table): what ``imetbook execute`` writes."""
    return index_markdown(index_table(training, funding), cp.covered_years(training))
