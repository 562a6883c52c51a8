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
must be a country known to :mod:`imetbook.data.countries`. ``is_total`` marks totals of other rows of
the same source (regional subtotals, world totals), so they are never summed with their parts.

A country's ``region`` is derived from the data (:func:`derive_regions`): the State regional
block that lists it in the latest State table listing it (block membership is checked: the lines
under each subtotal must add up to it). A country absent from the State tables gets the region of
the countries it is listed with in its latest FMTR report section, when all of those that have a
State region share one; otherwise ``region`` stays null.

Training delivered
------------------
``training_value`` rows are computed from the ``training`` table: per ISO code and fiscal year,
the sum of ``cost_usd`` and of ``students`` over IMET rows (``is_imet``) of status ``actual``.
Rows without an ISO code (non-country headings, merged countries) are left out, as the measure
is per country. Groups where no row prints a cost are gaps (see :func:`funding_gaps`).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pandas as pd

from imetbook.data import countries, manifest, schema
from imetbook.errors import DataError, ImetbookError

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


# State regional bureaus as the State tables print their subtotal rows.
STATE_REGIONS: tuple[str, ...] = (
    "Africa",
    "East Asia and Pacific",
    "Europe and Eurasia",
    "Near East",
    "South and Central Asia",
    "Western Hemisphere",
)
WORLD = "World"  # the State tables' TOTAL row and the CBJ/news account totals
# State lines inside a regional block that fund a regional programme, not one country.
REGIONAL_LINES = frozenset(
    {
        "East Asia and Pacific Regional",
        "State East Asia and Pacific Regional",
        "Eastern Caribbean",
        "Barbados and Eastern Caribbean",
    }
)
# State lines outside every regional block (a central bureau and unprogrammed funds).
WORLD_LINES = frozenset({"Political-Military Affairs (PM)", "Other Funding", "To Be Programmed"})
UNSPECIFIED = re.compile(r"^(?P<base>.+) \(not specified\)$")

TRAINING_TITLE = (
    "Foreign Military Training and DoD Engagement Activities of Interest, Vol. I, Section IV "
    "(country training activities), course records as extracted by Security Force Monitor"
)
TRAINING_COLUMNS = (
    "report",
    "fiscal_year",
    "status",
    "region",
    "iso3",
    "is_imet",
    "students",
    "cost_usd",
    "source_url",
)

_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_YEAR = re.compile(r"^\d{4}$")
_YEARS = re.compile(r"^(?P<first>\d{4})(?:-(?P<last>\d{4}))?$")
_DASH = re.compile(r"^[\u2014\u2013-](\s|$)")
_ASTERISK = re.compile(r"^\*(\s|$)")


# --- small helpers -------------------------------------------------------------------------


@contextmanager
def _at(where: str) -> Iterator[None]:
    """Prefix any ImetbookError raised inside with the file and line it concerns."""
    try:
        yield
    except ImetbookError as exc:
        raise type(exc)(f"{where}: {exc}") from None


def _rows(raw: manifest.RawFile, required: Sequence[str]) -> list[tuple[str, dict[str, str]]]:
    """The file's rows, each with ``"<file> line <n>"`` (physical line of the row's start)."""
    rows = manifest.read_csv(raw)
    if not rows:
        raise DataError(f"{raw.relpath}: no data rows")
    missing = [c for c in required if c not in rows[0]]
    if missing:
        raise DataError(f"{raw.relpath}: missing column(s) {', '.join(missing)}")
    out, line = [], 2
    for row in rows:
        where = f"{raw.relpath} line {line}"
        if None in row or any(v is None for v in row.values()):
            raise DataError(f"{where}: wrong number of fields")
        out.append((where, row))
        line += 1 + sum(v.count("\n") for v in row.values())
    return out


def _amount(text: str, scale: int, column: str) -> float:
    """Dollars from a cell in the source's unit (``scale`` dollars per unit)."""
    value = text.strip()
    if not _NUMBER.match(value):
        raise DataError(f"unparsable amount {text!r} in column {column}")
    try:
        amount = float(Decimal(value) * scale)
    except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
        raise DataError(f"unparsable amount {text!r} in column {column}") from None
    return schema.FUNDING.column("amount_usd").check_value(amount)  # the contract's range


def _year(text: str, column: str = "fiscal_year") -> int:
    if not _YEAR.match(text.strip()):
        raise DataError(f"bad fiscal year {text!r} in column {column}")
    return int(text)


def _count(text: str, column: str) -> int | None:
    value = text.strip()
    if not value:
        return None
    if not value.isdigit():
        raise DataError(f"bad count {text!r} in column {column}")
    return int(value)


def _measure(text: str) -> str:
    if text not in schema.MEASURES:
        raise DataError(f"unknown measure {text!r}; measures are {', '.join(schema.MEASURES)}")
    return text


# --- labels: countries, regions, the world --------------------------------------------------


@dataclass(frozen=True)
class Entity:
    """What a funding line is about: a country, a region line or a world line."""

    name: str
    iso3: str | None
    scope: str
    is_total: bool

    @property
    def key(self) -> str:
        return self.iso3 or self.name


def resolve_label(label: str, unspecified_bases: Collection[str] = ()) -> Entity:
    """Recognise a region or world label, or map a country name to its ISO code.

    ``unspecified_bases`` are the regions a "<region> (not specified)" line may name (the
    Greenbook file's own ``region`` values). An unknown "(not specified)" region is a
    :class:`DataError`; any other label must be a known country
    (:class:`~imetbook.errors.UnknownCountryError` otherwise).
    """
    label = countries.clean_text(label)
    if label == WORLD:
        return Entity(label, None, "world", True)
    if label in STATE_REGIONS:
        return Entity(label, None, "region", True)
    if label in REGIONAL_LINES:
        return Entity(label, None, "region", False)
    if label in WORLD_LINES:
        return Entity(label, None, "world", False)
    match = UNSPECIFIED.match(label)
    if match:
        base = match["base"]
        if base not in unspecified_bases:
            known = ", ".join(sorted(unspecified_bases)) or "none"
            raise DataError(f"unknown region label {label!r} (regions known: {known})")
        return Entity(label, None, "world" if base == WORLD else "region", False)
    name, iso3 = countries.name_and_code(label)
    if iso3 is None:
        raise DataError(f"{label!r} is a heading, not a country, region or world line")
    return Entity(name, iso3, "country", False)


def _entity(harmonised: str, printed: str | None, bases: Collection[str]) -> Entity:
    """Resolve a staged name; for countries, the name as printed must give the same code."""
    ent = resolve_label(harmonised, bases)
    if ent.scope == "country" and printed and printed != harmonised:
        _, code = countries.name_and_code(printed)
        if code != ent.iso3:
            raise DataError(
                f"name as printed {printed!r} ({code}) and staged name {harmonised!r} "
                f"({ent.iso3}) differ"
            )
    return ent


# --- parsed figures ------------------------------------------------------------------------


@dataclass
class _Fig:
    where: str
    source: str
    ident: tuple[str, ...] | None
    entity: Entity
    fiscal_year: int
    measure: str
    amount_usd: float
    students: int | None = None
    block: str | None = None  # State regional block the line is listed in
    cite: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _Gap:
    where: str
    source: str
    source_title: str
    source_url: str
    entity: Entity
    fiscal_years: str
    measure: str
    cell: str
    reason: str
    locator: str


def _parse_greenbook(raw: manifest.RawFile) -> tuple[list[_Fig], frozenset[str]]:
    cols = ("fiscal_year", "region", "country", "country_as_printed", "obligations_historical_usd")
    rows = _rows(raw, cols)
    # The regions Greenbook groups countries in; "<region> (not specified)" must name one.
    bases = frozenset(row["region"] for _, row in rows)
    figs = []
    for where, row in rows:
        with _at(where):
            ent = _entity(row["country"], row["country_as_printed"], bases)
            fy = _year(row["fiscal_year"])
            amount = _amount(row["obligations_historical_usd"], 1, "obligations_historical_usd")
        ident = ("greenbook", str(fy), ent.key)
        figs.append(_Fig(where, "greenbook", ident, ent, fy, "obligation", amount))
    return figs, bases


def _parse_state(raw: manifest.RawFile) -> list[_Fig]:
    cols = (
        "fiscal_year",
        "measure",
        "country",
        "country_as_printed",
        "imet_thousands",
        "amount_usd",
        "file",
        "csv_line",
    )
    figs = []
    for where, row in _rows(raw, cols):
        with _at(where):
            ent = _entity(row["country"], row["country_as_printed"], ())
            fy, measure = _year(row["fiscal_year"]), _measure(row["measure"])
            amount = _amount(row["imet_thousands"], 1000, "imet_thousands")  # $ thousands
            if amount != _amount(row["amount_usd"], 1, "amount_usd"):
                raise DataError(f"imet_thousands {row['imet_thousands']} x 1000 != amount_usd")
            line = _count(row["csv_line"], "csv_line")
            if line is None:
                raise DataError("empty csv_line: the row's place in its table is unknown")
        ident = ("state_csis", row["file"], str(line))
        figs.append(_Fig(where, "state_csis", ident, ent, fy, measure, amount))
    for file in sorted({f.ident[1] for f in figs if f.ident}):
        _assign_blocks([f for f in figs if f.ident and f.ident[1] == file], f"{raw.relpath} {file}")
    return figs


def _assign_blocks(figs: list[_Fig], what: str) -> None:
    """Give each line the regional block it is listed under, and check the block sums.

    A regional subtotal row opens a block; country and regional lines after it belong to it;
    world lines (TOTAL, the central bureau) belong to none. The lines of each block must add up
    to its subtotal, or the membership read from the layout cannot be trusted.
    """
    blocks: dict[str, list] = {}
    current = None
    for fig in sorted(figs, key=lambda f: int(f.ident[2])):
        ent = fig.entity
        if ent.scope == "world":
            continue
        if ent.is_total:
            current = fig.block = ent.name
            blocks[current] = [fig.amount_usd, 0.0, fig.where]
            continue
        if current is None:
            raise DataError(f"{fig.where}: {ent.name!r} is listed before any regional subtotal")
        fig.block = current
        blocks[current][1] += fig.amount_usd
    for region, (total, lines, where) in blocks.items():
        if total != lines:
            raise DataError(
                f"{what}: the lines under {region!r} ({where}) add up to {lines:,.0f}, not to "
                f"its subtotal {total:,.0f}; region membership cannot be read from the layout"
            )


def _crs_country(title: str) -> Entity:
    match = re.search(r"Reimbursements to (?P<name>.+?), FY", title)
    if not match:
        raise DataError(f"cannot read the country from the CRS title {title!r}")
    return resolve_label(match["name"])


def _crs_cell(cell: str) -> str:
    """``number``, ``dash`` or ``asterisk``; anything else is an unparsable amount."""
    value = cell.strip()
    for kind, pattern in (("number", _NUMBER), ("dash", _DASH), ("asterisk", _ASTERISK)):
        if pattern.match(value):
            return kind
    raise DataError(f"unparsable amount {cell!r} in column imet_usd_millions")


def _parse_crs(raw: manifest.RawFile) -> tuple[list[_Fig], list[_Gap]]:
    cols = ("source", "url", "fiscal_year", "column", "measure", "imet_usd_millions")
    figs, gaps = [], []
    for where, row in _rows(raw, cols):
        with _at(where):
            ent = _crs_country(row["source"])
            years = _YEARS.match(row["fiscal_year"].strip())
            if not years:
                raise DataError(f"bad fiscal year {row['fiscal_year']!r}")
            multi = years["last"] is not None
            measure = _measure(re.sub(r"\s*\(multi-year total\)$", "", row["measure"]))
            kind = _crs_cell(row["imet_usd_millions"])
        cell = row["imet_usd_millions"]
        locator = f'table row "IMET", column "{row["column"]}"'
        if kind == "number" and not multi:
            amount = _amount(cell, 1_000_000, "imet_usd_millions")  # $ millions
            ident = ("crs", row["source"], row["column"])
            figs.append(_Fig(where, "crs", ident, ent, int(years["first"]), measure, amount))
            continue
        reason = (
            "multi-year total ($ millions), not a figure for one year"
            if multi
            else f"{kind} in the source, no figure"
        )
        gaps.append(
            _Gap(
                where=where,
                source="crs",
                source_title=row["source"],
                source_url=row["url"],
                entity=ent,
                fiscal_years=row["fiscal_year"],
                measure=measure,
                cell=cell,
                reason=reason,
                locator=locator,
            )
        )
    return figs, gaps


def _parse_fmtr_s3(raw: manifest.RawFile) -> list[_Fig]:
    cols = ("report", "country", "program", "fiscal_year", "measure", "students", "amount_usd")
    figs = []
    for where, row in _rows(raw, cols):
        with _at(where):
            ent = resolve_label(row["country"])
            fy, measure = _year(row["fiscal_year"]), _measure(row["measure"])
            amount = _amount(row["amount_usd"], 1, "amount_usd")
            students = _count(row["students"], "students")
        ident = ("fmtr_s3", row["report"], ent.key, row["program"], str(fy), measure)
        figs.append(_Fig(where, "fmtr_s3", ident, ent, fy, measure, amount, students))
    return figs


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
    for where, row in _rows(raw, cols):
        with _at(where):
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
    out = [(iso3, r.region, f"State table FY{r.fiscal_year}") for iso3, r in latest.iterrows()]
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


# --- training delivered ----------------------------------------------------------------------


def _check_training(training: pd.DataFrame) -> None:
    missing = [c for c in TRAINING_COLUMNS if c not in training.columns]
    if missing:
        raise DataError(f"training: missing column(s) {', '.join(missing)}")


def _imet_actual(training: pd.DataFrame) -> pd.DataFrame:
    _check_training(training)
    keep = training["is_imet"].astype(bool) & training["status"].eq("actual").fillna(False)
    keep &= training["iso3"].notna()
    return training[keep]


def _training_groups(training: pd.DataFrame) -> pd.DataFrame:
    rows = _imet_actual(training).assign(
        no_cost=lambda d: d["cost_usd"].isna().astype("int64"),
        no_students=lambda d: d["students"].isna().astype("int64"),
    )
    grouped = rows.groupby(["iso3", "fiscal_year"], sort=True)
    out = grouped.agg(
        amount_usd=("cost_usd", "sum"),
        students=("students", "sum"),
        n_rows=("cost_usd", "size"),
        no_cost=("no_cost", "sum"),
        no_students=("no_students", "sum"),
    )
    # A sum over nothing printed is a gap, not zero.
    out.loc[out["no_cost"] == out["n_rows"], "amount_usd"] = float("nan")
    out["students"] = out["students"].astype("Int64")
    out.loc[out["no_students"] == out["n_rows"], "students"] = pd.NA
    # Few (country, year) groups: joining their labels in Python is faster than per-group pandas.
    reports: dict[tuple, list[str]] = {}
    per_report = rows.groupby(["iso3", "fiscal_year", "report"], sort=True).size()
    for (iso3, fy, report), n in per_report.items():
        reports.setdefault((iso3, fy), []).append(f"{report} ({n} rows)")
    urls: dict[tuple, list[str]] = {}
    unique_urls = rows[["iso3", "fiscal_year", "source_url"]].dropna().drop_duplicates()
    for iso3, fy, url in sorted(unique_urls.itertuples(index=False, name=None)):
        urls.setdefault((iso3, fy), []).append(url)
    out["reports"] = ["; ".join(reports[k]) for k in out.index]
    out["source_url"] = ["; ".join(urls.get(k, [])) or None for k in out.index]
    return out.reset_index()


def _training_note(n_rows: int, no_cost: int, no_students: int) -> str:
    parts = [f"sum over {n_rows} IMET course rows of status actual"]
    if no_cost:
        parts.append(f"{no_cost} without a printed cost (left out of the sum)")
    if no_students:
        parts.append(f"{no_students} without a student count")
    return "; ".join(parts)


# Reconciliation statuses of a report group that feeds a training value.
_FAILED = ("mismatch", "no_parsed_rows")


def _feeding_groups(training: pd.DataFrame, reconciliation: pd.DataFrame) -> pd.DataFrame:
    """The reconciliation's IMET program groups of each (report, iso3, fiscal year) that a
    training value sums (status actual), with their status."""
    fed = _imet_actual(training)[["report", "iso3", "fiscal_year"]].drop_duplicates()
    r = reconciliation[
        reconciliation["level"].eq("program")
        & reconciliation["program"].eq("IMET")
        & reconciliation["iso3"].notna()
        & reconciliation["fiscal_year"].notna()
    ]
    r = r.astype({"fiscal_year": "int64"})
    cols = ["report", "iso3", "fiscal_year", "status", "printed_cost", "parsed_cost"]
    return fed.merge(r[cols], on=["report", "iso3", "fiscal_year"], how="left")


def _quality(groups: pd.DataFrame, reconciliation: pd.DataFrame | None, training) -> tuple:
    """Per training-value group: its quality (see ``schema.FUNDING_QUALITY``) and a note
    naming the report groups that fail reconciliation."""
    if reconciliation is None:
        return [None] * len(groups), [""] * len(groups)
    fed = _feeding_groups(training, reconciliation)
    failed = fed["status"].isin(_FAILED)
    unchecked = fed["status"].isna() | fed["status"].eq("no_printed_total")
    key = ["iso3", "fiscal_year"]
    flags = fed.assign(_failed=failed, _unchecked=unchecked).groupby(key)[["_failed", "_unchecked"]]
    flags = flags.any()
    bad = fed[failed]
    notes = pd.Series(
        [
            f"doubtful: report {r} prints ${p:,.0f} for this IMET group, its course rows add up "
            f"to ${c:,.0f} (see reconciliation)"
            for r, p, c in zip(bad["report"], bad["printed_cost"], bad["parsed_cost"], strict=True)
        ],
        index=bad.index,
        dtype=object,
    )
    notes = notes.groupby([bad["iso3"], bad["fiscal_year"]]).agg("; ".join)
    where = pd.MultiIndex.from_frame(groups[key].astype({"fiscal_year": "int64"}))
    f = flags.reindex(where)
    quality = [
        "unchecked" if pd.isna(a) else "doubtful" if a else "unchecked" if b else "checked"
        for a, b in zip(f["_failed"], f["_unchecked"], strict=True)
    ]
    return quality, [n if isinstance(n, str) else "" for n in notes.reindex(where)]


def training_value(
    training: pd.DataFrame, reconciliation: pd.DataFrame | None = None
) -> pd.DataFrame:
    """``training_value`` figures (funding columns but ``region``) from the ``training`` table;
    with ``reconciliation``, each gets its ``quality`` (a value built from a report group whose
    printed total its rows do not match is ``doubtful``, with the group named in the note)."""
    groups = _training_groups(training)
    groups = groups[groups["amount_usd"].notna()]
    quality, doubts = _quality(groups, reconciliation, training)
    return pd.DataFrame(
        {
            "country_name": [countries.canonical_name(c) for c in groups["iso3"]],
            "iso3": groups["iso3"].to_numpy(),
            "scope": "country",
            "is_total": False,
            "fiscal_year": groups["fiscal_year"].astype("int64").to_numpy(),
            "measure": "training_value",
            "amount_usd": groups["amount_usd"].astype("float64").to_numpy(),
            "students": pd.array(groups["students"], dtype="Int64"),
            "source": "fmtr",
            "source_title": TRAINING_TITLE,
            "source_url": groups["source_url"].to_numpy(),
            "locator": [f"Section IV, report {r}" for r in groups["reports"]],
            "note": [
                "; ".join(p for p in (_training_note(n, c, s), d) if p)
                for n, c, s, d in zip(
                    groups["n_rows"], groups["no_cost"], groups["no_students"], doubts, strict=True
                )
            ],
            "edition": None,
            "quality": quality,
        }
    )


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
            f"FY{row['fiscal_year']} ({row['measure']}) in edition {row['edition']}"
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


def funding_tables(
    budget_dir: Path, training: pd.DataFrame, reconciliation: pd.DataFrame | None = None
) -> dict[str, pd.DataFrame]:
    """``funding_editions`` (every source figure, every edition) and ``funding`` (the default
    view: one edition per source figure, so a plain group-and-sum cannot count a figure
    twice), validated, from the vendored budget files, ``training`` and, for the quality of
    training values, ``reconciliation``."""
    _check_training(training)
    parsed = _parse(budget_dir)
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
