"""The budget chapter: parameters are checked before a kernel starts, and the chapter executes
with its defaults and with another region and country set (slow: it runs the real notebook)."""

from __future__ import annotations

import pytest

from imetbook.analysis import budget
from imetbook.analysis import claims as cl
from imetbook.chapters import params
from imetbook.data import datasets
from imetbook.errors import ParameterError
from imetbook.run import execute
from imetbook.vocab import fy_runs, fy_span

NEAR_EAST = {
    "region": "Near East",
    "countries": ["Jordan", "Egypt"],
    "measure": "actual",
    "fy_start": 2008,
    "fy_end": 2017,
}


def test_params_reject_an_unknown_measure_before_any_kernel_starts():
    with pytest.raises(ParameterError, match="parameter 'measure' of chapter 'budget'"):
        params.validate("budget", {"measure": "grants"})


def test_params_reject_countries_that_are_not_a_list():
    with pytest.raises(ParameterError, match="parameter 'countries'"):
        params.validate("budget", {"countries": "India"})
    assert params.validate("budget", {"countries": None}) == {"countries": None}
    assert params.validate("budget", {"countries": ["Kyrgyz Republic"]}) == {
        "countries": ["Kyrgyzstan"]
    }


@pytest.mark.slow
def test_chapter_executes_with_defaults_and_quotes_the_claims(chapter_run):
    run = chapter_run("budget")
    glued = run.glued
    claims = datasets.load("claims")
    assert glued["region_name"] == "South and Central Asia"
    for key, claim_id in (
        ("claim_request", "C13"),
        ("claim_india", "C11"),
        ("claim_turkey", "C10"),
    ):
        assert glued[key] == cl.claim_text(claims, claim_id)
    # The article's request figure is judged once, by the claims module: the chapter glues
    # that verdict and those years, never a judgement of its own.
    funding = datasets.load("funding")
    _region, _asked, rows = cl.request_matches(claims, funding)
    assert rows["matches"].any()
    assert glued["req_match_years"] == fy_runs(rows.loc[rows["matches"], "fiscal_year"])
    assert glued["req_verdict"] == cl.request_amount(claims, funding).verdict == cl.SUPPORTED
    # Every money claim's verdict is the claims module's finding, the claims chapter's too.
    for finding in cl.money_findings(claims, funding):
        assert glued[f"verdict_{finding.claim_id}"] == finding.verdict, finding.claim_id
    assert not run.stderr


@pytest.mark.slow
def test_chapter_executes_for_another_region_and_country_set(chapter_run):
    run = chapter_run("budget", NEAR_EAST)
    glued = run.glued
    assert glued["region_name"] == "Near East"
    assert glued["fy_span"] == fy_span(NEAR_EAST["fy_start"], NEAR_EAST["fy_end"])
    members = budget.region_members(datasets.load("funding"), "Near East")
    assert glued["n_members"] == str(len(members))
    assert "Members' shares of Near East" in run.html
    assert not run.stderr


@pytest.mark.slow
def test_chapter_names_a_country_outside_the_region_in_one_line(tmp_path):
    from imetbook.errors import ExecutionError

    with pytest.raises(ExecutionError, match="not in region 'Near East': India"):
        execute.run_chapter(
            "budget", {**NEAR_EAST, "countries": ["India"]}, out_dir=tmp_path, log=lambda _m: None
        )
    assert not list(tmp_path.glob("*.ipynb"))
