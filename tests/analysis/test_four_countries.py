"""The article's four countries and its war colleges, on the real records: Israeli classmates,
Turkey, C05 (nationalities per war-college class), C10 near the article, C14."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from imetbook.analysis import budget, classrooms, tiers
from imetbook.analysis import claims as cl
from imetbook.analysis import classmates as cm
from imetbook.data import datasets


@pytest.fixture(scope="module")
def training() -> pd.DataFrame:
    return datasets.load("training")


@pytest.fixture(scope="module")
def funding() -> pd.DataFrame:
    return datasets.load("funding")


@pytest.fixture(scope="module")
def claims() -> pd.DataFrame:
    return datasets.load("claims")


@pytest.fixture(scope="module")
def four(training) -> pd.DataFrame:
    return cl.four_countries(training).set_index("countries")


def _war_college_classes(classes: pd.DataFrame) -> pd.DataFrame:
    """Independently of classrooms: the senior-tier, non-preparatory classes."""
    found = tiers.tier_columns(classes)
    return classes[found["tier"].eq("senior") & ~found["preparatory"]]


@pytest.mark.parametrize("other", ["India", "Pakistan"])
def test_israeli_officers_share_classes_with_each_rival_under_all_programs(training, four, other):
    result = cm.shared_classes_for(training, [other, "Israel"], programs="all")
    classes = result.classes[result.classes["match"].eq("class")]
    college = _war_college_classes(classes)
    rec = four.loc[f"{other} and Israel"]
    assert rec["programs"] == "all programs"
    assert rec["classes"] == len(classes) > 0
    assert rec["war-college classes"] == len(college) > 0
    assert rec["verdict"] == rec["war-college verdict"] == cl.SUPPORTED
    # Under IMET alone there is nothing to find: Israel has no IMET record.
    imet = cm.shared_classes_for(training, [other, "Israel"], programs="IMET")
    assert imet.classes.empty
    # The example is a war-college class, with its report and pages.
    assert any(str(c) in rec["example"] for c in college["course_title"])


def test_turkey_is_shown_as_not_checkable_with_the_law(training, four):
    assert not training["country_name"].eq("Turkey").any()
    rec = four.loc["Turkey and any other"]
    assert rec["verdict"] == cl.UNVERIFIED
    assert "22 U.S.C. 2416(a)(2)" in rec["example"]
    assert pd.isna(rec["classes"])


def test_india_pakistan_war_college_count_matches_the_classmates_functions(training, four):
    result = cm.shared_classes_for(training, ["India", "Pakistan"])
    college = _war_college_classes(result.classes[result.classes["match"].eq("class")])
    assert four.loc["India and Pakistan", "war-college classes"] == len(college)
    assert 0 < len(college) < len(result.classes)


def test_c05_counts_nationalities_in_every_war_college_class(claims, training, funding):
    found = cl.war_college_nationalities(claims, training, funding)
    need = cl.nationalities_named(cl.claim_text(claims, "C05"))
    rows = classrooms.war_college_rows(training)
    names = sorted(rows["country_name"].unique())
    classes = cm.shared_classes_for(rows, names, programs="all").classes
    big = classes[classes["n_countries"] >= need]
    with_both = big[
        big["countries"].str.contains("India") & big["countries"].str.contains("Israel")
    ]
    assert found.facts["n_classes"] == f"{len(classes):,}"
    assert found.facts["n_big"] == f"{len(big):,}"
    assert found.facts["n_named"] == f"{len(with_both):,}"
    assert found.facts["most"] == str(int(classes["n_countries"].max()))
    assert found.verdict == (cl.SUPPORTED if int(found.facts["n_full"]) else cl.PARTLY)
    assert "lower bounds" in found.reason
    # Every row is a war college of any program: Israel's officers come under FMF.
    assert rows["country_name"].eq("Israel").any()
    assert not rows.loc[rows["country_name"].eq("Israel"), "is_imet"].any()


def test_c05_by_year_keeps_years_without_a_class_as_gaps(training):
    classes = classrooms.war_college_classes(training)
    years = list(range(int(classes["fiscal_year"].min()), int(classes["fiscal_year"].max()) + 1))
    table = classrooms.nationalities_by_year(classes, years).set_index("fiscal_year")
    counts = classes.groupby("fiscal_year").size()
    assert table["classes"].sum() == len(classes)
    for year in years:
        assert table.loc[year, "classes"] == counts.get(year, 0)
        if year not in counts.index:
            assert pd.isna(table.loc[year, "most_nationalities"])


def test_c05_largest_class_words_a_place_the_report_does_not_print(training):
    classes = classrooms.war_college_classes(training)
    placeless = classes[classes["place"].isna()]
    assert len(placeless), "the real records have war-college classes with no place printed"
    years = sorted(set(placeless["fiscal_year"]))
    table = classrooms.nationalities_by_year(placeless, years)
    labels = table["largest_class"].tolist()
    assert all(", place not printed (" in label for label in labels), labels
    assert not any("nan" in label for label in labels)
    top = placeless.iloc[0]
    assert classrooms.class_label(top) == (
        f"{top['course_title']}, place not printed, FY{int(top['fiscal_year'])} ({top['pages']})"
    )


def test_c10_is_judged_on_the_years_nearest_the_article(claims, funding):
    found = cl.global_rank(claims, funding)
    first, last = cl.NEAR_ARTICLE
    ranks = budget.country_rank(funding, "Turkey", first, last)
    ranked = ranks[ranks["rank"].notna()]
    target = cl.ordinal_rank(cl.claim_text(claims, "C10"))
    assert len(ranked) and not ranked["rank"].eq(target).any()
    assert found.verdict == cl.CONTRADICTED
    for rec in ranked.itertuples():
        assert f"{cl.ordinal(int(rec.rank))} of {int(rec.n_ranked):,}" in found.reason
    # The measures that exist near the article are named, with those that do not.
    near = cl.measures_near(funding)
    for m in near.loc[near["countries"] > 0, "measure"]:
        assert budget.label(m) in found.facts["measures_near"]
    assert "before the years judged" in found.reason


def test_c14_is_partly_supported_with_both_news_sources(claims, funding):
    found = cl.priority_countries(claims, funding)
    year, rows = cl.priority_requests(claims, funding)
    missing = rows.loc[rows["amount_usd"].isna(), "country_name"].tolist()
    assert missing and len(missing) < len(rows)
    assert found.verdict == cl.PARTLY
    asked = funding[
        funding["measure"].eq("request")
        & funding["fiscal_year"].eq(year)
        & funding["scope"].eq("country")
    ]
    for title in set(asked["source_title"]) & {t for c in rows["sources"] for t in c.split("; ")}:
        assert title in found.reason
    assert len({t for c in rows["sources"] for t in c.split("; ") if t}) >= 2


# --- the committed chapters glue these values ------------------------------------------------

CHAPTERS = Path(__file__).parents[2] / "chapters"


def _committed_glue(name: str) -> dict[str, str]:
    nb = nbformat.read(CHAPTERS / f"{name}.ipynb", as_version=4)
    found = {}
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            key = out.get("metadata", {}).get("scrapbook", {}).get("name")
            data = out.get("data", {})
            text = data.get("application/papermill.record/text/plain", "")
            if key and not text.startswith("<"):  # Markdown objects are glued as text/markdown
                found[key] = ast.literal_eval(text)
    return found


def _answer(name: str) -> str:
    nb = nbformat.read(CHAPTERS / f"{name}.ipynb", as_version=4)
    text = nb.cells[0].source
    return text[text.index("**Answer.**") :].split("\n\n")[0]


def test_classmates_answer_leads_with_the_war_college_count(training):
    result = cm.shared_classes_for(training, ["India", "Pakistan"])
    college = _war_college_classes(result.classes)
    glued = _committed_glue("classmates")
    assert glued["cm_n_war_college"] == f"{len(college):,}"
    assert glued["cm_war_college_example"].split(",")[0] in set(college["course_title"])
    answer = _answer("classmates")
    assert "{glue:text}`cm_n_war_college`" in answer
    # War colleges come before every other level in the answer and in the table.
    assert answer.index("cm_n_war_college") < answer.index("cm_other_levels")
    table = classrooms.tier_table(result.classes)
    assert table["level"].iloc[0] == classrooms.LEVEL_LABELS["senior"]
    assert table["classes"].iloc[0] == len(college[college["match"].eq("class")])


def test_claims_chapter_glues_the_computed_israel_and_c05_verdicts(claims, training, funding):
    glued = _committed_glue("claims")
    facts = cl.four_facts(cl.four_countries(training))
    for key, value in facts.items():
        assert glued[key] == value, key
    assert glued["verdict_C05"] == cl.war_college_nationalities(claims, training, funding).verdict
    assert glued["verdict_C14"] == cl.PARTLY
    answer = _answer("claims")
    assert "{glue:text}`isr_ind_verdict`" in answer and "{glue:text}`isr_pak_verdict`" in answer
    assert "{glue:md}`reason_C05`" in answer


def _table_text(name: str, table_id: str) -> str:
    nb = nbformat.read(CHAPTERS / f"{name}.ipynb", as_version=4)
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            html = out.get("data", {}).get("text/html", "")
            if f"T_{table_id}" in html:
                return html
    raise AssertionError(f"{name}: no table {table_id}")


def test_budget_chapter_shows_the_verdicts_the_claims_chapter_computes(claims, funding):
    glued = _committed_glue("claims")
    money = cl.money_claims(claims, cl.money_findings(claims, funding)).set_index("claim")
    for claim_id in cl.MONEY_CLAIMS:
        assert money.loc[claim_id, "verdict"] == glued[f"verdict_{claim_id}"], claim_id
    shown = _table_text("budget", "budget-claim-request")
    for claim_id in ("C13", "C14"):
        row = shown[shown.index(f">{claim_id}<") :]
        assert f">{glued[f'verdict_{claim_id}']}<" in row[: row.index("</tr>")], claim_id


def test_courses_are_listed_by_level_war_colleges_first(training):
    result = cm.shared_classes_for(training, ["India", "Pakistan"])
    table = classrooms.courses_by_level(result, per_level=3)
    order = [classrooms.LEVEL_LABELS[name] for name in classrooms.LEVELS]
    ranks = table["level"].map(order.index)
    assert table["level"].iloc[0] == classrooms.LEVEL_LABELS["senior"]
    assert ranks.is_monotonic_increasing
    assert table.groupby("level").size().max() <= 3
    college = _war_college_classes(result.classes)
    top = table[table["level"].eq(classrooms.LEVEL_LABELS["senior"])]
    assert top["classes"].sum() <= len(college)
    assert top["classes"].iloc[0] == college.groupby("family").size().max()
