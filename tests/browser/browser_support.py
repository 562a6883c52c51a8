"""Where the built site is and which pages it has (shared by the browser fixtures and tests)."""

from __future__ import annotations

import os
from pathlib import Path

from imetbook import paths


def site_dir() -> Path:
    env = os.environ.get("IMETBOOK_SITE")
    return Path(env).resolve() if env else paths.build_dir() / "html"


def site_pages(site: Path) -> list[str]:
    """Every HTML page of the built site, relative and sorted (theme folders left out)."""
    if not site.is_dir():
        return []
    return sorted(
        p.relative_to(site).as_posix()
        for p in site.rglob("*.html")
        if not p.relative_to(site).parts[0].startswith("_")
    )
