"""The claims chapter: its parameters cell is the chapter's spec, a bad value fails before any
kernel starts, and (slow) it executes on the real tables with its defaults and with another
threshold, gluing exactly what the analysis computes."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from chapter_helpers import parameters_cell

from imetbook.analysis import claims as cl
from imetbook.chapters import claims as chc
from imetbook.data import datasets
from imetbook.errors import ParameterError
from imetbook.run import execute
from imetbook.vocab import usd_short

NOTEBOOK = Path(__file__).parents[2] / "chapters" / "claims.ipynb"


def test_committed_notebook_defines_exactly_the_chapter_parameters():
    defaults = parameters_cell(nbformat.read(NOTEBOOK, as_version=4))
    assert sorted(defaults) == sorted(chc.PARAMS.names)
    # The defaults read the claim's own words: nothing typed in the notebook.
    assert defaults == {"threshold_usd": None, "since_fy": None}


def test_a_bad_parameter_fails_before_any_kernel_starts(tmp_path):
    with pytest.raises(ParameterError, match="parameter 'threshold_usd'"):
        execute.run_chapter("claims", {"threshold_usd": -1}, out_dir=tmp_path, log=lambda _m: None)
    assert not list(tmp_path.iterdir())


@pytest.fixture(scope="module")
def tables():
    return {name: datasets.load(name) for name in ("claims", "training", "funding", "events")}


@pytest.mark.slow
def test_chapter_glues_the_computed_verdicts_and_counts(chapter_run, tables):
    run = chapter_run("claims")
    assert run.problems == []
    glued = run.glued
    findings = cl.compute_all(
        tables["claims"], tables["training"], tables["funding"], tables["events"]
    )
    table = cl.verdict_table(tables["claims"], findings)
    for key, value in chc.headline(table).items():
        assert glued[key] == value, key
    for f in findings:
        assert glued[f"verdict_{f.claim_id}"] == f.verdict
        assert glued[f"reason_{f.claim_id}"] == chc.reason_md(f)  # data text, Markdown-escaped
        for key, value in f.facts.items():
            assert glued[f"{f.claim_id}_{key}"] == value
    assert {f.claim_id for f in findings} == set(cl.COMPUTED_CLAIMS)
    md = run.markdown
    assert chc.markdown_table(table) in md
    for claim_id in cl.COMPUTED_CLAIMS:
        assert f"(<{cl.EVIDENCE[claim_id].target}>)" in md
    assert "0x" not in nbformat.writes(run.nb)  # no memory addresses


@pytest.mark.slow
def test_another_threshold_changes_the_india_verdict_as_the_function_does(chapter_run, tables):
    claims, funding = tables["claims"], tables["funding"]
    double = 2 * cl.dollar_amount(cl.claim_text(claims, "C11"))
    run = chapter_run("claims", {"threshold_usd": double})
    assert run.problems == []
    glued = run.glued
    expected = cl.yearly_amount(claims, funding, threshold_usd=double)
    assert glued["verdict_C11"] == expected.verdict
    assert glued["C11_threshold"] == usd_short(double)
    default = cl.yearly_amount(claims, funding)
    assert glued["C11_years_at_or_above"] != default.facts["years_at_or_above"]
