"""What the article got right, claim by claim: verdicts computed from the book's own tables.

The ``claims`` table (contract :data:`imetbook.data.schema.CLAIMS`) quotes the article's checkable
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
:data:`imetbook.data.schema.VERDICTS`, read the same way for every claim:

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

from imetbook.analysis import budget, classrooms, courses, eligibility
from imetbook.analysis import classmates as cm
from imetbook.analysis import timeline as tl
from imetbook.chapters import params, tables
from imetbook.data import countries, schema
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

    @property
    def reason_md(self) -> str:
        """:attr:`reason` as Markdown that reads as the same text: it quotes data (a course
        title, a place), which must never be read as markup (:func:`md_text`)."""
        return md_text(self.reason)


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
    "C05": Evidence(
        "claims.ipynb",
        "nationalities-in-a-war-college-class",
        "Claims: nationalities in a war-college class",
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
    "C14": Evidence(
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


# "Currently", in an article of 2021 (its text places it there; the exact date is not known):
# the fiscal years nearest it, FY2021 being the year under way and FY2019-FY2020 the last
# years whose money was spent.
NEAR_ARTICLE: tuple[int, int] = (2019, 2021)


def measures_near(funding: pd.DataFrame, window: tuple[int, int] = NEAR_ARTICLE) -> pd.DataFrame:
    """Per money measure, how many countries have a figure of their own in ``window``
    (measures with none are listed with 0): which measures exist for those years at all."""
    own = funding[
        funding["scope"].eq("country")
        & funding["iso3"].notna()
        & funding["fiscal_year"].between(*window)
        & ~funding["measure"].eq("training_value")
    ]
    counts = own.groupby("measure")["iso3"].nunique()
    rows = [(m, int(counts.get(m, 0))) for m in budget.CHAIN if m != "training_value"]
    return pd.DataFrame(rows, columns=["measure", "countries"])


def _near_words(present: pd.DataFrame, window: tuple[int, int]) -> str:
    have = present[present["countries"] > 0]
    none = present[present["countries"] == 0]
    span = f"FY{window[0]}\u2013FY{window[1]}"
    text = f"For {span}, the years nearest the article, the sources give " + (
        _and_join(
            [
                f"{budget.label(m)} figures ({_plural(int(n), 'country', 'countries')})"
                for m, n in zip(have["measure"], have["countries"], strict=True)
            ]
        )
        if len(have)
        else "no money figure for any country"
    )
    if len(none):
        text += f" and no {_and_join([budget.label(m) for m in none['measure']])} figure"
    return text


def global_rank(
    claims: pd.DataFrame, funding: pd.DataFrame, window: tuple[int, int] = NEAR_ARTICLE
) -> Finding:
    """C10: the country named currently has the rank the claim names (e.g. third-largest),
    judged on the fiscal years nearest the article (``window``), per measure."""
    text = budget.claim_text(claims, "C10")
    country, target = _one_country(text, "C10"), budget.ordinal_rank(text)
    present = measures_near(funding, window)
    near = _near_words(present, window)
    ranks = budget.country_rank(funding, country, *window)
    summary = budget.rank_summary(ranks, target)
    verdict = rank_verdict(summary, target)
    ranked = summary[summary["last_rank"].notna()]
    facts = {"target": ordinal(target), "window": f"FY{window[0]}\u2013FY{window[1]}"}
    facts["measures_near"] = near
    if ranked.empty:
        reason = f"{near}; none of them ranks {country}."
        facts.update(latest="none", latest_at_target="none", latest_elsewhere="none")
        facts["last_at_target"] = "never"
        return Finding("C10", verdict, reason, _figures([]), facts)
    at = ranked[ranked["last_rank"] == target]
    off = ranked[ranked["last_rank"] != target]
    parts = [_and_join([_latest_rank(r) for _, r in grp.iterrows()]) for grp in (at, off)]
    yearly = ranks[ranks["rank"].notna()].sort_values(["measure", "fiscal_year"])
    listed = _and_join(
        [
            f"{ordinal(int(r['rank']))} of {int(r['n_ranked']):,} by {budget.label(r['measure'])} "
            f"in FY{int(r['fiscal_year'])}"
            for _, r in yearly.iterrows()
        ]
    )
    reason = f"{near}. {country} is {listed}"
    first, last = funding_span(funding)
    earlier = _years_at(budget.country_rank(funding, country, first, last), target)
    before = [
        f"{ordinal(target)} by {budget.label(m)} in {last_run(ys)}"
        for m, ys in earlier.items()
        if max(ys) < window[0]
    ]
    if before:
        reason += f"; it was {_and_join(before)}, before the years judged"
    figures = _figures(
        [
            (f"FY{window[0]}\u2013FY{window[1]}: measures with figures", near),
            *(
                (
                    f"{budget.label(r['measure'])}, FY{int(r['fiscal_year'])}",
                    f"{ordinal(int(r['rank']))} of {int(r['n_ranked']):,}",
                )
                for _, r in yearly.iterrows()
            ),
        ]
    )
    runs = _years_at(ranks, target)
    facts.update(
        latest=_and_join([_latest_rank(r) for _, r in ranked.iterrows()]),
        latest_at_target=parts[0] or "none",
        latest_elsewhere=parts[1] or "none",
        last_at_target=_and_join(
            [f"by {budget.label(m)} in {last_run(ys)}" for m, ys in runs.items()]
        )
        or "never",
        earlier=_and_join(before) or "never",
    )
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


def request_matches(claims: pd.DataFrame, funding: pd.DataFrame) -> tuple[str, float, pd.DataFrame]:
    """C13's region, the amount it names, and the region's request rows with ``matches``: the
    request equals the amount to the precision the claim states it (``$13.8 million``: within
    $50,000). The one place the claim's amount is compared; the budget chapter shows it."""
    text = budget.claim_text(claims, "C13")
    asked, unit = budget.dollar_amount(text), stated_unit(text)
    region = region_named(text, budget.regions(funding))
    rows = region_requests(funding, region)
    rows["matches"] = (rows["region_row_usd"] - asked).abs() <= unit / 2
    return region, asked, rows


def request_amount(claims: pd.DataFrame, funding: pd.DataFrame) -> Finding:
    """C13: the US requested the amount named for the region named (in some fiscal year)."""
    region, asked, rows = request_matches(claims, funding)
    same = rows["matches"]
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


# --- C05: nationalities in a war-college class -------------------------------------------------

# The claim's "Indians, Israelis, Europeans", as countries and a State regional bureau: the
# claims table writes nationalities, which the country vocabulary does not read.
C05_COUNTRIES: tuple[str, ...] = ("India", "Israel")
C05_BUREAU = "Europe and Eurasia"
_NATIONALITIES = re.compile(r"\b(\d+)\s+nationalities\b", re.IGNORECASE)


def nationalities_named(text: str) -> int:
    """The number of nationalities a claim names ("people of 25 nationalities" -> 25)."""
    match = _NATIONALITIES.search(text)
    if match is None:
        raise DataError(f"claims: no number of nationalities in {text!r}")
    return int(match.group(1))


def _with_europeans(classes: pd.DataFrame, funding: pd.DataFrame) -> pd.Series:
    europe = {c for c, b in eligibility.bureaus(funding).items() if b == C05_BUREAU}
    codes = (
        classes["countries"]
        .str.split("; ")
        .map(lambda names: {countries.to_iso3(n) for n in names})
    )
    return codes.map(lambda c: bool(c & europe))


def war_college_nationalities(
    claims: pd.DataFrame, training: pd.DataFrame, funding: pd.DataFrame
) -> Finding:
    """C05: a war-college class of the number of nationalities named, Indians, Israelis and
    Europeans among them (all programs; counts are lower bounds, NATO members being left out
    of the reports by law)."""
    need = nationalities_named(budget.claim_text(claims, "C05"))
    classes = classrooms.war_college_classes(training)
    big = classes[classes["n_countries"].ge(need)]
    named = classrooms.classes_with(classes, C05_COUNTRIES, need)
    full = named[_with_europeans(named, funding)] if len(named) else named
    who = _and_join(list(C05_COUNTRIES))
    years = budget.year_ranges(full["fiscal_year"], "FY")
    if len(full):
        verdict = SUPPORTED
    elif len(named) or len(big):
        verdict = PARTLY
    else:
        verdict = UNVERIFIED
    largest = classes.sort_values(["n_countries", "class_id"], ascending=[False, True])
    top = largest.iloc[0] if len(largest) else None
    reason = (
        "The course records list "
        + _plural(len(classes), "war-college class", "war-college classes")
        + " shared by officers of two or more countries (all programs); "
        f"{len(big):,} had officers of {need} or more countries, {len(named):,} of them with "
        f"officers of {who}"
        + (f", and {len(full):,} with a European country too ({years})" if len(full) else "")
    )
    if top is not None:
        reason += (
            f"; the largest, {top['course_title']} of FY{int(top['fiscal_year'])}, had "
            f"{int(top['n_countries'])}"
        )
    reason += (
        ". The reports leave out NATO members, Australia, Japan and New Zealand, so these "
        "are lower bounds; the course the anecdote describes is not known."
    )
    figures = _figures(
        [
            ("War-college classes with two or more countries", f"{len(classes):,}"),
            (f"... with {need} or more countries", f"{len(big):,}"),
            (f"... and officers of {who}", f"{len(named):,}"),
            ("... and a European country as well", f"{len(full):,} ({years})"),
        ]
    )
    facts = {
        "need": str(need),
        "n_classes": f"{len(classes):,}",
        "n_big": f"{len(big):,}",
        "n_named": f"{len(named):,}",
        "n_full": f"{len(full):,}",
        "most": "none" if top is None else str(int(top["n_countries"])),
    }
    return Finding("C05", verdict, reason, figures, facts)


# --- C14: the countries of prime importance ------------------------------------------------------


def priority_requests(claims: pd.DataFrame, funding: pd.DataFrame) -> tuple[int, pd.DataFrame]:
    """The latest fiscal year with a country request for a country C14 names, and each named
    country's request that year with its sources (``amount_usd`` null where none is on
    record)."""
    named = countries_named(budget.claim_text(claims, "C14"))
    if not named:
        raise DataError("claims: C14 names no country")
    codes = [countries.to_iso3(n) for n in named]
    asked = funding[
        funding["measure"].eq("request")
        & funding["scope"].eq("country")
        & funding["iso3"].isin(codes)
    ]
    if asked.empty:
        return 0, pd.DataFrame({"country_name": named, "amount_usd": float("nan"), "sources": ""})
    year = int(asked["fiscal_year"].max())
    that = asked[asked["fiscal_year"].eq(year)]
    rows = []
    for name, code in zip(named, codes, strict=True):
        mine = that[that["iso3"].eq(code)]
        rows.append(
            {
                "country_name": name,
                "amount_usd": float(mine["amount_usd"].iloc[0]) if len(mine) else float("nan"),
                "sources": "; ".join(sorted(set(mine["source_title"]))),
            }
        )
    return year, pd.DataFrame(rows)


def priority_countries(claims: pd.DataFrame, funding: pd.DataFrame) -> Finding:
    """C14: the countries named are the region's priority recipients, read as: each of them has
    an IMET request of its own in the latest year the sources give country requests for."""
    year, rows = priority_requests(claims, funding)
    has = rows["amount_usd"].notna()
    verdict = SUPPORTED if has.all() else PARTLY if has.any() else UNVERIFIED
    with_request = _and_join(list(rows.loc[has, "country_name"])) or "none"
    without = _and_join(list(rows.loc[~has, "country_name"])) or "none"
    sources = _and_join(sorted({t for cell in rows["sources"] for t in cell.split("; ") if t}))
    reason = (
        f"The FY{year} request, as the news reports of it give it, names IMET money for "
        f"{with_request}, but none for {without}; the two reports disagree on which countries "
        f"are the priority (see the claims table's evidence). Sources: {sources}."
        if year and len(rows[~has])
        else f"The FY{year} request names IMET money for {with_request}. Sources: {sources}."
        if year
        else "No source gives an IMET request for any of the countries named."
    )
    figures = _figures(
        (
            f"FY{year} request, {r.country_name}",
            budget.usd(r.amount_usd) + f" ({r.sources})"
            if pd.notna(r.amount_usd)
            else "none on record",
        )
        for r in rows.itertuples()
    )
    facts = {"year": f"FY{year}", "with_request": with_request, "without": without}
    return Finding("C14", verdict, reason, figures, facts)


# --- the article's four countries in one class --------------------------------------------------

# The article's title and C03 name these four: pairs of them in one class, Israel with each
# of the two rivals (all programs: Israel has no IMET record), and Turkey, which the law keeps
# out of the reports.
ISRAEL_PAIRS: tuple[tuple[str, str], ...] = (("India", "Israel"), ("Pakistan", "Israel"))
EXEMPT_NAMED = "Turkey"
FOUR_COLUMNS = [
    "countries",
    "programs",
    "classes",
    "course-year matches",
    "war-college classes",
    "verdict",
    "war-college verdict",
    "example",
]


def _pair_verdict(classes: int, loose: int) -> str:
    return SUPPORTED if classes else PARTLY if loose else UNVERIFIED


def _example_text(example: pd.Series | None) -> str:
    if example is None:
        return "none"
    return (
        f"{example['course_title']}, {example['place']}, FY{int(example['fiscal_year'])} "
        f"({example['pages']})"
    )


def four_countries(training: pd.DataFrame) -> pd.DataFrame:
    """One row per pair of the article's countries the records can check (India and Pakistan
    under IMET, as C04; Israel with each under all programs), with verdicts overall and at the
    war colleges; and Turkey, which they cannot."""
    asks = [(tuple(RIVALS), "IMET"), *((pair, classrooms.ALL_PROGRAMS) for pair in ISRAEL_PAIRS)]
    rows = []
    for pair, programs in asks:
        found = classrooms.pair_summary(training, list(pair), programs)
        rows.append(
            {
                "countries": " and ".join(found.countries),
                "programs": "IMET" if programs == "IMET" else "all programs",
                "classes": found.classes,
                "course-year matches": found.course_years,
                "war-college classes": found.war_college_classes,
                "verdict": _pair_verdict(found.classes, found.course_years),
                "war-college verdict": _pair_verdict(
                    found.war_college_classes, found.war_college_course_years
                ),
                "example": _example_text(found.example),
            }
        )
    in_records = training["country_name"].eq(EXEMPT_NAMED).any()
    rows.append(
        {
            "countries": f"{EXEMPT_NAMED} and any other",
            "programs": "all programs",
            "classes": None,
            "course-year matches": None,
            "war-college classes": None,
            "verdict": UNVERIFIED,
            "war-college verdict": UNVERIFIED,
            "example": (
                "not checkable: the reports hold no record for it (22 U.S.C. 2416(a)(2) "
                "leaves NATO members out)"
                if not in_records
                else "in the records"
            ),
        }
    )
    out = pd.DataFrame(rows, columns=FOUR_COLUMNS)
    return out.astype(
        {c: "Int64" for c in ("classes", "course-year matches", "war-college classes")}
    )


def four_facts(table: pd.DataFrame) -> dict[str, str]:
    """Glue strings of :func:`four_countries`: per Israel pair (``isr_ind``, ``isr_pak``) its
    verdicts and counts, and Turkey's verdict."""
    out: dict[str, str] = {}
    for a, b in ISRAEL_PAIRS:
        rec = table[table["countries"].eq(f"{a} and {b}")].iloc[0]
        key = f"{countries.to_iso3(b).lower()}_{countries.to_iso3(a).lower()}"
        out[f"{key}_verdict"] = str(rec["verdict"])
        out[f"{key}_wc_verdict"] = str(rec["war-college verdict"])
        out[f"{key}_classes"] = f"{int(rec['classes']):,}"
        out[f"{key}_wc"] = f"{int(rec['war-college classes']):,}"
    out["turkey_verdict"] = str(table["verdict"].iloc[-1])
    return out


# --- all claims -------------------------------------------------------------------------------

# The claims the tables decide; compute_all returns one finding for each, in this order.
COMPUTED_CLAIMS: tuple[str, ...] = (
    "C02",
    "C03",
    "C04",
    "C05",
    "C10",
    "C11",
    "C13",
    "C14",
    "C16",
    "C19",
)


def compute_all(
    claims: pd.DataFrame,
    training: pd.DataFrame,
    funding: pd.DataFrame,
    events: pd.DataFrame,
    threshold_usd: float | None = None,
    since_fy: int | None = None,
) -> list[Finding]:
    """Every computed verdict, in claim order (see the module doc for which claims).

    Tertiary sources are never used: the funding rows of an encyclopedia page are dropped."""
    funding = budget.evidence_rows(funding)
    calls: dict[str, Callable[[], Finding]] = {
        "C02": lambda: war_colleges(claims, training),
        "C03": lambda: countries_take_part(claims, training, funding),
        "C04": lambda: rivals_share_classes(claims, training),
        "C05": lambda: war_college_nationalities(claims, training, funding),
        "C10": lambda: global_rank(claims, funding),
        "C11": lambda: yearly_amount(claims, funding, threshold_usd, since_fy),
        "C13": lambda: request_amount(claims, funding),
        "C14": lambda: priority_countries(claims, funding),
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


# The money claims the budget chapter shows, each with the verdict computed here.
MONEY_CLAIMS: tuple[str, ...] = ("C10", "C11", "C13", "C14")
MONEY_COLUMNS = ["claim", "the article says", "verdict", "why", "claims table verdict"]


def money_claims(claims: pd.DataFrame, funding: pd.DataFrame) -> pd.DataFrame:
    """The budget chapter's claims (:data:`MONEY_CLAIMS`) with their computed verdict and
    reason, the same as the claims chapter's, and the claims table's own verdict beside it."""
    funding = budget.evidence_rows(funding)
    findings = [
        global_rank(claims, funding),
        yearly_amount(claims, funding),
        request_amount(claims, funding),
        priority_countries(claims, funding),
    ]
    table = verdict_table(claims, findings)
    table = table[table["claim_id"].isin(MONEY_CLAIMS)]
    return pd.DataFrame(
        {
            "claim": table["claim_id"].to_numpy(),
            "the article says": table["claim"].to_numpy(),
            "verdict": table["verdict"].to_numpy(),
            "why": table["why"].to_numpy(),
            "claims table verdict": table["sourced_verdict"].to_numpy(),
        }
    )


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
    HTML passes through once-escaped. The label is escaped for HTML and then for Markdown
    (the text between the tags is still read as Markdown: a ``[text](address)`` in a title
    would become a link), so pipes cannot end the cell either. Only an ``http(s)`` address
    is linked (:func:`imetbook.chapters.tables.http_url`); any other is left out and the label stays
    plain text.
    """
    text = md_text(html.escape(str(label)))
    address = tables.http_url(url)
    if address is None:
        return text
    href = html.escape(address, quote=True).replace("|", "%7C")
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
