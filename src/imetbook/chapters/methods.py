"""The methods appendix (``chapters/methods.ipynb``): its parameter, the values it glues and its
tables.

The analysis is :mod:`imetbook.analysis.quality` (data quality of the course records) and
:mod:`imetbook.analysis.spellings` (country names); the charts are
:mod:`imetbook.figures.methods`. The notebook calls :func:`compute` once, glues :func:`glued`
and displays the tables below.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pandas as pd
from IPython.display import Markdown

from imetbook import paths, vocab
from imetbook.analysis import quality as q
from imetbook.analysis import spellings
from imetbook.chapters import params, tables
from imetbook.data import countries, datasets, manifest, schema
from imetbook.figures import methods as charts


def _optional_report(value: object) -> str | None:
    """``None`` (every report) or one report label present in the training table."""
    if value is None:
        return None
    return params.Choice(params.data_values("training", "report"), "a report label")(value)


PARAMS = params.Spec(
    report=params.Param(
        _optional_report,
        'Report whose reconciliation mismatches are listed, e.g. "2009-2010"; None: every report',
        default=None,
    )
)
"""The appendix's parameters, each with its default (the notebook's ``parameters`` cell holds
the same values: tests/test_params.py checks every chapter)."""

FOCUS = "2009-2010"  # the report with the most column damage, described in its own section


def share_text(share: float) -> str:
    """A share (0-1) as a percentage to one decimal for prose and tables, never rounded up to
    ``100%`` or down to ``0%``: ``0.96597`` is ``'96.6%'``, ``0.9996`` is ``'99.9%'``,
    ``0.0004`` is ``'0.1%'``, ``0.5`` is ``'50%'``; null is ``''``."""
    if pd.isna(share):
        return ""
    if share >= 1.0:
        return "100%"
    if share <= 0.0:
        return "0%"
    tenths = min(max(round(share * 100, 1), 0.1), 99.9)
    return f"{tenths:.0f}%" if tenths == int(tenths) else f"{tenths:.1f}%"


def and_list(items: list[str], empty: str = "none") -> str:
    """:func:`imetbook.vocab.and_join`, or ``empty`` for no items."""
    return vocab.and_join(items) or empty


@dataclass(frozen=True)
class Chapter:
    """The tables the appendix reads, and what it computes from them (once each)."""

    params: dict[str, Any]
    training: pd.DataFrame
    printed_totals: pd.DataFrame
    reconciliation: pd.DataFrame
    excluded: pd.DataFrame
    funding: pd.DataFrame
    fmtr_manifest: pd.DataFrame

    @cached_property
    def reports(self) -> list[str]:
        return sorted(self.training["report"].unique())

    @cached_property
    def coverage(self) -> pd.DataFrame:
        return q.field_coverage(self.training)

    @cached_property
    def elements(self) -> pd.DataFrame:
        return q.element_counts(self.training, self.excluded, self.fmtr_manifest)

    @cached_property
    def summary(self) -> pd.DataFrame:
        return q.reconciliation_summary(self.reconciliation)

    @cached_property
    def program_level(self) -> pd.DataFrame:
        return self.summary.xs("program", level="level")

    @cached_property
    def with_totals(self) -> pd.DataFrame:
        return self.program_level[self.program_level["compared"] > 0]

    @cached_property
    def mismatches(self) -> pd.DataFrame:
        found = q.mismatches(self.reconciliation, self.printed_totals)
        return q.explain_mismatches(found, self.training)

    @cached_property
    def by_reason(self) -> pd.DataFrame:
        return q.reasons_by_report(self.mismatches)


def compute(p: dict[str, Any]) -> Chapter:
    """Load the tables (and the raw FMTR manifest, for the element counts)."""
    fmtr = manifest.read_manifest(paths.raw_dir() / "fmtr" / "MANIFEST.csv")
    return Chapter(
        p,
        datasets.load("training"),
        datasets.load("printed_totals"),
        datasets.load("reconciliation"),
        datasets.load("fmtr_excluded"),
        datasets.load("funding"),
        pd.DataFrame(fmtr),
    )


# --- glued values ----------------------------------------------------------------------------


def _opening(ch: Chapter) -> dict[str, str]:
    t, files = ch.training, ch.fmtr_manifest["staged_file"]
    planned = t[t["status"].eq("planned")]
    actual_years = t.loc[t["report"].isin(planned["report"]) & t["status"].eq("actual")]
    overlap = sorted(set(planned["fiscal_year"]) & set(actual_years["fiscal_year"]))
    cov = ch.coverage
    undated = cov.index[(cov["start_date"] == 0) & (cov["location"] == 0)].tolist()
    return {
        "n_rows": vocab.count(len(t)),
        "n_reports": vocab.count(len(ch.reports)),
        "first_report": ch.reports[0],
        "last_report": ch.reports[-1],
        "n_xml": vocab.count(files.str.contains(r"\.xml\.gz$").sum()),
        "n_html": vocab.count(files.str.contains(r"\.html?\.gz$").sum()),
        "n_planned": vocab.count(len(planned)),
        "overlap_fy": and_list([str(y) for y in overlap]),
        "no_date_reports": and_list(undated, empty="no report"),
        "no_page_reports": and_list(cov.index[cov["page"] == 0].tolist(), empty="no report"),
        "us_unit_from": cov.index[cov["us_unit"] > 0.5][0],
    }


def _elements(ch: Chapter) -> dict[str, str]:
    counts = ch.elements
    fixed = ("raw_elements", "training_rows", "unexplained", "not_counted")
    reasons = [c for c in counts.columns if c not in fixed]
    return {
        "n_elements": vocab.count(counts["raw_elements"].sum()),
        "n_training_rows": vocab.count(counts["training_rows"].sum()),
        "n_excluded": vocab.count(counts[reasons].sum().sum()),
        "n_unexplained": vocab.count(counts["unexplained"].sum()),
    }


def _reconciliation(ch: Chapter) -> dict[str, str]:
    rates = ch.with_totals["match_rate"]
    docs = ch.printed_totals[q.has_flag(ch.printed_totals, "totals_from_document")]
    doc_reports = sorted(docs["report"].unique())
    imet = q.imet_match_by_report(ch.reconciliation)
    out = {
        "match_rate": share_text(q.match_rate(ch.reconciliation)),
        "country_rate": share_text(q.match_rate(ch.reconciliation, "country")),
        "n_compared": vocab.count(ch.with_totals["compared"].sum()),
        "n_matched": vocab.count(ch.with_totals["match"].sum()),
        "n_reports_totals": vocab.count(len(ch.with_totals)),
        "first_totals_report": ch.with_totals.index[0],
        "n_perfect_reports": vocab.count((rates == 1.0).sum()),
        "imperfect_rates": "; ".join(f"{r}: {share_text(v)}" for r, v in rates[rates < 1].items()),
        **{f"rate_{rep.replace('-', '_')}": share_text(rate) for rep, rate in rates.items()},
        "doc_reports_span": f"{doc_reports[0]} to {doc_reports[-1]}",
        "n_doc_files": vocab.count(docs["source_file"].nunique()),
        "n_doc_totals": vocab.count(len(docs)),
        "imet_rate": share_text(imet.loc["All reports", "match_rate"]),
        "imet_matched": vocab.count(imet.loc["All reports", "match"]),
        "imet_compared": vocab.count(imet.loc["All reports", "compared"]),
        "imet_unmatched_0910": vocab.count(imet.loc[FOCUS, "compared"] - imet.loc[FOCUS, "match"]),
        "n_recovered": vocab.count(q.recovered_by_report(ch.training).to_numpy().sum()),
    }
    doubtful = q.doubtful_values(ch.funding)
    out["n_doubtful"] = vocab.count(len(doubtful))
    out["n_doubtful_0910"] = vocab.count(doubtful["fiscal_year"].eq(2009).sum())
    return out


def _unmatched(ch: Chapter) -> dict[str, str]:
    mism, by_reason = ch.mismatches, ch.by_reason
    worst = by_reason["all unmatched"].idxmax()
    return {
        "n_unmatched": vocab.count(len(mism)),
        "n_explained": vocab.count(mism["reason"].ne("not explained").sum()),
        "worst_report": worst,
        "n_worst": vocab.count(by_reason.loc[worst, "all unmatched"]),
        "worst_reason": by_reason.loc[worst].drop("all unmatched").idxmax(),
    }


def _focus_report(ch: Chapter) -> dict[str, str]:
    """The 2009-2010 report's column damage and what it does to the reconciliation."""
    t = ch.training[ch.training["report"].eq(FOCUS)]
    m = ch.mismatches[ch.mismatches["report"].eq(FOCUS)]
    short = m["diff_students"].fillna(0).lt(0) | m["diff_cost"].fillna(0).lt(0)
    flagged = {
        "d0910_dates_in_cost": "dates_from_cost",
        "d0910_split": "dates_split",
        "d0910_cost_from_unit": "cost_from_unit",
        "d0910_students_from_title": "students_from_title_end",
    }
    return {
        **{key: vocab.count(q.has_flag(t, flag).sum()) for key, flag in flagged.items()},
        "d0910_no_cost": vocab.count(t["cost_usd"].isna().sum()),
        "d0910_no_students": vocab.count(t["students"].isna().sum()),
        "d0910_unmatched_all": vocab.count(len(m)),
        "d0910_short": vocab.count(short.sum()),
        "d0910_gap_groups": vocab.count(m["reason"].eq("students or cost not printed").sum()),
        "d0910_unmatched": vocab.count(ch.program_level.loc[FOCUS, "mismatch"]),
        "d0910_compared": vocab.count(ch.program_level.loc[FOCUS, "compared"]),
    }


def _names(ch: Chapter) -> dict[str, str]:
    t = ch.training
    merged = q.merged_headings(t, ch.printed_totals)
    split = q.split_groups(ch.reconciliation, t)
    spell = spellings.country_spellings(t)
    n_multi = int((spell["spellings"] > 1).sum())
    turkey = countries.to_iso3("Turkey")
    return {
        "n_merged": vocab.count(len(merged.drop_duplicates(["report", "heading as printed"]))),
        "split_groups": vocab.count(split["groups"].sum()),
        "split_match": vocab.count(split["match"].sum()),
        "n_countries": vocab.count(len(spell)),
        "n_multi": vocab.count(n_multi),
        "n_single": vocab.count(len(spell) - n_multi),
        "n_turkey_rows": vocab.count(t["iso3"].eq(turkey).sum()),
        "n_turkey_place": vocab.count(t["location"].str.contains(r"\bTurkey\b", na=False).sum()),
        "aus_last": spellings.last_report_with(t, countries.to_iso3("Australia")) or "no report",
        "jpn_last": spellings.last_report_with(t, countries.to_iso3("Japan")) or "no report",
    }


def glued(ch: Chapter) -> dict[str, str]:
    """Every value the appendix glues, by glue name."""
    return {
        **_opening(ch),
        **_elements(ch),
        **_reconciliation(ch),
        **_unmatched(ch),
        **_focus_report(ch),
        **_names(ch),
    }


# --- tables ----------------------------------------------------------------------------------

WHOLE = "{:,.0f}"


def dictionaries() -> list:
    """Each built table's data dictionary, collapsed under its name."""
    out = []
    for name, contract in schema.CONTRACTS.items():
        key = f" Key: {', '.join(contract.key)}." if contract.key else ""
        body = (
            f"<p>{html.escape(contract.doc + key)}</p>"
            + tables.show(schema.dictionary(contract), f"methods-dict-{name}", compact=True).html
        )
        out.append(tables.details(f"{name} ({len(contract.columns)} columns)", body))
    return out


def rows_by_report_table(ch: Chapter) -> tables.Table:
    shown = q.with_total(q.rows_by_report(ch.training)).reset_index()
    shown.columns = ["Report", "Rows", "IMET rows", "Students", "Cost (US$)",
                     "Rows without students", "Rows without cost"]  # fmt: skip
    formats = {c: WHOLE for c in shown.columns if c != "Report"}
    return tables.show(shown, "methods-rows-by-report", formats=formats, compact=True)


def rows_by_program_table(ch: Chapter) -> tables.Table:
    shown = q.rows_by_program(ch.training)
    shown.columns = ["Program family", "Rows", "Students", "Cost (US$)"]
    formats = dict.fromkeys(("Rows", "Students", "Cost (US$)"), WHOLE)
    return tables.show(shown, "methods-rows-by-program", compact=True, formats=formats)


def coverage_table(ch: Chapter) -> tables.Table:
    shown = ch.coverage.reset_index()
    shown.columns = ["Report", "Course title", "Students", "Cost", "Start date", "End date",
                     "Location", "Student unit", "US unit", "Page"]  # fmt: skip
    fields = [c for c in shown.columns if c != "Report"]
    return tables.show(
        shown, "methods-coverage", formats=dict.fromkeys(fields, share_text), gradient=fields,
        compact=True,
    )  # fmt: skip


def elements_table(ch: Chapter) -> tables.Table:
    shown = q.with_total(ch.elements).reset_index()
    shown.columns = [c.replace("_", " ").capitalize() for c in shown.columns]
    formats = dict.fromkeys(shown.columns[1:], WHOLE)
    return tables.show(shown, "methods-elements", formats=formats, compact=True)


def reconciliation_table(ch: Chapter) -> tables.Table:
    shown = ch.summary.reset_index()
    shown["match_rate"] = shown["match_rate"].map(share_text)
    shown.columns = ["Report", "Level", "Match", "Mismatch", "No parsed rows", "No printed total",
                     "Compared", "Match rate"]  # fmt: skip
    return tables.show(shown, "methods-reconciliation", compact=True)


def match_rates(ch: Chapter) -> pd.DataFrame:
    """The program-level match rate of each report in percent (a gap where none is printed),
    by the report's first fiscal year: the chart's data."""
    rates = ch.with_totals["match_rate"]
    return pd.DataFrame(
        {
            "first_year": [q.report_year(r) for r in ch.reports],
            "match_rate": [rates.get(r, float("nan")) * 100 for r in ch.reports],
        }
    )


def imet_match_table(ch: Chapter) -> tables.Table:
    shown = q.imet_match_by_report(ch.reconciliation).reset_index()
    shown["match_rate"] = shown["match_rate"].map(share_text)
    shown.columns = ["Report", "IMET groups with a printed total", "Match exactly", "Match rate"]
    return tables.show(shown, "methods-imet-match", compact=True)


def recovered_table(ch: Chapter) -> tables.Table:
    recovered = q.recovered_by_report(ch.training)
    shown = recovered.reset_index()
    shown.columns = ["Report", *[c.replace("_", " ") for c in recovered.columns]]
    return tables.show(shown, "methods-recovered", compact=True)


def doubtful_table(ch: Chapter) -> tables.Table:
    shown = q.doubtful_values(ch.funding)
    shown.columns = ["Country", "Fiscal year", "Training value (US$)", "Students", "Why doubtful"]
    formats = {"Training value (US$)": WHOLE}
    return tables.show(shown, "methods-doubtful", compact=True, formats=formats)


def reason_tables(ch: Chapter) -> list[tables.Table | Markdown]:
    mism = ch.mismatches
    reasons = pd.DataFrame(
        {
            "Reason": list(q.MISMATCH_REASONS),
            "Meaning": list(q.MISMATCH_REASONS.values()),
            "Unmatched groups": [int(mism["reason"].eq(r).sum()) for r in q.MISMATCH_REASONS],
        }
    )
    by_report = q.with_total(ch.by_reason).reset_index().rename(columns={"report": "Report"})
    return [
        tables.show(reasons, "methods-reasons", compact=True),
        Markdown("Unmatched groups per report and reason:"),
        tables.show(by_report, "methods-reasons-by-report", compact=True),
    ]


def flags_table(ch: Chapter) -> tables.Table:
    flags = q.flag_summary(ch.training, ch.printed_totals)
    flags.columns = ["Flag", "Meaning", "Training rows", "Totals rows", "Where (report: rows)"]
    formats = {"Training rows": "{:,}", "Totals rows": "{:,}"}
    return tables.show(flags, "methods-flags", formats=formats, compact=True)


MISMATCH_FORMATS = dict.fromkeys(
    ("students printed", "students parsed", "cost printed (US$)", "cost parsed (US$)"), WHOLE
)


def mismatch_listing(ch: Chapter) -> list[tables.Table | Markdown]:
    """Per report (the parameter's, or every report with an unmatched group): a line saying
    how many printed totals do not match, and the groups that do not."""
    focus = ch.params["report"]
    out: list[tables.Table | Markdown] = []
    for rep in ch.reports if focus is None else [focus]:
        mine = ch.mismatches[ch.mismatches["report"].eq(rep)]
        compared = int(ch.summary.loc[rep, "compared"].sum()) if rep in ch.summary.index else 0
        if focus is None and mine.empty:
            continue
        if compared == 0:
            out.append(
                Markdown(f"**{rep}**: the report prints no totals, so no group can be checked.")
            )
        elif mine.empty:
            out.append(
                Markdown(f"**{rep}**: all {compared:,} printed totals match the parsed rows.")
            )
        else:
            out.append(
                Markdown(f"**{rep}**: {len(mine):,} of {compared:,} printed totals do not match.")
            )
            out.append(
                tables.show(
                    q.mismatch_view(mine),
                    f"methods-unmatched-{rep}",
                    formats=MISMATCH_FORMATS,
                    na_rep="none",
                    compact=True,
                )
            )
    return out  # fmt: skip


def defects_table(ch: Chapter) -> tables.Table:
    defects = q.known_defects(ch.training)
    shown = defects.assign(share=defects["share"].map(share_text))
    shown.columns = ["Report", "Defect", "Rows affected", "Rows in report", "Share"]
    formats = {"Rows affected": "{:,}", "Rows in report": "{:,}"}
    return tables.show(shown, "methods-defects", formats=formats, compact=True)


def merged_table(ch: Chapter) -> tables.Table:
    merged = q.merged_headings(ch.training, ch.printed_totals)
    merged.columns = [c.capitalize() for c in merged.columns]
    return tables.show(merged, "methods-merged", na_rep="none", compact=True)


def spellings_table(ch: Chapter) -> tables.Table:
    spell = spellings.country_spellings(ch.training)
    shown = spell[spell["spellings"] > 1].rename(
        columns={"country": "Country", "iso3": "ISO3", "spellings": "Spellings",
                 "printed as (reports)": "Printed as (reports)"}
    )  # fmt: skip
    return tables.show(shown, "methods-spellings", compact=True)


def overrides_table(ch: Chapter) -> tables.Table:
    over = spellings.override_use(ch.training)
    over.columns = ["Normalised name", "ISO3", "Country", "Printed in the reports as",
                    "Training rows"]  # fmt: skip
    return tables.show(over, "methods-overrides", formats={"Training rows": "{:,}"}, compact=True)


def match_rate_figure(ch: Chapter):
    """The chart of :func:`match_rates` (:func:`imetbook.figures.methods.match_rates`)."""
    rates = ch.with_totals["match_rate"]
    lowest = f"{rates.idxmin()} at {share_text(rates.min())}"
    return charts.match_rates(match_rates(ch), ch.with_totals.index[0], ch.reports[-1], lowest)
