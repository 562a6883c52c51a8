"""Which countries get a page, and the parts of a page that do not need IMET course records.

A country gets a page when it has a training record in the Foreign Military Training reports
or an IMET money figure of its own in any funding source (scope ``country``; the training
value is computed from the records, so it adds no country). The second kind are mostly NATO
members: 22 U.S.C. 2416(a)(2) leaves them out of the reports, so their pages rest on the money
alone (Turkey among them).

Everything here is a small function of the tidy tables: the page list, every program in the
records (IMET first), the country's global rank per money measure, and the law that keeps a
country out of the reports, with its citation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from imetbook.analysis import budget, eligibility
from imetbook.vocab import fy_runs, measure_sorted

# The statute, as read in the US Code (title 22, sec. 2416, subsec. (a), par. (2), "Exception
# for certain countries"): the annual training report "does not apply to any NATO member,
# Australia, Japan, or New Zealand" unless a committee asks for the country in writing.
STATUTE = "22 U.S.C. 2416(a)(2)"
STATUTE_LOCATOR = 'sec. 2416, subsec. (a), par. (2), "Exception for certain countries"'
STATUTE_URL = (
    "https://github.com/codexstanford/markdonw-chunck-of-the-usa-code/blob/"
    "66d0b20a5e0521c0ffa33fe40368e4148bff046b/chuncks/title-22/chunck-2684.md"
)

PAGE_COLUMNS = ["iso3", "country_name", "basis"]
WITH_RECORDS, MONEY_ONLY = "training records", "IMET money only"
PROGRAM_COLUMNS = [
    "program",
    "IMET",
    "records",
    "students",
    "course costs (US$)",
    "fiscal years",
]
RANK_COLUMNS = ["measure", "ranked", "best", "latest", "without"]


# --- which countries get a page -----------------------------------------------------------------


def _money_countries(funding: pd.DataFrame) -> pd.DataFrame:
    own = funding["scope"].eq("country") & funding["iso3"].notna()
    own &= ~funding["measure"].eq("training_value")
    return funding.loc[own, ["iso3", "country_name"]].drop_duplicates("iso3")


def countries_with_pages(training: pd.DataFrame, funding: pd.DataFrame) -> pd.DataFrame:
    """``iso3, country_name, basis`` of every country with a page, sorted by code: those with
    training records, then those with IMET money of their own in a funding source only."""
    with_records = training.loc[training["iso3"].notna(), ["iso3", "country_name"]]
    with_records = with_records.drop_duplicates("iso3").assign(basis=WITH_RECORDS)
    money = _money_countries(funding)
    money = money[~money["iso3"].isin(set(with_records["iso3"]))].assign(basis=MONEY_ONLY)
    out = pd.concat([with_records, money], ignore_index=True)
    return out.sort_values("iso3", ignore_index=True)[PAGE_COLUMNS]


def page_iso3(pages: pd.DataFrame, country: str) -> str | None:
    """The code of ``country`` (a canonical name) in :func:`countries_with_pages`, or None."""
    hit = pages.loc[pages["country_name"].eq(country), "iso3"]
    return None if hit.empty else str(hit.iloc[0])


# --- every program, IMET first -----------------------------------------------------------------


def programs_table(training: pd.DataFrame, iso3: str) -> pd.DataFrame:
    """The country's actual training records per program, IMET programs first, then by records.

    Sums skip records without a printed number (a program whose records print none shows a
    gap, not a zero)."""
    mine = training[training["iso3"].eq(iso3) & training["status"].eq("actual")]
    if mine.empty:
        return pd.DataFrame(columns=PROGRAM_COLUMNS)
    grouped = mine.groupby("program", sort=True)
    out = pd.DataFrame(
        {
            "IMET": grouped["is_imet"].agg(lambda s: bool(s.astype(bool).any())),
            "records": grouped.size().astype("int64"),
            "students": grouped["students"].sum(min_count=1).astype("Int64"),
            "course costs (US$)": grouped["cost_usd"].sum(min_count=1),
            "fiscal years": grouped["fiscal_year"].agg(fy_runs),
        }
    ).reset_index()
    out = out.sort_values(["IMET", "records", "program"], ascending=[False, False, True])
    out["IMET"] = out["IMET"].map({True: "yes", False: "no"})
    return out[PROGRAM_COLUMNS].reset_index(drop=True)


def course_rows(training: pd.DataFrame, iso3: str) -> tuple[pd.DataFrame, bool]:
    """The rows a page's courses and places are read from, and whether they are IMET: the
    country's IMET records, or, for a country with none (Israel), its records under every
    program, so the page still shows where its officers trained."""
    actual = training["iso3"].eq(iso3) & training["status"].eq("actual")
    imet = actual & training["is_imet"].astype(bool)
    if imet.any() or not actual.any():
        return training[imet], True
    return training[actual], False


def money_measures(funding: pd.DataFrame, iso3: str) -> tuple[list[int], list[str]]:
    """For a page without training records: the fiscal years and the measures (in the book's
    order) of the country's own IMET money in the budget sources (empty if none)."""
    mine = budget.evidence_rows(funding)
    mine = mine[
        mine["iso3"].eq(iso3) & mine["scope"].eq("country") & ~mine["measure"].eq("training_value")
    ]
    years = sorted(int(y) for y in mine["fiscal_year"].unique())
    return years, measure_sorted(list(set(mine["measure"])))


# --- the country's rank among all countries, per measure ------------------------------------


def all_ranks(funding: pd.DataFrame) -> pd.DataFrame:
    """Every country's global rank per money measure and fiscal year
    (:func:`imetbook.analysis.budget.global_ranks`), tertiary sources and the training value
    (which is not money) left out: computed once for all the pages."""
    usable = budget.evidence_rows(funding)
    return budget.global_ranks(usable[~usable["measure"].eq("training_value")])


def rank_table(funding: pd.DataFrame, iso3: str, ranks: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per money measure with a figure for the country: the years it is ranked among all
    countries, its best and latest rank (``rank``, ``n_ranked``, ``fiscal_year``), and the years
    of its span it has no figure, as :func:`imetbook.analysis.budget.country_rank` ranks them.

    ``funding`` needs only the country's rows when ``ranks`` (:func:`all_ranks` of the full
    table) is given. Ranks and years are values here; the page words them."""
    usable = budget.evidence_rows(funding)
    mine = usable[usable["iso3"].eq(iso3) & ~usable["measure"].eq("training_value")]
    if mine.empty:
        return pd.DataFrame(columns=RANK_COLUMNS)
    ranks = all_ranks(funding) if ranks is None else ranks
    first, last = int(mine["fiscal_year"].min()), int(mine["fiscal_year"].max())
    span = ranks[ranks["fiscal_year"].between(first, last)]
    rows = []
    for measure in [m for m in budget.CHAIN if m in set(mine["measure"])]:
        of = span[span["measure"].eq(measure)]
        counts = of.groupby("fiscal_year").size()
        own = of[of["iso3"].eq(iso3)].sort_values("fiscal_year")
        best = own.sort_values(["rank", "fiscal_year"], kind="stable")
        rows.append(
            {
                "measure": measure,
                "ranked": [int(y) for y in own["fiscal_year"]],
                "best": _rank(best.iloc[0], counts) if len(best) else None,
                "latest": _rank(own.iloc[-1], counts) if len(own) else None,
                "without": sorted(set(range(first, last + 1)) - set(own["fiscal_year"])),
            }
        )
    return pd.DataFrame(rows, columns=RANK_COLUMNS)


def _rank(row: pd.Series, counts: pd.Series) -> tuple[int, int, int]:
    """``(rank, countries ranked, fiscal year)``."""
    year = int(row["fiscal_year"])
    return int(row["rank"]), int(counts[year]), year


# --- the law that keeps a country out of the reports ----------------------------------------


@dataclass(frozen=True)
class Exemption:
    """Why 22 U.S.C. 2416(a)(2) leaves a country out of the training reports, if it does."""

    why: str  # "NATO member since 1952-02-18" or "named in the statute"
    since: str | None  # the NATO accession date, None for a country named


def exemption(
    iso3: str,
    accessions: Mapping[str, str],
    by_name: Sequence[str] = eligibility.EXEMPT_BY_NAME,
) -> Exemption | None:
    """The country's exemption from the training reports, or None.

    ``accessions``: NATO members and accession dates (``eligibility.accession_dates`` of the
    ``nato_accessions`` table)."""
    if iso3 in accessions:
        return Exemption(f"NATO member since {accessions[iso3]}", accessions[iso3])
    if iso3 in by_name:
        return Exemption("named in the statute", None)
    return None
