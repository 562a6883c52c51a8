"""One sidebar per set of sibling pages: the theme's navigation, computed once, not per page.

The book's ~200 country pages are leaves of one toctree (``chapters/country/index``). For every
page, pydata-sphinx-theme resolves the whole global toctree and re-parses it with BeautifulSoup
(``generate_toctree_html``): about half of the HTML build's time, growing with the square of the
number of pages. The sidebars of two sibling leaves differ in one entry only, the page's own:
``<li class="toctree-lN current active"><a class="current reference internal" href="#">``
instead of ``<li class="toctree-lN"><a class="reference internal" href="PAGE.html">``.

So the sidebar of the first sibling a build process writes is computed by the theme; for each
later sibling, the same HTML with those two entries swapped. Pages with children, pages at the
top of the book and anything else the theme asks for are computed by the theme as before; so is
a sibling whose entries are not found exactly once (the theme then decides).

``IMETBOOK_SIDEBAR_CACHE=0`` turns the shortcut off. ``tests/run/test_reproducible.py`` builds
the book a second time that way and requires every file to be byte-identical, which proves
the derived sidebars are the theme's own.
"""

from __future__ import annotations

import html
import os
import posixpath
import re
from collections.abc import Callable
from typing import Any

ENV_SWITCH = "IMETBOOK_SIDEBAR_CACHE"
_CURRENT = re.compile(
    r'<li class="(toctree-l\d+) current active">'
    r'<a class="current reference internal" href="#">(.*?)</a></li>'
)
# Sidebars computed by the theme in this process: key -> (docname it was computed for, HTML).
_computed: dict[tuple, tuple[str, str]] = {}


def enabled() -> bool:
    return os.environ.get(ENV_SWITCH, "1") != "0"


def _entry(level: str, href: str, title: str) -> str:
    return f'<li class="{level}"><a class="reference internal" href="{href}">{title}</a></li>'


def _current(level: str, title: str) -> str:
    return (
        f'<li class="{level} current active">'
        f'<a class="current reference internal" href="#">{title}</a></li>'
    )


def swap_current(sidebar: str, was_href: str, now_href: str) -> str | None:
    """The sidebar with the current entry (whose link, from the new page, is ``was_href``)
    made a plain link and the plain entry linking ``now_href`` made current; None unless each
    entry is found exactly once."""
    found = _CURRENT.findall(sidebar)
    if len(found) != 1:
        return None
    level, title = found[0]
    plain = _CURRENT.sub(lambda m: _entry(level, html.escape(was_href), m.group(2)), sidebar)
    target = re.compile(
        rf'<li class="(toctree-l\d+)"><a class="reference internal" '
        rf'href="{re.escape(html.escape(now_href))}">(.*?)</a></li>'
    )
    hits = target.findall(plain)
    if len(hits) != 1:
        return None
    return target.sub(lambda m: _current(m.group(1), m.group(2)), plain)


def _parents(env: Any) -> dict[str, str]:
    return {child: parent for parent, kids in env.toctree_includes.items() for child in kids}


def _sibling_key(app: Any, pagename: str) -> tuple | None:
    """What the sidebars of ``pagename``'s siblings share (None: not a shared-sidebar page)."""
    env = app.env
    parent = _parents(env).get(pagename)
    if parent is None or parent == app.config.root_doc or env.toctree_includes.get(pagename):
        return None
    return (posixpath.dirname(pagename), parent)


def cached_sidebars(app: Any, pagename: str, generate: Callable[..., Any]) -> Callable[..., Any]:
    """``generate`` (the theme's ``generate_toctree_html`` for ``pagename``), answering a
    sidebar request from a sibling's sidebar when it can."""
    siblings = _sibling_key(app, pagename)
    if siblings is None:
        return generate

    def generate_toctree_html(kind: str, *args: Any, **kwargs: Any) -> Any:
        if kind != "sidebar":
            return generate(kind, *args, **kwargs)
        key = (siblings, args, tuple(sorted(kwargs.items())))
        first = _computed.get(key)
        if first is not None and first[0] == pagename:  # the theme asks twice per page
            return first[1]
        if first is not None:
            # Siblings share a folder: a link reads the same from either page.
            uri = app.builder.get_relative_uri
            swapped = swap_current(first[1], uri(pagename, first[0]), uri(first[0], pagename))
            if swapped is not None:
                return swapped
        out = generate(kind, *args, **kwargs)  # a BeautifulSoup, rendered with str()
        if first is None:
            _computed[key] = (pagename, str(out))
        return out

    return generate_toctree_html


def _wrap_theme_listener(app: Any) -> None:
    """Wrap the theme's ``html-page-context`` handler that puts ``generate_toctree_html`` into
    the page context, so the templates rendered right after it call the cached one."""
    if not enabled():
        return
    try:
        from pydata_sphinx_theme import toctree
    except ImportError:
        return
    listeners = app.events.listeners.get("html-page-context", [])
    for i, listener in enumerate(listeners):
        if listener.handler is toctree.add_toctree_functions:
            listeners[i] = listener._replace(handler=_with_cache(listener.handler))


def _with_cache(add_functions: Callable[..., Any]) -> Callable[..., Any]:
    def add_toctree_functions(app: Any, pagename: str, templatename: str, context: dict,
                              doctree: Any) -> None:  # fmt: skip
        add_functions(app, pagename, templatename, context, doctree)
        generate = context.get("generate_toctree_html")
        if generate is not None:
            context["generate_toctree_html"] = cached_sidebars(app, pagename, generate)

    return add_toctree_functions


def setup(app: Any) -> dict[str, Any]:
    app.connect("builder-inited", _wrap_theme_listener)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
