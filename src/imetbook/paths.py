"""Where things live, and how many cores there are to work on them. Every path can be
overridden by passing it explicitly.

The project root is found from ``IMETBOOK_ROOT`` or, failing that, from this file's
location (``src/imetbook/paths.py`` sits two levels below the root).
"""

from __future__ import annotations

import os
from pathlib import Path


def project_root() -> Path:
    env = os.environ.get("IMETBOOK_ROOT")
    if env:
        return Path(env).resolve()
    return Path(__file__).resolve().parents[2]


def raw_dir() -> Path:
    return project_root() / "data" / "raw"


def processed_dir() -> Path:
    env = os.environ.get("IMETBOOK_PROCESSED")
    return Path(env).resolve() if env else project_root() / "data" / "processed"


def chapters_dir() -> Path:
    return project_root() / "chapters"


def build_dir() -> Path:
    return project_root() / "_build"


def package_dir() -> Path:
    return Path(__file__).resolve().parent


def cache_dir() -> Path:
    """Derived files kept between builds (e.g. text extracted from PDFs), keyed by content."""
    return project_root() / "data" / "cache"


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity where the platform tells it, as
    in a container limited to a few of the machine's cores), at least 1."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
