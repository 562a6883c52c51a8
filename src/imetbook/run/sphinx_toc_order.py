"""Sidebar order of the generated country pages: by country name, not by file name.

``_toc.yml`` lists the country pages with a glob, and a glob sorts by docname: the ISO codes
(``HND``, ``HRV``, ``HTI``... reads Honduras, Croatia, Haiti). The sidebar shows each page's
title, the country's name, so this transform re-sorts the entries of every globbed toctree under
``chapters/country/`` by that title. It runs right after sphinx-external-toc inserts the
toctree (transform priority 100) and before Sphinx records the toctree (``doctree-read``), so
the sidebar, the previous/next links and the search index all follow the same order. Nothing is
generated or written: the title is read from the page's first Markdown heading.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sphinx import addnodes
from sphinx.transforms import SphinxTransform

PREFIX = "chapters/country/"


def page_title(path: Path) -> str | None:
    """The text of the first ``# `` heading in a notebook's Markdown cells (None if none)."""
    try:
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError):
        return None
    for cell in cells:
        if cell.get("cell_type") != "markdown":
            continue
        for line in "".join(cell.get("source", [])).splitlines():
            if line.startswith("# "):
                return line[2:].strip()
    return None


def by_title(docnames: list[str], title_of) -> list[str]:
    """``docnames`` sorted by title (case-folded), docname breaking ties; untitled ones last."""

    def key(doc: str) -> tuple[int, str, str]:
        title = title_of(doc)
        return (title is None, (title or "").casefold(), doc)

    return sorted(docnames, key=key)


class CountryOrder(SphinxTransform):
    default_priority = 101  # just after sphinx_external_toc.InsertToctrees

    def apply(self, **kwargs: Any) -> None:
        for node in self.document.findall(addnodes.toctree):
            if not node.get("glob"):
                continue
            countries = [d for d in node["includefiles"] if d.startswith(PREFIX)]
            if len(countries) < 2:
                continue
            ordered = iter(by_title(countries, self._title))
            node["includefiles"] = [
                next(ordered) if d.startswith(PREFIX) else d for d in node["includefiles"]
            ]
            titles = dict(node["entries"][i][::-1] for i in range(len(node["entries"])))
            node["entries"] = [(titles.get(d), d) for d in node["includefiles"]] + [
                e for e in node["entries"] if e[1] not in node["includefiles"]
            ]

    def _title(self, docname: str) -> str | None:
        return page_title(Path(self.env.doc2path(docname)))


def setup(app: Any) -> dict[str, Any]:
    app.add_transform(CountryOrder)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
