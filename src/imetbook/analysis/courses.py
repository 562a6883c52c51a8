"""Course titles and training places, normalised by written rules and two small curated tables.

The training reports print the same course and the same place in many ways across the years
(``AIR COMD & STAFF COLLEGE``, ``AIR COMMAND & STAFF COLLEGE (ACSC) RESIDENT``;
``MAXWELL AFB, AL 36112-6323``, ``Maxwell AFB, AL, US``). Nothing here guesses: every step is a
rule listed below or a row of a curated table, and every table row is tested against real
titles and places printed in the reports.

Title rules (:func:`normalise_title`), applied in this order:

T1. Unescape HTML entities repeatedly, fold curly quotes, collapse whitespace
    (:func:`imetbook.data.countries.clean_text`).
T2. Drop accents and upper-case.
T3. Repair the 2012-2013 extraction damage that turned ``US`` inside words into ``U.S.``
    (``varioU.S. Maritime`` is ``VARIOUS MARITIME``).
T4. ``&`` and ``+`` become the word ``AND``.
T5. Apostrophes are dropped (``INT'L`` -> ``INTL``, ``OFFICER'S`` -> ``OFFICERS``), and the word
    ``S`` left where a printed apostrophe was lost is joined back (``OFFICER S`` -> ``OFFICERS``).
T6. Every other character that is not a letter or a digit becomes a space.
T7. Each abbreviation in :data:`TITLE_ABBREVIATIONS` is expanded, word by word.
T8. Whitespace is collapsed.

Before T7, the phrases of :data:`TITLE_PHRASES` are rewritten where a word alone is ambiguous:
``RES`` is "resident" in a war college title but "resources" in ``RES MGT``.

A normalised title is still a title: it is not a course identity. The curated
:data:`FAMILIES` table groups the titles of the main professional military education (PME)
courses, which change wording across the years, into one family each (:func:`course_family`).
A title outside the table has no family; it is never forced into one.

Place rules (:func:`normalise_location` and :func:`place_of`):

P1. T1 and T2 as for titles.
P2. A value that names no place (``VARIOUS``, ``N/A``, ``MOBILE TRAINING TEAM``, ``TBD``, empty)
    is no place (``None``).
P2a. In-country training (``COLOMBIA (IN COUNTRY TRAINING)``, ``Kosovo (In Country Training)``)
    is the place "<Country> (in-country training)", the country as printed in title case: two
    countries' in-country training is never one place.
P3. A row of :data:`PLACES` whose pattern matches names the place (for the schools where
    international officers study most, and for spellings that are the same place).
P4. Otherwise: ZIP codes, a trailing ``US``/``USA``/``UNITED STATES`` and punctuation are
    removed, ``FT`` becomes ``FORT``, and whitespace is collapsed; the result is the place.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

import pandas as pd

from imetbook.data.countries import clean_text

# Word-level expansions (rule T7). Only abbreviations seen in the reports' course titles and
# unambiguous there: COL is always "college" in a title (ranks are never part of a title).
TITLE_ABBREVIATIONS: dict[str, str] = {
    "ADV": "ADVANCED",
    "ARTY": "ARTILLERY",
    "AVN": "AVIATION",
    "CAPT": "CAPTAINS",
    "CAPTAIN": "CAPTAINS",
    "CAPTS": "CAPTAINS",
    "CPT": "CAPTAINS",
    "CMD": "COMMAND",
    "COL": "COLLEGE",
    "COLL": "COLLEGE",
    "COMD": "COMMAND",
    "CRS": "COURSE",
    "DEF": "DEFENSE",
    "EDUC": "EDUCATION",
    "GEN": "GENERAL",
    "INTL": "INTERNATIONAL",
    "MGMT": "MANAGEMENT",
    "MGT": "MANAGEMENT",
    "MO": "MONTH",
    "OFF": "OFFICER",
    "OFFR": "OFFICER",
    "PLANING": "PLANNING",  # misspelt in the DISAM planning and resources management course
    "PLNG": "PLANNING",
    "PREP": "PREPARATORY",
    "RES": "RESIDENT",
    "SCH": "SCHOOL",
    "SR": "SENIOR",
    "TNG": "TRAINING",
    "TRNG": "TRAINING",
}

# Phrase-level expansions applied before the word map (rule T7): words ambiguous alone.
TITLE_PHRASES: dict[str, str] = {
    r"\bRES MGT\b": "RESOURCES MGT",
    r"\bRES MGMT\b": "RESOURCES MGMT",
}
_PHRASES = tuple((re.compile(k), v) for k, v in TITLE_PHRASES.items())

_U_S_DAMAGE = re.compile(r"(?<=[A-Z])U\.S\.")
_APOSTROPHES = re.compile(r"['`\u2019\u2018]")
_NON_ALNUM = re.compile(r"[^A-Z0-9]+")
_LOST_APOSTROPHE = re.compile(r"\b(OFFICER|SOLDIER|SERGEANT) S\b")


def _fold(text: str) -> str:
    """Rules T1 and T2 (and P1): clean, drop accents, upper-case."""
    text = clean_text(text)
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().upper()


@cache
def normalise_title(title: str) -> str:
    """A course title after rules T1-T8 (see the module doc); ``""`` for an empty title."""
    text = _fold(title)
    text = _U_S_DAMAGE.sub("US", text)
    text = text.replace("&", " AND ").replace("+", " AND ")
    text = _APOSTROPHES.sub("", text)
    text = " ".join(_NON_ALNUM.sub(" ", text).split())
    for pattern, phrase in _PHRASES:
        text = pattern.sub(phrase, text)
    words = [TITLE_ABBREVIATIONS.get(w, w) for w in text.split()]
    return _LOST_APOSTROPHE.sub(r"\1S", " ".join(words))


# --- course families ----------------------------------------------------------------------

LEVELS = ("senior", "intermediate", "career", "preparatory")
"""PME levels: senior (war colleges), intermediate (staff colleges), career (captains' career
courses and their equivalents), preparatory (courses that prepare international officers for
one of the others)."""


@dataclass(frozen=True)
class CourseFamily:
    """One curated course family: which normalised titles belong to it, and why."""

    family: str
    school: str
    level: str
    pattern: str
    examples: tuple[str, ...]
    note: str = ""


FAMILIES: tuple[CourseFamily, ...] = (
    # Preparatory courses come first: their titles contain the main course's name.
    CourseFamily(
        "Army War College international fellows preparation",
        "US Army War College, Carlisle Barracks, PA",
        "preparatory",
        r"(USAWC )?INTERNATIONAL FELLOWS (ORIENTATION|ACADEMIC "
        r"(PREPARATORY|PREPARATION|PREPERATION)( COURSE)?)",
        (
            "INTERNATIONAL FELLOWS ORIENTATION",
            "INTL FELLOWS ORIENTATION",
            "INTERNATIONAL FELLOWS ACADEMIC PREP",
            "USAWC INTERNATIONAL FELLOWS ACADEMIC PREPARATION",
            "INTERNATIONAL FELLOWS ACADEMIC PREPARATION COURSE",
        ),
        "Printed at Carlisle Barracks or 'ARMY WAR COLLEGE' in every report that gives a place.",
    ),
    CourseFamily(
        "National Defense University international fellows preparation",
        "National Defense University, Fort McNair, DC",
        "preparatory",
        r"IF PREPARATORY COURSE",
        ("IF PREPARATORY COURSE",),
        "Printed at Fort McNair or 'NATIONAL WAR COLLEGE' in every report that gives a place.",
    ),
    CourseFamily(
        "Air War College preparatory (International Officer School)",
        "Air University, Maxwell AFB, AL",
        "preparatory",
        r"(INTERNATIONAL OFFICER SCHOOL|IOS) FOR AWC|AWC PREPARATORY COURSE",
        (
            "INTL OFF SCH (FOR AWC)",
            "INTERNATIONAL OFF SCHOOL (FOR AWC)",
            "INTERNATIONAL OFFICER SCHOOL (FOR AWC)",
            "AWC PREPARATORY COURSE",
        ),
    ),
    CourseFamily(
        "Air Command and Staff College preparatory (International Officer School)",
        "Air University, Maxwell AFB, AL",
        "preparatory",
        r"(INTERNATIONAL OFFICER SCHOOL|IOS) FOR (ACSC|AC AND SC)|ACSC PREPARATORY COURSE",
        (
            "INTL OFF SCH (FOR AC&SC)",
            "INTL OFF SCHOOL (FOR AC&SC)",
            "INTERNATIONAL OFF SCHOOL (FOR ACSC)",
            "INTERNATIONAL OFFICER SCHOOL (FOR ACSC)",
            "ACSC PREPARATORY COURSE",
            "IOS FOR ACSC",
        ),
    ),
    CourseFamily(
        "Army Command and General Staff College preparatory",
        "US Army Command and General Staff College, Fort Leavenworth, KS",
        "preparatory",
        r"COMMAND AND GENERAL STAFF OFFICERS? (COURSE )?PREPARATORY"
        r"|USA C AND GSC OFFICER PREPARATORY|ILE OFFICER PREPARATORY"
        r"|INTERNATIONAL OFFICER PREPARATORY",
        (
            "COMMAND AND GENERAL STAFF OFFICER'S COURSE PREP",
            "COMMAND AND GENERAL STAFF OFFICER S COURSE PREP",
            "CMD & GEN STAFF OFF PREP",
            "USA C&GSC OFF PREPARATORY",
            "ILE OFFICER PREP",
            "INTERNATIONAL OFFICER PREPARATORY",
            "INTERNATIONAL OFFICER PREP",
        ),
        "'INTERNATIONAL OFFICER PREP(ARATORY)' is printed at Fort Leavenworth or 'COMMAND & "
        "GENERAL STAFF COLLEGE' in every report that gives a place.",
    ),
    CourseFamily(
        "Army captains career course preparatory",
        "US Army branch schools",
        "preparatory",
        r"(?=.*\b(CAPTAINS CAREER|CCC)\b)(?=.*\bPREPARATORY\b).*",
        (
            "MANEUVER CCC IMSO PREP",
            "CAPTAINS CAREER PREPARATORY INTERNATIONAL",
            "INT'L OFF PREP-INF CCC",
            "CHEM CCC INT'L STU PREP",
            "ARMOR CPT CAREER CRS PREP",
        ),
    ),
    # Senior level: the war colleges.
    CourseFamily(
        "Army War College",
        "US Army War College, Carlisle Barracks, PA",
        "senior",
        r"ARMY WAR COLLEGE( RESIDENT( COURSE)?)?( CT)?",
        (
            "ARMY WAR COLLEGE (RESIDENT COURSE)",
            "ARMY WAR COLLEGE (RES CRS)",
            "ARMY WAR COLLEGE (RES COURSE)",
            "ARMY WAR COLLEGE (RES",
            "ARMY WAR COL (RES CRS)-CT",
        ),
    ),
    CourseFamily(
        "Air War College",
        "Air University, Maxwell AFB, AL",
        "senior",
        r"AIR WAR COLLEGE( AWC)?( RESIDENT)?( (PROGRAM|DIPLOMA PROGRAM|MASTERS DEGREE PROGRAM))?",
        (
            "AIR WAR COLLEGE",
            "AIR WAR COLLEGE (AWC) RESIDENT",
            "AIR WAR COLLEGE (AWC) RESIDENT PROGRAM",
            "AIR WAR COLLEGE (AWC) RESIDENT DIPLOMA PROGRAM",
            "AIR WAR COLLEGE(AWC)RESIDENT MASTERS DEGREE PROGRAM",
        ),
    ),
    CourseFamily(
        "National War College",
        "National Defense University, Fort McNair, DC",
        "senior",
        r"(NWC|NATIONAL WAR COLLEGE) INTERNATIONAL( FELLOWS( PROGRAM)?)?( CT( ONLY)?)?",
        (
            "NWC INTERNATIONAL FELLOWS",
            "NWC INTERNATIONAL",
            "NWC INTERNATIONAL FELLOWS PROGRAM",
            "NWC INT'L FELLOWS-CT",
            "NWC INTL FELLOWS - CT ONLY",
        ),
        "NWC here is the National War College: these rows are printed at Fort McNair or "
        "'NATIONAL WAR COLLEGE'. 'NWC WAR GAME SCENARIO' (Newport) is not this course.",
    ),
    CourseFamily(
        "Eisenhower School (Industrial College of the Armed Forces)",
        "National Defense University, Fort McNair, DC",
        "senior",
        r"ICAF( CT( ONLY)?)?|INDUSTRIAL COLLEGE OF THE ARMED FORCES|EISENHOWER SCHOOL",
        (
            "ICAF",
            "ICAF-CT",
            "ICAF - CT ONLY",
            "INDUSTRIAL COLLEGE OF THE ARMED FORCES",
            "EISENHOWER SCHOOL",
        ),
        "The Industrial College of the Armed Forces was renamed the Eisenhower School in 2012.",
    ),
    CourseFamily(
        "Naval Command College",
        "US Naval War College, Newport, RI",
        "senior",
        r"NAVAL COMMAND COLLEGE",
        ("NAVAL COMMAND COLLEGE",),
    ),
    CourseFamily(
        "Marine Corps War College",
        "Marine Corps University, Quantico, VA",
        "senior",
        r"MARINE CORPS WAR COLLEGE( MCWAR)?",
        ("MARINE CORPS WAR COLLEGE (MCWAR)",),
    ),
    # Intermediate level: the staff colleges.
    CourseFamily(
        "Army Command and General Staff College",
        "US Army Command and General Staff College, Fort Leavenworth, KS",
        "intermediate",
        r"COMMAND AND GENERAL STAFF OFFICERS?( COURSE)?"
        r"|INTERMEDIATE LEVEL (EDUCATION|EDUCATIONATION)( COMMON CORE)?",
        (
            "COMMAND & GEN STAFF OFF",
            "COMMAND AND GENERAL STAFF OFFICER'S COURSE",
            "COMMAND AND GENERAL STAFF OFFICER S COURSE",
            "COMMAND & GENERAL STAFF OFFICER'S COURSE",
            "INTERMEDIATE LEVEL EDUC",
            "INTERMEDIATE LEVEL EDUCATION",
            "INTERMEDIATE LEVEL EDUCATIONATION",
        ),
        "Intermediate Level Education (ILE) is the course's name from the mid-2000s. A bare "
        "'COMMAND AND GENERAL STAFF' is left out: it is printed at Fort Benning, not Fort "
        "Leavenworth.",
    ),
    CourseFamily(
        "Air Command and Staff College",
        "Air University, Maxwell AFB, AL",
        "intermediate",
        r"AIR COMMAND AND STAFF COLLEGE( ACSC)?( RESIDENT)?( COURSE)?( MASTERS)?",
        (
            "AIR COMD & STAFF COLLEGE",
            "AIR COMMAND AND STAFF COLLEGE",
            "AIR COMMAND & STAFF COLLEGE (ACSC) RESIDENT",
            "AIR COMMAND & STAFF COLLEGE (ACSC RESIDENT COURSE)",
            "AIR COMMAND & STAFF COLLEGE (ACSC RESIDENT COURSE) MASTERS",
        ),
    ),
    CourseFamily(
        "Naval Staff College",
        "US Naval War College, Newport, RI",
        "intermediate",
        r"NAVAL STAFF COLLEGE( (10 MONTH|5 1 2 MONTH))?",
        (
            "NAVAL STAFF COLLEGE",
            "NAVAL STAFF COL - 10 MONTH",
            "NAVAL STAFF COL - 5 1/2 MO",
            "NAVAL STAFF COLLEGE - 10 MONTH",
        ),
        "The 5 1/2-month and 10-month entries end together with one graduating class.",
    ),
    CourseFamily(
        "Marine Corps Command and Staff College",
        "Marine Corps University, Quantico, VA",
        "intermediate",
        r"(USMC )?COMMAND AND STAFF COLLEGE( USMC)?( USMC CSC)?",
        (
            "COMMAND & STAFF COLL USMC",
            "COMMAND + STAFF COLL USMC",
            "COMMAND & STAFF COLLEGE (USMC)",
            "COMMAND AND STAFF COLLEGE USMC",
            "USMC COMMAND AND STAFF COLLEGE (USMC CSC)",
            "COMMAND & STAFF COLL",
        ),
        "The bare 'COMMAND & STAFF COLL' (2005-2006) is printed at Quantico, VA.",
    ),
    CourseFamily(
        "School of Advanced Military Studies",
        "US Army Command and General Staff College, Fort Leavenworth, KS",
        "intermediate",
        r"ADVANCED MILITARY STUDIES",
        ("ADVANCED MILITARY STUDIES",),
    ),
    # Career level.
    CourseFamily(
        "Army captains career course",
        "US Army branch schools",
        "career",
        r"(?=.*\b(CAPTAINS CAREER|CCC)\b)(?!.*\b(PREPARATORY|SPANISH)\b).*",
        (
            "MANEUVER CAPTAINS CAREER",
            "FIELD ARTILLERY CAPTAINS CAREER",
            "INFANTRY CAPTS CAREER CRS",
            "AIR DEF ARTY CAPT CAREER",
            "COMBINED LOG CPT CAREER",
            "CAPTAINS CAREER COMMON CORE",
            "CAPTAIN CAREER COMMON CORE (CBRN)",
        ),
        "One family for every branch's captains career course (infantry, artillery, ...). "
        "The Spanish-language course (taught at WHINSEC, Fort Benning) is left out.",
    ),
    CourseFamily(
        "Expeditionary Warfare School",
        "Marine Corps University, Quantico, VA",
        "career",
        r"EXPEDITIONARY WARFARE( SCHOOL)?",
        ("EXPEDITIONARY WARFARE SCHOOL", "EXPEDITIONARY WARFARE SCH", "EXPEDITIONARY WARFARE"),
    ),
)

# Titles that look like a family but are not the course: each is pinned by a test.
NOT_IN_FAMILIES: tuple[str, ...] = (
    "AIR COMMAND AND STAFF COLLEGE VISIT",
    "NESA AIR WAR COLLEGE VISIT 2019",
    "AWC DISTANCE EDUCATION",
    "NWC WAR GAME SCENARIO",
    "COMMAND AND GENERAL STAFF",
    "COMMAND AND STAFF COLLEGE REGIONAL SEMINAR CONUS",
    "LEBANESE ARMED FORCES STAFF COLLEGE VISIT",
    "EXPEDITIONARY WARFARE REGIONAL SEMINAR OCONUS",
    "CAPTAINS CAREER-SPANISH",
)

_COMPILED = tuple((fam, re.compile(fam.pattern)) for fam in FAMILIES)


@cache
def family_of(title: str) -> CourseFamily | None:
    """The curated family of a printed course title, or ``None`` (first matching row wins)."""
    norm = normalise_title(title)
    for fam, pattern in _COMPILED:
        if pattern.fullmatch(norm):
            return fam
    return None


def course_family(title: str | None) -> str | None:
    """The family name of a printed title, or ``None`` if it is in no curated family."""
    if title is None or pd.isna(title):
        return None
    fam = family_of(title)
    return fam.family if fam else None


def families_table() -> pd.DataFrame:
    """The curated families as a table (for the chapter and the methods appendix)."""
    return pd.DataFrame(
        [
            {
                "family": f.family,
                "level": f.level,
                "school": f.school,
                "rule (regular expression on the normalised title)": f.pattern,
                "titles as printed (examples)": "; ".join(f.examples),
                "note": f.note,
            }
            for f in FAMILIES
        ]
    )


# --- places ----------------------------------------------------------------------------------

NO_PLACE: frozenset[str] = frozenset(
    {"", "VARIOUS", "N/A", "NA", "TBD", "MOBILE TRAINING TEAM", "MTT", "CONUS", "OCONUS", "-"}
)
"""Location values (after P1) that name no place: such a row cannot be placed in a class."""


@dataclass(frozen=True)
class Place:
    place: str
    pattern: str
    examples: tuple[str, ...]
    note: str = ""


PLACES: tuple[Place, ...] = (
    Place(
        "Maxwell AFB, AL",
        r"\bMAXWELL\b",
        ("MAXWELL AFB, AL 36112-6323", "Maxwell AFB, AL, US", "MAXWELL AFB, AL HELICOPTER"),
        "A word after the state is text spilled from the student-unit column (2009-2010).",
    ),
    Place(
        "Newport, RI",
        r"\bNEWPORT\b(?! NEWS)|^NAVAL (STAFF|COMMAND) COLLEGE\b",
        ("NEWPORT, RI 02841-1207", "Newport, RI, US", "NAVAL STAFF COLLEGE NEWPORT RI"),
    ),
    Place(
        "Fort Leavenworth, KS",
        r"\bLEA?VENWORTH\b|^COMMAND (AND|&) GENERAL STAFF COLLEGE$",
        (
            "FT LEAVENWORTH KS 66027-1352",
            "FT. LEAVENWORTH, KS, US",
            "COMMAND & GENERAL STAFF COLLEGE",
            "FORT LEVENWORTH, KS",
        ),
        "The 2008-2011 reports print the college's name where later ones print the post; "
        "LEVENWORTH is a misspelling in 2006-2007.",
    ),
    Place(
        "Carlisle Barracks, PA",
        r"\bCARLISL?E\b|^ARMY WAR COLLEGE$",
        (
            "CARLISLE PA 17013",
            "CARLISLE BARRACKS, PA, US",
            "ARMY WAR COLLEGE",
            "CARLISE BARRACKS, PA",
        ),
        "CARLISE is a misspelling in 2006-2007.",
    ),
    Place(
        "Fort McNair, DC",
        r"\bMC ?NAIR\b|^NATIONAL WAR COLLEGE\b|^INDUSTRIAL COLLEGE OF THE ARMED FORCES$",
        (
            "FT MCNAIR WASH DC 20319-5960",
            "FT. MCNAIR, NDU, DC, US",
            "NATIONAL WAR COLLEGE",
            "INDUSTRIAL COLLEGE OF THE ARMED FORCES",
        ),
    ),
    Place(
        "Lackland AFB, TX",
        r"\bLACKLAND\b|\b78236\b",
        ("DLIELC, LACKLAND AFB TX", "LACKLAND AFB, TX 78236", "SAN ANTONIO TX 78236-5259"),
        "ZIP code 78236 is Lackland AFB: the same English course is printed either way.",
    ),
    Place(
        "Quantico, VA",
        r"\bQUANTICO\b",
        (
            "QUANTICO, VA 22134",
            "QUANTICO, VA, US",
            "COMMANDING GENERAL, EDUCATION COMMAND QUANTICO VA",
        ),
    ),
    Place(
        "Monterey, CA",
        r"\bMONTEREY\b|\bMONTERREY,? CA\b",
        (
            "MONTEREY, CA 93943-5201",
            "MONTEREY, CA, US",
            "IDARM NAVAL POSTGRADUATE SCHOOL MONTEREY CA",
            "MONTERREY, CA",
        ),
        "'MONTERREY, CA' is a misspelling; Monterrey elsewhere is not matched.",
    ),
    Place(
        "Garmisch-Partenkirchen, Germany",
        r"\b(GARMISCH|GARMISH|GARMSICH)\b|^MARSHALL CENTER\b",
        (
            "GARMISCH-PARTENKIRCHEN, GERMANY",
            "GARMISCH, GY",
            "GARMSICH, GERMANY",
            "MARSHALL CENTER",
            "MARSHALL CENTER GARMISH GE",
        ),
        "The George C. Marshall Center is in Garmisch-Partenkirchen.",
    ),
    Place(
        "Fort Benning, GA",
        r"\b(BENNING|BENNINIG)\b",
        ("FT BENNING GA 31905-5468", "FT. BENNING, GA, US", "FT BENNINIG, GA"),
    ),
    Place(
        "Wright-Patterson AFB, OH",
        r"\bWRIGHT\W+PATTERSON\b",
        ("WRIGHT PATTERSON AFB, OH, US", "WRIGHT PATTERSON AFB , OH - DISAM"),
    ),
    Place(
        "Fort Sill, OK",
        r"\bSILL\b|^FIELD ARTILLERY SCHOOL\b",
        ("FT SILL OK 73503", "Ft. Sill, OK, US", "FIELD ARTILLERY SCHOOL", "MARCOREP FT SILL OK"),
        "Some reports print the school, not the post: the US Army Field Artillery School is "
        "headquartered at Fort Sill, Oklahoma (US Army Fires Center of Excellence, 'Who we "
        "are', first paragraph: http://sill-www.army.mil/USAFAS/who-we-are.html). The Air "
        "Defense Artillery School is left as printed: it moved to Fort Sill during the years "
        "the reports cover.",
    ),
)

_PLACES_COMPILED = tuple((p.place, re.compile(p.pattern)) for p in PLACES)
_IN_COUNTRY = re.compile(r"^(.+?) IN COUNTRY(?: TRAINING)?$")
_ZIP = re.compile(r"\b\d{5}(-\d{4})?\b")
_TRAILING_US = re.compile(r"\s+(US|USA|UNITED STATES)$")
_FORT = re.compile(r"\bFT\b")


@cache
def normalise_location(location: str) -> str | None:
    """Rule P4 (after P1-P2): the location with ZIP codes, ``US`` and punctuation removed."""
    text = _fold(location)
    if text.strip(" .") in NO_PLACE:
        return None
    text = _ZIP.sub(" ", text)
    text = re.sub(r"[^A-Z0-9 ]+", " ", text.replace(".", ""))
    text = _TRAILING_US.sub("", " ".join(text.split()))
    text = _FORT.sub("FORT", text)
    return text or None


@cache
def place_of(location: str | None) -> str | None:
    """The place a printed location names (rules P1-P4), or ``None`` if it names none."""
    if location is None or pd.isna(location):
        return None
    folded = _fold(location)
    if folded.strip(" .") in NO_PLACE:
        return None
    in_country = _IN_COUNTRY.match(" ".join(re.sub(r"[^A-Z0-9 ]+", " ", folded).split()))
    if in_country:
        return f"{in_country[1].title()} (in-country training)"
    for place, pattern in _PLACES_COMPILED:
        if pattern.search(folded):
            return place
    return normalise_location(location)


def places_table() -> pd.DataFrame:
    """The curated places as a table (for the chapter and the methods appendix)."""
    return pd.DataFrame(
        [
            {
                "place": p.place,
                "rule (regular expression on the upper-cased location)": p.pattern,
                "locations as printed (examples)": "; ".join(p.examples),
                "note": p.note,
            }
            for p in PLACES
        ]
    )
