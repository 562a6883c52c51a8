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
parser derives from the sources; it is never typed here. Chart series, source lists and the
clauses the verdicts quote are in :mod:`.budget_tables`; the chapter's table views in
:mod:`imetbook.chapters.budget`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import pandas as pd

from imetbook import vocab
from imetbook.data import countries
from imetbook.errors import DataError, ParameterError
from imetbook.vocab import fy_runs, measure_label, usd

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

KEY = ("scope", "is_total", "country_name", "fiscal_year", "measure")
SOURCE_COLUMNS = ("source", "source_title", "source_url", "locator")
SEP = " | "


# --- checks and small helpers -------------------------------------------------------------


def _require(df: pd.DataFrame, columns: Iterable[str], what: str = "funding") -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise DataError(f"{what}: missing column(s) {', '.join(missing)}")


def _check_measure(measure: str) -> str:
    if measure not in CHAIN:
        raise ParameterError(f"measure {measure!r} is not one of {', '.join(CHAIN)}")
    return measure


def _in_years(df: pd.DataFrame, fy_start: int | None, fy_end: int | None) -> pd.DataFrame:
    vocab.check_order(fy_start, fy_end)
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
    vocab.check_order(fy_start, fy_end)
    span = range(fy_start, fy_end + 1)
    rows = []
    for measure, grp in totals.groupby("measure", sort=False):
        with_row = set(grp.loc[grp["region_row_usd"].notna(), "fiscal_year"])
        with_cty = set(grp.loc[grp["countries_reported"] > 0, "fiscal_year"])
        rows.append(
            {
                "measure": measure,
                "years_with_region_row": fy_runs(with_row),
                "years_with_country_figures": fy_runs(with_cty),
                "years_with_neither": fy_runs(set(span) - with_row - with_cty),
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
    vocab.check_order(fy_start, fy_end)
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
    vocab.check_order(fy_start, fy_end)
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
            row[f"years_{status.replace(' ', '_')}"] = fy_runs(years[status])
        rows.append(row)
    cols = ["measure"]
    for status in STATUSES:
        cols += [f"n_{status.replace(' ', '_')}", f"years_{status.replace(' ', '_')}"]
    return pd.DataFrame(rows, columns=cols)


# --- words shared with other modules ---------------------------------------------------------


def label(measure: str) -> str:
    """The one label of a measure (:func:`imetbook.vocab.measure_label`), checked against
    :data:`CHAIN`."""
    return measure_label(_check_measure(measure))


def year_ranges(years: Iterable[int], prefix: str = "FY") -> str:
    """Fiscal years as spans, :func:`imetbook.vocab.fy_runs` (the one wording; ``prefix`` is
    kept for old callers and must be "FY")."""
    if prefix != "FY":
        raise ValueError("year_ranges: fiscal years are always written FY2003\u2013FY2005")
    return fy_runs(years)
