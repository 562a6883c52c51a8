"""Shared set-up of the reliability suite: a project copy with the real raw files and tables.

Each case works on a copy of the project under ``tmp_path`` (``IMETBOOK_ROOT``), never on the
repository: the raw files are copied (cases edit them), the tables are hard links to a build
of the real raw files (a build never writes into an existing table file: it fills a new
folder and swaps it in, so the links are safe and the copy is cheap), and the chapters are
copied so that a case can check nothing under ``chapters/`` changed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fixture_helpers import link_or_copy

from imetbook import paths
from imetbook.data import build

from .rel_helpers import RAW, REPO, Project


@pytest.fixture(scope="session")
def baseline() -> Path:
    """The repository's tables, brought up to date with its raw files (a no-op under
    ``make unit``, which builds them first)."""
    build.ensure_current()
    return paths.processed_dir()


@pytest.fixture
def project(tmp_path: Path, baseline: Path) -> Project:
    root = tmp_path / "project"
    shutil.copytree(RAW, root / "data" / "raw")
    shutil.copytree(baseline, root / "data" / "processed", copy_function=link_or_copy)
    shutil.copytree(REPO / "chapters", root / "chapters", ignore=shutil.ignore_patterns("[A-Z]*"))
    shutil.copy2(REPO / "requirements.txt", root / "requirements.txt")
    return Project(root)
