"""Who may take part in IMET, and who shows up in the records, fiscal year by fiscal year.

Two kinds of evidence say a country took part in a year:

- the course records (``training``): at least one IMET row with status ``actual``;
- the money (``funding``): a positive amount of one of :data:`MONEY_MEASURES` for the country.

Each is reduced to one row per country and fiscal year (:func:`training_participation`,
:func:`funding_participation`), so a country is counted once a year however many programs,
region files or sources name it. Presence is then read against the years a source covers
(:func:`covered_years_training`, :func:`covered_years_funding`): a year a source does not cover
is a gap in the evidence, never a zero, and a country missing from the last covered year has
not necessarily left the program.

Gaps in a country's run of years, and the events and rules that coincide with them, are in
:mod:`imetbook.analysis.absences`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from imetbook import vocab
from imetbook.analysis.absences import country_gaps, spans
from imetbook.analysis.timeline_yearly import report_years
from imetbook.data import countries
from imetbook.errors import DataError, ParameterError

# Measures that say money was given or committed to a country for a year. Requests, estimates
# and planned figures are intentions, and training_value is computed from the course records
# themselves, so counting it would count the training evidence twice.
MONEY_MEASURES: tuple[str, ...] = (
    "obligation",
    "actual",
    "allocation",
    "appropriation",
    "fmtr_actual_dollars",
)

NO_REGION = "Region not given"

# Countries 22 U.S.C. 2416(a)(2) exempts from the training reports: NATO members (by date of
# accession, from the sourced table ``nato_accessions``, data/raw/reference) and the three
# countries the paragraph names (rules table, R29). When each country is absent from the
# reports is read from the records.
EXEMPT_BY_NAME: tuple[str, ...] = ("AUS", "JPN", "NZL")
NATO_MEMBER = "NATO member"
BY_NAME = "named in 22 U.S.C. 2416(a)(2)"


def accession_dates(nato: pd.DataFrame) -> dict[str, str]:
    """NATO members (``nato_accessions`` table) and their accession date as the source gives
    it (``YYYY-MM-DD`` or, where the source gives only the year, ``YYYY``)."""
    _require(nato, "nato_accessions", ["iso3", "accession_date"])
    return dict(zip(nato["iso3"], nato["accession_date"].astype(str), strict=True))


def accession_group(nato: pd.DataFrame, year: int) -> tuple[str, list[str]]:
    """The accession date of the members that joined NATO in calendar ``year`` and their
    codes; DataError if none did or they joined on different dates."""
    _require(nato, "nato_accessions", ["iso3", "accession_date", "date_start"])
    hit = nato[nato["date_start"].dt.year == year]
    dates = sorted(set(hit["accession_date"].astype(str)))
    if len(dates) != 1:
        raise DataError(f"nato_accessions: {len(dates)} accession dates in {year}, expected 1")
    return dates[0], sorted(hit["iso3"])


PARTICIPATION_COLUMNS = ["fiscal_year", "iso3", "country_name", "region", "regions", "detail"]


def _require(df: pd.DataFrame, table: str, columns: Iterable[str]) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise DataError(f"{table}: missing column(s) {', '.join(missing)}")


def _joined(rows: pd.DataFrame, keys: list[str], column: str) -> dict[tuple, str]:
    """Per group of ``keys``: the distinct non-null values of ``column`` as text, sorted and
    joined with '; ' (groups with none are left out). One pass over the distinct
    (group, value) pairs: a Python function per group would cost a second per call."""
    pairs = rows.loc[rows[column].notna(), [*keys, column]].drop_duplicates()
    found: dict[tuple, set[str]] = {}
    for *key, value in pairs.itertuples(index=False, name=None):
        found.setdefault(tuple(key), set()).add(str(value))
    return {key: "; ".join(sorted(values)) for key, values in found.items()}


def _one_row_per_country_year(rows: pd.DataFrame, detail: str) -> pd.DataFrame:
    """Collapse ``rows`` (fiscal_year, iso3, country_name, region, <detail>) per country-year.

    A country filed under two regions in one year (Albania in 2000-2001) keeps one region: the
    one with the most rows, ties broken alphabetically, so region counts add up to the total.
    """
    if rows.empty:
        return _empty_participation()
    rows = rows.assign(region=rows["region"].fillna(NO_REGION))
    keys = ["fiscal_year", "iso3"]
    sizes = rows.groupby([*keys, "region"], as_index=False).size()
    main = (
        sizes.sort_values([*keys, "size", "region"], ascending=[True, True, False, True])
        .drop_duplicates(keys)
        .drop(columns="size")
    )
    agg = rows.groupby(keys, as_index=False).agg(country_name=("country_name", "first"))
    at = list(zip(agg["fiscal_year"], agg["iso3"], strict=True))
    for name, column in (("regions", "region"), ("detail", detail)):
        joined = _joined(rows, keys, column)
        agg[name] = pd.Series([joined.get(k, "") for k in at], index=agg.index, dtype="str")
    out = agg.merge(main, on=keys, how="left")
    out["fiscal_year"] = out["fiscal_year"].astype("int64")
    return out[PARTICIPATION_COLUMNS].sort_values(keys, ignore_index=True)


def _empty_participation() -> pd.DataFrame:
    data = {c: pd.Series(dtype="str") for c in PARTICIPATION_COLUMNS}
    data["fiscal_year"] = pd.Series(dtype="int64")
    return pd.DataFrame(data)


def training_participation(training: pd.DataFrame) -> pd.DataFrame:
    """One row per country and fiscal year with at least one IMET course record.

    Only rows with status ``actual`` count (the ``planned`` second year of the two oldest
    reports is a plan, and repeats a year the next report records as actual); rows without an
    ISO code are headings, not countries (``Indochina``). ``detail`` lists the IMET programs.
    """
    _require(
        training,
        "training",
        ["fiscal_year", "status", "iso3", "country_name", "region", "program", "is_imet"],
    )
    keep = (training["status"] == "actual") & training["is_imet"].astype(bool)
    keep &= training["iso3"].notna()
    rows = training.loc[keep, ["fiscal_year", "iso3", "country_name", "region", "program"]]
    return _one_row_per_country_year(rows, "program")


def funding_participation(
    funding: pd.DataFrame, measures: Sequence[str] = MONEY_MEASURES
) -> pd.DataFrame:
    """One row per country and fiscal year with a positive amount of IMET money.

    Country rows only (region, world and unallocated lines are not countries); ``detail``
    lists the measures found. A zero is a printed zero, not money, and does not count.
    """
    _require(
        funding,
        "funding",
        ["fiscal_year", "iso3", "country_name", "scope", "region", "measure", "amount_usd"],
    )
    keep = (funding["scope"] == "country") & funding["iso3"].notna()
    keep &= funding["measure"].isin(list(measures)) & (funding["amount_usd"] > 0)
    if "is_total" in funding.columns:
        keep &= ~funding["is_total"].astype(bool)
    rows = funding.loc[keep, ["fiscal_year", "iso3", "country_name", "region", "measure"]]
    return _one_row_per_country_year(rows, "measure")


def bureaus(funding: pd.DataFrame) -> dict[str, str]:
    """The State regional bureau of each country, as the funding table places it.

    One scheme for both sources: the reports' own sections changed over the years (Newly
    Independent States until FY2003, South Asia until FY2005, then South Central Asia), so
    counting the course records by report section would move countries between regions.
    A country placed in two bureaus keeps the one most of its rows give (ties alphabetical).
    """
    rows = funding[(funding["scope"] == "country") & funding["iso3"].notna()]
    rows = rows[rows["region"].notna()]
    sizes = rows.groupby(["iso3", "region"]).size().reset_index(name="n")
    best = sizes.sort_values(["iso3", "n", "region"], ascending=[True, False, True])
    best = best.drop_duplicates("iso3")
    return dict(zip(best["iso3"], best["region"], strict=True))


def with_regions(participation: pd.DataFrame, regions: dict[str, str]) -> pd.DataFrame:
    """``participation`` with ``region`` replaced by ``regions[iso3]`` (else NO_REGION)."""
    out = participation.copy()
    out["region"] = [regions.get(c, NO_REGION) for c in out["iso3"]]
    return out


def covered_years_training(training: pd.DataFrame) -> list[int]:
    """Fiscal years for which the course records hold any actual row (any program): the years
    the reports cover, decided once by :func:`timeline_yearly.report_years`."""
    return sorted(report_years(training))


def covered_years_funding(
    funding: pd.DataFrame, measures: Sequence[str] = MONEY_MEASURES
) -> list[int]:
    """Fiscal years for which the funding sources give any country figure of ``measures``."""
    keep = (funding["scope"] == "country") & funding["measure"].isin(list(measures))
    return sorted(int(y) for y in funding.loc[keep, "fiscal_year"].unique())


def latest_year(training: pd.DataFrame) -> int:
    """The latest fiscal year with actual course records (the chapter's default ``fy``)."""
    years = covered_years_training(training)
    if not years:
        raise DataError("training: no rows with status 'actual'")
    return years[-1]


@dataclass(frozen=True)
class YearSpan:
    """The chapter's resolved years: a focus year and an inclusive span."""

    fy: int
    fy_start: int
    fy_end: int

    @property
    def years(self) -> list[int]:
        return list(range(self.fy_start, self.fy_end + 1))


def resolve_years(
    fy: int | None,
    fy_start: int | None,
    fy_end: int | None,
    covered: Sequence[int],
    outer: Sequence[int] = (),
) -> YearSpan:
    """Fill ``None`` from the covered years and check them; raise ParameterError if bad.

    ``covered`` is the training coverage: ``fy`` defaults to its last year and must be one of
    them; the span defaults to its first and last year. The span may reach into ``outer``
    (years other sources cover, e.g. the funding series) but not beyond every source.
    """
    if not covered:
        raise ParameterError("no fiscal year has course records; build the data first")
    lo, hi = min(covered), max(covered)
    all_years = set(covered) | set(outer)
    first, last = min(all_years), max(all_years)
    fy = hi if fy is None else fy
    fy_start = lo if fy_start is None else fy_start
    fy_end = hi if fy_end is None else fy_end
    if fy not in set(covered):
        raise ParameterError(
            f"fy={fy} has no course records; the records cover {vocab.fy_span(lo, hi)}"
        )
    for name, value in (("fy_start", fy_start), ("fy_end", fy_end)):
        if not first <= value <= last:
            raise ParameterError(
                f"{name}={value} is outside the years any source covers "
                f"({vocab.fy_span(first, last)})"
            )
    vocab.check_order(fy_start, fy_end)
    return YearSpan(fy=int(fy), fy_start=int(fy_start), fy_end=int(fy_end))


def counts_by_year(
    participation: pd.DataFrame, covered: Sequence[int], years: Sequence[int]
) -> pd.Series:
    """Countries per fiscal year over ``years``; <NA> for a year the source does not cover."""
    counts = participation.groupby("fiscal_year")["iso3"].nunique()
    out = pd.Series(pd.NA, index=pd.Index(list(years), name="fiscal_year"), dtype="Int64")
    inside = [y for y in years if y in set(covered)]
    out.loc[inside] = counts.reindex(inside, fill_value=0).to_numpy()
    return out


def counts_by_region(
    participation: pd.DataFrame, covered: Sequence[int], years: Sequence[int]
) -> pd.DataFrame:
    """Countries per fiscal year (rows) and region (columns); <NA> for uncovered years."""
    sub = participation[participation["fiscal_year"].isin(list(years))]
    table = sub.pivot_table(
        index="fiscal_year", columns="region", values="iso3", aggfunc="nunique", fill_value=0
    )
    table = table.reindex(index=list(years), fill_value=0).astype("Int64")
    table.loc[[y for y in years if y not in set(covered)]] = pd.NA
    table = table.reindex(columns=sorted(table.columns))
    table.columns.name = "region"
    table.index.name = "fiscal_year"
    return table


def side_by_side(
    train: pd.DataFrame,
    fund: pd.DataFrame,
    train_covered: Sequence[int],
    fund_covered: Sequence[int],
    years: Sequence[int],
) -> pd.DataFrame:
    """Countries per year in the course records, in the funding sources, in both and in one.

    Overlap columns are <NA> unless both sources cover the year.
    """
    out = pd.DataFrame(
        {
            "training": counts_by_year(train, train_covered, years),
            "funding": counts_by_year(fund, fund_covered, years),
        }
    )
    both_covered = set(train_covered) & set(fund_covered)
    t = train.groupby("fiscal_year")["iso3"].agg(set)
    f = fund.groupby("fiscal_year")["iso3"].agg(set)
    for name, op in (
        ("both", lambda a, b: a & b),
        ("training_only", lambda a, b: a - b),
        ("funding_only", lambda a, b: b - a),
    ):
        values = [
            len(op(t.get(y, set()), f.get(y, set()))) if y in both_covered else pd.NA for y in years
        ]
        out[name] = pd.array(values, dtype="Int64")
    return out.reset_index()


def country_years(
    iso3: str,
    train: pd.DataFrame,
    fund: pd.DataFrame,
    train_covered: Sequence[int],
    fund_covered: Sequence[int],
    years: Sequence[int],
) -> pd.DataFrame:
    """A country's years in and out: course records (programs) and money (measures) per year.

    ``in_training``/``in_funding`` are True, False, or <NA> where the source does not cover
    the year.
    """
    t = train[train["iso3"] == iso3].set_index("fiscal_year")
    f = fund[fund["iso3"] == iso3].set_index("fiscal_year")
    rows = []
    for y in years:
        rows.append(
            {
                "fiscal_year": y,
                "in_training": (y in t.index) if y in set(train_covered) else pd.NA,
                "programs": t.at[y, "detail"] if y in t.index else "",
                "in_funding": (y in f.index) if y in set(fund_covered) else pd.NA,
                "measures": f.at[y, "detail"] if y in f.index else "",
            }
        )
    out = pd.DataFrame(rows)
    out["in_training"] = out["in_training"].astype("boolean")
    out["in_funding"] = out["in_funding"].astype("boolean")
    return out


def money_without_records(
    train: pd.DataFrame, fund: pd.DataFrame, train_covered: Sequence[int], years: Sequence[int]
) -> pd.DataFrame:
    """Countries with IMET money in years the course records cover but no IMET record then.

    Per country: the number of such years and the first and last of them, and whether the
    country has any IMET course record at all in those years' span.
    """
    cov = set(train_covered) & set(years)
    f = fund[fund["fiscal_year"].isin(cov)]
    t_keys = set(zip(train["fiscal_year"], train["iso3"], strict=True))
    mask = [(y, c) not in t_keys for y, c in zip(f["fiscal_year"], f["iso3"], strict=True)]
    missing = f[mask]
    ever = set(train.loc[train["fiscal_year"].isin(cov), "iso3"])
    out = missing.groupby(["iso3", "country_name"], as_index=False).agg(
        years_with_money_no_records=("fiscal_year", "nunique"),
        first_year=("fiscal_year", "min"),
        last_year=("fiscal_year", "max"),
    )
    out["ever_in_records"] = out["iso3"].isin(ever)
    return out.sort_values(
        ["ever_in_records", "years_with_money_no_records", "country_name"],
        ascending=[True, False, True],
        ignore_index=True,
    )


EXEMPT_COLUMNS = [
    "iso3",
    "country_name",
    "exempt_as",
    "member_since",
    "years_in_records",
    "last_in_records",
    "first_absent",
    "years_with_money",
    "last_money",
]


def exempt_countries(
    train: pd.DataFrame,
    fund: pd.DataFrame,
    train_covered: Sequence[int],
    years: Sequence[int],
    accessions: dict[str, str],
    by_name: Sequence[str] = EXEMPT_BY_NAME,
) -> pd.DataFrame:
    """The countries the reports may omit, against what the records and the money show.

    Per country (NATO members by accession date, then those the statute names): years in
    ``years`` with an IMET course record, the last of them and the first covered year after
    it (<NA> if none), and years with IMET money. Countries with neither records nor money in
    ``years`` are left out.
    """
    cov = [y for y in sorted(train_covered) if y in set(years)]
    members = sorted(accessions.items(), key=lambda kv: (kv[1], kv[0]))
    members += [(c, None) for c in by_name if c not in accessions]
    rows = []
    for iso3, date in members:
        have = sorted(int(y) for y in train.loc[train["iso3"] == iso3, "fiscal_year"] if y in cov)
        money = sorted(
            int(y) for y in fund.loc[fund["iso3"] == iso3, "fiscal_year"] if y in set(years)
        )
        if not have and not money:
            continue
        later = [y for y in cov if have and y > have[-1]]
        rows.append(
            {
                "iso3": iso3,
                "country_name": countries.canonical_name(iso3),
                "exempt_as": NATO_MEMBER if date else BY_NAME,
                "member_since": date,
                "years_in_records": len(have),
                "last_in_records": have[-1] if have else None,
                "first_absent": later[0] if later else None,
                "years_with_money": len(money),
                "last_money": money[-1] if money else None,
            }
        )
    out = pd.DataFrame(rows, columns=EXEMPT_COLUMNS)
    for c in ("last_in_records", "first_absent", "last_money"):
        out[c] = out[c].astype("Int64")
    for c in ("years_in_records", "years_with_money"):
        out[c] = out[c].astype("int64")
    return out


def country_summary(
    iso3s: Sequence[str],
    train: pd.DataFrame,
    fund: pd.DataFrame,
    train_covered: Sequence[int],
    fund_covered: Sequence[int],
    years: Sequence[int],
) -> pd.DataFrame:
    """Per country: years covered, years in the course records and with money, gaps."""
    t_cov = [y for y in sorted(train_covered) if y in set(years)]
    f_cov = [y for y in sorted(fund_covered) if y in set(years)]
    rows = []
    for iso3 in iso3s:
        have = sorted(int(y) for y in train.loc[train["iso3"] == iso3, "fiscal_year"] if y in t_cov)
        money = sorted(int(y) for y in fund.loc[fund["iso3"] == iso3, "fiscal_year"] if y in f_cov)
        gaps = country_gaps(have, t_cov)
        rows.append(
            {
                "iso3": iso3,
                "country_name": countries.canonical_name(iso3),
                "years_covered_by_records": len(t_cov),
                "years_in_records": len(have),
                "first_in_records": have[0] if have else None,
                "last_in_records": have[-1] if have else None,
                "gaps": spans(gaps),
                "years_covered_by_funding": len(f_cov),
                "years_with_money": len(money),
            }
        )
    out = pd.DataFrame(rows)
    for c in ("first_in_records", "last_in_records"):
        out[c] = out[c].astype("Int64")
    return out


def section_years(training: pd.DataFrame, region: str) -> tuple[int, int] | None:
    """First and last fiscal year with actual rows printed in report section ``region``."""
    years = training.loc[
        (training["region"] == region) & (training["status"] == "actual"), "fiscal_year"
    ]
    return None if years.empty else (int(years.min()), int(years.max()))


def country_funding(
    funding: pd.DataFrame, iso3: str, measures: Sequence[str], years: Sequence[int]
) -> pd.DataFrame:
    """A country's IMET figures by fiscal year (rows) and measure (columns), US dollars.

    Measures are never summed; a year/measure no source gives is left empty (<NA>).
    Where two sources give the same measure for one year, both must agree or DataError
    is raised, so a disagreement is never hidden by picking one.
    """
    keep = (funding["iso3"] == iso3) & funding["measure"].isin(list(measures))
    keep &= funding["fiscal_year"].isin(list(years))
    sub = funding.loc[keep, ["fiscal_year", "measure", "amount_usd"]]
    spread = sub.groupby(["fiscal_year", "measure"])["amount_usd"].nunique()
    if (spread > 1).any():
        y, m = spread[spread > 1].index[0]
        raise DataError(f"funding: sources disagree on {iso3} FY{y} {m}; show them separately")
    table = sub.pivot_table(
        index="fiscal_year", columns="measure", values="amount_usd", aggfunc="first"
    )
    table = table.reindex(columns=[m for m in measures if m in table.columns])
    table.columns.name = None
    return table.reset_index()


def last_figure(table: pd.DataFrame, measure: str) -> tuple[int, float] | None:
    """The last fiscal year with a figure of ``measure`` in ``table`` (:func:`country_funding`)
    and that figure; None when there is none."""
    if measure not in table:
        return None
    rows = table.dropna(subset=[measure])
    return None if rows.empty else (int(rows["fiscal_year"].iloc[-1]), rows[measure].iloc[-1])


# --- the chapter's regional views --------------------------------------------------------------


def region_order(*frames: pd.DataFrame) -> list[str]:
    """The regions (columns) of ``frames``, sorted, with :data:`NO_REGION` last."""
    found = set().union(*(set(f.columns) for f in frames))
    return sorted(found - {NO_REGION}) + ([NO_REGION] if NO_REGION in found else [])


def all_regions(
    counts: pd.DataFrame, regions: Sequence[str], covered: Sequence[int]
) -> pd.DataFrame:
    """``counts`` (:func:`counts_by_region`) with every region of ``regions`` as a column, so
    that two charts give a region the same colour: a region without a country in a covered year
    has 0 countries, an uncovered year stays <NA>."""
    out = counts.reindex(columns=list(regions), fill_value=0)
    out.loc[[y for y in out.index if y not in set(covered)]] = pd.NA
    return out


def regions_by_source(
    train: pd.DataFrame,
    fund: pd.DataFrame,
    train_covered: Sequence[int],
    fund_covered: Sequence[int],
    years: Sequence[int],
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Countries per year and region in the course records and with money (:func:`all_regions`
    of each), and the regions in :func:`region_order`."""
    records = counts_by_region(train, train_covered, years)
    money = counts_by_region(fund, fund_covered, years)
    regions = region_order(records, money)
    return (
        all_regions(records, regions, train_covered),
        all_regions(money, regions, fund_covered),
        regions,
    )


def regions_side_by_side(
    by_source: dict[str, pd.DataFrame], regions: Sequence[str]
) -> pd.DataFrame:
    """Countries per fiscal year (rows) by region and source (two column levels)."""
    wide = pd.concat(
        {(r, name): frame[r] for r in regions for name, frame in by_source.items()}, axis=1
    )
    wide.index.name = "fiscal_year"
    return wide


def regional_snapshot(
    train: pd.DataFrame, fund: pd.DataFrame, fy: int, fund_covered: Sequence[int]
) -> pd.DataFrame:
    """Countries with course records, with money and with both in fiscal year ``fy``, per
    region (``training``, ``funding``, ``both``; <NA> money where the funding sources do not
    cover ``fy``)."""
    t = train[train["fiscal_year"] == fy]
    f = fund[fund["fiscal_year"] == fy]
    both = t[t["iso3"].isin(set(f["iso3"]))]
    snap = pd.DataFrame(
        {
            "training": t.groupby("region")["iso3"].nunique(),
            "funding": f.groupby("region")["iso3"].nunique(),
            "both": both.groupby("region")["iso3"].nunique(),
        }
    )
    snap = snap.fillna(0).astype("Int64").rename_axis("region").sort_index().reset_index()
    if fy not in set(fund_covered):
        snap[["funding", "both"]] = pd.NA
    return snap


def measure_years(funding: pd.DataFrame, measure: str) -> list[int]:
    """Fiscal years with a country figure of ``measure`` in the funding table."""
    rows = funding[(funding["scope"] == "country") & (funding["measure"] == measure)]
    return sorted(int(y) for y in rows["fiscal_year"].unique())


def never_in_records(
    train: pd.DataFrame,
    fund: pd.DataFrame,
    train_covered: Sequence[int],
    years: Sequence[int],
    accessions: dict[str, str],
) -> pd.DataFrame:
    """:func:`money_without_records` for the countries never in the records in ``years``, with
    ``exempt_as``: why the reports may leave them out (``not exempt`` when no law says so)."""
    never = money_without_records(train, fund, train_covered, years)
    never = never[~never["ever_in_records"]].copy()
    never["exempt_as"] = [
        NATO_MEMBER if c in accessions else BY_NAME if c in EXEMPT_BY_NAME else "not exempt"
        for c in never["iso3"]
    ]
    return never.sort_values(["exempt_as", "country_name"], ignore_index=True)
