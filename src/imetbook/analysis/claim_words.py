"""Reading a claim's own words: the numbers, countries, months and regions it states.

Numbers a claim states (an amount, a year, a rank, a month) are read from its words in the
claims table, never typed in code.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable

import pandas as pd

from imetbook.data import countries
from imetbook.errors import DataError, UnknownCountryError

_SCALE = {"thousand": 1e3, "million": 1e6, "billion": 1e9}
_ORDINAL_WORDS = ("first", "second", "third", "fourth", "fifth")
_ORDINAL_WORDS += ("sixth", "seventh", "eighth", "ninth", "tenth")
_ORDINALS = {word: i for i, word in enumerate(_ORDINAL_WORDS, start=1)}
_MONEY = re.compile(
    r"(?:\$|USD\s*)\s*([0-9][0-9,]*(?:\.[0-9]+)?)\s*(thousand|million|billion)?", re.IGNORECASE
)


def claim_text(claims: pd.DataFrame, claim_id: str) -> str:
    """The article's words for ``claim_id`` from the ``claims`` table (verbatim)."""
    missing = [c for c in ("claim_id", "claim") if c not in claims.columns]
    if missing:
        raise DataError(f"claims: missing column(s) {', '.join(missing)}")
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


_CAPITALISED = re.compile(r"[A-Z][\w'\u2019.-]*(?:\s+[A-Z][\w'\u2019.-]*)*")
_POSSESSIVE = re.compile(r"['\u2019]s$")
_MONTH = re.compile(
    r"\b(" + "|".join(calendar.month_name[1:]) + r")\s+((?:19|20)\d\d)\b", re.IGNORECASE
)
_WRITTEN_AMOUNT = re.compile(r"\$\s*[0-9][0-9,]*(?:\.([0-9]+))?\s*(thousand|million|billion)?")
# The United States gives IMET: a claim naming it names the donor, not a recipient.
DONOR = "USA"


def _country_of(words: str) -> tuple[str, str] | None:
    try:
        name, iso3 = countries.name_and_code(_POSSESSIVE.sub("", words.strip(".,;:")))
    except UnknownCountryError:
        return None
    return None if iso3 is None else (name, iso3)


def countries_named(text: str, exclude: Iterable[str] = (DONOR,)) -> list[str]:
    """Canonical names of the countries ``text`` names, in order of first mention.

    Runs of capitalised words are tried longest first ("Sri Lanka" before "Sri"); possessives
    are dropped ("Pakistan's"); the United States (IMET's donor) is left out by default.
    """
    skip, found = set(exclude), []
    for run in _CAPITALISED.findall(text):
        words, i = run.split(), 0
        while i < len(words):
            for j in range(len(words), i, -1):
                hit = _country_of(" ".join(words[i:j]))
                if hit is not None:
                    break
            if hit is None:
                i += 1
                continue
            if hit[1] not in skip and hit[0] not in found:
                found.append(hit[0])
            i = j
    return found


def one_country(text: str, claim_id: str) -> str:
    named = countries_named(text)
    if not named:
        raise DataError(f"claims: {claim_id} names no country ({text!r})")
    return named[0]


def month_named(text: str) -> str:
    """The first "<Month> <year>" in ``text`` as ``YYYY-MM`` ("August 2018" -> "2018-08")."""
    match = _MONTH.search(text)
    if match is None:
        raise DataError(f"no '<month> <year>' in {text!r}")
    month = [m.lower() for m in calendar.month_name].index(match.group(1).lower())
    return f"{match.group(2)}-{month:02d}"


def stated_unit(text: str) -> float:
    """The value of the last digit of the first amount written in ``text``, in dollars.

    "$13.8 million" -> 100,000; "$1 million" -> 1,000,000; "$450,000" -> 1. Two amounts agree
    with the claim when they differ by at most half of this: the article's rounding.
    """
    match = _WRITTEN_AMOUNT.search(text)
    if match is None:
        raise DataError(f"no dollar amount in {text!r}")
    decimals = len(match.group(1) or "")
    return _SCALE.get((match.group(2) or "").lower(), 1.0) / 10**decimals


def region_named(text: str, regions: Iterable[str]) -> str:
    """The region of ``regions`` whose name ``text`` contains (case-insensitive), longest first."""
    lowered = text.lower()
    hits = sorted((r for r in regions if r.lower() in lowered), key=lambda r: (-len(r), r))
    if not hits:
        raise DataError(f"no known region named in {text!r}")
    return hits[0]


def ordinal(n: int) -> str:
    """1 -> "1st", 2 -> "2nd", 3 -> "3rd", 11 -> "11th", 61 -> "61st"."""
    if 10 <= n % 100 <= 20:
        return f"{n}th"
    return f"{n}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th') }"


_NATIONALITIES = re.compile(r"\b(\d+)\s+nationalities\b", re.IGNORECASE)


def nationalities_named(text: str) -> int:
    """The number of nationalities a claim names ("people of 25 nationalities" -> 25)."""
    match = _NATIONALITIES.search(text)
    if match is None:
        raise DataError(f"claims: no number of nationalities in {text!r}")
    return int(match.group(1))
