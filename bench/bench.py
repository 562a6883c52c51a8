"""Benchmark the FMTR parse and the book build (``make bench``).

Not a test: it prints wall-clock seconds. Three parts, in one run.

**Parse.** Wall-clock and CPU seconds and rows per second for

* ``imetbook``: :func:`imetbook.data.parsers.fmtr.build_tables` on ``data/raw/fmtr`` (checksums,
  gunzip, XML and HTML parse, cleaning, regions, reconciliation: the four tables; the per-row
  work in worker processes, one per core: its CPU seconds include theirs);
* ``naive``: per file, gunzip then ``pandas.read_xml(..., xpath="//training")`` for the XML
  and ``pandas.read_html`` for the 2006-2007 HTML pages, with no cleaning at all;

and the ratio of their rates. Rows are raw elements in both cases (every ``<training>``
element or HTML table row read), so the rates compare the same work. Each side runs
``--repeat`` times (default 3); the best run is reported.

**Validate.** Every built table checked against its contract (best of ``--repeat``).

**Build.** The book is built in a temporary copy of the working tree: the files git sees
(tracked, and untracked but not ignored; so no ``.venv``, ``_build``, processed tables or
generated country pages), with this ``.venv``'s Python, ``PYTHONPATH`` pointing at the copy's
``src`` and ``IMETBOOK_ROOT`` at the copy, so nothing outside the copy is read or written. Three
builds, each timed by phase (data, execute, html) with the number of notebooks executed:

* ``cold``: what a fresh clone (and CI) does: build the tables, execute every notebook whose
  stored input hash does not match (the ~190 generated country pages always, chapters only if
  their committed outputs are stale; ``--force`` executes all), build the HTML;
* ``no change``: the same again, which must execute nothing;
* ``one chapter``: after changing the text of one Markdown cell of ``--touch`` (default
  ``chapters/sources.ipynb``), which must execute that notebook only;
* ``one module``: after changing the source of ``--module`` (default
  ``imetbook.analysis.claims``), which must execute exactly the notebooks whose kernel
  imported it (as recorded in their metadata).

Each headline figure is printed next to its target (``figure:`` lines). The machine is
shared: absolute seconds are noisy, ratios measured in the same run (parse / bare lxml) less.

Then the per-notebook overhead: the mean time the executor takes for an empty notebook
(kernel start, papermill, cleaning, atomic write) and for one that only imports what every page
imports (pandas, matplotlib through :mod:`imetbook.figures.plots`), one at a time.

``--test`` also times ``make test`` in the copy, step by step, right after the cold build:
the cold build plus those steps is what ``make test`` costs on a fresh clone once the installs
are done (figure next to its target).

``--pages-only`` times the page set alone (the same country pages in fresh and in warm
kernels). ``--quick`` skips the cold build: the copy then also gets this tree's processed tables and
generated country pages, and is brought up to date (execute and HTML, not timed) before the two
rebuilds are timed.
"""

from __future__ import annotations

import argparse
import gzip
import io
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pandas as pd

from imetbook import paths
from imetbook.data.manifest import read_manifest
from imetbook.data.parsers import fmtr

# --- parse -----------------------------------------------------------------------------------


def ours(fmtr_dir: Path) -> int:
    tables = fmtr.build_tables(fmtr_dir)
    return len(tables["training"]) + len(tables["fmtr_excluded"])


def naive(fmtr_dir: Path) -> int:
    n = 0
    for row in read_manifest(fmtr_dir / "MANIFEST.csv"):
        data = gzip.decompress((fmtr_dir / row["staged_file"]).read_bytes())
        if row["staged_file"].endswith(".xml.gz"):
            n += len(pd.read_xml(io.BytesIO(data), xpath="//training", parser="lxml"))
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                frames = pd.read_html(io.StringIO(data.decode("utf-8")), flavor="lxml")
            n += sum(len(f) for f in frames)
    return n


def bare_lxml(fmtr_dir: Path) -> int:
    """The floor: gunzip and parse every file with lxml, nothing else (elements counted)."""
    from lxml import etree, html

    n = 0
    for row in read_manifest(fmtr_dir / "MANIFEST.csv"):
        data = gzip.decompress((fmtr_dir / row["staged_file"]).read_bytes())
        if row["staged_file"].endswith(".xml.gz"):
            n += sum(1 for _ in etree.fromstring(data).iter("training"))
        else:
            n += len(html.fromstring(data).xpath("//tr"))
    return n


# The fastest way found to get every field of every <training> out of an lxml tree: libxslt
# writes them as text in one C pass (a Python walk over the 2 million field elements takes
# twice as long). Private-use characters separate the values.
_SEP = "\ue000"
_FIELDS_XSLT = (
    '<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">'
    '<xsl:output method="text" encoding="utf-8"/><xsl:template match="/">'
    '<xsl:for-each select="countries/country/program/training">{}</xsl:for-each>'
    "</xsl:template></xsl:stylesheet>"
)


def extraction_floor(fmtr_dir: Path) -> int:
    """The least a parse must do: read and check every file, parse it with lxml and take every
    field's text out (XSLT), before any value is classified or cleaned."""
    import hashlib

    from lxml import etree, html

    from imetbook.data.parsers.fmtr_fields import FIELDS

    cells = "".join(
        f'<xsl:value-of select="{f}[last()]"/><xsl:text>{_SEP}</xsl:text>' for f in FIELDS
    )
    extract = etree.XSLT(etree.fromstring(_FIELDS_XSLT.format(cells).encode()))
    parser = etree.XMLParser(resolve_entities=False, remove_blank_text=True, collect_ids=False)
    n = 0
    for row in read_manifest(fmtr_dir / "MANIFEST.csv"):
        data = gzip.decompress((fmtr_dir / row["staged_file"]).read_bytes())
        hashlib.sha256(data).hexdigest()
        if row["staged_file"].endswith(".xml.gz"):
            values = str(extract(etree.fromstring(data, parser))).split(_SEP)
            n += (len(values) - 1) // len(FIELDS)
        else:
            n += len(html.fromstring(data).xpath("//tr"))
    return n


def cpu_seconds() -> float:
    """CPU seconds of this process and of its finished children (the parse's workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def timed(func: Callable[[Path], int], fmtr_dir: Path, repeat: int) -> tuple[int, float, float]:
    """Rows, best wall seconds and best CPU seconds (workers included) over ``repeat`` runs."""
    best_wall = best_cpu = float("inf")
    rows = 0
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), cpu_seconds()
        rows = func(fmtr_dir)
        best_wall = min(best_wall, time.perf_counter() - w0)
        best_cpu = min(best_cpu, cpu_seconds() - c0)
    return rows, best_wall, best_cpu


def parse_bench(fmtr_dir: Path, repeat: int) -> None:
    results = {}
    walls = {}
    cpus = {}
    for name, func in (
        ("imetbook", ours),
        ("naive", naive),
        ("bare lxml", bare_lxml),
        ("extract", extraction_floor),
    ):
        rows, wall, cpu = timed(func, fmtr_dir, repeat)
        results[name] = rows / wall
        walls[name] = wall
        cpus[name] = cpu
        print(
            f"{name:>9}: {rows:>8,} rows  {wall:6.2f} s wall  {cpu:6.2f} s CPU  "
            f"{rows / wall:>10,.0f} rows/s",
            flush=True,
        )
    print(
        f"    ratio: imetbook / naive = {results['imetbook'] / results['naive']:.2f}x "
        f"(best of {repeat}; imetbook also verifies checksums and cleans every value)",
        flush=True,
    )
    ratio = walls["imetbook"] / walls["bare lxml"]
    figure("parse time / bare lxml time, same run", f"{ratio:.2f}x", "<= 1.5x", ratio <= 1.5)
    # On a busy machine wall time includes waiting for a core; CPU time is the work itself
    # (the parse's worker processes included, so parallel work is not hidden).
    print(f"    (CPU: imetbook / bare lxml = {cpus['imetbook'] / cpus['bare lxml']:.2f}x)")
    # Even spread perfectly over every core, reading, checking, parsing and extracting the
    # fields leaves this much of the 1.5x budget for everything else the parse does.
    cores = paths.available_cores()
    least = cpus["extract"] / cores
    budget = 1.5 * walls["bare lxml"]
    print(f"    (extract: check, parse and take out every field, nothing cleaned: "
          f"{cpus['extract']:.2f} s CPU, at least {least:.2f} s on {cores} cores, of a "
          f"1.5x budget of {budget:.2f} s; classifying, cleaning and the tables get the rest)",
          flush=True)  # fmt: skip


def figure(what: str, value: str, target: str, ok: bool) -> None:
    """One measured figure next to its target (issue 21)."""
    print(f"   figure: {what}: {value}  (target {target}: {'met' if ok else 'NOT met'})",
          flush=True)  # fmt: skip


def validate_bench(repeat: int) -> None:
    """Seconds to check every built table against its contract (pandera; target: ~1 s)."""
    from imetbook.data import datasets, schema

    tables = {name: datasets.load(name) for name in schema.CONTRACTS}
    rows = sum(len(df) for df in tables.values())
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for name, df in tables.items():
            schema.validate(df, schema.CONTRACTS[name])
        best = min(best, time.perf_counter() - t0)
    print(f" validate: {rows:>8,} rows  {best:6.2f} s wall  (all {len(tables)} tables)", flush=True)


# --- build: a copy of the working tree -------------------------------------------------------

# Build outputs of the working tree that ``--quick`` copies too (git ignores them).
WARM_OUTPUTS = ("data/processed", "chapters/country")


def tree_files(repo: Path) -> list[str]:
    """The files git sees in the working tree: tracked, and untracked but not ignored."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=repo,
            check=True,
            capture_output=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        raise SystemExit(f"bench: cannot list the files of {repo} with git ({exc})") from None
    names = sorted({n for n in out.decode("utf-8").split("\0") if n})
    return [n for n in names if (repo / n).is_file()]  # deleted but still tracked: skipped


def copy_tree(repo: Path, dest: Path, warm: bool) -> int:
    """Copy the working tree into ``dest``; with ``warm``, its build outputs too."""
    names = tree_files(repo)
    for name in names:
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(repo / name, dest / name)
    if warm:
        for folder in WARM_OUTPUTS:
            if (repo / folder).is_dir():
                shutil.copytree(repo / folder, dest / folder, dirs_exist_ok=True)
    # An empty repository, so that git reads the copy's .gitignore (the tests ask git what
    # it ignores) and never this tree's.
    subprocess.run(["git", "init", "-q", str(dest)], check=True)
    return len(names)


def touch_module(root: Path, module: str) -> list[str]:
    """Change ``module``'s source (a comment); the notebooks whose kernel imported it."""
    from imetbook.run import execute

    path = root / "src" / "imetbook" / (module.removeprefix("imetbook.").replace(".", "/") + ".py")
    importers = sorted(
        p.relative_to(root).as_posix()
        for p in (root / "chapters").rglob("*.ipynb")
        if module in ((execute.stored_record(p) or {}).get("modules") or [])
    )
    with path.open("a", encoding="utf-8") as fh:
        fh.write("\n# changed by bench.py\n")
    return importers


def touch_markdown(notebook: Path) -> None:
    """Change the text of the notebook's first Markdown cell (an invisible HTML comment)."""
    nb = nbformat.read(str(notebook), as_version=4)
    cell = next((c for c in nb.cells if c.cell_type == "markdown"), None)
    if cell is None:
        raise SystemExit(f"bench: {notebook} has no Markdown cell to change")
    cell.source += "\n\n<!-- changed by bench.py -->"
    nbformat.write(nb, str(notebook))


# --- build: phases ---------------------------------------------------------------------------

_SUMMARY = re.compile(
    r"^execute: (?P<executed>\d+) executed, (?P<current>\d+) up to date, (?P<failed>\d+) failed"
    r" in (?P<seconds>[\d.]+)s \((?P<mean>[\d.]+)s per notebook run",
    re.M,
)
_NOTHING = re.compile(
    r"^execute: nothing to execute, all (?P<current>\d+) notebooks up to date", re.M
)
_EXECUTED = re.compile(r"^\[\d+/\d+\] executed (?P<label>\S+) \(", re.M)


@dataclass
class Build:
    """One timed build: wall seconds per phase, and what ``execute`` reported."""

    name: str
    seconds: dict[str, float] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds of each phase's processes
    executed: list[str] = field(default_factory=list)
    up_to_date: int = 0
    mean_run: float | None = None  # executor's mean seconds per notebook run

    @property
    def total(self) -> float:
        return sum(self.seconds.values())

    def line(self) -> str:
        phases = "  ".join(f"{k} {v:6.1f} s" for k, v in self.seconds.items())
        n = len(self.executed)
        ran = f"{n} notebook{'s' if n != 1 else ''} executed, {self.up_to_date} up to date"
        if n and n <= 3:
            ran += f" ({', '.join(self.executed)})"
        return f"{self.name:>11}: {phases}  total {self.total:6.1f} s  [{ran}]"


def copy_env(root: Path) -> dict[str, str]:
    """The environment of every command run in the copy: its code, its data, its outputs."""
    env = dict(os.environ, IMETBOOK_ROOT=str(root), PYTHONPATH=str(root / "src"))
    env.pop("IMETBOOK_PROCESSED", None)
    return env


def check_isolated(root: Path) -> None:
    """Stop unless Python run as the builds run imports the copy's package, not this tree's."""
    found = subprocess.run(
        [
            sys.executable,
            "-c",
            "import imetbook, imetbook.paths as p; "
            "print(imetbook.__file__); print(p.project_root())",
        ],
        cwd=root,
        env=copy_env(root),
        capture_output=True,
        text=True,
    ).stdout.split()
    if found != [str(root / "src" / "imetbook" / "__init__.py"), str(root)]:
        raise SystemExit(f"bench: the copy in {root} would not run its own code: {found}")


def children_cpu() -> float:
    """CPU seconds of every finished child process and its own children (kernels, workers,
    Chromium): the work a step did on all cores, whatever else the machine was doing."""
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return kids.ru_utime + kids.ru_stime


def run(cmd: Sequence[str], root: Path, cpu: dict[str, float] | None = None) -> tuple[float, str]:
    """Run ``python -m imetbook <cmd>`` in the copy; wall seconds and its output (its CPU
    seconds into ``cpu[cmd[0]]`` when given)."""
    t0, c0 = time.perf_counter(), children_cpu()
    done = subprocess.run(
        [sys.executable, "-m", "imetbook", *cmd],
        cwd=root,
        env=copy_env(root),
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - t0
    if cpu is not None:
        cpu[cmd[0]] = children_cpu() - c0
    output = done.stdout + done.stderr
    if done.returncode != 0:
        tail = "\n".join(output.strip().splitlines()[-20:])
        raise SystemExit(f"bench: `imetbook {' '.join(cmd)}` failed in {root}:\n{tail}")
    return seconds, output


def read_summary(build: Build, output: str) -> None:
    """Fill ``build`` from the executor's progress lines and summary line."""
    build.executed = sorted(m["label"] for m in _EXECUTED.finditer(output))
    summary = _SUMMARY.search(output)
    nothing = _NOTHING.search(output)
    if summary:
        build.up_to_date = int(summary["current"])
        build.mean_run = float(summary["mean"])
    elif nothing:
        build.up_to_date = int(nothing["current"])
    else:
        raise SystemExit(f"bench: no summary line in the output of execute:\n{output[-2000:]}")


def build_book(
    name: str, root: Path, jobs: int, *, data: bool = True, force: bool = False
) -> Build:
    """``make book`` in the copy, phase by phase: data build, execute, html."""
    build = Build(name)
    if data:
        build.seconds["data"], _ = run(["data", "build"], root, build.cpu)
    execute_cmd = ["execute", "-j", str(jobs), *(["--force"] if force else [])]
    build.seconds["execute"], output = run(execute_cmd, root, build.cpu)
    read_summary(build, output)
    build.seconds["html"], _ = run(["html"], root, build.cpu)
    return build


# --- build: per-notebook overhead ------------------------------------------------------------

OVERHEAD_CELLS = {
    "empty notebook": "",
    "page imports": (
        "import pandas\nfrom imetbook.data import datasets\n"
        "from imetbook.figures import plots\nfrom imetbook.chapters import tables"
    ),
}


def notebook_overhead(repeat: int) -> dict[str, float]:
    """Mean executor seconds per notebook, one at a time, for :data:`OVERHEAD_CELLS`."""
    from imetbook.run import execute

    out = {}
    with tempfile.TemporaryDirectory(prefix="imetbook-bench-nb-") as tmp:
        for what, source in OVERHEAD_CELLS.items():
            nb = nbformat.v4.new_notebook()
            nb.metadata["kernelspec"] = {
                "name": "python3",
                "display_name": "Python 3",
                "language": "python",
            }
            nb.cells = [nbformat.v4.new_code_cell(source)]
            src = Path(tmp) / f"{len(out)}.ipynb"
            nbformat.write(nb, str(src))
            jobs = [execute.Job(src, Path(tmp) / f"{len(out)}-{i}.ipynb") for i in range(repeat)]
            summary = execute.execute_jobs(jobs, workers=1, force=True, log=lambda _line: None)
            out[what] = sum(o.seconds for o in summary.outcomes) / len(summary.outcomes)
    return out


def page_set_speed(pages: int, jobs: int) -> dict[str, float]:
    """Wall seconds per country page, ``jobs`` at a time, in fresh kernels and in warm ones
    (same pages, same run: the ratio holds on a busy machine where seconds do not)."""
    from imetbook.analysis import country_pages
    from imetbook.data import datasets
    from imetbook.run import execute

    template = paths.chapters_dir() / execute.PROFILE_TEMPLATE
    training = datasets.load("training", columns=country_pages.INDEX_COLUMNS)
    out = {}
    with tempfile.TemporaryDirectory(prefix="imetbook-bench-pages-") as tmp:
        for kind in ("fresh", "warm"):
            jobs_ = execute.profile_jobs(training, template, Path(tmp) / kind)[:pages]
            t0 = time.perf_counter()
            execute.execute_jobs(
                jobs_, workers=jobs, force=True, warm=kind == "warm", log=lambda _line: None
            )
            out[kind] = (time.perf_counter() - t0) / len(jobs_)
        fresh, warm = (Path(tmp) / k for k in ("fresh", "warm"))
        same = all((warm / p.name).read_bytes() == p.read_bytes() for p in fresh.glob("*.ipynb"))
    out["identical"] = float(same)
    return out


# The steps of `make test` after `make book` (see the Makefile), in its order.
TEST_STEPS = ("lint", "unit", "nbval", "book-test", "browser")


def make_test(root: Path, cold: Build) -> None:
    """``make test`` in the copy after its cold build, step by step, with this ``.venv`` (never
    reinstalled: ``-o`` marks it up to date) and the figure of issue 21: the cold book plus
    the tests, what ``make test`` costs on a fresh clone once the installs are done."""
    venv = Path(sys.executable).parent.parent
    seconds, cpu = {}, {}
    for step in TEST_STEPS:
        t0, c0 = time.perf_counter(), children_cpu()
        done = subprocess.run(
            ["make", f"VENV={venv}", "-o", f"{venv}/.installed", step],
            cwd=root, env=copy_env(root), capture_output=True, text=True,
        )  # fmt: skip
        seconds[step] = time.perf_counter() - t0
        cpu[step] = children_cpu() - c0
        if done.returncode != 0:
            tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-20:])
            raise SystemExit(f"bench: `make {step}` failed in {root}:\n{tail}")
    print("        make test: " + "  ".join(f"{k} {v:6.1f} s" for k, v in seconds.items()),
          flush=True)  # fmt: skip
    print("        CPU seconds: " + "  ".join(f"{k} {v:6.1f}" for k, v in
          [*cold.cpu.items(), *cpu.items()]), flush=True)  # fmt: skip
    total = cold.total + sum(seconds.values())
    figure("make test on a fresh clone (cold book + tests, after installs)", f"{total:.0f} s",
           "<= 240 s", total <= 240)  # fmt: skip
    # The least wall time this work can take here: every core busy all the time.
    work = sum(cold.cpu.values()) + sum(cpu.values())
    cores = paths.available_cores()
    print(f"    (its CPU work: {work:.0f} s on {cores} cores, so at least {work / cores:.0f} s "
          "of wall time with every core busy)", flush=True)  # fmt: skip


def timed_builds(root: Path, args: argparse.Namespace) -> list[Build]:
    """The cold build (unless ``--quick``), the rebuild with nothing changed and the rebuild
    after changing one chapter, in the copy at ``root``; each printed as it ends."""
    builds = []
    if args.quick:
        warm = build_book("warm-up", root, args.jobs)
        print(f"{warm.line()}  (not a benchmark)", flush=True)
    else:
        builds.append(build_book("cold", root, args.jobs, force=args.force))
        print(builds[-1].line(), flush=True)
        if args.test:
            make_test(root, builds[-1])
    builds.append(build_book("no change", root, args.jobs))
    print(builds[-1].line(), flush=True)
    touch_markdown(root / args.touch)
    builds.append(build_book("one chapter", root, args.jobs))
    print(builds[-1].line(), flush=True)
    args.importers = touch_module(root, args.module)
    builds.append(build_book("one module", root, args.jobs))
    print(builds[-1].line(), flush=True)
    return builds


def page_set_report(args: argparse.Namespace, figure_line: bool = True) -> None:
    """The page set, fresh kernels against warm ones; with ``figure_line`` (``--pages-only``,
    where no build is timed) also as the per-page figure against its target."""
    speed = page_set_speed(args.pages, args.jobs)
    print(
        f"         page set: {args.pages} country pages, {args.jobs} at a time: fresh kernels "
        f"{speed['fresh']:.2f} s, warm kernels {speed['warm']:.2f} s of wall time per page "
        f"({speed['fresh'] / speed['warm']:.1f}x; same run); "
        f"byte-identical: {'yes' if speed['identical'] else 'NO'}",
        flush=True,
    )
    if figure_line:
        figure(f"page set, warm kernels, {args.jobs} workers", f"{speed['warm']:.2f} s per page",
               "<= 0.3 s per page", speed["warm"] <= 0.3)  # fmt: skip
    else:
        # Each worker's start (kernel, imports, what the pages share) is spread over fewer
        # pages than in the build: the figure against the target is the cold build's.
        print(f"                   (per page above the build's: each worker's start is shared by "
              f"{args.pages // args.jobs} pages, not about 100)", flush=True)  # fmt: skip


def report(builds: Sequence[Build], args: argparse.Namespace) -> None:
    """Per-notebook times of the cold build, the executor's overhead, and the two checks."""
    by_name = {b.name: b for b in builds}
    cold = by_name.get("cold")
    if cold:
        total = cold.seconds["execute"] + cold.seconds["html"]
        figure("cold execute + HTML", f"{total:.1f} s", "<= 90 s", total <= 90)
    pages = [n for n in (cold.executed if cold else []) if "/country/" in n]
    if cold and pages:
        # The page set's share of the execute phase: chapters run alongside, so this is an
        # upper bound of the wall time per page.
        per_page = cold.seconds["execute"] / len(cold.executed)
        figure(f"wall time per notebook, {args.jobs} workers ({len(pages)} pages)",
               f"{per_page:.2f} s", "<= 0.3 s per page", per_page <= 0.3)  # fmt: skip
    if cold and cold.executed:
        wall = cold.seconds["execute"] / len(cold.executed)
        print(
            f"     per notebook: cold execute {cold.seconds['execute']:.1f} s for "
            f"{len(cold.executed)} notebooks on {args.jobs} workers = {wall:.2f} s of wall "
            f"time each; {cold.mean_run:.2f} s per notebook run",
            flush=True,
        )
    overhead = notebook_overhead(args.overhead_repeat)
    print(
        "         overhead: "
        + ", ".join(f"{what} {s:.2f} s" for what, s in overhead.items())
        + " per notebook run (one at a time)",
        flush=True,
    )
    page_set_report(args, figure_line=False)
    touched = Path(args.touch).as_posix()
    checks = {
        "no change executes nothing": by_name["no change"].executed == [],
        f"one chapter executes {touched} only": by_name["one chapter"].executed == [touched],
        f"one module ({args.module}) executes only its {len(args.importers)} importers": (
            by_name["one module"].executed == args.importers
        ),
    }
    for what, ok in checks.items():
        print(f"            check: {what}: {'yes' if ok else 'NO'}", flush=True)


def build_bench(args: argparse.Namespace) -> None:
    repo = paths.project_root()
    if not (repo / args.touch).is_file():
        raise SystemExit(f"bench: --touch {args.touch}: no such notebook in {repo}")
    root = Path(tempfile.mkdtemp(prefix="imetbook-bench-")) / "book"
    try:
        n = copy_tree(repo, root, warm=args.quick)
        kind = "with its build outputs" if args.quick else "without build outputs"
        print(
            f"build: a copy of the working tree ({n} files, {kind}) in {root}, "
            f"{args.jobs} notebooks at a time",
            flush=True,
        )
        check_isolated(root)
        builds = timed_builds(root, args)
    finally:
        if args.keep:
            print(f"build: the copy is kept in {root}", flush=True)
        else:
            shutil.rmtree(root.parent, ignore_errors=True)
    report(builds, args)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fmtr", type=Path, default=paths.raw_dir() / "fmtr")
    parser.add_argument("--repeat", type=int, default=3, help="parse runs per side (best kept)")
    parser.add_argument("--quick", action="store_true", help="skip the cold build")
    parser.add_argument("--no-build", action="store_true", help="the parse benchmark only")
    parser.add_argument("--no-parse", action="store_true", help="the build benchmark only")
    parser.add_argument(
        "--pages-only", action="store_true", help="the page set only (fresh and warm kernels)"
    )
    parser.add_argument(
        "-j", "--jobs", type=int, default=paths.available_cores(), help="notebooks at a time"
    )
    parser.add_argument(
        "--force", action="store_true", help="cold build: execute every notebook, not only stale"
    )
    parser.add_argument(
        "--touch",
        default="chapters/sources.ipynb",
        help="the chapter whose Markdown is changed for the last rebuild",
    )
    parser.add_argument(
        "--module",
        default="imetbook.analysis.claims",
        help="the analysis module changed for the 'one module' rebuild",
    )
    parser.add_argument(
        "--pages",
        type=int,
        default=40,
        help="country pages timed fresh and warm (same run); each warm worker starts its "
        "kernel and reads the shared inputs once, so few pages mostly time that",
    )
    parser.add_argument("--overhead-repeat", type=int, default=3, metavar="N")
    parser.add_argument("--keep", action="store_true", help="keep a copy of the built tree")
    parser.add_argument(
        "--test",
        action="store_true",
        help="after the cold build, time each step of `make test` in the copy (about 10 min)",
    )
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    if args.pages_only:
        page_set_report(args)
        return
    if not args.no_parse:
        parse_bench(args.fmtr, args.repeat)
        validate_bench(args.repeat)
    if not args.no_build:
        build_bench(args)


if __name__ == "__main__":
    main()
