"""Where evidence exists: which funding measures a source gives for which country and year.

:func:`coverage_matrix` is *tidy*: one row for every requested country, fiscal year and
measure, so a missing figure is a row with ``n_figures == 0`` (a visible gap), never an absent
row. :func:`coverage_pivot` turns it into the at-a-glance grid the "Data and sources" chapter
prints (rows: country and measure; columns: fiscal years; cells: the source keys).
Only country rows count: region and world lines say nothing about one country.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from imetbook import countries, schema
from imetbook.errors import DataError, ParameterError

COLUMNS = ["iso3", "country_name", "fiscal_year", "measure", "n_figures", "sources", "present"]
ABSENT = ""


def _check(funding: pd.DataFrame, codes: Sequence[str], fy_start: int, fy_end: int) -> None:
    missing = [
        c for c in ("scope", "iso3", "fiscal_year", "measure", "source") if c not in funding.columns
    ]
    if missing:
        raise DataError(f"funding: missing column(s) {', '.join(missing)}")
    if isinstance(codes, str) or not codes:
        raise ParameterError("countries must be a non-empty list of ISO alpha-3 codes")
    if fy_start > fy_end:
        raise ParameterError(f"fy_start {fy_start} is after fy_end {fy_end}")


def coverage_matrix(
    funding: pd.DataFrame, countries_: Sequence[str], fy_start: int, fy_end: int
) -> pd.DataFrame:
    """For each country (ISO alpha-3), fiscal year in ``[fy_start, fy_end]`` and measure of
    :data:`imetbook.schema.MEASURES`: how many funding figures exist and from which sources.

    Columns: ``iso3, country_name, fiscal_year, measure, n_figures, sources`` (source keys,
    sorted, ``;``-separated; empty when there is none) and ``present`` (``n_figures > 0``).
    Rows come in the order of ``countries_``, then year, then measure in contract order.
    An unknown code raises :class:`~imetbook.errors.UnknownCountryError`.
    """
    _check(funding, countries_, fy_start, fy_end)
    codes = list(dict.fromkeys(countries_))
    names = {c: countries.canonical_name(c) for c in codes}
    grid = pd.MultiIndex.from_product(
        [codes, range(fy_start, fy_end + 1), schema.MEASURES],
        names=["iso3", "fiscal_year", "measure"],
    ).to_frame(index=False)
    rows = funding[funding["scope"].eq("country").fillna(False) & funding["iso3"].isin(codes)]
    counts = (
        rows.groupby(["iso3", "fiscal_year", "measure"])
        .agg(
            n_figures=("source", "size"),
            sources=("source", lambda s: ";".join(sorted(set(s)))),
        )
        .reset_index()
    )
    out = grid.merge(counts, on=["iso3", "fiscal_year", "measure"], how="left")
    out["n_figures"] = out["n_figures"].fillna(0).astype("int64")
    out["sources"] = out["sources"].fillna(ABSENT).astype("str")
    out["present"] = out["n_figures"] > 0
    out["country_name"] = out["iso3"].map(names).astype("str")
    out["iso3"] = out["iso3"].astype("str")
    out["measure"] = out["measure"].astype("str")
    out["fiscal_year"] = out["fiscal_year"].astype("int64")
    return out[COLUMNS]


def coverage_pivot(coverage: pd.DataFrame, measures: Sequence[str] | None = None) -> pd.DataFrame:
    """The grid to print: one row per country and measure, one column per fiscal year.

    Cells hold the source keys (empty string: no figure). ``measures`` restricts and orders the
    rows' measures (default: those present for at least one country, in contract order).
    """
    missing = [c for c in COLUMNS if c not in coverage.columns]
    if missing:
        raise DataError(f"coverage: missing column(s) {', '.join(missing)}")
    if measures is None:
        seen = set(coverage.loc[coverage["present"], "measure"])
        measures = [m for m in schema.MEASURES if m in seen]
    unknown = [m for m in measures if m not in schema.MEASURES]
    if unknown:
        raise ParameterError(f"unknown measure(s) {', '.join(unknown)}")
    rows = coverage[coverage["measure"].isin(measures)]
    order = {m: i for i, m in enumerate(measures)}
    country_order = {c: i for i, c in enumerate(dict.fromkeys(coverage["country_name"]))}
    wide = rows.pivot(index=["country_name", "measure"], columns="fiscal_year", values="sources")
    keys = sorted(wide.index, key=lambda k: (country_order[k[0]], order[k[1]]))
    return wide.loc[keys]
