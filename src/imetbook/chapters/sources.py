"""The "Data and sources" appendix (``chapters/sources.ipynb``): its parameters, the values it
glues and its tables with links.

The analysis is :mod:`imetbook.analysis.sources` (what is vendored, verified) and
:mod:`imetbook.analysis.coverage` (which figures exist); the chart is
:func:`imetbook.figures.coverage.evidence_chart`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from imetbook import paths, vocab
from imetbook.analysis import coverage, sources
from imetbook.analysis.coverage import coverage_grid
from imetbook.analysis.sources import (
    checksums,
    read_raw_sources,
    report_coverage,
    sources_table,
    table_coverage,
)
from imetbook.chapters import tables
from imetbook.chapters.params import (
    Choice,
    Countries,
    FiscalYear,
    Ordered,
    Param,
    Region,
    Spec,
    data_values,
    data_years,
)
from imetbook.data import datasets
from imetbook.data.parsers import budget

# The notebook reads these through this module, with the views defined here.
__all__ = [
    "PARAMS",
    "Chapter",
    "checksums",
    "coverage_grid",
    "funding_documents",
    "gaps_table",
    "read_raw_sources",
    "report_coverage",
    "sources_table",
    "table_coverage",
]


def _optional_countries(value: object) -> list[str] | None:
    """``None`` (the region's members and :data:`COMPARATORS`) or a list of country names."""
    return None if value is None else Countries()(value)


PARAMS = Spec(
    Ordered("fy_start", "fy_end"),
    source=Param(
        Choice(lambda: ("all", *sources.source_keys()), describe="a raw source folder or all"),
        "Which raw source to show: a folder under data/raw, or all of them.",
        default="all",
    ),
    region=Param(
        Region(data_values("funding", "region")),
        "Region whose members the coverage matrix shows (a region of the funding table).",
        default="South and Central Asia",
    ),
    countries=Param(
        _optional_countries,
        'Countries of the coverage matrix, e.g. ["India", "Nepal"]; None: the region\'s '
        "members, then Turkey and Israel.",
        default=None,
    ),
    fy_start=Param(
        FiscalYear(data_years("funding")), "First US fiscal year of the matrix.", default=1999
    ),
    fy_end=Param(
        FiscalYear(data_years("funding")), "Last US fiscal year of the matrix.", default=2022
    ),
)


"""The chapter's parameters, each with its default (the notebook's ``parameters`` cell holds
the same values: tests/test_params.py checks every chapter)."""


def _names(values: list[str]) -> str:
    return vocab.and_join(values) or "none"


@dataclass(frozen=True)
class Chapter:
    """What the chapter shows for its checked parameter ``values`` (``params.bind``)."""

    values: dict
    funding: pd.DataFrame
    gaps: pd.DataFrame
    codes: list[str]
    matrix: pd.DataFrame

    @classmethod
    def load(cls, P: dict) -> Chapter:
        """Load the tables, read the source cells without a figure and build the matrix."""
        funding = datasets.load("funding")
        training = datasets.load("training")
        # The cells printed without a single-year figure are read from the vendored budget
        # files: they are no row of any built table.
        gaps = budget.funding_gaps(paths.raw_dir() / "budget", training)
        codes = sources.matrix_countries(funding, P["region"], P["countries"])
        matrix = coverage.coverage_matrix(funding, codes, P["fy_start"], P["fy_end"])
        return cls(P, funding, gaps, codes, matrix)

    @property
    def marked(self) -> pd.DataFrame:
        """The known gaps that fall in one cell of the matrix (crosses on the chart)."""
        return coverage.single_year_gaps(self.gaps, self.matrix)

    def funding_sources(self) -> pd.DataFrame:
        """One row per source key of the funding table, its measures in the book's order."""
        return sources.funding_sources(self.funding, vocab.MEASURES)

    def who(self) -> str:
        """Who the matrix shows, for the answer."""
        if self.values["countries"] is None:
            return (
                f"the members of {self.values['region']} in the funding table, then "
                + vocab.and_join(sources.COMPARATORS)
            )
        return vocab.and_join(self.matrix["country_name"].drop_duplicates())

    def glue_values(self) -> dict[str, str]:
        """Every value the chapter's prose glues, by name."""
        funding, summary = self.funding, coverage.coverage_summary(self.matrix)
        greenbook = funding.loc[funding["source"].eq("greenbook"), "fiscal_year"]
        out = {
            "n_raw_sources": vocab.count(len(sources.source_keys())),
            "n_funding_sources": vocab.count(funding["source"].nunique()),
            "n_funding_documents": vocab.count(funding["source_title"].nunique()),
            "n_funding_rows": vocab.count(len(funding)),
            "n_matrix_countries": vocab.count(len(self.codes)),
            "matrix_who": self.who(),
            "fy_span": vocab.fy_span(self.values["fy_start"], self.values["fy_end"]),
            "no_training": _names(summary["no_training"]),
            "no_figures": _names(summary["no_figures"]),
            "n_gaps": vocab.count(len(self.gaps)),
            "greenbook_first": vocab.fy(greenbook.min()),
            "absent_mark": coverage.ABSENT_MARK,
        }
        counts = ("country_years", "with_any", "with_budget", "with_training", "with_both")
        return out | {k: vocab.count(summary[k]) for k in (*counts, "with_none")}


# --- tables with links --------------------------------------------------------------------------


def funding_documents(funding: pd.DataFrame) -> pd.DataFrame:
    """One row per source key and document title: rows, fiscal years and the address as an
    HTML link (column ``document``, built with :func:`imetbook.chapters.tables.link`).

    A title whose rows carry several addresses (the FMTR course records: one per report file)
    links none and says how many addresses its rows carry instead.
    """
    sources.require_columns(
        funding, ("source", "fiscal_year", "source_title", "source_url"), "funding"
    )
    rows = []
    for (key, title), g in funding.groupby(["source", "source_title"], sort=True):
        urls = sorted(set(g["source_url"].dropna()))
        copies = sorted(set(g["source_copy_at"].dropna())) if "source_copy_at" in g else []
        # A mirror site's file is cited as the document it copies, "copy at" the site.
        title = f"{title} (copy at {', '.join(copies)})" if copies else title
        if len(urls) == 1:
            document, address = tables.link(title, urls[0]), urls[0]
        else:
            document = tables.link(title, None)
            address = (
                f"{len(urls)} addresses, one per file (each row's source_url)" if urls else "none"
            )
        rows.append(
            {
                "source": key,
                "grade": ", ".join(sorted(set(g["source_grade"]))) if "source_grade" in g else "",
                "document": document,
                "address": address,
                "rows": len(g),
                "fiscal years": sources.fy_range(g["fiscal_year"]),
            }
        )
    columns = ["source", "grade", "document", "address", "rows", "fiscal years"]
    return pd.DataFrame(rows, columns=columns)


def gaps_table(gaps: pd.DataFrame) -> pd.DataFrame:
    """The known gaps (``sources.budget.funding_gaps``) as the chapter lists them, with the
    document as an HTML link (column ``document``)."""
    columns = ("source", "country_name", "fiscal_years", "measure", "cell", "reason")
    sources.require_columns(
        gaps, (*columns, "source_title", "source_url", "locator"), "funding gaps"
    )
    out = gaps[list(columns)].rename(
        columns={"country_name": "country", "fiscal_years": "fiscal years", "cell": "as printed"}
    )
    out["document"] = [
        tables.link(t, u) for t, u in zip(gaps["source_title"], gaps["source_url"], strict=True)
    ]
    out["where"] = gaps["locator"].to_numpy()
    return out.reset_index(drop=True)
