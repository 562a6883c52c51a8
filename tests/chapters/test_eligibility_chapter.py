"""The eligibility chapter executes with its defaults and with a focus country (slow: it runs
the real notebook on the real tables), and its glued numbers are those the analysis computes."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from imetbook import vocab
from imetbook.analysis import dropouts as do
from imetbook.analysis import eligibility as el
from imetbook.chapters import eligibility as ce
from imetbook.data import countries, datasets
from imetbook.errors import ParameterError
from imetbook.run import execute

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def tables():
    training = datasets.load("training")
    funding = datasets.load("funding")
    return training, funding


def test_defaults_glue_the_latest_year_and_its_counts(chapter_run, tables):
    training, funding = tables
    run = chapter_run("eligibility")
    glued = run.glued
    latest = el.latest_year(training)
    assert glued["fy"] == f"FY{latest}"
    train = el.training_participation(training)
    fund = el.funding_participation(funding)
    assert glued["n_train_fy"] == f"{train[train['fiscal_year'] == latest]['iso3'].nunique():,}"
    assert glued["n_fund_fy"] == f"{fund[fund['fiscal_year'] == latest]['iso3'].nunique():,}"
    # Turkey is never in the course records but has money: the reports' legal exemption.
    assert countries.to_iso3("Turkey") not in set(train["iso3"])
    assert glued["tur_money_years"].split(" of ")[0] != "0"
    assert "No focus country was chosen" in run.html + run.markdown
    assert not run.stderr
    # The answer names ASPA with the number of countries whose drop-out it explains.
    answer = "".join(run.nb.cells[0].source)
    assert "American Servicemembers' Protection Act" in answer
    assert "{glue:text}`n_aspa_countries`" in answer
    drops = do.dropouts(train, el.covered_years_training(training))
    causes = do.attribute(
        drops,
        *(datasets.load(t) for t in ("aspa_rules", "aspa_countries", "nato_accessions")),
        do.merged_headings(training),
        datasets.load("events"),
        datasets.load("country_restrictions"),
    )
    summary = do.summary(drops, causes)
    aspa = do.countries_with(summary, do.ASPA)
    assert glued["n_aspa_countries"] == f"{len(aspa):,}"
    assert {"Brazil", "Peru", "South Africa"} <= set(aspa)
    first, last = do.aspa_years(datasets.load("aspa_rules"))
    n, n_exp, share = do.explained_share(summary, first + 1, last - 1)
    assert glued["span_0406"] == vocab.fy_span(first + 1, last - 1)
    assert (glued["n_drop_0406"], glued["n_exp_0406"]) == (f"{n:,}", f"{n_exp:,}")
    assert glued["share_0406"] == f"{share:.0%}"


@pytest.mark.parametrize(
    ("country", "expected"),
    [("India", "India: years in and out"), ("Indonesia", "Indonesia: absences")],
)
def test_chapter_runs_for_a_focus_country(chapter_run, country, expected):
    run = chapter_run("eligibility", {"country": country})
    html = run.html + run.markdown
    assert expected in html
    assert "No focus country was chosen" not in html
    assert not run.stderr


def test_an_inverted_span_fails_in_one_line_naming_the_problem(tmp_path):
    # A rule of the chapter's spec: caught before any kernel starts (issue 14).
    with pytest.raises(ParameterError, match="after fy_end"):
        execute.run_chapter(
            "eligibility",
            {"fy_start": 2010, "fy_end": 2005},
            out_dir=tmp_path,
            log=lambda _m: None,
        )
    assert not list(tmp_path.iterdir())


NOTEBOOK = Path(__file__).resolve().parents[2] / "chapters" / "eligibility.ipynb"


def test_the_chapter_module_gives_every_value_the_prose_glues():
    # In-process, from the chapter module the notebook calls: no kernel needed.
    nb = nbformat.read(NOTEBOOK, as_version=4)
    prose = "".join(c.source for c in nb.cells if c.cell_type == "markdown")
    wanted = set(re.findall(r"\{glue:text\}`(\w+)`", prose))
    defaults = {"fy": None, "country": None, "fy_start": None, "fy_end": None}
    values = ce.Chapter.load(defaults).glue_values()
    assert wanted == set(values)
    training = datasets.load("training")
    covered = el.covered_years_training(training)
    assert values["span"] == vocab.fy_span(covered[0], covered[-1])
    assert values["fy"] == vocab.fy(el.latest_year(training))
