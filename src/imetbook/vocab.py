"""The book's vocabulary: how every page words a fiscal year, a span, a sum of money, a count,
a list and a budget measure. One function each, so two pages can never word the same fact
differently.

This is the lowest layer of meaning: the data contracts take the measures' order and definitions
from here, and everything that writes for readers (analysis, figures, chapters) words through it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

import pandas as pd

from imetbook.errors import ParameterError

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


def printed_at(report: object, pages: object = "") -> str:
    """``2019-2020 p. 8, 24`` (``pages`` as text), or ``2019-2020, no page printed``: where a
    record is printed in the training reports."""
    return f"{report} p. {pages}" if pages else f"{report}, no page printed"


def place(value: object, missing: str = "place not printed") -> str:
    """A class's place; ``missing`` where the report prints none (never "nan")."""
    return value if isinstance(value, str) and value else missing


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


def span_backwards(first: object, last: object, names: tuple[str, str]) -> str | None:
    """The one wording of a span that runs backwards (``None`` when it does not): ``fy_start
    (2010) is after fy_end (2002): the span must run forward``. A missing end is no error."""
    if first is None or last is None or not first > last:
        return None
    return f"{names[0]} ({first}) is after {names[1]} ({last}): the span must run forward"


def check_order(
    fy_start: object, fy_end: object, names: tuple[str, str] = ("fy_start", "fy_end")
) -> None:
    """Raise :class:`ParameterError` when ``fy_start`` is after ``fy_end`` (see
    :func:`span_backwards`)."""
    problem = span_backwards(fy_start, fy_end, names)
    if problem:
        raise ParameterError(problem)


# --- budget measures -------------------------------------------------------------------------

MEASURES = (
    "request",
    "estimate",
    "actual",
    "allocation",
    "appropriation",
    "obligation",
    "fmtr_actual_dollars",
    "fmtr_planned_dollars",
    "training_value",
)

# What each measure means, as the sources use it. Measures answer different questions (asked
# for, expected, set aside, appropriated, committed, delivered) and are never added together.
MEASURE_DOCS = {
    "request": "Amount the administration asked Congress for, for the coming fiscal year: the "
    "Congressional Budget Justification (CBJ), the State tables marked '(r)' (FY2016\u2013FY2017, "
    "label inferred), CRS '(req.)' columns, State fact sheets, or news reports of the CBJ.",
    "estimate": "Amount a budget document expected for the year under way when it was written "
    "(CBJ 'Estimate' column, CRS '(est.)' column, State fact sheet 'Est.' tables).",
    "actual": "Amount allocated to the country for a completed year as reported in State budget "
    "tables afterwards (State tables FY2008\u2013FY2015, label inferred from their world totals; "
    "CBJ and fact sheet 'Actual' columns); a budget figure, not spending and not training "
    "delivered.",
    "allocation": "Amount set aside for the country by a named allocation: a State fact sheet's "
    "653(a) column, or an 'IMET operating budget' stated in FMTR Section III country narratives "
    "(and one tertiary page).",
    "appropriation": "Amount appropriated for the programme account for the country, as "
    "tabulated by CRS (rounded to the nearest $ million; final obligations may be lower).",
    "obligation": "Amount legally committed in the fiscal year (USAID Greenbook, historical "
    "dollars); '<region> (not specified)' lines are unallocated lines, not totals.",
    "fmtr_actual_dollars": "IMET dollar value of the completed year in the FMTR Section III "
    "country summary table (with students trained); differs from Section IV course sums.",
    "fmtr_planned_dollars": "IMET dollar value planned for the current year in the FMTR "
    "Section III country summary table (with students projected).",
    "training_value": "Value of IMET training delivered in the fiscal year: the sum of cost_usd "
    "over the FMTR Section IV course rows of an IMET programme with status actual, per country "
    "(students: the sum of their students; rows without a printed cost are left out and counted "
    "in the note). It includes what the course costs carry (travel and living allowances, "
    "language labs, cancellation fees in some years); a value of training, not a budget.",
}

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
MEASURE_ORDER: dict[str, int] = {m: i for i, m in enumerate(MEASURES)}


def measure_label(measure: str) -> str:
    """The one label of a money measure or a course-record count."""
    label = MEASURE_LABELS.get(measure) or COUNT_LABELS.get(measure)
    if label is None:
        raise KeyError(f"unknown measure {measure!r}")
    return label


def measure_definition(measure: str) -> str:
    """What a money measure means, as the sources use it."""
    return MEASURE_DOCS[measure]


def measure_sorted(measures: Sequence[str]) -> list[str]:
    """``measures`` in the book's one order (request first, training value last)."""
    return sorted(measures, key=MEASURE_ORDER.__getitem__)
