"""The rivalries chapter (``chapters/rivalries.ipynb``): its parameters, the values it glues,
the sentences that vary with its parameters, and its tables.

The analysis is :mod:`imetbook.analysis.rivalries`; the charts are
:mod:`imetbook.figures.rivalries`. The notebook calls :func:`compute` once, glues
:func:`glued` and displays the tables below.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
from IPython.display import Markdown

from imetbook import vocab
from imetbook.analysis import classmates, tiers
from imetbook.analysis import rivalries as rv
from imetbook.chapters import params, tables
from imetbook.data import datasets

PARAMS = params.Spec(
    programs=params.Param(
        params.Program(),
        '"IMET" (every IMET variant), "all", or one program family.',
        default="IMET",
    ),
    tier=params.Param(
        params.Choice(rv.TIER_CHOICES),
        'PME tier of the classes counted: "all", or one tier (e.g. "senior": war colleges).',
        default="all",
    ),
    fy_start=params.Param(params.FiscalYear(), "First US fiscal year.", default=1999),
    fy_end=params.Param(params.FiscalYear(), "Last US fiscal year.", default=2020),
    min_classes=params.Param(
        params.Integer(minimum=rv.MIN_CLASSES[0], maximum=rv.MIN_CLASSES[1]),
        "Shared classes a rivalry needs in a year to count as meeting that year.",
        default=1,
    ),
)

# Rules of the book's rules table that the reasons of the never-met table cite.
CITED_RULES = ("R08", "R16", "R18", "R23", "R26", "R29")


@dataclass(frozen=True)
class Chapter:
    """Everything the chapter shows, computed once from the parameters."""

    params: dict[str, Any]
    training: pd.DataFrame
    rules: pd.DataFrame
    result: rv.RivalryClasses
    everything: rv.RivalryClasses  # the same query under every program


def compute(p: dict[str, Any]) -> Chapter:
    """Load the tables and find every rivalry's shared classes for the (validated) ``p``."""
    training = datasets.load("training")
    args = {
        "tier": p["tier"],
        "fy_start": p["fy_start"],
        "fy_end": p["fy_end"],
        "min_classes": p["min_classes"],
    }
    result = rv.rivalry_classes(training, p["programs"], **args)
    # The same query under every program: the result itself when it already asks for all.
    every = result if p["programs"] == "all" else rv.rivalry_classes(training, "all", **args)
    return Chapter(p, training, datasets.load("rules"), result, every)


# --- words -----------------------------------------------------------------------------------


def tier_words(tier: str) -> str:
    """How the chapter names a tier choice in prose."""
    if tier == "all":
        return "at any level of schooling"
    return f"at the {tiers.TIER_LABELS[tier].lower()} tier"


def _all_years(frame: pd.DataFrame, column: str) -> int:
    """Rivalries whose every active year has the status of ``column``."""
    return int((frame[column] == frame["active years"]).sum())


def _top(result: rv.RivalryClasses) -> str:
    top = rv.top_rivalries(result, top=1)
    if top.empty:
        return "No rivalry meets in these years."
    t = top.iloc[0]
    return (
        f"{t['rivalry']} meets most: "
        f"{vocab.plural(t['classes'], 'shared class', 'shared classes')} in "
        f"{vocab.plural(t['years meets'], 'year', 'years')}, of them "
        f"{vocab.plural(t['war-college classes'], 'war-college class', 'war-college classes')}."
    )


def _all_programs(result: rv.RivalryClasses, everything: rv.RivalryClasses | None) -> str:
    if everything is None or everything.query.programs == result.query.programs:
        return ""
    e = everything.rivalries
    n_classes = int(everything.classes["counted"].sum())
    return (
        f"Counting every program, not only {result.query.programs}, "
        f"{vocab.count((e['years meets'] > 0).sum())} rivalries met in "
        f"{vocab.plural(n_classes, 'shared class', 'shared classes')}."
    )


def answer_numbers(
    result: rv.RivalryClasses, everything: rv.RivalryClasses | None = None
) -> dict[str, str]:
    """The strings the chapter glues into its answer (numbers formatted, never typed)."""
    q = result.query
    r = result.rivalries
    counted = result.classes[result.classes["counted"]]
    war = counted[(counted["tier"] == "senior") & ~counted["preparatory"]]
    years = rv.per_year(result)
    peak = years.sort_values(["meets", "fiscal_year"], ascending=[False, True]).iloc[0]
    never = r[r["years meets"] == 0]
    ip = result.classes[result.classes["rivalry"] == "India-Pakistan"]
    shown = min(len(counted), rv.LISTED)
    return {
        "fy_span": vocab.fy_span(q.fy_start, q.fy_end),
        "programs": classmates.program_words(q.programs),
        "tier": tier_words(q.tier),
        "min_classes": vocab.plural(q.min_classes, "shared class", "shared classes"),
        "n_active": vocab.count(len(r)),
        "n_met": vocab.count((r["years meets"] > 0).sum()),
        "n_classes": vocab.plural(len(counted), "shared class", "shared classes"),
        "n_war": vocab.plural(len(war), "class", "classes"),
        "n_war_rivalries": vocab.plural(war["rivalry_id"].nunique(), "rivalry", "rivalries"),
        "meets_range": (
            f"{vocab.count(years['meets'].min())} to {vocab.count(years['meets'].max())}"
        ),
        "peak_year": vocab.fy(peak["fiscal_year"]),
        "peak_meets": vocab.count(peak["meets"]),
        "peak_active": vocab.count(peak["active"]),
        "n_not_checkable": vocab.count(_all_years(never, "years not checkable")),
        "n_absent": vocab.count(_all_years(never, "years side absent")),
        "n_never": vocab.count(len(never)),
        "n_list": vocab.count(len(rv.load_rivalries())),
        "ongoing_until": vocab.fy(rv.ONGOING_UNTIL),
        "mapped_years": f"{rv.BOOK_YEARS[0]} to {rv.BOOK_YEARS[1]}",
        "top": _top(result),
        "all_programs": _all_programs(result, everything),
        "india_pakistan": vocab.plural(len(ip), "shared class", "shared classes"),
        "n_listed": (
            f"all {vocab.count(len(counted))}"
            if shown == len(counted)
            else f"the first {vocab.count(shown)} of {vocab.count(len(counted))}"
        ),
    }


def _why(years: pd.DataFrame, listed: pd.DataFrame, program_words: str) -> str:
    """Why a rivalry's years show no meeting: the law for a side outside the reports, and for a
    side with no rows, in how many of the active years."""
    parts = []
    for sides in years.loc[years["status"] == "not checkable", "sides"]:
        parts.append(
            "; ".join(
                f"{side}: {listed.loc[iso3, 'reason']} ({listed.loc[iso3, 'law']})"
                for side in sides.split("; ")
                for iso3 in [rv.side_codes(side)[0]]
            )
        )
    parts = list(dict.fromkeys(parts))
    absent = years.loc[years["status"] == "side absent", "sides"].str.split("; ").explode()
    for side, n in absent.value_counts().sort_index().items():
        parts.append(
            f"{side}: no training rows {program_words} in {n} of {len(years)} active years"
        )
    return "; ".join(parts)


def _never_reason(row: pd.Series, why: str, rules: pd.DataFrame | None) -> str:
    parts = [why] if why else []
    if row["years not checkable"] == row["active years"]:
        parts[0] = "not checkable: " + parts[0]
    if row["years no shared class"]:
        n = row["years no shared class"]
        parts.append(f"both sides in the records in {vocab.plural(n, 'year', 'years')}, no class")
    if rules is not None:
        for side in (row["side_a"], row["side_b"]):
            if f"{side}: no training rows" not in why:
                continue
            found = rv.absence_rules(rules, rv.book_names(side)[0])
            if len(found):
                parts.append(f"{side} is named in rule(s) {', '.join(found['rule_id'])}")
    return "; ".join(parts)


def never_met(result: rv.RivalryClasses, rules: pd.DataFrame | None = None) -> pd.DataFrame:
    """Rivalries with no year meeting, and why where the records say: a side outside the
    reports by law (``not_in_reports.csv``), a side with no training rows (with the rules of
    the book's rules table that name it, e.g. sanctions), or both sides present without a
    shared class."""
    listed = rv.not_in_reports().set_index("iso3")
    words = classmates.program_words(result.query.programs)
    r = result.rivalries[result.rivalries["years meets"] == 0].copy()
    r["reason"] = [
        _never_reason(
            row, _why(result.years[result.years["rivalry_id"] == row["rivalry_id"]], listed, words),
            rules,
        )
        for _, row in r.iterrows()
    ]  # fmt: skip
    cols = [
        "rivalry",
        "active years",
        "years no shared class",
        "years not checkable",
        "years side absent",
        "reason",
    ]
    return r[cols].reset_index(drop=True)


def glued(ch: Chapter) -> dict[str, str]:
    """Every value the chapter glues, by glue name (``rv_...``)."""
    return {f"rv_{k}": v for k, v in answer_numbers(ch.result, ch.everything).items()}


# --- tables ----------------------------------------------------------------------------------


def per_year_table(ch: Chapter) -> tables.Table:
    return tables.show(rv.per_year(ch.result), "rv-per-year")


def top_table(ch: Chapter) -> tables.Table:
    return tables.show(rv.top_rivalries(ch.result, top=None), "rv-top", na_rep="never")


def war_table(ch: Chapter) -> tables.Table | Markdown:
    war = rv.top_rivalries(ch.result, top=None, by="war-college classes")
    if war.empty:
        return Markdown("No rivalry shared a war-college class in these years.")
    return tables.show(war, "rv-top-war", na_rep="never")


def tier_tables(ch: Chapter) -> tuple[tables.Table, tables.Table]:
    return (
        tables.show(rv.by_tier(ch.result), "rv-by-tier"),
        tables.show(rv.tier_counts(ch.result), "rv-tier-counts"),
    )


def class_table(ch: Chapter) -> tables.Table:
    listed = rv.class_list(ch.result).head(rv.LISTED)
    return tables.show(listed, "rv-classes", na_rep="unknown", compact=True)


def every_program_table(ch: Chapter) -> tables.Table:
    return tables.show(rv.top_rivalries(ch.everything, top=None), "rv-top-all", na_rep="never")


def never_tables(ch: Chapter) -> tuple[tables.Table, tables.Table]:
    return (
        tables.show(never_met(ch.result, ch.rules), "rv-never"),
        tables.show(rv.not_in_reports(), "rv-not-in-reports"),
    )


def rules_table(ch: Chapter) -> tables.Table:
    cited = ch.rules[ch.rules["rule_id"].isin(CITED_RULES)]
    columns = ["rule_id", "name", "legal_citation", "example_countries"]
    return tables.show(cited[columns], "rv-rules")


def names_table() -> tables.Table:
    return tables.show(rv.coverage_of_names(rv.load_rivalries()), "rv-names")


def tier_reference_tables(ch: Chapter) -> tuple[tables.Table, tables.Table]:
    shares = ["share of course keys", "share of rows", "share of students"]
    return (
        tables.show(tiers.coverage(ch.training), "rv-tier-coverage", gradient=shares),
        tables.show(tiers.rules_table(), "rv-tier-rules", compact=True),
    )
