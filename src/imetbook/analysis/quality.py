"""Data quality of the FMTR course records: what the methods appendix shows.

Pure functions over the tidy tables (``training``, ``printed_totals``, ``reconciliation``,
``fmtr_excluded``) and the FMTR manifest; nothing here reads files, so every number in the
appendix comes from the tables and can be recomputed. Each function returns a DataFrame with
a stable order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from imetbook import vocab
from imetbook.data import schema
from imetbook.data.parsers.fmtr_fields import FLAG_DOCS, PRINTED_FIELDS
from imetbook.errors import DataError

# Fields whose coverage (share of rows with a value) differs by report era: the printed ones.
COVERAGE_FIELDS = PRINTED_FIELDS
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
    ``training_rows`` counts the rows of the extraction (rows recovered from the original
    documents, flag ``row_from_document``, are listed by :func:`recovered_by_report`).
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
    # Rows recovered from the original documents are not elements of the extraction.
    extracted = training
    if "flags" in training.columns:
        extracted = training[~has_flag(training, "row_from_document")]
    out["training_rows"] = extracted.groupby("report").size()
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


# --- the pieces the methods appendix shows ---------------------------------------------------


def report_year(report: str) -> int:
    """First fiscal year of a report label: ``"2012-2013"`` -> 2012 (used as a chart's x)."""
    first, _, _ = report.partition("-")
    if not first.isdigit():
        raise DataError(f"not a report label: {report!r} (expected e.g. '2012-2013')")
    return int(first)


def data_dictionary(contract: schema.Contract) -> pd.DataFrame:
    """A table's data dictionary: :func:`imetbook.data.schema.dictionary` (the one the Data page and
    the downloads publish)."""
    return schema.dictionary(contract)


OTHER = "Other programs"


def families_by_report(training: pd.DataFrame, top: int = 5) -> pd.DataFrame:
    """Rows and students per report for the ``top`` program families with the most rows, the
    rest summed as :data:`OTHER`; one row per report and family (families in order of size,
    :data:`OTHER` last) with a ``first_year`` column for charts. Every report lists all its
    programs, so a family with no row in a report is a true zero there, not a gap."""
    biggest = rows_by_program(training)["program"].head(top).tolist()
    family = training["program"].where(training["program"].isin(biggest), OTHER)
    g = training.assign(family=family).groupby(["report", "family"], sort=True)
    out = pd.DataFrame({"rows": g.size(), "students": g["students"].sum().astype("int64")})
    families = [f for f in [*biggest, OTHER] if f in set(family)]
    grid = pd.MultiIndex.from_product(
        [sorted(training["report"].unique()), families], names=["report", "family"]
    )
    out = out.reindex(grid, fill_value=0).reset_index()
    out.insert(1, "first_year", out["report"].map(report_year))
    return out


def with_total(df: pd.DataFrame, label: str = "All reports") -> pd.DataFrame:
    """``df`` (indexed by report, numeric columns) with a last row summing every column."""
    total = df.sum(numeric_only=True).to_frame(label).T
    out = pd.concat([df, total.astype(df.dtypes.to_dict())])
    out.index.name = df.index.name
    return out


# --- why a printed total is not matched -------------------------------------------------------

DOCUMENTS_PREFIX = "data/raw/fmtr_reports/"  # groups reconciled against original documents

# Each unmatched group gets the first reason that applies, in this order.
MISMATCH_REASONS: dict[str, str] = {
    "countries merged": "the heading holds two countries' rows (flag countries_merged): its "
    "printed totals rows and course rows cannot be paired one to one",
    "totals row holds a course": "the printed totals row also carries a course row's data "
    "(flag totals_with_row_data): that course is in the printed total but is not a parsed row",
    "students or cost not printed": "some course rows of the group have no readable number "
    "of students or cost where the sums differ; the parsed sums count them as zero",
    "follows a program mismatch": "a country total (2006-2007) that differs because one of the "
    "country's program totals in the same file differs",
    "no course rows": "a printed total with no course row under it",
    "costs rounded": "students equal and the costs differ by no more than half a dollar per "
    "course row: the rows print whole dollars, the total adds the unrounded costs",
    "rows lost in extraction": "1999-2006: the original document's total is larger than the "
    "extraction's rows add up to, and no row lacks a value: course lines of the document are "
    "missing from the extraction and could not be recovered",
    "not explained": "none of the above: the difference is not explained by the data",
}


def _gaps(training: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Per group: whether any row lacks students, and whether any row lacks a cost."""
    frame = training.assign(
        _no_students=training["students"].isna(), _no_cost=training["cost_usd"].isna()
    )
    return frame.groupby(keys, sort=False)[["_no_students", "_no_cost"]].any().reset_index()


def _reason(row: pd.Series, program_mismatch: set[tuple[str, str]]) -> str:
    flags = set(str(row["totals_flags"]).split(";"))
    students_off = pd.notna(row["diff_students"]) and row["diff_students"] != 0
    cost_off = pd.notna(row["diff_cost"]) and abs(row["diff_cost"]) >= 1.0
    if "countries_merged" in flags:
        return "countries merged"
    if "totals_with_row_data" in flags:
        return "totals row holds a course"
    if (students_off and row["_no_students"]) or (cost_off and row["_no_cost"]):
        return "students or cost not printed"
    if row["level"] == "country" and (row["source_file"], row["country_name"]) in program_mismatch:
        return "follows a program mismatch"
    if row["status"] == "no_parsed_rows":
        return "no course rows"
    rows = row["n_parsed_rows"] if pd.notna(row.get("n_parsed_rows")) else 0
    if not students_off and cost_off and abs(row["diff_cost"]) <= 0.5 * rows:
        return "costs rounded"
    short = (students_off and row["diff_students"] < 0) or (cost_off and row["diff_cost"] < 0)
    if short and str(row["source_file"]).startswith(DOCUMENTS_PREFIX):
        return "rows lost in extraction"
    return "not explained"


def explain_mismatches(mismatched: pd.DataFrame, training: pd.DataFrame) -> pd.DataFrame:
    """:func:`mismatches` (with ``totals_flags``) plus a ``reason`` column, one of
    :data:`MISMATCH_REASONS`: the first that applies, read from the flags of the printed totals
    rows and from the group's course rows (matched by region file, country and program; at
    country level by region file and country). The order of ``mismatched`` is kept."""
    prog_keys = ["source_file", "country_name", "program_raw"]
    country_keys = ["source_file", "country_name"]
    numbered = mismatched.reset_index(drop=True).rename_axis("_pos").reset_index()
    at_program = numbered["level"].eq("program")
    out = pd.concat(
        [
            numbered[at_program].merge(_gaps(training, prog_keys), on=prog_keys, how="left"),
            numbered[~at_program].merge(_gaps(training, country_keys), on=country_keys, how="left"),
        ],
        ignore_index=True,
    )
    # Reports reconciled against their original documents (1999-2006) name a group after the
    # document and the heading's label, not after the region file: their gaps are read per
    # report, country and program family.
    documents = out["source_file"].str.startswith(DOCUMENTS_PREFIX)
    if documents.any():
        coarse_keys = ["report", "country_name", "program"]
        coarse = _gaps(training, coarse_keys)
        out = out.merge(coarse, on=coarse_keys, how="left", suffixes=("", "_coarse"))
        for col in ("_no_students", "_no_cost"):
            out[col] = out[col].where(~documents, out[f"{col}_coarse"])
        out = out.drop(columns=["_no_students_coarse", "_no_cost_coarse"])
    # A group with no course row has no missing value to explain it.
    for col in ("_no_students", "_no_cost"):
        out[col] = out[col].eq(True)
    program_mismatch = set(
        numbered.loc[at_program, country_keys].itertuples(index=False, name=None)
    )
    out["reason"] = [_reason(row, program_mismatch) for _, row in out.iterrows()]
    out = out.sort_values("_pos", kind="stable")
    return out.drop(columns=["_pos", "_no_students", "_no_cost"]).reset_index(drop=True)


def reasons_by_report(explained: pd.DataFrame) -> pd.DataFrame:
    """Unmatched groups per report and reason (reasons in :data:`MISMATCH_REASONS` order, only
    those that occur), with a total column."""
    counts = pd.crosstab(explained["report"], explained["reason"])
    counts = counts[[r for r in MISMATCH_REASONS if r in counts.columns]]
    counts["all unmatched"] = counts.sum(axis=1)
    counts.columns.name = None
    return counts.sort_index()


def program_code(program_raw: object) -> str:
    """The program as its heading names it, before the fiscal year: ``"IMET-1 - FY 2007 DoS
    Training"`` -> ``"IMET-1"``; a country total (no program) is ``"country total"``."""
    if program_raw is None or pd.isna(program_raw):
        return "country total"
    return str(program_raw).split(" - ")[0].strip()


def mismatch_view(explained: pd.DataFrame) -> pd.DataFrame:
    """A compact listing of :func:`explain_mismatches` for display, in its order."""
    return pd.DataFrame(
        {
            "region": explained["region"],
            "country": explained["country_name"],
            "program": explained["program_raw"].map(program_code),
            "students printed": explained["printed_students"],
            "students parsed": explained["parsed_students"],
            "cost printed (US$)": explained["printed_cost"],
            "cost parsed (US$)": explained["parsed_cost"],
            "reason": explained["reason"],
        }
    ).reset_index(drop=True)


# --- flags and known defects --------------------------------------------------------------


def has_flag(frame: pd.DataFrame, flag: str) -> pd.Series:
    """Rows of ``frame`` (``training`` or ``printed_totals``) whose ``flags`` include ``flag``
    (exactly: ``dates_split`` does not match ``dates_split_more``)."""
    # Decided once per distinct value (a few dozen), not once per row (265,000).
    codes, values = pd.factorize(frame["flags"])
    hit = np.array([flag in str(v).split(";") for v in values] + [False])  # -1: a missing value
    return pd.Series(hit[codes], index=frame.index, dtype=bool)


def _by_report(training_rows: pd.Series, totals_rows: pd.Series) -> str:
    """``'2012-2013: 19 + 7 totals; 2013-2014: 72 + 10 totals'`` from the reports of flagged
    training rows and printed totals rows."""
    rows, totals = training_rows.value_counts(), totals_rows.value_counts()
    parts = []
    for report in sorted(set(rows.index) | set(totals.index)):
        n_rows, n_totals = int(rows.get(report, 0)), int(totals.get(report, 0))
        counts = [vocab.count(n_rows)] if n_rows else []
        counts += [f"{vocab.count(n_totals)} totals"] if n_totals else []
        parts.append(f"{report}: {' + '.join(counts)}")
    return "; ".join(parts) or "none"


def flag_summary(training: pd.DataFrame, printed_totals: pd.DataFrame) -> pd.DataFrame:
    """Every documented flag (:data:`FLAG_DOCS`) with its meaning, the training rows and
    printed totals rows carrying it, and the reports where it occurs (with their counts)."""
    rows = []
    for flag, meaning in FLAG_DOCS.items():
        t_mask, p_mask = has_flag(training, flag), has_flag(printed_totals, flag)
        rows.append(
            {
                "flag": flag,
                "meaning": meaning,
                "training rows": int(t_mask.sum()),
                "totals rows": int(p_mask.sum()),
                "where": _by_report(
                    training.loc[t_mask, "report"], printed_totals.loc[p_mask, "report"]
                ),
            }
        )
    return pd.DataFrame(rows).sort_values("flag", kind="stable").reset_index(drop=True)


@dataclass(frozen=True)
class Defect:
    """A known defect of one report and how to count the training rows it touches."""

    report: str
    defect: str
    rows: Callable[[pd.DataFrame], pd.Series]


def _flagged(flag: str) -> Callable[[pd.DataFrame], pd.Series]:
    return lambda frame: has_flag(frame, flag)


def _null(column: str) -> Callable[[pd.DataFrame], pd.Series]:
    return lambda frame: frame[column].isna()


def _title_cut(frame: pd.DataFrame) -> pd.Series:
    # Titles split at a hyphen keep only the first half: 'UN Civil-'.
    return frame["course_title"].str.contains(r"\w-$", regex=True, na=False)


_MERGE = (
    "rows printed under the {} heading belong to two countries; split where the program "
    "order restarts"
)
KNOWN_DEFECTS: tuple[Defect, ...] = (
    Defect("1999-2000", "no start or end dates printed", _null("start_date")),
    Defect("1999-2000", "no training location printed", _null("location")),
    Defect("1999-2000", "no page numbers", _null("page")),
    Defect("2000-2001", "no start or end dates printed", _null("start_date")),
    Defect("2000-2001", "no training location printed", _null("location")),
    Defect(
        "1999-2000",
        "table row wrapping onto a new line, lost in extraction; read from the HTML page",
        _flagged("row_from_document"),
    ),
    Defect(
        "2000-2001",
        "quantity missing or glued to the title; read from the original PDF",
        lambda f: has_flag(f, "students_from_document") | has_flag(f, "students_from_title"),
    ),
    Defect("2006-2007", "only the HTML pages exist: no page numbers", _null("page")),
    Defect("2006-2007", "US unit printed as '-' in every row; left null", _null("us_unit")),
    Defect(
        "2006-2007",
        "country heading misprinted; country taken from the block's totals row",
        _flagged("country_from_totals_row"),
    ),
    Defect(
        "2009-2010",
        "dates printed inside the cost (column merge); moved to the dates",
        _flagged("dates_from_cost"),
    ),
    Defect("2009-2010", "start and end date printed in one field", _flagged("dates_split")),
    Defect(
        "2009-2010",
        "cost merged into the students' unit or place; moved back to the cost",
        _flagged("cost_from_unit"),
    ),
    Defect("2009-2010", "no cost printed (lost to column merging); left null", _null("cost_usd")),
    Defect("2009-2010", "no number of students printed; left null", _null("students")),
    Defect(
        "2009-2010",
        "place name appended to the number of students; the number kept",
        _flagged("quantity_repaired"),
    ),
    Defect(
        "2011-2012",
        "cost printed as a bare '$'; left null, not read as zero",
        _flagged("cost_blank"),
    ),
    Defect(
        "2012-2013",
        "'U.S.' inserted inside words ('MauritiU.S.'); repaired",
        _flagged("us_damage_repaired"),
    ),
    Defect("2012-2013", _MERGE.format("Congo (Brazzaville)"), _flagged("countries_merged")),
    Defect("2013-2014", _MERGE.format("Congo (Brazzaville)"), _flagged("countries_merged")),
    Defect("2018-2019", "course title lost in extraction", _flagged("title_missing")),
    Defect("2018-2019", "course title cut at a hyphen ('UN Civil-')", _title_cut),
    Defect("2019-2020", _MERGE.format("Angola"), _flagged("countries_merged")),
)


def known_defects(
    training: pd.DataFrame, defects: Sequence[Defect] = KNOWN_DEFECTS
) -> pd.DataFrame:
    """Per known defect: its report, what it is, the training rows it touches, the report's
    rows and the share. A report not in ``training`` is an error (a defect listed for a report
    that is not there would silently count zero)."""
    by_report = dict(tuple(training.groupby("report", sort=True)))
    rows = []
    for d in defects:
        if d.report not in by_report:
            raise DataError(f"known defect listed for report {d.report!r}, which has no rows")
        frame = by_report[d.report]
        hit = int(d.rows(frame).sum())
        rows.append(
            {
                "report": d.report,
                "defect": d.defect,
                "rows affected": hit,
                "rows in report": len(frame),
                "share": hit / len(frame),
            }
        )
    out = pd.DataFrame(rows)
    return out.sort_values("report", kind="stable").reset_index(drop=True)


def merged_headings(training: pd.DataFrame, printed_totals: pd.DataFrame) -> pd.DataFrame:
    """Country headings that hold two countries' rows (flag ``countries_merged``), one row per
    half of the split (see ``fmtr.attach_countries``): report, the heading as printed, the
    country the half is attributed to, training rows, printed totals rows and the pages."""
    rows = training[has_flag(training, "countries_merged")]
    totals = printed_totals[has_flag(printed_totals, "countries_merged")]
    keys = ["report", "country", "country_name"]
    g = rows.groupby(keys, sort=True)
    out = pd.DataFrame(
        {
            "training rows": g.size(),
            "first page": g["page"].min(),
            "last page": g["page"].max(),
        }
    )
    out.insert(1, "totals rows", totals.groupby(keys).size().reindex(out.index).fillna(0))
    out = out.astype({"totals rows": "int64"}).reset_index()
    return out.rename(columns={"country": "heading as printed", "country_name": "attributed to"})


# --- the reports checked against their original documents ----------------------------------

RECOVERY_FLAGS = (
    "students_from_document",
    "students_from_title",
    "cost_from_document",
    "row_from_document",
)


def imet_match_by_report(reconciliation: pd.DataFrame) -> pd.DataFrame:
    """Per report: the IMET (country, fiscal year) groups with a printed total, those whose
    parsed rows match it exactly, and the rate; a last row for all reports."""
    r = reconciliation[
        reconciliation["level"].eq("program")
        & reconciliation["program"].eq("IMET")
        & reconciliation["status"].isin(COMPARED)
    ]
    g = r.groupby("report", sort=True)["status"]
    out = pd.DataFrame({"compared": g.size(), "match": g.apply(lambda s: int(s.eq("match").sum()))})
    out = with_total(out)
    out["match_rate"] = out["match"] / out["compared"]
    return out


def recovered_by_report(training: pd.DataFrame) -> pd.DataFrame:
    """Training rows per recovery rule (:data:`RECOVERY_FLAGS`) and report: values and rows
    the extraction lost and the original document prints."""
    counts = {f: has_flag(training, f).groupby(training["report"]).sum() for f in RECOVERY_FLAGS}
    out = pd.DataFrame(counts).fillna(0).astype("int64")
    return out[out.sum(axis=1) > 0]


def split_groups(reconciliation: pd.DataFrame, training: pd.DataFrame) -> pd.DataFrame:
    """The reconciliation groups of the merged headings' halves (rows flagged
    ``country_split_by_program_order``), per report and country: groups with a printed total
    and those matching it."""
    split = training[has_flag(training, "country_split_by_program_order")]
    keys = split[["report", "country_name"]].drop_duplicates()
    r = reconciliation.merge(keys, on=["report", "country_name"])
    r = r[r["level"].eq("program") & r["status"].isin(COMPARED)]
    g = r.groupby(["report", "country_name"], sort=True)["status"]
    out = pd.DataFrame({"groups": g.size(), "match": g.apply(lambda s: int(s.eq("match").sum()))})
    return out.reset_index()


def doubtful_values(funding: pd.DataFrame) -> pd.DataFrame:
    """Training values whose ``quality`` is ``doubtful``: country, fiscal year, the value,
    the students and the note naming the report groups that fail reconciliation; by year,
    then largest value first."""
    d = funding[funding["measure"].eq("training_value") & funding["quality"].eq("doubtful")]
    d = d.sort_values(["fiscal_year", "amount_usd"], ascending=[True, False], kind="stable")
    return d[["country_name", "fiscal_year", "amount_usd", "students", "note"]].reset_index(
        drop=True
    )
