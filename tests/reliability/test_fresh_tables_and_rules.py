"""``run`` and ``classmates`` never answer from stale tables, and ``run`` checks every declared
parameter rule before a kernel starts.

``run`` and ``classmates`` bring the tables up to date first (as ``make run`` does): after a
raw file changes they rebuild, and a corrupt raw file stops them with one line instead of an
answer from the old tables. Every rule across parameters a chapter's spec declares (a span
that runs forward, a reference country that is not the country) is checked on the values
given over the notebook's defaults, before anything is executed or written.
"""

from __future__ import annotations

import json

import pytest

from imetbook.chapters import pakistan, params
from imetbook.data import build
from imetbook.run import cli

from .rel_helpers import REPO, Project, one_error_line

CHAPTERS = sorted(
    [p.stem for p in (REPO / "chapters").glob("*.ipynb")]
    + [p.stem for p in (REPO / "chapters" / "country").glob("[a-z]*.ipynb")]
)


def _run_on_a_corrupt_raw_file(project: Project, *argv: str):
    """Truncate a raw FMTR file, run ``argv``: it must fail with one line naming the file and
    leave every table as it was. Returns the finished run."""
    path = project.first_fmtr()
    path.write_bytes(path.read_bytes()[:1000])
    before = project.state()
    done = project.run(*argv)
    line = one_error_line(done)
    assert path.name in line and "truncated" in line, line
    assert project.state() == before
    return done


def test_classmates_stops_on_a_corrupt_raw_file_instead_of_using_old_tables(project: Project):
    done = _run_on_a_corrupt_raw_file(project, "classmates", "India", "Pakistan", "--format", "csv")
    assert done.stdout == ""


def test_run_stops_on_a_corrupt_raw_file_before_any_kernel(project: Project):
    _run_on_a_corrupt_raw_file(project, "run", "sources", "-p", "source", "budget")
    assert not (project.root / "_build").exists(), "a run started"


@pytest.mark.slow
def test_classmates_rebuilds_after_a_raw_change(small_project: Project):
    """A re-signed edit of a raw file (a blank line added to a timeline): ``classmates``
    rebuilds the tables before answering; their stamp is the new raw files'."""
    path = small_project.raw / "context" / "india_timeline.csv"
    path.write_bytes(path.read_bytes() + b"\n")
    small_project.resign("context", path.name)
    old = json.loads((small_project.tables / build.STAMP_FILE).read_text())["stamp"]
    done = small_project.run("classmates", "India", "Pakistan", "--format", "json")
    assert done.returncode == 0, done.stderr
    assert "data: built" in done.stderr and json.loads(done.stdout)["classes"]
    new = json.loads((small_project.tables / build.STAMP_FILE).read_text())["stamp"]
    assert new != old
    assert new == build.data_stamp(small_project.raw)


# --- every declared rule, through ``run`` ------------------------------------------------


def _rule_cases() -> list[tuple[str, params.Rule]]:
    return [(ch, rule) for ch in CHAPTERS for rule in params.spec_for(ch).rules]


def _breaking(chapter: str, rule: params.Rule) -> dict[str, object]:
    """Values that break ``rule``, valid one by one."""
    defaults = params.notebook_defaults(params_notebook(chapter))
    if isinstance(rule, params.Ordered):
        lo, hi = params.data_years("training")()
        return {rule.first: hi, rule.last: lo}
    if isinstance(rule, pakistan.ReachesAPeriod):  # an axis ending before any period
        lo, _hi = params.data_years("funding")()
        return {rule.first: lo, rule.last: lo + 1}
    return {rule.b: defaults[rule.a]}


def params_notebook(chapter: str):
    found = [
        REPO / "chapters" / f"{chapter}.ipynb",
        REPO / "chapters" / "country" / f"{chapter}.ipynb",
    ]
    return next(p for p in found if p.is_file())


def test_chapters_declare_rules():
    """The rules below are the specs' own: a chapter with a span or a reference country
    declares them (else this suite would check nothing)."""
    named = {ch for ch, _ in _rule_cases()}
    assert {"pakistan", "budget", "classmates", "sources", "eligibility"} <= named


@pytest.mark.parametrize(("chapter", "rule"), _rule_cases(), ids=lambda x: str(x))
def test_run_checks_every_declared_rule_before_a_kernel(
    chapter, rule, project: Project, monkeypatch, capsys
):
    monkeypatch.setenv("IMETBOOK_ROOT", str(project.root))
    monkeypatch.delenv("IMETBOOK_PROCESSED", raising=False)
    values = _breaking(chapter, rule)
    argv = ["run", chapter]
    for name, value in values.items():
        argv += ["-p", name, json.dumps(value)]
    before = project.state()
    assert cli.main(argv) == 2
    err = [x for x in capsys.readouterr().err.splitlines() if x.strip()]
    assert len(err) == 1 and err[0].startswith(f"error: parameters of chapter {chapter!r}"), err
    assert all(name in err[0] for name in rule.names), err
    assert not (project.root / "_build").exists(), "a kernel started"
    assert project.state() == before


def test_run_checks_a_rule_against_the_notebook_defaults(project: Project, monkeypatch, capsys):
    """Only ``fy_end`` given, before the notebook's default ``fy_start``: the span is inverted
    only once the defaults are read, and it is caught before a kernel starts."""
    monkeypatch.setenv("IMETBOOK_ROOT", str(project.root))
    start = params.notebook_defaults(params_notebook("pakistan"))["fy_start"]
    lo, _ = params.data_years("funding")()
    if lo >= start:
        pytest.skip("no fiscal year in the data before the default fy_start")
    assert cli.main(["run", "pakistan", "-p", "fy_end", str(lo)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        f"error: parameters of chapter 'pakistan': fy_start ({start}) is after fy_end ({lo}): "
        "the span must run forward"
    ]
    assert not (project.root / "_build").exists()
