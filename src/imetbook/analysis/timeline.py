"""Events on one US fiscal-year axis, and the periods and episodes read from them.

Everything here takes the tidy ``events`` table (contract in :mod:`imetbook.data.schema`) and
returns small, sorted DataFrames or plain records, so that the Pakistan chapter, the claims
chapter and the country pages share one reading of the record. The sourced restriction periods
are in :mod:`.timeline_periods`, the yearly IMET measures in :mod:`.timeline_yearly`.

Rules that hold throughout:

- The US fiscal year (FY) *n* runs from 1 October of *n - 1* to 30 September of *n*
  (:func:`imetbook.vocab.fiscal_year`).
- A date keeps its precision. ``2019-12`` means any day of December 2019 (FY2020); ``1998``
  means any day of 1998, which straddles FY1998 and FY1999. Periods and month counts carry that
  uncertainty as a range instead of picking a day.
- A period derived from events (:func:`derive_periods`) opens at a ``sanction`` or
  ``suspension`` event and closes at the first ``resumption`` event for the same country that
  certainly comes after it. The timelines do not say which waiver lifted which sanction, so such
  a period may close later than the sanction really ended: the Pakistan chapter shades the
  sourced periods instead; the claims chapter counts months from the events.

For other chapters: :func:`country_events` (a country's events, numbered, with fiscal years),
:func:`derive_periods` and :func:`episodes`, :func:`suspension_to_resumption` (the latest closed
episode with the months from its opening events to its resumption), :func:`months_between`
(months between two dates of any precision).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from imetbook.errors import ContractError, DataError, ParameterError
from imetbook.vocab import fiscal_year, fiscal_years, fy_runs, fy_span

OPENING: tuple[str, ...] = ("sanction", "suspension")
CLOSING: tuple[str, ...] = ("resumption",)
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
    _require(events, EVENT_COLUMNS[: EVENT_COLUMNS.index("country_name") + 1], "events")
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


def active_years(yearly: pd.DataFrame, years: Sequence[int]) -> list[int]:
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
        active = active_years(yearly, years)
        out.append(
            {
                "start_n": p["start_n"],
                "start_date": p["start_date"],
                "end_date": p["end_date"],
                "full_years": len(years),
                "years_with_imet": len(active),
                "with_imet": fy_runs(active),
            }
        )
    return pd.DataFrame(
        out,
        columns=["start_n", "start_date", "end_date", "full_years", "years_with_imet", "with_imet"],
    )


def episode_years(ep: Episode, fy_start: int, fy_end: int) -> dict[str, list[int]]:
    """Fiscal years ``fy_start``..``fy_end`` by phase against ``ep`` (keys of :data:`PHASES`)."""
    out: dict[str, list[int]] = {k: [] for k in PHASES}
    for fy in range(fy_start, fy_end + 1):
        out[phase(ep, fy)].append(fy)
    return out


def window_years(ep: Episode | None, fy_start: int, fy_end: int, around: int = 1) -> list[int]:
    """Fiscal years shown around an episode: from ``around`` years before its first fiscal year
    to ``around`` after its last, clipped to the axis; without an episode, the axis' last six.

    An episode wholly off the axis is a :class:`ParameterError` (the chapter's parameters
    rule it out before a run; see :mod:`imetbook.chapters.pakistan`)."""
    if ep is None:
        return list(range(max(fy_start, fy_end - 5), fy_end + 1))
    first = fiscal_year(ep.start_earliest) - around
    last = fiscal_year(ep.end_latest if ep.end_latest is not None else ep.start_latest) + around
    years = list(range(max(first, fy_start), min(last, fy_end) + 1))
    if not years:
        raise ParameterError(
            f"the axis {fy_span(fy_start, fy_end)} does not reach the period "
            f"{fy_span(first + around, last - around)}; choose fy_start and fy_end around it"
        )
    return years
