"""The shared-classes chapter: parameters are checked before a kernel starts, the committed
notebook's parameters are the chapter's spec, and the chapter executes with its defaults and two
other parameter sets (slow: it runs the real notebook into tmp_path)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from chapter_helpers import parameters_cell

from imetbook import vocab
from imetbook.analysis import classmates as cm
from imetbook.chapters import classmates as chapter
from imetbook.chapters import params
from imetbook.data import datasets
from imetbook.errors import ParameterError

NOTEBOOK = Path(__file__).parents[2] / "chapters" / "classmates.ipynb"


def test_committed_notebook_defines_exactly_the_chapter_parameters():
    defaults = parameters_cell(nbformat.read(NOTEBOOK, as_version=4))
    assert sorted(defaults) == sorted(chapter.PARAMS.names)
    assert defaults["countries"] == ["India", "Pakistan"]
    assert defaults["programs"] == "IMET" and defaults["match"] == "class"


@pytest.mark.parametrize(
    ("values", "text"),
    [
        ({"countries": "India"}, "parameter 'countries'"),
        ({"countries": ["India", "Atlantis"]}, "unknown country 'Atlantis'"),
        ({"match": "seminar"}, "parameter 'match'"),
        ({"programs": "IMTE"}, "closest: IMET"),
        ({"fy_start": 1990}, "outside the data's range"),
    ],
)
def test_params_reject_bad_values_before_any_kernel_starts(values, text):
    with pytest.raises(ParameterError, match=text):
        params.validate("classmates", values)


def test_an_inverted_span_is_a_parameter_error():
    with pytest.raises(ParameterError, match=r"fy_start \(2015\) is after fy_end \(2005\)"):
        cm.check_span(2015, 2005, (1999, 2020))


@pytest.mark.slow
@pytest.mark.parametrize(
    ("values", "countries", "programs"),
    [
        ({}, ["India", "Pakistan"], "IMET"),
        ({"countries": ["Bangladesh", "Nepal"]}, ["Bangladesh", "Nepal"], "IMET"),
        ({"countries": ["Israel", "Egypt"], "programs": "all"}, ["Israel", "Egypt"], "all"),
    ],
)
def test_chapter_executes_and_its_numbers_are_the_functions(
    chapter_run, values, countries, programs
):
    run = chapter_run("classmates", values)
    assert run.problems == []
    glued = run.glued
    training = datasets.load("training")
    result = cm.shared_classes_for(training, countries, programs)
    everything = result if programs == "all" else cm.shared_classes_for(training, countries, "all")
    expected = chapter.answer_numbers(result, everything)
    for key, value in expected.items():
        assert glued[f"cm_{key}"] == value, key
    claims = datasets.load("claims")
    assert glued["cm_claim"] == claims.set_index("claim_id").loc["C04", "claim"]
    # Turkey is never a trained country; Israel never an IMET one.
    assert glued["cm_turkey_rows"] == "no rows"
    assert glued["cm_israel_imet_rows"] == "0"
    assert glued["cm_israel_imet"] == "none of them is IMET"
    assert int(glued["cm_turkey_place_rows"].replace(",", "")) > 0
    # The roster's gap is named from the data: the reports whose rows have no document.
    no_doc = training.loc[training["document_url"].isna(), "report"]
    assert glued["cm_no_document_reports"] == vocab.and_join(sorted(no_doc.unique()))
