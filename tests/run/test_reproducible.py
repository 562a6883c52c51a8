"""Two builds from the same inputs give the same bytes: notebooks and HTML pages.

Both tests compare against what ``make book`` left in the tree, so they run after it
(``make book-test``):

* Notebooks: every chapter notebook, and a few country pages (see :func:`sample`), is executed
  again in memory exactly as ``python -m imetbook execute`` does
  (:func:`imetbook.run.execute.render`,
  same kernel environment, same clean-up, but always a fresh kernel) and must equal the
  committed file (or the page built in a warm kernel) byte for byte, metadata included.
  nbval checks the outputs cell by cell; this checks the whole file, metadata included.
* HTML: the book is built a second time, from scratch, into a temporary ``--path-output`` with
  the command of ``python -m imetbook html`` but every sidebar computed by the theme
  (``IMETBOOK_SIDEBAR_CACHE=0``); every file of ``_build/html`` must exist in the
  second build with the same bytes, and the second build must have no file the first lacks.

Nothing is excluded from either comparison. Builds embed no timestamps (``html_last_updated_fmt``
is null), no absolute paths, and figures are byte-stable SVG (:mod:`imetbook.figures.plots`);
should a
genuinely volatile file ever appear, list it in ``HTML_EXCLUDED`` with the reason.
"""

from __future__ import annotations

import difflib
import multiprocessing
import os
import subprocess
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from imetbook import paths
from imetbook.run import execute, sphinx_sidebar
from imetbook.run.commands.execute import html_command

pytestmark = pytest.mark.slow

ROOT = paths.project_root()
SITE = paths.build_dir() / "html"
# Country pages are one template run 150 times; besides it, these pages are re-executed.
# IMETBOOK_REPRO_ALL=1 re-executes every country page (about as long as `make book`).
COUNTRIES = ("PAK", "IND")
HTML_EXCLUDED: dict[str, str] = {}  # relative path -> why its bytes may differ between builds


def sample(jobs: list[execute.Job]) -> list[execute.Job]:
    """Chapters, the first and last country page, and the countries the book is about."""
    profiles = sorted(
        (j for j in jobs if execute.PROFILE_PAGE.match(Path(j.output).name)),
        key=lambda j: Path(j.output).name,
    )
    if os.environ.get("IMETBOOK_REPRO_ALL") == "1" or not profiles:
        return jobs
    keep = {profiles[0].output, profiles[-1].output}
    keep |= {j.output for j in profiles if Path(j.output).stem in COUNTRIES}
    return [j for j in jobs if j not in profiles or j.output in keep]


def first_difference(a: bytes, b: bytes, name: str, context: int = 20) -> str:
    diff = difflib.unified_diff(
        a.decode("utf-8", "replace").splitlines(),
        b.decode("utf-8", "replace").splitlines(),
        f"{name} (committed)",
        f"{name} (rebuilt)",
        lineterm="",
        n=1,
    )
    return "\n".join(line[:200] for line in list(diff)[:context])


def _render(job: execute.Job) -> bytes:
    # A fresh kernel per notebook: country pages were built in warm kernels (one per worker,
    # reset between pages), so equal bytes also prove the warm engine changes nothing.
    return execute.render(job, warm=False)


def test_notebooks_re_execute_to_identical_bytes():
    jobs = sample(execute.book_jobs(log=lambda _msg: None, tidy=False))
    assert jobs, f"no notebooks under {paths.chapters_dir()}"
    stale = [j.label for j in execute.stale_jobs(jobs)]
    assert not stale, f"not executed from the current inputs, run `make book` first: {stale}"

    context = multiprocessing.get_context("spawn")  # as execute: pyarrow threads and fork
    with ProcessPoolExecutor(max_workers=paths.available_cores(), mp_context=context) as pool:
        fresh = list(pool.map(_render, jobs))

    differ = [
        first_difference(Path(j.output).read_bytes(), data, j.label)
        for j, data in zip(jobs, fresh, strict=True)
        if Path(j.output).read_bytes() != data
    ]
    assert not differ, f"{len(differ)} of {len(jobs)} notebooks changed:\n" + "\n\n".join(differ)


def site_files(site: Path) -> dict[str, Path]:
    return {
        p.relative_to(site).as_posix(): p
        for p in sorted(site.rglob("*"))
        if p.is_file() and p.relative_to(site).as_posix() not in HTML_EXCLUDED
    }


def test_html_rebuild_is_byte_identical(tmp_path):
    assert (SITE / "index.html").is_file(), f"{SITE} missing: run `make book` first"
    # The command of `imetbook html` (Sphinx in parallel processes), into another folder, with
    # every sidebar written by the theme itself: equal bytes also prove the sidebars the first
    # build derived from a sibling's (imetbook.run.sphinx_sidebar) are the theme's own.
    cmd = html_command(ROOT, paths.available_cores(), path_output=tmp_path)
    env = {**os.environ, sphinx_sidebar.ENV_SWITCH: "0"}
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env)
    assert done.returncode == 0, f"second build failed:\n{done.stdout[-3000:]}\n{done.stderr}"

    first, second = site_files(SITE), site_files(tmp_path / "_build" / "html")
    assert sorted(first) == sorted(second), (
        f"only in _build/html: {sorted(set(first) - set(second))}; "
        f"only in the rebuild: {sorted(set(second) - set(first))}"
    )
    differ = [
        first_difference(first[rel].read_bytes(), second[rel].read_bytes(), rel)
        for rel in first
        if first[rel].read_bytes() != second[rel].read_bytes()
    ]
    assert not differ, f"{len(differ)} files differ:\n" + "\n\n".join(differ[:10])


def test_country_pages_in_a_warm_kernel_are_the_bytes_of_fresh_kernels(tmp_path):
    # A warm kernel keeps what the pages share (imetbook.chapters.profile.page_set) from one
    # page to the next; the pages must not show it. Israel first (its classes under every
    # program), then pages that reuse what the first one computed.
    from imetbook.analysis import country_pages
    from imetbook.data import datasets

    training = datasets.load("training", columns=country_pages.INDEX_COLUMNS)
    template = paths.chapters_dir() / execute.PROFILE_TEMPLATE
    wanted = {"ISR", "NPL", "PAK", "TUR"}
    out = {}
    for kind, warm in (("fresh", False), ("warm", True)):
        jobs = execute.profile_jobs(training, template, tmp_path / kind)
        jobs = [j for j in jobs if Path(j.output).stem in wanted]
        execute.execute_jobs(jobs, workers=1, warm=warm, force=True, log=lambda _line: None)
        out[kind] = {Path(j.output).name: Path(j.output).read_bytes() for j in jobs}
    assert len(out["warm"]) == len(wanted)
    assert out["warm"] == out["fresh"]
