"""Reliability of the build: offline, corrupt inputs, and data strings that contain HTML.

* The data build runs with the network switched off: in a new network namespace
  (``unshare -n``, no interface but a downed loopback) where the kernel allows it, otherwise
  under a ``sitecustomize`` that makes every socket connection fail. A probe run under the same
  wrapper proves the network really is off.
* Corrupt raw inputs (a truncated ``.gz``, a checksum mismatch, a table that breaks its
  contract) stop ``python -m imetbook data build`` with exactly one ``error:`` line naming the
  problem, leave the previous processed tables and the committed notebooks byte for byte as
  they were, and leave no half-written folder behind. Each case works on a copy of the project
  (``IMETBOOK_ROOT``), never on the repository.
* A course title holding ``<script>`` or an ``onerror`` attribute, shown every way the chapters
  show data (a DataFrame as a cell result or through ``display``, the table helpers of
  :mod:`imetbook.analysis`, a chart from :mod:`imetbook.figures.plots`), is escaped in the page that
  Jupyter Book builds from a notebook executed like the chapters. Real titles need this: the
  parser unescapes entities, and unit names such as ``1st BDE< Joint Op Command`` hold ``<``.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from fixture_helpers import built_page, link_or_copy, notebook
from reliability.rel_helpers import snapshot

from imetbook import paths
from imetbook.data import build, schema

ROOT = paths.project_root()
RAW = paths.raw_dir()


# --- running commands offline --------------------------------------------------------------

GUARD = '''
"""Test guard: any socket connection or name lookup fails, as on a machine with no network."""
import socket

def _refuse(*args, **kwargs):
    raise OSError(101, "Network is unreachable (disabled by imetbook test guard)")

socket.socket.connect = _refuse
socket.socket.connect_ex = _refuse
socket.create_connection = _refuse
socket.getaddrinfo = _refuse
'''


def _unshare_works() -> bool:
    if shutil.which("unshare") is None:
        return False
    return subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0


@pytest.fixture(scope="session")
def offline(tmp_path_factory):
    """``run(args, **kw)``: run a command with no network; ``.how`` says which isolation."""
    env = os.environ.copy()
    if _unshare_works():
        prefix, how = ["unshare", "-n"], "unshare -n (no network interface)"
    else:
        guard = tmp_path_factory.mktemp("netguard")
        (guard / "sitecustomize.py").write_text(GUARD)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(guard), env.get("PYTHONPATH")]))
        prefix, how = [], "sitecustomize socket guard"

    def run(args: list[str], **kw) -> subprocess.CompletedProcess:
        kw.setdefault("env", env)
        return subprocess.run(prefix + args, capture_output=True, text=True, **kw)

    run.how = how
    return run


def imetbook(*args: str) -> list[str]:
    return [sys.executable, "-m", "imetbook", *args]


@pytest.fixture(scope="session")
def baseline(offline, tmp_path_factory) -> Path:
    """Processed tables built from the vendored raw data with the network off."""
    out = tmp_path_factory.mktemp("baseline") / "processed"
    done = offline(imetbook("data", "build", "--force", "--raw", str(RAW), "--out", str(out)))
    assert done.returncode == 0, (
        f"offline data build failed ({offline.how}):\n{done.stdout}\n{done.stderr}"
    )
    return out


@pytest.mark.slow
def test_network_really_is_off_for_the_offline_build(offline):
    probe = "import socket; socket.create_connection(('192.0.2.1', 80), timeout=5)"
    done = offline([sys.executable, "-c", probe])
    assert done.returncode != 0, f"a connection succeeded under {offline.how}"
    assert "unreachable" in done.stderr.lower()


@pytest.mark.slow
def test_data_build_succeeds_with_the_network_disabled(baseline):
    built = sorted(p.name for p in baseline.glob("*.parquet"))
    assert built == sorted(f"{t}.parquet" for t in schema.CONTRACTS)


# --- corrupt inputs ------------------------------------------------------------------------


def _first_fmtr_file(raw: Path) -> Path:
    with (raw / "fmtr" / "MANIFEST.csv").open(newline="", encoding="utf-8") as fh:
        return raw / "fmtr" / next(csv.DictReader(fh))["staged_file"]


def truncate_gz(raw: Path) -> str:
    path = _first_fmtr_file(raw)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path.name


def change_gz_content(raw: Path) -> str:
    """Still a valid gzip, but not the bytes the manifest's sha256 was taken of."""
    path = _first_fmtr_file(raw)
    text = gzip.decompress(path.read_bytes()) + b"\n<!-- edited -->\n"
    path.write_bytes(gzip.compress(text, mtime=0))
    return path.name


def duplicate_claim(raw: Path) -> str:
    """Repeat the first claim (its key) and re-sign the manifest: checksums pass, the contract
    (unique ``claim_id``) does not."""
    context = raw / "context"
    claims = context / "article_claims.csv"
    rows = list(csv.reader(io.StringIO(claims.read_text(encoding="utf-8"), newline="")))
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\n").writerows([*rows, rows[1]])
    claims.write_bytes(buf.getvalue().encode("utf-8"))
    manifest = context / "MANIFEST.csv"
    with manifest.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        fields, entries = reader.fieldnames, list(reader)
    for entry in entries:
        if entry["file"] == claims.name:
            entry["sha256"] = hashlib.sha256(claims.read_bytes()).hexdigest()
            entry["bytes"] = str(claims.stat().st_size)
    with manifest.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(entries)
    return rows[1][0]


CORRUPTIONS = {
    # name: (corrupt raw in place and return what the message must name, words it must use)
    "truncated-gz": (truncate_gz, ("truncated",)),
    "checksum-mismatch": (change_gz_content, ("sha256",)),
    "schema-violation": (duplicate_claim, ("claim",)),
}


@pytest.fixture(scope="session")
def tables() -> Path:
    """The repository's tables, current with its raw files (a no-op after ``make data``): what
    a corrupt input must leave as they were (no second build of the same raw files)."""
    build.ensure_current()
    return paths.processed_dir()


def project_copy(tmp: Path, processed: Path) -> Path:
    """A project root with the committed notebooks, a copy of the raw data and the tables (hard
    links: a build never writes into a table file, it swaps a new folder in)."""
    root = tmp / "project"
    shutil.copytree(ROOT / "chapters", root / "chapters")
    shutil.copytree(RAW, root / "data" / "raw")
    shutil.copytree(processed, root / "data" / "processed", copy_function=link_or_copy)
    shutil.copy2(ROOT / "requirements.txt", root / "requirements.txt")
    return root


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(CORRUPTIONS))
def test_corrupt_input_fails_in_one_line_and_keeps_previous_outputs(case, tables, tmp_path):
    corrupt, words = CORRUPTIONS[case]
    root = project_copy(tmp_path, tables)
    named = corrupt(root / "data" / "raw")
    tables, notebooks = root / "data" / "processed", root / "chapters"
    before = (snapshot(tables), snapshot(notebooks, "*.ipynb"))
    siblings = sorted(p.name for p in tables.parent.iterdir() if p.name != "cache")

    env = os.environ | {"IMETBOOK_ROOT": str(root)}
    env.pop("IMETBOOK_PROCESSED", None)
    done = subprocess.run(
        imetbook("data", "build", "--force"), capture_output=True, text=True, env=env
    )

    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode != 0, f"{case}: the build succeeded\n{done.stdout}"
    assert len(lines) == 1 and lines[0].startswith("error: "), f"{case}: stderr:\n{done.stderr}"
    assert named in lines[0], f"{case}: {lines[0]!r} does not name {named!r}"
    assert any(w in lines[0].lower() for w in words), f"{case}: {lines[0]!r}"
    assert (snapshot(tables), snapshot(notebooks, "*.ipynb")) == before
    assert sorted(p.name for p in tables.parent.iterdir() if p.name != "cache") == siblings, (
        "leftover temp folder"
    )


# --- HTML in data strings ------------------------------------------------------------------

# Every way the chapters put data strings on a page, each with its own probe tag, so that a
# failure names the path that leaked. Update this list when chapters display data another way.
SETUP = """\
import pandas as pd
from IPython.display import display
from imetbook.figures import plots
from imetbook.chapters import tables
from imetbook.chapters import evidence
from imetbook.chapters import pakistan


def payload(tag):
    return f"<script>window.probe_{tag} = 1</script><img src=x onerror=alert('{tag}')>"


def courses(tag):
    return pd.DataFrame({"course_title": [payload(tag) + " Basic Officer Course"], "students": [3]})
"""
DISPLAY_PATHS = {
    "dataframe_result": "courses('dataframe_result')",
    "dataframe_display": "display(courses('dataframe_display'))",
    "tables_show": "display(tables.show(courses('tables_show'), 'probe-tb'))",
    "tables_show_links": (
        "linked = courses('tables_show_links').assign(source=payload('tables_show_links'), "
        "address='https://example.org/')\n"
        "display(tables.show(pakistan.with_links(linked, 'source', 'address'), 'probe-tl', "
        "html_columns=['source']))"
    ),
    "eligibility_source_links": (
        "docs = courses('eligibility_source_links').assign("
        "source_title=payload('eligibility_source_links'), source_url='https://example.org/')\n"
        "display(tables.show(docs.assign(document=evidence.source_links(docs)), 'probe-el', "
        "html_columns=['document']))"
    ),
    "plots_chart": (
        "fig, ax = plots.figure(payload('plots_chart'))\n"
        "plots.ranking(ax, pd.Series({payload('plots_chart'): 3.0, 'Another course': 2.0}))\n"
        "plots.finish(fig, ax, xlabel='Students (people)', source=payload('plots_chart'), "
        "alt=payload('plots_chart'))\n"
        "plots.show(fig)"
    ),
}
_LIVE_SCRIPT = re.compile(r"window\.probe_(\w+) = 1")
_LIVE_HANDLER = re.compile(r"alert\('(\w+)'\)")


class _Live(HTMLParser):
    """Probe tags that reached the page as markup: in a script body or an event attribute."""

    def __init__(self) -> None:
        super().__init__()
        self.in_script = False
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.in_script = tag == "script"
        for key, value in attrs:
            if key.startswith("on"):
                self.tags.update(_LIVE_HANDLER.findall(value or ""))

    def handle_endtag(self, tag: str) -> None:
        self.in_script = False

    def handle_data(self, data: str) -> None:
        if self.in_script:
            self.tags.update(_LIVE_SCRIPT.findall(data))


def tiny_book(root: Path) -> Path:
    """The project's own ``_config.yml`` with a one-chapter table of contents."""
    root.mkdir(parents=True, exist_ok=True)
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    local = config.get("sphinx", {}).get("local_extensions") or {}
    for name, where in local.items():  # relative to the project, not to the tiny book
        local[name] = str((ROOT / where).resolve())
    (root / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    (root / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n  - file: data\n")
    (root / "intro.md").write_text("# Probe\n\nA page that shows data strings holding HTML.\n")
    # The config ships the downloads folder the data build writes (html_extra_path).
    (root / "data" / "processed" / "site").mkdir(parents=True, exist_ok=True)
    return root


@pytest.mark.slow
def test_html_in_data_strings_is_escaped_in_the_pages(tmp_path):
    book = tiny_book(tmp_path / "book")
    nb = notebook(SETUP, *DISPLAY_PATHS.values(), markdown="# Data with HTML in it")
    page = built_page(book, nb, "data")
    live = _Live()
    live.feed(page)
    assert not live.tags, f"data strings reached the page as live HTML via: {sorted(live.tags)}"
    shown = {tag for tag in DISPLAY_PATHS if f"&lt;script&gt;window.probe_{tag} = 1" in page}
    assert shown == set(DISPLAY_PATHS), f"not on the page: {sorted(set(DISPLAY_PATHS) - shown)}"
