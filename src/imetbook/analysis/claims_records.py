"""Claims the course records and the timelines decide: the schools (C02), the countries taking
part (C03), rival officers in one class (C04), nationalities in a war-college class (C05), the
suspension's month (C16) and the months to the resumption (C19); and the article's four
countries in one class.

Each claim has one function that returns its :class:`~imetbook.analysis.verdicts.Finding`; it
reuses the other chapters' analysis (course families, participation, shared classes, the
timeline's episodes) rather than repeating it.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from imetbook import vocab
from imetbook.analysis import claim_words as words
from imetbook.analysis import classmates as cm
from imetbook.analysis import classrooms, courses, eligibility
from imetbook.analysis import timeline as tl
from imetbook.analysis.verdicts import (
    CONTRADICTED,
    PARTLY,
    SUPPORTED,
    UNVERIFIED,
    Finding,
    figures_table,
)
from imetbook.data import countries
from imetbook.errors import DataError
from imetbook.vocab import and_join, fy_runs, fy_span, plural

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
    words.claim_text(claims, "C02")
    at = school_attendance(training)
    diverse = at[at["countries"] >= 2]
    verdict = SUPPORTED if len(diverse) == len(at) else PARTLY if len(diverse) else UNVERIFIED
    parts = [
        f"{plural(int(r.countries), 'country', 'countries')} at the {r.school}"
        + (f" ({fy_span(r.first_fy, r.last_fy)})" if r.rows else "")
        for r in at.itertuples()
    ]
    reason = f"The course records list IMET students from {and_join(parts)}."
    figures = figures_table(
        (
            f"{r.school}: countries with IMET students",
            f"{r.countries:,} ({plural(int(r.rows), 'course row', 'course rows')})",
        )
        for r in at.itertuples()
    )
    facts = {"schools": and_join(parts)}
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
    named = words.countries_named(words.claim_text(claims, "C03"))
    if not named:
        raise DataError("claims: C03 names no country")
    part = participation(training, funding, named)
    takes = (part["years_in_records"] > 0) | (part["years_with_money"] > 0)
    span = fy_span(part["first_fy"].iloc[0], part["last_fy"].iloc[0])
    verdict = SUPPORTED if takes.all() else PARTLY if takes.any() else UNVERIFIED
    reason = (
        f"{and_join(list(part.loc[takes, 'country_name']))} "
        f"{'has' if takes.sum() == 1 else 'have'} IMET course records or IMET money in {span}"
        if takes.any()
        else f"None of them has IMET course records or IMET money in {span}"
    )
    absent = [_absence(r) for _, r in part[~takes].iterrows()]
    reason += ("; " + "; ".join(absent) if absent and takes.any() else "") + "."
    figures = figures_table(
        (
            f"{r.country_name}, {span}",
            f"IMET course records in {r.years_in_records} years; IMET money in "
            f"{r.years_with_money} years",
        )
        for r in part.itertuples()
    )
    facts = {
        "span": span,
        "taking_part": and_join(list(part.loc[takes, "country_name"])) or "none",
        "absent": and_join(list(part.loc[~takes, "country_name"])) or "none",
    }
    return Finding("C03", verdict, reason, figures, facts)


# --- C04: rival officers in the same class --------------------------------------------------

# The rival pair of the article's title and of the classmates chapter.
RIVALS: tuple[str, ...] = ("India", "Pakistan")


def rivals_share_classes(
    claims: pd.DataFrame, training: pd.DataFrame, rivals: Sequence[str] = RIVALS
) -> Finding:
    """C04: officers of the rival nations take the same course: shared IMET classes."""
    words.claim_text(claims, "C04")
    result = cm.shared_classes_for(training, list(rivals))
    q = result.query
    kinds = result.classes["match"].value_counts()
    n_class, n_loose = int(kinds.get("class", 0)), int(kinds.get("course-year", 0))
    span = fy_span(q.fy_start, q.fy_end)
    who = and_join(list(q.countries))
    verdict = SUPPORTED if n_class else PARTLY if n_loose else UNVERIFIED
    years = fy_runs(result.classes["fiscal_year"])
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
        return Finding("C04", verdict, reason, figures_table(rows), facts)
    ex = result.classes.set_index("class_id").loc[example]
    where = vocab.place(ex["place"], "a place not printed")
    rows.append(
        (
            "Example",
            f"{ex['course_title']} at {where}, FY{ex['fiscal_year']} ({ex['pages']})",
        )
    )
    reason = (
        f"The course records for {span} list {plural(n_class, 'IMET class', 'IMET classes')} "
        f"with officers of {who} on the same course at the same place and time"
        + (f", and {n_loose:,} weaker same-course, same-year matches" if n_loose else "")
        + f", e.g. {ex['course_title']}, FY{ex['fiscal_year']}."
    )
    return Finding("C04", verdict, reason, figures_table(rows), facts)


# --- C05: nationalities in a war-college class -------------------------------------------------

# The claim's "Indians, Israelis, Europeans", as countries and a State regional bureau: the
# claims table writes nationalities, which the country vocabulary does not read.
C05_COUNTRIES: tuple[str, ...] = ("India", "Israel")
C05_BUREAU = "Europe and Eurasia"


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
    need = words.nationalities_named(words.claim_text(claims, "C05"))
    classes = classrooms.war_college_classes(training)
    big = classes[classes["n_countries"].ge(need)]
    named = classrooms.classes_with(classes, C05_COUNTRIES, need)
    full = named[_with_europeans(named, funding)] if len(named) else named
    who = and_join(list(C05_COUNTRIES))
    years = fy_runs(full["fiscal_year"])
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
        + plural(len(classes), "war-college class", "war-college classes")
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
    figures = figures_table(
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


# --- C16 and C19: the suspension and the resumption ------------------------------------------


def _latest_episode(text: str, claim_id: str, events: pd.DataFrame):
    country = words.one_country(text, claim_id)
    return country, tl.suspension_to_resumption(events, countries.to_iso3(country))


def _months(span: tuple[int, int]) -> str:
    return tl.format_months(span)


def suspension_month(claims: pd.DataFrame, events: pd.DataFrame) -> Finding:
    """C16: the IMET suspension came in the month named, months after an earlier suspension.

    Read against the country's latest closed episode (:func:`timeline.suspension_to_resumption`):
    its last opening event is the suspension the later resumption lifted, its first the one
    that came before.
    """
    text = words.claim_text(claims, "C16")
    country, summary = _latest_episode(text, "C16", events)
    month = words.month_named(text)
    said = pd.Timestamp(f"{month}-01").strftime("%B %Y")
    if summary is None:
        reason = f"{country}'s timeline has no suspension that a resumption closed."
        return Finding("C16", UNVERIFIED, reason, figures_table([]))
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
    return Finding("C16", verdict, reason, figures_table(rows), facts)


YEAR_MONTHS = 12  # "more than a year", in whole months


def resumption_delay(claims: pd.DataFrame, events: pd.DataFrame) -> Finding:
    """C19: the resumption came more than a year after the suspension.

    Months are counted as :func:`timeline.months_between` does, (fewest, most) whole months
    given each date's precision: more than :data:`YEAR_MONTHS` for certain is supported, fewer
    for certain contradicted, a range straddling a year partly supported.
    """
    text = words.claim_text(claims, "C19")
    country, summary = _latest_episode(text, "C19", events)
    if summary is None:
        reason = f"{country}'s timeline has no suspension that a resumption closed."
        return Finding("C19", UNVERIFIED, reason, figures_table([]))
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
    return Finding("C19", verdict, reason + ".", figures_table(rows), facts)


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
    return classrooms.class_label(example)


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
