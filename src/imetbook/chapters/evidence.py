"""Table cells with sources and links, shared by the chapters that show the same evidence (the
eligibility chapter and the country pages): rules with their law, drop-out causes, the ASPA
steps and lists, and where course records are printed.

Every link goes through :func:`imetbook.chapters.tables.link` (only ``http(s)`` addresses
become links) and every other text from the data is escaped: put the HTML columns in
``html_columns`` of :func:`imetbook.chapters.tables.show`.
"""

from __future__ import annotations

import html

import pandas as pd

from imetbook import vocab
from imetbook.analysis import dropouts as do
from imetbook.chapters import tables


def citation_text(citations: pd.DataFrame) -> dict[int, str]:
    """Per fiscal year, where its records are printed: ``2003-2004 report, pp. 120-125``
    (``citations``: :func:`imetbook.analysis.sources.record_citations`)."""
    out: dict[int, list[str]] = {}
    for r in citations.sort_values(["fiscal_year", "report"]).itertuples():
        pages = (
            "no page numbers"
            if pd.isna(r.first_page)
            else f"p. {r.first_page}"
            if r.first_page == r.last_page
            else f"pp. {r.first_page}-{r.last_page}"
        )
        out.setdefault(int(r.fiscal_year), []).append(f"{r.report} report, {pages}")
    return {y: "; ".join(v) for y, v in out.items()}


def source_links(df: pd.DataFrame, title: str = "source_title", url: str = "source_url") -> list:
    """One HTML link per row (:func:`imetbook.chapters.tables.link`); a row standing for several
    documents says how many more."""
    out = []
    for row in df.to_dict("records"):
        text = tables.link(row[title], row[url])
        more = int(row.get("documents", 1)) - 1
        out.append(text + (f" (and {more} other edition{'s' if more > 1 else ''})" if more else ""))
    return out


def located_links(df: pd.DataFrame) -> list[str]:
    """Link and locator per row (escaped HTML); empty for a row without a source."""
    return [
        f"{tables.link(t, u)} ({html.escape(str(loc))})" if t else ""
        for t, u, loc in zip(df["source_title"], df["source_url"], df["locator"], strict=True)
    ]


def rules_table(rules: pd.DataFrame) -> pd.DataFrame:
    """The rules as a compact table: rule, law (name, citation, year, source link), effect on
    IMET, and the countries a source names. Sorted by rule id. The "Law" column is HTML (show
    it with ``html_columns=["Law"]``); the other columns are plain text."""
    rows = []
    for r in rules.sort_values("rule_id").to_dict("records"):
        year = "not given" if pd.isna(r["year_enacted"]) else str(int(r["year_enacted"]))
        law = (
            f"<strong>{html.escape(r['name'])}</strong><br>{html.escape(r['legal_citation'])}"
            f"<br>Enacted: {year}<br>Source: {tables.link(r['source_title'], r['source_url'])}"
        )
        named = r["example_countries"]
        rows.append(
            {
                "Rule": r["rule_id"],
                "Law": law,
                "Effect on IMET": r["effect_on_imet"],
                "Countries named": "" if pd.isna(named) else named.replace(";", ", "),
            }
        )
    return pd.DataFrame(rows, columns=["Rule", "Law", "Effect on IMET", "Countries named"])


ACT_NAME = "American Servicemembers' Protection Act"
NATO_TEXT = "Joined NATO; 22 U.S.C. 2416(a)(2) exempts NATO members from the training reports."
UNEXPLAINED_TEXT = "No source the book holds explains it."


def cause_text(cause: str, detail: str) -> str:
    """What the source says about one cause of a drop-out, in the book's words around it."""
    if cause == do.ASPA:
        return f"{ACT_NAME}: {detail}"
    if cause == do.NATO:
        return NATO_TEXT
    if cause == do.MERGED:
        return f"The report prints the country's rows under the heading {detail!r}."
    if cause == do.UNEXPLAINED:
        return UNEXPLAINED_TEXT
    return detail


def causes_table(causes: pd.DataFrame) -> pd.DataFrame:
    """Drop-out causes (:func:`imetbook.analysis.dropouts.attribute`) for readers; ``Source``
    is HTML (link and locator, escaped)."""
    out = pd.DataFrame(
        {
            "Fiscal year": causes["fiscal_year"].map(vocab.fy),
            "Country": causes["country_name"],
            "Cause": causes["cause"],
            "Since": causes["since"],
            "Until": causes["until"].replace("", "-"),
            "What the source says": [
                cause_text(c, d) for c, d in zip(causes["cause"], causes["detail"], strict=True)
            ],
            "Source": located_links(causes),
        }
    )
    return out.reset_index(drop=True)


def aspa_steps_table(aspa_rules: pd.DataFrame) -> pd.DataFrame:
    """The act's dated steps for readers; ``Source`` is HTML (link and locator, escaped)."""
    out = pd.DataFrame(
        {
            "Date": aspa_rules["date"].fillna("date not given"),
            "Step": aspa_rules["name"],
            "Law": aspa_rules["legal_citation"],
            "Effect on IMET": aspa_rules["effect_on_imet"],
            "Source": located_links(aspa_rules),
        }
    )
    return out.reset_index(drop=True)


def aspa_countries_table(aspa_countries: pd.DataFrame) -> pd.DataFrame:
    """The listed countries and waivers for readers; ``Source`` is HTML (escaped)."""
    out = pd.DataFrame(
        {
            "Country": aspa_countries["country_name"],
            "Event": aspa_countries["event"].str.replace("_", " "),
            "Date": aspa_countries["date"].fillna("date not given"),
            "What the source says": aspa_countries["detail"],
            "Source": located_links(aspa_countries),
        }
    )
    return out.reset_index(drop=True)


# --- views of one country's evidence and of the sources behind a count --------------------------

CONTEXT = ["gap", "kind", "ref", "when", "relation", "what", "source"]
CONTEXT_LABELS = ["Missing", "Evidence", "Ref", "When", "Relative to it", "What", "Source"]


def documents(frame: pd.DataFrame, last: str, last_label: str) -> pd.DataFrame:
    """Sources behind a count (:func:`imetbook.analysis.sources.money_sources`,
    :func:`~imetbook.analysis.sources.country_sources`) with their earliest document linked
    (HTML column ``Document (earliest)``), the measure's label and the count ``last`` headed
    ``last_label``."""
    out = frame.assign(
        document=source_links(frame), measure=frame["measure"].map(vocab.measure_label)
    )
    out = out[["source", "document", "measure", "first_year", "last_year", last]]
    out.columns = ["Source", "Document (earliest)", "Measure", "First FY", "Last FY", last_label]
    return out


def context_view(context: pd.DataFrame, columns: list[str], labels: list[str]) -> pd.DataFrame:
    """Events and rules next to gaps (:func:`imetbook.analysis.absences.gap_context`): its
    ``columns`` headed ``labels``, the source linked (HTML column ``Source``)."""
    out = context.assign(source=source_links(context, title="source"))[columns]
    out.columns = labels
    return out


def years_view(years: pd.DataFrame, citations: pd.DataFrame) -> pd.DataFrame:
    """A country's years in and out (:func:`imetbook.analysis.eligibility.country_years`) for
    readers: yes, no or not covered, the measures, and where the records are printed."""
    out = years.assign(where=years["fiscal_year"].map(citation_text(citations)))
    out = out.astype({"in_training": "object", "in_funding": "object"})
    for col in ("in_training", "in_funding"):
        out[col] = ["not covered" if pd.isna(v) else ("yes" if v else "no") for v in out[col]]
    out = out.drop(columns="programs")
    out.columns = ["Fiscal year", "In course records", "IMET money", "Measures", "Where printed"]
    return out


def runs_view(runs: pd.DataFrame) -> pd.DataFrame:
    """One country's absences (:func:`imetbook.analysis.absences.gaps_table`) for readers."""
    out = runs.drop(columns=["iso3", "country_name"])
    out.columns = ["Absence", "From", "To", "Years", "Last year before", "First year after"]
    return out


def events_view(events: pd.DataFrame) -> pd.DataFrame:
    """Timeline events (:func:`imetbook.analysis.absences.country_events`), source linked."""
    out = events.assign(source=source_links(events))[["date", "category", "event", "source"]]
    out.columns = ["Date", "Category", "Event", "Source"]
    return out


def named_rules_view(named: pd.DataFrame) -> pd.DataFrame:
    """Rules naming a country (:func:`imetbook.analysis.absences.rules_naming`)."""
    out = named[["rule_id", "name", "legal_citation", "year_enacted"]].copy()
    out.columns = ["Rule", "Name", "Citation", "Enacted"]
    return out
