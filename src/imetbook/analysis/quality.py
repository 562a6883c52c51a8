"""Data quality of the FMTR course records: what the methods appendix shows.

Pure functions over the tidy tables (``training``, ``printed_totals``, ``reconciliation``,
``fmtr_excluded``) and the FMTR manifest; nothing here reads files, so every number in the
appendix comes from the tables and can be recomputed. Each function returns a DataFrame with
a stable order.
"""

from __future__ import annotations

import pandas as pd

from imetbook.sources.fmtr_fields import FLAG_DOCS

# Fields whose coverage (share of rows with a value) differs by report era.
COVERAGE_FIELDS = (
    "course_title",
    "students",
    "cost_usd",
    "start_date",
    "end_date",
    "location",
    "student_unit",
    "us_unit",
    "page",
)
# Groups that have a printed total to compare with (the denominator of the match rate).
COMPARED = ("match", "mismatch", "no_parsed_rows")


def rows_by_report(training: pd.DataFrame) -> pd.DataFrame:
    """Per report: rows, IMET rows, students and cost (nulls left out of the sums), and the
    rows without a students or cost value."""
    g = training.groupby("report", sort=True)
    return pd.DataFrame(
        {
            "rows": g.size(),
            "imet_rows": g["is_imet"].sum().astype("int64"),
            "students": g["students"].sum().astype("int64"),
            "cost_usd": g["cost_usd"].sum(),
            "rows_without_students": g["students"].apply(lambda s: int(s.isna().sum())),
            "rows_without_cost": g["cost_usd"].apply(lambda s: int(s.isna().sum())),
        }
    )


def rows_by_program(training: pd.DataFrame, by_report: bool = False) -> pd.DataFrame:
    """Rows, students and cost per program family (and report if ``by_report``), largest
    family first."""
    keys = ["report", "program"] if by_report else ["program"]
    g = training.groupby(keys, sort=True)
    out = pd.DataFrame(
        {
            "rows": g.size(),
            "students": g["students"].sum().astype("int64"),
            "cost_usd": g["cost_usd"].sum(),
        }
    ).reset_index()
    order = ["report", "rows", "program"] if by_report else ["rows", "program"]
    asc = [True, False, True] if by_report else [False, True]
    return out.sort_values(order, ascending=asc, kind="stable").reset_index(drop=True)


def field_coverage(training: pd.DataFrame) -> pd.DataFrame:
    """Share (0-1) of rows with a value, per report and field: which years lack dates,
    locations, units, pages or costs."""
    present = training[list(COVERAGE_FIELDS)].notna()
    return present.groupby(training["report"], sort=True).mean()


def reconciliation_summary(reconciliation: pd.DataFrame) -> pd.DataFrame:
    """Per report and level: groups by status and the match rate (matches over the groups
    that have a printed total). Reports without printed totals have a null rate."""
    counts = pd.crosstab(
        [reconciliation["report"], reconciliation["level"]], reconciliation["status"]
    )
    for status in (*COMPARED, "no_printed_total"):
        if status not in counts.columns:
            counts[status] = 0
    counts = counts[[*COMPARED, "no_printed_total"]]
    compared = counts[list(COMPARED)].sum(axis=1)
    counts["compared"] = compared
    counts["match_rate"] = (counts["match"] / compared).where(compared > 0)
    counts.columns.name = None
    return counts.sort_index()


def match_rate(reconciliation: pd.DataFrame, level: str = "program") -> float:
    """Share of (report, region file, country, program) groups with a printed total whose
    parsed sums match it."""
    r = reconciliation[reconciliation["level"].eq(level)]
    compared = r["status"].isin(COMPARED)
    return float(r.loc[compared, "status"].eq("match").mean()) if compared.any() else float("nan")


def _union(flags: pd.Series) -> str:
    return ";".join(sorted({f for value in flags for f in value.split(";") if f}))


def mismatches(
    reconciliation: pd.DataFrame, printed_totals: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Every group whose printed total is not matched, with the flags of its printed totals
    rows (e.g. ``totals_with_row_data``, ``countries_merged``) when ``printed_totals`` is
    given, largest student difference first within each report."""
    bad = reconciliation[reconciliation["status"].isin(["mismatch", "no_parsed_rows"])].copy()
    if printed_totals is not None:
        key = ["report", "source_file", "level", "country_name", "_program"]
        pt = printed_totals.assign(_program=printed_totals["program_raw"].fillna(""))
        flags = pt.groupby(key, sort=False)["flags"].agg(_union).rename("totals_flags")
        bad = (
            bad.assign(_program=bad["program_raw"].fillna(""))
            .merge(flags.reset_index(), on=key, how="left")
            .drop(columns="_program")
        )
        bad["totals_flags"] = bad["totals_flags"].fillna("")
    bad["_abs"] = bad["diff_students"].abs().fillna(0)
    bad = bad.sort_values(
        ["report", "_abs", "source_file", "country_name"],
        ascending=[True, False, True, True],
        kind="stable",
    )
    return bad.drop(columns="_abs").reset_index(drop=True)


def element_counts(
    training: pd.DataFrame, excluded: pd.DataFrame, manifest: pd.DataFrame
) -> pd.DataFrame:
    """Why the training row count differs from the raw element count, per report.

    ``manifest`` is ``data/raw/fmtr/MANIFEST.csv`` (``report_fy``, ``n_training_elements``).
    Columns: the manifest's elements, training rows, one column per exclusion reason (only
    elements the manifest counts), and ``unexplained`` (zero when every element is
    accounted for). ``not_counted`` lists the 2006-2007 HTML totals and empty rows, which the
    manifest does not count either.
    """
    raw = manifest.groupby("report_fy")["n_training_elements"].apply(
        lambda s: int(pd.to_numeric(s).sum())
    )
    counted = excluded[excluded["in_manifest_count"]]
    reasons = pd.crosstab(counted["report"], counted["reason"])
    out = pd.DataFrame({"raw_elements": raw})
    out.index.name = "report"
    out["training_rows"] = training.groupby("report").size()
    out = out.join(reasons).fillna(0).astype("int64")
    out["unexplained"] = out["raw_elements"] - out.drop(columns="raw_elements").sum(axis=1)
    not_counted = excluded[~excluded["in_manifest_count"]].groupby("report").size()
    out["not_counted"] = not_counted.reindex(out.index).fillna(0).astype("int64")
    return out.sort_index()


def excluded_by_reason(excluded: pd.DataFrame) -> pd.DataFrame:
    """Excluded elements per report and reason (every element, counted by the manifest or
    not)."""
    return pd.crosstab(excluded["report"], excluded["reason"]).sort_index()


def flag_counts(table: pd.DataFrame) -> pd.DataFrame:
    """Rows carrying each flag, per report (the known defects of each report: e.g. the
    2009-2010 column merges, the 2019-2020 Angola/Benin merge), with the flag's meaning."""
    flags = table[["report"]].assign(flag=table["flags"].str.split(";")).explode("flag")
    flags = flags[flags["flag"].notna() & flags["flag"].ne("")]
    counts = pd.crosstab(flags["flag"], flags["report"])
    counts.insert(0, "meaning", [FLAG_DOCS.get(f, "") for f in counts.index])
    counts.columns.name = None
    return counts.sort_index()
