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


def _copy_project(raw: Path, processed: Path, root: Path) -> Project:
    shutil.copytree(raw, root / "data" / "raw")
    shutil.copytree(processed, root / "data" / "processed", copy_function=link_or_copy)
    shutil.copytree(REPO / "chapters", root / "chapters", ignore=shutil.ignore_patterns("[A-Z]*"))
    shutil.copy2(REPO / "requirements.txt", root / "requirements.txt")
    return Project(root)


@pytest.fixture
def project(tmp_path: Path, baseline: Path) -> Project:
    return _copy_project(RAW, baseline, tmp_path / "project")


@pytest.fixture(scope="session")
def small_baseline(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """A project with two reports of the real raw files, built once: the report whose
    original documents come first in their manifest (paired with them, as in the full build)
    and the newest report. Every table is built from real rows, in a fraction of the time;
    for the cases that test how a build writes, waits and stops, not what it finds."""
    small = Project(tmp_path_factory.mktemp("small") / "project")
    shutil.copytree(RAW, small.raw)
    oldest = small.oldest_document_report()
    newest = max(row["report_fy"] for row in small.manifest_rows("fmtr"))
    small.keep_reports("fmtr", {oldest, newest})
    small.keep_reports("fmtr_reports", {oldest})
    done = small.run("data", "build")
    assert done.returncode == 0, done.stderr
    return small


@pytest.fixture
def small_project(tmp_path: Path, small_baseline: Project) -> Project:
    """A copy of :func:`small_baseline` with its tables (as :func:`project`)."""
    return _copy_project(small_baseline.raw, small_baseline.tables, tmp_path / "project")
