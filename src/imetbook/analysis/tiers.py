"""Professional military education (PME) tiers: which level of schooling a course is.

The tiers, highest first (:data:`TIERS`):

* **senior**: the senior service colleges (war colleges): Army War College, Naval War College's
  Naval Command College, Air War College, Marine Corps War College, the National Defense
  University's National War College and Eisenhower School, and their International Fellows;
* **intermediate**: the command and staff colleges (Army CGSC, Air Command and Staff College,
  Naval Staff College, Marine Corps Command and Staff College, SAMS);
* **career**: captains' career courses, their predecessors the branch officer advanced courses,
  Squadron Officer School, Expeditionary Warfare School;
* **English language**, **seminars and mobile teams**, **basic and technical**;
* :data:`UNMAPPED`: a course no rule of the table names. Nothing is forced into a tier; the
  unmapped share is computed (:func:`coverage`) and shown.

A course that prepares international officers for one of the colleges (an orientation, an
academic preparatory course) takes the tier of the college it prepares for, with
``preparatory`` set, so a count can keep or leave out the few-week preparatory courses.

The rules are a sourced reference table, ``data/raw/reference/pme_tiers.csv`` (checked against
its manifest), one row per rule with the document, locator and a short quote that places the
school at its level. Rows are tried in order and the first match wins: ``family`` rows name a
curated course family of :mod:`imetbook.analysis.courses`; ``title`` rows are regular
expressions on the normalised title (:func:`imetbook.analysis.courses.normalise_title`).

The tier belongs to the ``course_key`` (the course identity the classmates functions group
classes by), so every row of one class has the same tier: :func:`tier_of_key`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from imetbook import paths
from imetbook.analysis import courses
from imetbook.data import manifest
from imetbook.errors import DataError

TIERS: tuple[str, ...] = (
    "senior",
    "intermediate",
    "career",
    "English language",
    "seminars and mobile teams",
    "basic and technical",
)
UNMAPPED = "unmapped"
ALL_TIERS: tuple[str, ...] = (*TIERS, UNMAPPED)
TIER_LABELS: dict[str, str] = {
    "senior": "Senior service colleges (war colleges, NDU)",
    "intermediate": "Intermediate: command and staff colleges",
    "career": "Career courses",
    "English language": "English language",
    "seminars and mobile teams": "Seminars and mobile teams",
    "basic and technical": "Basic and technical",
    UNMAPPED: "Not in any tier rule",
}
TABLE_FILE = "pme_tiers.csv"
COLUMNS = (
    "rule_id",
    "tier",
    "preparatory",
    "match",
    "pattern",
    "source_title",
    "source_url",
    "locator",
    "quote",
    "note",
)
MATCH_KINDS = ("family", "title")


@dataclass(frozen=True)
class Tier:
    """The tier of one course: ``tier``, whether it is a ``preparatory`` course, and the
    ``rule_id`` of the table row that placed it (``None`` when unmapped)."""

    tier: str
    preparatory: bool
    rule_id: str | None


NO_TIER = Tier(UNMAPPED, False, None)


def reference_dir() -> Path:
    return paths.raw_dir() / "reference"


def _check_rule(row: dict[str, str], line: int) -> None:
    where = f"{TABLE_FILE} row {line} ({row.get('rule_id') or 'no rule_id'})"
    if row["tier"] not in TIERS:
        raise DataError(f"{where}: tier {row['tier']!r} is not one of {', '.join(TIERS)}")
    if row["preparatory"] not in ("yes", "no"):
        raise DataError(f"{where}: preparatory must be yes or no, not {row['preparatory']!r}")
    if row["match"] not in MATCH_KINDS:
        raise DataError(f"{where}: match must be family or title, not {row['match']!r}")
    if row["match"] == "family":
        known = {f.family for f in courses.FAMILIES}
        if row["pattern"] not in known:
            raise DataError(f"{where}: no curated course family {row['pattern']!r}")
    else:
        try:
            re.compile(row["pattern"])
        except re.error as exc:
            raise DataError(f"{where}: bad regular expression ({exc})") from None
    url = row["source_url"]
    if url and not url.startswith(("http://", "https://")):
        raise DataError(f"{where}: source_url is not an http(s) address")


def read_rules(folder: Path | None = None) -> pd.DataFrame:
    """The tier rules, checked against the manifest and validated, in table order."""
    verified = manifest.read_plain(folder or reference_dir())
    if TABLE_FILE not in verified:
        raise DataError(f"reference/MANIFEST.csv does not list {TABLE_FILE}")
    rows = manifest.read_csv(verified[TABLE_FILE])
    if not rows or list(rows[0]) != list(COLUMNS):
        got = ", ".join(rows[0]) if rows else "no rows"
        raise DataError(f"{TABLE_FILE}: expected columns {', '.join(COLUMNS)}; got {got}")
    seen: set[str] = set()
    for line, row in enumerate(rows, start=2):
        _check_rule(row, line)
        if row["rule_id"] in seen:
            raise DataError(f"{TABLE_FILE}: rule_id {row['rule_id']} is repeated")
        seen.add(row["rule_id"])
    return pd.DataFrame(rows, columns=list(COLUMNS))


@cache
def _compiled(folder: Path | None = None) -> tuple[tuple[str, re.Pattern | None, Tier], ...]:
    out = []
    for r in read_rules(folder).itertuples(index=False):
        tier = Tier(r.tier, r.preparatory == "yes", r.rule_id)
        pattern = re.compile(r.pattern) if r.match == "title" else None
        out.append((r.pattern if r.match == "family" else "", pattern, tier))
    return tuple(out)


@cache
def tier_of_key(course_key: str | None, folder: Path | None = None) -> Tier:
    """The tier of a course key (or a printed title): the first table rule that matches."""
    if course_key is None or pd.isna(course_key) or not str(course_key).strip():
        return NO_TIER
    family = courses.course_family(course_key)
    title = courses.normalise_title(course_key)
    for family_name, pattern, tier in _compiled(folder):
        if pattern is None:
            if family == family_name:
                return tier
        elif pattern.search(title):
            return tier
    return NO_TIER


def _best(candidates: list[Tier]) -> Tier:
    """The highest tier among ``candidates`` (war colleges first); unmapped if none."""
    mapped = [t for t in candidates if t.tier != UNMAPPED]
    return min(mapped, key=lambda t: ALL_TIERS.index(t.tier)) if mapped else NO_TIER


def key_tiers(frame: pd.DataFrame, folder: Path | None = None) -> dict[str, Tier]:
    """The tier of every ``course_key`` in ``frame``, from the key and its printed titles.

    A key is the title with punctuation folded, so one key can stand for titles the curated
    families read differently (``INT'L`` and ``INT L``; ``COMMAND + STAFF``): the key takes the
    highest tier that the key itself or any of its titles matches.
    """
    cols = ["course_key", "course_title"] if "course_title" in frame.columns else ["course_key"]
    pairs = frame[cols].dropna(subset=["course_key"]).drop_duplicates()
    out: dict[str, list[Tier]] = {}
    for row in pairs.itertuples(index=False):
        key = row[0]
        found = out.setdefault(key, [tier_of_key(key, folder)])
        if len(row) > 1 and isinstance(row[1], str):
            found.append(tier_of_key(row[1], folder))
    return {k: _best(v) for k, v in out.items()}


def tier_columns(frame: pd.DataFrame, folder: Path | None = None) -> pd.DataFrame:
    """``tier``, ``preparatory`` and ``tier_rule`` for each row of ``frame`` (same index),
    from its ``course_key`` (and ``course_title`` where present: :func:`key_tiers`)."""
    found = key_tiers(frame, folder)
    # Looked up once per distinct key (-1, a missing key, takes the last entry: no tier).
    codes, keys = pd.factorize(frame["course_key"], use_na_sentinel=True)
    each = [found.get(k, NO_TIER) if isinstance(k, str) else NO_TIER for k in keys] + [NO_TIER]

    def spread(values: list, dtype: str) -> pd.Series:
        return pd.Series(np.array(values, dtype=object)[codes], index=frame.index, dtype=dtype)

    return pd.DataFrame(
        {
            "tier": spread([t.tier for t in each], "str"),
            "preparatory": spread([t.preparatory for t in each], "bool"),
            "tier_rule": spread([t.rule_id for t in each], "str"),
        },
        index=frame.index,
    )


def with_tiers(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the tier columns of :func:`tier_columns` added (a copy)."""
    if "course_key" not in frame.columns:
        raise DataError("tiers: the table has no column 'course_key'")
    return pd.concat([frame, tier_columns(frame)], axis=1)


def tier_rank(tier: pd.Series) -> pd.Series:
    """0 for senior ... 6 for unmapped: sort by this to put war colleges first."""
    order = {t: i for i, t in enumerate(ALL_TIERS)}
    return tier.map(order).astype("int64")


def coverage(training: pd.DataFrame) -> pd.DataFrame:
    """Per tier: course keys, actual training rows and students, and each as a share.

    Every key gets a tier; the :data:`UNMAPPED` row is the share no rule names. Rows without a
    course title are counted as unmapped keys of their own (``course_key`` null).
    """
    t = training.loc[training["status"] == "actual", ["course_key", "course_title", "students"]]
    tiers = tier_columns(t)
    t = t.assign(tier=tiers["tier"], preparatory=tiers["preparatory"])
    keys = t.drop_duplicates("course_key")
    out = pd.DataFrame(index=pd.Index(ALL_TIERS, name="tier"))
    out["course keys"] = keys.groupby("tier").size()
    out["rows"] = t.groupby("tier").size()
    out["preparatory rows"] = t[t["preparatory"]].groupby("tier").size()
    out["students"] = t.groupby("tier")["students"].sum()
    out = out.fillna(0).astype("int64")
    for col in ("course keys", "rows", "students"):
        total = out[col].sum()
        out[f"share of {col}"] = (out[col] / total).round(4) if total else 0.0
    out.insert(0, "label", [TIER_LABELS[t] for t in out.index])
    return out.reset_index()


def unmapped_share(training: pd.DataFrame, of: str = "rows") -> float:
    """The share of actual training ``rows`` (or ``course keys``, ``students``) in no tier."""
    cov = coverage(training).set_index("tier")
    column = f"share of {of}"
    if column not in cov.columns:
        raise DataError(f"unmapped_share: 'of' must be rows, course keys or students, not {of!r}")
    return float(cov.loc[UNMAPPED, column])


def rules_table(folder: Path | None = None) -> pd.DataFrame:
    """The tier rules with their sources, for the methods appendix and the chapters."""
    r = read_rules(folder)
    return pd.DataFrame(
        {
            "rule": r["rule_id"],
            "tier": r["tier"],
            "preparatory": r["preparatory"],
            "matches": r["match"] + ": " + r["pattern"],
            "source": r["source_title"],
            "url": r["source_url"],
            "where in the source": r["locator"],
            "quote": r["quote"],
            "note": r["note"],
        }
    )
