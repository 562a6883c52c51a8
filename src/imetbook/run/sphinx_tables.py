"""Interactive tables in the built book, with no network and no per-page copy of the library.

:func:`imetbook.chapters.tables.show` marks long and wide tables with the class
``imetbook-interactive``.
This extension copies the DataTables bundle that ships inside the pinned ``itables`` package
(``itables/html/dt_bundle.js`` and ``.css``) into the site's ``_static`` folder once, and adds
to every page the book's small module script that applies it to those tables
(``imetbook/static/imetbook-tables.js``) and a stylesheet that keeps wide tables scrolling
inside their own box. Nothing is fetched from a CDN and no page inlines the library.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from imetbook.errors import ImetbookError

STATIC = Path(__file__).parent / "static"
BUNDLE = ("dt_bundle.js", "dt_bundle.css")


class TablesAssetError(ImetbookError):
    """The itables package is missing or ships no DataTables bundle."""


def bundle_dir() -> Path:
    """Where the pinned itables package keeps its DataTables bundle."""
    try:
        import itables
    except ImportError:
        raise TablesAssetError("itables is not installed: run make venv") from None
    folder = Path(itables.__file__).parent / "html"
    missing = [name for name in BUNDLE if not (folder / name).is_file()]
    if missing:
        raise TablesAssetError(f"itables ships no {', '.join(missing)} in {folder}")
    return folder


def _static_paths(app: Any, config: Any) -> None:
    # Sphinx copies these folders into _static once per build; later entries win on a clash.
    config.html_static_path = [*config.html_static_path, str(STATIC), str(_bundle_only(app))]


def _bundle_only(app: Any) -> Path:
    """A folder holding only the two bundle files (itables/html also holds templates). It sits
    under the book's own ``_build`` whatever the output folder, so the configuration (which
    Sphinx hashes into ``.buildinfo``) is the same for every build of the book."""
    target = Path(app.srcdir) / "_build" / "itables_static"
    target.mkdir(parents=True, exist_ok=True)
    for name in BUNDLE:
        data = (bundle_dir() / name).read_bytes()
        out = target / name
        if not out.is_file() or out.read_bytes() != data:
            out.write_bytes(data)
    return target


def setup(app: Any) -> dict[str, Any]:
    app.connect("config-inited", _static_paths)
    app.add_css_file("dt_bundle.css")
    app.add_css_file("imetbook.css")
    app.add_js_file("imetbook-tables.js", type="module")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
