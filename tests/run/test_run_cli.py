"""``python -m imetbook run CHAPTER -p NAME VALUE``: validation first, outputs in _build/runs."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

from imetbook.analysis.sources import source_keys
from imetbook.chapters import params
from imetbook.errors import ParameterError
from imetbook.run import cli, execute
from imetbook.run.commands.execute import parse_values

REPO = Path(__file__).resolve().parents[2]
PARAMS = "years = [2001, 2002]"  # the parameters cell of the tiny chapters below


def link_tree(source: Path, target: Path) -> None:
    """``target`` mirrors the folders of ``source``, each file a symbolic link to the original."""
    for path in sorted(source.rglob("*")) if source.is_dir() else []:
        copy = target / path.relative_to(source)
        if path.is_dir():
            copy.mkdir(parents=True, exist_ok=True)
        else:
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.symlink_to(path)


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, write_notebook) -> Path:
    """A project root with the real sources chapter and country template, and the raw data."""
    monkeypatch.setenv("IMETBOOK_ROOT", str(tmp_path))
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "raw").symlink_to(REPO / "data" / "raw")
    # The tables already built from those raw files, file by file: a build that finds them
    # current writes nothing (else it rebuilds here, replacing the links, never the files).
    link_tree(REPO / "data" / "processed", tmp_path / "data" / "processed")
    (tmp_path / "chapters" / "country").mkdir(parents=True)
    shutil.copy(REPO / "chapters" / "sources.ipynb", tmp_path / "chapters" / "sources.ipynb")
    shutil.copy(
        REPO / "chapters" / "country" / "profile.ipynb",
        tmp_path / "chapters" / "country" / "profile.ipynb",
    )
    # A chapter with a fiscal-year span, to check spans on the command line.
    write_notebook(tmp_path / "chapters" / "span_demo.ipynb", "print(years)", parameters=PARAMS)
    monkeypatch.setitem(
        params.SPECS,
        "span_demo",
        params.Spec(years=params.Param(params.FiscalYearSpan(bounds=(2000, 2020)))),
    )
    params.spec_for.cache_clear()
    yield tmp_path
    params.spec_for.cache_clear()


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (
            ["sources", "-p", "sourc", "all"],
            "error: unknown parameter 'sourc' of chapter 'sources' (closest: source); "
            "parameters are: source",
        ),
        (
            ["sources", "-p", "source", "3"],
            "error: parameter 'source' of chapter 'sources': expected one of "
            f"{', '.join(('all', *source_keys()))}, got int 3",
        ),
        (
            ["profile", "-p", "country", "Indai"],
            "error: parameter 'country' of chapter 'profile': unknown country 'Indai'; "
            "closest known: India",
        ),
        (
            ["span_demo", "-p", "years", "[2015, 2010]"],
            "error: parameter 'years' of chapter 'span_demo': inverted span [2015, 2010]: "
            "the first year is after the last",
        ),
        (
            ["sources", "-p", "source", "[unclosed"],
            "error: parameter 'source': '[unclosed' is not a YAML literal",
        ),
        (["classmatez"], "error: unknown chapter 'classmatez'; chapters are: "),
    ],
    ids=["unknown name", "wrong type", "unknown country", "inverted span", "bad yaml", "chapter"],
)
def test_bad_parameters_give_one_line_non_zero_and_no_output(root: Path, capsys, argv, expected):
    before = {p: p.read_bytes() for p in (root / "chapters").rglob("*") if p.is_file()}
    assert cli.main(["run", *argv]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith(expected)
    assert not (root / "_build").exists()
    assert {p: p.read_bytes() for p in (root / "chapters").rglob("*") if p.is_file()} == before


def test_run_writes_notebook_and_html_to_build_runs_only(root: Path, capsys) -> None:
    chapter = root / "chapters" / "sources.ipynb"
    committed = chapter.read_bytes()
    assert cli.main(["run", "sources", "-p", "source", "budget"]) == 0
    runs = root / "_build" / "runs"
    assert sorted(p.name for p in runs.iterdir()) == [
        "sources-source-budget.html",
        "sources-source-budget.ipynb",
    ]
    nb = nbformat.read(str(runs / "sources-source-budget.ipynb"), as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected and 'source = "budget"' in injected[0].source
    sources_table = next(c for c in nb.cells if c.get("id") == "sources-table")
    assert "budget" in sources_table.outputs[0]["data"]["text/html"]
    assert "fmtr" not in sources_table.outputs[0]["data"]["text/html"]
    assert "sources-table" in (runs / "sources-source-budget.html").read_text()
    assert chapter.read_bytes() == committed
    assert "run: _build/runs/sources-source-budget.ipynb" in capsys.readouterr().out


def test_values_are_yaml_literals_without_dates() -> None:
    values = parse_values(
        [["countries", '["India", "Nepal"]'], ["fy", "2010"], ["d", "2020-01-01"]]
    )
    assert values == {"countries": ["India", "Nepal"], "fy": 2010, "d": "2020-01-01"}


def test_a_parameter_given_twice_is_refused(root: Path, capsys) -> None:
    assert cli.main(["run", "sources", "-p", "source", "all", "-p", "source", "fmtr"]) == 2
    assert capsys.readouterr().err.strip() == "error: parameter 'source' given twice"


def test_list_prints_each_parameter_and_runs_nothing(root: Path, capsys) -> None:
    assert cli.main(["run", "span_demo", "--list"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("span_demo: parameters (python -m imetbook run span_demo -p NAME")
    assert (
        " ".join(out[1].split()) == "years a fiscal-year span [first, last]; default [2001, 2002]"
    )
    assert cli.main(["run", "profile", "--list"]) == 0
    spec = params.spec_for("profile")
    text = capsys.readouterr().out
    assert f'country  {spec.params["country"].type}; default "India"' in text
    assert spec.params["country"].help in text
    assert not (root / "_build").exists()


def test_list_of_an_unknown_chapter_is_one_line(root: Path, capsys) -> None:
    assert cli.main(["run", "nosuch", "--list"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("error: unknown chapter 'nosuch'")


def test_chapter_run_reads_glue_and_stderr_and_shares_runs(root: Path, write_notebook, chapter_run):
    """The chapter-test harness: what a chapter glued and printed, one execution per values
    per session, and a run with the defaults taken from the notebook the book executed."""
    counter = root / "executions.txt"
    code = (
        f"open({str(counter)!r}, 'a').write('x')\n"
        "import sys\nfrom myst_nb import glue\n"
        "glue('first', years[0], display=False)\nprint('careful', file=sys.stderr)"
    )
    notebook = write_notebook(root / "chapters" / "glue_demo.ipynb", code, parameters=PARAMS)
    params.register("glue_demo", params.SPECS["span_demo"])
    try:
        execute.execute_jobs([execute.Job(notebook, notebook)], workers=1, log=lambda _m: None)
        assert counter.read_text() == "x"
        run = chapter_run("glue_demo")
        assert counter.read_text() == "x"  # the book's execution, not a second one
        assert run.glued == {"first": 2001} and run.stderr == ["careful\n"]
        assert run.problems == ["careful\n"] and run.html_path.is_file()
        other = chapter_run("glue_demo", {"years": [2005, 2006]})
        assert other.glued == {"first": 2005} and counter.read_text() == "xx"
        assert chapter_run("glue_demo", {"years": [2005, 2006]}) is other
        assert counter.read_text() == "xx"
    finally:
        params.SPECS.pop("glue_demo")
        params.spec_for.cache_clear()


def test_run_chapter_checks_a_rule_against_the_defaults_before_a_kernel(root: Path) -> None:
    spec = params.Spec(
        params.Ordered("fy_start", "fy_end"),
        fy_start=params.Param(params.FiscalYear(bounds=(2000, 2020)), "", 2001),
        fy_end=params.Param(params.FiscalYear(bounds=(2000, 2020)), "", 2002),
    )
    params.register("order_demo", spec)
    notebook = root / "chapters" / "order_demo.ipynb"
    notebook.write_bytes((root / "chapters" / "span_demo.ipynb").read_bytes())
    try:
        with pytest.raises(ParameterError, match=r"fy_start \(2010\) is after fy_end \(2002\)"):
            execute.run_chapter("order_demo", {"fy_start": 2010}, out_dir=root / "runs")
        assert not (root / "runs").exists()
    finally:
        params.SPECS.pop("order_demo")
        params.spec_for.cache_clear()
