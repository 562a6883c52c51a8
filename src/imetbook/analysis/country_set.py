"""The set of country pages: which countries get one, the index table, and what every page
shares.

About 190 pages run in every cold build, in a few warm kernels. What they all need from the
full tables (the page list, the years the reports cover, each country's rows, the regions,
the global ranks, the merged report headings) is computed once per kernel in a
:class:`PageSet`; a page then selects only its own rows, and the functions of
:mod:`imetbook.analysis.country_pages` give on them what they give on the full tables
(``tests/test_country_pages.py`` checks it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from imetbook.analysis import country_classes, country_scope, dropouts, eligibility
from imetbook.analysis import country_pages as cp


def page_list(
    training: pd.DataFrame | None = None, funding: pd.DataFrame | None = None
) -> pd.DataFrame:
    """:func:`country_scope.countries_with_pages` of ``training`` and ``funding``, each read
    from the built tables when not given (only the columns the list needs)."""
    from imetbook.data import datasets  # the tables are read only when the list is asked for

    if training is None:
        training = datasets.load("training", columns=["iso3", "country_name"])
    if funding is None:
        funding = datasets.load("funding", columns=["iso3", "country_name", "scope", "measure"])
    return country_scope.countries_with_pages(training, funding)


# --- the index page --------------------------------------------------------------------------


def headlines(training: pd.DataFrame) -> pd.DataFrame:
    """One row per country: years with any record; fiscal years with IMET records, the latest
    of them, and IMET records, students and dollars."""
    with_code = training[training["iso3"].notna()]
    span = with_code.groupby("iso3")["fiscal_year"].agg(["min", "max"])
    imet = with_code[cp.is_imet_actual(with_code)].groupby("iso3")
    out = cp.countries_with_training(training).set_index("iso3")
    out["first_year"] = span["min"].astype("int64")
    out["last_year"] = span["max"].astype("int64")
    out["imet_years"] = imet["fiscal_year"].nunique().reindex(out.index).fillna(0).astype("int64")
    out["last_imet_year"] = imet["fiscal_year"].max().reindex(out.index).astype("Int64")
    out["imet_records"] = imet.size().reindex(out.index).fillna(0).astype("int64")
    out["imet_students"] = imet["students"].sum(min_count=1).reindex(out.index).astype("Int64")
    out["imet_cost_usd"] = imet["cost_usd"].sum(min_count=1).reindex(out.index)
    return out.reset_index().sort_values(["country_name", "iso3"], ignore_index=True)


def with_money_only(table: pd.DataFrame, pages: pd.DataFrame) -> pd.DataFrame:
    """:func:`headlines` plus a row for each country whose page rests on IMET money alone
    (no training record: its year and record columns are empty)."""
    extra = pages.loc[pages["basis"].eq(country_scope.MONEY_ONLY), ["iso3", "country_name"]]
    if extra.empty:
        return table
    extra = extra.assign(imet_years=0, imet_records=0)
    out = pd.concat([table, extra], ignore_index=True)
    for col in ("first_year", "last_year", "last_imet_year", "imet_students"):
        out[col] = out[col].astype("Int64")
    return out.sort_values(["country_name", "iso3"], ignore_index=True)


def index_table(training: pd.DataFrame, funding: pd.DataFrame | None = None) -> pd.DataFrame:
    """:func:`headlines` of the training table with the countries that have IMET money only
    in ``funding`` (default: the built table): the rows of the index page."""
    return with_money_only(headlines(training), page_list(training, funding))


# --- what every page of the set shares -------------------------------------------------------


@dataclass(frozen=True)
class Split:
    """A table sorted by ISO code once (a stable sort: table order within a country), and
    where each country's rows are in it: a country's rows are then a slice, not a search."""

    table: pd.DataFrame
    order: np.ndarray  # positions in ``table`` of the sorted rows
    spans: Mapping[str, tuple[int, int]]
    ordered: pd.DataFrame

    @classmethod
    def of(cls, table: pd.DataFrame) -> Split:
        codes = table["iso3"].to_numpy(dtype=object)
        known = np.flatnonzero(pd.notna(codes))
        order = known[np.argsort(codes[known].astype(str), kind="stable")]
        ordered = codes[order]
        spans: dict[str, tuple[int, int]] = {}
        if len(ordered):
            starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
            ends = [*starts[1:], len(ordered)]
            spans = {str(ordered[a]): (int(a), int(b)) for a, b in zip(starts, ends, strict=True)}
        return cls(table, order, spans, table.iloc[order])

    def rows(self, *codes: str) -> pd.DataFrame:
        """The rows of the countries ``codes`` in table order: what a boolean selection of
        the table gives, index labels included."""
        found = [self.spans[c] for c in dict.fromkeys(codes) if c in self.spans]
        if not found:
            return self.table.iloc[0:0]
        if len(found) == 1:
            return self.ordered.iloc[found[0][0] : found[0][1]]
        # Slices of the sorted copy, put back in table order: a take on the few rows wanted,
        # never on the whole table (string columns make that slow).
        found.sort()
        positions = np.concatenate([self.order[a:b] for a, b in found])
        parts = pd.concat([self.ordered.iloc[a:b] for a, b in found])
        return parts.iloc[np.argsort(positions, kind="stable")]


@dataclass(frozen=True)
class PageSet:
    """What every country page shares, computed once from the full tables (see the module
    doc). Build it with :meth:`build`."""

    training: pd.DataFrame
    funding: pd.DataFrame
    pages: pd.DataFrame
    covered: tuple[int, ...]
    listed: frozenset[str]
    bureaus: Mapping[str, str]
    sections: Mapping[str, str]
    ranks: pd.DataFrame
    merged: pd.DataFrame
    course_years: pd.DataFrame
    names: pd.Series
    by_training: Split = field(repr=False)
    by_funding: Split = field(repr=False)

    @classmethod
    def build(cls, training: pd.DataFrame, funding: pd.DataFrame) -> PageSet:
        split = Split.of(training)
        return cls(
            training=training,
            funding=funding,
            pages=country_scope.countries_with_pages(training, funding),
            covered=tuple(cp.covered_years(training)),
            listed=frozenset(split.spans),
            bureaus=eligibility.bureaus(funding),
            sections=cp.report_sections(training),
            ranks=country_scope.all_ranks(funding),
            merged=dropouts.merged_headings(training),
            course_years=country_classes.course_years(training),
            names=cp.countries_with_training(training).set_index("iso3")["country_name"],
            by_training=split,
            by_funding=Split.of(funding),
        )

    def iso3(self, country: str) -> str:
        """The code of ``country``'s page; :class:`ParameterError` if it has none."""
        return cp.page_code(self.pages, country)

    def rows(self, *codes: str) -> pd.DataFrame:
        """Every training row of the countries ``codes``, in the table's order."""
        return self.by_training.rows(*codes)

    def money(self, iso3: str) -> pd.DataFrame:
        """Every funding row of the country ``iso3``."""
        return self.by_funding.rows(iso3)

    def neighbours(self, iso3: str, members: tuple[str, ...]) -> pd.DataFrame:
        """:func:`country_classes.neighbours` of the country, from the shared course-years."""
        return country_classes.neighbours(
            self.training, iso3, members, keys=self.course_years, names=self.names
        )

    def region(self, iso3: str) -> cp.Region:
        """:func:`country_pages.region_of` the country, from the shared regions."""
        return cp.region_from(self.listed, self.bureaus, self.sections, iso3)
