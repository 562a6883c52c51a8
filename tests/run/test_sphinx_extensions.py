"""The book's Sphinx extensions: country pages in name order, the table bundle shipped once,
sibling sidebars derived from one the theme wrote."""

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from imetbook.data import countries
from imetbook.run import sphinx_sidebar, sphinx_tables, sphinx_toc_order

CODES = ["HND", "HRV", "HTI", "LIE", "LKA"]  # ISO order reads Honduras, Croatia, Haiti, ...


def _notebook(path, title):
    cells = [{"cell_type": "markdown", "source": [f"# {title}\n", "\n", "text"], "metadata": {}}]
    path.write_text(json.dumps({"cells": cells}), encoding="utf-8")


def test_country_pages_sort_by_the_name_in_their_title(tmp_path):
    titles = {}
    for code in CODES:
        _notebook(tmp_path / f"{code}.ipynb", countries.canonical_name(code))
        titles[f"chapters/country/{code}"] = tmp_path / f"{code}.ipynb"
    ordered = sphinx_toc_order.by_title(
        list(titles), lambda doc: sphinx_toc_order.page_title(titles[doc])
    )
    names = [sphinx_toc_order.page_title(titles[d]) for d in ordered]
    assert names == sorted(names, key=str.casefold)
    assert ordered != sorted(titles)  # the file-name order is not the name order


def test_a_page_without_a_title_goes_last(tmp_path):
    (tmp_path / "X.ipynb").write_text("not json", encoding="utf-8")
    _notebook(tmp_path / "A.ipynb", "Zambia")
    paths = {"c/X": tmp_path / "X.ipynb", "c/A": tmp_path / "A.ipynb"}
    assert sphinx_toc_order.page_title(paths["c/X"]) is None
    order = sphinx_toc_order.by_title(list(paths), lambda d: sphinx_toc_order.page_title(paths[d]))
    assert order == ["c/A", "c/X"]


def test_the_datatables_bundle_comes_from_the_pinned_itables():
    folder = sphinx_tables.bundle_dir()
    assert all((folder / name).stat().st_size > 0 for name in sphinx_tables.BUNDLE)
    script = (sphinx_tables.STATIC / "imetbook-tables.js").read_text(encoding="utf-8")
    assert 'from "./dt_bundle.js"' in script and "http" not in script


def test_a_missing_itables_is_one_clear_error(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "itables", None)
    with pytest.raises(sphinx_tables.TablesAssetError, match="itables is not installed"):
        sphinx_tables.bundle_dir()


def test_an_incremental_search_index_keeps_no_word_of_a_rewritten_page():
    # Sphinx prunes the pages it rewrites from the loaded index; a word only they held must go,
    # or an incremental build's searchindex.js differs from a fresh build's.
    from sphinx.search import IndexBuilder

    from imetbook.run import sphinx_fixes

    sphinx_fixes.setup_search_index()
    index = IndexBuilder.__new__(IndexBuilder)
    index._titles = {"kept": "Kept", "gone": "Gone"}
    index._all_titles = {"kept": [], "gone": []}
    index._filenames = {"kept": "kept.md", "gone": "gone.md"}
    index._mapping = {"shared": {"kept", "gone"}, "onlygone": {"gone"}}
    index._title_mapping = {"gone": {"gone"}}
    index.prune({"kept"})
    assert index._mapping == {"shared": {"kept"}}
    assert index._title_mapping == {}


SIDEBARS = Path(__file__).parents[1] / "fixtures" / "sidebar"


def _sidebar(code: str) -> str:
    return (SIDEBARS / f"{code}.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(("first", "page"), [("AFG", "ALB"), ("ALB", "ZWE"), ("ZWE", "AFG")])
def test_a_sibling_sidebar_is_the_theme_s_own(first, page):
    # The themes wrote all three sidebars; each is derived from another one.
    derived = sphinx_sidebar.swap_current(_sidebar(first), f"{first}.html", f"{page}.html")
    assert derived == _sidebar(page)


def test_a_sidebar_it_cannot_derive_is_left_to_the_theme():
    afg = _sidebar("AFG")
    assert sphinx_sidebar.swap_current(afg, "AFG.html", "XXX.html") is None  # no such entry
    twice = afg.replace('href="ALB.html"', 'href="DZA.html"')  # Algeria's link twice
    assert sphinx_sidebar.swap_current(twice, "AFG.html", "DZA.html") is None
    no_current = sphinx_sidebar.swap_current(afg, "AFG.html", "ALB.html")
    assert sphinx_sidebar.swap_current(no_current.replace("current active", ""), "x", "y") is None


def test_the_shortcut_wraps_the_theme_s_handler_unless_switched_off(monkeypatch):
    from pydata_sphinx_theme import toctree
    from sphinx.events import EventListener

    def app_with_theme():
        listeners = {"html-page-context": [EventListener(0, toctree.add_toctree_functions, 500)]}
        return SimpleNamespace(events=SimpleNamespace(listeners=listeners))

    app = app_with_theme()
    sphinx_sidebar._wrap_theme_listener(app)
    (listener,) = app.events.listeners["html-page-context"]
    assert listener.handler is not toctree.add_toctree_functions and listener.priority == 500

    monkeypatch.setenv(sphinx_sidebar.ENV_SWITCH, "0")
    app = app_with_theme()
    sphinx_sidebar._wrap_theme_listener(app)
    assert app.events.listeners["html-page-context"][0].handler is toctree.add_toctree_functions
