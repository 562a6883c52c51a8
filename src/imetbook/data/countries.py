"""Country names to ISO 3166 alpha-3 codes and one canonical name, for every table.

The raw sources spell countries in many ways (``Korea, Republic of South``, ``Cote D’ivoire,
Republic Of``, ``Burma ``, ``Kyrgyz Republic``, ``Turkey``). Names are cleaned by
:func:`normalise`, looked up in the small explicit :data:`OVERRIDES` table (damaged,
historical and US-government names), and otherwise resolved with ``pycountry``, the
maintained ISO 3166 database. An unknown name raises :class:`UnknownCountryError` naming it
and suggesting the closest known names; it is never dropped silently.
"""

from __future__ import annotations

import difflib
import html
import re
import unicodedata
from functools import cache

import pycountry

from imetbook.errors import DataError, UnknownCountryError

# Keys are normalised names (see ``normalise``); values are ISO alpha-3 codes.
# Historical codes come from ISO 3166-3; XKX is the code in common use for Kosovo.
OVERRIDES: dict[str, str] = {
    "antigua and barbuda uk": "ATG",
    "belize uk": "BLZ",
    "bolivia inc": "BOL",  # text damage in 2003-2004
    "brunei": "BRN",
    "burma": "MMR",
    "cape verde": "CPV",
    "cayman islands uk": "CYM",
    "china peoples": "CHN",
    "china people's": "CHN",
    "china taiwan": "TWN",
    "congo brazzaville": "COG",
    "congo congo brazzaville": "COG",
    "congo droc": "COD",
    "congo kinshasa": "COD",
    "congo democratic kinshasa": "COD",
    "democratic congo": "COD",
    "democratic congo congo kinshasa": "COD",
    "cote d'ivoire": "CIV",
    "east timor": "TLS",
    "timor leste democratic": "TLS",
    "gambia the": "GMB",
    "guinea bissau": "GNB",
    "korea": "KOR",
    "korea south": "KOR",
    "kosovo": "XKX",
    "macedonia": "MKD",
    "macedonia fyrom": "MKD",
    "micronesia": "FSM",
    "netherlands antilles": "ANT",
    "netherlands antilles ne": "ANT",
    "palestinian authority": "PSE",
    "papua new guinea": "PNG",
    "russia": "RUS",
    "serbia and montenegro": "SCG",
    "serbia and montenegro former": "SCG",
    "sint maarten": "SXM",
    "saint kitts and nevis": "KNA",
    "saint lucia": "LCA",
    "saint vincent and grenadines": "VCT",
    "sudan government of southern": "SSD",
    "sudan south": "SSD",
    "sudan southern": "SSD",
    "swaziland": "SWZ",
    "trinidad tobago": "TTO",
    "turkey": "TUR",
    "turks and caicos": "TCA",
    "yugoslavia": "YUG",
    "kyrgyz": "KGZ",
    "laos": "LAO",
    # Budget and context sources (Greenbook, State tables, rules list).
    "bahamas the": "BHS",
    "the bahamas": "BHS",
    "the gambia": "GMB",
    "burma myanmar": "MMR",
    "democratic the congo": "COD",  # "Democratic Republic of the Congo"
}

# Headings printed where a country would be that are not countries.
NOT_COUNTRIES: dict[str, str] = {
    "indochina": "Indochina (regional heading, not a country)",
}

# Canonical display names: the short forms US sources use, where ISO's differ.
DISPLAY: dict[str, str] = {
    "BOL": "Bolivia",
    "BRN": "Brunei",
    "CIV": "Cote d'Ivoire",
    "COD": "Congo (Kinshasa)",
    "COG": "Congo (Brazzaville)",
    "CPV": "Cape Verde",
    "CZE": "Czech Republic",
    "FSM": "Micronesia",
    "IRN": "Iran",
    "KOR": "South Korea",
    "PRK": "North Korea",
    "LAO": "Laos",
    "MDA": "Moldova",
    "MKD": "North Macedonia",
    "MMR": "Burma",
    "PSE": "Palestinian Territories",
    "RUS": "Russia",
    "SYR": "Syria",
    "TWN": "Taiwan",
    "TZA": "Tanzania",
    "TUR": "Turkey",
    "VEN": "Venezuela",
    "VNM": "Vietnam",
    "XKX": "Kosovo",
    "SCG": "Serbia and Montenegro",
    "YUG": "Yugoslavia",
    "ANT": "Netherlands Antilles",
    "SWZ": "Eswatini",
    "KNA": "Saint Kitts and Nevis",
    "VCT": "Saint Vincent and the Grenadines",
    "LCA": "Saint Lucia",
    "TLS": "Timor-Leste",
    "GMB": "Gambia",
    "BHS": "Bahamas",
    "SXM": "Sint Maarten",
    "TCA": "Turks and Caicos Islands",
    "KGZ": "Kyrgyzstan",
    "BIH": "Bosnia and Herzegovina",
    "VGB": "British Virgin Islands",
}


def clean_text(value: str) -> str:
    """Unescape entities repeatedly (``&amp;amp;``), fold curly quotes and whitespace."""
    prev = None
    while prev != value:
        prev, value = value, html.unescape(value)
    value = value.replace("\u2019", "'").replace("\u2018", "'")
    return " ".join(value.split())


def normalise(name: str) -> str:
    """Lower-case lookup key: accents, brackets, 'Republic of', '&', 'St' folded away."""
    s = clean_text(name)
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()
    s = s.lower().replace("&", " and ")
    s = re.sub(r"\bst\.? ", "saint ", s)
    s = re.sub(r"[(),\-]", " ", s)
    s = re.sub(r"\brepublic\s+of\b|\brepublic\b", " ", s)
    return " ".join(s.split())


def _pycountry_lookup(key: str) -> str | None:
    for candidate in (key, key.replace(" and ", " & ")):
        try:
            return pycountry.countries.lookup(candidate).alpha_3
        except LookupError:
            continue
    return None


@cache
def _display_codes() -> dict[str, str]:
    """The book's own display names resolve back to their codes (round trip)."""
    return {normalise(display): code for code, display in DISPLAY.items()}


@cache
def _resolve(name: str) -> str | None:
    key = normalise(name)
    if key in NOT_COUNTRIES:
        return None
    code = (
        OVERRIDES.get(key)
        or _display_codes().get(key)
        or _pycountry_lookup(key)
        or _pycountry_lookup(clean_text(name))
    )
    if code is None:
        raise UnknownCountryError(
            f"unknown country name {clean_text(name)!r}; closest known: " + ", ".join(suggest(name))
        )
    return code


def to_iso3(name: str) -> str | None:
    """ISO alpha-3 for ``name``; ``None`` for a known non-country heading (``Indochina``).

    Raises :class:`UnknownCountryError` for a name that cannot be resolved.
    """
    return _resolve(name)


@cache
def canonical_name(iso3: str) -> str:
    """The book's name for a country code."""
    if iso3 in DISPLAY:
        return DISPLAY[iso3]
    rec = pycountry.countries.get(alpha_3=iso3) or pycountry.historic_countries.get(alpha_3=iso3)
    if rec is None:
        raise UnknownCountryError(f"unknown ISO alpha-3 code {iso3!r}")
    return getattr(rec, "common_name", None) or rec.name


def name_and_code(name: str) -> tuple[str, str | None]:
    """``(canonical name, iso3)`` for a name as printed."""
    code = to_iso3(name)
    if code is None:
        return NOT_COUNTRIES[normalise(name)], None
    return canonical_name(code), code


def require_book_name(where: str, name: str, iso3: str | None = None) -> None:
    """A :class:`DataError` unless a curated file writes ``name`` (and ``iso3``, if it gives
    one) as the book does: another spelling would match no row of the tables."""
    book, code = name_and_code(name)
    if book != name or (iso3 is not None and code != iso3):
        raise DataError(f"{where}: {name!r} is not the book's name of {iso3 or 'a country'} "
                        f"(the book reads {book!r}, {code})")  # fmt: skip


@cache
def known_names() -> tuple[str, ...]:
    names = {c.name for c in pycountry.countries}
    names |= {canonical_name(code) for code in set(OVERRIDES.values())}
    names |= set(DISPLAY.values())
    return tuple(sorted(names))


def suggest(name: str, n: int = 3) -> list[str]:
    """The closest known country names to ``name`` (for error messages)."""
    hits = difflib.get_close_matches(clean_text(name), known_names(), n=n, cutoff=0.5)
    return hits or ["(no close match)"]
