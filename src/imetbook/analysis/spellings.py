"""How the reports print country names: the spellings the book reads and the overrides it uses.

For the methods appendix: every printed spelling of a recipient country, and the explicit
override table of :mod:`imetbook.data.countries` with the rows each entry resolves.
"""

from __future__ import annotations

import pandas as pd

from imetbook.data import countries


def _span(reports: pd.Series) -> str:
    found = sorted(set(reports))
    if len(found) == 1:
        return found[0]
    return f"{found[0]} to {found[-1]}, {len(found)} reports"


def country_spellings(training: pd.DataFrame) -> pd.DataFrame:
    """Per canonical country: how many printed spellings map to it, and each spelling with the
    reports it is printed in; most spellings first, then by name. Merged headings and headings
    that are not countries (no ISO code) are left out."""
    named = training[training["iso3"].notna()]
    per = named.groupby(["country_name", "iso3", "country"], sort=True)["report"].agg(_span)
    rows = []
    for (name, iso3), group in per.groupby(level=[0, 1], sort=True):
        spellings = [f"{c} ({span})" for (_n, _i, c), span in group.items()]
        rows.append(
            {
                "country": name,
                "iso3": iso3,
                "spellings": len(spellings),
                "printed as (reports)": "; ".join(spellings),
            }
        )
    out = pd.DataFrame(rows)
    return out.sort_values(["spellings", "country"], ascending=[False, True], kind="stable")


def override_use(training: pd.DataFrame) -> pd.DataFrame:
    """The explicit override table (:data:`imetbook.data.countries.OVERRIDES`, and the headings that
    are not countries) with, for each entry, the printed spellings in ``training`` that it
    resolves and their rows; entries that only the budget and context sources need have none."""
    printed = training.groupby("country", sort=True).size()
    keys = pd.Series([countries.normalise(c) for c in printed.index], index=printed.index)
    entries = [(k, code, countries.canonical_name(code)) for k, code in countries.OVERRIDES.items()]
    entries += [(k, "", label) for k, label in countries.NOT_COUNTRIES.items()]
    rows = []
    for key, code, name in entries:
        hits = keys.index[keys.eq(key)]
        rows.append(
            {
                "normalised name": key,
                "iso3": code,
                "country": name,
                "printed in the reports as": "; ".join(hits),
                "training rows": int(printed[hits].sum()),
            }
        )
    return pd.DataFrame(rows).sort_values("normalised name", kind="stable").reset_index(drop=True)


def last_report_with(training: pd.DataFrame, iso3: str) -> str | None:
    """The last report listing ``iso3`` as a recipient country, or None if none does."""
    found = training.loc[training["iso3"].eq(iso3), "report"]
    return None if found.empty else str(found.max())
