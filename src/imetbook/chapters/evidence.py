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
            "What the source says": causes["detail"],
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
