"""The budget chapter (``chapters/budget.ipynb``): its parameters, the values it glues, the
sentences that vary with its parameters, and its table views.

The money claims' verdicts (C10, C11, C13, C14) are not judged here: they come from
:func:`imetbook.analysis.claims.money_findings`, the functions the claims chapter uses, so
the two chapters (and the introduction) show one verdict per claim.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd
from IPython.display import Markdown, display
from matplotlib.figure import Figure

from imetbook import vocab
from imetbook.analysis import budget, budget_tables
from imetbook.analysis import claims as cl
from imetbook.chapters import params, tables
from imetbook.data import datasets
from imetbook.figures import budget as charts
from imetbook.figures import plots
from imetbook.vocab import fy, fy_span, measure_label, usd, usd_short

GAP = "\u2014"  # shown where there is no figure
CHAIN_COUNTRIES: tuple[str, ...] = ("India", "Pakistan")
# The article's money claims, as the chapter's sections follow them.
INDIA, TURKEY, REQUEST, PRIORITY = "C11", "C10", "C13", "C14"


def _optional_countries(value: object) -> list[str] | None:
    """``None`` (every member of the region) or a list of country names."""
    return None if value is None else params.Countries()(value)


PARAMS = params.Spec(
    params.Ordered("fy_start", "fy_end"),
    region=params.Param(
        params.Region(params.data_values("funding", "region")),
        "Region whose IMET money the chapter follows (a region of the funding table)",
        default="South and Central Asia",
    ),
    countries=params.Param(
        _optional_countries,
        'Members to show, e.g. ["India", "Nepal"]; None: every member',
        default=None,
    ),
    fy_start=params.Param(
        params.FiscalYear(params.data_years("funding")), "First US fiscal year shown", default=1999
    ),
    fy_end=params.Param(
        params.FiscalYear(params.data_years("funding")), "Last US fiscal year shown", default=2022
    ),
    measure=params.Param(
        params.Choice(budget.CHAIN),
        "Measure of the country shares (see vocab.MEASURE_DOCS)",
        default="obligation",
    ),
)
"""The chapter's parameters, each with its default (the notebook's ``parameters`` cell holds
the same values: tests/test_params.py checks every chapter)."""


def _cell(value: float, fmt=None) -> str:
    return GAP if pd.isna(value) else (fmt or usd)(value)


def format_totals(totals: pd.DataFrame) -> pd.DataFrame:
    """:func:`regional_totals` as display strings (nominal dollars; gaps as a dash)."""
    return pd.DataFrame(
        {
            "FY": totals["fiscal_year"].astype(int).astype(str),
            "measure": [measure_label(m) for m in totals["measure"]],
            "region row": [_cell(v) for v in totals["region_row_usd"]],
            "sum of members": [_cell(v) for v in totals["country_sum_usd"]],
            "members with a figure": [
                f"{n} of {m}"
                for n, m in zip(totals["countries_reported"], totals["members"], strict=True)
            ],
            "sum minus row": [_cell(v) for v in totals["difference_usd"]],
            "left out (sources disagree)": totals["conflicts"].fillna("").astype(str),
        }
    )


def share_grid(shares: pd.DataFrame, column: str = "share_of_country_sum") -> pd.DataFrame:
    """Fiscal years down, countries across, shares as percentages; no figure is a dash."""
    wide = shares.pivot(index="fiscal_year", columns="country_name", values=column)
    wide = wide.reindex(columns=sorted(wide.columns))
    out = wide.apply(lambda col: [_cell(v, lambda x: f"{x:.1%}") for v in col])
    out.index = out.index.astype(str)
    out.index.name = "FY"
    out.columns.name = None
    return out.reset_index()


def chain_display(wide: pd.DataFrame, doubtful: pd.DataFrame | None = None) -> pd.DataFrame:
    """:func:`chain_wide` as display strings, measures under their labels, gaps as a dash; a
    figure listed in ``doubtful`` (:func:`doubtful_values`) reads "(doubtful)" after it."""
    marked = set()
    if doubtful is not None:
        marked = set(zip(doubtful["measure"], doubtful["fiscal_year"].astype(int), strict=True))
    out = pd.DataFrame({"FY": wide["fiscal_year"].astype(int).astype(str)})
    years = wide["fiscal_year"].astype(int).tolist()
    for measure in [c for c in wide.columns if c != "fiscal_year"]:
        out[measure_label(measure)] = [
            _cell(v) + (" (doubtful)" if (measure, fy) in marked and pd.notna(v) else "")
            for v, fy in zip(wide[measure], years, strict=True)
        ]
    return out


def threshold_grid(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`yearly_vs_threshold` as fiscal years down, measures across: amount and status."""
    cells = [
        GAP + " missing" if status == "missing" else f"{_cell(amount)} {status}"
        for amount, status in zip(table["amount_usd"], table["status"], strict=True)
    ]
    long = table.assign(cell=cells, measure_label=[measure_label(m) for m in table["measure"]])
    wide = long.pivot(index="fiscal_year", columns="measure_label", values="cell")
    order = [measure_label(m) for m in budget.CHAIN if m in set(table["measure"])]
    wide = wide[order]
    wide.index = wide.index.astype(str)
    wide.index.name = "FY"
    wide.columns.name = None
    return wide.reset_index()


def _rank_cell(rank: object, n: int, status: str, tied_with: object) -> str:
    if status == "ranked":
        return f"{rank} of {n}"
    if status == "tied":
        return f"{rank} of {n} (tied with {tied_with})"
    if status == "no figure for this country":
        return f"no figure ({n} {'country' if n == 1 else 'countries'} ranked)"
    return GAP if status == "no country figures this year" else status


def rank_grid(ranks: pd.DataFrame) -> pd.DataFrame:
    """:func:`country_rank` as fiscal years down, measures across ("3 of 126")."""
    cells = [
        _rank_cell(r, n, s, t)
        for r, n, s, t in zip(
            ranks["rank"], ranks["n_ranked"], ranks["status"], ranks["tied_with"], strict=True
        )
    ]
    long = ranks.assign(cell=cells, measure_label=[measure_label(m) for m in ranks["measure"]])
    wide = long.pivot(index="fiscal_year", columns="measure_label", values="cell")
    wide = wide[[measure_label(m) for m in budget.CHAIN if m in set(ranks["measure"])]]
    wide.index = wide.index.astype(str)
    wide.index.name = "FY"
    wide.columns.name = None
    return wide.reset_index()


def format_threshold_summary(summary: pd.DataFrame) -> pd.DataFrame:
    """:func:`threshold_summary` for display: per measure, "count: fiscal years" per status.

    The "sources disagree" column is shown only when some measure has such a year.
    """
    out = pd.DataFrame({"measure": [measure_label(m) for m in summary["measure"]]})
    for status in budget.STATUSES:
        key = status.replace(" ", "_")
        if status == "sources disagree" and not (summary[f"n_{key}"] > 0).any():
            continue
        heading = "no figure" if status == "missing" else status
        out[heading] = [
            f"{n}: {years}" if n else "0"
            for n, years in zip(summary[f"n_{key}"], summary[f"years_{key}"], strict=True)
        ]
    return out


def member_grid(
    funding: pd.DataFrame, region: str, measure: str, years: Iterable[int]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Members' figures for ``measure`` in ``years``: countries down, fiscal years across.

    Returns the display grid (amounts as text, a dash for no figure; members without any figure
    in those years are left out) and the funding rows behind it (for :func:`sources_table`).
    """
    budget.label(measure)  # checks the measure
    wanted = sorted({int(y) for y in years})
    members = budget.region_members(funding, region)
    rows = funding[
        funding["measure"].eq(measure)
        & funding["scope"].eq("country")
        & funding["iso3"].notna()
        & funding["country_name"].isin(members)
        & funding["fiscal_year"].isin(wanted)
    ]
    figs = budget.consolidate(rows)
    grid = figs.pivot(index="country_name", columns="fiscal_year", values="amount_usd")
    grid = grid.reindex(columns=wanted).sort_index()
    out = pd.DataFrame({"country": grid.index.astype(str)})
    for year in wanted:
        out[f"FY{year}"] = [_cell(v) for v in grid[year]]
    return out.reset_index(drop=True), rows


def _show(df: pd.DataFrame, table_id: str) -> tables.Table:
    return tables.show(df, table_id, na_rep=GAP)


def draw(fig: Figure | None, empty: str) -> None:
    """Show a chart of :mod:`imetbook.figures.budget`, or say in one line why there is none."""
    if fig is None:
        print(empty)
    else:
        plots.show(fig)


@dataclass(frozen=True)
class Chapter:
    """The chapter's parameters and the tables its sections show."""

    region: str
    measure: str
    years: list[int]
    listed: pd.DataFrame  # every funding row, for the source lists
    funding: pd.DataFrame  # no tertiary source: charts, sums, ranks and verdicts
    claims: pd.DataFrame
    members: list[str]
    shown: list[str]
    totals: pd.DataFrame
    findings: dict[str, cl.Finding]

    @property
    def span(self) -> str:
        return fy_span(self.years[0], self.years[-1])


def compute(
    region: str,
    countries: Sequence[str] | None,
    fy_start: int,
    fy_end: int,
    measure: str,
) -> Chapter:
    """Load the tables, check the region and countries, compute the region's totals and the
    money claims' findings (once, by :mod:`imetbook.analysis.claims`)."""
    vocab.check_order(fy_start, fy_end)
    listed = datasets.load("funding")
    funding = budget.evidence_rows(listed)
    claims = datasets.load("claims")
    findings = {f.claim_id: f for f in cl.money_findings(claims, listed)}
    return Chapter(
        region=region,
        measure=measure,
        years=list(range(fy_start, fy_end + 1)),
        listed=listed,
        funding=funding,
        claims=claims,
        members=budget.region_members(funding, region),
        shown=budget.check_countries(funding, region, countries),
        totals=budget.regional_totals(funding, region, fy_start, fy_end),
        findings=findings,
    )


def members_line(ch: Chapter) -> str:
    return f"{ch.region}: {len(ch.members)} members in the funding table: {', '.join(ch.members)}"


# --- the sections' tables --------------------------------------------------------------------


def measures_view(ch: Chapter) -> tables.Table:
    return _show(budget_tables.measure_table(sorted(set(ch.funding["measure"]))), "budget-measures")


def coverage_view(ch: Chapter) -> tables.Table:
    cov = budget.coverage(ch.totals, ch.years[0], ch.years[-1])
    cov["measure"] = [measure_label(m) for m in cov["measure"]]
    cov.columns = [
        "measure",
        "FYs with a region row",
        "FYs with member figures",
        "FYs with neither",
    ]
    return _show(cov, "budget-coverage")


def totals_view(ch: Chapter) -> tables.Table:
    return _show(format_totals(ch.totals), "budget-totals")


def shares(ch: Chapter) -> pd.DataFrame:
    return budget.country_shares(
        ch.funding, ch.region, ch.measure, ch.years[0], ch.years[-1], countries_shown=ch.shown
    )


@dataclass(frozen=True)
class CountryChain:
    country: str
    chain: pd.DataFrame
    doubtful: pd.DataFrame
    table: tables.Table | None
    sources: tables.Table


def country_chains(ch: Chapter, names: Iterable[str] = CHAIN_COUNTRIES) -> list[CountryChain]:
    """Per country: its chain from request to delivery, doubtful values, table and sources."""
    first, last = ch.years[0], ch.years[-1]
    out = []
    for country in names:
        chain = budget.measure_chain(ch.funding, country, first, last)
        doubtful = budget_tables.doubtful_values(ch.funding, country, first, last)
        table = None
        if len(chain):
            shown = chain_display(budget.chain_wide(chain, first, last), doubtful)
            table = _show(shown, f"budget-chain-{country}")
        rows = budget.country_rows(ch.funding, country, first, last)
        sources = _show(
            budget_tables.sources_table(rows).assign(country=country),
            f"budget-chain-sources-{country}",
        )
        out.append(CountryChain(country, chain, doubtful, table, sources))
    return out


def claim_view(ch: Chapter, claim_ids: Sequence[str], table_id: str) -> tables.Table:
    """The verdicts of ``claim_ids``, the claims chapter's, beside the claims table's own."""
    table = cl.money_claims(ch.claims, list(ch.findings.values()))
    return _show(table[table["claim"].isin(list(claim_ids))], table_id)


# --- India's yearly money --------------------------------------------------------------------


def india(ch: Chapter) -> tuple[pd.DataFrame, float]:
    """C11's country against C11's amount, every year from the claim's year to its last figure
    (the amount and year are read by the claim's function: see its facts)."""
    words = cl.claim_text(ch.claims, INDIA)
    country = cl.countries_named(words)[0]
    threshold = cl.dollar_amount(words)
    code = budget.country_code(country)
    last = int(ch.funding.loc[ch.funding["iso3"] == code, "fiscal_year"].max())
    since = cl.since_year(words)
    return budget.yearly_vs_threshold(ch.funding, country, threshold, since, last), threshold


def india_views(table: pd.DataFrame) -> list[tables.Table]:
    summary = format_threshold_summary(budget.threshold_summary(table))
    return [
        _show(summary, "budget-india-summary"),
        _show(threshold_grid(table), "budget-india-years"),
    ]


# --- Turkey's rank ---------------------------------------------------------------------------


def turkey(ch: Chapter) -> tuple[pd.DataFrame, int]:
    words = cl.claim_text(ch.claims, TURKEY)
    country = cl.countries_named(words)[0]
    ranks = budget.country_rank(ch.funding, country, ch.years[0], ch.years[-1])
    return ranks, cl.ordinal_rank(words)


def turkey_views(ranks: pd.DataFrame, target: int) -> list[tables.Table]:
    summary = budget_tables.rank_summary(ranks, target)
    summary["measure"] = [measure_label(m) for m in summary["measure"]]
    summary.columns = [
        "measure",
        "FYs ranked",
        f"FYs at rank {target}",
        "best rank",
        "last FY ranked",
        "rank then",
        "countries ranked then",
    ]
    return [_show(summary, "budget-turkey-summary"), _show(rank_grid(ranks), "budget-turkey-ranks")]


def rank_sentence(ranks: pd.DataFrame, measure: str, target: int) -> str:
    """One plain clause for a measure of :func:`country_rank`, for glued prose.

    E.g. "rank 3 in FY2013–FY2016; last ranked in FY2020: 61 of 122".
    """
    summary = budget_tables.rank_summary(ranks[ranks["measure"] == measure], target)
    if summary.empty or pd.isna(summary.loc[0, "last_year"]):
        return "not ranked in any year"
    rec = summary.iloc[0]
    hit = rec["years_at_target"]
    first = f"rank {target} in {hit}" if hit != "none" else f"never rank {target}"
    last = f"last ranked in FY{rec['last_year']}: {rec['last_rank']} of {rec['last_n_ranked']}"
    return f"{first}; {last}"


# --- the regional request --------------------------------------------------------------------


def request_views(ch: Chapter) -> list[tables.Table | Markdown]:
    """The region's requests (with the years that match the claim's amount, as C13's function
    matched them), its members' requests in those years, and their sources."""
    region, _asked, rows = cl.request_matches(ch.claims, ch.funding)
    requests = budget.regional_totals(ch.funding, region, measures=["request"])
    matching = set(rows.loc[rows["matches"], "fiscal_year"])
    table = format_totals(requests).assign(
        **{
            "matches the article": [
                "yes" if y in matching else "" for y in requests["fiscal_year"]
            ],
            "region row source": requests["region_row_source"].fillna("").to_numpy(),
        }
    )
    columns = ["FY", "region row", "matches the article", "sum of members"]
    columns += ["members with a figure", "region row source"]
    grid, behind = member_grid(ch.funding, region, "request", rows["fiscal_year"])
    return [
        _show(table[columns], "budget-requests"),
        Markdown("Members' requests in the years with a region row (a dash: none reported):"),
        _show(grid, "budget-member-requests"),
        _show(budget_tables.sources_table(behind), "budget-member-request-sources"),
    ]


def sources_view(ch: Chapter) -> tables.Table:
    names = [*ch.members, ch.region, *CHAIN_COUNTRIES, "Turkey"]
    used = ch.listed[
        ch.listed["country_name"].isin(names)
        & ch.listed["fiscal_year"].between(ch.years[0], ch.years[-1])
    ]
    return _show(budget_tables.sources_table(used), "budget-sources")


# --- glued values ----------------------------------------------------------------------------


def obligation_sentence(ch: Chapter) -> str:
    """The answer's first sentence: the region's Greenbook obligations, peak and last year."""
    obl = ch.totals[(ch.totals["measure"] == "obligation") & ch.totals["country_sum_usd"].notna()]
    if obl.empty:
        return f"No member of {ch.region} has Greenbook obligations in {ch.span}."
    peak = obl.sort_values(["country_sum_usd", "fiscal_year"], ascending=[False, True]).iloc[0]
    last = obl.sort_values("fiscal_year").iloc[-1]
    return (
        f"Summed over its {len(ch.members)} member countries, the IMET obligations of "
        f"{ch.region} recorded by the USAID Greenbook were highest in {fy(peak['fiscal_year'])} "
        f"({usd_short(peak['country_sum_usd'])}) and stood at "
        f"{usd_short(last['country_sum_usd'])} in {fy(last['fiscal_year'])} "
        f"({last['countries_reported']} of {last['members']} members with a figure), the last "
        f"year with obligations in {ch.span}."
    )


def glue_values(ch: Chapter) -> dict[str, str]:
    """Every value the chapter glues. Verdicts and the years that match are the findings' own."""
    out = {
        "region_name": ch.region,
        "n_members": f"{len(ch.members)}",
        "fy_span": ch.span,
        "share_measure": measure_label(ch.measure),
        "obl_sentence": obligation_sentence(ch),
    }
    for claim_id, finding in ch.findings.items():
        out[f"verdict_{claim_id}"] = finding.verdict
    india_table, threshold = india(ch)
    out["claim_india"] = cl.claim_text(ch.claims, INDIA)
    out["india_threshold"] = usd_short(threshold)
    out["india_since"] = fy(india_table["fiscal_year"].min())
    for m in ("request", "actual", "obligation", "training_value"):
        out[f"india_{m}"] = budget_tables.threshold_sentence(india_table, m)
        out[f"india_{m}_brief"] = budget_tables.threshold_sentence(india_table, m, brief=True)
    ranks, target = turkey(ch)
    out["claim_turkey"] = cl.claim_text(ch.claims, TURKEY)
    out["turkey_ordinal"] = f"rank {target}"
    out["turkey_window"] = fy_span(*cl.NEAR_ARTICLE)
    for m in ("request", "actual", "obligation"):
        out[f"turkey_{m}"] = rank_sentence(ranks, m, target)
    request = ch.findings[REQUEST]
    _region, _asked, rows = cl.request_matches(ch.claims, ch.funding)
    others = rows[~rows["matches"]]
    out["claim_request"] = cl.claim_text(ch.claims, REQUEST)
    out["req_verdict"] = request.verdict
    out["req_claim_value"] = request.facts["amount"]
    out["req_match_years"] = request.facts["years_match"]
    out["req_others"] = (
        "; ".join(
            f"{fy(y)}: {usd_short(v)}"
            for y, v in zip(others["fiscal_year"], others["region_row_usd"], strict=True)
        )
        or "none"
    )
    return out


# --- what each section shows (charts, then tables) ---------------------------------------------


def show_region(ch: Chapter) -> None:
    fig = charts.region_totals(ch.totals, ch.region, ch.years)
    empty = f"No region rows and no obligations or training values for {ch.region} in {ch.span}."
    draw(fig, empty)


def show_shares(ch: Chapter) -> None:
    found = shares(ch)
    label = measure_label(ch.measure)
    draw(
        charts.member_shares(found, ch.region, ch.measure, ch.years),
        f"No {label} figures for members of {ch.region} in {ch.span}.",
    )
    if not found.empty:
        display(_show(share_grid(found), "budget-shares"))


def show_chains(ch: Chapter) -> list[CountryChain]:
    """Each chain country's chart and table (its sources are shown apart: returned)."""
    chains = country_chains(ch)
    for c in chains:
        if c.table is None:
            print(f"{c.country}: no IMET figures in {ch.span}.")
            continue
        plots.show(charts.country_chain(c.chain, c.country, ch.years, c.doubtful))
        display(c.table)
    return chains


def show_india(ch: Chapter) -> None:
    table, threshold = india(ch)
    plots.show(charts.against_amount(table, threshold))
    for view in india_views(table):
        display(view)


def show_turkey(ch: Chapter) -> None:
    ranks, target = turkey(ch)
    country = str(ranks["country_name"].iloc[0])
    draw(
        charts.global_rank(ranks, target, ch.years),
        f"{country} has no ranked figure in {ch.span}.",
    )
    for view in turkey_views(ranks, target):
        display(view)
