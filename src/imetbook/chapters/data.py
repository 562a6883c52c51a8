"""The Data appendix (``chapters/data.ipynb``): every table the build writes, with its
downloads and data dictionary, and the training records of each country.

It takes no parameters (its parameters cell is empty). The tables' descriptions and
dictionaries come from their contracts (:mod:`imetbook.data.schema`) and the download links
from :mod:`imetbook.data.publish`.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import pandas as pd
from IPython.display import HTML

from imetbook import vocab
from imetbook.chapters import params, tables
from imetbook.data import datasets, publish, schema

PARAMS = params.Spec()
"""No parameters: the appendix lists every table."""

TRAINING_COLUMNS = ["iso3", "country_name", "report", "document_url"]


@dataclass(frozen=True)
class Chapter:
    """The rows of every table and the training records' countries and documents."""

    rows: dict[str, int]
    training: pd.DataFrame

    @classmethod
    def load(cls) -> Chapter:
        rows = {name: len(datasets.load(name)) for name in schema.CONTRACTS}
        return cls(rows, datasets.load("training", columns=TRAINING_COLUMNS))

    def countries(self) -> pd.DataFrame:
        """One row per country with training records, with a link to its CSV."""
        return publish.country_files(self.training)

    def glue_values(self) -> dict[str, str]:
        """Every value the appendix's prose glues, by name."""
        gaps = publish.document_gaps(self.training)
        return {
            "n_tables": vocab.count(len(self.rows)),
            "n_training": vocab.count(self.rows["training"]),
            "n_countries": vocab.count(len(self.countries())),
            "n_documented": vocab.count(gaps.documented),
            "gap_reports": vocab.and_join(gaps.reports) or "no",
        }

    def descriptor(self) -> HTML:
        return HTML(f"<p>Data Package descriptor: {publish.descriptor_link()}</p>")

    def catalogue(self) -> tables.Table:
        """One row per table with its rows, columns and downloads."""
        return tables.show(
            publish.catalogue(self.rows),
            "data-tables",
            html_columns=["CSV", "Parquet"],
            compact=True,
        )

    def dictionaries(self) -> list[HTML]:
        """Each table's data dictionary in a collapsed section, in the contracts' order."""
        out = []
        for name, contract in schema.CONTRACTS.items():
            key = f" Key: {', '.join(contract.key)}." if contract.key else ""
            dictionary = tables.show(schema.dictionary(contract), f"data-dict-{name}", compact=True)
            body = f"<p>{html.escape(contract.doc + key)}</p>" + dictionary.html
            summary = (
                f"{name} ({vocab.count(self.rows[name])} rows, {len(contract.columns)} columns)"
            )
            out.append(tables.details(summary, body))
        return out

    def country_table(self) -> tables.Table:
        return tables.show(self.countries(), "data-countries", html_columns=["CSV"], compact=True)
