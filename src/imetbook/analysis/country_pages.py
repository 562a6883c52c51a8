"""Country pages: which countries get a page, their headline numbers, and the index page.

A page is made for every country with at least one training record (``iso3`` not null) by
executing ``chapters/country/profile.ipynb`` with parameter ``country``
(:mod:`imetbook.execute`). Figures count IMET records of status ``actual`` only: the two
oldest reports also list the next year's planned training, which would count FY2000 twice.
Sums skip records where the report printed no number; the counts of such records are shown
next to them, and a year with no record stays visible as a gap.
"""

from __future__ import annotations

import pandas as pd

from imetbook.params import Country, Param, Spec

PARAMS = Spec(country=Param(Country(), "The country the page is about (any known spelling)."))

BY_YEAR_COLUMNS = [
    "fiscal_year",
    "records",
    "students",
    "cost_usd",
    "records_without_students",
    "records_without_cost",
]


def _imet_actual(training: pd.DataFrame) -> pd.DataFrame:
    return training[training["is_imet"] & training["status"].eq("actual")]


def countries_with_training(training: pd.DataFrame) -> pd.DataFrame:
    """``iso3, country_name`` of every country with a training record, sorted by code."""
    rows = training.loc[training["iso3"].notna(), ["iso3", "country_name"]]
    return rows.drop_duplicates("iso3").sort_values("iso3", ignore_index=True)


def _by_year(rows: pd.DataFrame) -> pd.DataFrame:
    grouped = rows.groupby("fiscal_year", sort=True)
    return pd.DataFrame(
        {
            "records": grouped.size(),
            "students": grouped["students"].sum(min_count=1),
            "cost_usd": grouped["cost_usd"].sum(min_count=1),
            "records_without_students": grouped["students"].agg(lambda s: int(s.isna().sum())),
            "records_without_cost": grouped["cost_usd"].agg(lambda s: int(s.isna().sum())),
        }
    )


def imet_by_year(training: pd.DataFrame, country: str) -> pd.DataFrame:
    """IMET records, students and dollars per fiscal year for ``country``.

    ``country`` is a canonical name, as the ``country`` parameter validates to (the
    ``country_name`` column). Every fiscal year with actual records in the table appears; a
    year with none for this country shows 0 records and empty sums (a gap, not a zero).
    """
    actual = _imet_actual(training)
    years = sorted(training.loc[training["status"].eq("actual"), "fiscal_year"].unique())
    rows = actual[actual["country_name"].eq(country)]
    table = _by_year(rows).reindex(pd.Index(years, name="fiscal_year"))
    table["records"] = table["records"].fillna(0).astype("int64")
    for col in ("records_without_students", "records_without_cost"):
        table[col] = table[col].fillna(0).astype("int64")
    table["students"] = table["students"].astype("Int64")
    return table.reset_index()[BY_YEAR_COLUMNS]


def headlines(training: pd.DataFrame) -> pd.DataFrame:
    """One row per country: years with records, IMET records, students and dollars."""
    with_code = training[training["iso3"].notna()]
    span = with_code.groupby("iso3")["fiscal_year"].agg(["min", "max"])
    imet = _imet_actual(with_code).groupby("iso3")
    out = countries_with_training(training).set_index("iso3")
    out["first_year"] = span["min"].astype("int64")
    out["last_year"] = span["max"].astype("int64")
    out["imet_records"] = imet.size().reindex(out.index).fillna(0).astype("int64")
    out["imet_students"] = imet["students"].sum(min_count=1).reindex(out.index).astype("Int64")
    out["imet_cost_usd"] = imet["cost_usd"].sum(min_count=1).reindex(out.index)
    return out.reset_index().sort_values(["country_name", "iso3"], ignore_index=True)


def _fmt(value: object) -> str:
    return "—" if pd.isna(value) else f"{round(float(value)):,}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def index_markdown(table: pd.DataFrame) -> str:
    """The country index page (MyST): a table linking every country page."""
    lines = [
        "# Countries",
        "",
        f"One page for each of the {len(table)} countries with training records in the "
        "Foreign Military Training reports. IMET figures count records of training delivered "
        "(status actual); sums skip records where no number was printed, and — marks a "
        "country with no such figure.",
        "",
        "| Country | ISO3 | Years with records | IMET records | IMET students | IMET dollars |",
        "|:--|:--|:--|--:|--:|--:|",
    ]
    for row in table.itertuples(index=False):
        link = f"{{doc}}`{_cell(row.country_name)} <{row.iso3}>`"
        lines.append(
            f"| {link} | {row.iso3} | {row.first_year}–{row.last_year} | "
            f"{row.imet_records:,} | {_fmt(row.imet_students)} | {_fmt(row.imet_cost_usd)} |"
        )
    return "\n".join(lines) + "\n"
