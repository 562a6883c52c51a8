"""What the article got right, claim by claim: verdicts computed from the book's own tables.

The ``claims`` table (contract :data:`imetbook.schema.CLAIMS`) quotes the article's checkable
claims with evidence gathered from sources and a sourced verdict. Some of them the book's tables
can decide. For each of those a function here computes the verdict and the figures behind it,
reusing the other chapters' analysis functions rather than repeating them:

- C02, IMET students at the two schools the claim names (:mod:`.courses` families);
- C03, whether the countries named take part, in the course records or the money
  (:mod:`.eligibility`);
- C04, whether Indian and Pakistani officers shared classes (:mod:`.classmates`);
- C10, the country's global rank by measure and year (:func:`.budget.country_rank`);
- C11, the country's yearly money against the amount named (:func:`.budget.yearly_vs_threshold`);
- C13, the region's request against the amount named (:func:`.budget.regional_totals`);
- C16, the suspension's month and what it followed, and C19, the months from the suspension to
  the resumption (:func:`.timeline.suspension_to_resumption`).

Numbers a claim states (an amount, a year, a rank, a month) are read from its own words in the
claims table, never typed here. Every computed verdict is on the one scale
:data:`imetbook.schema.VERDICTS`, read the same way for every claim:

- **supported**: the records show what the claim says, in every respect they can check;
- **partly supported**: they bear out part of it (some years, some measures, a weaker kind of
  match) but not all of it, or a gap in the records leaves part of it unchecked;
- **contradicted**: the records show something else;
- **unverified**: the records hold nothing that bears on it (absence from incomplete records
  is never read as a contradiction).

Each comes with a one-sentence reason built from the figures. Claims the tables cannot decide
keep the sourced verdict and evidence of the claims table and are labelled ``sourced``;
:func:`verdict_table` puts both kinds in one table and keeps the sourced verdict of a computed
claim beside it, so a reader sees where the two differ.
"""

from __future__ import annotations

import calendar
import html
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import pandas as pd

from imetbook import countries, params, schema
from imetbook.analysis import budget, courses, eligibility
from imetbook.analysis import classmates as cm
from imetbook.analysis import timeline as tl
from imetbook.errors import DataError, ParameterError, UnknownCountryError

VERDICTS: tuple[str, ...] = schema.VERDICTS
SUPPORTED, PARTLY, CONTRADICTED, UNVERIFIED = VERDICTS
COMPUTED, SOURCED = "computed", "sourced"


def _optional(validator: params.Validator) -> params.Validator:
    """``None`` (read from the claim's own words) or a value ``validator`` accepts."""

    def check(value: object) -> object:
        return None if value is None else validator(value)

    return check


def _amount(value: object) -> float:
    # bool is an int subclass; ``true`` is never an amount of money.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise params.Invalid(f"expected an amount in US dollars (a number), got {value!r}")
    if not math.isfinite(value) or value <= 0:
        raise params.Invalid(f"expected a positive amount in US dollars, got {value!r}")
    return float(value)


PARAMS = params.Spec(
    threshold_usd=params.Param(
        _optional(_amount),
        "Yearly amount (US dollars) India's IMET money is held against; None: the claim's own",
    ),
    since_fy=params.Param(
        _optional(params.FiscalYear(params.data_years("funding"))),
        "First fiscal year of that check; None: the year the claim names",
    ),
)
"""The chapter's parameters; defaults live in the notebook's ``parameters`` cell."""


@dataclass(frozen=True)
class Finding:
    """A computed verdict: the claim, the verdict, why, and the figures behind it.

    ``figures`` has two text columns, ``figure`` and ``value``, ready to display; ``facts``
    holds short formatted strings (counts, years, amounts) for glued prose.
    """

    claim_id: str
    verdict: str
    reason: str
    figures: pd.DataFrame
    facts: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise DataError(f"{self.claim_id}: verdict {self.verdict!r} is not one of {VERDICTS}")


@dataclass(frozen=True)
class Evidence:
    """Where a computed verdict's evidence is shown: a chapter page and a section anchor."""

    page: str
    anchor: str
    label: str

    @property
    def target(self) -> str:
        return f"{self.page}#{self.anchor}"


# Chapter sections that show each computed claim's evidence in full. Anchors are the headings'
# slugs (myst_heading_anchors); tests check that each still names a heading of its page.
EVIDENCE: dict[str, Evidence] = {
    "C02": Evidence(
        "classmates.ipynb",
        "the-course-families-and-places",
        "Classmates: the course families and their schools",
    ),
    "C03": Evidence(
        "eligibility.ipynb", "the-countries-the-article-names", "Eligibility: the countries named"
    ),
    "C04": Evidence(
        "classmates.ipynb",
        "shared-classes-year-by-year",
        "Classmates: shared classes, year by year",
    ),
    "C10": Evidence("budget.ipynb", "turkeys-global-rank", "Budget: Turkey's global rank"),
    "C11": Evidence(
        "budget.ipynb",
        "indias-yearly-imet-against-the-articles-figure",
        "Budget: India's yearly IMET",
    ),
    "C13": Evidence(
        "budget.ipynb",
        "the-imet-request-for-south-and-central-asia",
        "Budget: the request for South and Central Asia",
    ),
    "C16": Evidence(
        "pakistan.ipynb",
        "periods-in-which-imet-was-restricted",
        "Pakistan: periods in which IMET was restricted",
    ),
    "C19": Evidence(
        "pakistan.ipynb",
        "periods-in-which-imet-was-restricted",
        "Pakistan: periods in which IMET was restricted",
    ),
}


# --- reading a claim's own words ------------------------------------------------------------

_CAPITALISED = re.compile(r"[A-Z][\w'\u2019.-]*(?:\s+[A-Z][\w'\u2019.-]*)*")
_POSSESSIVE = re.compile(r"['\u2019]s$")
_MONTH = re.compile(
    r"\b(" + "|".join(calendar.month_name[1:]) + r")\s+((?:19|20)\d\d)\b", re.IGNORECASE
)
_WRITTEN_AMOUNT = re.compile(r"\$\s*[0-9][0-9,]*(?:\.([0-9]+))?\s*(thousand|million|billion)?")
_SCALE = {"thousand": 1e3, "million": 1e6, "billion": 1e9}
# The United States gives IMET: a claim naming it names the donor, not a recipient.
DONOR = "USA"


def _country_of(words: str) -> tuple[str, str] | None:
    try:
        name, iso3 = countries.name_and_code(_POSSESSIVE.sub("", words.strip(".,;:")))
    except UnknownCountryError:
        return None
    return None if iso3 is None else (name, iso3)


def countries_named(text: str, exclude: Iterable[str] = (DONOR,)) -> list[str]:
    """Canonical names of the countries ``text`` names, in order of first mention.

    Runs of capitalised words are tried longest first ("Sri Lanka" before "Sri"); possessives
    are dropped ("Pakistan's"); the United States (IMET's donor) is left out by default.
    """
    skip, found = set(exclude), []
    for run in _CAPITALISED.findall(text):
        words, i = run.split(), 0
        while i < len(words):
            for j in range(len(words), i, -1):
                hit = _country_of(" ".join(words[i:j]))
                if hit is not None:
                    break
            if hit is None:
                i += 1
                continue
            if hit[1] not in skip and hit[0] not in found:
                found.append(hit[0])
            i = j
    return found


def _one_country(text: str, claim_id: str) -> str:
    named = countries_named(text)
    if not named:
        raise DataError(f"claims: {claim_id} names no country ({text!r})")
    return named[0]


def month_named(text: str) -> str:
    """The first "<Month> <year>" in ``text`` as ``YYYY-MM`` ("August 2018" -> "2018-08")."""
    match = _MONTH.search(text)
    if match is None:
        raise DataError(f"no '<month> <year>' in {text!r}")
    month = [m.lower() for m in calendar.month_name].index(match.group(1).lower())
    return f"{match.group(2)}-{month:02d}"


def stated_unit(text: str) -> float:
    """The value of the last digit of the first amount written in ``text``, in dollars.

    "$13.8 million" -> 100,000; "$1 million" -> 1,000,000; "$450,000" -> 1. Two amounts agree
    with the claim when they differ by at most half of this: the article's rounding.
    """
    match = _WRITTEN_AMOUNT.search(text)
    if match is None:
        raise DataError(f"no dollar amount in {text!r}")
    decimals = len(match.group(1) or "")
    return _SCALE.get((match.group(2) or "").lower(), 1.0) / 10**decimals


def region_named(text: str, regions: Iterable[str]) -> str:
    """The region of ``regions`` whose name ``text`` contains (case-insensitive), longest first."""
    lowered = text.lower()
    hits = sorted((r for r in regions if r.lower() in lowered), key=lambda r: (-len(r), r))
    if not hits:
        raise DataError(f"no known region named in {text!r}")
    return hits[0]


# --- small helpers ----------------------------------------------------------------------------


def ordinal(n: int) -> str:
    """1 -> "1st", 2 -> "2nd", 3 -> "3rd", 11 -> "11th", 61 -> "61st"."""
    if 10 <= n % 100 <= 20:
        return f"{n}th"
    return f"{n}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th') }"


def _figures(rows: Iterable[tuple[str, str]]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=["figure", "value"]).astype("str")


def _and_join(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _plural(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


# --- C02: the schools the claim names -------------------------------------------------------

# The claim's two examples, as imetbook.analysis.courses names the schools of its families.
SCHOOLS: tuple[str, ...] = ("US Army War College", "National Defense University")


def school_families(names: Sequence[str] = SCHOOLS) -> dict[str, list[str]]:
    """The curated course families taught at each school (``courses.FAMILIES``' ``school``)."""
    out = {}
    for name in names:
        fams = [f.family for f in courses.FAMILIES if f.school.startswith(name)]
        if not fams:
            raise DataError(f"courses.FAMILIES has no family taught at {name!r}")
        out[name] = fams
    return out


def school_attendance(training: pd.DataFrame, names: Sequence[str] = SCHOOLS) -> pd.DataFrame:
    """Per school: countries with IMET students there (actual rows), rows, and fiscal years."""
    rows = training[
        (training["status"] == "actual")
        & training["is_imet"].astype(bool)
        & training["iso3"].notna()
        & training["course_title"].notna()
    ]
    titles = pd.Series(rows["course_title"].unique())
    family = dict(zip(titles, titles.map(courses.course_family), strict=True))
    fam = rows["course_title"].map(family)
    out = []
    for name, fams in school_families(names).items():
        at = rows[fam.isin(fams)]
        out.append(
            {
                "school": name,
                "countries": int(at["iso3"].nunique()),
                "rows": len(at),
                "first_fy": int(at["fiscal_year"].min()) if len(at) else None,
                "last_fy": int(at["fiscal_year"].max()) if len(at) else None,
            }
        )
    df = pd.DataFrame(out, columns=["school", "countries", "rows", "first_fy", "last_fy"])
    return df.astype({"first_fy": "Int64", "last_fy": "Int64"})


def war_colleges(claims: pd.DataFrame, training: pd.DataFrame) -> Finding:
    """C02: officers of diverse countries study at the US Army War College and NDU under IMET."""
    budget.claim_text(claims, "C02")
    at = school_attendance(training)
    diverse = at[at["countries"] >= 2]
    verdict = SUPPORTED if len(diverse) == len(at) else PARTLY if len(diverse) else UNVERIFIED
    parts = [
        f"{_plural(int(r.countries), 'country', 'countries')} at the {r.school}"
        + (f" (FY{r.first_fy}\u2013FY{r.last_fy})" if r.rows else "")
        for r in at.itertuples()
    ]
    reason = f"The course records list IMET students from {_and_join(parts)}."
    figures = _figures(
        (
            f"{r.school}: countries with IMET students",
            f"{r.countries:,} ({_plural(int(r.rows), 'course row', 'course rows')})",
        )
        for r in at.itertuples()
    )
    facts = {"schools": _and_join(parts)}
    return Finding("C02", verdict, reason, figures, facts)


# --- C03: the countries named take part -------------------------------------------------------


def participation(
    training: pd.DataFrame, funding: pd.DataFrame, names: Sequence[str]
) -> pd.DataFrame:
    """Per country: years with IMET course records and with IMET money within the span of the
    course records, and the last year with IMET money on record in any year."""
    covered = eligibility.covered_years_training(training)
    if not covered:
        raise DataError("training: no rows with status 'actual'")
    first, last = covered[0], covered[-1]
    train = eligibility.training_participation(training)
    fund = eligibility.funding_participation(funding)
    rows = []
    for name in names:
        iso3 = countries.to_iso3(name)
        t_years = set(train.loc[train["iso3"] == iso3, "fiscal_year"])
        f_all = fund.loc[fund["iso3"] == iso3, "fiscal_year"]
        f_years = {int(y) for y in f_all if first <= y <= last}
        rows.append(
            {
                "country_name": name,
                "years_in_records": len({y for y in t_years if first <= y <= last}),
                "years_with_money": len(f_years),
                "last_money": int(f_all.max()) if len(f_all) else None,
                "first_fy": first,
                "last_fy": last,
            }
        )
    out = pd.DataFrame(rows)
    return out.astype({"last_money": "Int64"})


def _absence(row: pd.Series) -> str:
    if pd.isna(row["last_money"]):
        return f"{row['country_name']} has neither, in any year"
    return (
        f"{row['country_name']} has neither (its last IMET money on record is "
        f"FY{row['last_money']})"
    )


def countries_take_part(
    claims: pd.DataFrame, training: pd.DataFrame, funding: pd.DataFrame
) -> Finding:
    """C03: the countries the claim names are eligible, read as: they take part in IMET."""
    named = countries_named(budget.claim_text(claims, "C03"))
    if not named:
        raise DataError("claims: C03 names no country")
    part = participation(training, funding, named)
    takes = (part["years_in_records"] > 0) | (part["years_with_money"] > 0)
    span = f"FY{part['first_fy'].iloc[0]}\u2013FY{part['last_fy'].iloc[0]}"
    verdict = SUPPORTED if takes.all() else PARTLY if takes.any() else UNVERIFIED
    reason = (
        f"{_and_join(list(part.loc[takes, 'country_name']))} "
        f"{'has' if takes.sum() == 1 else 'have'} IMET course records or IMET money in {span}"
        if takes.any()
        else f"None of them has IMET course records or IMET money in {span}"
    )
    absent = [_absence(r) for _, r in part[~takes].iterrows()]
    reason += ("; " + "; ".join(absent) if absent and takes.any() else "") + "."
    figures = _figures(
        (
            f"{r.country_name}, {span}",
            f"IMET course records in {r.years_in_records} years; IMET money in "
            f"{r.years_with_money} years",
        )
        for r in part.itertuples()
    )
    facts = {
        "span": span,
        "taking_part": _and_join(list(part.loc[takes, "country_name"])) or "none",
        "absent": _and_join(list(part.loc[~takes, "country_name"])) or "none",
    }
    return Finding("C03", verdict, reason, figures, facts)


# --- C04: rival officers in the same class --------------------------------------------------

# The rival pair of the article's title and of the classmates chapter.
RIVALS: tuple[str, ...] = ("India", "Pakistan")


def rivals_share_classes(
    claims: pd.DataFrame, training: pd.DataFrame, rivals: Sequence[str] = RIVALS
) -> Finding:
    """C04: officers of the rival nations take the same course: shared IMET classes."""
    budget.claim_text(claims, "C04")
    result = cm.shared_classes_for(training, list(rivals))
    q = result.query
    kinds = result.classes["match"].value_counts()
    n_class, n_loose = int(kinds.get("class", 0)), int(kinds.get("course-year", 0))
    span = f"FY{q.fy_start}\u2013FY{q.fy_end}"
    who = _and_join(list(q.countries))
    verdict = SUPPORTED if n_class else PARTLY if n_loose else UNVERIFIED
    years = budget.year_ranges(result.classes["fiscal_year"], "FY")
    rows = [
        ("IMET classes with the same course, place and overlapping dates", f"{n_class:,}"),
        ("Same course in the same year, dates not printed", f"{n_loose:,}"),
        ("Fiscal years with a shared class", years),
    ]
    facts = {"countries": who, "span": span, "n_class": f"{n_class:,}", "n_loose": f"{n_loose:,}"}
    example = cm.example_class(result)
    if example is None:
        reason = (
            f"The course records for {span} list no IMET class shared by officers of {who}; "
            "they cannot show that none took place."
        )
        return Finding("C04", verdict, reason, _figures(rows), facts)
    ex = result.classes.set_index("class_id").loc[example]
    where = ex["place"] if isinstance(ex["place"], str) else "a place not printed"
    rows.append(
        (
            "Example",
            f"{ex['course_title']} at {where}, FY{ex['fiscal_year']} ({ex['pages']})",
        )
    )
    reason = (
        f"The course records for {span} list {_plural(n_class, 'IMET class', 'IMET classes')} "
        f"with officers of {who} on the same course at the same place and time"
        + (f", and {n_loose:,} weaker same-course, same-year matches" if n_loose else "")
        + f", e.g. {ex['course_title']}, FY{ex['fiscal_year']}."
    )
    return Finding("C04", verdict, reason, _figures(rows), facts)


# --- C10: a country's global rank -----------------------------------------------------------


def funding_span(funding: pd.DataFrame) -> tuple[int, int]:
    """First and last fiscal year of any figure in the funding table."""
    years = funding["fiscal_year"].dropna()
    if years.empty:
        raise DataError("funding: no fiscal years")
    return int(years.min()), int(years.max())


def rank_verdicts(ranks: pd.DataFrame, target: int) -> pd.DataFrame:
    """Per measure and fiscal year of a :func:`budget.country_rank` table, the claim's verdict
    for that year: supported at rank ``target``, contradicted at any other rank, unverified
    without a rank (no figure, or sources disagree)."""
    out = ranks[["measure", "fiscal_year", "rank", "n_ranked", "status"]].copy()
    verdict = pd.Series(UNVERIFIED, index=out.index, dtype="str")
    ranked = out["rank"].notna()
    verdict[ranked] = CONTRADICTED
    verdict[ranked & (out["rank"] == target)] = SUPPORTED
    out["verdict"] = verdict
    return out.reset_index(drop=True)


def rank_verdict(summary: pd.DataFrame, target: int) -> str:
    """Overall verdict from :func:`budget.rank_summary`: supported when every measure's latest
    rank is ``target``; partly when some year of some measure is; contradicted when none is;
    unverified when no year is ranked."""
    ranked = summary[summary["last_rank"].notna()]
    if ranked.empty:
        return UNVERIFIED
    if (ranked["last_rank"] == target).all():
        return SUPPORTED
    return PARTLY if (ranked["years_at_target"] != "none").any() else CONTRADICTED


def _years_at(ranks: pd.DataFrame, target: int) -> dict[str, list[int]]:
    """Per measure of a :func:`budget.country_rank` table, the fiscal years at rank ``target``."""
    hit = ranks[ranks["rank"].notna() & (ranks["rank"] == target)]
    return {
        str(m): sorted(int(y) for y in grp["fiscal_year"])
        for m, grp in hit.groupby("measure", sort=False)
    }


def last_run(years: Iterable[int]) -> str:
    """The last run of consecutive years, as "FY2013\u2013FY2016" (or "FY2001")."""
    ys = sorted({int(y) for y in years})
    if not ys:
        return "none"
    start = ys[-1]
    while start - 1 in ys:
        start -= 1
    return budget.year_ranges(range(start, ys[-1] + 1), "FY")


def _latest_rank(rec: pd.Series) -> str:
    return (
        f"{ordinal(int(rec['last_rank']))} of {rec['last_n_ranked']:,} by "
        f"{budget.label(rec['measure'])} in FY{rec['last_year']}"
    )


def global_rank(claims: pd.DataFrame, funding: pd.DataFrame) -> Finding:
    """C10: the country named currently has the rank the claim names (e.g. third-largest)."""
    text = budget.claim_text(claims, "C10")
    country, target = _one_country(text, "C10"), budget.ordinal_rank(text)
    ranks = budget.country_rank(funding, country, *funding_span(funding))
    summary = budget.rank_summary(ranks, target)
    verdict = rank_verdict(summary, target)
    ranked = summary[summary["last_rank"].notna()]
    if ranked.empty:
        reason = f"No source in the funding table ranks {country} in any year."
        return Finding("C10", verdict, reason, _figures([]), {"target": ordinal(target)})
    at = ranked[ranked["last_rank"] == target]
    off = ranked[ranked["last_rank"] != target]
    parts = [_and_join([_latest_rank(r) for _, r in grp.iterrows()]) for grp in (at, off)]
    reason = f"{country}'s latest global rank is " + (
        f"{parts[0]}, but {parts[1]}" if len(at) and len(off) else parts[0] or parts[1]
    )
    earlier = [
        f"{ordinal(target)} by {budget.label(m)} in {last_run(years)}"
        for m, years in _years_at(ranks, target).items()
        if m in set(off["measure"])
    ]
    if earlier:
        reason += "; it was last " + _and_join(earlier)
    figures = _figures(
        (
            f"{budget.label(r['measure'])}: years at rank {target}",
            f"{r['years_at_target']} (ranked in {r['years_ranked']}; latest: "
            f"{ordinal(int(r['last_rank']))} of {r['last_n_ranked']:,} in FY{r['last_year']})",
        )
        for _, r in ranked.iterrows()
    )
    runs = _years_at(ranks, target)
    facts = {
        "target": ordinal(target),
        "latest": _and_join([_latest_rank(r) for _, r in ranked.iterrows()]),
        "latest_at_target": parts[0] or "none",
        "latest_elsewhere": parts[1] or "none",
        "last_at_target": _and_join(
            [f"by {budget.label(m)} in {last_run(ys)}" for m, ys in runs.items()]
        )
        or "never",
    }
    return Finding("C10", verdict, reason + ".", figures, facts)


# --- C11: a yearly amount, every year since a year -------------------------------------------

# Figures that say money was given or committed (eligibility.MONEY_MEASURES): requests and
# estimates are intentions, and the training value is a value of courses, not a fund.
RECEIVED_MEASURES: tuple[str, ...] = eligibility.MONEY_MEASURES
YEAR_STATUSES: tuple[str, ...] = ("at or above", "below", "no figure")


def money_years(table: pd.DataFrame) -> pd.DataFrame:
    """One status per fiscal year of a :func:`budget.yearly_vs_threshold` table: "below" if any
    measure is below, "at or above" if at least one figure and none below, else "no figure"
    (no measure has a figure, or its sources disagree). ``below`` lists the figures below."""
    rows = []
    for fy, grp in table.groupby("fiscal_year", sort=True):
        low = grp[grp["status"] == "below"]
        if len(low):
            status = "below"
        elif (grp["status"] == "at or above").any():
            status = "at or above"
        else:
            status = "no figure"
        listed = [
            f"{budget.label(m)}: {budget.usd(a)}"
            for m, a in zip(low["measure"], low["amount_usd"], strict=True)
        ]
        rows.append({"fiscal_year": int(fy), "status": status, "below": "; ".join(listed)})
    return pd.DataFrame(rows, columns=["fiscal_year", "status", "below"])


def every_year_verdict(years: pd.DataFrame) -> str:
    """Supported when every year is at or above; partly when some are and others are below or
    have no figure; contradicted when none is and some are below; unverified with no figure."""
    status = set(years["status"])
    if not status or status == {"no figure"}:
        return UNVERIFIED
    if status == {"at or above"}:
        return SUPPORTED
    return PARTLY if "at or above" in status else CONTRADICTED


def last_money_year(funding: pd.DataFrame, measures: Sequence[str] = RECEIVED_MEASURES) -> int:
    """The last fiscal year in which any country has a figure of ``measures``."""
    rows = funding[(funding["scope"] == "country") & funding["measure"].isin(list(measures))]
    if rows.empty:
        raise DataError(f"funding: no country figure of {', '.join(measures)}")
    return int(rows["fiscal_year"].max())


def _every_year_reason(country: str, years: pd.DataFrame, threshold: float, labels: str) -> str:
    parts = []
    for status, words in (("at or above", "at or above"), ("below", "below")):
        picked = years[years["status"] == status]
        if len(picked):
            parts.append(f"{words} {budget.usd_short(threshold)} in ")
            parts[-1] += budget.year_ranges(picked["fiscal_year"], "FY")
            if status == "below":
                parts[-1] += " (" + "; ".join(picked["below"]) + ")"
    gaps = years.loc[years["status"] == "no figure", "fiscal_year"]
    if len(gaps):
        parts.append(f"without a figure in {budget.year_ranges(gaps, 'FY')}")
    return f"{country}'s IMET money ({labels}) was " + _and_join(parts) + "."


def yearly_amount(
    claims: pd.DataFrame,
    funding: pd.DataFrame,
    threshold_usd: float | None = None,
    since_fy: int | None = None,
) -> Finding:
    """C11: the country named received the amount named every year since the year named.

    Every fiscal year from ``since_fy`` (default: the claim's "since <year>") to the last year
    with any country's money figure is checked against ``threshold_usd`` (default: the claim's
    amount), by each of :data:`RECEIVED_MEASURES` that has a figure for the country.
    """
    text = budget.claim_text(claims, "C11")
    country = _one_country(text, "C11")
    threshold = budget.dollar_amount(text) if threshold_usd is None else float(threshold_usd)
    since = budget.since_year(text) if since_fy is None else int(since_fy)
    last = last_money_year(funding)
    if since > last:
        raise ParameterError(f"since_fy {since} is after the last year with a figure, {last}")
    table = budget.yearly_vs_threshold(funding, country, threshold, since, last)
    table = table[table["measure"].isin(RECEIVED_MEASURES)]
    years = money_years(table)
    if years.empty:  # no money measure at all: every year is a gap
        years = pd.DataFrame(
            {"fiscal_year": range(since, last + 1), "status": "no figure", "below": ""}
        )
    measures = [m for m in budget.CHAIN if m in set(table["measure"])]
    labels = ", ".join(budget.label(m) for m in measures) or "no measure"
    reason = _every_year_reason(country, years, threshold, labels)
    figures = _figures(
        [(budget.label(m), budget.threshold_sentence(table, m)) for m in measures]
        + [(f"Fiscal years checked (from the claim's {since})", f"FY{since}\u2013FY{last}")]
    )
    facts = {
        "country": country,
        "threshold": budget.usd_short(threshold),
        "since": f"FY{since}",
        "checked": f"FY{since}\u2013FY{last}",
    }
    for status in YEAR_STATUSES:
        picked = years.loc[years["status"] == status, "fiscal_year"]
        facts[f"years_{status.replace(' ', '_')}"] = budget.year_ranges(picked, "FY")
    return Finding("C11", every_year_verdict(years), reason, figures, facts)


# --- C13: a region's request ----------------------------------------------------------------


def region_requests(funding: pd.DataFrame, region: str) -> pd.DataFrame:
    """The region's own request rows (``fiscal_year``, ``region_row_usd``, source), by year."""
    totals = budget.regional_totals(funding, region, measures=["request"])
    rows = totals[totals["region_row_usd"].notna()]
    return rows[["fiscal_year", "region_row_usd", "region_row_source"]].reset_index(drop=True)


def request_amount(claims: pd.DataFrame, funding: pd.DataFrame) -> Finding:
    """C13: the US requested the amount named for the region named (in some fiscal year)."""
    text = budget.claim_text(claims, "C13")
    asked, unit = budget.dollar_amount(text), stated_unit(text)
    region = region_named(text, budget.regions(funding))
    rows = region_requests(funding, region)
    same = (rows["region_row_usd"] - asked).abs() <= unit / 2
    said = budget.usd_short(asked)
    others = "; ".join(
        f"FY{y}: {budget.usd_short(v)}"
        for y, v in zip(
            rows.loc[~same, "fiscal_year"], rows.loc[~same, "region_row_usd"], strict=True
        )
    )
    if same.any():
        verdict = SUPPORTED
        reason = (
            f"The IMET request for {region} was {said} in "
            f"{budget.year_ranges(rows.loc[same, 'fiscal_year'], 'FY')}"
            + (f"; the other requests on record are {others}" if others else "")
            + "."
        )
    elif len(rows):
        verdict = PARTLY
        reason = (
            f"The US did request IMET for {region}, but no request on record is {said}: {others}."
        )
    else:
        verdict = UNVERIFIED
        reason = f"No source in the funding table gives a request for {region} as a whole."
    figures = _figures(
        (
            f"FY{r.fiscal_year} request, {region}",
            f"{budget.usd(r.region_row_usd)}" + (" (the article's figure)" if ok else ""),
        )
        for r, ok in zip(rows.itertuples(), same, strict=True)
    )
    facts = {
        "amount": said,
        "region": region,
        "years_match": budget.year_ranges(rows.loc[same, "fiscal_year"], "FY"),
    }
    return Finding("C13", verdict, reason, figures, facts)


# --- C16 and C19: the suspension and the resumption ------------------------------------------


def _latest_episode(text: str, claim_id: str, events: pd.DataFrame):
    country = _one_country(text, claim_id)
    return country, tl.suspension_to_resumption(events, countries.to_iso3(country))


def _months(span: tuple[int, int]) -> str:
    return tl.format_months(span)


def suspension_month(claims: pd.DataFrame, events: pd.DataFrame) -> Finding:
    """C16: the IMET suspension came in the month named, months after an earlier suspension.

    Read against the country's latest closed episode (:func:`timeline.suspension_to_resumption`):
    its last opening event is the suspension the later resumption lifted, its first the one
    that came before.
    """
    text = budget.claim_text(claims, "C16")
    country, summary = _latest_episode(text, "C16", events)
    month = month_named(text)
    said = pd.Timestamp(f"{month}-01").strftime("%B %Y")
    if summary is None:
        reason = f"{country}'s timeline has no suspension that a resumption closed."
        return Finding("C16", UNVERIFIED, reason, _figures([]))
    last, first = summary.last_opener, summary.first_opener
    m0, m1, _ = tl.date_bounds(month)
    in_month = m0 <= last["date_start"] and last["date_end"] <= m1
    gap = (
        None
        if last["event_id"] == first["event_id"]
        else tl.months_between(first["date"], last["date"])
    )
    rows = [(f"Last suspension before the resumption ({last['category']})", str(last["date"]))]
    if gap is not None:
        rows.append((f"Earlier opening event ({first['category']})", str(first["date"])))
        rows.append(("Months between them", _months(gap)))
    if not in_month:
        verdict = CONTRADICTED
    else:
        verdict = SUPPORTED if gap is not None and gap[0] >= 2 else PARTLY
    reason = (
        f"{country}'s timeline puts the last {last['category']} before the resumption on "
        f"{last['date']} ({'in' if in_month else 'not in'} {said})"
        + (
            f", {_months(gap)} after the {first['category']} of {first['date']}"
            if gap is not None
            else ", with no earlier suspension in the same episode"
        )
        + "."
    )
    facts = {
        "country": country,
        "month": said,
        "date": str(last["date"]),
        "months_after": _months(gap) if gap is not None else "none",
    }
    return Finding("C16", verdict, reason, _figures(rows), facts)


YEAR_MONTHS = 12  # "more than a year", in whole months


def resumption_delay(claims: pd.DataFrame, events: pd.DataFrame) -> Finding:
    """C19: the resumption came more than a year after the suspension.

    Months are counted as :func:`timeline.months_between` does, (fewest, most) whole months
    given each date's precision: more than :data:`YEAR_MONTHS` for certain is supported, fewer
    for certain contradicted, a range straddling a year partly supported.
    """
    text = budget.claim_text(claims, "C19")
    country, summary = _latest_episode(text, "C19", events)
    if summary is None:
        reason = f"{country}'s timeline has no suspension that a resumption closed."
        return Finding("C19", UNVERIFIED, reason, _figures([]))
    low, high = summary.months_last_to_close
    verdict = SUPPORTED if low > YEAR_MONTHS else CONTRADICTED if high < YEAR_MONTHS else PARTLY
    opener, closer, final = summary.last_opener, summary.closer, summary.last_resumption
    reason = (
        f"{country}'s timeline puts the resumption ({closer['date']}) "
        f"{_months(summary.months_last_to_close)} after the suspension ({opener['date']})"
    )
    rows = [
        (f"Suspension ({opener['category']})", str(opener["date"])),
        ("Resumption announced", str(closer["date"])),
        ("Months from suspension to resumption", _months(summary.months_last_to_close)),
    ]
    if final["event_id"] != closer["event_id"]:
        span = _months(summary.months_last_to_last_resumption)
        reason += f"; the later resumption ({final['date']}) came {span} after it"
        rows.append((f"Months to the later resumption ({final['date']})", span))
    facts = {
        "country": country,
        "suspension": str(opener["date"]),
        "resumption": str(closer["date"]),
        "months": _months(summary.months_last_to_close),
    }
    return Finding("C19", verdict, reason + ".", _figures(rows), facts)


# --- all claims -------------------------------------------------------------------------------

# The claims the tables decide; compute_all returns one finding for each, in this order.
COMPUTED_CLAIMS: tuple[str, ...] = ("C02", "C03", "C04", "C10", "C11", "C13", "C16", "C19")


def compute_all(
    claims: pd.DataFrame,
    training: pd.DataFrame,
    funding: pd.DataFrame,
    events: pd.DataFrame,
    threshold_usd: float | None = None,
    since_fy: int | None = None,
) -> list[Finding]:
    """Every computed verdict, in claim order (see the module doc for which claims)."""
    calls: dict[str, Callable[[], Finding]] = {
        "C02": lambda: war_colleges(claims, training),
        "C03": lambda: countries_take_part(claims, training, funding),
        "C04": lambda: rivals_share_classes(claims, training),
        "C10": lambda: global_rank(claims, funding),
        "C11": lambda: yearly_amount(claims, funding, threshold_usd, since_fy),
        "C13": lambda: request_amount(claims, funding),
        "C16": lambda: suspension_month(claims, events),
        "C19": lambda: resumption_delay(claims, events),
    }
    if tuple(sorted(calls)) != COMPUTED_CLAIMS:  # one list, so links and counts cannot drift
        raise DataError("claims: compute_all and COMPUTED_CLAIMS name different claims")
    return [calls[cid]() for cid in COMPUTED_CLAIMS]


TABLE_COLUMNS: tuple[str, ...] = (
    "claim_id",
    "claim",
    "verdict",
    "basis",
    "why",
    "sourced_verdict",
    "differs",
    "evidence_found",
    "source_title",
    "source_url",
    "evidence_target",
    "evidence_label",
)


def verdict_table(claims: pd.DataFrame, findings: Sequence[Finding]) -> pd.DataFrame:
    """Every claim with one verdict: computed where a finding exists, else the sourced one.

    ``why`` is the computed reason or the sourced evidence; ``sourced_verdict`` and
    ``evidence_found`` always keep the claims table's own, and ``differs`` is True where a
    computed verdict differs from it. Sorted by claim id.
    """
    schema.validate(claims, schema.CLAIMS)
    by_id = {f.claim_id: f for f in findings}
    unknown = sorted(set(by_id) - set(claims["claim_id"]))
    if unknown:
        raise DataError(f"claims: findings for unknown claim(s) {', '.join(unknown)}")
    rows = []
    for rec in claims.sort_values("claim_id").itertuples():
        found = by_id.get(rec.claim_id)
        link = EVIDENCE.get(rec.claim_id) if found else None
        rows.append(
            {
                "claim_id": rec.claim_id,
                "claim": rec.claim,
                "verdict": found.verdict if found else rec.verdict,
                "basis": COMPUTED if found else SOURCED,
                "why": found.reason if found else rec.evidence_found,
                "sourced_verdict": rec.verdict,
                "differs": bool(found and found.verdict != rec.verdict),
                "evidence_found": rec.evidence_found,
                "source_title": rec.source_title,
                "source_url": rec.source_url,
                "evidence_target": link.target if link else None,
                "evidence_label": link.label if link else None,
            }
        )
    out = pd.DataFrame(rows, columns=list(TABLE_COLUMNS))
    for col in TABLE_COLUMNS:
        if col != "differs":
            out[col] = out[col].astype("str")
    return out


def verdict_counts(table: pd.DataFrame) -> pd.DataFrame:
    """Claims per verdict (scale order), computed and sourced, and in all."""
    rows = []
    for verdict in VERDICTS:
        mine = table[table["verdict"] == verdict]
        computed = int((mine["basis"] == COMPUTED).sum())
        rows.append(
            {
                "verdict": verdict,
                "computed": computed,
                "sourced": len(mine) - computed,
                "total": len(mine),
            }
        )
    return pd.DataFrame(rows, columns=["verdict", "computed", "sourced", "total"])


def differences(table: pd.DataFrame) -> pd.DataFrame:
    """The computed verdicts that differ from the claims table's, both verdicts and reasons."""
    diff = table[table["differs"]]
    return pd.DataFrame(
        {
            "claim": diff["claim_id"].to_numpy(),
            "computed verdict": diff["verdict"].to_numpy(),
            "from the records": diff["why"].to_numpy(),
            "claims table verdict": diff["sourced_verdict"].to_numpy(),
            "claims table evidence": diff["evidence_found"].to_numpy(),
        }
    )


# --- Markdown for the chapter --------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|$~{}#])")


def md_text(text: object) -> str:
    """Plain text safe inside a Markdown table cell: one line, Markdown characters escaped
    (``$`` too, which MyST's dollar math would otherwise read as maths)."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def md_link(label: str, target: str) -> str:
    """``[label](<target>)`` with the label escaped (the target may hold any character but
    angle brackets and newlines)."""
    if any(c in target for c in "<>\n"):
        raise DataError(f"link target {target!r} cannot be written as a Markdown link")
    return f"[{md_text(label)}](<{target}>)"


def html_link(label: str, url: str) -> str:
    """An external link as inline HTML, for a Markdown table cell.

    MyST-Parser escapes the ``&`` of a Markdown link's query string twice (``&amp;amp;``,
    executablebooks/MyST-Parser#760, #1116), which breaks links such as the US Code's; raw
    HTML passes through once-escaped. Pipes are encoded so they cannot end the cell.
    """
    href = html.escape(url.strip(), quote=True).replace("|", "%7C")
    text = html.escape(" ".join(label.split())).replace("|", "&#124;")
    return f'<a href="{href}">{text}</a>'


def _verdict_cell(rec: pd.Series) -> str:
    cell = f"**{rec['verdict']}**"
    if rec["differs"]:
        cell += f" (claims table: {rec['sourced_verdict']})"
    return cell


def _evidence_cell(rec: pd.Series) -> str:
    if rec["basis"] == COMPUTED:
        return md_link(rec["evidence_label"], rec["evidence_target"])
    url = rec["source_url"]
    if not isinstance(url, str) or not url.strip():  # a source named without an address
        return md_text(rec["source_title"])
    return html_link(rec["source_title"], url)


def markdown_table(table: pd.DataFrame) -> str:
    """:func:`verdict_table` as a Markdown table: claim, the article's words, verdict (with
    the claims table's where it differs), basis, why, and where the evidence is: a Markdown
    link to a chapter section for a computed verdict (the strict book build checks it), the
    source's address for a sourced one."""
    head = "| Claim | The article says | Verdict | Basis | Why | Evidence |"
    lines = [head, "|---|---|---|---|---|---|"]
    for _, rec in table.iterrows():
        cells = [
            md_text(rec["claim_id"]),
            "\u201c" + md_text(rec["claim"]) + "\u201d",
            _verdict_cell(rec),
            rec["basis"],
            md_text(rec["why"]),
            _evidence_cell(rec),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def headline(table: pd.DataFrame) -> dict[str, str]:
    """The strings the chapter (and the introduction) glue: counts, formatted."""
    counts = verdict_counts(table).set_index("verdict")
    computed = table[table["basis"] == COMPUTED]
    out = {
        "n_claims": f"{len(table):,}",
        "n_computed": f"{len(computed):,}",
        "n_sourced": f"{len(table) - len(computed):,}",
        "n_differ": f"{int(table['differs'].sum()):,}",
    }
    for verdict in VERDICTS:
        key = verdict.replace("partly supported", "partly").replace(" ", "_")
        out[f"n_{key}"] = f"{counts.loc[verdict, 'total']:,}"
        out[f"n_computed_{key}"] = f"{counts.loc[verdict, 'computed']:,}"
    return out
