"""The article's four countries in US classrooms, and the war colleges it names.

Classes are those of :mod:`imetbook.analysis.classmates` (same course, place and overlapping
dates; the weaker course-year match where the reports print no dates); the tier of a class is
the tier of its course (:mod:`imetbook.analysis.tiers`). A *war-college class* is a class of
the senior tier (the senior service colleges and NDU), its preparatory courses left out: they
last a few weeks and are not the year-long course the article describes.

Two questions are answered here, from the records of every program (the article speaks of
officers, not of who paid for their places):

- which of the article's countries had officers in the same class (:func:`pair_summary`);
- how many nationalities sat in each war-college class, year by year
  (:func:`war_college_classes`, :func:`nationalities_by_year`).

The reports leave out NATO members, Australia, Japan and New Zealand (22 U.S.C. 2416(a)(2)),
so every count of nationalities is a lower bound and Turkey's classmates cannot be counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import pandas as pd

from imetbook import vocab
from imetbook.analysis import classmates as cm
from imetbook.analysis import tiers

WAR_COLLEGE = "senior"
ALL_PROGRAMS = "all"
BY_YEAR_COLUMNS = [
    "fiscal_year",
    "classes",
    "median_nationalities",
    "most_nationalities",
    "largest_class",
]


def is_war_college(frame: pd.DataFrame) -> pd.Series:
    """Rows (or classes) of a senior-tier course that is not a preparatory course."""
    found = tiers.tier_columns(frame)
    return found["tier"].eq(WAR_COLLEGE) & ~found["preparatory"]


def with_tiers(classes: pd.DataFrame) -> pd.DataFrame:
    """``classes`` with ``tier``, ``preparatory``, ``tier_rule`` and ``war_college``."""
    if classes.empty:
        return classes.assign(tier=[], preparatory=[], tier_rule=[], war_college=[])
    found = tiers.tier_columns(classes)
    out = pd.concat([classes, found], axis=1)
    out["war_college"] = found["tier"].eq(WAR_COLLEGE) & ~found["preparatory"]
    return out


# --- two countries in one class ------------------------------------------------------------


@dataclass(frozen=True)
class PairSummary:
    """Shared classes of two countries under some programs, war colleges counted apart."""

    countries: tuple[str, ...]
    programs: str
    first_fy: int
    last_fy: int
    classes: int  # same course, place and overlapping dates
    course_years: int  # the weaker kind: same course in the same year, no dates printed
    war_college_classes: int
    war_college_course_years: int
    example: pd.Series | None  # a war-college class if any, else the latest class


def pair_summary(
    training: pd.DataFrame, countries: Sequence[str], programs: str = ALL_PROGRAMS
) -> PairSummary:
    """The shared classes of ``countries`` under ``programs``, with the war colleges counted."""
    result = cm.shared_classes_for(training, list(countries), programs=programs)
    found = with_tiers(result.classes)
    strong = found["match"].eq("class") if len(found) else pd.Series(dtype=bool)
    college = found[found["war_college"]] if len(found) else found
    pick = college if len(college) else found
    pick = pick[pick["match"].eq("class")] if (pick["match"].eq("class")).any() else pick
    example = pick.sort_values(["fiscal_year", "class_id"]).iloc[-1] if len(pick) else None
    return PairSummary(
        countries=result.query.countries,
        programs=programs,
        first_fy=result.query.fy_start,
        last_fy=result.query.fy_end,
        classes=int(strong.sum()),
        course_years=int((~strong).sum()),
        war_college_classes=int(college["match"].eq("class").sum()),
        war_college_course_years=int(college["match"].eq("course-year").sum()),
        example=example,
    )


# --- nationalities in a war-college class ----------------------------------------------------


def war_college_rows(training: pd.DataFrame) -> pd.DataFrame:
    """Actual training rows of every country and program in a war-college course."""
    rows = training[
        training["status"].eq("actual") & training["iso3"].notna() & training["course_key"].notna()
    ]
    return rows[is_war_college(rows)]


def war_college_classes(training: pd.DataFrame) -> pd.DataFrame:
    """Every war-college class with officers of two or more countries, all programs
    (:func:`imetbook.analysis.classmates.shared_classes_for` over every country present):
    one row per class with ``countries`` and ``n_countries``."""
    rows = war_college_rows(training)
    if rows.empty:
        return cm.shared_classes_for(training.iloc[:0], ["India", "Pakistan"]).classes
    names = sorted(rows["country_name"].unique())
    return cm.shared_classes_for(rows, names, programs=ALL_PROGRAMS).classes


def nationalities_by_year(classes: pd.DataFrame, years: Sequence[int]) -> pd.DataFrame:
    """Per fiscal year of ``years``: war-college classes, their median and largest number of
    nationalities, and the largest class. A year with no such class has zero classes and
    no figures (a gap)."""
    rows = []
    for year in years:
        mine = classes[classes["fiscal_year"].eq(year)]
        if mine.empty:
            rows.append({"fiscal_year": int(year), "classes": 0})
            continue
        top = mine.sort_values(["n_countries", "class_id"], ascending=[False, True]).iloc[0]
        rows.append(
            {
                "fiscal_year": int(year),
                "classes": len(mine),
                "median_nationalities": float(mine["n_countries"].median()),
                "most_nationalities": int(top["n_countries"]),
                "largest_class": class_label(top, with_year=False),
            }
        )
    out = pd.DataFrame(rows, columns=BY_YEAR_COLUMNS)
    return out.astype({"fiscal_year": "int64", "classes": "int64", "most_nationalities": "Int64"})


def classes_with(classes: pd.DataFrame, names: Sequence[str], at_least: int) -> pd.DataFrame:
    """The classes with officers of every country in ``names`` and ``at_least``
    nationalities in all."""
    keep = classes["n_countries"].ge(at_least)
    for name in names:
        keep &= classes["countries"].str.split("; ").map(lambda c, n=name: n in c)
    return classes[keep]


# --- shared classes by level of schooling ----------------------------------------------------

PREPARATORY = "preparatory"
# The rows of the tier table, highest first: the few-week preparatory courses apart from the
# colleges they prepare for.
LEVELS: tuple[str, ...] = (
    "senior",
    "intermediate",
    PREPARATORY,
    *(t for t in tiers.TIERS if t not in ("senior", "intermediate")),
    tiers.UNMAPPED,
)
LEVEL_LABELS: dict[str, str] = {
    **tiers.TIER_LABELS,
    PREPARATORY: "Preparatory courses for those colleges (a few weeks)",
}
TIER_TABLE_COLUMNS = ["level", "classes", "course-year matches", "latest example"]


def levels(classes: pd.DataFrame) -> pd.Series:
    """The level of each class: its tier, or ``preparatory`` for a preparatory course."""
    if classes.empty:
        return pd.Series(dtype="str")
    found = tiers.tier_columns(classes)
    return found["tier"].where(~found["preparatory"], PREPARATORY).astype("str")


def class_label(rec: pd.Series, with_year: bool = True) -> str:
    """A class as the book cites it: course, place, fiscal year and the report's pages."""
    year = f", {vocab.fy(rec['fiscal_year'])}" if with_year else ""
    return f"{rec['course_title']}, {vocab.place(rec['place'])}{year} ({rec['pages']})"


def latest_example(classes: pd.DataFrame) -> str:
    """The latest class (a dated match where there is one): course, place, year and pages."""
    if classes.empty:
        return ""
    strong = classes[classes["match"].eq("class")]
    pick = (strong if len(strong) else classes).sort_values(["fiscal_year", "class_id"])
    rec = pick.iloc[-1]
    return class_label(rec)


def tier_table(classes: pd.DataFrame) -> pd.DataFrame:
    """Shared classes per level of schooling, war colleges first: class matches, the weaker
    course-year matches, and the latest class of the level with its report and pages."""
    level = levels(classes)
    rows = []
    for name in LEVELS:
        mine = classes[level.eq(name)] if len(classes) else classes
        rows.append(
            {
                "level": LEVEL_LABELS[name],
                "classes": int(mine["match"].eq("class").sum()),
                "course-year matches": int(mine["match"].eq("course-year").sum()),
                "latest example": latest_example(mine),
            }
        )
    return pd.DataFrame(rows, columns=TIER_TABLE_COLUMNS)


def example_class_id(classes: pd.DataFrame) -> str | None:
    """The latest war-college class (a dated match where there is one), or None."""
    college = classes[levels(classes).eq("senior")] if len(classes) else classes
    if college.empty:
        return None
    strong = college[college["match"].eq("class")]
    pick = (strong if len(strong) else college).sort_values(["fiscal_year", "class_id"])
    return str(pick["class_id"].iloc[-1])


def courses_by_level(result: cm.SharedClasses, per_level: int = 3) -> pd.DataFrame:
    """The courses with the most shared classes at each level of schooling, war colleges
    first (:func:`imetbook.analysis.classmates.meeting_courses` within each level)."""
    classes = result.classes
    level = levels(classes)
    parts = []
    for name in LEVELS:
        mine = classes[level.eq(name)] if len(classes) else classes
        if mine.empty:
            continue
        top = cm.meeting_courses(replace(result, classes=mine), top=per_level)
        parts.append(top.drop(columns="level").assign(level=LEVEL_LABELS[name]))
    if not parts:
        return cm.meeting_courses(result, top=per_level)
    out = pd.concat(parts, ignore_index=True)
    return out[["level", *[c for c in out.columns if c != "level"]]]
