"""The budget sources' own files, parsed with their quirks (see :mod:`.budget`).

Labels (:func:`resolve_label`: a country, a State regional subtotal or line, the world),
cells (amounts in the source's unit, fiscal years, counts, measures) and one parser per
companion file (Greenbook, the State tables, the CRS Pakistan table, FMTR Section III), each
returning the figures (and, for CRS, the gaps) it prints.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from imetbook.data import countries, manifest, schema
from imetbook.errors import DataError

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

_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_YEAR = re.compile(r"^\d{4}$")
_YEARS = re.compile(r"^(?P<first>\d{4})(?:-(?P<last>\d{4}))?$")
_DASH = re.compile(r"^[\u2014\u2013-](\s|$)")
_ASTERISK = re.compile(r"^\*(\s|$)")


# --- small helpers -------------------------------------------------------------------------


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
    rows = manifest.csv_rows(raw, cols)
    # The regions Greenbook groups countries in; "<region> (not specified)" must name one.
    bases = frozenset(row["region"] for _, row in rows)
    figs = []
    for where, row in rows:
        with manifest.located(where):
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
    for where, row in manifest.csv_rows(raw, cols):
        with manifest.located(where):
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
    for where, row in manifest.csv_rows(raw, cols):
        with manifest.located(where):
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
    for where, row in manifest.csv_rows(raw, cols):
        with manifest.located(where):
            ent = resolve_label(row["country"])
            fy, measure = _year(row["fiscal_year"]), _measure(row["measure"])
            amount = _amount(row["amount_usd"], 1, "amount_usd")
            students = _count(row["students"], "students")
        ident = ("fmtr_s3", row["report"], ent.key, row["program"], str(fy), measure)
        figs.append(_Fig(where, "fmtr_s3", ident, ent, fy, measure, amount, students))
    return figs
