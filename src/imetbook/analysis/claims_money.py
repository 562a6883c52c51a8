"""Claims the funding table decides: Turkey's global rank (C10), India's yearly money (C11),
the region's request (C13) and the priority countries (C14).

Each claim has one function that returns its :class:`~imetbook.analysis.verdicts.Finding`; it
reuses the budget analysis (:mod:`.budget`: ranks, yearly checks, regional totals). The
budget chapter, the claims chapter and the introduction all show these findings: nothing
judges these claims a second time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

from imetbook.analysis import budget, budget_tables, eligibility
from imetbook.analysis import claim_words as words
from imetbook.analysis.verdicts import (
    CONTRADICTED,
    PARTLY,
    SUPPORTED,
    UNVERIFIED,
    Finding,
    figures_table,
)
from imetbook.data import countries
from imetbook.errors import DataError, ParameterError
from imetbook.vocab import and_join, fy_runs, fy_span, measure_label, plural, usd, usd_short

# --- C10: a country's global rank -----------------------------------------------------------


def funding_span(funding: pd.DataFrame) -> tuple[int, int]:
    """First and last fiscal year of any figure in the funding table."""
    years = funding["fiscal_year"].dropna()
    if years.empty:
        raise DataError("funding: no fiscal years")
    return int(years.min()), int(years.max())


def rank_verdicts(ranks: pd.DataFrame, target: int) -> pd.DataFrame:
    """Per measure and fiscal year of a :func:`.budget.country_rank` table, the claim's verdict
    for that year: supported at rank ``target``, contradicted at any other rank, unverified
    without a rank (no figure, or sources disagree)."""
    out = ranks[["measure", "fiscal_year", "rank", "n_ranked", "status"]].copy()
    verdict = pd.Series(UNVERIFIED, index=out.index, dtype="str")
    ranked = out["rank"].notna()
    verdict[ranked] = CONTRADICTED
    verdict[ranked & (out["rank"] == target)] = SUPPORTED
    out["verdict"] = verdict
    return out.reset_index(drop=True)


def rank_verdict(summary: pd.DataFrame, target: int) -> str:
    """Overall verdict from :func:`.budget_tables.rank_summary`: supported when every
    measure's latest rank is ``target``; partly when some year of some measure is; contradicted
    when none is; unverified when no year is ranked."""
    ranked = summary[summary["last_rank"].notna()]
    if ranked.empty:
        return UNVERIFIED
    if (ranked["last_rank"] == target).all():
        return SUPPORTED
    return PARTLY if (ranked["years_at_target"] != "none").any() else CONTRADICTED


def _years_at(ranks: pd.DataFrame, target: int) -> dict[str, list[int]]:
    """Per measure of a :func:`.budget.country_rank` table, the fiscal years at rank ``target``."""
    hit = ranks[ranks["rank"].notna() & (ranks["rank"] == target)]
    return {
        str(m): sorted(int(y) for y in grp["fiscal_year"])
        for m, grp in hit.groupby("measure", sort=False)
    }


def last_run(years: Iterable[int]) -> str:
    """The last run of consecutive years, as "FY2013\u2013FY2016" (or "FY2001")."""
    ys = sorted({int(y) for y in years})
    if not ys:
        return "none"
    start = ys[-1]
    while start - 1 in ys:
        start -= 1
    return fy_runs(range(start, ys[-1] + 1))


def _latest_rank(rec: pd.Series) -> str:
    return (
        f"{words.ordinal(int(rec['last_rank']))} of {rec['last_n_ranked']:,} by "
        f"{measure_label(rec['measure'])} in FY{rec['last_year']}"
    )


# "Currently", in an article of 2021 (its text places it there; the exact date is not known):
# the fiscal years nearest it, FY2021 being the year under way and FY2019-FY2020 the last
# years whose money was spent.
NEAR_ARTICLE: tuple[int, int] = (2019, 2021)


def measures_near(funding: pd.DataFrame, window: tuple[int, int] = NEAR_ARTICLE) -> pd.DataFrame:
    """Per money measure, how many countries have a figure of their own in ``window``
    (measures with none are listed with 0): which measures exist for those years at all."""
    own = funding[
        funding["scope"].eq("country")
        & funding["iso3"].notna()
        & funding["fiscal_year"].between(*window)
        & ~funding["measure"].eq("training_value")
    ]
    counts = own.groupby("measure")["iso3"].nunique()
    rows = [(m, int(counts.get(m, 0))) for m in budget.CHAIN if m != "training_value"]
    return pd.DataFrame(rows, columns=["measure", "countries"])


def _near_words(present: pd.DataFrame, window: tuple[int, int]) -> str:
    have = present[present["countries"] > 0]
    none = present[present["countries"] == 0]
    span = fy_span(window[0], window[1])
    text = f"For {span}, the years nearest the article, the sources give " + (
        and_join(
            [
                f"{measure_label(m)} figures ({plural(int(n), 'country', 'countries')})"
                for m, n in zip(have["measure"], have["countries"], strict=True)
            ]
        )
        if len(have)
        else "no money figure for any country"
    )
    if len(none):
        text += f" and no {and_join([measure_label(m) for m in none['measure']])} figure"
    return text


def global_rank(
    claims: pd.DataFrame, funding: pd.DataFrame, window: tuple[int, int] = NEAR_ARTICLE
) -> Finding:
    """C10: the country named currently has the rank the claim names (e.g. third-largest),
    judged on the fiscal years nearest the article (``window``), per measure."""
    text = words.claim_text(claims, "C10")
    country, target = words.one_country(text, "C10"), words.ordinal_rank(text)
    present = measures_near(funding, window)
    near = _near_words(present, window)
    ranks = budget.country_rank(funding, country, *window)
    summary = budget_tables.rank_summary(ranks, target)
    verdict = rank_verdict(summary, target)
    ranked = summary[summary["last_rank"].notna()]
    facts = {"target": words.ordinal(target), "window": fy_span(window[0], window[1])}
    facts["measures_near"] = near
    if ranked.empty:
        reason = f"{near}; none of them ranks {country}."
        facts.update(latest="none", latest_at_target="none", latest_elsewhere="none")
        facts["last_at_target"] = "never"
        return Finding("C10", verdict, reason, figures_table([]), facts)
    at = ranked[ranked["last_rank"] == target]
    off = ranked[ranked["last_rank"] != target]
    parts = [and_join([_latest_rank(r) for _, r in grp.iterrows()]) for grp in (at, off)]
    yearly = ranks[ranks["rank"].notna()].sort_values(["measure", "fiscal_year"])
    listed = and_join(
        [
            f"{words.ordinal(int(r['rank']))} of {int(r['n_ranked']):,} by "
            f"{measure_label(r['measure'])} in FY{int(r['fiscal_year'])}"
            for _, r in yearly.iterrows()
        ]
    )
    reason = f"{near}. {country} is {listed}"
    first, last = funding_span(funding)
    earlier = _years_at(budget.country_rank(funding, country, first, last), target)
    before = [
        f"{words.ordinal(target)} by {measure_label(m)} in {last_run(ys)}"
        for m, ys in earlier.items()
        if max(ys) < window[0]
    ]
    if before:
        reason += f"; it was {and_join(before)}, before the years judged"
    figures = figures_table(
        [
            (f"{fy_span(window[0], window[1])}: measures with figures", near),
            *(
                (
                    f"{measure_label(r['measure'])}, FY{int(r['fiscal_year'])}",
                    f"{words.ordinal(int(r['rank']))} of {int(r['n_ranked']):,}",
                )
                for _, r in yearly.iterrows()
            ),
        ]
    )
    runs = _years_at(ranks, target)
    facts.update(
        latest=and_join([_latest_rank(r) for _, r in ranked.iterrows()]),
        latest_at_target=parts[0] or "none",
        latest_elsewhere=parts[1] or "none",
        last_at_target=and_join(
            [f"by {measure_label(m)} in {last_run(ys)}" for m, ys in runs.items()]
        )
        or "never",
        earlier=and_join(before) or "never",
    )
    return Finding("C10", verdict, reason + ".", figures, facts)


# --- C11: a yearly amount, every year since a year -------------------------------------------

# Figures that say money was given or committed (eligibility.MONEY_MEASURES): requests and
# estimates are intentions, and the training value is a value of courses, not a fund.
RECEIVED_MEASURES: tuple[str, ...] = eligibility.MONEY_MEASURES
YEAR_STATUSES: tuple[str, ...] = ("at or above", "below", "no figure")


def money_years(table: pd.DataFrame) -> pd.DataFrame:
    """One status per fiscal year of a :func:`.budget.yearly_vs_threshold` table: "below" if any
    measure is below, "at or above" if at least one figure and none below, else "no figure"
    (no measure has a figure, or its sources disagree). ``below`` lists the figures below."""
    rows = []
    for fy, grp in table.groupby("fiscal_year", sort=True):
        low = grp[grp["status"] == "below"]
        if len(low):
            status = "below"
        elif (grp["status"] == "at or above").any():
            status = "at or above"
        else:
            status = "no figure"
        listed = [
            f"{measure_label(m)}: {usd(a)}"
            for m, a in zip(low["measure"], low["amount_usd"], strict=True)
        ]
        rows.append({"fiscal_year": int(fy), "status": status, "below": "; ".join(listed)})
    return pd.DataFrame(rows, columns=["fiscal_year", "status", "below"])


def every_year_verdict(years: pd.DataFrame) -> str:
    """Supported when every year is at or above; partly when some are and others are below or
    have no figure; contradicted when none is and some are below; unverified with no figure."""
    status = set(years["status"])
    if not status or status == {"no figure"}:
        return UNVERIFIED
    if status == {"at or above"}:
        return SUPPORTED
    return PARTLY if "at or above" in status else CONTRADICTED


def last_money_year(funding: pd.DataFrame, measures: Sequence[str] = RECEIVED_MEASURES) -> int:
    """The last fiscal year in which any country has a figure of ``measures``."""
    rows = funding[(funding["scope"] == "country") & funding["measure"].isin(list(measures))]
    if rows.empty:
        raise DataError(f"funding: no country figure of {', '.join(measures)}")
    return int(rows["fiscal_year"].max())


def _every_year_reason(country: str, years: pd.DataFrame, threshold: float, labels: str) -> str:
    parts = []
    for status, said in (("at or above", "at or above"), ("below", "below")):
        picked = years[years["status"] == status]
        if len(picked):
            parts.append(f"{said} {usd_short(threshold)} in ")
            parts[-1] += fy_runs(picked["fiscal_year"])
            if status == "below":
                parts[-1] += " (" + "; ".join(picked["below"]) + ")"
    gaps = years.loc[years["status"] == "no figure", "fiscal_year"]
    if len(gaps):
        parts.append(f"without a figure in {fy_runs(gaps)}")
    return f"{country}'s IMET money ({labels}) was " + and_join(parts) + "."


def yearly_amount(
    claims: pd.DataFrame,
    funding: pd.DataFrame,
    threshold_usd: float | None = None,
    since_fy: int | None = None,
) -> Finding:
    """C11: the country named received the amount named every year since the year named.

    Every fiscal year from ``since_fy`` (default: the claim's "since <year>") to the last year
    with any country's money figure is checked against ``threshold_usd`` (default: the claim's
    amount), by each of :data:`RECEIVED_MEASURES` that has a figure for the country.
    """
    text = words.claim_text(claims, "C11")
    country = words.one_country(text, "C11")
    threshold = words.dollar_amount(text) if threshold_usd is None else float(threshold_usd)
    since = words.since_year(text) if since_fy is None else int(since_fy)
    last = last_money_year(funding)
    if since > last:
        raise ParameterError(f"since_fy {since} is after the last year with a figure, {last}")
    table = budget.yearly_vs_threshold(funding, country, threshold, since, last)
    table = table[table["measure"].isin(RECEIVED_MEASURES)]
    years = money_years(table)
    if years.empty:  # no money measure at all: every year is a gap
        years = pd.DataFrame(
            {"fiscal_year": range(since, last + 1), "status": "no figure", "below": ""}
        )
    measures = [m for m in budget.CHAIN if m in set(table["measure"])]
    labels = ", ".join(measure_label(m) for m in measures) or "no measure"
    reason = _every_year_reason(country, years, threshold, labels)
    figures = figures_table(
        [(measure_label(m), budget_tables.threshold_sentence(table, m)) for m in measures]
        + [(f"Fiscal years checked (from the claim's {since})", fy_span(since, last))]
    )
    facts = {
        "country": country,
        "threshold": usd_short(threshold),
        "since": f"FY{since}",
        "checked": fy_span(since, last),
    }
    for status in YEAR_STATUSES:
        picked = years.loc[years["status"] == status, "fiscal_year"]
        facts[f"years_{status.replace(' ', '_')}"] = fy_runs(picked)
    return Finding("C11", every_year_verdict(years), reason, figures, facts)


# --- C13: a region's request ----------------------------------------------------------------


def region_requests(funding: pd.DataFrame, region: str) -> pd.DataFrame:
    """The region's own request rows (``fiscal_year``, ``region_row_usd``, source), by year."""
    totals = budget.regional_totals(funding, region, measures=["request"])
    rows = totals[totals["region_row_usd"].notna()]
    return rows[["fiscal_year", "region_row_usd", "region_row_source"]].reset_index(drop=True)


def request_matches(claims: pd.DataFrame, funding: pd.DataFrame) -> tuple[str, float, pd.DataFrame]:
    """C13's region, the amount it names, and the region's request rows with ``matches``: the
    request equals the amount to the precision the claim states it (``$13.8 million``: within
    $50,000). The one place the claim's amount is compared; the budget chapter shows it."""
    text = words.claim_text(claims, "C13")
    asked, unit = words.dollar_amount(text), words.stated_unit(text)
    region = words.region_named(text, budget.regions(funding))
    rows = region_requests(funding, region)
    rows["matches"] = (rows["region_row_usd"] - asked).abs() <= unit / 2
    return region, asked, rows


def request_amount(claims: pd.DataFrame, funding: pd.DataFrame) -> Finding:
    """C13: the US requested the amount named for the region named (in some fiscal year)."""
    region, asked, rows = request_matches(claims, funding)
    same = rows["matches"]
    said = usd_short(asked)
    others = "; ".join(
        f"FY{y}: {usd_short(v)}"
        for y, v in zip(
            rows.loc[~same, "fiscal_year"], rows.loc[~same, "region_row_usd"], strict=True
        )
    )
    if same.any():
        verdict = SUPPORTED
        reason = (
            f"The IMET request for {region} was {said} in "
            f"{fy_runs(rows.loc[same, 'fiscal_year'])}"
            + (f"; the other requests on record are {others}" if others else "")
            + "."
        )
    elif len(rows):
        verdict = PARTLY
        reason = (
            f"The US did request IMET for {region}, but no request on record is {said}: {others}."
        )
    else:
        verdict = UNVERIFIED
        reason = f"No source in the funding table gives a request for {region} as a whole."
    figures = figures_table(
        (
            f"FY{r.fiscal_year} request, {region}",
            f"{usd(r.region_row_usd)}" + (" (the article's figure)" if ok else ""),
        )
        for r, ok in zip(rows.itertuples(), same, strict=True)
    )
    facts = {
        "amount": said,
        "region": region,
        "years_match": fy_runs(rows.loc[same, "fiscal_year"]),
    }
    return Finding("C13", verdict, reason, figures, facts)


# --- C14: the countries of prime importance ------------------------------------------------------


def priority_requests(claims: pd.DataFrame, funding: pd.DataFrame) -> tuple[int, pd.DataFrame]:
    """The latest fiscal year with a country request for a country C14 names, and each named
    country's request that year with its sources (``amount_usd`` null where none is on
    record)."""
    named = words.countries_named(words.claim_text(claims, "C14"))
    if not named:
        raise DataError("claims: C14 names no country")
    codes = [countries.to_iso3(n) for n in named]
    asked = funding[
        funding["measure"].eq("request")
        & funding["scope"].eq("country")
        & funding["iso3"].isin(codes)
    ]
    if asked.empty:
        return 0, pd.DataFrame({"country_name": named, "amount_usd": float("nan"), "sources": ""})
    year = int(asked["fiscal_year"].max())
    that = asked[asked["fiscal_year"].eq(year)]
    rows = []
    for name, code in zip(named, codes, strict=True):
        mine = that[that["iso3"].eq(code)]
        rows.append(
            {
                "country_name": name,
                "amount_usd": float(mine["amount_usd"].iloc[0]) if len(mine) else float("nan"),
                "sources": "; ".join(sorted(set(mine["source_title"]))),
            }
        )
    return year, pd.DataFrame(rows)


def priority_countries(claims: pd.DataFrame, funding: pd.DataFrame) -> Finding:
    """C14: the countries named are the region's priority recipients, read as: each of them has
    an IMET request of its own in the latest year the sources give country requests for."""
    year, rows = priority_requests(claims, funding)
    has = rows["amount_usd"].notna()
    verdict = SUPPORTED if has.all() else PARTLY if has.any() else UNVERIFIED
    with_request = and_join(list(rows.loc[has, "country_name"])) or "none"
    without = and_join(list(rows.loc[~has, "country_name"])) or "none"
    sources = and_join(sorted({t for cell in rows["sources"] for t in cell.split("; ") if t}))
    reason = (
        f"The FY{year} request, as the news reports of it give it, names IMET money for "
        f"{with_request}, but none for {without}; the two reports disagree on which countries "
        f"are the priority (see the claims table's evidence). Sources: {sources}."
        if year and len(rows[~has])
        else f"The FY{year} request names IMET money for {with_request}. Sources: {sources}."
        if year
        else "No source gives an IMET request for any of the countries named."
    )
    figures = figures_table(
        (
            f"FY{year} request, {r.country_name}",
            usd(r.amount_usd) + f" ({r.sources})" if pd.notna(r.amount_usd) else "none on record",
        )
        for r in rows.itertuples()
    )
    facts = {"year": f"FY{year}", "with_request": with_request, "without": without}
    return Finding("C14", verdict, reason, figures, facts)
