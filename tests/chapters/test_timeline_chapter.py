"""The Pakistan chapter executes with its defaults and with other countries (slow: real data).

Each run goes through ``execute.run_chapter`` into a temporary folder (``chapter_run`` of
``conftest.py``), so ``chapters/`` is never written; the checks read the executed notebook: no
error, no stderr, and an answer glued from the data that fits the country.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from imetbook import vocab
from imetbook.analysis import timeline_periods as tp
from imetbook.chapters import params
from imetbook.errors import ParameterError
from imetbook.run import execute

pytestmark = pytest.mark.slow


def _figures(run) -> int:
    return sum("<svg" in o.get("data", {}).get("text/html", "") for o in run.outputs)


def test_defaults_pakistan_against_india(chapter_run) -> None:
    run = chapter_run("pakistan")
    assert run.problems == []
    glued = run.glued
    assert glued["tl_country"] == "Pakistan" and glued["tl_reference"] == "India"
    answer = glued["tl_answer"]
    # The answer reads the sourced restriction periods (issue 16), not pairs of events.
    periods = tp.restriction_periods(tp.read_restriction_periods(), "Pakistan")
    latest = periods.iloc[-1]
    assert f"{latest['start_date']} to {latest['end_date']}" in answer and "#" not in answer
    assert (
        vocab.and_join(
            vocab.fy_span(a, b)
            for a, b in zip(periods["fy_first"], periods["fy_last"], strict=True)
        )
        in answer
    )
    # The year before the latest period, and its first whole year (it starts mid-year).
    before, inside = vocab.fy(latest["fy_first"] - 1), vocab.fy(latest["fy_first"] + 1)
    assert before in answer and inside in answer and "months" in answer
    defaults = params.spec_for("pakistan").defaults
    assert glued["tl_axis"] == vocab.fy_span(defaults["fy_start"], defaults["fy_end"])
    assert _figures(run) == 2  # the timeline and the comparison


def test_bangladesh_with_few_events_says_so(chapter_run) -> None:
    run = chapter_run("pakistan", {"country": "Bangladesh", "compare_with": "India"})
    assert run.problems == []
    assert "holds no period in which IMET was restricted for Bangladesh" in run.glued["tl_answer"]
    assert "The restriction-periods table holds no IMET restriction for Bangladesh" in run.markdown


def test_india_against_pakistan(chapter_run) -> None:
    values = {"country": "India", "compare_with": "Pakistan", "fy_start": 1995, "fy_end": 2020}
    run = chapter_run("pakistan", values)
    assert run.problems == []
    glued = run.glued
    assert glued["tl_axis"] == vocab.fy_span(1995, 2020)
    assert "restricted for India" in glued["tl_answer"]


def test_a_backward_axis_fails_in_one_line(tmp_path: Path) -> None:
    # A rule of the chapter's spec: caught before any kernel starts (issue 14).
    with pytest.raises(ParameterError, match="fy_start .* is after fy_end"):
        execute.run_chapter("pakistan", {"fy_start": 2015, "fy_end": 2005}, out_dir=tmp_path)
    assert not list(tmp_path.iterdir())


def test_an_unknown_country_stops_before_any_kernel(tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match="unknown country"):
        execute.run_chapter("pakistan", {"country": "Pakistn"}, out_dir=tmp_path)
    assert not list(tmp_path.iterdir())


def test_an_axis_before_every_period_fails_in_one_line(tmp_path: Path) -> None:
    # Was an IndexError in window_years, in the kernel (issue 15).
    with pytest.raises(ParameterError, match="restriction periods of country Pakistan"):
        execute.run_chapter("pakistan", {"fy_end": 1986}, out_dir=tmp_path)
    assert not list(tmp_path.iterdir())


def test_the_command_line_names_the_problem_and_exits_non_zero() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "imetbook", "run", "pakistan", "-p", "fy_end", "1986"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "fy_end" in lines[0] and "restriction periods" in lines[0]
    assert "Traceback" not in done.stderr
