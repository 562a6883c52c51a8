"""A country's yearly IMET measures on a fiscal-year axis: training delivered (from the course
records), funding (from the budget sources), their sources, and the programs and courses behind
them.

Three states for every yearly number: a value; 0 for the training measures of a year a report
covers but lists nothing for the country (:func:`report_years`); null where no source covers
the year (a gap, never zero).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import pandas as pd

from imetbook import vocab
from imetbook.analysis.timeline import Episode, _require, phases
from imetbook.errors import DataError
from imetbook.vocab import fy, fy_runs, measure_label

FUNDING_MEASURES: tuple[str, ...] = (
    "request",
    "appropriation",
    "allocation",
    "actual",
    "obligation",
)
TRAINING_MEASURES: tuple[str, ...] = ("students", "activities", "courses", "training_value")
MONEY_MEASURES: frozenset[str] = frozenset({*FUNDING_MEASURES, "training_value"})


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
    vocab.check_order(fy_start, fy_end)
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
    long[label] = long[label].map(measure_label)
    return long.sort_values([label, "fiscal_year"], kind="stable").reset_index(drop=True)


def gap_years(series: pd.Series) -> list[int]:
    """The fiscal years (``series`` is indexed by year) where ``series`` is null."""
    return [int(y) for y in series.index[series.isna()]]


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
        years = fy_runs(group["fiscal_year"].astype(int))
        out.append([measure_label(measure), years, title, url])
    return (
        pd.DataFrame(out, columns=columns)
        .sort_values(["measure", "fiscal years", "source"], kind="stable")
        .reset_index(drop=True)
    )


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


def programs_by_phase(
    training: pd.DataFrame, iso3: str, ep: Episode, years: Iterable[int]
) -> pd.DataFrame:
    """:func:`imet_by_program` with each fiscal year's ``phase`` against ``ep``."""
    years = list(years)
    return imet_by_program(training, iso3, years).merge(
        phases(ep, years), on="fiscal_year", how="left"
    )


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
    out["fiscal_year"] = [fy(y) for y in years]
    return out


def full_span(*tables: pd.DataFrame, fy_start: int, fy_end: int) -> tuple[int, int]:
    """The fiscal years from the earliest to the latest in any table's ``fiscal_year`` column,
    widened to include the axis (what the answer may need beyond the axis)."""
    years = [int(y) for t in tables for y in (t["fiscal_year"].min(), t["fiscal_year"].max())
             if not pd.isna(y)]  # fmt: skip
    return min([fy_start, *years]), max([fy_end, *years])


def training_sources(training: pd.DataFrame, iso3: str, years: Iterable[int]) -> pd.DataFrame:
    """The reports (and upstream files) the IMET course rows of these years come from."""
    rows = _imet_rows(training, iso3)
    rows = rows[rows["fiscal_year"].isin(list(years))]
    out = (
        rows.groupby(["fiscal_year", "report", "source_url"], sort=True)
        .agg(pages=("page", _page_range), rows=("record_id", "count"))
        .reset_index()
    )
    out["fiscal_year"] = [fy(y) for y in out["fiscal_year"]]
    return out.rename(columns={"fiscal_year": "fiscal year", "source_url": "file"})


def last_year_with(funding: pd.DataFrame, measures: Sequence[str]) -> int | None:
    """The last fiscal year in which any country has a figure of one of ``measures``."""
    rows = funding[(funding["scope"] == "country") & funding["measure"].isin(measures)]
    return None if rows.empty else int(rows["fiscal_year"].max())
