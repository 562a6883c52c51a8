"""The pure FMTR value cleaners, each quirk of data/raw/fmtr/README.md with its real value."""

from __future__ import annotations

from datetime import date

import pytest

from imetbook.data import schema
from imetbook.data.parsers import fmtr_fields as F
from imetbook.errors import DataError

# --- text ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        # lxml has already decoded one level: raw '&amp;amp;amp;amp;amp;' reads '&amp;amp;amp;amp;'
        (
            "Ethiopian Defense Staff  &amp;amp;amp;amp; Command  College ",
            "Ethiopian Defense Staff & Command College",
        ),
        ("Education&amp;amp;amp;Training Center", "Education&Training Center"),
        ("Cote d&#x2019;Ivoire", "Cote d'Ivoire"),
        ("C&#xF4;te d'Ivoire, Republic of ", "Côte d'Ivoire, Republic of"),
        ("Cote d’Ivoire", "Cote d'Ivoire"),
        ("DLIELC,  Lackland AFB TX", "DLIELC, Lackland AFB TX"),
        ("Strategic  Studies", "Strategic Studies"),
        ("&nbsp;", None),
        ("   ", None),
        (None, None),
    ],
)
def test_clean_repairs_entities_quotes_and_whitespace(raw, want):
    assert F.clean_text(raw) == want


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("COLUMBU.S. AFB MS ", "COLUMBUS AFB MS"),
        ("MAURITIU.S. (IN COUNTRY TRAINING)", "MAURITIUS (IN COUNTRY TRAINING)"),
        ("MauritiU.S. Police Force ", "Mauritius Police Force"),
        ("National Emerging InfectioU.S. Diseases", "National Emerging Infectious Diseases"),
        ("CyprU.S. Ministry of Defense", "Cyprus Ministry of Defense"),
        ("varioU.S. Maritime ops Training ", "various Maritime ops Training"),
        ("DENSU.S. 88, Indonesian", "DENSUS 88, Indonesian"),
    ],
)
def test_us_damage_inside_words_is_repaired_and_flagged(raw, want):
    assert F.clean(raw) == (want, ("us_damage_repaired",))


@pytest.mark.parametrize(
    "raw", ["HQ U.S. ARMY GARRISON FORT", "OR12-03 China-U.S. Security Dialogues"]
)
def test_real_us_abbreviations_are_left_alone(raw):
    assert F.clean(raw) == (F.clean_text(raw), ())
    assert "U.S." in F.clean_text(raw)


def test_course_key_folds_case_punctuation_and_entities():
    assert F.course_key("AIR COMD &amp; STAFF  COLLEGE ") == F.course_key(
        "Air Comd & Staff College"
    )
    assert F.course_key("INTL OFF SCH (FOR AC&SC)") == "INTL OFF SCH FOR AC AND SC"
    assert F.course_key("Côte") == "COTE"
    assert F.course_key(None) is None


# --- quantity ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("4", (4, ())),
        ("1 ", (1, ())),  # trailing space from 2007-2008
        ("0", (0, ())),  # zero is a real value
        ("30 30", (30, ("quantity_repaired",))),  # merged duplicate, 2001-2002
        ("1 39529-7099", (1, ("quantity_repaired",))),  # zip code, 2002-2003
        ("1 LACKLAND AFB, TX 78236", (1, ("quantity_repaired",))),  # 2005-2006
        ("1 Garmisch, ", (1, ("quantity_repaired",))),  # 2009-2010
        ("1 Garmisch-Partenkirchen, ", (1, ("quantity_repaired",))),
        ("1 QUARTERMASTER ", (1, ("quantity_repaired",))),
        ("N/A ", (None, ("quantity_unreadable",))),  # 2015-2016, 2016-2017
        ("", (None, ())),
        (None, (None, ())),
    ],
)
def test_parse_quantity(raw, want):
    assert F.parse_quantity(raw) == want


# --- cost ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("$64,360", 64360.0),
        ("$1,586,156", 1586156.0),
        ("45141 ", 45141.0),
        ("12606.72 ", 12606.72),
        ("$35,394 ", 35394.0),
        ("$0", 0.0),
        ("0 ", 0.0),
        ("$0 ", 0.0),
        ("11519", 11519.0),  # 2006-2007 HTML
        ("27224.15", 27224.15),
    ],
)
def test_parse_cost_formats(raw, want):
    assert F.parse_cost(raw) == (want, (), ())


def test_bare_dollar_is_null_not_zero():
    assert F.parse_cost("$ ") == (None, (), ("cost_blank",))


@pytest.mark.parametrize(
    ("raw", "value", "dates"),
    [
        ("578 11/16/2008 ", 578.0, (date(2008, 11, 16),)),
        ("0  9/7/2009 9/11/2009 ", 0.0, (date(2009, 9, 7), date(2009, 9, 11))),
        ("$320 9/15/2003 ", 320.0, (date(2003, 9, 15),)),
        ("$48,102 $0", 48102.0, ()),
        ("ST-2 $31,000", 31000.0, ()),
    ],
)
def test_parse_cost_with_merged_values(raw, value, dates):
    assert F.parse_cost(raw) == (value, dates, ("cost_repaired",))


# --- dates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("1/29/01", (date(2001, 1, 29),)),  # two-digit year, 2001-2002
        ("9/22/02", (date(2002, 9, 22),)),
        ("2/24/2003", (date(2003, 2, 24),)),
        ("4/5/2011 ", (date(2011, 4, 5),)),
        ("9/21/2009 9/24/2009 ", (date(2009, 9, 21), date(2009, 9, 24))),
        ("5/13/2009  5/20/2009 ", (date(2009, 5, 13), date(2009, 5, 20))),
        ("6/11/01 4/30/01", (date(2001, 6, 11), date(2001, 4, 30))),
    ],
)
def test_parse_date_field(raw, want):
    assert F.parse_date_field(raw) == (want, ())


def test_date_typo_is_null_and_flagged():
    assert F.parse_date_field("12/10/207 ") == ((), ("date_unreadable",))


def test_cost_in_a_date_column_is_spill_not_a_date():
    assert F.parse_date_field("$1,177 ") == ((), ("value_in_wrong_column",))
    assert F.parse_date_field("$0 ") == ((), ("value_in_wrong_column",))


def test_assemble_dates_splits_a_field_holding_both_dates():
    both = F.parse_date_field("9/21/2009 9/24/2009 ")[0]
    assert F.assemble_dates(both, (), ()) == (
        date(2009, 9, 21),
        date(2009, 9, 24),
        ("dates_split",),
    )
    end = F.parse_date_field("1/21/02 4/11/02")[0]  # end date field, start empty (2002-2003)
    assert F.assemble_dates((), end, ()) == (date(2002, 1, 21), date(2002, 4, 11), ("dates_split",))


def test_assemble_dates_keeps_first_of_merged_rows():
    start = F.parse_date_field("6/11/01 4/30/01")[0]
    end = F.parse_date_field("6/30/01 5/3/01")[0]
    assert F.assemble_dates(start, end, ()) == (
        date(2001, 6, 11),
        date(2001, 6, 30),
        ("dates_merged",),
    )


def test_assemble_dates_moves_dates_out_of_the_cost():
    _, one, _ = F.parse_cost("578 11/16/2008 ")
    end = F.parse_date_field("11/26/2008 ")[0]
    assert F.assemble_dates((), end, one) == (
        date(2008, 11, 16),
        date(2008, 11, 26),
        ("dates_from_cost",),
    )
    _, two, _ = F.parse_cost("0  9/7/2009 9/11/2009 ")
    assert F.assemble_dates((), (), two) == (
        date(2009, 9, 7),
        date(2009, 9, 11),
        ("dates_from_cost",),
    )


def test_assemble_dates_ignores_cost_dates_when_both_are_printed():
    s, e = F.parse_date_field("1/1/2009")[0], F.parse_date_field("1/2/2009")[0]
    assert F.assemble_dates(s, e, (date(2009, 5, 5),)) == (date(2009, 1, 1), date(2009, 1, 2), ())


# --- pages ---------------------------------------------------------------------------------


def test_parse_page():
    assert F.parse_page("12") == (12, ())
    assert F.parse_page("223 224") == (224, ("page_merged",))  # the page where the row ends
    assert F.parse_page("7 7") == (7, ("page_merged",))
    assert F.parse_page("") == (None, ())
    with pytest.raises(DataError, match="page"):
        F.parse_page("p. 7")


def test_spill_detectors():
    assert F.looks_like_money("$972") and not F.looks_like_money("972")
    assert F.looks_like_date("6/17/2015") and not F.looks_like_date("Washington, DC")


# --- program labels ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "country", "name", "fy", "region", "family"),
    [
        (
            "International Military Education And Training (IMET), FY 99",
            None,
            "International Military Education And Training (IMET)",
            1999,
            None,
            "IMET",
        ),
        (
            "International Military Education And  Training (IMET), FY 00",
            None,
            "International Military Education And Training (IMET)",
            2000,
            None,
            "IMET",
        ),
        (
            "Republic Of, International Military Education And Training (IMET), FY 99",
            None,
            "International Military Education And Training (IMET)",
            1999,
            None,
            "IMET",
        ),
        (
            "Foreign Military Financing (FMF) Program, FY  00",
            None,
            "Foreign Military Financing (FMF) Program",
            2000,
            None,
            "FMF",
        ),
        (
            "Center For Hemispheric Defense Studies, FY 00 FY 00",
            None,
            "Center For Hemispheric Defense Studies",
            2000,
            None,
            "Regional Centers",
        ),
        (
            "DOS South Asia Region, Pakistan,  International Military Education and Training "
            "(IMET),FY03",
            "Pakistan",
            "International Military Education and Training (IMET)",
            2003,
            "South Asia",
            "IMET",
        ),
        (
            "DoS NIS Region, Armenia,  Marshall Center, FY 01",
            "Armenia",
            "Marshall Center",
            2001,
            "Newly Independent States",
            "Regional Centers",
        ),
        (
            "Western Hemisphere Region, Uruguay,  Regional Defense Counterterrorism Fellowship "
            "Program, FY05",
            "Uruguay",
            "Regional Defense Counterterrorism Fellowship Program",
            2005,
            "Western Hemisphere",
            "CTFP",
        ),
        ("IMET - FY 2006 DoS Training", None, "IMET", 2006, None, "IMET"),
        (
            "DOHS/USCG Activities - FY 2006 DOHS Training",
            None,
            "DOHS/USCG Activities",
            2006,
            None,
            "USCG",
        ),
        ("IMET-1 - FY 2007 DoS Training", None, "IMET-1", 2007, None, "IMET"),
        (
            "Non-SA, UC, JCET - FY 2008 DoD Training",
            None,
            "Non-SA, UC, JCET",
            2008,
            None,
            "Non-SA Combatant Command",
        ),
        (
            "CTFP - Fiscal Year 2012 Department of Defense Training",
            None,
            "CTFP",
            2012,
            None,
            "CTFP",
        ),
        (
            "CTPF - Fiscal Year 2016 Department of Defense Training",
            None,
            "CTPF",
            2016,
            None,
            "CTFP",
        ),
        (
            "CTIWFP - Fiscal Year 2019 Department of Defense Training",
            None,
            "CTIWFP",
            2019,
            None,
            "CTFP",
        ),
        (
            "DHS/USCG - Fiscal Year 2012 Department of Homeland Security Training",
            None,
            "DHS/USCG",
            2012,
            None,
            "USCG",
        ),
        (
            "IMET-D&amp;R - Fiscal Year 2019 Department of State Training",
            None,
            "IMET-D&R",
            2019,
            None,
            "IMET",
        ),
        (
            "INCLE - Fiscal Year 2016 Department of State Training",
            None,
            "INCLE",
            2016,
            None,
            "INCLE",
        ),
        (
            "Misc DOD/DOS Non-SA - FY 2007 DoD Training",
            None,
            "Misc DOD/DOS Non-SA",
            2007,
            None,
            "Misc Non-SA",
        ),
        (
            "Misc DoD/DoS Non-SA - Fiscal Year 2013 Department of Defense Training",
            None,
            "Misc DoD/DoS Non-SA",
            2013,
            None,
            "Misc Non-SA",
        ),
        (
            "Republic Of, Africa Center for Strategic  Studies, FY 00",
            None,
            "Africa Center for Strategic Studies",
            2000,
            None,
            "Regional Centers",
        ),
        (
            "Section 1206/2282 - Fiscal Year 2016 Department of Defense Training",
            None,
            "Section 1206/2282",
            2016,
            None,
            "Section 1206",
        ),
    ],
)
def test_parse_program_across_eras(label, country, name, fy, region, family):
    p = F.parse_program(label, country)
    assert (p.name, p.fiscal_year, p.region, p.family) == (name, fy, region, family)
    assert p.is_imet == (family == "IMET")


def test_program_label_without_a_year():
    assert F.parse_program("Miscellaneous DoD-DoS Activities, FY ").fiscal_year is None


def test_program_label_must_name_the_country_it_is_printed_under():
    with pytest.raises(DataError, match="printed under 'Chad'"):
        F.parse_program(
            "DOS Africa Region, Ghana,  International Military Education and Training (IMET), FY04",
            "Chad",
        )


def test_unknown_program_and_unknown_label_shape_fail():
    with pytest.raises(DataError, match="unknown FMTR program 'XYZ'"):
        F.parse_program("XYZ - Fiscal Year 2012 Department of State Training")
    with pytest.raises(DataError, match="unknown shape"):
        F.parse_program("Training of some kind")


@pytest.mark.parametrize(
    ("label", "imet"),
    [
        (
            "IMET 2-Year Funding Authority (Title VI Emergency Supplemental Appropriation), FY 01",
            True,
        ),
        ("IMET Multi-year,FY03", True),
        ("IMET Multi-Year - FY 2006 DoS Training", True),
        ("IMET-X - Fiscal Year 2013 Department of State Training", True),
        ("IMET-2 - Fiscal Year 2015 Department of State Training", True),
        ("International Military Education And Training  (IMET), FY 99", True),
        ("INL - Fiscal Year 2013 Department of State Training", False),
        ("Misc DoD/DoS Non-SA - Fiscal Year 2017 Department of Defense Training", False),
    ],
)
def test_is_imet_rule(label, imet):
    assert F.is_imet(label) is imet


def test_totals_titles_and_real_courses_named_total():
    assert F.is_totals_title("FY 2008 Program Totals ")
    assert F.is_totals_title("Fiscal Year 2012 Program Totals ")
    assert F.is_totals_title("FY 2006 Program Totals")
    assert not F.is_totals_title("TOTAL ARMY INSTRUCTOR TNG")
    assert not F.is_totals_title("TOTAL QUALITY MGMT")
    assert F.country_totals_name("Yemen FY 2006 Totals") == "Yemen"
    assert (
        F.country_totals_name("Bosnia &amp; Herzegovina FY 2006 Totals") == "Bosnia & Herzegovina"
    )
    assert F.country_totals_name("FY 2006 Program Totals") is None


def test_placeholders():
    assert F.is_placeholder("No activities reported for Niue in 2007-2008")
    assert not F.is_placeholder("IMET-1 - FY 2007 DoS Training")


def test_every_family_is_allowed_by_the_contract():
    allowed = {c.name: c.allowed for c in schema.TRAINING.columns}["program"]
    assert set(F.FAMILIES) == set(allowed)
    assert {name for _, name in F.PROGRAM_FAMILIES} <= set(allowed)


def test_every_flag_is_documented():
    assert all(doc.strip() for doc in F.FLAG_DOCS.values())
