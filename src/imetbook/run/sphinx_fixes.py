"""Sphinx fixes for the book build (``_config.yml``: ``sphinx.extra_extensions``).

Sphinx 7.4 re-adds every inline script registered after ``Builder.init()`` in
``prepare_writing`` with ``filename=''`` where the first copy has ``filename=None``; the two do
not compare equal, so each page carries the script twice. sphinx-thebe's
``const THEBE_JS_URL = ...`` then throws "Identifier 'THEBE_JS_URL' has already been declared"
on every page. The builder already holds those scripts, so dropping the inline (filename-less)
entries from the registry before writing removes the duplicate and nothing else.

Search snippets: ``static/search_snippets.js`` makes each search result's snippet the page's
article text around the words the reader typed (Sphinx's own starts at the page header, so a
result read "....ipynb .pdf").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

STATIC = Path(__file__).parent / "static"


def _add_static(app: Any, config: Any) -> None:
    config.html_static_path = [*config.html_static_path, str(STATIC)]


def _drop_inline_registry_scripts(app: Any, env: Any) -> None:
    app.registry.js_files = [(f, attrs) for f, attrs in app.registry.js_files if f]


# Extensions that Jupyter Book loads, that keep no per-page state in the environment, but that
# declare nothing: Sphinx then warns (an error in the strict build) and reads serially under -j.
# sphinx-multitoc-numbering 0.1.3 only replaces TocTreeCollector.assign_section_numbers, which
# Sphinx calls in the main process after every page is read; sphinx-jupyterbook-latex 1.0's
# read-time transforms only set attributes on the page's own nodes, and it writes to the
# environment only for the LaTeX builder.
_PARALLEL_SAFE_UNDECLARED = ("sphinx_multitoc_numbering", "sphinx_jupyterbook_latex")


def _declare_parallel_safe(app: Any) -> None:
    for name in _PARALLEL_SAFE_UNDECLARED:
        ext = app.extensions.get(name)
        if ext is not None and ext.parallel_read_safe is None:
            ext.parallel_read_safe = True


def _mystnb_css_before_writing(app: Any, env: Any) -> None:
    # MyST-NB copies its stylesheet only when the build has finished, so a fresh build links it
    # without the ``?v=`` checksum that an incremental build (the file then exists) adds: two
    # builds of the same sources differed in every page. Copied before the pages are written,
    # every build links it the same way.
    from myst_nb.sphinx_ext import add_global_html_resources

    if app.builder is not None and app.builder.format == "html":
        (Path(app.builder.outdir) / "_static").mkdir(parents=True, exist_ok=True)
        add_global_html_resources(app, None)


def setup_search_index() -> None:
    # An incremental build loads the old search index and prunes the pages it rewrites; a word
    # that no page holds any more stays behind as an empty entry, so the index of a rebuild
    # differed from a fresh build's. Dropping the empty entries makes the two the same bytes.
    from sphinx.search import IndexBuilder

    if getattr(IndexBuilder.prune, "_imetbook", False):
        return
    original = IndexBuilder.prune

    def prune(self: Any, docnames: Any) -> None:
        original(self, docnames)
        for mapping in (self._mapping, self._title_mapping):
            for word in [w for w, names in mapping.items() if not names]:
                del mapping[word]

    prune._imetbook = True  # type: ignore[attr-defined]
    IndexBuilder.prune = prune  # type: ignore[method-assign]


def setup(app: Any) -> dict[str, Any]:
    setup_search_index()
    app.connect("env-updated", _drop_inline_registry_scripts)
    app.connect("env-updated", _mystnb_css_before_writing)
    app.connect("config-inited", _add_static)
    app.add_js_file("search_snippets.js")
    app.connect("builder-inited", _declare_parallel_safe)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
