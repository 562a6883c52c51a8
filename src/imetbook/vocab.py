"""The book's vocabulary: how every page words a fiscal year, a span, a sum of money, a count,
a list and a budget measure. One function each, so two pages can never word the same fact
differently.

This layer sits above :mod:`imetbook.data` (it reads the measure order and definitions from the
contracts) and below everything that writes for readers (analysis tables, figures, chapters).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

import pandas as pd

from imetbook.data import schema

NO_FIGURE = "no figure"
EN_DASH = "\u2013"

# --- fiscal years ----------------------------------------------------------------------------


def fiscal_year(day: dt.date | pd.Timestamp | str) -> int:
    """US fiscal year of a day: FY2019 runs from 1 October 2018 to 30 September 2019."""
    ts = pd.Timestamp(day)
    return int(ts.year + 1 if ts.month >= 10 else ts.year)


def fiscal_years(days: pd.Series) -> pd.Series:
    """:func:`fiscal_year` of a column of days (nulls stay null), as ``Int64``."""
    days = pd.to_datetime(days)
    return (days.dt.year + (days.dt.month >= 10).astype("Int64")).astype("Int64")


def fy(year: object, missing: str = "no year") -> str:
    """``FY2003``; ``missing`` for a null year."""
    return missing if year is None or pd.isna(year) else f"FY{int(year)}"


def fy_span(first: object, last: object) -> str:
    """``FY1999–FY2020`` (en dash); one year is ``FY2020``."""
    if int(first) == int(last):
        return fy(first)
    return f"{fy(first)}{EN_DASH}{fy(last)}"


def fy_runs(years: Iterable[object]) -> str:
    """Consecutive years as spans: ``FY1999–FY2001, FY2005`` (``none`` for no year)."""
    runs: list[list[int]] = []
    for year in sorted({int(y) for y in years}):
        if runs and runs[-1][1] == year - 1:
            runs[-1][1] = year
        else:
            runs.append([year, year])
    return ", ".join(fy_span(a, b) for a, b in runs) or "none"


# --- money and counts ------------------------------------------------------------------------


def usd(value: object, missing: str = NO_FIGURE) -> str:
    """Whole nominal dollars, ``$1,234,567`` (``-$5`` below zero); ``missing`` for a gap."""
    if value is None or pd.isna(value):
        return missing
    amount = round(float(value))
    return f"{'-' if amount < 0 else ''}${abs(amount):,}"


def usd_short(value: object, missing: str = NO_FIGURE) -> str:
    """Dollars for prose: ``$13.8 million`` from a million up, whole dollars below."""
    if value is None or pd.isna(value):
        return missing
    amount = float(value)
    if abs(amount) >= 1e6:
        return f"${amount / 1e6:,.1f}".removesuffix(".0") + " million"
    return usd(amount)


def count(n: object, missing: str = "no count") -> str:
    """``1,234``; ``missing`` for a null count."""
    return missing if n is None or pd.isna(n) else f"{int(n):,}"


def plural(n: int, one: str, many: str) -> str:
    """``1 course``, ``2,345 courses``."""
    return f"{int(n):,} {one if int(n) == 1 else many}"


def and_join(items: Iterable[str]) -> str:
    """``India``; ``India and Pakistan``; ``India, Nepal and Pakistan`` (empty for none)."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


# --- budget measures -------------------------------------------------------------------------

MEASURE_LABELS: dict[str, str] = {
    "request": "Request",
    "estimate": "Estimate",
    "actual": "State actual allocation",
    "allocation": "Allocation",
    "appropriation": "Appropriation (CRS)",
    "obligation": "Obligation (Greenbook)",
    "fmtr_actual_dollars": "FMTR Section III actual",
    "fmtr_planned_dollars": "FMTR Section III planned",
    "training_value": "Training value (FMTR courses)",
}
# Counts drawn from the course records beside the money measures (Pakistan chapter).
COUNT_LABELS: dict[str, str] = {
    "students": "IMET students (FMTR)",
    "activities": "IMET training rows (FMTR)",
    "courses": "Distinct IMET courses (FMTR)",
}
MEASURE_ORDER: dict[str, int] = {m: i for i, m in enumerate(schema.MEASURES)}


def measure_label(measure: str) -> str:
    """The one label of a money measure or a course-record count."""
    label = MEASURE_LABELS.get(measure) or COUNT_LABELS.get(measure)
    if label is None:
        raise KeyError(f"unknown measure {measure!r}")
    return label


def measure_definition(measure: str) -> str:
    """What a money measure means, as the sources use it (:data:`schema.MEASURE_DOCS`)."""
    return schema.MEASURE_DOCS[measure]


def measure_sorted(measures: Sequence[str]) -> list[str]:
    """``measures`` in the book's one order (request first, training value last)."""
    return sorted(measures, key=MEASURE_ORDER.__getitem__)
