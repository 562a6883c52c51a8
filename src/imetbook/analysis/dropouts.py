"""Why countries drop out of the course records: each drop-out set against sourced causes.

A *drop-out* is a country-year: a country with IMET course records (status ``actual``) in
fiscal year ``y - 1`` and none in ``y``, both years covered by the reports. Each drop-out is
set against the causes a source can give (:func:`attribute`):

- ``ASPA``: the country is on a list of countries whose US military assistance was suspended
  under the American Servicemembers' Protection Act (``aspa_countries``), and fiscal year ``y``
  overlaps the years the act barred IMET (from its entry into force to the IMET exemption,
  ``aspa_rules``), with no Article 98 waiver dated before ``y`` began;
- ``NATO accession``: the country joined NATO (``nato_accessions``) no later than fiscal
  year ``y``; 22 U.S.C. 2416(a)(2) lets the reports leave members out;
- ``coup restriction``: a source reports that US military aid to the country was suspended
  after a military coup (``country_restrictions``) in fiscal year ``y - 1`` or ``y``;
- ``merged report file``: the report prints the country's rows under another country's
  heading, so the records hold no row under its own name (the training table marks these
  headings ``... (merged in source)``);
- ``country sanction``: a dated sanction or suspension in the book's timelines (``events``)
  for the country in fiscal year ``y - 1`` or ``y``.

A drop-out no cause fits is ``unexplained``. Causes coincide with the drop-out in time and
by country; the records cannot show that a cause was the only reason. Coups are attributed
only where a source read reports the suspension; Child Soldiers Prevention Act listings are
not attributed: no source the book has read gives them by country and year
(``data/raw/reference/README.md``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

from imetbook import vocab
from imetbook.data import countries
from imetbook.data.parsers.fmtr import MERGED_COUNTRIES
from imetbook.errors import DataError

ASPA = "ASPA"
NATO = "NATO accession"
COUP = "coup restriction"
MERGED = "merged report file"
SANCTION = "country sanction"
UNEXPLAINED = "unexplained"
CAUSES = (ASPA, NATO, COUP, MERGED, SANCTION)

MERGED_SUFFIX = " (merged in source)"
SANCTION_CATEGORIES = ("sanction", "suspension")

DROPOUT_COLUMNS = ["iso3", "country_name", "fiscal_year", "last_present", "back_in"]
# ``detail`` is what the source gives for the cause: the listing's note (ASPA), the coup
# report, the timeline event, the merged heading; empty for NATO accession and unexplained
# drop-outs. How a page words each cause is the chapters' business
# (:func:`imetbook.chapters.evidence.causes_table`).
CAUSE_COLUMNS = [
    "iso3",
    "country_name",
    "fiscal_year",
    "cause",
    "since",
    "until",
    "detail",
    "source_title",
    "source_url",
    "locator",
]


def fy_position(day: pd.Timestamp) -> float:
    """Where ``day`` falls on an axis whose integer ticks are fiscal years (year ``y`` spans
    ``y - 0.5`` to ``y + 0.5``): 1 July 2003, three quarters into FY2003, is 2003.25."""
    fy = vocab.fiscal_year(day)
    start = pd.Timestamp(fy - 1, 10, 1)
    length = (pd.Timestamp(fy, 10, 1) - start).days
    return fy - 0.5 + (day - start).days / length


def _require(df: pd.DataFrame, name: str, columns: Iterable[str]) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise DataError(f"{name}: missing column(s) {', '.join(missing)}")


# --- drop-outs -------------------------------------------------------------------------------


def dropouts(participation: pd.DataFrame, covered: Sequence[int]) -> pd.DataFrame:
    """One row per country-year with records in ``y - 1`` and none in ``y`` (both covered).

    ``participation`` has one row per country and fiscal year with records (e.g.
    :func:`imetbook.analysis.eligibility.training_participation`). ``back_in`` is the next
    covered year with records again (<NA>: not back by the last covered year).
    """
    _require(participation, "participation", ["iso3", "country_name", "fiscal_year"])
    cov = sorted(int(y) for y in covered)
    have = participation.groupby("iso3")["fiscal_year"].agg(lambda s: set(int(y) for y in s))
    names = participation.drop_duplicates("iso3").set_index("iso3")["country_name"]
    rows = []
    for iso3, years in have.items():
        for y in cov:
            if y - 1 in cov and y - 1 in years and y not in years:
                later = [x for x in cov if x > y and x in years]
                rows.append([iso3, names[iso3], y, y - 1, later[0] if later else None])
    out = pd.DataFrame(rows, columns=DROPOUT_COLUMNS)
    out["back_in"] = out["back_in"].astype("Int64")
    out["fiscal_year"] = out["fiscal_year"].astype("int64")
    return out.sort_values(["fiscal_year", "country_name"], ignore_index=True)


# --- the ASPA period ------------------------------------------------------------------------


def aspa_period(aspa_rules: pd.DataFrame) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last day ASPA barred IMET: its entry into force to the IMET exemption."""
    _require(aspa_rules, "aspa_rules", ["milestone", "date_start", "date_end"])
    rows = aspa_rules.set_index("milestone")
    for m in ("in_force", "imet_exempt"):
        if m not in rows.index or pd.isna(rows.at[m, "date_start"]):
            raise DataError(f"aspa_rules: no dated {m!r} milestone")
    return pd.Timestamp(rows.at["in_force", "date_start"]), pd.Timestamp(
        rows.at["imet_exempt", "date_end"]
    )


def aspa_years(aspa_rules: pd.DataFrame) -> tuple[int, int]:
    """First and last fiscal year ASPA's IMET bar touches (FY2003: it began 1 July 2003)."""
    start, end = aspa_period(aspa_rules)
    return vocab.fiscal_year(start), vocab.fiscal_year(end)


def aspa_shade(aspa_rules: pd.DataFrame) -> tuple[float, float, str]:
    """``(start, end, label)`` for :func:`imetbook.figures.plots.shade_periods` on a fiscal-year
    axis."""
    start, end = aspa_period(aspa_rules)
    return fy_position(start), fy_position(end), "ASPA bars IMET"


# --- causes ---------------------------------------------------------------------------------


def _cause(drop: pd.Series, cause: str, since: str, until: str, detail: str, src: dict) -> dict:
    return {
        "iso3": drop["iso3"],
        "country_name": drop["country_name"],
        "fiscal_year": int(drop["fiscal_year"]),
        "cause": cause,
        "since": since,
        "until": until,
        "detail": detail,
        "source_title": src["source_title"],
        "source_url": src["source_url"],
        "locator": src["locator"],
    }


def _date_text(row: pd.Series, column: str = "date") -> str:
    return "date not given" if pd.isna(row[column]) else str(row[column])


def _aspa_causes(drop: pd.Series, aspa_rules: pd.DataFrame, aspa_countries: pd.DataFrame):
    start, end = aspa_period(aspa_rules)
    y = int(drop["fiscal_year"])
    fy_start = pd.Timestamp(y - 1, 10, 1)
    if not vocab.fiscal_year(start) <= y <= vocab.fiscal_year(end):
        return []
    mine = aspa_countries[aspa_countries["iso3"] == drop["iso3"]]
    released = mine[(mine["event"] == "article98_waiver") & (mine["date_end"] < fy_start)]
    if not released.empty:
        return []
    suspended = mine[mine["event"] == "suspended"]
    suspended = suspended[suspended["date_start"].isna() | (suspended["date_start"] <= end)]
    until = str(aspa_rules.set_index("milestone").at["imet_exempt", "date"])
    return [
        _cause(
            drop,
            ASPA,
            _date_text(s),
            f"{until} (IMET exempted)",
            str(s["detail"]),
            s,
        )
        for _, s in suspended.iterrows()
    ]


def _nato_causes(drop: pd.Series, nato: pd.DataFrame):
    mine = nato[nato["iso3"] == drop["iso3"]]
    return [
        _cause(
            drop,
            NATO,
            str(m["accession_date"]),
            "",
            "",
            m,
        )
        for _, m in mine.iterrows()
        if vocab.fiscal_year(m["date_start"]) <= int(drop["fiscal_year"])
    ]


def merged_headings(
    training: pd.DataFrame, partners: Iterable[str] = tuple(MERGED_COUNTRIES.values())
) -> pd.DataFrame:
    """Country-years whose rows the report prints under a heading shared with another country.

    ``partners`` are the second names of the merged headings (by default those of
    :data:`imetbook.data.parsers.fmtr.MERGED_COUNTRIES`, which the build checks against the data): a
    heading reads ``<first> and <partner> (merged in source)``.
    One row per country and fiscal year, both countries of a heading, with the report, its
    first page and address.
    """
    _require(training, "training", ["country_name", "fiscal_year", "report", "page", "source_url"])
    names = training["country_name"].fillna("")
    rows = training[names.str.endswith(MERGED_SUFFIX)]
    out = []
    for (name, fy, report), grp in rows.groupby(["country_name", "fiscal_year", "report"]):
        pair = name[: -len(MERGED_SUFFIX)]
        partner = next((p for p in partners if pair.endswith(f" and {p}")), None)
        if partner is None:
            raise DataError(f"training: merged heading {name!r} names no known partner")
        first = pair[: -len(f" and {partner}")]
        page = grp["page"].min()
        for member in (first, partner):
            out.append(
                {
                    "iso3": countries.to_iso3(member),
                    "fiscal_year": int(fy),
                    "heading": pair,
                    "source_title": f"Foreign Military Training report {report}",
                    "source_url": grp["source_url"].iloc[0],
                    "locator": "no page number" if pd.isna(page) else f"p. {int(page)}",
                }
            )
    cols = ["iso3", "fiscal_year", "heading", "source_title", "source_url", "locator"]
    return pd.DataFrame(out, columns=cols)


def _merged_causes(drop: pd.Series, merged: pd.DataFrame):
    hit = merged[(merged["iso3"] == drop["iso3"]) & (merged["fiscal_year"] == drop["fiscal_year"])]
    return [
        _cause(
            drop,
            MERGED,
            vocab.fy(m["fiscal_year"]),
            vocab.fy(m["fiscal_year"]),
            str(m["heading"]),
            m,
        )
        for _, m in hit.iterrows()
    ]


def _coup_causes(drop: pd.Series, restrictions: pd.DataFrame):
    y = int(drop["fiscal_year"])
    mine = restrictions[restrictions["iso3"] == drop["iso3"]]
    return [
        _cause(drop, COUP, str(r["date"]), "", str(r["detail"]), r)
        for _, r in mine.iterrows()
        if y - 1 <= vocab.fiscal_year(r["date_start"]) <= y
    ]


def _sanction_causes(drop: pd.Series, events: pd.DataFrame):
    y = int(drop["fiscal_year"])
    mine = events[(events["iso3"] == drop["iso3"]) & events["category"].isin(SANCTION_CATEGORIES)]
    mine = mine[mine["fiscal_year"].isin([y - 1, y])]
    return [
        _cause(
            drop,
            SANCTION,
            str(e["date"]),
            "",
            str(e["event"]),
            {**e, "locator": f"timeline event {e['event_id']}"},
        )
        for _, e in mine.iterrows()
    ]


def attribute(
    drops: pd.DataFrame,
    aspa_rules: pd.DataFrame,
    aspa_countries: pd.DataFrame,
    nato: pd.DataFrame,
    merged: pd.DataFrame,
    events: pd.DataFrame,
    restrictions: pd.DataFrame,
) -> pd.DataFrame:
    """Every cause that fits each drop-out, one row per drop-out and cause, with its dates
    (``since``, ``until``) and its source (title, address, locator). Drop-outs no cause fits
    are absent here; :func:`summary` marks them unexplained."""
    rows = []
    for _, d in drops.iterrows():
        rows += _aspa_causes(d, aspa_rules, aspa_countries)
        rows += _nato_causes(d, nato)
        rows += _coup_causes(d, restrictions)
        rows += _merged_causes(d, merged)
        rows += _sanction_causes(d, events)
    out = pd.DataFrame(rows, columns=CAUSE_COLUMNS)
    out["fiscal_year"] = out["fiscal_year"].astype("int64")
    order = {c: i for i, c in enumerate(CAUSES)}
    out = out.assign(_o=out["cause"].map(order))
    return out.sort_values(["fiscal_year", "country_name", "_o", "since"], ignore_index=True).drop(
        columns="_o"
    )


def summary(drops: pd.DataFrame, causes: pd.DataFrame) -> pd.DataFrame:
    """The drop-outs with the causes that fit each (``causes``: in :data:`CAUSES` order, or
    ``unexplained``) and ``explained``."""
    found = causes.groupby(["iso3", "fiscal_year"])["cause"].agg(
        lambda c: "; ".join(x for x in CAUSES if x in set(c))
    )
    out = drops.copy()
    keys = list(zip(out["iso3"], out["fiscal_year"], strict=True))
    out["causes"] = [found.get(k, UNEXPLAINED) for k in keys]
    out["explained"] = out["causes"].ne(UNEXPLAINED)
    return out


def by_year(summ: pd.DataFrame, years: Sequence[int]) -> pd.DataFrame:
    """Per fiscal year: drop-outs, how many a source explains, the share, the share ASPA
    explains, and the unexplained countries."""
    rows = []
    for y in years:
        sub = summ[summ["fiscal_year"] == y]
        n = len(sub)
        n_exp = int(sub["explained"].sum())
        n_aspa = int(sub["causes"].str.contains(ASPA, regex=False).sum())
        rows.append(
            {
                "fiscal_year": int(y),
                "dropouts": n,
                "explained": n_exp,
                "share_explained": n_exp / n if n else float("nan"),
                "by_aspa": n_aspa,
                "unexplained": ", ".join(sorted(sub.loc[~sub["explained"], "country_name"])),
            }
        )
    return pd.DataFrame(rows)


def explained_share(summ: pd.DataFrame, first: int, last: int) -> tuple[int, int, float]:
    """Drop-outs in fiscal years ``first``-``last``, how many are explained, and the share."""
    sub = summ[summ["fiscal_year"].between(first, last)]
    n, n_exp = len(sub), int(sub["explained"].sum())
    return n, n_exp, (n_exp / n if n else float("nan"))


def countries_with(summ: pd.DataFrame, cause: str) -> list[str]:
    """Names of the countries with at least one drop-out ``cause`` explains, sorted."""
    hit = summ["causes"].str.split("; ").map(lambda cs: cause in cs)
    return sorted(summ.loc[hit, "country_name"].unique())


def country_causes(
    iso3: str,
    present: Iterable[int],
    covered: Sequence[int],
    aspa_rules: pd.DataFrame,
    aspa_countries: pd.DataFrame,
    nato: pd.DataFrame,
    merged: pd.DataFrame,
    events: pd.DataFrame,
    restrictions: pd.DataFrame,
) -> pd.DataFrame:
    """One country's drop-outs and their causes (``unexplained`` rows for those none fits)."""
    name = countries.canonical_name(iso3)
    part = pd.DataFrame(
        {"iso3": iso3, "country_name": name, "fiscal_year": sorted(int(y) for y in present)}
    )
    drops = dropouts(part, covered)
    causes = attribute(drops, aspa_rules, aspa_countries, nato, merged, events, restrictions)
    summ = summary(drops, causes)
    none = summ[~summ["explained"]]
    blank = {"since": "", "until": "", "detail": ""}
    filler = pd.DataFrame(
        [
            {
                **blank,
                "iso3": iso3,
                "country_name": name,
                "fiscal_year": int(y),
                "cause": UNEXPLAINED,
                "source_title": "",
                "source_url": "",
                "locator": "",
            }
            for y in none["fiscal_year"]
        ],
        columns=CAUSE_COLUMNS,
    )
    out = pd.concat([causes, filler], ignore_index=True) if len(filler) else causes
    return out.sort_values(["fiscal_year"], kind="stable", ignore_index=True)
