"""The rivalries chapter: parameters are checked before a kernel starts, the committed notebook's
parameters are the chapter's spec, and the chapter executes with its defaults and one other
parameter set (slow: it runs the real notebook into tmp_path)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from chapter_helpers import parameters_cell

from imetbook.analysis import classmates as cm
from imetbook.chapters import params
from imetbook.chapters import rivalries as chapter
from imetbook.data import datasets
from imetbook.errors import ParameterError

NOTEBOOK = Path(__file__).parents[2] / "chapters" / "rivalries.ipynb"
TOC = Path(__file__).parents[2] / "_toc.yml"


def test_committed_notebook_defines_exactly_the_chapter_parameters():
    defaults = parameters_cell(nbformat.read(NOTEBOOK, as_version=4))
    assert sorted(defaults) == sorted(chapter.PARAMS.names)
    assert defaults["programs"] == "IMET" and defaults["tier"] == "all"
    assert defaults["min_classes"] == 1


def test_the_chapter_is_in_the_table_of_contents():
    assert "file: chapters/rivalries" in TOC.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("values", "text"),
    [
        ({"tier": "war colleges"}, "parameter 'tier'"),
        ({"min_classes": 0}, "below the minimum 1"),
        ({"min_classes": "2"}, "expected a whole number"),
        ({"programs": "IMTE"}, "closest: IMET"),
        ({"fy_start": 1990}, "outside the data's range"),
        ({"countries": ["India"]}, "unknown parameter 'countries'"),
    ],
)
def test_params_reject_bad_values_before_any_kernel_starts(values, text):
    with pytest.raises(ParameterError, match=text):
        params.validate("rivalries", values)


@pytest.mark.slow
@pytest.mark.parametrize(
    "values",
    [{}, {"programs": "all", "tier": "senior", "fy_start": 2010, "fy_end": 2020, "min_classes": 2}],
)
def test_chapter_executes_and_its_numbers_are_the_functions(chapter_run, rivalries_of, values):
    run = chapter_run("rivalries", values)
    assert run.problems == []
    glued = run.glued
    training = datasets.load("training")
    args = {"programs": "IMET", "tier": "all", "fy_start": None, "fy_end": None, "min_classes": 1}
    args.update(values)
    result = rivalries_of(**args)
    everything = rivalries_of(**{**args, "programs": "all"})
    for key, value in chapter.answer_numbers(result, everything).items():
        assert glued[f"rv_{key}"] == value, key
    # India and Pakistan at every tier: the classmates chapter's count.
    ip = cm.shared_classes_for(
        training, ["India", "Pakistan"], args["programs"], args["fy_start"], args["fy_end"]
    )
    n = len(ip.classes)
    assert glued["rv_india_pakistan"] == f"{n:,} shared class{'es' if n != 1 else ''}"
