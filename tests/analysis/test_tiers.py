"""PME tiers: the sourced rule table, real titles in each tier, and the unmapped share."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pandas as pd
import pytest

from imetbook.analysis import courses, tiers
from imetbook.data import datasets
from imetbook.errors import ChecksumError, DataError


def test_every_rule_is_sourced_and_every_family_has_a_tier():
    rules = tiers.read_rules()
    assert set(rules["tier"]) == set(tiers.TIERS)
    sourced = rules[rules["source_url"] != ""]
    assert sourced["source_url"].str.match(r"https?://").all()
    assert (sourced["locator"] != "").all() and (sourced["quote"] != "").all()
    assert (rules["quote"].str.split().str.len() <= 30).all()
    families = set(rules.loc[rules["match"] == "family", "pattern"])
    assert families == {f.family for f in courses.FAMILIES}


def test_family_levels_agree_with_tiers():
    """A curated family's level and its tier agree (preparatory: the tier it prepares for)."""
    for fam in courses.FAMILIES:
        tier = tiers.tier_of_key(fam.examples[0])
        assert tier.preparatory == (fam.level == "preparatory"), fam.family
        if fam.level != "preparatory":
            assert tier.tier == fam.level, fam.family


@pytest.mark.parametrize(
    ("title", "tier", "preparatory"),
    [
        ("NAVAL COMMAND COLLEGE", "senior", False),
        ("NWC INT'L FELLOWS-CT", "senior", False),
        ("NDU INTERNATIONAL FELLOW", "senior", False),
        ("INTERNATIONAL FELLOWS ORIENTATION", "senior", True),
        ("INTL OFF SCH (FOR AC&SC)", "intermediate", True),
        ("COMMAND & GEN STAFF OFF", "intermediate", False),
        ("INFANTRY CAPTS CAREER CRS", "career", False),
        ("FA OFF ADVANCED PREPARATORY ALLIED OFFICER", "career", True),
        ("ENGINEER OFF ADV", "career", False),
        ("SQUADRON OFFICER SCHOOL", "career", False),
        ("AMERICAN LANGUAGE COURSE GET AND SET", "English language", False),
        ("SPECIALIZED ENG LANG TNG", "English language", False),
        ("MTT MARINE CORPS", "seminars and mobile teams", False),
        ("MET DIILS SEMINARS", "seminars and mobile teams", False),
        ("INFANTRY BASIC OFFICER LEADER BRANCH", "basic and technical", False),
        ("UH 60 FLIGHT SIMULATOR", "basic and technical", False),
        ("MET MLE BOARDING OFF ADV", "seminars and mobile teams", False),
        ("PROGRAM ON TERRORISM AND SECURITY STUDIES", tiers.UNMAPPED, False),
    ],
)
def test_real_titles_land_in_their_tier(title, tier, preparatory):
    got = tiers.tier_of_key(title)
    assert (got.tier, got.preparatory) == (tier, preparatory)


@pytest.mark.parametrize("title", courses.NOT_IN_FAMILIES)
def test_look_alikes_are_not_colleges(title):
    assert tiers.tier_of_key(title).tier not in ("senior", "intermediate")


def test_a_key_takes_the_tier_its_printed_titles_give():
    """``NWC INT L FELLOWS CT`` is the key of ``NWC INT'L FELLOWS-CT``: senior, via the title."""
    frame = pd.DataFrame(
        {"course_key": ["NWC INT L FELLOWS CT"], "course_title": ["NWC INT'L FELLOWS-CT"]}
    )
    assert tiers.tier_columns(frame)["tier"].tolist() == ["senior"]
    assert tiers.tier_of_key("NWC INT L FELLOWS CT").tier == tiers.UNMAPPED


@pytest.fixture(scope="module")
def training() -> pd.DataFrame:
    return datasets.load("training")


def test_coverage_accounts_for_every_actual_row(training):
    cov = tiers.coverage(training)
    actual = training[training["status"] == "actual"]
    assert cov["tier"].tolist() == list(tiers.ALL_TIERS)
    assert cov["rows"].sum() == len(actual)
    assert cov["course keys"].sum() == actual["course_key"].nunique(dropna=False)
    assert cov["share of rows"].sum() == pytest.approx(1, abs=1e-3)
    share = tiers.unmapped_share(training)
    unmapped = tiers.with_tiers(actual)["tier"].eq(tiers.UNMAPPED).mean()
    assert share == pytest.approx(unmapped, abs=1e-4)
    assert 0 < share < 1
    assert (cov.set_index("tier").loc[list(tiers.TIERS), "rows"] > 0).all()


def test_unmapped_share_rejects_an_unknown_measure(training):
    with pytest.raises(DataError, match="'of' must be"):
        tiers.unmapped_share(training, of="pages")


def _copy_reference(tmp_path: Path, edit=None) -> Path:
    folder = tmp_path / "reference"
    shutil.copytree(tiers.reference_dir(), folder)
    if edit is not None:
        path = folder / tiers.TABLE_FILE
        path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        manifest = folder / "MANIFEST.csv"
        lines = manifest.read_text(encoding="utf-8").split("\n")
        row = next(i for i, line in enumerate(lines) if line.startswith(f"{tiers.TABLE_FILE},"))
        head, _, rest = lines[row].split(",", 2)
        lines[row] = ",".join([head, digest, rest])
        manifest.write_text("\n".join(lines), encoding="utf-8")
    return folder


def test_a_changed_table_fails_its_checksum(tmp_path):
    folder = _copy_reference(tmp_path)
    path = folder / tiers.TABLE_FILE
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    with pytest.raises(ChecksumError):
        tiers.read_rules(folder)


def test_a_rule_with_an_unknown_tier_is_refused(tmp_path):
    folder = _copy_reference(tmp_path, lambda s: s.replace("F01,senior,", "F01,strategic,", 1))
    with pytest.raises(DataError, match="tier 'strategic' is not one of"):
        tiers.read_rules(folder)


def test_a_family_rule_must_name_a_curated_family(tmp_path):
    folder = _copy_reference(
        tmp_path, lambda s: s.replace(",Army War College,", ",Army War Colege,", 1)
    )
    with pytest.raises(DataError, match="no curated course family"):
        tiers.read_rules(folder)
