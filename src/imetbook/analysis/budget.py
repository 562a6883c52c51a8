"""IMET money by region, country, fiscal year and measure: totals, shares, ranks and the chain.

Every function takes the ``funding`` table (contract :data:`imetbook.data.schema.FUNDING`) and
returns a small, sorted DataFrame. Four rules hold throughout:

- Different measures are never added together: a request, an obligation and the value of
  training delivered answer different questions, so every total is per measure.
- A region's total is either the source's own region row or the sum of its member countries'
  rows. The two are returned side by side and labelled, never added to each other.
- One figure printed by several sources (two CRS editions, two news reports of one request) is
  counted once, with every source kept. Where sources disagree the figure is flagged and left
  out of sums and ranks rather than chosen between.
- A fiscal year without a figure is missing: never zero, never ranked last.

Region membership is read from the ``funding`` table's ``region`` column, which the budget
parser derives from the sources; it is never typed here.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable, Sequence

import pandas as pd

from imetbook.chapters import params
from imetbook.data import countries, schema
from imetbook.errors import DataError, ParameterError

# Measures in the order money moves: asked for, expected, appropriated, set aside, reported
# after the year, committed, and (last) the value of the training actually delivered.
CHAIN: tuple[str, ...] = (
    "request",
    "estimate",
    "appropriation",
    "allocation",
    "actual",
    "fmtr_planned_dollars",
    "fmtr_actual_dollars",
    "obligation",
    "training_value",
)

MEASURE_LABELS: dict[str, str] = {
    "request": "Request",
    "estimate": "Estimate",
    "appropriation": "Appropriation (CRS)",
    "allocation": "Allocation",
    "actual": "State actual",
    "fmtr_planned_dollars": "FMTR Sec. III planned",
    "fmtr_actual_dollars": "FMTR Sec. III actual",
    "obligation": "Obligation (Greenbook)",
    "training_value": "Training value (FMTR)",
}

KEY = ("scope", "is_total", "country_name", "fiscal_year", "measure")
SOURCE_COLUMNS = ("source", "source_title", "source_url", "locator")
SEP = " | "


def _optional_countries(value: object) -> list[str] | None:
    """``None`` (every member of the region) or a list of country names."""
    return None if value is None else params.Countries()(value)


PARAMS = params.Spec(
    params.Ordered("fy_start", "fy_end"),
    region=params.Param(
        params.Region(params.data_values("funding", "region")),
        "Region whose IMET money the chapter follows (a region of the funding table)",
    ),
    countries=params.Param(
        _optional_countries, 'Members to show, e.g. ["India", "Nepal"]; None: every member'
    ),
    fy_start=params.Param(
        params.FiscalYear(params.data_years("funding")), "First US fiscal year shown"
    ),
    fy_end=params.Param(
        params.FiscalYear(params.data_years("funding")), "Last US fiscal year shown"
    ),
    measure=params.Param(
        params.Choice(CHAIN), "Measure of the country shares (see schema.MEASURE_DOCS)"
    ),
)
"""The chapter's parameters; defaults live in the notebook's ``parameters`` cell."""


# --- checks and small helpers -------------------------------------------------------------


def _require(df: pd.DataFrame, columns: Iterable[str], what: str = "funding") -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise DataError(f"{what}: missing column(s) {', '.join(missing)}")


def _check_measure(measure: str) -> str:
    if measure not in CHAIN:
        raise ParameterError(f"measure {measure!r} is not one of {', '.join(CHAIN)}")
    return measure


def check_span(fy_start: int | None, fy_end: int | None) -> None:
    """Raise :class:`ParameterError` when ``fy_start`` is after ``fy_end``."""
    if fy_start is not None and fy_end is not None and fy_start > fy_end:
        raise ParameterError(f"fy_start {fy_start} is after fy_end {fy_end}")


def _in_years(df: pd.DataFrame, fy_start: int | None, fy_end: int | None) -> pd.DataFrame:
    check_span(fy_start, fy_end)
    keep = pd.Series(True, index=df.index)
    if fy_start is not None:
        keep &= df["fiscal_year"] >= fy_start
    if fy_end is not None:
        keep &= df["fiscal_year"] <= fy_end
    return df[keep]


def _is(series: pd.Series, value: str) -> pd.Series:
    """Element-wise equality that treats a missing value as 'not equal' (never NA)."""
    return series.eq(value).fillna(False).astype(bool)


def _is_country(df: pd.DataFrame) -> pd.Series:
    # Countries only: region, world and "not specified" lines carry no ISO code.
    return _is(df["scope"], "country") & df["iso3"].notna()


def _chain_order(measures: pd.Series) -> pd.Series:
    return measures.map({m: i for i, m in enumerate(CHAIN)}).astype("Int64")


def _join(values: pd.Series) -> str | None:
    seen = list(dict.fromkeys(v for v in values if isinstance(v, str) and v))
    return SEP.join(seen) if seen else None


def country_code(name: str) -> str:
    """ISO alpha-3 of a country given in any spelling; a region or heading is an error."""
    code = countries.to_iso3(name)
    if code is None:
        raise ParameterError(f"{name!r} is a heading, not a country")
    return code


def evidence_rows(funding: pd.DataFrame) -> pd.DataFrame:
    """The funding rows charts, sums, ranks and verdicts may use: every row but those of a
    tertiary source (an encyclopedia page), which tables list and nothing else uses."""
    if "source_grade" not in funding.columns:
        return funding
    return funding[~_is(funding["source_grade"], "tertiary")]


# --- one figure per country, year and measure ---------------------------------------------


def consolidate(funding: pd.DataFrame) -> pd.DataFrame:
    """One row per (scope, country_name, fiscal_year, measure), every source kept.

    Rows that repeat one figure from several sources collapse into one (``n_sources`` says how
    many; ``source``, ``source_title``, ``source_url`` and ``locator`` list them all, joined
    with " | "). Where the sources disagree, ``conflict`` is True, ``amount_usd`` is missing
    and ``amounts_seen`` lists the figures, so no sum or rank silently picks one.
    """
    _require(funding, (*KEY, "iso3", "amount_usd", *SOURCE_COLUMNS))
    order = [*KEY, "source", "source_title", "locator"]
    df = funding.sort_values(order, kind="stable", na_position="last")
    # Most figures have one source: only repeated keys need the (slow) string aggregation.
    repeated = df.duplicated(list(KEY), keep=False)
    single = df[~repeated].assign(n_sources=1, conflict=False, amounts_seen=None)
    out = pd.concat([single, _merge_sources(df[repeated])], ignore_index=True)
    out["amounts_seen"] = out["amounts_seen"].astype("str")
    out["conflict"] = out["conflict"].astype(bool)
    out = out.sort_values(list(KEY), kind="stable")
    cols = ["country_name", "iso3", "scope", "is_total", "fiscal_year", "measure", "amount_usd"]
    cols += ["n_sources", "conflict", "amounts_seen", *SOURCE_COLUMNS]
    return out[cols].reset_index(drop=True)


def _merge_sources(df: pd.DataFrame) -> pd.DataFrame:
    """One row per key of rows that share it: sources joined, disagreements flagged."""
    grouped = df.groupby(list(KEY), sort=True, dropna=False)
    out = grouped.agg(
        iso3=("iso3", "first"),
        n_sources=("amount_usd", "size"),
        n_amounts=("amount_usd", "nunique"),
        low=("amount_usd", "min"),
        high=("amount_usd", "max"),
    )
    for col in SOURCE_COLUMNS:
        out[col] = grouped[col].agg(_join)
    out = out.reset_index()
    out["conflict"] = out["n_amounts"] > 1
    out["amount_usd"] = out["low"].where(~out["conflict"])
    out["amounts_seen"] = [
        f"{usd(lo)} vs {usd(hi)}" if c else None
        for lo, hi, c in zip(out["low"], out["high"], out["conflict"], strict=True)
    ]
    return out.drop(columns=["n_amounts", "low", "high"])


# --- regions -------------------------------------------------------------------------------


def regions(funding: pd.DataFrame) -> list[str]:
    """Every region label in the funding table (region rows and countries' regions)."""
    _require(funding, ("scope", "country_name", "region"))
    named = funding.loc[_is(funding["scope"], "region"), "country_name"]
    labels = set(named.dropna()) | set(funding.loc[_is_country(funding), "region"].dropna())
    return sorted(labels)


def region_members(funding: pd.DataFrame, region: str) -> list[str]:
    """Countries the funding table places in ``region`` (in any year), sorted by name.

    Raises :class:`ParameterError` naming the known regions when ``region`` has no members.
    """
    _require(funding, ("scope", "country_name", "iso3", "region"))
    rows = funding[_is_country(funding) & _is(funding["region"], region)]
    members = sorted(set(rows["country_name"]))
    if not members:
        raise ParameterError(
            f"region {region!r} has no member countries in the funding table; "
            f"regions are: {', '.join(regions(funding))}"
        )
    return members


def check_countries(funding: pd.DataFrame, region: str, names: Sequence[str] | None) -> list[str]:
    """The members to show: all of ``region`` if ``names`` is None, else ``names`` resolved.

    Any spelling is accepted (``countries.to_iso3``); a name that is not a member of the region
    raises one :class:`ParameterError` naming it and listing the members.
    """
    members = region_members(funding, region)
    if names is None:
        return members
    if isinstance(names, str) or not names:
        raise ParameterError("countries must be None or a non-empty list of country names")
    by_code = dict(
        funding.loc[
            _is_country(funding) & funding["country_name"].isin(members), ["iso3", "country_name"]
        ]
        .drop_duplicates()
        .itertuples(index=False)
    )
    chosen, outside = [], []
    for name in names:
        code = country_code(name)
        (chosen if code in by_code else outside).append(by_code.get(code, name))
    if outside:
        raise ParameterError(
            f"not in region {region!r}: {', '.join(outside)}; members are {', '.join(members)}"
        )
    return sorted(set(chosen))


def _region_and_members(df: pd.DataFrame, region: str, members: Sequence[str]) -> pd.DataFrame:
    """The rows that can enter a region's totals: its own rows and its members' rows."""
    return df[_is(df["country_name"], region) | df["country_name"].isin(members)]


def _member_figures(figs: pd.DataFrame, members: Sequence[str]) -> pd.DataFrame:
    return figs[_is_country(figs) & figs["country_name"].isin(members)]


def _region_rows(figs: pd.DataFrame, region: str) -> pd.DataFrame:
    # The source's own subtotal for the region, not a regional programme line within it.
    total = figs["is_total"].fillna(False).astype(bool)
    return figs[_is(figs["scope"], "region") & total & _is(figs["country_name"], region)]


def regional_totals(
    funding: pd.DataFrame,
    region: str,
    fy_start: int | None = None,
    fy_end: int | None = None,
    measures: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The region's IMET per fiscal year and measure, two ways, side by side.

    Columns: ``region_row_usd`` (the source's own region row, with ``region_row_source``) and
    ``country_sum_usd`` (the sum of member countries' figures; ``countries_reported`` of
    ``members`` had one), ``difference_usd`` (country sum minus region row) and
    ``conflicts`` (the region row or members left out because their sources disagree, by
    name). The two totals are
    never added to each other, and measures are never added together. A year and measure
    with neither kind of figure has no row (see :func:`coverage`).
    """
    members = region_members(funding, region)
    figs = consolidate(_in_years(_region_and_members(funding, region, members), fy_start, fy_end))
    if measures is not None:
        figs = figs[figs["measure"].isin([_check_measure(m) for m in measures])]
    keys = ["fiscal_year", "measure"]
    row = _region_rows(figs, region).rename(
        columns={"amount_usd": "region_row_usd", "source_title": "region_row_source"}
    )[[*keys, "region_row_usd", "region_row_source"]]
    cty = _member_figures(figs, members)
    sums = cty.groupby(keys).agg(
        country_sum_usd=("amount_usd", lambda s: s.sum(min_count=1)),
        countries_reported=("amount_usd", "count"),
    )
    both = pd.concat([_region_rows(figs, region), cty])
    disputed = both[both["conflict"]].groupby(keys)["country_name"].agg(_join)
    sums = sums.join(disputed.rename("conflicts"), how="left").reset_index()
    out = row.merge(sums, on=keys, how="outer")
    out["countries_reported"] = out["countries_reported"].fillna(0).astype(int)
    out["members"] = len(members)
    out["difference_usd"] = out["country_sum_usd"] - out["region_row_usd"]
    out = out.assign(_o=_chain_order(out["measure"])).sort_values(["_o", "fiscal_year"])
    cols = [*keys, "region_row_usd", "country_sum_usd", "countries_reported", "members"]
    cols += ["difference_usd", "conflicts", "region_row_source"]
    return out[cols].reset_index(drop=True)


def region_request(funding: pd.DataFrame, region: str, fiscal_year: int) -> pd.DataFrame:
    """The region's IMET request for one fiscal year: region row and member sum, side by side.

    One row (columns as :func:`regional_totals`); no row when no source gives a request.
    """
    return regional_totals(funding, region, fiscal_year, fiscal_year, measures=["request"])


def coverage(totals: pd.DataFrame, fy_start: int, fy_end: int) -> pd.DataFrame:
    """Which fiscal years in ``fy_start..fy_end`` have which measure, from :func:`regional_totals`.

    One row per measure that has any figure: the years with a region row, the years with at
    least one member figure, and the years with neither (as compact ranges, e.g. "2003-2005").
    """
    check_span(fy_start, fy_end)
    span = range(fy_start, fy_end + 1)
    rows = []
    for measure, grp in totals.groupby("measure", sort=False):
        with_row = set(grp.loc[grp["region_row_usd"].notna(), "fiscal_year"])
        with_cty = set(grp.loc[grp["countries_reported"] > 0, "fiscal_year"])
        rows.append(
            {
                "measure": measure,
                "years_with_region_row": year_ranges(with_row),
                "years_with_country_figures": year_ranges(with_cty),
                "years_with_neither": year_ranges(set(span) - with_row - with_cty),
            }
        )
    out = pd.DataFrame(
        rows,
        columns=[
            "measure",
            "years_with_region_row",
            "years_with_country_figures",
            "years_with_neither",
        ],
    )
    return out.assign(_o=_chain_order(out["measure"])).sort_values("_o").drop(columns="_o")


def country_shares(
    funding: pd.DataFrame,
    region: str,
    measure: str,
    fy_start: int | None = None,
    fy_end: int | None = None,
    countries_shown: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Each member's share of the region's ``measure``, per fiscal year.

    ``share_of_country_sum`` divides by the sum over all members with a figure that year (so
    the shares of all members add to one); ``share_of_region_row`` divides by the source's own
    region row where one exists. ``countries_shown`` only filters the rows returned; the
    denominators always cover the whole region. Members without a figure have no row.
    """
    _check_measure(measure)
    members = region_members(funding, region)
    rows = _region_and_members(funding[_is(funding["measure"], measure)], region, members)
    figs = consolidate(_in_years(rows, fy_start, fy_end))
    cty = _member_figures(figs, members)
    cty = cty[cty["amount_usd"].notna()]
    total = cty.groupby("fiscal_year")["amount_usd"].sum().rename("country_sum_usd")
    row = _region_rows(figs, region).set_index("fiscal_year")["amount_usd"].rename("region_row_usd")
    out = cty.join(total, on="fiscal_year").join(row, on="fiscal_year")
    out["share_of_country_sum"] = out["amount_usd"] / out["country_sum_usd"].where(
        out["country_sum_usd"] != 0
    )
    out["share_of_region_row"] = out["amount_usd"] / out["region_row_usd"].where(
        out["region_row_usd"] != 0
    )
    if countries_shown is not None:
        out = out[out["country_name"].isin(countries_shown)]
    out = out.sort_values(
        ["fiscal_year", "amount_usd", "country_name"], ascending=[True, False, True]
    )
    cols = ["fiscal_year", "country_name", "measure", "amount_usd", "country_sum_usd"]
    cols += ["share_of_country_sum", "region_row_usd", "share_of_region_row", "source_title"]
    return out[cols].reset_index(drop=True)


# --- global ranks --------------------------------------------------------------------------


def global_ranks(
    funding: pd.DataFrame,
    measures: Sequence[str] | None = None,
    fy_start: int | None = None,
    fy_end: int | None = None,
) -> pd.DataFrame:
    """Rank every country by amount within each (measure, fiscal_year), largest first.

    Countries only: region, world and "not specified" lines are not ranked. Ties share the
    best rank and the next rank is skipped (1, 2, 2, 4); ``tied`` marks them. ``n_ranked`` is
    the number of countries with a figure that year. Figures whose sources disagree are not
    ranked (they are listed by :func:`consolidate`).
    """
    df = (
        funding
        if measures is None
        else funding[funding["measure"].isin([_check_measure(m) for m in measures])]
    )
    figs = consolidate(_in_years(df[_is_country(df)], fy_start, fy_end))
    figs = figs[figs["amount_usd"].notna()].copy()
    groups = figs.groupby(["measure", "fiscal_year"])["amount_usd"]
    figs["rank"] = groups.rank(method="min", ascending=False).astype(int)
    figs["n_ranked"] = groups.transform("size").astype(int)
    figs["tied"] = figs.duplicated(["measure", "fiscal_year", "rank"], keep=False)
    figs = figs.assign(_o=_chain_order(figs["measure"])).sort_values(
        ["_o", "fiscal_year", "rank", "country_name"]
    )
    cols = ["measure", "fiscal_year", "rank", "n_ranked", "tied", "country_name", "iso3"]
    return figs[[*cols, "amount_usd", "source_title"]].reset_index(drop=True)


def rank_table(funding: pd.DataFrame, measure: str, fiscal_year: int) -> pd.DataFrame:
    """All countries ranked by ``measure`` in one fiscal year (see :func:`global_ranks`)."""
    return global_ranks(funding, [measure], fiscal_year, fiscal_year)


def _tied_with(ranks: pd.DataFrame, code: str) -> pd.Series:
    mine = ranks[ranks["iso3"] == code][["measure", "fiscal_year", "rank"]]
    others = ranks[ranks["iso3"] != code].merge(mine, on=["measure", "fiscal_year", "rank"])
    return others.groupby(["measure", "fiscal_year"])["country_name"].agg(
        lambda s: ", ".join(sorted(s))
    )


def _rank_status(row: pd.Series) -> str:
    if pd.notna(row["conflict"]) and bool(row["conflict"]):
        return "sources disagree"
    if pd.notna(row["rank"]):
        return "tied" if bool(row["tied"]) else "ranked"
    if row["n_ranked"] == 0:
        return "no country figures this year"
    return "no figure for this country"


def country_rank(
    funding: pd.DataFrame,
    country: str,
    fy_start: int,
    fy_end: int,
    measures: Sequence[str] | None = None,
) -> pd.DataFrame:
    """A country's global rank per measure and fiscal year, missing years kept as missing.

    One row per measure and every fiscal year in ``fy_start..fy_end``; by default the measures
    are those with at least one figure for the country in the range. ``rank`` is missing
    (never last) when the country has no figure; ``status`` says why: "ranked", "tied" (with
    ``tied_with`` naming the others), "no figure for this country", "no country figures this
    year" or "sources disagree".
    """
    code = country_code(country)
    check_span(fy_start, fy_end)
    mine = consolidate(_in_years(funding[funding["iso3"] == code], fy_start, fy_end))
    mine = mine[_is_country(mine)]
    if measures is None:
        measures = [m for m in CHAIN if m in set(mine["measure"])]
    ranks = global_ranks(funding, measures, fy_start, fy_end)
    grid = pd.MultiIndex.from_product(
        [list(measures), range(fy_start, fy_end + 1)], names=["measure", "fiscal_year"]
    ).to_frame(index=False)
    counts = ranks.groupby(["measure", "fiscal_year"]).size().rename("n_ranked")
    own = ranks[ranks["iso3"] == code][["measure", "fiscal_year", "rank", "tied"]]
    out = (
        grid.join(counts, on=["measure", "fiscal_year"])
        .merge(own, on=["measure", "fiscal_year"], how="left")
        .merge(
            mine[["measure", "fiscal_year", "amount_usd", "conflict", "source_title"]],
            on=["measure", "fiscal_year"],
            how="left",
        )
        .join(_tied_with(ranks, code).rename("tied_with"), on=["measure", "fiscal_year"])
    )
    out["n_ranked"] = out["n_ranked"].fillna(0).astype(int)
    out["rank"] = out["rank"].astype("Int64")
    out["status"] = out.apply(_rank_status, axis=1).astype("str")
    out.insert(0, "country_name", countries.canonical_name(code))
    cols = ["country_name", "measure", "fiscal_year", "amount_usd", "rank", "n_ranked"]
    return out[[*cols, "status", "tied_with", "source_title"]].reset_index(drop=True)


# --- one country over time -----------------------------------------------------------------


def country_rows(
    funding: pd.DataFrame, country: str, fy_start: int | None = None, fy_end: int | None = None
) -> pd.DataFrame:
    """A country's own ``funding`` rows (any spelling of its name), as the sources print them."""
    code = country_code(country)
    df = funding[(funding["iso3"] == code) & _is(funding["scope"], "country")]
    return _in_years(df, fy_start, fy_end)


def measure_chain(
    funding: pd.DataFrame, country: str, fy_start: int | None = None, fy_end: int | None = None
) -> pd.DataFrame:
    """A country's figures from request to training delivered, one row per year and measure.

    Long form in :data:`CHAIN` order (``step``), with every source kept (see
    :func:`consolidate`). Use :func:`chain_wide` for a year-by-measure table with gaps shown.
    """
    out = consolidate(country_rows(funding, country, fy_start, fy_end))
    out.insert(0, "step", _chain_order(out["measure"]))
    return out.sort_values(["fiscal_year", "step"]).reset_index(drop=True)


def chain_wide(chain: pd.DataFrame, fy_start: int, fy_end: int) -> pd.DataFrame:
    """Years ``fy_start..fy_end`` down, the measures present across in :data:`CHAIN` order.

    A year without a figure for a measure is missing (NaN), and a year with no figure at all
    still has its row, so gaps stay visible.
    """
    check_span(fy_start, fy_end)
    present = [m for m in CHAIN if m in set(chain["measure"])]
    wide = chain.pivot(index="fiscal_year", columns="measure", values="amount_usd")
    wide = wide.reindex(index=range(fy_start, fy_end + 1), columns=present)
    wide.index.name = "fiscal_year"
    wide.columns.name = None
    return wide.reset_index()


STATUSES = ("at or above", "below", "missing", "sources disagree")


def yearly_vs_threshold(
    funding: pd.DataFrame,
    country: str,
    threshold_usd: float,
    fy_start: int,
    fy_end: int,
    measures: Sequence[str] | None = None,
) -> pd.DataFrame:
    """A country's yearly amounts against a threshold, per measure, every year in the range.

    By default the measures are all those with a figure for the country in the range.
    ``status`` is "at or above", "below", "missing" (no figure) or "sources disagree".
    """
    if not math.isfinite(threshold_usd):
        raise ParameterError(f"threshold {threshold_usd!r} is not a number")
    chain = measure_chain(funding, country, fy_start, fy_end)
    if measures is None:
        measures = [m for m in CHAIN if m in set(chain["measure"])]
    grid = pd.MultiIndex.from_product(
        [list(measures), range(fy_start, fy_end + 1)], names=["measure", "fiscal_year"]
    ).to_frame(index=False)
    cols = ["measure", "fiscal_year", "amount_usd", "conflict", "source_title", "locator"]
    out = grid.merge(chain[cols], on=["measure", "fiscal_year"], how="left")
    amount = out["amount_usd"]
    out["status"] = "missing"
    out.loc[amount.notna() & (amount >= threshold_usd), "status"] = "at or above"
    out.loc[amount.notna() & (amount < threshold_usd), "status"] = "below"
    out.loc[out["conflict"].eq(True), "status"] = "sources disagree"
    out["status"] = out["status"].astype("str")
    out.insert(0, "country_name", chain["country_name"].iloc[0] if len(chain) else country)
    out["threshold_usd"] = float(threshold_usd)
    keep = ["country_name", "measure", "fiscal_year", "amount_usd", "threshold_usd", "status"]
    return out[[*keep, "source_title", "locator"]].reset_index(drop=True)


def threshold_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per measure, the years at or above, below and missing in a :func:`yearly_vs_threshold`."""
    rows = []
    for measure, grp in table.groupby("measure", sort=False):
        years = {s: set(grp.loc[grp["status"] == s, "fiscal_year"]) for s in STATUSES}
        row = {"measure": measure}
        for status in STATUSES:
            row[f"n_{status.replace(' ', '_')}"] = len(years[status])
            row[f"years_{status.replace(' ', '_')}"] = year_ranges(years[status])
        rows.append(row)
    cols = ["measure"]
    for status in STATUSES:
        cols += [f"n_{status.replace(' ', '_')}", f"years_{status.replace(' ', '_')}"]
    return pd.DataFrame(rows, columns=cols)


# --- the article's figures, read from its words --------------------------------------------

_SCALE = {"thousand": 1e3, "million": 1e6, "billion": 1e9}
_ORDINAL_WORDS = ("first", "second", "third", "fourth", "fifth")
_ORDINAL_WORDS += ("sixth", "seventh", "eighth", "ninth", "tenth")
_ORDINALS = {word: i for i, word in enumerate(_ORDINAL_WORDS, start=1)}
_MONEY = re.compile(
    r"(?:\$|USD\s*)\s*([0-9][0-9,]*(?:\.[0-9]+)?)\s*(thousand|million|billion)?", re.IGNORECASE
)


def claim_text(claims: pd.DataFrame, claim_id: str) -> str:
    """The article's words for ``claim_id`` from the ``claims`` table (verbatim)."""
    _require(claims, ("claim_id", "claim"), "claims")
    hit = claims.loc[claims["claim_id"] == claim_id, "claim"]
    if hit.empty:
        raise DataError(f"claims: no claim {claim_id!r}")
    return str(hit.iloc[0])


def dollar_amount(text: str) -> float:
    """The first dollar amount written in ``text`` ("$13.8 million" -> 13800000.0)."""
    match = _MONEY.search(text)
    if match is None:
        raise DataError(f"no dollar amount in {text!r}")
    value = float(match.group(1).replace(",", ""))
    return value * _SCALE.get((match.group(2) or "").lower(), 1.0)


def since_year(text: str) -> int:
    """The year after "since" in ``text`` ("since 2003" -> 2003)."""
    match = re.search(r"\bsince\s+((?:19|20)\d\d)\b", text, re.IGNORECASE)
    if match is None:
        raise DataError(f"no 'since <year>' in {text!r}")
    return int(match.group(1))


def ordinal_rank(text: str) -> int:
    """The rank named in ``text`` ("third-largest" -> 3; "3rd-largest" -> 3)."""
    match = re.search(r"\b(\w+?)[- ]largest\b", text, re.IGNORECASE)
    word = match.group(1).lower() if match else ""
    digits = re.fullmatch(r"(\d+)(?:st|nd|rd|th)", word)
    if digits:
        return int(digits.group(1))
    if word in _ORDINALS:
        return _ORDINALS[word]
    raise DataError(f"no '<ordinal>-largest' in {text!r}")


# --- formatting for tables and glued prose -------------------------------------------------


def year_ranges(years: Iterable[int], prefix: str = "") -> str:
    """Compact sorted year ranges: {2003, 2004, 2005, 2008} -> "2003–2005, 2008"; {} -> "none".

    ``prefix`` goes before every year ("FY" gives "FY2003–FY2005, FY2008").
    """
    ys = sorted({int(y) for y in years})
    if not ys:
        return "none"
    parts, start, prev = [], ys[0], ys[0]
    for y in [*ys[1:], None]:
        if y is not None and y == prev + 1:
            prev = y
            continue
        first = f"{prefix}{start}"
        parts.append(first if start == prev else f"{first}\u2013{prefix}{prev}")
        if y is not None:
            start = prev = y
    return ", ".join(parts)


def usd(value: float | None) -> str:
    """Whole nominal dollars, "$1,234,567"; a missing value is "no figure"."""
    if value is None or pd.isna(value):
        return "no figure"
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(value):,.0f}"


def usd_short(value: float | None) -> str:
    """Dollars for prose: "$13.8 million", "$1 million" from a million up, whole dollars below."""
    if value is None or pd.isna(value):
        return "no figure"
    if abs(value) >= 1e6:
        millions = f"{value / 1e6:,.1f}".removesuffix(".0")
        return f"${millions} million"
    return usd(value)


def measure_doc(measure: str) -> str:
    """What ``measure`` is, from :data:`imetbook.data.schema.MEASURE_DOCS`."""
    return schema.MEASURE_DOCS[_check_measure(measure)]


# --- tables and chart series for the chapter -----------------------------------------------

# Measures whose sources list every recipient country year by year (USAID Greenbook; the FMTR
# Section IV course records), so a sum over a region's members is the region's total under that
# measure. Other measures' country rows are fragments (one country's CRS table, news reports of
# a few requests): their sums are shown in tables, labelled with how many members they cover.
COUNTRY_BY_COUNTRY: tuple[str, ...] = ("obligation", "training_value")
GAP = "\u2014"  # shown where there is no figure


def label(measure: str) -> str:
    """The short display label of a measure ("obligation" -> "Obligation (Greenbook)")."""
    return MEASURE_LABELS[_check_measure(measure)]


def measure_table(measures: Iterable[str] | None = None) -> pd.DataFrame:
    """Measure, label and what it measures (:data:`imetbook.data.schema.MEASURE_DOCS`), chain
    order."""
    wanted = CHAIN if measures is None else [m for m in CHAIN if m in set(measures)]
    return pd.DataFrame(
        {
            "measure": list(wanted),
            "label": [label(m) for m in wanted],
            "what it measures": [measure_doc(m) for m in wanted],
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
    out["series"] = [f"{label(m)}: {k}" for m, k in zip(out["measure"], out["kind"], strict=True)]
    out = out.assign(_o=_chain_order(out["measure"])).sort_values(["_o", "basis", "fiscal_year"])
    return out[["fiscal_year", "series", "amount_usd"]].reset_index(drop=True)


def _cell(value: float, fmt=None) -> str:
    return GAP if pd.isna(value) else (fmt or usd)(value)


def format_totals(totals: pd.DataFrame) -> pd.DataFrame:
    """:func:`regional_totals` as display strings (nominal dollars; gaps as a dash)."""
    return pd.DataFrame(
        {
            "FY": totals["fiscal_year"].astype(int).astype(str),
            "measure": [label(m) for m in totals["measure"]],
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


def share_grid(shares: pd.DataFrame, column: str = "share_of_country_sum") -> pd.DataFrame:
    """Fiscal years down, countries across, shares as percentages; no figure is a dash."""
    wide = shares.pivot(index="fiscal_year", columns="country_name", values=column)
    wide = wide.reindex(columns=sorted(wide.columns))
    out = wide.apply(lambda col: [_cell(v, lambda x: f"{x:.1%}") for v in col])
    out.index = out.index.astype(str)
    out.index.name = "FY"
    out.columns.name = None
    return out.reset_index()


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


def chain_display(wide: pd.DataFrame, doubtful: pd.DataFrame | None = None) -> pd.DataFrame:
    """:func:`chain_wide` as display strings, measures under their labels, gaps as a dash; a
    figure listed in ``doubtful`` (:func:`doubtful_values`) reads "(doubtful)" after it."""
    marked = set()
    if doubtful is not None:
        marked = set(zip(doubtful["measure"], doubtful["fiscal_year"].astype(int), strict=True))
    out = pd.DataFrame({"FY": wide["fiscal_year"].astype(int).astype(str)})
    years = wide["fiscal_year"].astype(int).tolist()
    for measure in [c for c in wide.columns if c != "fiscal_year"]:
        out[label(measure)] = [
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
    long = table.assign(cell=cells, measure_label=[label(m) for m in table["measure"]])
    wide = long.pivot(index="fiscal_year", columns="measure_label", values="cell")
    order = [label(m) for m in CHAIN if m in set(table["measure"])]
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
    long = ranks.assign(cell=cells, measure_label=[label(m) for m in ranks["measure"]])
    wide = long.pivot(index="fiscal_year", columns="measure_label", values="cell")
    wide = wide[[label(m) for m in CHAIN if m in set(ranks["measure"])]]
    wide.index = wide.index.astype(str)
    wide.index.name = "FY"
    wide.columns.name = None
    return wide.reset_index()


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
                "years_ranked": year_ranges(ranked["fiscal_year"], "FY"),
                "years_at_target": year_ranges(
                    ranked.loc[ranked["rank"] == target, "fiscal_year"], "FY"
                ),
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
                "measures": ", ".join(label(m) for m in CHAIN if m in set(grp["measure"])),
                "fiscal years": year_ranges(grp["fiscal_year"]),
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
        parts.append(f"at or above in {year_ranges(at, 'FY')}")
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
            parts.append(f"{words} {len(years)} {'year' if len(years) == 1 else 'years'}")
        elif len(years):
            parts.append(f"{words} {year_ranges(years, 'FY')}")
    return "; ".join(parts)


def rank_sentence(ranks: pd.DataFrame, measure: str, target: int) -> str:
    """One plain clause for a measure of :func:`country_rank`, for glued prose.

    E.g. "rank 3 in FY2013–FY2016; last ranked in FY2020: 61 of 122".
    """
    summary = rank_summary(ranks[ranks["measure"] == measure], target)
    if summary.empty or pd.isna(summary.loc[0, "last_year"]):
        return "not ranked in any year"
    rec = summary.iloc[0]
    hit = rec["years_at_target"]
    first = f"rank {target} in {hit}" if hit != "none" else f"never rank {target}"
    last = f"last ranked in FY{rec['last_year']}: {rec['last_rank']} of {rec['last_n_ranked']}"
    return f"{first}; {last}"


def format_threshold_summary(summary: pd.DataFrame) -> pd.DataFrame:
    """:func:`threshold_summary` for display: per measure, "count: fiscal years" per status.

    The "sources disagree" column is shown only when some measure has such a year.
    """
    out = pd.DataFrame({"measure": [label(m) for m in summary["measure"]]})
    for status in STATUSES:
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
    _check_measure(measure)
    wanted = sorted({int(y) for y in years})
    members = region_members(funding, region)
    rows = funding[
        _is(funding["measure"], measure)
        & _is_country(funding)
        & funding["country_name"].isin(members)
        & funding["fiscal_year"].isin(wanted)
    ]
    figs = consolidate(rows)
    grid = figs.pivot(index="country_name", columns="fiscal_year", values="amount_usd")
    grid = grid.reindex(columns=wanted).sort_index()
    out = pd.DataFrame({"country": grid.index.astype(str)})
    for year in wanted:
        out[f"FY{year}"] = [_cell(v) for v in grid[year]]
    return out.reset_index(drop=True), rows
