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

Gaps in a country's run of years are set against the ``events`` timelines and the ``rules``
that name the country (:func:`gap_context`). They coincide in time; the records alone cannot
show that a rule caused a gap.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from imetbook.chapters import params, tables
from imetbook.data import countries
from imetbook.errors import DataError, ParameterError


def _optional(validator: params.Validator) -> params.Validator:
    """``None`` (computed from the data in the chapter) or a value ``validator`` accepts."""

    def check(value: object) -> object:
        return None if value is None else validator(value)

    return check


PARAMS = params.Spec(
    params.Ordered("fy_start", "fy_end"),
    fy=params.Param(
        _optional(params.FiscalYear(params.data_years("training"))),
        "Focus US fiscal year of the regional snapshot; None: the latest year with course records",
    ),
    country=params.Param(
        _optional(params.Country()),
        "Focus country whose years in and out are shown; None: no focus country",
    ),
    fy_start=params.Param(
        _optional(params.FiscalYear(params.data_years("funding"))),
        "First fiscal year shown; None: the first year with course records",
    ),
    fy_end=params.Param(
        _optional(params.FiscalYear(params.data_years("funding"))),
        "Last fiscal year shown; None: the last year with course records",
    ),
)
"""The chapter's parameters; defaults live in the notebook's ``parameters`` cell."""

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


def fiscal_year_of(date: pd.Timestamp) -> int:
    """US fiscal year of a date (FY2020 runs from 1 October 2019 to 30 September 2020)."""
    return int(date.year + (1 if date.month >= 10 else 0))


def fiscal_year_bounds(fy: int) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last day of fiscal year ``fy``."""
    return pd.Timestamp(fy - 1, 10, 1), pd.Timestamp(fy, 9, 30)


def _require(df: pd.DataFrame, table: str, columns: Iterable[str]) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise DataError(f"{table}: missing column(s) {', '.join(missing)}")


def _join(values: Iterable[object]) -> str:
    return "; ".join(sorted({str(v) for v in values if pd.notna(v)}))


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
    agg = rows.groupby(keys, as_index=False).agg(
        country_name=("country_name", "first"),
        regions=("region", _join),
        detail=(detail, _join),
    )
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
    """Fiscal years for which the course records hold any actual row (any program)."""
    years = training.loc[training["status"] == "actual", "fiscal_year"]
    return sorted(int(y) for y in years.unique())


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
        raise ParameterError(f"fy={fy} has no course records; the records cover FY{lo}-FY{hi}")
    for name, value in (("fy_start", fy_start), ("fy_end", fy_end)):
        if not first <= value <= last:
            raise ParameterError(
                f"{name}={value} is outside the years any source covers (FY{first}-FY{last})"
            )
    if fy_start > fy_end:
        raise ParameterError(f"fy_start ({fy_start}) is after fy_end ({fy_end})")
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


def country_gaps(present: Iterable[int], covered: Sequence[int]) -> list[tuple[int, int]]:
    """Runs of covered years missing between a country's first and last present year.

    Years the source does not cover are not counted missing: a gap is only what the source
    could have shown and did not.
    """
    have = set(present)
    if not have:
        return []
    first, last = min(have), max(have)
    missing = [y for y in covered if first < y < last and y not in have]
    gaps: list[tuple[int, int]] = []
    cov = list(covered)
    for y in missing:
        if gaps and cov.index(y) == cov.index(gaps[-1][1]) + 1:
            gaps[-1] = (gaps[-1][0], y)
        else:
            gaps.append((y, y))
    return gaps


def _span_text(a: int, b: int) -> str:
    return f"FY{a}" if a == b else f"FY{a}-FY{b}"


def presence(participation: pd.DataFrame, covered: Sequence[int]) -> pd.DataFrame:
    """Per country: first and last year, years present and missing, gaps, entry and exit.

    ``entry`` and ``exit`` say what the edges of the coverage allow: a country present in the
    first covered year may have taken part before it, and one absent from the last covered
    years has not necessarily left.
    """
    cov = sorted(covered)
    rows = []
    for (iso3, name), grp in participation.groupby(["iso3", "country_name"], sort=True):
        have = sorted(int(y) for y in grp["fiscal_year"].unique() if y in set(cov))
        if not have:
            continue
        gaps = country_gaps(have, cov)
        first, last = have[0], have[-1]
        entry = (
            f"present from the first covered year (FY{first}); earlier years not covered"
            if first == cov[0]
            else f"first appears in FY{first}"
        )
        exit_ = (
            f"present in the last covered year (FY{last})"
            if last == cov[-1]
            else f"last appears in FY{last}; absent through FY{cov[-1]}, the last covered year"
        )
        rows.append(
            {
                "iso3": iso3,
                "country_name": name,
                "first_year": first,
                "last_year": last,
                "years_present": len(have),
                "years_missing": sum(cov.index(b) - cov.index(a) + 1 for a, b in gaps),
                "n_gaps": len(gaps),
                "gaps": ", ".join(_span_text(a, b) for a, b in gaps),
                "entry": entry,
                "exit": exit_,
            }
        )
    cols = [
        "iso3",
        "country_name",
        "first_year",
        "last_year",
        "years_present",
        "years_missing",
        "n_gaps",
        "gaps",
        "entry",
        "exit",
    ]
    return pd.DataFrame(rows, columns=cols)


GAP_COLUMNS = [
    "iso3",
    "country_name",
    "kind",
    "gap_start",
    "gap_end",
    "missing_years",
    "last_before",
    "first_after",
]


def _edge_runs(have: list[int], cov: list[int]) -> list[tuple[str, int, int]]:
    """Covered years before the first and after the last present year, as runs."""
    runs = []
    before = [y for y in cov if y < have[0]]
    after = [y for y in cov if y > have[-1]]
    if before:
        runs.append(("before first record", before[0], before[-1]))
    if after:
        runs.append(("after last record", after[0], after[-1]))
    return runs


def gaps_table(
    participation: pd.DataFrame, covered: Sequence[int], edges: bool = False
) -> pd.DataFrame:
    """One row per gap: country, first and last missing year, the years present either side.

    ``kind`` is ``gap`` for a run of missing years between two present years. With
    ``edges=True`` the covered years before a country's first record and after its last are
    added too (``before first record``, ``after last record``); their missing side is <NA>:
    the records cannot say whether the country took part before or after the coverage.
    """
    cov = sorted(covered)
    rows = []
    for (iso3, name), grp in participation.groupby(["iso3", "country_name"], sort=True):
        have = sorted(int(y) for y in grp["fiscal_year"].unique() if y in set(cov))
        if not have:
            continue
        runs = [("gap", a, b) for a, b in country_gaps(have, cov)]
        runs += _edge_runs(have, cov) if edges else []
        for kind, a, b in runs:
            before = [y for y in have if y < a]
            after = [y for y in have if y > b]
            rows.append(
                {
                    "iso3": iso3,
                    "country_name": name,
                    "kind": kind,
                    "gap_start": a,
                    "gap_end": b,
                    "missing_years": cov.index(b) - cov.index(a) + 1,
                    "last_before": before[-1] if before else None,
                    "first_after": after[0] if after else None,
                }
            )
    out = pd.DataFrame(rows, columns=GAP_COLUMNS)
    out = out.astype({"gap_start": "int64", "gap_end": "int64", "missing_years": "int64"})
    out = out.astype({"last_before": "Int64", "first_after": "Int64"})
    return out.sort_values(["country_name", "gap_start"], ignore_index=True)


def gap_years(gaps: pd.DataFrame, years: Sequence[int]) -> pd.DataFrame:
    """Per fiscal year: how many countries are inside a gap (between two present years).

    Many countries missing in the same years points to a common cause (a rule, or a defect
    of that year's report) rather than to each country's own story.
    """
    inner = gaps[gaps["kind"] == "gap"]
    rows = []
    for y in years:
        hit = inner[(inner["gap_start"] <= y) & (inner["gap_end"] >= y)]
        names = sorted(hit["country_name"].unique())
        rows.append({"fiscal_year": y, "countries_in_gap": len(names), "names": ", ".join(names)})
    return pd.DataFrame(rows)


def rules_naming(rules: pd.DataFrame, iso3: str) -> pd.DataFrame:
    """Rules whose ``example_countries`` name the country with code ``iso3``.

    Every name is resolved through :mod:`imetbook.data.countries`; a name that cannot be resolved
    raises UnknownCountryError naming it rather than being skipped.
    """
    _require(rules, "rules", ["rule_id", "example_countries"])

    def names_it(cell: object) -> bool:
        if pd.isna(cell):
            return False
        names = [n.strip() for n in str(cell).split(";") if n.strip()]
        return any(countries.to_iso3(n) == iso3 for n in names)

    hit = rules["example_countries"].map(names_it).astype(bool)
    return rules[hit].sort_values("rule_id", ignore_index=True)


def _relation(start: pd.Timestamp, end: pd.Timestamp, g0: pd.Timestamp, g1: pd.Timestamp) -> str:
    if end < g0:
        return "before"
    if start > g1:
        return "after"
    return "during"


def _events_near(events: pd.DataFrame, gap: pd.Series, window: int) -> list[dict]:
    w0, _ = fiscal_year_bounds(int(gap["gap_start"]) - window)
    _, w1 = fiscal_year_bounds(int(gap["gap_end"]) + window)
    g0, _ = fiscal_year_bounds(int(gap["gap_start"]))
    _, g1 = fiscal_year_bounds(int(gap["gap_end"]))
    mine = events[events["iso3"] == gap["iso3"]]
    near = mine[(mine["date_start"] <= w1) & (mine["date_end"] >= w0)]
    return [
        {
            "kind": "event",
            "ref": ev["event_id"],
            "when": ev["date"],
            "relation": _relation(ev["date_start"], ev["date_end"], g0, g1),
            "what": ev["event"],
            "category": ev["category"],
            "source": ev["source_title"],
            "source_url": ev["source_url"],
        }
        for _, ev in near.sort_values(["date_start", "event_id"]).iterrows()
    ]


def _rules_in_force(named: pd.DataFrame, gap_end: int) -> list[dict]:
    # A rule enacted after the gap ended cannot have shaped it; an unknown year is kept and
    # shown as unknown.
    rows = []
    for _, r in named.iterrows():
        year = r["year_enacted"]
        if pd.notna(year) and int(year) > gap_end:
            continue
        rows.append(
            {
                "kind": "rule",
                "ref": r["rule_id"],
                "when": "year not given" if pd.isna(year) else f"enacted {int(year)}",
                "relation": "names the country",
                "what": f"{r['name']} ({r['legal_citation']}): {r['effect_on_imet']}",
                "category": "rule",
                "source": r["source_title"],
                "source_url": r["source_url"],
            }
        )
    return rows


CONTEXT_COLUMNS = [
    "iso3",
    "country_name",
    "gap",
    "gap_kind",
    "kind",
    "ref",
    "when",
    "relation",
    "what",
    "category",
    "source",
    "source_url",
]


def gap_context(
    gaps: pd.DataFrame, events: pd.DataFrame, rules: pd.DataFrame, window: int = 1
) -> pd.DataFrame:
    """Events and rules that coincide with each gap.

    ``gaps`` is a :func:`gaps_table` (with or without edges). Events: those of the country
    whose date range overlaps the gap's fiscal years widened by ``window`` fiscal years on each
    side (a year-precise date spans its whole calendar year); ``relation`` says whether the
    event falls before, during or after the missing years.
    Rules: those whose ``example_countries`` name the country and that were not enacted after
    the gap ended. Coincidence in time is all this shows.
    """
    _require(
        events,
        "events",
        [
            "event_id",
            "iso3",
            "date",
            "date_start",
            "date_end",
            "event",
            "category",
            "source_title",
            "source_url",
        ],
    )
    _require(
        rules,
        "rules",
        [
            "rule_id",
            "name",
            "legal_citation",
            "year_enacted",
            "effect_on_imet",
            "example_countries",
            "source_title",
            "source_url",
        ],
    )
    rows = []
    named_cache: dict[str, pd.DataFrame] = {}
    for _, gap in gaps.sort_values(["country_name", "gap_start"]).iterrows():
        iso3 = gap["iso3"]
        if iso3 not in named_cache:
            named_cache[iso3] = rules_naming(rules, iso3)
        found = _events_near(events, gap, window) + _rules_in_force(
            named_cache[iso3], int(gap["gap_end"])
        )
        label = _span_text(int(gap["gap_start"]), int(gap["gap_end"]))
        rows += [
            {
                "iso3": iso3,
                "country_name": gap["country_name"],
                "gap": label,
                "gap_kind": gap.get("kind", "gap"),
                **f,
            }
            for f in found
        ]
    return pd.DataFrame(rows, columns=CONTEXT_COLUMNS)


def country_events(events: pd.DataFrame, iso3: str, years: Sequence[int]) -> pd.DataFrame:
    """The country's dated events whose dates fall (at least partly) in fiscal ``years``."""
    start, _ = fiscal_year_bounds(min(years))
    _, end = fiscal_year_bounds(max(years))
    mine = events[(events["iso3"] == iso3)]
    mine = mine[(mine["date_start"] <= end) & (mine["date_end"] >= start)]
    cols = ["date", "category", "event", "source_title", "source_url", "event_id"]
    return mine.sort_values(["date_start", "event_id"])[cols].reset_index(drop=True)


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
                "exempt_as": "NATO member" if date else "named in 22 U.S.C. 2416(a)(2)",
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
                "gaps": ", ".join(_span_text(a, b) for a, b in gaps),
                "years_covered_by_funding": len(f_cov),
                "years_with_money": len(money),
            }
        )
    out = pd.DataFrame(rows)
    for c in ("first_in_records", "last_in_records"):
        out[c] = out[c].astype("Int64")
    return out


def record_citations(training: pd.DataFrame, iso3: str, years: Sequence[int]) -> pd.DataFrame:
    """Where a country's IMET course records of ``years`` are printed: report and pages.

    Pages are the range printed in the report (numbering schemes differ between reports; the
    1999-2000 and 2006-2007 reports have none, shown as <NA>).
    """
    keep = (training["iso3"] == iso3) & (training["status"] == "actual")
    keep &= training["is_imet"].astype(bool) & training["fiscal_year"].isin(list(years))
    rows = training.loc[keep, ["fiscal_year", "report", "page"]]
    out = rows.groupby(["fiscal_year", "report"], as_index=False).agg(
        records=("page", "size"), first_page=("page", "min"), last_page=("page", "max")
    )
    return out.sort_values(["fiscal_year", "report"], ignore_index=True)


def citation_text(citations: pd.DataFrame) -> dict[int, str]:
    """Per fiscal year, where its records are printed: ``2003-2004 report, pp. 120-125``."""
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


def section_years(training: pd.DataFrame, region: str) -> tuple[int, int] | None:
    """First and last fiscal year with actual rows printed in report section ``region``."""
    years = training.loc[
        (training["region"] == region) & (training["status"] == "actual"), "fiscal_year"
    ]
    return None if years.empty else (int(years.min()), int(years.max()))


def _by_source(rows: pd.DataFrame, extra: dict) -> pd.DataFrame:
    """Group source rows by source key and measure; name the earliest document of each."""
    rows = rows.sort_values(["fiscal_year", "source_title"])
    out = rows.groupby(["source", "measure"], as_index=False).agg(
        first_year=("fiscal_year", "min"),
        last_year=("fiscal_year", "max"),
        **extra,
        documents=("source_title", "nunique"),
        source_title=("source_title", "first"),
        source_url=("source_url", "first"),
    )
    return out.sort_values(["first_year", "source", "measure"], ignore_index=True)


def funding_sources(
    funding: pd.DataFrame, iso3: str, measures: Sequence[str], years: Sequence[int]
) -> pd.DataFrame:
    """The sources behind a country's figures, per source and measure: the years they cover,
    how many documents (editions) they come from, and the earliest document's title and
    address."""
    keep = (funding["iso3"] == iso3) & funding["measure"].isin(list(measures))
    keep &= funding["fiscal_year"].isin(list(years))
    return _by_source(funding.loc[keep], {"years": ("fiscal_year", "nunique")})


def money_sources(
    funding: pd.DataFrame, years: Sequence[int], measures: Sequence[str] = MONEY_MEASURES
) -> pd.DataFrame:
    """The sources behind the count of countries with money, per source and measure: the
    years in ``years`` with a positive country figure, how many countries, how many documents
    (editions), and the earliest document's title and address."""
    keep = (funding["scope"] == "country") & funding["iso3"].notna()
    keep &= funding["measure"].isin(list(measures)) & (funding["amount_usd"] > 0)
    keep &= funding["fiscal_year"].isin(list(years))
    return _by_source(funding.loc[keep], {"countries": ("iso3", "nunique")})


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


# --- words for the chapter's prose ---------------------------------------------------------


def fy_label(year: object, missing: str = "no year") -> str:
    """``FY2003``; ``missing`` for a null year."""
    return missing if year is None or pd.isna(year) else f"FY{int(year)}"


def span_label(first: int, last: int) -> str:
    """``FY1999–FY2020`` (one year: ``FY2020``)."""
    return f"FY{first}" if first == last else f"FY{first}\u2013FY{last}"


def usd(amount: object, missing: str = "no figure") -> str:
    """``$1,234,567`` (whole dollars); ``missing`` for a null amount."""
    return missing if amount is None or pd.isna(amount) else f"${float(amount):,.0f}"


def names_text(names: Sequence[str], empty: str = "none") -> str:
    """``A``, ``A and B``, ``A, B and C``."""
    names = list(names)
    if not names:
        return empty
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


# --- tables for the chapter -------------------------------------------------------------


def source_links(df: pd.DataFrame, title: str = "source_title", url: str = "source_url") -> list:
    """One HTML link per row (:func:`imetbook.chapters.tables.link`); a row standing for several
    documents says how many more."""
    out = []
    for row in df.to_dict("records"):
        text = tables.link(row[title], row[url])
        more = int(row.get("documents", 1)) - 1
        out.append(text + (f" (and {more} other edition{'s' if more > 1 else ''})" if more else ""))
    return out


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
