"""Sourced periods in which IMET was restricted (``data/raw/context/restriction_periods.csv``).

Each row of that file is one period with a source and a quoted passage for each of its two ends;
nothing here pairs events. :func:`restriction_periods` gives a country's periods in the form of
:data:`imetbook.analysis.timeline.PERIOD_COLUMNS` (so the figures draw them like any period),
:func:`period_episode` reads one as an :class:`~imetbook.analysis.timeline.Episode` for the
before/during/after phases, and :func:`contradictions` lists every fiscal year the shading calls
restricted in which the records show IMET money or students (both are shown, neither wins).
"""

from __future__ import annotations

import pandas as pd

from imetbook import paths
from imetbook.analysis.timeline import (
    PERIOD_COLUMNS,
    Episode,
    active_years,
    date_bounds,
    fiscal_year_bounds,
    phase,
)
from imetbook.data import countries, manifest
from imetbook.errors import DataError
from imetbook.vocab import fiscal_years

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
    folder = paths.raw_dir() / "context" if context_dir is None else context_dir
    raw = manifest.read_plain(folder).get(PERIODS_FILE)
    if raw is None:
        raise DataError(f"{folder}/MANIFEST.csv does not list {PERIODS_FILE}")
    rows = manifest.csv_rows(raw, PERIODS_FILE_COLUMNS)
    for where, row in rows:
        _check_period_row(row, where)
    # The same period twice would be drawn and counted twice.
    manifest.refuse_repeats(rows, ["country", "start"])
    return pd.DataFrame([row for _, row in rows], columns=list(PERIODS_FILE_COLUMNS))


def _check_period_row(row: dict[str, str], where: str) -> None:
    missing = [c for c in PERIODS_FILE_COLUMNS if c != "note" and not (row.get(c) or "").strip()]
    if missing:
        raise DataError(f"{where}: empty {', '.join(missing)} (every end needs a source)")
    countries.require_book_name(where, row["country"])
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


SOURCED_COLUMNS = (
    "restricted",
    "start_source_title",
    "start_source_url",
    "start_locator",
    "end_source_title",
    "end_source_url",
    "end_locator",
    "note",
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
                "iso3": countries.to_iso3(r.country),
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
                "start_source_title": r.start_source_title,
                "start_source_url": r.start_source_url,
                "start_locator": r.start_locator,
                "end_source_title": r.end_source_title,
                "end_source_url": r.end_source_url,
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


def period_episode(p: pd.Series) -> Episode:
    """One period (a row of :func:`restriction_periods` or of ``derive_periods``) as an episode
    of its own, for :func:`imetbook.analysis.timeline.phase`."""
    return Episode(
        iso3=p["iso3"],
        country_name=p["country_name"],
        start_earliest=p["start_earliest"],
        start_latest=p["start_latest"],
        end_earliest=None if p["open_ended"] else p["end_earliest"],
        end_latest=None if p["open_ended"] else p["end_latest"],
        open_ended=bool(p["open_ended"]),
        opener_ids=(p["start_event_id"],),
        closer_id=None if pd.isna(p["end_event_id"]) else str(p["end_event_id"]),
    )


def on_axis(periods: pd.DataFrame, fy_start: int, fy_end: int) -> pd.DataFrame:
    """The periods that reach into the fiscal years ``fy_start``..``fy_end``."""
    first, last = fiscal_year_bounds(fy_start)[0], fiscal_year_bounds(fy_end)[1]
    reach = periods["end_latest"].isna() | (periods["end_latest"] >= first)
    return periods[(periods["start_earliest"] <= last) & reach]


def latest_on_axis(periods: pd.DataFrame, fy_start: int, fy_end: int) -> pd.Series | None:
    """The latest period that reaches into the axis (None if none does)."""
    shown = on_axis(periods, fy_start, fy_end)
    return None if shown.empty else shown.iloc[-1]


def years_inside(p: pd.Series) -> list[int]:
    """The fiscal years that lie wholly inside a period (see ``phase``: ``during``)."""
    ep = period_episode(p)
    return [y for y in range(int(p["fy_first"]), int(p["fy_last"]) + 1) if phase(ep, y) == "during"]


def contradictions(periods: pd.DataFrame, yearly: pd.DataFrame) -> pd.DataFrame:
    """Every fiscal year wholly inside a shaded period in which the records show IMET money
    obligated or IMET students trained: the shading says IMET was restricted, the records say
    otherwise. Years with no record are not contradictions (they are gaps).

    Columns: ``start_date``, ``end_date``, ``restricted`` (of the period), ``fiscal_year``,
    ``obligation``, ``students`` (as the records give them, gaps null)."""
    out = []
    for _, p in periods.iterrows():
        for fy in active_years(yearly, years_inside(p)):
            row = yearly.loc[fy]
            out.append(
                {
                    "start_date": p["start_date"],
                    "end_date": p["end_date"],
                    "restricted": p["restricted"],
                    "fiscal_year": fy,
                    "obligation": row.get("obligation", float("nan")),
                    "students": row.get("students", pd.NA),
                }
            )
    columns = ["start_date", "end_date", "restricted", "fiscal_year", "obligation", "students"]
    return pd.DataFrame(out, columns=columns)
