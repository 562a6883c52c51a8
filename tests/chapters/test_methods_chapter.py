"""The methods appendix: its parameters are checked before any kernel starts, the committed
notebook's parameters are the chapter's spec, and (slow) it executes into tmp_path with a focus
report, gluing the numbers the quality functions compute and listing only that report."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pandas as pd
import pytest
from chapter_helpers import parameters_cell

from imetbook.analysis import quality as q
from imetbook.chapters import methods as chapter
from imetbook.data import datasets
from imetbook.errors import ParameterError
from imetbook.run import execute

NOTEBOOK = Path(__file__).parents[2] / "chapters" / "methods.ipynb"


def test_committed_notebook_defines_exactly_the_chapter_parameters():
    defaults = parameters_cell(nbformat.read(NOTEBOOK, as_version=4))
    assert sorted(defaults) == sorted(chapter.PARAMS.names) == ["report"]
    assert defaults["report"] is None


def test_a_bad_report_fails_before_any_kernel_starts(tmp_path):
    with pytest.raises(ParameterError, match="parameter 'report' of chapter 'methods'"):
        execute.run_chapter("methods", {"report": "2009"}, out_dir=tmp_path, log=lambda _m: None)
    assert not list(tmp_path.iterdir())


def _listing(run) -> list[str]:
    """The Markdown lines that open each report's list of unmatched groups."""
    assert run.problems == []
    cell = next(c for c in run.nb.cells if "chapter.mismatch_listing(" in c.source)
    return [
        "".join(out["data"]["text/markdown"])
        for out in cell.outputs
        if "text/markdown" in out.get("data", {})
    ]


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return {
        name: datasets.load(name)
        for name in ("training", "printed_totals", "reconciliation", "fmtr_excluded")
    }


@pytest.mark.slow
def test_focus_on_one_report_lists_only_its_mismatches(chapter_run, tables):
    recon, training = tables["reconciliation"], tables["training"]
    mism = q.mismatches(recon, tables["printed_totals"])
    focus = mism["report"].value_counts().idxmax()  # the report with most unmatched groups
    run = chapter_run("methods", {"report": focus})
    glued = run.glued
    # The opening paragraph's numbers are the functions' (they do not depend on the focus).
    assert glued["n_rows"] == f"{len(training):,}"
    assert glued["match_rate"] == chapter.share_text(q.match_rate(recon))
    assert glued["n_unmatched"] == f"{len(mism):,}"
    assert glued["n_unexplained"] == "0"
    headers = _listing(run)
    n_focus = int(mism["report"].eq(focus).sum())
    assert len(headers) == 1 and headers[0].startswith(f"**{focus}**: {n_focus:,} of ")


@pytest.mark.slow
def test_a_report_whose_totals_all_match_says_so(chapter_run, tables):
    summary = q.reconciliation_summary(tables["reconciliation"])
    per_report = summary.groupby(level="report")[["compared", "match"]].sum()
    clean = per_report[
        (per_report["compared"] > 0) & per_report["compared"].eq(per_report["match"])
    ]
    rep = clean.index[0]
    headers = _listing(chapter_run("methods", {"report": rep}))
    compared = int(per_report.loc[rep, "compared"])
    assert headers == [f"**{rep}**: all {compared:,} printed totals match the parsed rows."]
