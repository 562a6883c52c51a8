"""Sphinx fixes for the book build (``_config.yml``: ``sphinx.extra_extensions``).

Sphinx 7.4 re-adds every inline script registered after ``Builder.init()`` in
``prepare_writing`` with ``filename=''`` where the first copy has ``filename=None``; the two do
not compare equal, so each page carries the script twice. sphinx-thebe's
``const THEBE_JS_URL = ...`` then throws "Identifier 'THEBE_JS_URL' has already been declared"
on every page. The builder already holds those scripts, so dropping the inline (filename-less)
entries from the registry before writing removes the duplicate and nothing else.

Sphinx's search page shows a snippet of each result taken from the page's ``[role=main]`` text,
which in this theme starts with the article header's download buttons (".ipynb", ".pdf"): a
result whose words are not near the top reads "....ipynb .pdf". :data:`SEARCH_SNIPPETS` drops the
page chrome (header buttons, previous/next links, the printed and on-page tables of contents)
and folds runs of white space before the snippet is cut, so it shows the page's own words.
"""

from __future__ import annotations

from typing import Any

# Runs on every page; only the search page defines Sphinx's ``Search``.
SEARCH_SNIPPETS = r"""document.addEventListener("DOMContentLoaded", () => {
  if (typeof Search === "undefined" || !Search.htmlToText) return;
  const toText = Search.htmlToText;
  const chrome = [".bd-header-article", ".header-article-items", ".prev-next-area",
                  ".bd-sidebar-secondary", ".bd-footer-article", ".bd-toc", ".onlyprint",
                  ".headerlink", "script", "style"];
  Search.htmlToText = (htmlString, anchor) => {
    const doc = new DOMParser().parseFromString(htmlString, "text/html");
    doc.querySelectorAll(chrome.join(",")).forEach((el) => el.remove());
    return toText(doc.documentElement.outerHTML, anchor).replace(/\s+/g, " ");
  };
});"""


def _drop_inline_registry_scripts(app: Any, env: Any) -> None:
    app.registry.js_files = [(f, attrs) for f, attrs in app.registry.js_files if f]


def setup(app: Any) -> dict[str, Any]:
    app.connect("env-updated", _drop_inline_registry_scripts)
    app.add_js_file(None, body=SEARCH_SNIPPETS)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
