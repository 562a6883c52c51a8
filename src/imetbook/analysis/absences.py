"""Absences from the course records: gaps in a country's run of years, and what coincides.

A country's *gap* is a run of covered years missing between two years with records
(:func:`country_gaps`, :func:`gaps_table`); with ``edges`` the covered years before its first
record and after its last are listed too, since the records cannot say whether it took part
then. Years a source does not cover are never missing. Gaps are set against the ``events``
timelines and the ``rules`` that name the country (:func:`gap_context`): they coincide in
time; the records alone cannot show that a rule caused a gap.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import pandas as pd

from imetbook import vocab
from imetbook.data import countries
from imetbook.errors import DataError


def _require(df: pd.DataFrame, table: str, columns: Iterable[str]) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise DataError(f"{table}: missing column(s) {', '.join(missing)}")


def fiscal_year_bounds(fy: int) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last day of fiscal year ``fy``."""
    return pd.Timestamp(fy - 1, 10, 1), pd.Timestamp(fy, 9, 30)


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


def spans(runs: Iterable[tuple[int, int]]) -> str:
    """Runs of years as the book words them: ``FY2001–FY2003, FY2005`` (empty for none)."""
    return ", ".join(vocab.fy_span(a, b) for a, b in runs)


PRESENCE_COLUMNS = [
    "iso3",
    "country_name",
    "first_year",
    "last_year",
    "years_present",
    "years_missing",
    "n_gaps",
    "gaps",
    "from_first",
    "to_last",
]


def _present_years(
    participation: pd.DataFrame, cov: Sequence[int]
) -> Iterator[tuple[str, str, list[int]]]:
    """Each country (by code) with the covered years it is present in, if any."""
    for (iso3, name), grp in participation.groupby(["iso3", "country_name"], sort=True):
        have = sorted(int(y) for y in grp["fiscal_year"].unique() if y in set(cov))
        if have:
            yield iso3, name, have


def presence(participation: pd.DataFrame, covered: Sequence[int]) -> pd.DataFrame:
    """Per country: first and last year, years present and missing, and the gaps.

    ``from_first`` and ``to_last`` say whether the country is present in the first and in the
    last covered year: one present in the first may have taken part before it, and one absent
    from the last covered years has not necessarily left.
    """
    cov = sorted(covered)
    rows = []
    for iso3, name, have in _present_years(participation, cov):
        gaps = country_gaps(have, cov)
        rows.append(
            {
                "iso3": iso3,
                "country_name": name,
                "first_year": have[0],
                "last_year": have[-1],
                "years_present": len(have),
                "years_missing": sum(cov.index(b) - cov.index(a) + 1 for a, b in gaps),
                "n_gaps": len(gaps),
                "gaps": spans(gaps),
                "from_first": have[0] == cov[0],
                "to_last": have[-1] == cov[-1],
            }
        )
    return pd.DataFrame(rows, columns=PRESENCE_COLUMNS)


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
    for iso3, name, have in _present_years(participation, cov):
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
        label = vocab.fy_span(int(gap["gap_start"]), int(gap["gap_end"]))
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


def in_gap(gaps: pd.DataFrame, year: int) -> pd.DataFrame:
    """The rows of ``gaps`` (:func:`gaps_table`) whose missing years include ``year``."""
    return gaps[(gaps["gap_start"] <= year) & (gaps["gap_end"] >= year)]


def named_in_rules(rules: pd.DataFrame) -> dict[str, str]:
    """Every country name the rules' ``example_countries`` give, with its ISO code, by name
    (UnknownCountryError for a name that cannot be resolved)."""
    _require(rules, "rules", ["example_countries"])
    names = {n for cell in rules["example_countries"].dropna() for n in str(cell).split(";")}
    return {n: countries.to_iso3(n) for n in sorted(names)}


def context_refs(context: pd.DataFrame) -> pd.Series:
    """Per country (``iso3``), the references of its :func:`gap_context` rows, in order and
    once each: ``R12, E3``."""
    return context.groupby("iso3")["ref"].agg(lambda r: ", ".join(dict.fromkeys(r)))


def peak_gap_year(together: pd.DataFrame) -> pd.Series:
    """The row of :func:`gap_years` with the most countries in a gap (the earliest on a tie)."""
    order = together.sort_values(["countries_in_gap", "fiscal_year"], ascending=[False, True])
    return order.iloc[0]
