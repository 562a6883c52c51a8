"""Which countries get a page, every program of a page, ranks and the law, on the real tables;
the source grade of every funding row."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from imetbook import paths, vocab
from imetbook.analysis import budget, eligibility
from imetbook.analysis import classmates as cm
from imetbook.analysis import country_classes as cc
from imetbook.analysis import country_pages as cp
from imetbook.analysis import country_scope as cs
from imetbook.analysis import country_set as cset
from imetbook.chapters import country_text as ct
from imetbook.data import countries, datasets
from imetbook.data.parsers import budget as sources_budget
from imetbook.run import execute


@pytest.fixture(scope="module")
def accessions() -> dict[str, str]:
    return eligibility.accession_dates(datasets.load("nato_accessions"))


@pytest.fixture(scope="module")
def training() -> pd.DataFrame:
    return datasets.load("training", columns=cp.TRAINING_COLUMNS)


@pytest.fixture(scope="module")
def funding() -> pd.DataFrame:
    return datasets.load("funding")


def test_every_country_with_imet_money_has_a_page_nato_members_included(
    training, funding, accessions
):
    pages = cs.countries_with_pages(training, funding)
    assert pages["iso3"].is_unique
    own = funding[funding["scope"].eq("country") & funding["iso3"].notna()]
    own = own[~own["measure"].eq("training_value")]
    assert set(own["iso3"]) | set(training["iso3"].dropna()) == set(pages["iso3"])
    money_only = pages[pages["basis"].eq(cs.MONEY_ONLY)]
    assert "TUR" in set(money_only["iso3"])
    # Every country with money but no record is one the law (or the lack of records) explains:
    # none of them has a training record.
    assert not set(money_only["iso3"]) & set(training["iso3"].dropna())
    nato_with_money = set(own["iso3"]) & set(accessions)
    assert nato_with_money <= set(pages["iso3"])


def test_turkey_page_names_the_law_and_ranks_its_money(training, funding, accessions):
    iso3 = cp.iso3_of(training, "Turkey", funding)
    assert iso3 == "TUR"
    assert cs.programs_table(training, iso3).empty
    law = ct.law_markdown("Turkey", iso3, False, accessions)
    assert "22 U.S.C. 2416(a)(2)" in law and cs.STATUTE_URL in law
    assert accessions["TUR"] in law
    ranks = ct.rank_display(cs.rank_table(funding, iso3)).set_index("measure")
    obligation = budget.country_rank(
        budget.evidence_rows(funding),
        "Turkey",
        int(funding.loc[funding["iso3"].eq("TUR"), "fiscal_year"].min()),
        int(funding.loc[funding["iso3"].eq("TUR"), "fiscal_year"].max()),
        measures=["obligation"],
    )
    last = obligation[obligation["rank"].notna()].iloc[-1]
    assert ranks.loc[vocab.measure_label("obligation"), "latest rank"] == (
        f"{int(last['rank'])} of {int(last['n_ranked'])} (FY{int(last['fiscal_year'])})"
    )


def test_israel_page_lists_its_programs_plainly(training):
    programs = cs.programs_table(training, "ISR")
    mine = training[training["iso3"].eq("ISR") & training["status"].eq("actual")]
    assert not mine["is_imet"].any()  # no IMET record: the page must say who paid
    counts = mine["program"].value_counts()
    assert programs["program"].iloc[0] == counts.index[0] == "FMF"
    assert dict(zip(programs["program"], programs["records"], strict=True)) == counts.to_dict()
    assert set(programs["IMET"]) == {"no"}
    sentence = ct.programs_sentence("Israel", programs)
    assert sentence.startswith("The training reports list no IMET training for Israel")
    assert f"FMF ({counts['FMF']:,} records)" in sentence


def test_imet_comes_first_on_a_page_with_imet(training):
    programs = cs.programs_table(training, "IND")
    assert programs["IMET"].iloc[0] == "yes"
    assert programs["IMET"].tolist() == sorted(programs["IMET"], reverse=True)


def test_every_funding_row_has_a_grade_and_mirror_copies_are_named(funding):
    assert funding["source_grade"].notna().all()
    assert set(funding["source_grade"]) <= {"primary", "secondary", "tertiary"}
    grade = funding.groupby("source")["source_grade"].unique()
    assert list(grade["tertiary"]) == ["tertiary"]
    assert list(grade["crs"]) == list(grade["news"]) == ["secondary"]
    assert list(grade["greenbook"]) == ["primary"]
    copies = funding[funding["source_copy_at"].notna()]
    assert set(copies["source_copy_at"]) <= set(sources_budget.MIRROR_HOSTS)
    assert "fdocuments.in" in set(copies["source_copy_at"])
    cbj = funding[funding["source"].eq("cbj")].iloc[0]
    assert ct.cited_title(cbj["source_title"], cbj["source_copy_at"]) == (
        f"{cbj['source_title']} (copy at fdocuments.in)"
    )


def test_tertiary_rows_are_listed_but_never_charted_or_ranked(funding):
    tertiary = funding[funding["source_grade"].eq("tertiary")]
    assert len(tertiary)  # the encyclopedia page is in the table ...
    iso3 = tertiary["iso3"].iloc[0]
    rows = cp.funding_rows(funding, iso3)
    table = ct.funding_table(rows)
    assert "tertiary" in set(table["grade"])  # ... listed on the page ...
    charted = cp.funding_by_year(rows)
    year, measure = int(tertiary["fiscal_year"].iloc[0]), tertiary["measure"].iloc[0]
    same = charted[charted["fiscal_year"].eq(year) & charted["measure"].eq(measure)]
    assert same.empty or tertiary["source"].iloc[0] not in same["figures"].iloc[0]
    assert not budget.evidence_rows(funding)["source_grade"].eq("tertiary").any()


def test_copy_host_recognises_only_mirror_sites():
    assert sources_budget.copy_host("https://vdocuments.us/pakaid.html") == "vdocuments.us"
    assert sources_budget.copy_host("https://www.everycrsreport.com/x.html") == "everycrsreport.com"
    assert sources_budget.copy_host("https://dawn.com/news/1533938") is None
    assert sources_budget.copy_host(None) is None


def test_the_book_makes_a_page_for_turkey_and_israel(training):
    template = paths.chapters_dir() / execute.PROFILE_TEMPLATE
    jobs = {
        Path(j.output).stem: j.parameters["country"]
        for j in execute.profile_jobs(training, template)
    }
    assert jobs["TUR"] == "Turkey" and jobs["ISR"] == "Israel"
    assert len(jobs) == len(cset.page_list(training))


def _outputs(nb) -> str:
    out = []
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            data = o.get("data", {})
            for kind in (
                "text/markdown",
                "text/html",
                "application/papermill.record/text/markdown",
            ):
                out.append(str(data.get(kind, "")))
    return "\n".join(out)


@pytest.mark.slow
@pytest.mark.parametrize("country", ["Turkey", "Israel"])
def test_turkey_and_israel_pages_have_content(chapter_run, country, training, funding):
    text = _outputs(chapter_run("profile", {"country": country}).nb)
    iso3 = cp.iso3_of(training, country, funding)
    ranks = ct.rank_display(cs.rank_table(funding, iso3))
    for latest in ranks["latest rank"]:
        assert latest in text  # the rank table, every measure
    if country == "Turkey":
        assert "22 U.S.C. 2416(a)(2)" in text and cs.STATUTE_URL in text
    else:
        programs = cs.programs_table(training, iso3)
        assert ct.programs_sentence(country, programs) in text
        assert f"{programs['records'].iloc[0]:,}" in text  # FMF's records, first row


def test_courses_of_a_country_without_imet_come_from_every_program(training):
    israel, imet = cs.course_rows(training, "ISR")
    assert not imet and len(israel) == cs.programs_table(training, "ISR")["records"].sum()
    india, imet = cs.course_rows(training, "IND")
    assert imet and india["is_imet"].all() and india["status"].eq("actual").all()
    assert len(india) == len(cp.imet_rows(training, "IND"))


def test_a_money_only_page_says_which_years_and_measures_it_rests_on(funding):
    sentence = ct.money_sentence("Turkey", *cs.money_measures(funding, "TUR"))
    own = budget.evidence_rows(funding)
    own = own[own["iso3"].eq("TUR") & ~own["measure"].eq("training_value")]
    assert vocab.fy_runs(own["fiscal_year"]) in sentence
    for measure in set(own["measure"]):
        assert vocab.measure_label(measure) in sentence
    assert ct.money_sentence("Turkey", *cs.money_measures(funding.iloc[:0], "TUR")) == ""


@pytest.mark.parametrize("iso3", ["TUR", "IND", "PAK", "NPL", "ARM", "ISR", "EGY"])
def test_rank_table_ranks_as_the_budget_chapter(funding, iso3):
    # The page ranks from the global ranks computed once for all pages and the country's
    # rows only; the budget chapter ranks one country against the full table.
    table = cs.rank_table(funding, iso3).set_index("measure")
    shared = cs.rank_table(funding[funding["iso3"].eq(iso3)], iso3, cs.all_ranks(funding))
    pd.testing.assert_frame_equal(shared.set_index("measure"), table)
    usable = budget.evidence_rows(funding)
    mine = usable[usable["iso3"].eq(iso3) & ~usable["measure"].eq("training_value")]
    first, last = int(mine["fiscal_year"].min()), int(mine["fiscal_year"].max())
    name = countries.canonical_name(iso3)
    expected = budget.country_rank(usable, name, first, last, measures=list(table.index))
    assert len(table)
    for measure, grp in expected.groupby("measure"):
        ranked = grp[grp["rank"].notna()].sort_values("fiscal_year")
        row = table.loc[measure]
        assert row["ranked"] == ranked["fiscal_year"].tolist()
        assert row["without"] == grp.loc[grp["rank"].isna(), "fiscal_year"].tolist()
        if len(ranked):
            last_rank = ranked.iloc[-1]
            assert row["latest"] == (
                last_rank["rank"],
                last_rank["n_ranked"],
                last_rank["fiscal_year"],
            )
            best = ranked.sort_values(["rank", "fiscal_year"], kind="stable").iloc[0]
            assert row["best"] == (best["rank"], best["n_ranked"], best["fiscal_year"])


def test_israel_page_counts_its_shared_classes_under_every_program(training, funding):
    region = cp.region_of(training, funding, "ISR")
    table = cc.all_program_pairs(training, "ISR", region.members)
    assert len(table) and table["shared in all"].is_monotonic_decreasing
    first = table.iloc[0]
    result = cm.shared_classes_for(training, ["Israel", first["neighbour"]], programs="all")
    kinds = result.classes["match"].value_counts()
    assert first["classes"] == kinds.get("class", 0) > 0
    assert first["shared in all"] == len(result.classes)
    assert cc.all_program_pairs(training, "ISR", []).empty


def test_all_program_pairs_in_one_run_are_each_pair_matched_on_its_own(training, funding):
    # One matching run over tagged copies of every pair's rows gives what the classmates
    # chapter gives for each pair alone (cm.pair_table), for every pair of the region.
    region = cp.region_of(training, funding, "ISR")
    table = cc.all_program_pairs(training, "ISR", region.members)
    names = training.loc[training["iso3"].isin(["ISR", *region.members]), ["iso3", "country_name"]]
    names = dict(names.drop_duplicates("iso3").itertuples(index=False))
    others = [names[m] for m in region.members if m in names]
    pairs = cm.pair_table(training, [names["ISR"], *others], programs="all", first_only=True)
    pairs = pairs[pairs["total"] > 0].set_index("country_b")
    assert len(pairs) > 1
    shown = table.set_index("neighbour")
    assert sorted(shown.index) == sorted(pairs.index)
    for column, kind in (("classes", "class"), ("course-year matches", "course-year")):
        assert shown[column].to_dict() == pairs[kind].to_dict()
    assert shown["shared in all"].to_dict() == pairs["total"].to_dict()
