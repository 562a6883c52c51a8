"""Tables and chart series drawn from the budget analysis: series to chart, the distinct
sources of a set of rows, a measure's yearly check in one clause (the claims' figures
quote them), and a country's doubtful training values.

DataFrames and short strings out; the chapter's table views are in
:mod:`imetbook.chapters.budget`, the charts in :mod:`imetbook.figures.budget`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence

import pandas as pd

from imetbook.analysis.budget import (
    CHAIN,
    _chain_order,
    _is,
    _require,
    country_rows,
)
from imetbook.vocab import fy_runs, measure_definition, measure_label, plural, usd

# --- tables and chart series for the chapter -----------------------------------------------

# Measures whose sources list every recipient country year by year (USAID Greenbook; the FMTR
# Section IV course records), so a sum over a region's members is the region's total under that
# measure. Other measures' country rows are fragments (one country's CRS table, news reports of
# a few requests): their sums are shown in tables, labelled with how many members they cover.
COUNTRY_BY_COUNTRY: tuple[str, ...] = ("obligation", "training_value")


def measure_table(measures: Iterable[str] | None = None) -> pd.DataFrame:
    """Measure, label and what it measures (:func:`imetbook.vocab.measure_definition`), chain
    order."""
    wanted = CHAIN if measures is None else [m for m in CHAIN if m in set(measures)]
    return pd.DataFrame(
        {
            "measure": list(wanted),
            "label": [measure_label(m) for m in wanted],
            "what it measures": [measure_definition(m) for m in wanted],
        }
    )


def region_series(
    totals: pd.DataFrame, member_sums: Sequence[str] = COUNTRY_BY_COUNTRY
) -> pd.DataFrame:
    """Chart series from :func:`regional_totals`: ``fiscal_year, series, amount_usd``.

    One series per measure with a region row ("<label>: region row") and one per measure in
    ``member_sums`` ("<label>: sum of members"); rows come in :data:`CHAIN` order, region rows
    first, so ``dict.fromkeys(out["series"])`` is a stable legend order.
    """
    rows = totals[totals["region_row_usd"].notna()]
    sums = totals[totals["measure"].isin(member_sums) & totals["country_sum_usd"].notna()]
    parts = [
        rows.assign(basis=0, amount_usd=rows["region_row_usd"], kind="region row"),
        sums.assign(basis=1, amount_usd=sums["country_sum_usd"], kind="sum of members"),
    ]
    out = pd.concat(parts, ignore_index=True)
    out["series"] = [
        f"{measure_label(m)}: {k}" for m, k in zip(out["measure"], out["kind"], strict=True)
    ]
    out = out.assign(_o=_chain_order(out["measure"])).sort_values(["_o", "basis", "fiscal_year"])
    return out[["fiscal_year", "series", "amount_usd"]].reset_index(drop=True)


def share_series(shares: pd.DataFrame, keep: int) -> pd.DataFrame:
    """Chart series ``fiscal_year, country, share`` with at most ``keep`` + 1 countries.

    The ``keep`` countries with the largest amounts over the whole span keep their own series;
    the rest are added (same measure, same year) into one "Other members (n)" series.
    """
    by_size = (
        shares.groupby("country_name")["amount_usd"]
        .sum()
        .reset_index()
        .sort_values(["amount_usd", "country_name"], ascending=[False, True])
    )
    top = list(by_size["country_name"].head(keep))
    rest = sorted(set(by_size["country_name"]) - set(top))
    named = shares["country_name"].where(
        shares["country_name"].isin(top), f"Other members ({len(rest)})"
    )
    out = (
        shares.assign(country=named)
        .groupby(["fiscal_year", "country"], sort=True)["share_of_country_sum"]
        .sum(min_count=1)
        .rename("share")
        .reset_index()
    )
    return out


def doubtful_values(
    funding: pd.DataFrame, country: str, fy_start: int | None = None, fy_end: int | None = None
) -> pd.DataFrame:
    """The country's training values that ``funding.quality`` marks doubtful (a report group
    they sum fails reconciliation): ``measure``, ``fiscal_year``, ``amount_usd``."""
    rows = country_rows(funding, country, fy_start, fy_end)
    cols = ["measure", "fiscal_year", "amount_usd"]
    if "quality" not in rows.columns:
        return rows.iloc[0:0][cols]
    hit = rows[_is(rows["measure"], "training_value") & _is(rows["quality"], "doubtful")]
    return hit[cols].sort_values("fiscal_year").reset_index(drop=True)


def rank_summary(ranks: pd.DataFrame, target: int) -> pd.DataFrame:
    """Per measure of a :func:`country_rank` table: the years at rank ``target`` (ties count),
    the best rank, and the last ranked year with its rank."""
    rows = []
    for measure, grp in ranks.groupby("measure", sort=False):
        ranked = grp[grp["rank"].notna()].sort_values("fiscal_year")
        last = ranked.iloc[-1] if len(ranked) else None
        rows.append(
            {
                "measure": measure,
                "years_ranked": fy_runs(ranked["fiscal_year"]),
                "years_at_target": fy_runs(ranked.loc[ranked["rank"] == target, "fiscal_year"]),
                "best_rank": int(ranked["rank"].min()) if len(ranked) else None,
                "last_year": int(last["fiscal_year"]) if last is not None else None,
                "last_rank": int(last["rank"]) if last is not None else None,
                "last_n_ranked": int(last["n_ranked"]) if last is not None else None,
            }
        )
    ints = ["best_rank", "last_year", "last_rank", "last_n_ranked"]
    out = pd.DataFrame(rows, columns=["measure", "years_ranked", "years_at_target", *ints])
    return out.astype({c: "Int64" for c in ints})


def _addresses(urls: Iterable[str], listed: int = 2) -> str:
    """Distinct addresses, listed if few, else counted under their common folder."""
    distinct = sorted({u for cell in urls for u in re.split(r"; | \| ", cell) if u})
    if len(distinct) <= listed:
        return " ".join(distinct)
    prefix = os.path.commonprefix(distinct)
    return f"{len(distinct)} files under {prefix[: prefix.rfind('/') + 1]}"


def sources_table(funding: pd.DataFrame) -> pd.DataFrame:
    """The distinct sources of ``funding`` rows: title, address(es), measures and fiscal years.

    One row per source title; a source with many files (the FMTR course records) gives their
    number and common folder instead of every address.
    """
    _require(funding, ("source_title", "source_url", "measure", "fiscal_year"))
    rows = []
    for title, grp in funding.groupby("source_title", sort=True):
        rows.append(
            {
                "source": _cited(title, grp),
                "grade": _grades(grp),
                "address": _addresses(grp["source_url"].dropna()),
                "measures": ", ".join(measure_label(m) for m in CHAIN if m in set(grp["measure"])),
                "fiscal years": fy_runs(grp["fiscal_year"]),
            }
        )
    columns = ["source", "grade", "address", "measures", "fiscal years"]
    return pd.DataFrame(rows, columns=columns)


def _cited(title: str, grp: pd.DataFrame) -> str:
    """The title, with "(copy at site)" when the file read is a mirror site's copy."""
    if "source_copy_at" not in grp.columns:
        return title
    hosts = sorted({h for h in grp["source_copy_at"].dropna() if h and h != "nan"})
    return f"{title} (copy at {', '.join(hosts)})" if hosts else title


def _grades(grp: pd.DataFrame) -> str:
    if "source_grade" not in grp.columns:
        return ""
    return ", ".join(sorted(set(grp["source_grade"].dropna())))


def threshold_sentence(table: pd.DataFrame, measure: str, brief: bool = False) -> str:
    """One plain clause for a measure of :func:`yearly_vs_threshold`, for glued prose.

    E.g. "at or above in FY2003–FY2019; below in FY2020 ($658,166); no figure for FY2021".
    ``brief`` counts the years without a figure instead of listing them.
    """
    grp = table[table["measure"] == measure].sort_values("fiscal_year")
    if grp.empty:
        return "no figure in any year"
    parts = []
    at = grp.loc[grp["status"] == "at or above", "fiscal_year"]
    if len(at):
        parts.append(f"at or above in {fy_runs(at)}")
    below = grp[grp["status"] == "below"]
    if len(below):
        listed = ", ".join(
            f"FY{y} ({usd(a)})"
            for y, a in zip(below["fiscal_year"], below["amount_usd"], strict=True)
        )
        parts.append(f"below in {listed}")
    for status, words in (
        ("sources disagree", "sources disagree for"),
        ("missing", "no figure for"),
    ):
        years = grp.loc[grp["status"] == status, "fiscal_year"]
        if len(years) and brief:
            parts.append(f"{words} {plural(len(years), 'year', 'years')}")
        elif len(years):
            parts.append(f"{words} {fy_runs(years)}")
    return "; ".join(parts)
