"""Shared fixtures: a private processed-tables folder and tiny notebooks written to tmp_path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import nbformat
import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def processed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty folder that ``datasets.load`` (here and in kernels) reads tables from."""
    folder = tmp_path / "processed"
    folder.mkdir()
    monkeypatch.setenv("IMETBOOK_PROCESSED", str(folder))
    return folder


def notebook(*code: str, markdown: str = "# A tiny notebook", parameters: str | None = None):
    """A notebook: a markdown cell, an optional ``parameters`` cell, then the code cells."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    cells = [nbformat.v4.new_markdown_cell(markdown)]
    if parameters is not None:
        cells.append(nbformat.v4.new_code_cell(parameters, metadata={"tags": ["parameters"]}))
    cells += [nbformat.v4.new_code_cell(src) for src in code]
    for i, cell in enumerate(cells):
        cell.id = f"c{i}"  # stable ids: tests compare bytes
    nb.cells = cells
    return nb


@pytest.fixture
def write_notebook() -> Callable[..., Path]:
    """``write_notebook(path, *code, markdown=..., parameters=...)`` writes a tiny notebook."""

    def write(path: Path, *code: str, **kw) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(nbformat.writes(notebook(*code, **kw)) + "\n", encoding="utf-8")
        return path

    return write
