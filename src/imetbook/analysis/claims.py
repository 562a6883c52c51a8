"""What the article got right, claim by claim: verdicts computed from the book's own tables.

The ``claims`` table (contract :data:`imetbook.data.schema.CLAIMS`) quotes the article's checkable
claims with evidence gathered from sources and a sourced verdict. Some of them the book's tables
can decide. For each of those a function here computes the verdict and the figures behind it,
reusing the other chapters' analysis functions rather than repeating them:

- C02, IMET students at the two schools the claim names (:mod:`.courses` families);
- C03, whether the countries named take part, in the course records or the money
  (:mod:`.eligibility`);
- C04, whether Indian and Pakistani officers shared classes (:mod:`.classmates`);
- C10, the country's global rank by measure and year (:func:`.budget.country_rank`);
- C11, the country's yearly money against the amount named (:func:`.budget.yearly_vs_threshold`);
- C13, the region's request against the amount named (:func:`.budget.regional_totals`);
- C16, the suspension's month and what it followed, and C19, the months from the suspension to
  the resumption (:func:`.timeline.suspension_to_resumption`).

Numbers a claim states (an amount, a year, a rank, a month) are read from its own words in the
claims table, never typed here. Every computed verdict is on the one scale
:data:`imetbook.data.schema.VERDICTS` (supported, partly supported, contradicted, unverified), read
the same way for every claim as :mod:`.verdicts` defines them.

Each comes with a one-sentence reason built from the figures (plain text: the chapters escape
it). The claim functions live in :mod:`.claims_records` and :mod:`.claims_money`, the verdict
scale in :mod:`.verdicts`, the reading of a claim's words in :mod:`.claim_words`; this module
runs them all once (:func:`compute_all`) and puts them in one table. Claims the tables cannot decide
keep the sourced verdict and evidence of the claims table and are labelled ``sourced``;
:func:`verdict_table` puts both kinds in one table and keeps the sourced verdict of a computed
claim beside it, so a reader sees where the two differ.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd

from imetbook.analysis import budget
from imetbook.analysis.claim_words import (
    claim_text,
    countries_named,
    dollar_amount,
    month_named,
    nationalities_named,
    ordinal,
    ordinal_rank,
    region_named,
    since_year,
    stated_unit,
)
from imetbook.analysis.claims_money import (
    NEAR_ARTICLE,
    RECEIVED_MEASURES,
    global_rank,
    measures_near,
    money_years,
    priority_countries,
    priority_requests,
    rank_verdicts,
    request_amount,
    request_matches,
    yearly_amount,
)
from imetbook.analysis.claims_records import (
    ISRAEL_PAIRS,
    RIVALS,
    countries_take_part,
    four_countries,
    four_facts,
    resumption_delay,
    rivals_share_classes,
    school_families,
    suspension_month,
    war_college_nationalities,
    war_colleges,
)
from imetbook.analysis.verdicts import (
    COMPUTED,
    CONTRADICTED,
    PARTLY,
    SOURCED,
    SUPPORTED,
    UNVERIFIED,
    VERDICTS,
    Finding,
)
from imetbook.data import schema
from imetbook.errors import DataError

# The claim functions, re-exported: callers name a claim's function here, in one place.
__all__ = [
    "COMPUTED",
    "CONTRADICTED",
    "ISRAEL_PAIRS",
    "NEAR_ARTICLE",
    "PARTLY",
    "RECEIVED_MEASURES",
    "RIVALS",
    "SOURCED",
    "SUPPORTED",
    "UNVERIFIED",
    "VERDICTS",
    "Finding",
    "claim_text",
    "compute_all",
    "countries_named",
    "countries_take_part",
    "dollar_amount",
    "ordinal_rank",
    "since_year",
    "differences",
    "four_countries",
    "four_facts",
    "global_rank",
    "measures_near",
    "money_claims",
    "money_findings",
    "MONEY_CLAIMS",
    "money_years",
    "month_named",
    "nationalities_named",
    "ordinal",
    "priority_countries",
    "priority_requests",
    "rank_verdicts",
    "region_named",
    "request_amount",
    "request_matches",
    "resumption_delay",
    "rivals_share_classes",
    "school_families",
    "stated_unit",
    "suspension_month",
    "verdict_counts",
    "verdict_table",
    "war_college_nationalities",
    "war_colleges",
    "yearly_amount",
]


@dataclass(frozen=True)
class Evidence:
    """Where a computed verdict's evidence is shown: a chapter page and a section anchor."""

    page: str
    anchor: str
    label: str

    @property
    def target(self) -> str:
        return f"{self.page}#{self.anchor}"


# Chapter sections that show each computed claim's evidence in full. Anchors are the headings'
# slugs (myst_heading_anchors); tests check that each still names a heading of its page.
EVIDENCE: dict[str, Evidence] = {
    "C02": Evidence(
        "classmates.ipynb",
        "the-course-families-and-places",
        "Classmates: the course families and their schools",
    ),
    "C03": Evidence(
        "eligibility.ipynb", "the-countries-the-article-names", "Eligibility: the countries named"
    ),
    "C04": Evidence(
        "classmates.ipynb",
        "shared-classes-year-by-year",
        "Classmates: shared classes, year by year",
    ),
    "C05": Evidence(
        "claims.ipynb",
        "nationalities-in-a-war-college-class",
        "Claims: nationalities in a war-college class",
    ),
    "C10": Evidence("budget.ipynb", "turkeys-global-rank", "Budget: Turkey's global rank"),
    "C11": Evidence(
        "budget.ipynb",
        "indias-yearly-imet-against-the-articles-figure",
        "Budget: India's yearly IMET",
    ),
    "C13": Evidence(
        "budget.ipynb",
        "the-imet-request-for-south-and-central-asia",
        "Budget: the request for South and Central Asia",
    ),
    "C14": Evidence(
        "budget.ipynb",
        "the-imet-request-for-south-and-central-asia",
        "Budget: the request for South and Central Asia",
    ),
    "C16": Evidence(
        "pakistan.ipynb",
        "periods-in-which-imet-was-restricted",
        "Pakistan: periods in which IMET was restricted",
    ),
    "C19": Evidence(
        "pakistan.ipynb",
        "periods-in-which-imet-was-restricted",
        "Pakistan: periods in which IMET was restricted",
    ),
}


# --- all claims -------------------------------------------------------------------------------

# The claims the tables decide; compute_all returns one finding for each, in this order.
COMPUTED_CLAIMS: tuple[str, ...] = (
    "C02",
    "C03",
    "C04",
    "C05",
    "C10",
    "C11",
    "C13",
    "C14",
    "C16",
    "C19",
)


def compute_all(
    claims: pd.DataFrame,
    training: pd.DataFrame,
    funding: pd.DataFrame,
    events: pd.DataFrame,
    threshold_usd: float | None = None,
    since_fy: int | None = None,
) -> list[Finding]:
    """Every computed verdict, in claim order (see the module doc for which claims).

    Tertiary sources are never used: the funding rows of an encyclopedia page are dropped."""
    money = {f.claim_id: f for f in money_findings(claims, funding, threshold_usd, since_fy)}
    funding = budget.evidence_rows(funding)
    calls: dict[str, Callable[[], Finding]] = {
        "C02": lambda: war_colleges(claims, training),
        "C03": lambda: countries_take_part(claims, training, funding),
        "C04": lambda: rivals_share_classes(claims, training),
        "C05": lambda: war_college_nationalities(claims, training, funding),
        **{cid: (lambda f=f: f) for cid, f in money.items()},
        "C16": lambda: suspension_month(claims, events),
        "C19": lambda: resumption_delay(claims, events),
    }
    if tuple(sorted(calls)) != COMPUTED_CLAIMS:  # one list, so links and counts cannot drift
        raise DataError("claims: compute_all and COMPUTED_CLAIMS name different claims")
    return [calls[cid]() for cid in COMPUTED_CLAIMS]


TABLE_COLUMNS: tuple[str, ...] = (
    "claim_id",
    "claim",
    "verdict",
    "basis",
    "why",
    "sourced_verdict",
    "differs",
    "evidence_found",
    "source_title",
    "source_url",
    "evidence_target",
    "evidence_label",
)


def verdict_table(claims: pd.DataFrame, findings: Sequence[Finding]) -> pd.DataFrame:
    """Every claim with one verdict: computed where a finding exists, else the sourced one.

    ``why`` is the computed reason or the sourced evidence; ``sourced_verdict`` and
    ``evidence_found`` always keep the claims table's own, and ``differs`` is True where a
    computed verdict differs from it. Sorted by claim id.
    """
    schema.validate(claims, schema.CLAIMS)
    by_id = {f.claim_id: f for f in findings}
    unknown = sorted(set(by_id) - set(claims["claim_id"]))
    if unknown:
        raise DataError(f"claims: findings for unknown claim(s) {', '.join(unknown)}")
    rows = []
    for rec in claims.sort_values("claim_id").itertuples():
        found = by_id.get(rec.claim_id)
        link = EVIDENCE.get(rec.claim_id) if found else None
        rows.append(
            {
                "claim_id": rec.claim_id,
                "claim": rec.claim,
                "verdict": found.verdict if found else rec.verdict,
                "basis": COMPUTED if found else SOURCED,
                "why": found.reason if found else rec.evidence_found,
                "sourced_verdict": rec.verdict,
                "differs": bool(found and found.verdict != rec.verdict),
                "evidence_found": rec.evidence_found,
                "source_title": rec.source_title,
                "source_url": rec.source_url,
                "evidence_target": link.target if link else None,
                "evidence_label": link.label if link else None,
            }
        )
    out = pd.DataFrame(rows, columns=list(TABLE_COLUMNS))
    for col in TABLE_COLUMNS:
        if col != "differs":
            out[col] = out[col].astype("str")
    return out


# The money claims the budget chapter shows, each with the verdict computed here.
MONEY_CLAIMS: tuple[str, ...] = ("C10", "C11", "C13", "C14")
MONEY_COLUMNS = ["claim", "the article says", "verdict", "why", "claims table verdict"]


def money_findings(
    claims: pd.DataFrame,
    funding: pd.DataFrame,
    threshold_usd: float | None = None,
    since_fy: int | None = None,
) -> list[Finding]:
    """The findings of :data:`MONEY_CLAIMS`, by the same functions :func:`compute_all` calls
    (tertiary sources dropped, as there)."""
    funding = budget.evidence_rows(funding)
    return [
        global_rank(claims, funding),
        yearly_amount(claims, funding, threshold_usd, since_fy),
        request_amount(claims, funding),
        priority_countries(claims, funding),
    ]


def money_claims(claims: pd.DataFrame, findings: Sequence[Finding]) -> pd.DataFrame:
    """The budget chapter's claims (:data:`MONEY_CLAIMS`) with their computed verdict and
    reason (``findings``: :func:`money_findings` or :func:`compute_all`, the same results), and
    the claims table's own verdict beside it."""
    table = verdict_table(claims, [f for f in findings if f.claim_id in MONEY_CLAIMS])
    table = table[table["claim_id"].isin(MONEY_CLAIMS)]
    return pd.DataFrame(
        {
            "claim": table["claim_id"].to_numpy(),
            "the article says": table["claim"].to_numpy(),
            "verdict": table["verdict"].to_numpy(),
            "why": table["why"].to_numpy(),
            "claims table verdict": table["sourced_verdict"].to_numpy(),
        }
    )


def verdict_counts(table: pd.DataFrame) -> pd.DataFrame:
    """Claims per verdict (scale order), computed and sourced, and in all."""
    rows = []
    for verdict in VERDICTS:
        mine = table[table["verdict"] == verdict]
        computed = int((mine["basis"] == COMPUTED).sum())
        rows.append(
            {
                "verdict": verdict,
                "computed": computed,
                "sourced": len(mine) - computed,
                "total": len(mine),
            }
        )
    return pd.DataFrame(rows, columns=["verdict", "computed", "sourced", "total"])


def differences(table: pd.DataFrame) -> pd.DataFrame:
    """The computed verdicts that differ from the claims table's, both verdicts and reasons."""
    diff = table[table["differs"]]
    return pd.DataFrame(
        {
            "claim": diff["claim_id"].to_numpy(),
            "computed verdict": diff["verdict"].to_numpy(),
            "from the records": diff["why"].to_numpy(),
            "claims table verdict": diff["sourced_verdict"].to_numpy(),
            "claims table evidence": diff["evidence_found"].to_numpy(),
        }
    )
