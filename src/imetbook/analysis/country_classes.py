"""The classes a country's officers shared with officers of its neighbours, for its page.

Neighbours are the other countries of the country's region
(:func:`imetbook.analysis.country_pages.region_of`). Every pair is matched exactly as
:func:`imetbook.analysis.classmates.shared_classes_for` matches two countries, but all the
pairs of a page in one matching run, on the rows that could be in a shared class
(:func:`_pair_rows`): ~190 pages are executed in every build.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from imetbook.analysis import classmates
from imetbook.analysis.country_pages import NEIGHBOURS, countries_with_training, is_imet_actual
from imetbook.vocab import fy, fy_span


def course_years(training: pd.DataFrame) -> pd.DataFrame:
    """``iso3, fiscal_year, course_key``: every course and fiscal year a country has an IMET
    record of (status actual), once."""
    mask = is_imet_actual(training) & training["course_key"].notna() & training["iso3"].notna()
    return training.loc[mask, ["iso3", "fiscal_year", "course_key"]].drop_duplicates()


def neighbours(
    training: pd.DataFrame,
    iso3: str,
    members: Sequence[str],
    top: int = NEIGHBOURS,
    keys: pd.DataFrame | None = None,
    names: pd.Series | None = None,
) -> pd.DataFrame:
    """The ``top`` members whose officers took the most of the country's IMET courses in the
    same fiscal years (a shared class needs both), most first, ties by name.

    Columns ``iso3``, ``country_name``, ``course_years`` (distinct pairs of course and fiscal
    year both countries have an IMET record of). Members sharing none are left out. ``keys``
    (:func:`course_years`) and ``names`` (ISO code to name) are those of ``training`` unless
    given (a page set computes them once for all pages).
    """
    keys = course_years(training) if keys is None else keys
    if names is None:
        names = countries_with_training(training).set_index("iso3")["country_name"]
    mine = keys.loc[keys["iso3"].eq(iso3), ["fiscal_year", "course_key"]]
    theirs = keys[keys["iso3"].isin(list(members))].merge(mine, on=["fiscal_year", "course_key"])
    counts = theirs.groupby("iso3").size().rename("course_years").reset_index()
    counts.insert(1, "country_name", counts["iso3"].map(names).astype(str))
    counts = counts.sort_values(
        ["course_years", "country_name"], ascending=[False, True], kind="stable"
    )
    return counts.head(top).reset_index(drop=True).astype({"course_years": "int64"})


_TAG = "\x1f"  # separates a pair's tag from a course key or record id; never in the data


def _pair_rows(
    training: pd.DataFrame, iso3: str, others: Sequence[str], programs: str
) -> pd.DataFrame:
    """The rows of every pair (country, neighbour) that could be in a class they share, one
    copy per pair, with ``course_key`` and ``record_id`` tagged by the pair.

    A class is formed within one course and fiscal year, so a row can only be in a class of
    the pair if both countries have a record of its course in its year. Classes are formed
    within one course key, and a row's overlap with another country's rows is looked up by
    record id, so tagged copies of different pairs never meet: one matching run over all the
    copies gives each pair's classes exactly as a run over that pair alone would, at the cost
    of one run instead of one per pair.
    """
    mask = training["iso3"].isin([iso3, *others]) & training["status"].eq("actual")
    if programs == "IMET":
        mask &= training["is_imet"].astype(bool)
    rows = training[mask & training["course_key"].notna()]
    keys = pd.MultiIndex.from_frame(rows[["fiscal_year", "course_key"]])
    country = rows["iso3"].to_numpy()
    in_mine = keys.isin(keys[country == iso3])
    positions, tags = [], []
    for i, other in enumerate(others):
        theirs = country == other
        both = in_mine & keys.isin(keys[theirs]) & (theirs | (country == iso3))
        found = np.flatnonzero(both)
        positions.append(found)
        tags.append(np.full(len(found), f"{i}{_TAG}", dtype=object))
    pairs = rows.iloc[np.concatenate(positions)].reset_index(drop=True)
    tag = pd.Series(np.concatenate(tags), dtype="str")
    return pairs.assign(course_key=tag + pairs["course_key"], record_id=tag + pairs["record_id"])


def pair_classes(
    training: pd.DataFrame, country: str, iso3: str, others: Mapping[str, str], programs: str
) -> pd.DataFrame:
    """The classes the country's officers shared with those of each of ``others`` (ISO code:
    name), under ``programs`` (``IMET`` or ``all``), each pair matched exactly as
    :func:`imetbook.analysis.classmates.shared_classes_for` matches two countries, in one
    matching run (see :func:`_pair_rows`). Every class holds the rows of one pair: its
    ``countries`` are ``<country>; <other>``."""
    rows = _pair_rows(training, iso3, list(others), programs)
    if rows.empty:
        return pd.DataFrame(columns=["countries", "match"])
    lo, hi = classmates.data_span(rows)
    query = classmates.Query(
        (country, *others.values()), (iso3, *others), programs, lo, hi, "class"
    )
    return classmates.match_rows(classmates.select_rows(rows, query), query)[0]


def _most_common(values: Iterable[object]) -> str:
    """The most frequent value; ties go to the first in sort order (deterministic)."""
    counts = Counter(str(v) for v in values)
    top = max(counts.values())
    return min(v for v, n in counts.items() if n == top)


def _pair_summary(classes: pd.DataFrame) -> dict[str, object]:
    kinds = classes["match"].value_counts()
    family = classes["family"]
    label = family.where(family.notna(), classes["course_title"])
    latest = classes.sort_values(
        ["fiscal_year", "start_date", "course_title", "pages"], na_position="first", kind="stable"
    ).iloc[-1]
    return {
        "classes": int(kinds.get("class", 0)),
        "course-year matches": int(kinds.get("course-year", 0)),
        "fiscal years": fy_span(classes["fiscal_year"].min(), classes["fiscal_year"].max()),
        "most shared course": _most_common(label.tolist()),
        "latest shared class": f"{latest['course_title']}, {fy(latest['fiscal_year'])} "
        f"({latest['pages']})",
    }


SHARED_COLUMNS = [
    "neighbour",
    "shared course-years",
    "classes",
    "course-year matches",
    "fiscal years",
    "most shared course",
    "latest shared class",
]


def shared_with_neighbours(
    training: pd.DataFrame, country: str, iso3: str, near: pd.DataFrame
) -> pd.DataFrame:
    """Per neighbour of :func:`neighbours`: the IMET classes its officers shared with the
    country's, each pair matched exactly as
    :func:`imetbook.analysis.classmates.shared_classes_for` matches two countries.

    ``classes``: same course, place and overlapping dates; ``course-year matches``: same course
    and fiscal year where the dates are not printed. ``latest shared class`` names its report
    and pages. Columns: :data:`SHARED_COLUMNS`; a neighbour with no shared class has 0 and
    empty cells.
    """
    if near.empty:
        return pd.DataFrame(columns=SHARED_COLUMNS)
    names = dict(zip(near["iso3"], near["country_name"], strict=True))
    classes = pair_classes(training, country, iso3, names, "IMET")
    out = [
        {"neighbour": other, "shared course-years": int(years)}
        for other, years in zip(near["country_name"], near["course_years"], strict=True)
    ]
    for entry in out:
        mine = classes[classes["countries"].eq(f"{country}; {entry['neighbour']}")]
        if len(mine):
            entry.update(_pair_summary(mine))
    table = pd.DataFrame(out).reindex(columns=SHARED_COLUMNS)
    counts = ["classes", "course-year matches"]
    table[counts] = table[counts].fillna(0).astype("int64")
    return table


SHARED_ALL_COLUMNS = ["neighbour", "classes", "course-year matches", "shared in all"]


def all_program_pairs(training: pd.DataFrame, iso3: str, members: Sequence[str]) -> pd.DataFrame:
    """For a country with no IMET record: the classes its officers shared with officers of
    each of ``members`` (ISO codes) under every program, each pair matched on its own as the
    classmates chapter matches two countries; most shared first, pairs sharing none left out."""
    names = training.loc[training["iso3"].notna(), ["iso3", "country_name"]].drop_duplicates("iso3")
    by_code = dict(zip(names["iso3"], names["country_name"], strict=True))
    others = {m: by_code[m] for m in members if m in by_code}
    if iso3 not in by_code or not others:
        return pd.DataFrame(columns=SHARED_ALL_COLUMNS)
    country = by_code[iso3]
    classes = pair_classes(training, country, iso3, others, "all")
    out = []
    for name in others.values():
        kinds = classes.loc[classes["countries"].eq(f"{country}; {name}"), "match"]
        if len(kinds):
            counts = kinds.value_counts()
            out.append(
                {
                    "neighbour": name,
                    "classes": int(counts.get("class", 0)),
                    "course-year matches": int(counts.get("course-year", 0)),
                    "shared in all": len(kinds),
                }
            )
    table = pd.DataFrame(out, columns=SHARED_ALL_COLUMNS)
    table = table.sort_values(["shared in all", "neighbour"], ascending=[False, True])
    return table.reset_index(drop=True)
