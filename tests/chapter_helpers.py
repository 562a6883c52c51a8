"""Helpers shared by the chapter tests (plain module: imported, not collected)."""

from __future__ import annotations

import nbformat


def parameters_cell(nb: nbformat.NotebookNode) -> dict[str, object]:
    """The defaults of a notebook's cell tagged ``parameters``."""
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    namespace: dict[str, object] = {}
    exec(cell.source, {}, namespace)  # the cell holds only literal assignments
    return namespace
