"""Sphinx fixes for the book build (``_config.yml``: ``sphinx.extra_extensions``).

Sphinx 7.4 re-adds every inline script registered after ``Builder.init()`` in
``prepare_writing`` with ``filename=''`` where the first copy has ``filename=None``; the two do
not compare equal, so each page carries the script twice. sphinx-thebe's
``const THEBE_JS_URL = ...`` then throws "Identifier 'THEBE_JS_URL' has already been declared"
on every page. The builder already holds those scripts, so dropping the inline (filename-less)
entries from the registry before writing removes the duplicate and nothing else.
"""

from __future__ import annotations

from typing import Any


def _drop_inline_registry_scripts(app: Any, env: Any) -> None:
    app.registry.js_files = [(f, attrs) for f, attrs in app.registry.js_files if f]


def setup(app: Any) -> dict[str, Any]:
    app.connect("env-updated", _drop_inline_registry_scripts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
