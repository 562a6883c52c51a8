"""Shared fixtures: a private processed-tables folder, tiny notebooks written to tmp_path, and
the chapter-test harness (run a chapter into a temporary folder, read what it glued and showed).
"""

from __future__ import annotations

import ast
import json
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import nbformat
import pytest
from fixture_helpers import notebook

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def processed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty folder that ``datasets.load`` (here and in kernels) reads tables from."""
    folder = tmp_path / "processed"
    folder.mkdir()
    monkeypatch.setenv("IMETBOOK_PROCESSED", str(folder))
    return folder


@pytest.fixture
def write_notebook() -> Callable[..., Path]:
    """``write_notebook(path, *code, markdown=..., parameters=...)`` writes a tiny notebook."""

    def write(path: Path, *code: str, **kw) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(nbformat.writes(notebook(*code, **kw)) + "\n", encoding="utf-8")
        return path

    return write


@pytest.fixture(scope="session")
def rivalries_of() -> Callable[..., Any]:
    """``rivalries_of(**args)``: :func:`imetbook.analysis.rivalries.rivalry_classes` of the real
    training table for these arguments (defaults filled in), computed once per session and
    shared by every test that asks for the same ones: read, never edit."""
    import inspect

    from imetbook.analysis import rivalries
    from imetbook.data import datasets

    signature = inspect.signature(rivalries.rivalry_classes)
    found: dict[str, Any] = {}

    def of(**args: Any) -> Any:
        bound = signature.bind(None, **args)
        bound.apply_defaults()
        key = json.dumps({k: v for k, v in bound.arguments.items() if k != "training"})
        if key not in found:
            found[key] = rivalries.rivalry_classes(datasets.load("training"), **args)
        return found[key]

    return of


# --- the chapter-test harness: run a chapter, read what it glued, showed and printed --------

GLUE = "application/papermill.record/"


@dataclass(frozen=True)
class ChapterRun:
    """A chapter executed by :func:`imetbook.run.execute.run_chapter`, and what it shows.

    Runs from :func:`chapter_run` are shared by every test of the session: read, never edit.
    """

    path: Path
    html_path: Path

    @cached_property
    def nb(self) -> nbformat.NotebookNode:
        return nbformat.read(str(self.path), as_version=4)

    @property
    def outputs(self) -> list[dict]:
        return [o for cell in self.nb.cells for o in cell.get("outputs", [])]

    @cached_property
    def glued(self) -> dict[str, object]:
        """Glued values by name: the Markdown where one was glued, else the plain text's
        value (``repr`` read back)."""
        found: dict[str, object] = {}
        for out in self.outputs:
            name = out.get("metadata", {}).get("scrapbook", {}).get("name")
            if not name:
                continue
            data = out["data"]
            markdown = data.get(GLUE + "text/markdown")
            found[name] = (
                markdown if markdown is not None else ast.literal_eval(data[GLUE + "text/plain"])
            )
        return found

    @property
    def stderr(self) -> list[str]:
        return [
            o["text"]
            for o in self.outputs
            if o["output_type"] == "stream" and o["name"] == "stderr"
        ]

    @property
    def problems(self) -> list[str]:
        """Errors (their names) and anything printed on stderr (warnings)."""
        errors = [o.get("ename", "") for o in self.outputs if o["output_type"] == "error"]
        return errors + self.stderr

    def _shown(self, mime: str) -> str:
        return "".join("".join(o.get("data", {}).get(mime, "")) for o in self.outputs)

    @property
    def html(self) -> str:
        """Every ``text/html`` output, joined."""
        return self._shown("text/html")

    @property
    def markdown(self) -> str:
        """Every ``text/markdown`` output, joined."""
        return self._shown("text/markdown")


def run_chapter_into(out_dir: Path, chapter: str, values: Mapping[str, Any]) -> ChapterRun:
    """Run ``chapter`` with ``values`` into ``out_dir`` (never ``chapters/``)."""
    from imetbook.run import execute

    notebook, html = execute.run_chapter(chapter, values, out_dir=out_dir, log=lambda _m: None)
    assert html.is_file()
    return ChapterRun(notebook, html)


@pytest.fixture(scope="session")
def chapter_run(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., ChapterRun]:
    """``chapter_run(chapter, values={})``: the chapter executed once per session for these
    values, into one session folder, and shared by every test that asks for the same run.

    A run the book itself makes (a chapter with its defaults, a country page) starts from the
    book's notebook: ``run_chapter`` executes it again only if its stored input hash is stale
    (the execution cache's own rule), so an up-to-date notebook is not executed a second time
    (nbval and ``test_reproducible`` re-execute the committed ones).
    """
    out_dir = tmp_path_factory.mktemp("runs")
    runs: dict[str, ChapterRun] = {}

    def run(chapter: str, values: Mapping[str, Any] | None = None) -> ChapterRun:
        values = dict(values or {})
        key = json.dumps([chapter, values], sort_keys=True)
        if key not in runs:
            _seed(out_dir, chapter, values)
            runs[key] = run_chapter_into(out_dir, chapter, values)
        return runs[key]

    return run


def _seed(out_dir: Path, chapter: str, values: Mapping[str, Any]) -> None:
    """Put where ``run_chapter`` writes the notebook the book executed for the same values
    (the committed chapter for its defaults, a built country page for ``profile``), if any:
    ``run_chapter`` keeps it only if its stored input hash is current."""
    from imetbook.chapters import params
    from imetbook.data import countries
    from imetbook.run import execute

    built = execute.chapter_notebook(chapter)
    if chapter == "profile" and set(values) == {"country"}:
        iso3 = countries.to_iso3(params.validate(chapter, values)["country"])
        built = built.parent / f"{iso3}.ipynb"
    elif values:
        return
    if built.is_file():
        slug = execute.parameter_slug(params.validate(chapter, values))
        shutil.copyfile(built, out_dir / f"{chapter}-{slug}.ipynb")
