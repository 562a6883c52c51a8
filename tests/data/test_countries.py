"""Country names: every spelling in the sources maps to one ISO code, unknown names fail."""

from __future__ import annotations

import pycountry
import pytest

from imetbook import paths
from imetbook.data import countries, manifest
from imetbook.data.parsers import budget
from imetbook.errors import UnknownCountryError

VARIANTS = [
    ("Kyrgyz Republic", "Kyrgyzstan"),
    ("Burma", "Burma (Myanmar)", "Myanmar"),
    ("Cote d'Ivoire", "Côte d’Ivoire", "Cote D’ivoire, Republic Of"),
    ("Congo (Kinshasa)", "Democratic Republic of the Congo"),
    ("Republic of the Congo", "Congo (Brazzaville)"),
    ("Serbia and Montenegro, Former", "Serbia and Montenegro"),
    ("China (Taiwan)", "Taiwan"),
    ("Bahamas, The", "The Bahamas", "Bahamas"),
    ("Gambia, The", "The Gambia", "Gambia"),
    ("Korea, South", "Republic of Korea", "South Korea"),
    ("Swaziland", "Eswatini"),
    ("Macedonia", "North Macedonia"),
    ("Cape Verde", "Cabo Verde"),
    ("Czech Republic", "Czechia"),
    ("St. Vincent and Grenadines", "Saint Vincent and the Grenadines"),
    ("Sao Tome & Principe", "Sao Tome and Principe"),
]


@pytest.mark.parametrize("names", VARIANTS, ids=lambda names: names[0])
def test_variants_map_to_one_code_and_one_name(names):
    resolved = {countries.name_and_code(n) for n in names}
    assert len(resolved) == 1, resolved
    _, code = resolved.pop()
    assert code is not None


def test_unknown_name_fails_naming_it():
    with pytest.raises(UnknownCountryError, match="'Ruritania'"):
        countries.name_and_code("Ruritania")


def test_region_labels_are_not_countries():
    with pytest.raises(UnknownCountryError):
        countries.name_and_code("South and Central Asia")


def _raw(folder: str) -> dict[str, manifest.RawFile]:
    return manifest.read_plain(paths.raw_dir() / folder)


def test_every_budget_name_in_the_raw_files_resolves():
    raw = _raw("budget")
    bases = {r["region"] for r in manifest.read_csv(raw[budget.GREENBOOK])}
    columns = {
        budget.MASTER: ("country",),
        budget.GREENBOOK: ("country", "country_as_printed"),
        budget.STATE: ("country", "country_as_printed"),
        budget.FMTR_S3: ("country",),
    }
    for file, cols in columns.items():
        for row in manifest.read_csv(raw[file]):
            ent = budget.resolve_label(row["country"], bases)  # raises on an unknown name
            if "country_as_printed" in cols and ent.scope == "country":
                # The name as printed must give the staged name's code.
                assert countries.to_iso3(row["country_as_printed"]) == ent.iso3, row


def test_every_context_name_in_the_raw_files_resolves():
    raw = _raw("context")
    names = set()
    for file, data in raw.items():
        rows = manifest.read_csv(data)
        if file.endswith("_timeline.csv"):
            names |= {n for r in rows for n in r["countries"].split(";")}
        if file == "eligibility_rules.csv":
            names |= {n for r in rows for n in r["example_countries"].split(";") if n}
    assert names
    for name in sorted(names):
        assert countries.to_iso3(name) is not None, name


def test_every_canonical_name_resolves_back_to_its_code():
    # Country pages and researcher runs pass the book's own names back in (e.g. PSE).
    codes = {c.alpha_3 for c in pycountry.countries} | set(countries.DISPLAY)
    broken = {
        code: countries.canonical_name(code)
        for code in sorted(codes)
        if countries.to_iso3(countries.canonical_name(code)) != code
    }
    assert broken == {}
