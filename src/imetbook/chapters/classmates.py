"""The classmates chapter (``chapters/classmates.ipynb``): its parameters, the values it glues,
the sentences that vary with its parameters, and its tables.

The analysis is :mod:`imetbook.analysis.classmates` (shared classes) and
:mod:`imetbook.analysis.classrooms` (levels of schooling); the charts are
:mod:`imetbook.figures.classmates`. The notebook calls :func:`compute` once, glues
:func:`glued` and displays the tables below.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

import pandas as pd
from IPython.display import Markdown

from imetbook import vocab
from imetbook.analysis import classmates as cm
from imetbook.analysis import classrooms, courses, tiers
from imetbook.chapters import params, tables
from imetbook.data import datasets

PARAMS = params.Spec(
    params.Ordered("fy_start", "fy_end"),
    countries=params.Param(
        params.Countries(minimum=2),
        "Countries whose shared classes are listed (two or more).",
        default=["India", "Pakistan"],
    ),
    programs=params.Param(
        params.Program(),
        '"IMET" (every IMET variant), "all", or one program family.',
        default="IMET",
    ),
    fy_start=params.Param(params.FiscalYear(), "First US fiscal year.", default=1999),
    fy_end=params.Param(params.FiscalYear(), "Last US fiscal year.", default=2020),
    match=params.Param(
        params.Choice(cm.MATCH_KINDS),
        '"class" (same course, place and overlapping dates; course-year where dates are '
        'missing) or "course-year" (same course and fiscal year only).',
        default="class",
    ),
)

SOURCE = "Foreign Military Training reports, Section IV (Security Force Monitor extraction)"
CLAIM = "C04"  # the article's sentence on rival nations' officers in the same classes
NO_DOCUMENT = "no document link"  # a row whose report notes name no original document
NOT_PRINTED = "not printed"
# How the answer names each level of schooling after a count ("52 at command and staff
# colleges"), in the order of :data:`imetbook.analysis.classrooms.LEVELS`.
LEVEL_PHRASES: dict[str, str] = {
    "senior": "at the war colleges and the National Defense University",
    "intermediate": "at command and staff colleges",
    classrooms.PREPARATORY: "in preparatory courses of a few weeks",
    "career": "at career courses",
    "English language": "in English-language courses",
    "seminars and mobile teams": "in seminars and mobile teams",
    "basic and technical": "in basic and technical courses",
    tiers.UNMAPPED: "in courses outside the professional-military-education tiers",
}


@dataclass(frozen=True)
class Chapter:
    """Everything the chapter shows, computed once from the parameters."""

    params: dict[str, Any]
    training: pd.DataFrame
    rules: pd.DataFrame
    claims: pd.DataFrame
    result: cm.SharedClasses
    everything: cm.SharedClasses  # the same countries and years under every program

    @property
    def countries(self) -> list[str]:
        return list(self.result.query.countries)

    @property
    def args(self) -> dict[str, Any]:
        q = self.result.query
        return {
            "programs": q.programs,
            "fy_start": q.fy_start,
            "fy_end": q.fy_end,
            "match": q.match,
        }

    @property
    def years(self) -> range:
        return range(self.result.query.fy_start, self.result.query.fy_end + 1)

    @property
    def matrix_names(self) -> list[str]:
        return cm.matrix_countries(self.countries)

    @property
    def israel_others(self) -> list[str]:
        return [c for c in self.countries if c != "Israel"]


def compute(p: dict[str, Any]) -> Chapter:
    """Load the tables and find the shared classes of the (validated) parameters ``p``."""
    training = datasets.load("training")
    first, last = cm.check_span(p["fy_start"], p["fy_end"], cm.data_span(training))
    args = {"programs": p["programs"], "fy_start": first, "fy_end": last, "match": p["match"]}
    result = cm.shared_classes_for(training, p["countries"], **args)
    everything = (
        result  # the same query under every program: the result itself when it asks for all
        if p["programs"] == "all"
        else cm.shared_classes_for(training, p["countries"], **{**args, "programs": "all"})
    )
    return Chapter(p, training, datasets.load("rules"), datasets.load("claims"), result, everything)


# --- words -----------------------------------------------------------------------------------


def count_words(n: int, one: str, many: str, zero: str) -> str:
    """``no rows``, ``1 row``, ``7,026 rows``: a count in words for glued prose."""
    return zero if n == 0 else vocab.plural(n, one, many)


def answer_numbers(result: cm.SharedClasses, all_programs: cm.SharedClasses | None = None) -> dict:
    """The strings the chapter glues into its answer (numbers formatted, never typed)."""
    q = result.query
    kinds = result.classes["match"].value_counts()
    per_year = cm.classes_per_year(result)
    met = int((per_year["class"].fillna(0) + per_year["course-year"] > 0).sum())
    words = {
        "countries": vocab.and_join(q.countries),
        "programs": cm.program_words(q.programs),
        "fy_span": vocab.fy_span(q.fy_start, q.fy_end),
        "n_classes": vocab.plural(len(result.classes), "shared class", "shared classes"),
        "n_class": vocab.count(kinds.get("class", 0)),
        "n_course_year": vocab.count(kinds.get("course-year", 0)),
        "years_met": vocab.count(met),
        "n_years": vocab.count(len(per_year)),
    }
    top = cm.meeting_courses(result, top=1)
    words["top_course"] = (
        f"The course where they met most often is {top['course'][0]} "
        f"({vocab.plural(top['classes'][0], 'class', 'classes')}, "
        f"{vocab.fy_span(top['first FY'][0], top['last FY'][0])})."
        if len(top)
        else "They shared no course."
    )
    place = cm.meeting_places(result, top=1)
    words["top_place"] = (
        f"The place where they met most often is {place['place'][0]} "
        f"({vocab.plural(place['classes'][0], 'class', 'classes')})."
        if len(place)
        else "No shared class has a known place."
    )
    words["all_programs"] = "This count covers every program."
    if all_programs is not None and all_programs.query.programs != q.programs:
        words["all_programs"] = (
            f"Counting every program, not only {q.programs}, the records list "
            f"{vocab.plural(len(all_programs.classes), 'shared class', 'shared classes')}."
        )
    return words


def tier_answer(classes: pd.DataFrame) -> dict[str, str]:
    """The strings the answer glues on levels of schooling: the war-college count first, then
    the other levels, and the war-college example."""
    table = classrooms.tier_table(classes)
    counts = dict(
        zip(classrooms.LEVELS, table["classes"] + table["course-year matches"], strict=True)
    )
    college = classes[classrooms.levels(classes).eq("senior")] if len(classes) else classes
    others = [
        f"{vocab.count(counts[n])} {LEVEL_PHRASES[n]}" for n in classrooms.LEVELS[1:] if counts[n]
    ]
    return {
        "n_war_college": vocab.count(counts["senior"]),
        "war_college_example": classrooms.latest_example(college) or "none",
        "other_levels": "; ".join(others) or "none at any other level",
        "n_unmapped": vocab.count(counts[tiers.UNMAPPED]),
    }


def _absent_allies(ch: Chapter) -> dict[str, str]:
    """Turkey (absent by law, named only as a place) and Israel (present, mostly not IMET)."""
    turkey_rows = cm.programs_of(ch.training, "Turkey")
    turkey_places = cm.named_as_place(ch.training, "Turkey")
    nato_rule = ch.rules.loc[ch.rules["legal_citation"].str.contains("2416", regex=False)].iloc[0]
    israel = cm.programs_of(ch.training, "Israel")
    israel_imet = int(israel.loc[israel["IMET"], "rows"].sum())
    imet_classes = cm.classes_with(
        cm.shared_classes_for(
            ch.training, ["Israel", *ch.israel_others], **{**ch.args, "programs": "IMET"}
        ),
        "Israel",
    )
    return {
        "turkey_rows": count_words(int(turkey_rows["rows"].sum()), "row", "rows", "no rows"),
        "turkey_place_rows": vocab.count(len(turkey_places)),
        "turkey_place_reports": vocab.count(turkey_places["report"].nunique()),
        "rule_citation": nato_rule["legal_citation"],
        "rule_effect": nato_rule["effect_on_imet"],
        "rule_source": nato_rule["source_title"],
        "israel_imet_rows": vocab.count(israel_imet),
        "israel_imet": count_words(
            israel_imet, "of them is IMET", "of them are IMET", "none of them is IMET"
        ),
        "israel_others": vocab.and_join(ch.israel_others),
        "israel_imet_classes": count_words(
            len(imet_classes.classes), "class", "classes", "no class"
        ),
        "israel_rows": vocab.count(int(israel["rows"].sum())),
        "israel_programs": vocab.and_join(israel["program"].tolist()),
    }


def glued(ch: Chapter) -> dict[str, str]:
    """Every value the chapter glues, by glue name (``cm_...``)."""
    claim = ch.claims.loc[ch.claims["claim_id"] == CLAIM].iloc[0]
    values = {
        "claim": claim["claim"],
        "claim_verdict": claim["verdict"],
        "claim_source": claim["source_title"],
        **answer_numbers(ch.result, ch.everything),
        **tier_answer(ch.result.classes),
        **_absent_allies(ch),
        "no_document_reports": vocab.and_join(
            sorted(ch.training.loc[ch.training["document_url"].isna(), "report"].unique())
        ),
    }
    return {f"cm_{key}": value for key, value in values.items()}


# --- tables ----------------------------------------------------------------------------------


def _document_cell(docs: pd.DataFrame) -> str:
    """``2008-2009 p. 8, 24; 2009-2010 p. 13`` (HTML), each part linked to the original report
    document its rows are printed in; a part whose document is not known says so, unlinked."""
    parts = []
    for row in docs.itertuples(index=False):
        text = vocab.printed_at(row.report, row.pages)
        url = tables.http_url(row.document_url)
        parts.append(tables.link(text, url) if url else f"{html.escape(text)} ({NO_DOCUMENT})")
    return "; ".join(parts)


def roster(result: cm.SharedClasses, links: bool = True) -> pd.DataFrame:
    """The shared classes as a roster: course, place, dates, students per country, and the
    report and page of every row. With ``links``, ``report and page`` is HTML (a column for
    :func:`imetbook.chapters.tables.show`'s ``html_columns``), each report linked to its
    original document; without, plain text. A place or date the report does not print
    (course-year matches) reads ``not printed``."""
    c = result.classes
    per_country = cm.students_by_country(result).reset_index(drop=True)
    table = pd.DataFrame(
        {
            "class": c["class_id"],
            "FY": c["fiscal_year"],
            "match": c["match"],
            "course (as printed)": c["course_title"],
            "place": c["place"],
            "start": c["start_date"].dt.strftime("%Y-%m-%d"),
            "end": c["end_date"].dt.strftime("%Y-%m-%d"),
        }
    )
    for col in ("place", "start", "end"):
        table[col] = table[col].fillna(NOT_PRINTED)
    table = pd.concat([table, per_country], axis=1)
    if links and len(c):
        docs = cm.class_documents(result)
        cells = {k: _document_cell(g) for k, g in docs.groupby("class_id", sort=False)}
        table["report and page"] = c["class_id"].map(cells)
    else:
        table["report and page"] = c["pages"]
    return table


def evidence(result: cm.SharedClasses, class_id: str) -> pd.DataFrame:
    """The report rows behind one class, dates as text and the original document as a link
    (HTML column ``document``; a row whose report notes name no document says so)."""
    rows = result.rows.loc[result.rows["class_id"] == class_id, ["class_id", *cm.EVIDENCE_COLUMNS]]
    for col in ("start_date", "end_date"):
        rows[col] = rows[col].dt.strftime("%Y-%m-%d")
    rows["document_url"] = [
        tables.link(f"{report} report", url) if tables.http_url(url) else NO_DOCUMENT
        for report, url in zip(rows["report"], rows["document_url"], strict=True)
    ]
    return rows.rename(columns={"document_url": "document"}).reset_index(drop=True)


def _none_shared(ch: Chapter) -> Markdown:
    return Markdown(f"No shared class for {vocab.and_join(ch.countries)} in these years.")


def tier_table(ch: Chapter) -> tables.Table:
    return tables.show(
        classrooms.tier_table(ch.result.classes),
        "cm-tiers",
        formats={"classes": "{:,}", "course-year matches": "{:,}"},
    )


def coverage_table(ch: Chapter) -> tables.Table:
    cov = ch.result.coverage
    return tables.show(
        cov, "cm-coverage", formats={c: "{:,.0f}" for c in cov if c.startswith("rows")}
    )


def per_year_table(ch: Chapter) -> tables.Table:
    return tables.show(cm.classes_per_year(ch.result), "cm-per-year", na_rep="no dates printed")


def courses_table(ch: Chapter) -> tables.Table | Markdown:
    top = classrooms.courses_by_level(ch.result, per_level=3)
    return _none_shared(ch) if top.empty else tables.show(top, "cm-courses", na_rep="unknown")


def places_table(ch: Chapter) -> tables.Table | Markdown:
    places = cm.meeting_places(ch.result, top=10)
    if places.empty:
        return Markdown("No shared class with a known place.")
    return tables.show(places, "cm-places")


def roster_table(ch: Chapter) -> tables.Table | Markdown:
    if ch.result.classes.empty:
        return _none_shared(ch)
    return tables.show(
        roster(ch.result), "cm-roster", na_rep="unknown", html_columns=["report and page"]
    )


def evidence_table(ch: Chapter) -> tables.Table | Markdown:
    class_id = classrooms.example_class_id(ch.result.classes) or cm.example_class(ch.result)
    if class_id is None:
        return Markdown("No shared class to check.")
    return tables.show(
        evidence(ch.result, class_id), "cm-evidence", na_rep=NOT_PRINTED, html_columns=["document"]
    )


def pair_tables(ch: Chapter) -> tuple[tables.Table, tables.Table]:
    """The South Asia matrix of shared classes, and the same pairs as a list, most first."""
    pairs = cm.pair_table(ch.training, ch.matrix_names, **ch.args)
    ordered = pairs.sort_values(
        ["total", "country_a", "country_b"], ascending=[False, True, True], kind="stable"
    )
    return (
        tables.show(cm.pair_matrix(pairs), "cm-matrix", na_rep="", index=True),
        tables.show(ordered, "cm-pairs"),
    )


def israel_programs_table(ch: Chapter) -> tables.Table:
    israel = cm.programs_of(ch.training, "Israel")
    return tables.show(
        israel, "cm-israel-programs", formats=dict.fromkeys(["rows", "students"], "{:,.0f}")
    )


def israel_pairs_table(ch: Chapter) -> tables.Table:
    others = [c for c in ch.matrix_names if c != "Israel"]
    every = {**ch.args, "programs": "all"}
    pairs = cm.pair_table(ch.training, ["Israel", *others], first_only=True, **every)
    return tables.show(pairs, "cm-israel-pairs")


def israel_courses_table(ch: Chapter) -> tables.Table:
    every = {**ch.args, "programs": "all"}
    with_israel = cm.classes_with(
        cm.shared_classes_for(ch.training, ["Israel", *ch.israel_others], **every), "Israel"
    )
    return tables.show(
        cm.meeting_courses(with_israel, top=10), "cm-israel-courses", na_rep="unknown"
    )


def reference_tables() -> tuple[tables.Table, tables.Table]:
    """The curated course families and places, with their rules, examples and sources."""
    return (
        tables.show(courses.families_table(), "cm-families"),
        tables.show(courses.places_table(), "cm-place-table"),
    )
