"""IMET money per country, region and fiscal year: the ``funding`` table.

Inputs (``data/raw/budget``, read only through :mod:`imetbook.data.manifest`, see its README):

* ``imet_funding.csv``, the *master* long table staged with the sources: one row per source
  figure, amounts already in dollars, with the citation text (title, address, locator, note);
* four *companion* files, one per structured source, in the source's own units and layout:
  ``greenbook_imet_obligations.csv`` (USAID Greenbook obligations, dollars),
  ``csis_state_budget_by_country_imet.csv`` (State tables FY2008-FY2017 in **$ thousands**,
  countries listed under regional subtotal rows, in file order),
  ``crs_pakistan_direct_overt_aid_imet.csv`` (three CRS editions of the Pakistan aid table in
  **$ millions**, with multi-year, dash and asterisk cells) and
  ``fmtr_section3_imet_tables.csv`` (FMTR Vol. I Section III summary tables, dollars).

How the master relates to the companions
----------------------------------------
Every master row of a companion's source and measure is the same figure as one companion row.
The companions are parsed with their quirks (units multiplied out, dash/asterisk/multi-year
cells recognised, regional blocks followed) and are the authority for the *figure*; the master
is the authority for the *citation text* and for the figures no companion holds (CBJ, news
reports, State fact sheets, FMTR narrative budgets, one tertiary page). Each covered master row
is matched to exactly one companion row by the source's own identity (Greenbook: fiscal year
and country; State: file and line; CRS: edition and column; FMTR Section III: report, country,
program row, year and measure) and both must agree on country, year, measure and amount (and
students): a row without partner on either side, or a disagreement, is a :class:`DataError`.
So each source figure becomes exactly one ``funding`` row, never two. Figures that several
*sources* print (two CRS editions, a fact sheet and the State table) stay separate rows.

Gaps
----
Non-numeric source cells are gaps, not rows: the CRS dash (FY2018, FY2020 request), the CRS
asterisk (FY2019 request) and the CRS multi-year totals (a sum over years, not a figure for one
year). :func:`funding_gaps` lists them (with IMET training groups that print no cost at all) so
the book can show them; they never enter ``funding``.

Countries, regions and the world
--------------------------------
``scope`` is ``country``, ``region`` or ``world``. Region and world labels are recognised
explicitly (:func:`resolve_label`) and never sent through the country mapper: the State
regional subtotals (:data:`STATE_REGIONS`), the world total, State's regional and central lines
(:data:`REGIONAL_LINES`, :data:`WORLD_LINES`) and Greenbook's "<region> (not specified)"
unallocated lines, whose region must be one the Greenbook file itself uses. Every other label
must be a country known to :mod:`imetbook.data.countries`. ``is_total`` marks totals of other
rows of the same source (regional subtotals, world totals), so they are never summed with their
parts. Labels, cells and the companion files' parsers: :mod:`.budget_sources`.

A country's ``region`` is derived from the data (:func:`derive_regions`): the State regional
block that lists it in the latest State table listing it (block membership is checked: the lines
under each subtotal must add up to it). A country absent from the State tables gets the region of
the countries it is listed with in its latest FMTR report section, when all of those that have a
State region share one; otherwise ``region`` stays null.

Training delivered (:mod:`.budget_training`)
--------------------------------------------
``training_value`` rows are computed from the ``training`` table: per ISO code and fiscal year,
the sum of ``cost_usd`` and of ``students`` over IMET rows (``is_imet``) of status ``actual``.
Rows without an ISO code (non-country headings, merged countries) are left out, as the measure
is per country. Groups where no row prints a cost are gaps (see :func:`funding_gaps`).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from imetbook.data import countries, manifest, schema
from imetbook.data.parsers.budget_sources import (  # noqa: F401 (importable from here)
    REGIONAL_LINES,
    STATE_REGIONS,
    UNSPECIFIED,
    WORLD,
    WORLD_LINES,
    Entity,
    _amount,
    _count,
    _Fig,
    _Gap,
    _measure,
    _parse_crs,
    _parse_fmtr_s3,
    _parse_greenbook,
    _parse_state,
    _year,
    resolve_label,
)
from imetbook.data.parsers.budget_training import (  # noqa: F401 (importable from here)
    TRAINING_COLUMNS,
    TRAINING_TITLE,
    _check_training,
    _training_groups,
    training_value,
)
from imetbook.errors import DataError
from imetbook.vocab import fy

MASTER = "imet_funding.csv"
GREENBOOK = "greenbook_imet_obligations.csv"
STATE = "csis_state_budget_by_country_imet.csv"
CRS = "crs_pakistan_direct_overt_aid_imet.csv"
FMTR_S3 = "fmtr_section3_imet_tables.csv"

# Short source keys, recognised from the master's source_title (first match wins).
SOURCE_KEYS: tuple[tuple[str, str], ...] = (
    ("greenbook", r"^U\.S\. Overseas Loans and Grants \(Greenbook\)"),
    ("state_csis", r"^State Department foreign assistance by account and country"),
    ("crs", r"^Direct Overt U\.S\. Aid Appropriations .*\(CRS, "),
    ("fmtr_s3", r"Foreign Military Training.*Section III"),
    ("cbj", r"^Congressional Budget Justification"),
    ("state_factsheet", r"^Foreign Operations (Appropriated )?Assistance: .*fact sheet"),
    ("news", r"^(Dawn|Express Tribune|Business Recorder|South Asia Times|Newstube\.lk),"),
    ("tertiary", r"encyclopedia"),
)

# How far each source is from the figure's origin. primary: the government's own document or
# dataset (budget justifications, State tables and fact sheets, the Greenbook, the training
# reports); secondary: an analysis or report of it (CRS, news); tertiary: a reference work
# retelling others (an encyclopedia page). Tertiary rows are listed, never charted or judged.
SOURCE_GRADES: dict[str, str] = {
    "greenbook": "primary",
    "state_csis": "primary",
    "fmtr_s3": "primary",
    "fmtr": "primary",
    "cbj": "primary",
    "state_factsheet": "primary",
    "crs": "secondary",
    "news": "secondary",
    "tertiary": "tertiary",
}
# Sites that host copies of other publishers' documents: a figure read there is cited as the
# document it copies, "copy at" the site.
MIRROR_HOSTS: tuple[str, ...] = (
    "fdocuments.in",
    "vdocuments.us",
    "everycrsreport.com",
    "webarchive.library.unt.edu",
)


def copy_host(url: object) -> str | None:
    """The mirror site ``url`` is on (one of :data:`MIRROR_HOSTS`), or None."""
    if not isinstance(url, str):
        return None
    host = re.sub(r"^https?://(www\.)?", "", url.strip()).split("/", 1)[0].lower()
    return host if host in MIRROR_HOSTS else None


# --- the master table ----------------------------------------------------------------------


def _source_key(title: str) -> str:
    for key, pattern in SOURCE_KEYS:
        if re.search(pattern, title):
            return key
    raise DataError(f"source_title {title!r} matches no known source (see SOURCE_KEYS)")


def _locator_part(locator: str, pattern: str) -> re.Match:
    match = re.search(pattern, locator)
    if not match:
        raise DataError(f"locator {locator!r} not understood")
    return match


def _master_ident(source: str, row: dict[str, str], ent: Entity, fy: int) -> tuple[str, ...]:
    """The identity a companion gives the same figure (see the module docstring)."""
    loc = row["locator"]
    if source == "greenbook":
        return ("greenbook", str(fy), ent.key)
    if source == "state_csis":
        m = _locator_part(loc, r"^(?P<file>.+?\.csv), line (?P<line>\d+), column IMET$")
        return ("state_csis", m["file"], m["line"])
    if source == "crs":
        return ("crs", row["source_title"], _locator_part(loc, r'column "(?P<c>[^"]+)"')["c"])
    program = _locator_part(loc, r'row "(?P<p>[^"]+)"')["p"]
    return ("fmtr_s3", row["source_title"], ent.key, program, str(fy), row["measure"])


def _parse_master(
    raw: manifest.RawFile, bases: Collection[str], covered: set[tuple[str, str]]
) -> list[_Fig]:
    cols = (
        "country",
        "fiscal_year",
        "measure",
        "amount_usd",
        "students",
        "source_title",
        "source_url",
        "locator",
        "note",
    )
    figs = []
    for where, row in manifest.csv_rows(raw, cols):
        with manifest.located(where):
            source = _source_key(row["source_title"])
            ent = resolve_label(row["country"], bases)
            fy, measure = _year(row["fiscal_year"]), _measure(row["measure"])
            amount = _amount(row["amount_usd"], 1, "amount_usd")
            students = _count(row["students"], "students")
            ident = _master_ident(source, row, ent, fy) if (source, measure) in covered else None
        cite = {k: row[k] for k in ("source_title", "source_url", "locator", "note")}
        figs.append(_Fig(where, source, ident, ent, fy, measure, amount, students, cite=cite))
    return figs


def _by_ident(figs: list[_Fig]) -> dict[tuple[str, ...], _Fig]:
    out: dict[tuple[str, ...], _Fig] = {}
    for fig in figs:
        if fig.ident in out:
            raise DataError(f"{fig.where}: same source figure as {out[fig.ident].where}")
        out[fig.ident] = fig
    return out


def _check_pair(master: _Fig, comp: _Fig) -> None:
    pairs = {
        "country": (master.entity.key, comp.entity.key),
        "fiscal_year": (master.fiscal_year, comp.fiscal_year),
        "measure": (master.measure, comp.measure),
        "amount_usd": (master.amount_usd, comp.amount_usd),
    }
    if comp.students is not None:
        pairs["students"] = (master.students, comp.students)
    for what, (a, b) in pairs.items():
        if a != b:
            raise DataError(f"{master.where} and {comp.where} disagree on {what}: {a} vs {b}")


def _merge(master: list[_Fig], companions: list[_Fig]) -> list[_Fig]:
    """Master rows, with each covered figure checked against (and taken from) its companion."""
    comp = _by_ident(companions)
    _by_ident([f for f in master if f.ident is not None])
    out = []
    for fig in master:
        if fig.ident is None:
            out.append(fig)
            continue
        partner = comp.pop(fig.ident, None)
        if partner is None:
            raise DataError(f"{fig.where}: no matching figure in the {fig.source} companion file")
        _check_pair(fig, partner)
        partner.cite = fig.cite
        out.append(partner)
    if comp:
        first = next(f for f in companions if f.ident in comp)
        raise DataError(f"{first.where}: figure missing from {MASTER} ({len(comp)} such rows)")
    return out


# --- regions -------------------------------------------------------------------------------


def _state_regions(figs: list[_Fig]) -> pd.DataFrame:
    rows = [
        (f.entity.iso3, f.block, f.fiscal_year)
        for f in figs
        if f.source == "state_csis" and f.entity.scope == "country" and f.block
    ]
    return pd.DataFrame(rows, columns=["iso3", "region", "fiscal_year"])


def derive_regions(state: pd.DataFrame, training: pd.DataFrame) -> pd.DataFrame:
    """Country to region, read from the sources: ``iso3, region, basis``, one row per country.

    ``state`` has ``iso3, region, fiscal_year`` (the State regional block each country line is
    listed in); a country takes its block in the latest fiscal year listing it. A country absent
    from ``state`` but listed in ``training`` takes, from its latest report, the region shared by
    every State-listed country of the same report section; if they do not share one (or there
    are none), it gets no row.
    """
    latest = state.sort_values(["iso3", "fiscal_year"]).groupby("iso3", sort=True).last()
    out = [(iso3, r.region, f"State table {fy(r.fiscal_year)}") for iso3, r in latest.iterrows()]
    known = dict(zip(latest.index, latest["region"], strict=True))
    listed = training[["iso3", "report", "region"]].dropna().drop_duplicates().astype(str)
    for iso3, rows in listed[~listed["iso3"].isin(known)].groupby("iso3", sort=True):
        report = rows["report"].max()
        sections = sorted(set(rows.loc[rows["report"] == report, "region"]))
        if len(sections) != 1:
            continue
        peers = listed[(listed["report"] == report) & (listed["region"] == sections[0])]
        regions = {known[c] for c in peers["iso3"] if c in known}
        if len(regions) == 1:
            out.append((iso3, regions.pop(), f"FMTR {report} section {sections[0]!r}"))
    return pd.DataFrame(out, columns=["iso3", "region", "basis"]).astype(str)


# --- assembling the table --------------------------------------------------------------------


@dataclass
class _Parsed:
    figures: list[_Fig]
    gaps: list[_Gap]


def _parse(budget_dir: Path) -> _Parsed:
    raw = manifest.read_plain(budget_dir)
    missing = [f for f in (MASTER, GREENBOOK, STATE, CRS, FMTR_S3) if f not in raw]
    if missing:
        raise DataError(f"{budget_dir}: MANIFEST.csv lacks {', '.join(missing)}")
    greenbook, bases = _parse_greenbook(raw[GREENBOOK])
    crs, gaps = _parse_crs(raw[CRS])
    companions = greenbook + _parse_state(raw[STATE]) + crs + _parse_fmtr_s3(raw[FMTR_S3])
    covered = {(f.source, f.measure) for f in companions}
    covered |= {(g.source, g.measure) for g in gaps}
    master = _parse_master(raw[MASTER], bases, covered)
    return _Parsed(_merge(master, companions), gaps)


def _region(fig: _Fig, regions: dict[str, str]) -> str | None:
    ent = fig.entity
    if ent.scope == "country":
        return regions.get(ent.iso3)
    if fig.block:
        return fig.block
    return ent.name if ent.name in STATE_REGIONS else None


def _frame(figs: list[_Fig], regions: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "country_name": [f.entity.name for f in figs],
            "iso3": [f.entity.iso3 for f in figs],
            "scope": [f.entity.scope for f in figs],
            "is_total": [f.entity.is_total for f in figs],
            "region": [_region(f, regions) for f in figs],
            "fiscal_year": [f.fiscal_year for f in figs],
            "measure": [f.measure for f in figs],
            "amount_usd": [f.amount_usd for f in figs],
            "students": pd.array([f.students for f in figs], dtype="Int64"),
            "source": [f.source for f in figs],
            "source_title": [f.cite["source_title"] for f in figs],
            "source_url": [f.cite["source_url"] or None for f in figs],
            "locator": [f.cite["locator"] or None for f in figs],
            "note": [f.cite["note"] or None for f in figs],
            "edition": [edition(f.source, f.cite["source_title"]) for f in figs],
            "quality": None,
        }
    )


_CRS_DATE = re.compile(r"\(CRS, (?P<date>[A-Z][a-z]+ \d{1,2}, \d{4})\)")


def edition(source: str, title: str) -> str | None:
    """The edition of a source printed in several (so far the CRS Pakistan table: its date,
    ``'2013-10-24'``); None for a source printed once."""
    if source != "crs":
        return None
    m = _CRS_DATE.search(title or "")
    if not m:
        raise DataError(f"no edition date in the CRS title {title!r}")
    return pd.Timestamp(m["date"]).strftime("%Y-%m-%d")


_EDITION_KEY = ["source", "measure", "country_name", "fiscal_year"]


def latest_editions(df: pd.DataFrame) -> pd.Series:
    """True for the rows to keep in the default view: every row of a source printed once, and
    of a source printed in several editions the latest edition's figure for each (measure,
    country, year). Two rows of one edition and key are an error (they would double count)."""
    ed = df["edition"].notna()
    dup = df[ed].duplicated([*_EDITION_KEY, "edition"], keep=False)
    if dup.any():
        row = df[ed][dup].iloc[0]
        raise DataError(
            f"funding: two {row['source']} figures for {row['country_name']} "
            f"{fy(row['fiscal_year'])} ({row['measure']}) in edition {row['edition']}"
        )
    latest = df[ed].groupby(_EDITION_KEY, sort=False)["edition"].transform("max")
    keep = pd.Series(True, index=df.index)
    keep[ed] = df.loc[ed, "edition"].eq(latest)
    return keep


def _finish(df: pd.DataFrame) -> pd.DataFrame:
    order = ["scope", "country_name", "fiscal_year", "measure", "source", "source_title", "locator"]
    df = df.sort_values(order, kind="stable", na_position="last").reset_index(drop=True)
    types = {"fiscal_year": "int64", "amount_usd": "float64", "is_total": "bool"}
    df = df.astype(types)
    df["source_grade"] = df["source"].map(SOURCE_GRADES)
    df["source_copy_at"] = df["source_url"].map(copy_host)
    for col in (
        "country_name",
        "iso3",
        "scope",
        "region",
        "measure",
        "source",
        "source_title",
        "source_url",
        "locator",
        "note",
        "source_grade",
        "source_copy_at",
        "edition",
        "quality",
    ):
        df[col] = df[col].astype("str")
    df["latest_edition"] = latest_editions(df).astype(bool)
    return df[schema.FUNDING_EDITIONS.names]


def read_sources(budget_dir: Path) -> _Parsed:
    """Every budget source, verified against its manifest and parsed: what
    :func:`funding_tables` reads, without the training table (a bad file fails here)."""
    return _parse(budget_dir)


def funding_tables(
    budget_dir: Path,
    training: pd.DataFrame,
    reconciliation: pd.DataFrame | None = None,
    sources: _Parsed | None = None,
) -> dict[str, pd.DataFrame]:
    """``funding_editions`` (every source figure, every edition) and ``funding`` (the default
    view: one edition per source figure, so a plain group-and-sum cannot count a figure
    twice), validated, from the vendored budget files (``sources``: already
    :func:`read_sources`), ``training`` and, for the quality of training values,
    ``reconciliation``."""
    _check_training(training)
    parsed = sources if sources is not None else _parse(budget_dir)
    regions_df = derive_regions(_state_regions(parsed.figures), training)
    regions = dict(zip(regions_df["iso3"], regions_df["region"], strict=True))
    value = training_value(training, reconciliation)
    value.insert(4, "region", [regions.get(c) for c in value["iso3"]])
    df = _finish(pd.concat([_frame(parsed.figures, regions), value], ignore_index=True))
    editions = schema.validate(df, schema.FUNDING_EDITIONS)
    default = df[df["latest_edition"]][schema.FUNDING.names].reset_index(drop=True)
    return {"funding": schema.validate(default, schema.FUNDING), "funding_editions": editions}


def build_funding(
    budget_dir: Path, training: pd.DataFrame, reconciliation: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The validated ``funding`` table (default view, one edition per figure)."""
    return funding_tables(budget_dir, training, reconciliation)["funding"]


def regions_from_budget(budget_dir: Path, training: pd.DataFrame) -> pd.DataFrame:
    """The derived country-to-region table (``iso3, country_name, region, basis``).

    The ``funding`` table carries the same region in its ``region`` column; this adds how each
    was found (see :func:`derive_regions`).
    """
    _check_training(training)
    parsed = _parse(budget_dir)
    out = derive_regions(_state_regions(parsed.figures), training)
    out.insert(1, "country_name", [countries.canonical_name(c) for c in out["iso3"]])
    return out.sort_values(["region", "country_name"]).reset_index(drop=True)


GAP_COLUMNS = [
    "source",
    "country_name",
    "iso3",
    "fiscal_years",
    "measure",
    "cell",
    "reason",
    "source_title",
    "source_url",
    "locator",
]


def funding_gaps(budget_dir: Path, training: pd.DataFrame | None = None) -> pd.DataFrame:
    """Source cells that hold no single-year figure, for the book to show as gaps.

    The CRS dash, asterisk and multi-year cells and, when ``training`` is given, country-years
    with IMET course rows none of which prints a cost. None of them is a ``funding`` row.
    """
    rows = [
        (
            g.source,
            g.entity.name,
            g.entity.iso3,
            g.fiscal_years,
            g.measure,
            g.cell,
            g.reason,
            g.source_title,
            g.source_url,
            g.locator,
        )
        for g in _parse(budget_dir).gaps
    ]
    if training is not None:
        groups = _training_groups(training)
        for g in groups[groups["amount_usd"].isna()].itertuples():
            rows.append(
                (
                    "fmtr",
                    countries.canonical_name(g.iso3),
                    g.iso3,
                    str(g.fiscal_year),
                    "training_value",
                    "",
                    f"none of {g.n_rows} IMET course rows prints a cost",
                    TRAINING_TITLE,
                    g.source_url,
                    f"Section IV, report {g.reports}",
                )
            )
    out = pd.DataFrame(rows, columns=GAP_COLUMNS)
    return (
        out.sort_values(["source", "country_name", "fiscal_years", "locator"])
        .reset_index(drop=True)
        .astype({c: "str" for c in GAP_COLUMNS})
    )
