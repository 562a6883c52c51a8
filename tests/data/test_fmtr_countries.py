"""Every country spelling of data/raw/fmtr/README.md (quirk 6) resolves, as the FMTR parser
resolves it: cleaned by ``fmtr_fields.clean_text``, then ``countries.name_and_code``."""

from __future__ import annotations

import pytest

from imetbook.data import countries
from imetbook.data.parsers import fmtr_fields as F

VARIANTS = {
    "TTO": ["Trinidad-Tobago", "Trinidad -Tobago", "Trinidad - Tobago", "Trinidad and Tobago"],
    "KOR": [
        "Korea",
        "Korea - South (Republic of)",
        "Korea - South",
        "Korea (Republic of)",
        "Korea, Republic of",
        "Korea, Republic of South",
    ],
    "CIV": [
        "Cote d'Ivoire",
        "Cote d&#x2019;Ivoire",
        "Cote d’Ivoire",
        "C&#xF4;te d'Ivoire, Republic of ",
        "Cote D’ivoire, Republic Of",
        "Cote D’Ivoire, Republic of",
        "Cote D'Ivoire, Republic of",
    ],
    "CPV": [
        "Cape Verde",
        "Cape Verde (Republic of)",
        "Cape Verde, Republic Of",
        "Cape Verde, Republic of",
    ],
    "CHN": [
        "China",
        "China (Peoples Republic of)",
        "China, People's Republic Of",
        "China, People's Republic of",
    ],
    "COG": [
        "Congo (Brazzaville)",
        "Republic of Congo (Congo - Brazzaville)",
        "Republic of Congo (Brazzaville)",
        "Congo, Republic Of (Brazzaville)",
        "Congo, Republic of (Brazzaville)",
    ],
    "COD": [
        "Congo (DROC)",
        "Democratic Republic of Congo (Congo - Kinshasa)",
        "Democratic Republic of Congo",
        "Congo, Democratic Republic of (Kinshasa)",
    ],
    "VNM": ["Viet Nam", "Vietnam"],
    "PNG": ["Papua New Guinea", "Papua-New Guinea"],
    "GMB": ["Gambia", "Gambia, The"],
    "KAZ": ["Kazakhstan", "Kazakhstan, Republic Of"],
    "TZA": ["Tanzania", "Tanzania, United Republic of"],
    "KNA": ["St Kitts And Nevis", "Saint Kitts & Nevis", "St Kitts & Nevis"],
    "ATG": ["Antigua And Barbuda (UK)", "Antigua And Barbuda", "Antigua and Barbuda"],
    "BLZ": ["Belize (UK)"],
    "GNB": ["Guinea - Bissau", "Guinea-Bissau"],
    "MKD": ["Macedonia (FYROM)", "Macedonia"],
    "SCG": ["Serbia and Montenegro"],
    "SRB": ["Serbia", "Republic of Serbia", "Serbia, Republic of"],
    "MNE": ["Republic of Montenegro", "Montenegro, Republic of"],
    "TLS": ["East Timor", "Timor-Leste", "Timor-Leste, Democratic Republic of "],
    "SSD": [
        "Sudan, Government of Southern",
        "Sudan, Republic of Southern",
        "Sudan, Republic of South",
    ],
    "ALB": [" Albania"],
    "BFA": ["Burkina FASO"],
    "BOL": ["Bolivia INC"],
    "MMR": ["Burma ", "Burma"],
    "ANT": ["Netherlands Antilles (NE)"],
    "BIH": ["Bosnia &amp; Herzegovina"],
}


@pytest.mark.parametrize(
    ("printed", "iso3"), [(name, code) for code, names in VARIANTS.items() for name in names]
)
def test_printed_country_spellings_resolve(printed, iso3):
    assert countries.name_and_code(F.clean_text(printed))[1] == iso3


def test_spellings_of_one_country_share_one_canonical_name():
    for names in VARIANTS.values():
        assert len({countries.name_and_code(F.clean_text(n))[0] for n in names}) == 1


def test_indochina_is_a_heading_not_a_country():
    name, iso3 = countries.name_and_code("Indochina")
    assert iso3 is None and "not a country" in name
