"""Events and yearly IMET measures on one US fiscal-year axis; sanction and suspension periods.

Everything here takes the tidy tables (contracts in :mod:`imetbook.data.schema`: ``events``,
``training``, ``funding``) and returns small, sorted DataFrames or plain records, so that the
Pakistan chapter, the claims chapter and the country pages share one reading of the record.

Rules that hold throughout:

- The US fiscal year (FY) *n* runs from 1 October of *n - 1* to 30 September of *n*.
- A date keeps its precision. ``2019-12`` means any day of December 2019 (FY2020); ``1998``
  means any day of 1998, which straddles FY1998 and FY1999. Periods and month counts carry that
  uncertainty as a range instead of picking a day.
- A period opens at a ``sanction`` or ``suspension`` event and closes at the first
  ``resumption`` event for the same country that certainly comes after it (its first possible
  day is later than the last day the opening date can mean). The timelines do not say which
  waiver lifted which sanction, so a period may close later than the sanction really ended; the
  chapter shows the pairing beside the records so a reader can judge it. A period with no such
  event is open-ended and runs to the end of the axis.
- A fiscal year without a figure is a gap (NaN / <NA>), never zero; zero appears only where
  the records say zero.

For other chapters: :func:`country_events` (a country's events, numbered, with fiscal years),
:func:`derive_periods` and :func:`episodes` (sanction and suspension periods),
:func:`suspension_to_resumption` (the latest closed episode with the months from its opening
events to its resumption, e.g. ``months_last_to_close``), :func:`months_between` (months
between two dates of any precision) and :func:`yearly_measures` (a country's yearly IMET
students, training value and funding measures on an axis, gaps kept).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

from imetbook.chapters import params, tables
from imetbook.errors import ContractError, DataError, ParameterError
from imetbook.figures import plots

# The axis may reach back before the course records (FY1999) because the Greenbook obligations
# and the events do; the bounds are the funding table's years.
PARAMS = params.Spec(
    params.Ordered("fy_start", "fy_end"),
    params.Distinct("country", "compare_with"),
    country=params.Param(
        params.Country(), "Country whose events and IMET record the chapter follows"
    ),
    compare_with=params.Param(
        params.Country(), "Reference country drawn on the same fiscal-year axes"
    ),
    fy_start=params.Param(
        params.FiscalYear(params.data_years("funding")), "First US fiscal year on the axis"
    ),
    fy_end=params.Param(
        params.FiscalYear(params.data_years("funding")), "Last US fiscal year on the axis"
    ),
)

OPENING: tuple[str, ...] = ("sanction", "suspension")
CLOSING: tuple[str, ...] = ("resumption",)
FUNDING_MEASURES: tuple[str, ...] = (
    "request",
    "appropriation",
    "allocation",
    "actual",
    "obligation",
)
TRAINING_MEASURES: tuple[str, ...] = ("students", "activities", "courses", "training_value")
MEASURE_LABELS: dict[str, str] = {
    "students": "IMET students (FMTR)",
    "activities": "IMET training rows (FMTR)",
    "courses": "Distinct IMET courses (FMTR)",
    "training_value": "IMET training value (FMTR)",
    "request": "Request",
    "appropriation": "Appropriation (CRS)",
    "allocation": "Allocation",
    "actual": "State actual allocation",
    "obligation": "Obligation (Greenbook)",
}
PHASES: tuple[str, ...] = ("before", "partly", "during", "after")

_DATE_RE = {
    "year": re.compile(r"^\d{4}$"),
    "month": re.compile(r"^\d{4}-\d{2}$"),
    "day": re.compile(r"^\d{4}-\d{2}-\d{2}$"),
}


def _require(df: pd.DataFrame, columns: Iterable[str], table: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ContractError(f"{table}: missing column(s) {', '.join(missing)}")


# --- the fiscal-year axis ------------------------------------------------------------------


def fiscal_year(date: pd.Timestamp | str) -> int:
    """US fiscal year of a day: October to December count toward the next calendar year."""
    ts = pd.Timestamp(date)
    return ts.year + 1 if ts.month >= 10 else ts.year


def fiscal_years(dates: pd.Series) -> pd.Series:
    """:func:`fiscal_year` for a column of dates (nulls stay null)."""
    dates = pd.to_datetime(dates)
    fy = dates.dt.year + (dates.dt.month >= 10).astype("Int64")
    return fy.astype("Int64")


def fiscal_year_bounds(fy: int) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last day of fiscal year ``fy``."""
    return pd.Timestamp(fy - 1, 10, 1), pd.Timestamp(fy, 9, 30)


def date_bounds(date: str) -> tuple[pd.Timestamp, pd.Timestamp, str]:
    """``(first day, last day, precision)`` that a ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` means."""
    text = str(date).strip()
    precision = next((p for p, pattern in _DATE_RE.items() if pattern.match(text)), None)
    if precision is None:
        raise DataError(f"date {date!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
    try:
        if precision == "year":
            first, last = pd.Timestamp(int(text), 1, 1), pd.Timestamp(int(text), 12, 31)
        elif precision == "month":
            first = pd.Timestamp(f"{text}-01")
            last = first + pd.offsets.MonthEnd(0)
        else:
            first = last = pd.Timestamp(text)
    except ValueError as exc:
        raise DataError(f"date {date!r} is not a calendar date ({exc})") from None
    return first, last, precision


def fiscal_years_spanned(date: str) -> tuple[int, int]:
    """First and last fiscal year a date of any precision can fall in (``1998`` -> 1998, 1999)."""
    first, last, _ = date_bounds(date)
    return fiscal_year(first), fiscal_year(last)


def axis_position(day: pd.Timestamp | str) -> float:
    """Position of the *start* of a day on the chart axis, where FY *n* spans n-0.5 to n+0.5.

    Yearly values are drawn at the integer ``n``, so an event sits inside its fiscal year's bar.
    """
    ts = pd.Timestamp(day)
    fy = fiscal_year(ts)
    start, _ = fiscal_year_bounds(fy)
    length = (pd.Timestamp(fy, 10, 1) - start).days
    return fy - 0.5 + (ts - start).days / length


def span_position(first: pd.Timestamp, last: pd.Timestamp) -> tuple[float, float]:
    """Axis positions covering the whole days ``first`` to ``last`` inclusive."""
    return axis_position(first), axis_position(pd.Timestamp(last) + pd.Timedelta(days=1))


def fy_label(first: int, last: int | None = None) -> str:
    """``FY2018`` or ``FY1998-FY1999``."""
    if last is None or last == first:
        return f"FY{first}"
    return f"FY{first}-FY{last}"


# --- events ----------------------------------------------------------------------------------

EVENT_COLUMNS = (
    "event_id",
    "date",
    "date_precision",
    "date_start",
    "date_end",
    "category",
    "event",
    "iso3",
    "country_name",
    "source_title",
    "source_url",
)


def country_events(events: pd.DataFrame, iso3: str) -> pd.DataFrame:
    """The events that concern one country, in date order, numbered from 1.

    The ``events`` table already holds one row per event and concerned country (an event shared
    by both timelines appears once per country). Adds ``n`` (the label used in figures and
    tables), ``fy_first`` and ``fy_last`` (the fiscal years the date can mean).
    """
    _require(events, EVENT_COLUMNS, "events")
    rows = events[events["iso3"] == iso3]
    dup = rows["event_id"].duplicated()
    if dup.any():
        raise DataError(f"events: {rows.loc[dup, 'event_id'].iloc[0]} appears twice for {iso3}")
    bad = rows["date_start"] > rows["date_end"]
    if bad.any():
        raise DataError(
            f"events: date_start after date_end for {rows.loc[bad, 'event_id'].iloc[0]}"
        )
    rows = rows.sort_values(["date_start", "date_end", "event_id"], kind="stable")
    rows = rows.reset_index(drop=True)
    return rows.assign(
        n=np.arange(1, len(rows) + 1),
        fy_first=fiscal_years(rows["date_start"]),
        fy_last=fiscal_years(rows["date_end"]),
    )


def events_table(events: pd.DataFrame) -> pd.DataFrame:
    """The events of :func:`country_events` as a reader's table: number, date, precision,
    fiscal year(s), category, what happened, and the source (title, address, page date)."""
    spans = zip(events["fy_first"], events["fy_last"], strict=True)
    fy = [fy_label(int(a), int(b)) for a, b in spans]
    return pd.DataFrame(
        {
            "#": events["n"].to_numpy(),
            "date": events["date"].to_numpy(),
            "precision": events["date_precision"].to_numpy(),
            "fiscal year": fy,
            "category": events["category"].to_numpy(),
            "event": events["event"].to_numpy(),
            "source": events["source_title"].to_numpy(),
            "address": events["source_url"].to_numpy(),
        }
    )


# --- periods ---------------------------------------------------------------------------------

PERIOD_COLUMNS: dict[str, str] = {
    "iso3": "Country code",
    "country_name": "Country",
    "category": "sanction or suspension (the opening event's category)",
    "start_n": "Number of the opening event (as in the events table)",
    "start_event_id": "Opening event",
    "start_date": "Opening date as given",
    "start_precision": "day, month or year",
    "start_earliest": "First day the opening date can mean",
    "start_latest": "Last day the opening date can mean",
    "start_event": "What opened the period",
    "end_n": "Number of the closing event (null if open-ended)",
    "end_event_id": "Closing resumption event (null if open-ended)",
    "end_date": "Closing date as given",
    "end_precision": "day, month or year",
    "end_earliest": "First day the closing date can mean (axis end if open-ended)",
    "end_latest": "Last day the closing date can mean (axis end if open-ended)",
    "end_event": "What closed the period",
    "open_ended": "True when no later resumption event exists for the country",
    "fy_first": "Fiscal year of start_earliest",
    "fy_last": "Fiscal year of end_latest (null if open-ended and no axis end)",
}


def _period_row(opener: pd.Series, closer: pd.Series | None, axis_end: pd.Timestamp | None):
    row = {
        "iso3": opener["iso3"],
        "country_name": opener["country_name"],
        "category": opener["category"],
        "start_n": opener.get("n", pd.NA),
        "start_event_id": opener["event_id"],
        "start_date": opener["date"],
        "start_precision": opener["date_precision"],
        "start_earliest": opener["date_start"],
        "start_latest": opener["date_end"],
        "start_event": opener["event"],
        "open_ended": closer is None,
    }
    if closer is not None:
        row.update(
            end_n=closer.get("n", pd.NA),
            end_event_id=closer["event_id"],
            end_date=closer["date"],
            end_precision=closer["date_precision"],
            end_earliest=closer["date_start"],
            end_latest=closer["date_end"],
            end_event=closer["event"],
        )
    else:
        end = pd.NaT if axis_end is None else pd.Timestamp(axis_end)
        row.update(
            end_n=pd.NA,
            end_event_id=pd.NA,
            end_date=pd.NA,
            end_precision=pd.NA,
            end_earliest=end,
            end_latest=end,
            end_event=pd.NA,
        )
    return row


def derive_periods(
    events: pd.DataFrame, axis_end: pd.Timestamp | str | None = None
) -> pd.DataFrame:
    """One row per sanction or suspension event: the period it opens and the event closing it.

    ``events`` is the ``events`` table or :func:`country_events` output (one or more
    countries). The closing event is the first ``resumption`` for the same country whose first
    possible day is after the last day the opening date can mean; several periods can share
    one closing event. With no such event the period is open-ended and, if ``axis_end`` is
    given, ends there. Columns: :data:`PERIOD_COLUMNS`; sorted by country, then start.
    """
    _require(
        events,
        (
            "event_id",
            "date",
            "date_precision",
            "date_start",
            "date_end",
            "category",
            "event",
            "iso3",
            "country_name",
        ),
        "events",
    )
    axis_end = None if axis_end is None else pd.Timestamp(axis_end)
    rows = []
    ordered = events.sort_values(["iso3", "date_start", "date_end", "event_id"], kind="stable")
    for _iso3, group in ordered.groupby("iso3", sort=True):
        closers = group[group["category"].isin(CLOSING)]
        for _, opener in group[group["category"].isin(OPENING)].iterrows():
            later = closers[closers["date_start"] > opener["date_end"]]
            closer = later.iloc[0] if len(later) else None
            rows.append(_period_row(opener, closer, axis_end))
    periods = pd.DataFrame(rows, columns=list(PERIOD_COLUMNS))
    for col in ("start_earliest", "start_latest", "end_earliest", "end_latest"):
        periods[col] = pd.to_datetime(periods[col])
    periods["open_ended"] = periods["open_ended"].astype(bool)
    periods["fy_first"] = fiscal_years(periods["start_earliest"])
    periods["fy_last"] = fiscal_years(periods["end_latest"])
    return periods.reset_index(drop=True)


def periods_table(periods: pd.DataFrame) -> pd.DataFrame:
    """Periods as a reader's table: opening and closing event (number, date, precision)."""

    def _end(row: pd.Series) -> str:
        if row["open_ended"]:
            return "none recorded (open-ended)"
        return f"#{row['end_n']} {row['end_date']} ({row['end_precision']})"

    return pd.DataFrame(
        {
            "category": periods["category"].to_numpy(),
            "opened by": [
                f"#{r.start_n} {r.start_date} ({r.start_precision})" for r in periods.itertuples()
            ],
            "closed by": [_end(r) for _, r in periods.iterrows()],
            "fiscal years": [
                f"{fy_label(int(a))} onward" if pd.isna(b) else fy_label(int(a), int(b))
                for a, b in zip(periods["fy_first"], periods["fy_last"], strict=True)
            ],
        }
    )


# --- sourced restriction periods ------------------------------------------------------------

PERIODS_FILE = "restriction_periods.csv"
PERIODS_FILE_COLUMNS = (
    "country",
    "restricted",
    "imet_restricted",
    "start",
    "start_precision",
    "start_source_title",
    "start_source_url",
    "start_locator",
    "end",
    "end_precision",
    "end_source_title",
    "end_source_url",
    "end_locator",
    "note",
)


def read_restriction_periods(context_dir=None) -> pd.DataFrame:
    """``data/raw/context/restriction_periods.csv``, checksum-verified: one row per period in
    which IMET was restricted, each end with its own source and locator.

    A bad date, a date whose precision column disagrees, an end before its start, a missing
    source for an end, or an ``imet_restricted`` other than yes/no is a :class:`DataError`
    naming the line.
    """
    from imetbook import paths
    from imetbook.data import manifest

    folder = paths.raw_dir() / "context" if context_dir is None else context_dir
    raw = manifest.read_plain(folder).get(PERIODS_FILE)
    if raw is None:
        raise DataError(f"{folder}/MANIFEST.csv does not list {PERIODS_FILE}")
    rows = manifest.read_csv(raw)
    for line, row in enumerate(rows, start=2):
        _check_period_row(row, f"{PERIODS_FILE} line {line}")
    return pd.DataFrame(rows, columns=list(PERIODS_FILE_COLUMNS))


def _check_period_row(row: dict[str, str], where: str) -> None:
    missing = [c for c in PERIODS_FILE_COLUMNS if c != "note" and not (row.get(c) or "").strip()]
    if missing:
        raise DataError(f"{where}: empty {', '.join(missing)} (every end needs a source)")
    for end in ("start", "end"):
        _, _, precision = date_bounds(row[end])
        if precision != row[f"{end}_precision"]:
            raise DataError(
                f"{where}: {end} {row[end]!r} is a {precision}, not a {row[f'{end}_precision']}"
            )
        if not row[f"{end}_source_url"].startswith(("http://", "https://")):
            raise DataError(f"{where}: {end}_source_url is not an http(s) address")
    if date_bounds(row["end"])[1] < date_bounds(row["start"])[0]:
        raise DataError(f"{where}: ends ({row['end']}) before it starts ({row['start']})")
    if row["imet_restricted"] not in ("yes", "no"):
        raise DataError(
            f"{where}: imet_restricted must be yes or no, not {row['imet_restricted']!r}"
        )


def restriction_periods(table: pd.DataFrame, country: str) -> pd.DataFrame:
    """The periods of ``table`` (:func:`read_restriction_periods`) in which IMET was restricted
    for ``country``, in :data:`PERIOD_COLUMNS` form (for the figures) plus ``restricted`` and
    the sources of each end. Sorted by start."""
    rows = table[(table["country"] == country) & (table["imet_restricted"] == "yes")]
    out = []
    for r in rows.itertuples(index=False):
        s0, s1, _ = date_bounds(r.start)
        e0, e1, _ = date_bounds(r.end)
        out.append(
            {
                "iso3": pd.NA,
                "country_name": r.country,
                "category": "sanction",
                "start_n": pd.NA,
                "start_event_id": pd.NA,
                "start_date": r.start,
                "start_precision": r.start_precision,
                "start_earliest": s0,
                "start_latest": s1,
                "start_event": r.restricted,
                "end_n": pd.NA,
                "end_event_id": pd.NA,
                "end_date": r.end,
                "end_precision": r.end_precision,
                "end_earliest": e0,
                "end_latest": e1,
                "end_event": r.restricted,
                "open_ended": False,
                "restricted": r.restricted,
                "start_source": tables.link(r.start_source_title, r.start_source_url),
                "start_locator": r.start_locator,
                "end_source": tables.link(r.end_source_title, r.end_source_url),
                "end_locator": r.end_locator,
                "note": r.note or "",
            }
        )
    periods = pd.DataFrame(out, columns=[*PERIOD_COLUMNS, *SOURCED_COLUMNS])
    for col in ("start_earliest", "start_latest", "end_earliest", "end_latest"):
        periods[col] = pd.to_datetime(periods[col])
    periods["open_ended"] = periods["open_ended"].astype(bool)
    periods["fy_first"] = fiscal_years(periods["start_earliest"])
    periods["fy_last"] = fiscal_years(periods["end_latest"])
    return periods.sort_values("start_earliest", kind="stable").reset_index(drop=True)


SOURCED_COLUMNS = (
    "restricted",
    "start_source",
    "start_locator",
    "end_source",
    "end_locator",
    "note",
)
SOURCED_HTML_COLUMNS = ("start: source", "end: source")


def sourced_periods_table(periods: pd.DataFrame) -> pd.DataFrame:
    """:func:`restriction_periods` as a reader's table; the two source columns are HTML links
    (show with ``html_columns=SOURCED_HTML_COLUMNS``), every other cell plain text."""
    return pd.DataFrame(
        {
            "what was restricted": periods["restricted"].to_numpy(),
            "from": periods["start_date"].to_numpy(),
            "start: source": periods["start_source"].to_numpy(),
            "start: where in the source": periods["start_locator"].to_numpy(),
            "to": periods["end_date"].to_numpy(),
            "end: source": periods["end_source"].to_numpy(),
            "end: where in the source": periods["end_locator"].to_numpy(),
            "fiscal years shaded": [
                fy_label(int(a), int(b))
                for a, b in zip(periods["fy_first"], periods["fy_last"], strict=True)
            ],
            "note": periods["note"].to_numpy(),
        }
    )


def contradictions(periods: pd.DataFrame, yearly: pd.DataFrame) -> pd.DataFrame:
    """Every fiscal year wholly inside a shaded period in which the records show IMET money
    obligated or IMET students trained: the shading says IMET was restricted, the records say
    otherwise. Years with no record are not contradictions (they are gaps)."""
    out = []
    for p in periods.itertuples(index=False):
        ep = Episode(
            p.iso3,
            p.country_name,
            p.start_earliest,
            p.start_latest,
            p.end_earliest,
            p.end_latest,
            False,
            (p.start_event_id,),
            p.end_event_id,
        )
        inside = [y for y in range(int(p.fy_first), int(p.fy_last) + 1) if phase(ep, y) == "during"]
        for fy in _active_years(yearly, inside):
            row = yearly.loc[fy]
            out.append(
                {
                    "period": f"{p.start_date} to {p.end_date}: {p.restricted}",
                    "fiscal year": fy_label(fy),
                    "IMET obligations": format_usd(row.get("obligation", np.nan)),
                    "IMET students": _count(row.get("students", pd.NA)),
                }
            )
    return pd.DataFrame(out, columns=["period", "fiscal year", "IMET obligations", "IMET students"])


def _count(value: object) -> str:
    return "no record" if pd.isna(value) else f"{int(value):,}"


@dataclass(frozen=True)
class Episode:
    """Overlapping periods of one country merged into one stretch of restrictions."""

    iso3: str
    country_name: str
    start_earliest: pd.Timestamp
    start_latest: pd.Timestamp
    end_earliest: pd.Timestamp | None
    end_latest: pd.Timestamp | None
    open_ended: bool
    opener_ids: tuple[str, ...]
    closer_id: str | None


def episodes(periods: pd.DataFrame) -> list[Episode]:
    """Merge each country's periods that overlap (from first possible start to last possible
    end) into episodes, in date order. An episode is open-ended if any of its periods is."""
    out: list[Episode] = []
    for iso3, group in periods.sort_values(["iso3", "start_earliest"], kind="stable").groupby(
        "iso3", sort=True
    ):
        current: list[pd.Series] = []
        reach = pd.Timestamp.min
        for _, p in group.iterrows():
            is_open = p["open_ended"] or pd.isna(p["end_latest"])
            end = pd.Timestamp.max if is_open else p["end_latest"]
            if current and p["start_earliest"] > reach:
                out.append(_episode(iso3, current))
                current, reach = [], pd.Timestamp.min
            current.append(p)
            reach = max(reach, end)
        if current:
            out.append(_episode(iso3, current))
    return out


def _episode(iso3: str, members: list[pd.Series]) -> Episode:
    frame = pd.DataFrame(members)
    is_open = bool(frame["open_ended"].any())
    closed = frame[~frame["open_ended"]].sort_values(["end_latest", "end_event_id"])
    last = None if is_open or closed.empty else closed.iloc[-1]
    return Episode(
        iso3=iso3,
        country_name=str(frame["country_name"].iloc[0]),
        start_earliest=frame["start_earliest"].min(),
        start_latest=frame["start_latest"].min(),
        end_earliest=None if last is None else last["end_earliest"],
        end_latest=None if last is None else last["end_latest"],
        open_ended=is_open,
        opener_ids=tuple(frame.sort_values(["start_earliest", "start_event_id"])["start_event_id"]),
        closer_id=None if last is None else str(last["end_event_id"]),
    )


def latest_closed_episode(periods: pd.DataFrame, iso3: str) -> Episode | None:
    """The most recent episode of ``iso3`` that a resumption event closed (None if none)."""
    closed = [e for e in episodes(periods) if e.iso3 == iso3 and not e.open_ended]
    return closed[-1] if closed else None


def phase(ep: Episode, fy: int) -> str:
    """Where fiscal year ``fy`` falls against an episode.

    ``before``: the year ends before the episode can have started; ``after``: it starts after
    the episode has certainly ended; ``during``: the whole year lies inside the span the
    episode certainly covers; ``partly``: anything else (the year straddles a start or an end,
    or the dates are too coarse to say).
    """
    first, last = fiscal_year_bounds(fy)
    if last < ep.start_earliest:
        return "before"
    if not ep.open_ended and ep.end_latest is not None and first > ep.end_latest:
        return "after"
    inside_end = ep.open_ended or (ep.end_earliest is not None and last <= ep.end_earliest)
    if first >= ep.start_latest and inside_end:
        return "during"
    return "partly"


def phases(ep: Episode, years: Iterable[int]) -> pd.DataFrame:
    """``fiscal_year`` and ``phase`` for each year (see :func:`phase`)."""
    years = list(years)
    return pd.DataFrame({"fiscal_year": years, "phase": [phase(ep, y) for y in years]})


# --- months between two dates of any precision -------------------------------------------


def _whole_months(a: pd.Timestamp, b: pd.Timestamp) -> int:
    months = (b.year - a.year) * 12 + (b.month - a.month)
    return months - 1 if b.day < a.day else months


def months_between(start: str, end: str) -> tuple[int, int]:
    """Fewest and most whole months from a day ``start`` can mean to a day ``end`` can mean.

    ``2018-08-10`` to ``2019-12-19`` gives (16, 16); to ``2020-01`` it gives (16, 17), because
    January 2020 may mean the 1st or the 31st. Raises :class:`DataError` if ``end`` can be
    before ``start``.
    """
    s0, s1, _ = date_bounds(start)
    e0, e1, _ = date_bounds(end)
    if e0 < s1:
        raise DataError(f"months_between: {end!r} is not certainly after {start!r}")
    return _whole_months(s1, e0), _whole_months(s0, e1)


def format_months(span: tuple[int, int]) -> str:
    """``16 months`` or ``16 to 17 months``."""
    low, high = span
    unit = "month" if high == 1 else "months"
    return f"{low} {unit}" if low == high else f"{low} to {high} {unit}"


@dataclass(frozen=True)
class EpisodeSummary:
    """The events that open and close an episode and the months between them.

    ``first_opener`` and ``last_opener`` are the earliest and latest events opening the
    episode; ``closer`` the resumption closing it; ``last_resumption`` the last of the
    resumption events that directly follow the closer, with no other event between them (the
    closer itself if none). Month counts are (fewest, most) as :func:`months_between` gives.
    """

    episode: Episode
    first_opener: pd.Series
    last_opener: pd.Series
    closer: pd.Series
    last_resumption: pd.Series
    months_first_to_close: tuple[int, int]
    months_last_to_close: tuple[int, int]
    months_last_to_last_resumption: tuple[int, int]


def summarise_episode(events: pd.DataFrame, ep: Episode) -> EpisodeSummary:
    """Opening, closing and follow-up resumption events of an episode (see EpisodeSummary)."""
    if ep.open_ended or ep.closer_id is None:
        raise ParameterError(f"{ep.country_name}: the episode has no closing event to count to")
    rows = events[events["iso3"] == ep.iso3].sort_values(
        ["date_start", "date_end", "event_id"], kind="stable"
    )
    openers = rows[rows["event_id"].isin(ep.opener_ids)].drop_duplicates("event_id")
    closer = rows[rows["event_id"] == ep.closer_id].iloc[0]
    after = rows[rows["date_start"] > closer["date_end"]]
    last = closer
    for _, ev in after.iterrows():  # the run of resumptions right after the closing event
        if ev["category"] not in CLOSING:
            break
        last = ev
    first_o, last_o = openers.iloc[0], openers.iloc[-1]
    return EpisodeSummary(
        episode=ep,
        first_opener=first_o,
        last_opener=last_o,
        closer=closer,
        last_resumption=last,
        months_first_to_close=months_between(first_o["date"], closer["date"]),
        months_last_to_close=months_between(last_o["date"], closer["date"]),
        months_last_to_last_resumption=months_between(last_o["date"], last["date"]),
    )


def suspension_to_resumption(events: pd.DataFrame, iso3: str) -> EpisodeSummary | None:
    """The latest closed suspension or sanction episode of a country, summarised.

    For Pakistan this is the 2018-2019 suspension: its ``months_last_to_close`` counts the
    months from the report of the IMET suspension to the announced resumption. None when the
    country has no closed episode.
    """
    own = country_events(events, iso3)
    ep = latest_closed_episode(derive_periods(own), iso3)
    return None if ep is None else summarise_episode(own, ep)


def _active_years(yearly: pd.DataFrame, years: Sequence[int]) -> list[int]:
    """Years with IMET obligations or IMET students above zero (gaps are not activity)."""
    block = yearly.reindex(list(years))
    active = pd.Series(False, index=block.index)
    for col in ("obligation", "students"):
        if col in block.columns:
            active |= block[col].astype("float64").fillna(0) > 0
    return [int(y) for y in block.index[active]]


def periods_with_activity(periods: pd.DataFrame, yearly: pd.DataFrame) -> pd.DataFrame:
    """For each closed period, the fiscal years it certainly covers in full and how many of
    them have IMET obligations or students above zero in ``yearly`` (a check on the pairing
    of sanctions with waivers: money and students in a year inside a period suggest the
    sanction had been lifted or did not reach IMET)."""
    out = []
    for _, p in periods.iterrows():
        if p["open_ended"]:
            continue
        ep = Episode(
            p["iso3"],
            p["country_name"],
            p["start_earliest"],
            p["start_latest"],
            p["end_earliest"],
            p["end_latest"],
            False,
            (p["start_event_id"],),
            p["end_event_id"],
        )
        years = [
            y for y in range(int(p["fy_first"]), int(p["fy_last"]) + 1) if phase(ep, y) == "during"
        ]
        active = _active_years(yearly, years)
        out.append(
            {
                "start_n": p["start_n"],
                "start_date": p["start_date"],
                "end_date": p["end_date"],
                "full_years": len(years),
                "years_with_imet": len(active),
                "with_imet": format_runs(_present_runs(active)),
            }
        )
    return pd.DataFrame(
        out,
        columns=["start_n", "start_date", "end_date", "full_years", "years_with_imet", "with_imet"],
    )


# --- yearly measures ------------------------------------------------------------------------


def _imet_rows(training: pd.DataFrame, iso3: str) -> pd.DataFrame:
    _require(
        training,
        (
            "iso3",
            "is_imet",
            "status",
            "fiscal_year",
            "students",
            "cost_usd",
            "course_key",
            "record_id",
        ),
        "training",
    )
    mask = (training["iso3"] == iso3) & training["is_imet"].astype(bool)
    return training[mask & (training["status"] == "actual")]


def training_yearly(training: pd.DataFrame, iso3: str) -> pd.DataFrame:
    """IMET training delivered per fiscal year (FMTR Section IV rows, status actual).

    ``students`` and ``training_value`` are sums that stay null when no row of the year
    prints a number; ``activities`` counts rows and ``courses`` distinct course titles. A year
    with no IMET row for the country has no entry at all.
    """
    rows = _imet_rows(training, iso3)
    grouped = rows.groupby("fiscal_year", sort=True)
    out = pd.DataFrame(
        {
            "students": grouped["students"].sum(min_count=1).astype("Int64"),
            "activities": grouped["record_id"].count().astype("Int64"),
            "courses": grouped["course_key"].nunique().astype("Int64"),
            "training_value": grouped["cost_usd"].sum(min_count=1).astype("float64"),
        }
    )
    out.index = out.index.astype("int64")
    return out


def funding_yearly(
    funding: pd.DataFrame, iso3: str, measures: Sequence[str] = FUNDING_MEASURES
) -> pd.DataFrame:
    """One column per funding measure, one row per fiscal year with any of them.

    Several sources printing the same figure count once; sources printing different figures
    for the same country, year and measure raise :class:`DataError` naming them.
    """
    _require(
        funding, ("iso3", "scope", "fiscal_year", "measure", "amount_usd", "source"), "funding"
    )
    rows = funding[(funding["iso3"] == iso3) & (funding["scope"] == "country")]
    rows = rows[rows["measure"].isin(measures)]
    spread = rows.groupby(["fiscal_year", "measure"])["amount_usd"].nunique()
    if (spread > 1).any():
        fy, measure = spread[spread > 1].index[0]
        clash = rows[(rows["fiscal_year"] == fy) & (rows["measure"] == measure)]
        values = ", ".join(
            f"{v:,.0f} ({s})" for v, s in zip(clash["amount_usd"], clash["source"], strict=True)
        )
        raise DataError(f"funding: sources disagree on {iso3} FY{fy} {measure}: {values}")
    wide = rows.pivot_table(
        index="fiscal_year", columns="measure", values="amount_usd", aggfunc="first"
    )
    wide = wide.reindex(columns=list(measures)).astype("float64")
    wide.index = wide.index.astype("int64")
    wide.columns.name = None
    return wide


def report_years(training: pd.DataFrame) -> set[int]:
    """Fiscal years a training report covers: years with any actual training row, any country."""
    years = training.loc[training["status"] == "actual", "fiscal_year"].dropna()
    return {int(y) for y in years.unique()}


def yearly_measures(
    training: pd.DataFrame,
    funding: pd.DataFrame,
    iso3: str,
    fy_start: int,
    fy_end: int,
) -> pd.DataFrame:
    """Every yearly measure of one country on the axis ``fy_start``..``fy_end`` (one row per
    fiscal year, gaps as null): :data:`TRAINING_MEASURES` then :data:`FUNDING_MEASURES`.

    Three states: a value; 0 for the training measures of a year a report covers (see
    :func:`report_years`) but lists nothing for the country; null where no source covers it."""
    if fy_start > fy_end:
        raise ParameterError(f"fy_start ({fy_start}) is after fy_end ({fy_end})")
    years = pd.Index(range(fy_start, fy_end + 1), name="fiscal_year")
    listed = training_yearly(training, iso3)
    train = listed.reindex(years)
    # A report covers the year and lists nothing for the country: a reported zero, not a gap.
    silent = years.isin(report_years(training)) & ~years.isin(listed.index)
    train.loc[silent, :] = 0
    money = funding_yearly(funding, iso3).reindex(years)
    return pd.concat([train, money], axis=1)


def tidy(yearly: pd.DataFrame, measures: Sequence[str], label: str = "measure") -> pd.DataFrame:
    """Long form (``fiscal_year``, ``label``, ``value``) of some yearly columns, gaps kept as
    null rows, for :func:`imetbook.figures.plots.yearly`."""
    long = (
        yearly[list(measures)]
        .astype("float64")
        .reset_index()
        .melt(id_vars="fiscal_year", var_name=label, value_name="value")
    )
    long[label] = long[label].map(lambda m: MEASURE_LABELS.get(m, m))
    return long.sort_values([label, "fiscal_year"], kind="stable").reset_index(drop=True)


def gap_runs(series: pd.Series) -> list[tuple[int, int]]:
    """Runs of consecutive fiscal years where ``series`` (indexed by year) is null."""
    runs: list[tuple[int, int]] = []
    for fy in series.index[series.isna()].astype(int):
        if runs and runs[-1][1] == fy - 1:
            runs[-1] = (runs[-1][0], fy)
        else:
            runs.append((fy, fy))
    return runs


def format_runs(runs: Sequence[tuple[int, int]]) -> str:
    """``FY1991-FY1998, FY2019`` (or ``none``)."""
    return ", ".join(fy_label(a, b) for a, b in runs) or "none"


def coverage_table(
    yearly: pd.DataFrame, years: Iterable[int], measures: Sequence[str]
) -> pd.DataFrame:
    """Measures by fiscal year as printed figures; a gap reads ``no figure``, a zero reads 0."""
    years = list(years)
    block = yearly.reindex(years)
    rows = {}
    for m in measures:
        money = m in FUNDING_MEASURES or m == "training_value"
        rows[MEASURE_LABELS.get(m, m)] = [
            "no figure" if pd.isna(v) else (format_usd(v) if money else f"{int(v):,}")
            for v in block[m]
        ]
    table = pd.DataFrame(rows, index=[fy_label(y) for y in years]).T
    table.index.name = "measure"
    return table.reset_index()


def measure_sources(
    funding: pd.DataFrame,
    iso3: str,
    fy_start: int,
    fy_end: int,
    measures: Sequence[str] = FUNDING_MEASURES,
) -> pd.DataFrame:
    """Which source gives each funding measure for the country, and for which fiscal years.

    One row per measure and source address; where one address holds several editions or
    yearly tables, the first title is shown with how many more there are.
    """
    rows = funding[
        (funding["iso3"] == iso3)
        & (funding["scope"] == "country")
        & funding["measure"].isin(measures)
        & funding["fiscal_year"].between(fy_start, fy_end)
    ]
    columns = ["measure", "fiscal years", "source", "address"]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    out = []
    for (measure, url), group in rows.groupby(["measure", "source_url"], dropna=False, sort=True):
        titles = sorted(set(group["source_title"]))
        more = len(titles) - 1
        title = titles[0] + (f" (and {more} more at the same address)" if more else "")
        years = format_runs(_present_runs(sorted(set(group["fiscal_year"].astype(int)))))
        out.append([MEASURE_LABELS.get(measure, measure), years, title, url])
    return (
        pd.DataFrame(out, columns=columns)
        .sort_values(["measure", "fiscal years", "source"], kind="stable")
        .reset_index(drop=True)
    )


def _present_runs(years: list[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for fy in years:
        if runs and runs[-1][1] == fy - 1:
            runs[-1] = (runs[-1][0], fy)
        else:
            runs.append((fy, fy))
    return runs


# --- programs and courses -----------------------------------------------------------------

_PROGRAM_RE = re.compile(r"\b(E-IMET|IMET(?:-[A-Z0-9&]+)?)\b")


def program_label(program_raw: str) -> str:
    """Short program label from a printed heading: ``IMET-1 - Fiscal Year 2018 Department of
    State Training`` -> ``IMET-1``; older headings naming the program in full -> ``IMET``."""
    match = _PROGRAM_RE.search(str(program_raw))
    if match:
        return match[1]
    return re.split(r"\s+-\s+|,\s*FY", str(program_raw))[0].strip()


def imet_by_program(training: pd.DataFrame, iso3: str, years: Iterable[int]) -> pd.DataFrame:
    """IMET rows per fiscal year and program label: rows, distinct courses, students, value,
    and the report(s) and page range they are printed on. Years with no row are listed with
    ``program`` null so that a missing year shows as a row of gaps."""
    years = list(years)
    rows = _imet_rows(training, iso3)
    rows = rows[rows["fiscal_year"].isin(years)].assign(
        program=lambda d: d["program_raw"].map(program_label)
    )
    grouped = rows.groupby(["fiscal_year", "program"], sort=True)
    out = grouped.agg(
        activities=("record_id", "count"),
        courses=("course_key", "nunique"),
        students=("students", lambda s: s.sum(min_count=1)),
        training_value=("cost_usd", lambda s: s.sum(min_count=1)),
        report=("report", lambda s: "; ".join(sorted(set(s)))),
        pages=("page", _page_range),
    ).reset_index()
    missing = sorted(set(years) - set(out["fiscal_year"]))
    if missing:
        out = pd.concat([out, pd.DataFrame({"fiscal_year": missing})], ignore_index=True)
    out["students"] = out["students"].astype("Int64")
    out["activities"] = out["activities"].astype("Int64")
    out["courses"] = out["courses"].astype("Int64")
    return out.sort_values(["fiscal_year", "program"], kind="stable").reset_index(drop=True)


def _page_range(pages: pd.Series) -> str:
    present = pages.dropna().astype(int)
    if present.empty:
        return "not printed"
    lo, hi = int(present.min()), int(present.max())
    return f"p. {lo}" if lo == hi else f"pp. {lo}-{hi}"


def imet_courses(training: pd.DataFrame, iso3: str, years: Iterable[int]) -> pd.DataFrame:
    """The IMET course rows of some fiscal years, with report and page for citation."""
    rows = _imet_rows(training, iso3)
    rows = rows[rows["fiscal_year"].isin(list(years))]
    out = pd.DataFrame(
        {
            "fiscal_year": rows["fiscal_year"].to_numpy(),
            "program": rows["program_raw"].map(program_label).to_numpy(),
            "course": rows["course_title"].to_numpy(),
            "location": rows["location"].to_numpy(),
            "students": rows["students"].astype("Int64").to_numpy(),
            "cost_usd": rows["cost_usd"].to_numpy(),
            "report": rows["report"].to_numpy(),
            "page": rows["page"].astype("Int64").to_numpy(),
        }
    )
    return out.sort_values(
        ["fiscal_year", "program", "course", "page"], kind="stable", na_position="last"
    ).reset_index(drop=True)


# --- comparison ---------------------------------------------------------------------------


def compare_yearly(
    training: pd.DataFrame,
    funding: pd.DataFrame,
    iso3s: Sequence[str],
    names: Sequence[str],
    fy_start: int,
    fy_end: int,
    measures: Sequence[str] = ("students", "training_value", "obligation"),
) -> pd.DataFrame:
    """Long table (``country``, ``fiscal_year``, ``measure``, ``value``) of several countries
    on the same axis; gaps are null rows."""
    parts = []
    for iso3, name in zip(iso3s, names, strict=True):
        yearly = yearly_measures(training, funding, iso3, fy_start, fy_end)
        long = tidy(yearly, measures)
        parts.append(long.assign(country=name))
    out = pd.concat(parts, ignore_index=True)
    return (
        out[["country", "fiscal_year", "measure", "value"]]
        .sort_values(["measure", "country", "fiscal_year"], kind="stable")
        .reset_index(drop=True)
    )


def phase_comparison(
    yearly_by_country: dict[str, pd.DataFrame],
    ep: Episode,
    years: Iterable[int],
    measure: str = "students",
) -> pd.DataFrame:
    """One measure per fiscal year for several countries, with the year's phase against the
    episode (:func:`phase`)."""
    years = list(years)
    out = phases(ep, years)
    for name, yearly in yearly_by_country.items():
        out[name] = yearly[measure].reindex(years).to_numpy()
    out["fiscal_year"] = [fy_label(y) for y in years]
    return out


# --- formatting ---------------------------------------------------------------------------


def format_usd(value: float) -> str:
    """``$2,257,130`` (whole dollars); a gap is ``no figure``."""
    if pd.isna(value):
        return "no figure"
    return f"${float(value):,.0f}"


def with_links(df: pd.DataFrame, text: str, url: str) -> pd.DataFrame:
    """Column ``text`` becomes an HTML link to column ``url`` (then dropped); the other columns
    stay plain text. Show it with ``tables.show(..., html_columns=[text])``."""
    out = df.drop(columns=url).copy()
    out[text] = [tables.link(t, u) for t, u in zip(df[text], df[url], strict=True)]
    return out


EVENTS_HTML_COLUMN = "event and source"


def events_html(events: pd.DataFrame) -> pd.DataFrame:
    """:func:`events_table` for an HTML page: the source, linked, under each event's escaped
    text (one column fewer for narrow pages). Column :data:`EVENTS_HTML_COLUMN` is HTML; show
    it with ``tables.show(..., html_columns=[EVENTS_HTML_COLUMN])``."""
    table = with_links(events_table(events), "source", "address")
    table["event"] = [
        f"{html.escape(str(text))}<br>Source: {link}"
        for text, link in zip(table["event"], table["source"], strict=True)
    ]
    return table.drop(columns="source").rename(columns={"event": EVENTS_HTML_COLUMN})


# --- figures ------------------------------------------------------------------------------

CATEGORY_COLORS: dict[str, str] = {
    "sanction": plots.PALETTE["vermillion"],
    "suspension": plots.PALETTE["orange"],
    "resumption": plots.PALETTE["bluish_green"],
    "budget": plots.PALETTE["blue"],
    "statement": plots.PALETTE["reddish_purple"],
    "agreement": plots.PALETTE["sky_blue"],
    "other": plots.PALETTE["black"],
}
# Rough width of one character of 7-point DejaVu Sans, in inches: enough to keep labels in
# separate lanes; the exact width does not matter because labels only need not to collide.
_CHAR_IN = 0.066
_AXES_WIDTH_IN = 4.6


def _fits(lane: list[tuple[float, float]], a: float, b: float, gap: float) -> bool:
    return all(b + gap <= c or d + gap <= a for c, d in lane)


def assign_lanes(
    spans: Sequence[tuple[float, float]],
    widths: Sequence[float],
    *,
    lo: float = -np.inf,
    hi: float = np.inf,
    gap: float = 0.0,
) -> list[tuple[int, str]]:
    """Lane and label side for glyphs spanning ``spans`` with labels ``widths`` wide.

    Each item, taken in the order given, goes to the lowest lane where its glyph plus label
    fits without touching another (``gap`` apart), trying the label on the right of the glyph
    first, then on its left; a label may not cross ``lo`` or ``hi``. Returns
    ``(lane, "right" | "left")`` per item.
    """
    lanes: list[list[tuple[float, float]]] = []
    out: list[tuple[int, str]] = []
    for (x0, x1), width in zip(spans, widths, strict=True):
        options = [
            (side, a, b)
            for side, a, b in (("right", x0, x1 + width), ("left", x0 - width, x1))
            if a >= lo and b <= hi
        ]
        if not options:  # too wide for either side: keep it on the right, on a lane of its own
            options = [("right", x0, x1 + width)]
        for i, lane in enumerate(lanes):
            hit = next(((side, a, b) for side, a, b in options if _fits(lane, a, b, gap)), None)
            if hit is not None:
                lane.append((hit[1], hit[2]))
                out.append((i, hit[0]))
                break
        else:
            side, a, b = options[0]
            lanes.append([(a, b)])
            out.append((len(lanes) - 1, side))
    return out


def event_label(ev: pd.Series) -> str:
    """``12 1998-05-30``, ``24 2020-01 (month)``, ``7 1998 (year)``: the event's number and its
    date as given, with the precision spelled out where it is coarser than a day."""
    precision = "" if ev["date_precision"] == "day" else f" ({ev['date_precision']})"
    return f"{ev['n']} {ev['date']}{precision}"


def _label_width(label: str, fy_start: int, fy_end: int) -> float:
    """Approximate width of a 7-point label in axis units (fiscal years)."""
    per_year_in = _AXES_WIDTH_IN / (fy_end - fy_start + 1)
    return (len(label) + 1) * _CHAR_IN / per_year_in


def event_layout(events: pd.DataFrame, fy_start: int, fy_end: int) -> pd.DataFrame:
    """Where each event on the axis is drawn: ``x0``/``x1`` (the days the date can mean, on the
    axis of :func:`axis_position`), the label, the side of the glyph it sits on (``right``, or
    ``left`` near the end of the axis) and its lane. Events off the axis are left out."""
    lo, hi = fiscal_year_bounds(fy_start)[0], fiscal_year_bounds(fy_end)[1]
    on_axis = events[(events["date_end"] >= lo) & (events["date_start"] <= hi)]
    if on_axis.empty:
        return on_axis.assign(x0=[], x1=[], label=[], side=[], lane=[])
    xs = [
        span_position(a, b) for a, b in zip(on_axis["date_start"], on_axis["date_end"], strict=True)
    ]
    labels = [event_label(ev) for _, ev in on_axis.iterrows()]
    widths = [_label_width(label, fy_start, fy_end) for label in labels]
    placed = assign_lanes(xs, widths, lo=fy_start - 0.5, hi=fy_end + 0.5, gap=0.3)
    return on_axis.assign(
        x0=[x0 for x0, _ in xs],
        x1=[x1 for _, x1 in xs],
        label=labels,
        side=[side for _, side in placed],
        lane=[lane for lane, _ in placed],
    )


def _draw_events(ax, layout: pd.DataFrame) -> None:
    n_lanes = int(layout["lane"].max()) + 1
    for _, ev in layout.iterrows():
        y = n_lanes - 1 - ev["lane"]
        color = CATEGORY_COLORS.get(ev["category"], plots.PALETTE["black"])
        if ev["date_precision"] == "day":
            ax.plot(
                [(ev["x0"] + ev["x1"]) / 2],
                [y],
                marker="o",
                markersize=5,
                color=color,
                linestyle="none",
            )
        else:
            ax.plot([ev["x0"], ev["x1"]], [y, y], color=color, linewidth=5, solid_capstyle="butt")
        right = ev["side"] == "right"
        ax.annotate(
            ev["label"],
            (ev["x1"] if right else ev["x0"], y),
            xytext=(3 if right else -3, 0),
            textcoords="offset points",
            va="center",
            ha="left" if right else "right",
            fontsize=7,
            color="#222222",
        )
    ax.set_ylim(-0.7, n_lanes - 0.3)
    ax.set_yticks([])
    ax.grid(False)
    ax.spines["left"].set_visible(False)
    handles = [
        Line2D([], [], color=c, marker="s", linestyle="none", markersize=7, label=cat)
        for cat, c in CATEGORY_COLORS.items()
        if cat in set(layout["category"])
    ]
    handles += [
        Line2D([], [], color="#444444", marker="o", linestyle="none", label="dated to the day"),
        Line2D([], [], color="#444444", linewidth=5, label="month or year: bar spans it"),
    ]
    ax.legend(
        handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0, fontsize=7
    )
    ax.set_ylabel("Events (#, date)", fontsize=8)


def _period_spans(p: pd.Series, lo: float, hi: float) -> tuple[tuple[float, float], ...]:
    """(uncertain start, certain middle, uncertain end) spans of a period, clipped to the axis."""
    s0, s1 = span_position(p["start_earliest"], p["start_latest"])
    if p["open_ended"] or pd.isna(p["end_earliest"]):
        e0 = e1 = hi
    else:
        e0, e1 = span_position(p["end_earliest"], p["end_latest"])
    spans = ((s0, s1), (s1, e0), (e0, e1))
    return tuple((max(a, lo), min(b, hi)) for a, b in spans)


def period_label(p: pd.Series, lo: float) -> str:
    """``#19 to #23`` (event numbers), ``#29 to open``; flagged when it starts off the axis.
    A sourced period (:func:`restriction_periods`) is labelled by its dates."""
    # A period opened before the axis starts says so: its start is off the chart.
    before = "from before the axis: " if axis_position(p["start_earliest"]) < lo else ""
    if pd.isna(p["start_n"]):
        return f"{before}{p['start_date']} to {p['end_date']}"
    end = "open" if p["open_ended"] else f"#{p['end_n']}"
    return f"{before}#{p['start_n']} to {end}"


def _period_layout(
    periods: pd.DataFrame, lo: float, hi: float, fy_span: tuple[int, int]
) -> tuple[list[str], list[int]]:
    """Label and lane of each period bar (bars and their labels never overlap)."""
    spans, labels = [], []
    for _, p in periods.iterrows():
        u0, _, u1 = _period_spans(p, lo, hi)
        label = period_label(p, lo)
        spans.append((u0[0], max(u1[1], u0[0] + _label_width(label, *fy_span))))
        labels.append(label)
    lanes = [lane for lane, _ in assign_lanes(spans, [0.0] * len(spans), gap=0.3)]
    return labels, lanes


def _draw_periods(ax, periods: pd.DataFrame, lo: float, hi: float, fy_span: tuple[int, int]):
    labels, lanes = _period_layout(periods, lo, hi, fy_span)
    n = max(lanes) + 1
    for (_, p), label, lane in zip(periods.iterrows(), labels, lanes, strict=True):
        y = n - 1 - lane
        color = CATEGORY_COLORS.get(p["category"], plots.SHADE_GREY)
        (u0, certain, u1) = _period_spans(p, lo, hi)
        for a, b in (u0, u1):
            if b > a:
                ax.barh(
                    y,
                    b - a,
                    left=a,
                    height=0.4,
                    color="white",
                    edgecolor=color,
                    hatch="////",
                    linewidth=0.8,
                )
        if certain[1] > certain[0]:
            ax.barh(y, certain[1] - certain[0], left=certain[0], height=0.4, color=color)
        ax.annotate(
            label,
            (u0[0], y + 0.2),
            xytext=(1, 1),
            textcoords="offset points",
            va="bottom",
            ha="left",
            fontsize=7,
            color="#222222",
        )
    ax.set_ylim(-0.5, n)
    ax.set_yticks([])
    ax.grid(False)
    ax.spines["left"].set_visible(False)
    ax.set_ylabel("Periods", fontsize=8)
    return n


def shade_certain(ax, periods: pd.DataFrame, lo: float, hi: float) -> None:
    """Shade, across a panel, every span that some period certainly covers (light grey) and the
    uncertain ends (hatched); overlapping periods simply overlap."""
    for _, p in periods.iterrows():
        (u0, certain, u1) = _period_spans(p, lo, hi)
        for a, b in (u0, u1):
            if b > a:
                ax.axvspan(
                    a,
                    b,
                    facecolor="none",
                    edgecolor=plots.SHADE_GREY,
                    hatch="////",
                    linewidth=0,
                    zorder=0,
                )
        if certain[1] > certain[0]:
            ax.axvspan(
                certain[0], certain[1], color=plots.SHADE_GREY, alpha=0.7, linewidth=0, zorder=0
            )


def _money_millions(yearly: pd.DataFrame, measures: Sequence[str]) -> pd.DataFrame:
    long = tidy(yearly, measures)
    long["value"] = long["value"] / 1e6
    return long


def timeline_figure(
    events: pd.DataFrame,
    periods: pd.DataFrame,
    yearly: pd.DataFrame,
    *,
    country: str,
    fy_start: int,
    fy_end: int,
    money: Sequence[str] = ("obligation", "training_value"),
):
    """Events (numbered, precision shown), the periods they open and close, IMET dollars and
    IMET students of one country on one fiscal-year axis. Panels with nothing to show are left
    out; returns ``(figure, list of what was left out)``. The caller finishes the figure with
    :func:`imetbook.figures.plots.finish` (source line and alt text)."""
    years = list(range(fy_start, fy_end + 1))
    lo, hi = fy_start - 0.5, fy_end + 0.5
    layout = event_layout(events, fy_start, fy_end)
    shown = periods[
        (periods["start_earliest"] <= fiscal_year_bounds(fy_end)[1])
        & (
            periods["end_latest"].isna()
            | (periods["end_latest"] >= fiscal_year_bounds(fy_start)[0])
        )
    ]
    panels, ratios, omitted = [], [], []
    if len(layout):
        panels.append("events")
        ratios.append(0.35 + 0.22 * (int(layout["lane"].max()) + 1))
    else:
        omitted.append("events (none on this axis)")
    if len(shown):
        panels.append("periods")
        ratios.append(0.3 + 0.3 * (max(_period_layout(shown, lo, hi, (fy_start, fy_end))[1]) + 1))
    else:
        omitted.append("periods (none on this axis)")
    panels += ["money", "students"]
    ratios += [2.2, 1.8]
    fig, first = plots.figure(
        f"{country}: events and the IMET record, FY{fy_start}-FY{fy_end}", height=sum(ratios) + 1.3
    )
    first.remove()
    axes = fig.subplots(len(panels), 1, sharex=True, height_ratios=ratios)
    axes = list(np.atleast_1d(axes))
    by_name = dict(zip(panels, axes, strict=True))
    if "events" in by_name:
        _draw_events(by_name["events"], layout)
    if "periods" in by_name:
        _draw_periods(by_name["periods"], shown, lo, hi, (fy_start, fy_end))
    money_ax, students_ax = by_name["money"], by_name["students"]
    for ax in (money_ax, students_ax):
        shade_certain(ax, shown, lo, hi)
    plots.yearly(
        money_ax,
        _money_millions(yearly, money),
        x="fiscal_year",
        y="value",
        by="measure",
        years=years,
        value_format="{x:,.1f}",
    )
    money_ax.set_ylabel("US dollars\n(millions, nominal)", fontsize=8)
    student_rows = tidy(yearly, ["students"])
    plots.yearly(
        students_ax,
        student_rows.drop(columns="measure"),
        x="fiscal_year",
        y="value",
        kind="bar",
        years=years,
    )
    students_ax.set_ylabel("IMET students\n(people)", fontsize=8)
    students_ax.set_xlim(lo, hi)
    return fig, omitted


def comparison_figure(
    compared: pd.DataFrame,
    periods: pd.DataFrame,
    *,
    names: Sequence[str],
    fy_start: int,
    fy_end: int,
    measures: Sequence[str] = ("students", "training_value", "obligation"),
):
    """One panel per measure, one line per country (output of :func:`compare_yearly`), on the
    same fiscal-year axis, with the first country's periods shaded. The caller finishes it."""
    years = list(range(fy_start, fy_end + 1))
    lo, hi = fy_start - 0.5, fy_end + 0.5
    fig, first = plots.figure(
        f"{names[0]} and {names[1]}: the IMET record on one axis, FY{fy_start}-FY{fy_end}",
        height=2.0 * len(measures) + 1.2,
    )
    first.remove()
    axes = list(np.atleast_1d(fig.subplots(len(measures), 1, sharex=True)))
    for ax, m in zip(axes, measures, strict=True):
        label = MEASURE_LABELS.get(m, m)
        rows = compared[compared["measure"] == label].drop(columns="measure")
        money = m in FUNDING_MEASURES or m == "training_value"
        if money:
            rows = rows.assign(value=rows["value"] / 1e6)
        shade_certain(ax, periods, lo, hi)
        plots.yearly(
            ax,
            rows,
            x="fiscal_year",
            y="value",
            by="country",
            years=years,
            order=list(names),
            value_format="{x:,.1f}" if money else "{x:,.0f}",
        )
        unit = "US$ millions" if money else "people"
        ax.set_ylabel(f"{label}\n({unit})", fontsize=8)
    axes[-1].set_xlim(lo, hi)
    return fig, axes


# --- parameters and prose -------------------------------------------------------------------


def check_params(values: dict[str, object]) -> dict[str, object]:
    """Checks across parameters that :data:`PARAMS` cannot make one by one: the axis runs
    forward and the reference country differs from the country. Returns ``values``."""
    if values["fy_start"] > values["fy_end"]:
        raise ParameterError(
            f"fy_start ({values['fy_start']}) is after fy_end ({values['fy_end']}): "
            "the axis must run forward"
        )
    if values["country"] == values["compare_with"]:
        raise ParameterError(
            f"compare_with is the country itself ({values['country']}); choose another country"
        )
    return values


def _value(yearly: pd.DataFrame, column: str, fy: int) -> object:
    return yearly[column].get(fy, pd.NA) if fy in yearly.index else pd.NA


def record_phrase(yearly: pd.DataFrame, fy: int) -> str:
    """What the records hold for one fiscal year, in words: IMET students from the course
    records where there are any, else the Greenbook obligation, else that there is no figure."""
    students = _value(yearly, "students", fy)
    if not pd.isna(students):
        noun = "student" if int(students) == 1 else "students"
        return f"{int(students):,} IMET {noun} in {fy_label(fy)}"
    obligation = _value(yearly, "obligation", fy)
    if not pd.isna(obligation):
        return (
            f"no course records but {format_usd(obligation)} of IMET obligations in {fy_label(fy)}"
        )
    return f"no IMET figure for {fy_label(fy)}"


def _event_ref(ev: pd.Series) -> str:
    precision = "" if ev["date_precision"] == "day" else f", a {ev['date_precision']}-precise date"
    return f"{ev['category']} #{ev['n']} ({ev['date']}{precision})"


def episode_years(ep: Episode, fy_start: int, fy_end: int) -> dict[str, list[int]]:
    """Fiscal years on the axis by phase against ``ep`` (keys of :data:`PHASES`)."""
    out: dict[str, list[int]] = {k: [] for k in PHASES}
    for fy in range(fy_start, fy_end + 1):
        out[phase(ep, fy)].append(fy)
    return out


def answer_text(
    country: str,
    reference: str,
    summary: EpisodeSummary | None,
    yearly: pd.DataFrame,
    yearly_ref: pd.DataFrame,
    n_events: int,
) -> str:
    """The chapter's one-paragraph answer, every number computed from the tables given."""
    if n_events == 0:
        return (
            f"The timelines record no event for {country}, so no sanction or suspension can "
            f"be set against its IMET record; the figures below show that record alone, beside "
            f"{reference}'s."
        )
    if summary is None:
        return (
            f"The timelines record {n_events} event{'s' * (n_events != 1)} for {country}, but "
            "no sanction or suspension that a later resumption closes, so there is no "
            f"before-and-after to measure; the figures below show its IMET record beside "
            f"{reference}'s."
        )
    ep = summary.episode
    years = episode_years(ep, fiscal_year(ep.start_earliest) - 1, fiscal_year(ep.end_latest) + 1)
    before = years["before"][-1]
    text = (
        f"The latest stretch of restrictions in {country}'s timeline opens with "
        f"{_event_ref(summary.first_opener)} and closes with {_event_ref(summary.closer)}. "
    )
    if years["during"]:
        during = years["during"][0]
        text += (
            f"{country}'s records show {record_phrase(yearly, before)}, the last fiscal year "
            f"before it, and {record_phrase(yearly, during)}, the first fiscal year wholly "
            f"inside it ({reference}: {record_phrase(yearly_ref, before)} and "
            f"{record_phrase(yearly_ref, during)}). "
        )
    else:
        text += (
            f"No fiscal year lies wholly inside it; {country}'s records show "
            f"{record_phrase(yearly, before)}, the last fiscal year before it. "
        )
    if len(years["during"]) > 1:
        active = _active_years(yearly, years["during"])
        text += (
            f"The records show IMET money or students in {len(active)} of the "
            f"{len(years['during'])} fiscal years wholly inside it. "
        )
    text += (
        f"From the last event opening it, {_event_ref(summary.last_opener)}, to the resumption "
        f"took {format_months(summary.months_last_to_close)}"
    )
    if summary.last_resumption["event_id"] != summary.closer["event_id"]:
        text += (
            f", and to the resumption that followed, {_event_ref(summary.last_resumption)}, "
            f"{format_months(summary.months_last_to_last_resumption)}"
        )
    return text + "."


# --- chapter helpers ------------------------------------------------------------------------


def full_span(*tables: pd.DataFrame, fy_start: int, fy_end: int) -> tuple[int, int]:
    """The fiscal years from the earliest to the latest in any table's ``fiscal_year`` column,
    widened to include the axis (what the answer may need beyond the axis)."""
    years = [int(y) for t in tables for y in (t["fiscal_year"].min(), t["fiscal_year"].max())
             if not pd.isna(y)]  # fmt: skip
    return min([fy_start, *years]), max([fy_end, *years])


def window_years(
    summary: EpisodeSummary | None, fy_start: int, fy_end: int, around: int = 1
) -> list[int]:
    """Fiscal years shown around an episode: from ``around`` years before its first fiscal year
    to ``around`` after its last, clipped to the axis; without an episode, the axis' last six."""
    if summary is None:
        return list(range(max(fy_start, fy_end - 5), fy_end + 1))
    ep = summary.episode
    first = fiscal_year(ep.start_earliest) - around
    last = fiscal_year(ep.end_latest) + around
    return list(range(max(first, fy_start), min(last, fy_end) + 1))


def off_axis(events: pd.DataFrame, fy_start: int, fy_end: int) -> str:
    """A sentence naming the events that fall outside the axis (they stay in the table)."""
    lo, hi = fiscal_year_bounds(fy_start)[0], fiscal_year_bounds(fy_end)[1]
    before = events[events["date_end"] < lo]["n"].tolist()
    after = events[events["date_start"] > hi]["n"].tolist()
    parts = []
    if before:
        parts.append(f"before {fy_label(fy_start)}: " + ", ".join(f"#{n}" for n in before))
    if after:
        parts.append(f"after {fy_label(fy_end)}: " + ", ".join(f"#{n}" for n in after))
    return "Events off the axis are in the table only (" + "; ".join(parts) + ")." if parts else ""


def timeline_alt(
    country: str, events: pd.DataFrame, periods: pd.DataFrame, fy_start: int, fy_end: int
) -> str:
    """Alt text of :func:`timeline_figure`, counting what it draws."""
    n_events = len(event_layout(events, fy_start, fy_end)) if len(events) else 0
    return (
        f"Timeline of {country}, {fy_label(fy_start)} to {fy_label(fy_end)}. Top: {n_events} "
        f"numbered events, dots for dates known to the day and bars for dates known only to the "
        f"month or year. Then {len(periods)} periods in which IMET was restricted (sourced), "
        "hatched where a date is uncertain. Below, with the periods shaded: IMET obligations and "
        "the value of IMET training in US dollar millions, and IMET students, per fiscal year; "
        "crosses below the axis mark years with no figure."
    )


def gaps_table(yearly: pd.DataFrame, measures: Sequence[str]) -> pd.DataFrame:
    """Per measure: the fiscal years on the axis with a figure and those without one."""
    rows = []
    for m in measures:
        series = yearly[m]
        rows.append(
            {
                "measure": MEASURE_LABELS.get(m, m),
                "years with a figure": format_runs(
                    _present_runs([int(y) for y in series.index[series.notna()]])
                ),
                "years without a figure": format_runs(gap_runs(series)),
            }
        )
    return pd.DataFrame(rows)


def training_sources(training: pd.DataFrame, iso3: str, years: Iterable[int]) -> pd.DataFrame:
    """The reports (and upstream files) the IMET course rows of these years come from."""
    rows = _imet_rows(training, iso3)
    rows = rows[rows["fiscal_year"].isin(list(years))]
    out = (
        rows.groupby(["fiscal_year", "report", "source_url"], sort=True)
        .agg(pages=("page", _page_range), rows=("record_id", "count"))
        .reset_index()
    )
    out["fiscal_year"] = [fy_label(int(y)) for y in out["fiscal_year"]]
    return out.rename(columns={"fiscal_year": "fiscal year", "source_url": "file"})


def last_year_with(funding: pd.DataFrame, measures: Sequence[str]) -> int | None:
    """The last fiscal year in which any country has a figure of one of ``measures``."""
    rows = funding[(funding["scope"] == "country") & funding["measure"].isin(measures)]
    return None if rows.empty else int(rows["fiscal_year"].max())


def unknowns_text(country: str, yearly: pd.DataFrame, years: Sequence[int]) -> str:
    """One sentence listing the measures with no figure in ``years``, and when."""
    block = yearly.reindex(list(years))
    span = fy_label(years[0], years[-1])
    missing = []
    for m in ("students", "training_value", *FUNDING_MEASURES):
        runs = gap_runs(block[m])
        if runs:
            when = "in any year" if block[m].isna().all() else "in " + format_runs(runs)
            missing.append(f"{MEASURE_LABELS[m]} {when}")
    if not missing:
        return f"In {span} every measure has a figure for {country}."
    return f"In {span} the records hold no figure for {country} for: " + "; ".join(missing) + "."
