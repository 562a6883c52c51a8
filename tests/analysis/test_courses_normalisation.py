"""One normalisation of course titles and places (imetbook.analysis.courses), on printed
spellings taken from the reports."""

from imetbook.analysis import courses


def test_two_printed_spellings_of_one_course_give_one_title():
    # Both printed for India; the country page listed them as two courses.
    a = courses.normalise_title("DISAM Plng & Res Mgt MET")
    b = courses.normalise_title("DISAM PLANING & RESOURCES MANAGEMENT - MET")
    assert a == b == "DISAM PLANNING AND RESOURCES MANAGEMENT MET"


def test_res_stays_resident_in_a_war_college_title():
    assert courses.normalise_title("ARMY WAR COLLEGE (RES CRS)").endswith("RESIDENT COURSE")


def test_in_country_training_is_a_place_of_its_own_country():
    assert courses.place_of("INDIA IN COUNTRY TRAINING") == "India (in-country training)"
    assert courses.place_of("Kosovo (In Country Training)") == "Kosovo (in-country training)"
    colombia = courses.place_of("COLOMBIA (IN COUNTRY TRAINING)")
    assert colombia != courses.place_of("ARGENTINA (IN COUNTRY TRAINING)")
