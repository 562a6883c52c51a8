"""The FMTR reports' printed totals against the sums of the parsed course rows.

:func:`reconcile` (per region file, country and program, and per country where a report prints
country totals) and :func:`reconcile_documents` (the 1999-2000 to 2005-2006 reports, whose
totals are read from the original documents) give the ``reconciliation`` table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from imetbook.data import schema
from imetbook.data.parsers.fmtr_flags import finish as _finish

# A printed total matches when students are equal and the cost differs by less than a dollar
# (totals are printed in whole dollars; 2007-2008 and 2010-2011 rows carry cents).
COST_TOLERANCE = 1.0

_RECON_KEY = ["report", "source_file", "level", "country_name", "program_raw"]


_SUMMED = ["region", "program", "iso3", "fiscal_year", "students", "cost_usd"]  # read by _sums


def _sums(df: pd.DataFrame, prefix: str) -> pd.DataFrame:
    # Country-level groups have no program: group them under "" and restore null after.
    df = df.assign(
        program_raw=df["program_raw"].astype(object).where(df["program_raw"].notna(), "")
    )
    g = df.groupby(_RECON_KEY, sort=False)
    # One distinct year (as nunique() == 1, which costs as much as the rest together).
    lowest, highest = g["fiscal_year"].min(), g["fiscal_year"].max()
    one_year = lowest.eq(highest).fillna(False).astype(bool)
    return pd.DataFrame(
        {
            "region": g["region"].first(),
            "program": g["program"].first(),
            "iso3": g["iso3"].first(),
            # A country total of the 1999-2001 reports spans two fiscal years: no single year.
            "fiscal_year": g["fiscal_year"].first().astype("Int64").where(one_year),
            f"n_{prefix}_rows": g.size(),
            f"{prefix}_students": g["students"].sum(),
            f"{prefix}_cost": g["cost_usd"].sum(),
        }
    )


def _status(r: pd.DataFrame) -> pd.Series:
    ds, dc = r["diff_students"], r["diff_cost"]
    same = (ds.isna() | ds.eq(0)) & (dc.isna() | dc.abs().lt(COST_TOLERANCE))
    comparable = ds.notna() | dc.notna()
    status = np.where(same & comparable, "match", "mismatch")
    status = np.where(r["n_printed_rows"].eq(0), "no_printed_total", status)
    status = np.where(r["n_parsed_rows"].eq(0), "no_parsed_rows", status)
    return pd.Series(status, index=r.index, dtype="str")


def reconcile(training: pd.DataFrame, printed_totals: pd.DataFrame) -> pd.DataFrame:
    """Printed totals against the sums of parsed rows, per region file, country and program
    (and, for 2006-2007, per country). Null students or costs count as zero in the sums, so a
    row whose value was not printed shows up as a difference."""
    # Only the columns summed or grouped on: the concatenation below copies what it is given.
    used = [c for c in _RECON_KEY if c != "level"] + [c for c in _SUMMED if c not in _RECON_KEY]
    rows = training[used].assign(level="program")
    country_rows = rows[
        rows["source_file"].isin(
            printed_totals.loc[printed_totals["level"].eq("country"), "source_file"]
        )
    ]
    country_rows = country_rows.assign(level="country", program_raw=None, program=None)
    return _compare(pd.concat([rows, country_rows], ignore_index=True), printed_totals)


def reconcile_documents(training: pd.DataFrame, printed_totals: pd.DataFrame) -> pd.DataFrame:
    """:func:`reconcile` for the reports whose totals come from the original documents
    (1999-2000 to 2005-2006): per report, country and program label (the label carries the
    fiscal year), and per country where the document prints a country total. A group is
    named after the document that prints its total (the first, if a page is printed in two);
    totals printed again in a second document (flag ``totals_repeated_in_region``) are left
    out, so nothing is counted twice."""
    from imetbook.data.parsers.fmtr_reports import label_key

    printed = printed_totals[~printed_totals["flags"].str.contains("totals_repeated_in_region")]
    # One label per heading: the extraction prints a block's label in two forms (with and
    # without the 'DoS' prefix, from the page's running head), which are one heading.
    pairs = training[["report", "country", "program_raw"]].drop_duplicates()
    pairs["key"] = [
        label_key(c, p) for c, p in zip(pairs["country"], pairs["program_raw"], strict=True)
    ]
    tot_keys = printed_totals[printed_totals["level"].eq("program")][
        ["report", "country", "program_raw"]
    ].drop_duplicates()
    tot_keys["key"] = [
        label_key(c, p) for c, p in zip(tot_keys["country"], tot_keys["program_raw"], strict=True)
    ]
    canon = pd.concat([tot_keys, pairs]).drop_duplicates(["report", "key"])
    pairs = pairs.merge(canon, on=["report", "key"], suffixes=("", "_canon"))
    training = training.merge(
        pairs[["report", "country", "program_raw", "program_raw_canon"]],
        on=["report", "country", "program_raw"],
        how="left",
    )
    training["program_raw"] = training.pop("program_raw_canon")
    prog = printed[printed["level"].eq("program")]
    ctry = printed[printed["level"].eq("country")]
    pfile = prog.groupby(["report", "country_name", "program_raw"])["source_file"].first()
    cfile = ctry.groupby(["report", "country_name"])["source_file"].first()
    rows = training.assign(level="program")
    where = pd.MultiIndex.from_frame(rows[["report", "country_name", "program_raw"]])
    doc = pfile.reindex(where).to_numpy()
    rows["source_file"] = np.where(pd.isna(doc), rows["source_file"], doc)
    where = pd.MultiIndex.from_frame(rows[["report", "country_name"]])
    doc = cfile.reindex(where).to_numpy()
    country_rows = rows[pd.notna(doc)].assign(
        level="country", program_raw=None, program=None, source_file=doc[pd.notna(doc)]
    )
    printed = printed.assign(
        source_file=np.where(
            printed["level"].eq("program"),
            pfile.reindex(
                pd.MultiIndex.from_frame(printed[["report", "country_name", "program_raw"]])
            ).to_numpy(),
            cfile.reindex(pd.MultiIndex.from_frame(printed[["report", "country_name"]])).to_numpy(),
        )
    )
    return _compare(pd.concat([rows, country_rows], ignore_index=True), printed)


def _compare(parsed_rows: pd.DataFrame, printed_totals: pd.DataFrame) -> pd.DataFrame:
    parsed = _sums(parsed_rows, "parsed")
    printed = _sums(printed_totals, "printed")
    r = parsed.merge(printed, how="outer", left_index=True, right_index=True, suffixes=("", "_p"))
    for c in ("region", "program", "iso3", "fiscal_year"):
        r[c] = r[c].where(r[c].notna(), r[f"{c}_p"])
    r = r.drop(columns=["region_p", "program_p", "iso3_p", "fiscal_year_p"]).reset_index()
    r["fiscal_year"] = r["fiscal_year"].astype("Int64")
    r["program_raw"] = r["program_raw"].where(r["program_raw"].ne(""), None)
    for c in ("n_parsed_rows", "n_printed_rows"):
        r[c] = r[c].fillna(0).astype("int64")
    # A side without rows has no sum at all (not zero).
    for side in ("parsed", "printed"):
        none = r[f"n_{side}_rows"].eq(0)
        r[f"{side}_students"] = r[f"{side}_students"].astype("Int64").mask(none)
        r[f"{side}_cost"] = r[f"{side}_cost"].astype("float64").mask(none)
    r["diff_students"] = r["parsed_students"] - r["printed_students"]
    r["diff_cost"] = r["parsed_cost"] - r["printed_cost"]
    r["status"] = _status(r)
    r = r.sort_values(_RECON_KEY, na_position="first", kind="stable")
    return _finish(r, schema.RECONCILIATION)
