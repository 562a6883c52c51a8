"""Execute notebooks with papermill: only when their inputs changed, in parallel, atomically.

A notebook's inputs are hashed by :func:`input_hash`: its source cells (type, source, tags;
never outputs or volatile metadata), its parameters, the data files its source reads (see
:func:`data_inputs`), the package code and the pinned requirements. The hash is stored in the
executed notebook (``metadata.imetbook.input_hash``); a notebook whose stored hash matches is
up to date and is not executed, so a fresh clone with unchanged data and code executes nothing.

An execution writes nothing until it has succeeded: papermill runs the notebook in memory,
volatile metadata (papermill and nbclient timings, papermill's record of paths) is stripped so
that unchanged inputs give byte-identical files, and the result is renamed into place. A
failing cell leaves the previous file untouched and is reported in one line naming the
notebook and the cell.

Chapter notebooks (``chapters/*.ipynb``) are executed in place. The country template
``chapters/country/profile.ipynb`` is executed once per country into
``chapters/country/<ISO3>.ipynb``; for such template runs, ``{{ name }}`` in markdown cells is
replaced by the value of parameter ``name`` (markdown cannot be parameterised otherwise).
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import nbformat

from imetbook import atomic, paths, schema
from imetbook.errors import ExecutionError, ParameterError

KERNEL = "python3"
# Bump when what the hash covers changes, so every stored hash goes stale at once.
HASH_VERSION = "imetbook-execute-1"
CELL_TIMEOUT_S = 600  # as execute.timeout in _config.yml
# Environment of every kernel: stable hashing of str, stable warning file names
# (``<IPY-INPUT>`` instead of a temp path), inline figures even when the caller exported
# MPLBACKEND=Agg (ipykernel keeps an MPLBACKEND it inherits), no debugger noise.
KERNEL_ENV = {
    "PYTHONHASHSEED": "0",
    "IPYKERNEL_CELL_NAME": "<IPY-INPUT>",
    "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
}
INJECTED_TAG = "injected-parameters"
# Jupyter Book's cell display tags.
DISPLAY_TAGS = frozenset(
    f"{verb}-{what}" for verb in ("remove", "hide") for what in ("cell", "input", "output")
)
_NOT_SOURCE_TAGS = {INJECTED_TAG, "papermill-error-cell-tag"}
PROFILE_TEMPLATE = Path("country") / "profile.ipynb"
PROFILE_PAGE = re.compile(r"^[A-Z0-9]{3}\.ipynb$")

EXECUTED, UP_TO_DATE, FAILED = "executed", "up to date", "failed"

# A call that reads a processed table by literal name: datasets.load("training"), load('funding')
_TABLE_CALL = re.compile(
    r"(?:\bdatasets\.|(?<![\w.]))load\(\s*(?:name\s*=\s*)?(?P<q>[\"'])(?P<name>\w+)(?P=q)"
)
# Any such call; one without a literal name may read any table.
_ANY_TABLE_CALL = re.compile(r"(?:\bdatasets\.|(?<![\w.]))load\(")
# Code that reads data/raw directly: sources.read_raw_sources(), anything under paths.raw_dir().
_RAW_CALL = re.compile(r"\b(?:read_raw_sources|raw_dir)\(")
_PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}")


@dataclass(frozen=True)
class Job:
    """Execute ``source`` with ``parameters`` into ``output`` (the same file for chapters)."""

    source: Path
    output: Path
    parameters: Mapping[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return _label(self.output)


@dataclass(frozen=True)
class Outcome:
    job: Job
    status: str
    seconds: float = 0.0
    error: str = ""


@dataclass(frozen=True)
class Summary:
    outcomes: tuple[Outcome, ...]
    seconds: float

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)

    @property
    def executed(self) -> list[str]:
        return sorted(o.job.label for o in self.outcomes if o.status == EXECUTED)

    def line(self) -> str:
        ran = [o for o in self.outcomes if o.status != UP_TO_DATE]
        if not ran:
            return (
                f"execute: nothing to execute, all {len(self.outcomes)} notebooks up to date "
                f"({self.seconds:.1f}s)"
            )
        mean = sum(o.seconds for o in ran) / len(ran)
        slowest = max(ran, key=lambda o: o.seconds)
        return (
            f"execute: {self.count(EXECUTED)} executed, {self.count(UP_TO_DATE)} up to date, "
            f"{self.count(FAILED)} failed in {self.seconds:.1f}s ({mean:.1f}s per notebook run; "
            f"slowest {slowest.job.label} {slowest.seconds:.1f}s)"
        )


def _label(path: Path) -> str:
    path = Path(path).resolve()
    root = paths.project_root()
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)


def say(line: str) -> None:
    """Print a progress line now, also when stdout is a pipe (make, tee, CI logs)."""
    print(line, flush=True)


# --- hashing ---------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _file_digest(path: Path, mtime_ns: int, size: int) -> str:
    # Keyed on mtime and size so that 150 country pages hash the same table once per run.
    return hashlib.sha256(path.read_bytes()).hexdigest()


def file_digest(path: Path) -> str:
    """sha256 of a file's bytes, or ``missing``."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return "missing"
    return _file_digest(path, st.st_mtime_ns, st.st_size)


def code_digest(package: Path | None = None, root: Path | None = None) -> str:
    """Hash of every ``*.py`` of the package and of ``requirements.txt`` (the pinned stack)."""
    package = package or paths.package_dir()
    root = root or paths.project_root()
    h = hashlib.sha256()
    for f in sorted(package.rglob("*.py")):
        h.update(f"{f.relative_to(package).as_posix()}\0{file_digest(f)}\0".encode())
    h.update(f"requirements.txt\0{file_digest(root / 'requirements.txt')}\0".encode())
    return h.hexdigest()


def source_cells(nb: nbformat.NotebookNode) -> list[dict[str, Any]]:
    """What a notebook's result depends on, cell by cell: type, source and tags."""
    out = []
    for cell in nb.cells:
        tags = sorted(cell.get("metadata", {}).get("tags", []))
        if _NOT_SOURCE_TAGS & set(tags):
            continue
        out.append({"cell_type": cell.cell_type, "source": cell.source, "tags": tags})
    return out


def data_inputs(
    nb: nbformat.NotebookNode, processed: Path | None = None, raw: Path | None = None
) -> list[tuple[str, Path]]:
    """``(name, path)`` of every data file the notebook's code reads, found from its source.

    ``load("table")`` reads ``<processed>/table.parquet``; a ``load(...)`` without a literal
    name may read any table, so it depends on all of them; code that reads ``data/raw``
    (``read_raw_sources(...)``, ``paths.raw_dir()``) depends on the raw manifests, which
    carry every raw file's checksum, and the READMEs.
    """
    processed = processed or paths.processed_dir()
    raw = raw or paths.raw_dir()
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    tables = {m["name"] for m in _TABLE_CALL.finditer(code)}
    if len(_ANY_TABLE_CALL.findall(code)) > len(_TABLE_CALL.findall(code)):
        tables |= set(schema.CONTRACTS)
    found = [(f"processed/{t}.parquet", processed / f"{t}.parquet") for t in sorted(tables)]
    if _RAW_CALL.search(code):
        for pattern in ("*/MANIFEST.csv", "*/README.md"):
            found += [
                (f"raw/{p.relative_to(raw).as_posix()}", p) for p in sorted(raw.glob(pattern))
            ]
    return found


def input_hash(
    notebook: Path | nbformat.NotebookNode,
    parameters: Mapping[str, Any] | None = None,
    *,
    processed: Path | None = None,
    raw: Path | None = None,
    code: str | None = None,
) -> str:
    """Content hash of everything an execution of ``notebook`` depends on."""
    nb = notebook if isinstance(notebook, nbformat.NotebookNode) else _read(notebook)
    h = hashlib.sha256(HASH_VERSION.encode())
    kernel = nb.metadata.get("kernelspec", {}).get("name", KERNEL)
    h.update(json.dumps([kernel, source_cells(nb)], sort_keys=True).encode())
    h.update(json.dumps(dict(parameters or {}), sort_keys=True, default=str).encode())
    for name, path in data_inputs(nb, processed, raw):
        h.update(f"{name}\0{file_digest(path)}\0".encode())
    h.update((code or code_digest()).encode())
    return h.hexdigest()


def stored_hash(path: Path) -> str | None:
    """The input hash recorded in an executed notebook, or None (missing or unreadable)."""
    try:
        meta = json.loads(Path(path).read_text(encoding="utf-8"))["metadata"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    value = meta.get("imetbook", {}).get("input_hash") if isinstance(meta, dict) else None
    return value if isinstance(value, str) else None


# --- one execution ---------------------------------------------------------------------------


def _read(path: Path) -> nbformat.NotebookNode:
    try:
        return nbformat.read(str(path), as_version=4)
    except FileNotFoundError:
        raise ExecutionError(f"{_label(path)}: notebook not found") from None
    except Exception as exc:  # nbformat raises several unrelated types for a corrupt file
        raise ExecutionError(f"{_label(path)}: not a readable notebook ({exc})") from None


def _display(value: Any) -> str:
    return ", ".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)


def prepare(nb: nbformat.NotebookNode, job: Job) -> nbformat.NotebookNode:
    """Give every cell a stable id and, for template runs, fill ``{{ name }}`` in markdown.

    Papermill upgrades notebooks older than format 4.5 with *random* cell ids, so the ids are
    set here from the cell position first.
    """
    nb.nbformat, nb.nbformat_minor = 4, max(nb.get("nbformat_minor", 0), 5)
    for i, cell in enumerate(nb.cells):
        cell.setdefault("id", f"cell-{i}")
    if job.parameters and Path(job.output).resolve() != Path(job.source).resolve():
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                cell.source = _PLACEHOLDER.sub(
                    lambda m: _display(job.parameters[m[1]]) if m[1] in job.parameters else m[0],
                    cell.source,
                )
    return nb


def clean(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Strip what changes from run to run: papermill and nbclient timings and records.

    Papermill's injected cell gets a fixed id (papermill's is random) and the display tags
    of the parameters cell (``remove-cell``, ``hide-input``, ...), so that a template that
    hides its parameters hides the injected values too.
    """
    nb.metadata.pop("papermill", None)
    shown: list[str] = []
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        tags = cell.metadata.get("tags")
        if tags == []:
            del cell.metadata["tags"]
        elif tags and "parameters" in tags:
            shown = [t for t in tags if t in DISPLAY_TAGS]
        elif tags and INJECTED_TAG in tags:
            cell.id = INJECTED_TAG
            cell.metadata["tags"] = [INJECTED_TAG, *shown]
    return nb


def _first_line(text: str, width: int = 60) -> str:
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return line if len(line) <= width else line[: width - 3] + "..."


def failure_message(job: Job, source_nb: nbformat.NotebookNode, err: Any) -> str:
    """One line: notebook, cell (1-based, as in the source notebook), its first line, error."""
    index = err.cell_index
    if job.parameters:
        # Papermill inserted its cell right after the parameters cell (or at the top).
        tagged = [
            i
            for i, c in enumerate(source_nb.cells)
            if "parameters" in c.get("metadata", {}).get("tags", [])
        ]
        injected_at = tagged[0] + 1 if tagged else 0
        if index == injected_at:
            where = "the injected parameters cell"
        else:
            index -= index > injected_at
            where = f"cell {index + 1}"
    else:
        where = f"cell {index + 1}"
    if where.startswith("cell"):
        where += f" ({_first_line(source_nb.cells[index].source)})"
    evalue = " ".join(str(err.evalue).split())
    return f"{job.label}: {where} failed: {err.ename}: {evalue}"


@contextmanager
def _kernel_env() -> Iterator[str]:
    """Set :data:`KERNEL_ENV` for kernels started inside; yield a private socket folder.

    Kernels talk over IPC sockets in a private temporary folder: ipykernel warns on every
    start over unencrypted TCP, and IPC keeps the traffic off the network.
    """
    saved = {k: os.environ.get(k) for k in KERNEL_ENV}
    os.environ.update(KERNEL_ENV)
    try:
        with tempfile.TemporaryDirectory(prefix="imetbook-kernel-") as sockets:
            yield sockets
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _papermill(nb: nbformat.NotebookNode, job: Job) -> nbformat.NotebookNode:
    import papermill
    from traitlets.config import Config

    with _kernel_env() as sockets:
        config = Config({"KernelManager": {"transport": "ipc", "ip": f"{sockets}/kernel"}})
        return papermill.execute_notebook(
            nb,
            None,  # papermill writes nothing; we write once, atomically, after success
            parameters=dict(job.parameters) or None,
            kernel_name=KERNEL,
            progress_bar=False,
            request_save_on_cell_execute=False,
            cwd=str(Path(job.source).parent),
            execution_timeout=CELL_TIMEOUT_S,
            record_timing=False,
            config=config,
            # jupyter_client interrupts a kernel before shutting it down, and ipykernel logs
            # that as an error when it races a reply; kernel logs are never notebook output.
            extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
            # Every output is in once the last cell has replied; a graceful shutdown only
            # adds up to a second of polling per notebook.
            shutdown_kernel="immediate",
        )


def render(job: Job, digest: str) -> bytes:
    """Execute ``job`` and return the cleaned notebook's bytes (nothing is written).

    Raises :class:`ExecutionError` with the one-line description of a failure.
    """
    from papermill.exceptions import PapermillExecutionError

    source_nb = prepare(_read(job.source), job)
    try:
        nb = _papermill(nbformat.from_dict(source_nb), job)
    except PapermillExecutionError as err:
        raise ExecutionError(failure_message(job, source_nb, err)) from None
    except Exception as exc:  # a dead kernel, a timeout: still one line naming the notebook
        detail = " ".join(str(exc).split())[:300]
        raise ExecutionError(
            f"{job.label}: execution failed: {type(exc).__name__}: {detail}"
        ) from None
    nb = clean(nb)
    meta: dict[str, Any] = {"input_hash": digest}
    if job.parameters:
        meta["parameters"] = dict(job.parameters)
    if Path(job.output).resolve() != Path(job.source).resolve():
        meta["template"] = _label(job.source)
    nb.metadata["imetbook"] = meta
    return (nbformat.writes(nb) + "\n").encode("utf-8")


def _cells_of(path: Path) -> list[dict[str, Any]] | None:
    try:
        return source_cells(_read(path))
    except ExecutionError:
        return None


def run_job(job: Job, digest: str) -> Outcome:
    """Execute one job and rename its result into place; never raises for a notebook error.

    A chapter executed in place is not overwritten if its cells were edited while it ran:
    the edit wins and the run fails, so no one's work is lost to a long execution.
    """
    t0 = time.perf_counter()
    in_place = Path(job.output).resolve() == Path(job.source).resolve()
    before = _cells_of(job.source) if in_place else None
    try:
        data = render(job, digest)
        if in_place and _cells_of(job.source) != before:
            raise ExecutionError(f"{job.label}: edited while it was executing; not overwritten")
    except ExecutionError as exc:
        return Outcome(job, FAILED, time.perf_counter() - t0, str(exc))
    out = Path(job.output)
    if not (out.is_file() and out.read_bytes() == data):
        atomic.write_bytes(out, data)  # identical results leave the file (and its mtime) alone
    return Outcome(job, EXECUTED, time.perf_counter() - t0)


# --- many executions -------------------------------------------------------------------------


def default_workers() -> int:
    return os.cpu_count() or 1


def _progress(done: int, total: int, outcome: Outcome) -> str:
    if outcome.status == FAILED:
        return f"[{done}/{total}] FAILED {outcome.error}"
    return f"[{done}/{total}] executed {outcome.job.label} ({outcome.seconds:.1f}s)"


def _run_parallel(
    todo: Sequence[tuple[Job, str]], workers: int, report: Callable[[Outcome], None]
) -> None:
    # spawn, not fork: the parent may hold pyarrow threads, which fork does not survive.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending: set[Future] = {pool.submit(run_job, job, digest) for job, digest in todo}
        try:
            while pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    report(future.result())
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise


def execute_jobs(
    jobs: Sequence[Job],
    *,
    workers: int | None = None,
    force: bool = False,
    log: Callable[[str], None] = say,
    processed: Path | None = None,
    raw: Path | None = None,
) -> Summary:
    """Execute every job whose input hash differs from its output's; ``workers`` in parallel.

    Logs one line per executed notebook and a summary. Raises :class:`ExecutionError` (after
    every other job has finished) if any notebook failed; failed outputs are left untouched.
    """
    t0 = time.perf_counter()
    code = code_digest()
    plan = [
        (job, input_hash(job.source, job.parameters, processed=processed, raw=raw, code=code))
        for job in jobs
    ]
    stale = [force or stored_hash(job.output) != digest for job, digest in plan]
    todo = [item for item, run in zip(plan, stale, strict=True) if run]
    workers = max(1, min(workers or default_workers(), len(todo) or 1))
    outcomes = [
        Outcome(job, UP_TO_DATE) for (job, _), run in zip(plan, stale, strict=True) if not run
    ]
    if todo:
        log(f"execute: {len(todo)} of {len(plan)} notebooks to execute, {workers} at a time")

    def report(outcome: Outcome) -> None:
        outcomes.append(outcome)
        log(_progress(len(outcomes) - (len(plan) - len(todo)), len(todo), outcome))

    if workers == 1:
        for job, digest in todo:
            report(run_job(job, digest))
    else:
        _run_parallel(todo, workers, report)
    summary = Summary(tuple(sorted(outcomes, key=lambda o: o.job.label)), time.perf_counter() - t0)
    log(summary.line())
    failed = [o for o in summary.outcomes if o.status == FAILED]
    if failed:
        more = f" (and {len(failed) - 1} more, listed above)" if len(failed) > 1 else ""
        raise ExecutionError(failed[0].error + more)
    return summary


# --- the book --------------------------------------------------------------------------------


def chapter_jobs(chapters: Path | None = None) -> list[Job]:
    """Every ``chapters/*.ipynb``, executed in place with its default parameters."""
    chapters = chapters or paths.chapters_dir()
    return [Job(p, p) for p in sorted(chapters.glob("*.ipynb"))]


def profile_jobs(training: Any, template: Path, out_dir: Path | None = None) -> list[Job]:
    """One job per country with training records: ``<out_dir>/<ISO3>.ipynb``."""
    from imetbook.analysis import country_pages

    out_dir = out_dir or template.parent
    listed = country_pages.page_list(training)
    return [
        Job(template, out_dir / f"{row.iso3}.ipynb", {"country": row.country_name})
        for row in listed.itertuples(index=False)
    ]


def write_if_changed(path: Path, text: str) -> bool:
    """Write ``text`` atomically unless the file already holds it (keeps Sphinx's cache)."""
    data = text.encode("utf-8")
    if path.is_file() and path.read_bytes() == data:
        return False
    atomic.write_bytes(path, data)
    return True


def remove_stale_pages(out_dir: Path, jobs: Sequence[Job]) -> list[Path]:
    """Delete generated country pages whose country is no longer in the data."""
    keep = {Path(j.output).name for j in jobs}
    stale = [
        p
        for p in sorted(out_dir.glob("*.ipynb"))
        if PROFILE_PAGE.match(p.name) and p.name not in keep
    ]
    for p in stale:
        p.unlink()
    return stale


def country_index(training: Any, out_dir: Path) -> bool:
    """Write ``<out_dir>/index.md`` (only if it changed); True if written."""
    from imetbook.analysis import country_pages

    return write_if_changed(out_dir / "index.md", country_pages.index_page(training))


def select(jobs: Sequence[Job], wanted: Sequence[Path]) -> list[Job]:
    """Jobs whose output or source is one of ``wanted`` (a template selects all its pages)."""
    if not wanted:
        return list(jobs)
    targets = {Path(w).resolve() for w in wanted}
    chosen = [j for j in jobs if {Path(j.output).resolve(), Path(j.source).resolve()} & targets]
    matched = {p for j in chosen for p in (Path(j.output).resolve(), Path(j.source).resolve())}
    unmatched = sorted(str(w) for w in wanted if Path(w).resolve() not in matched)
    if unmatched:
        raise ExecutionError(f"not a notebook of the book: {', '.join(unmatched)}")
    return chosen


def book_jobs(
    log: Callable[[str], None] = say, tidy: bool = True, profiles: bool = True
) -> list[Job]:
    """Chapter jobs plus one profile job per country; with ``tidy``, refresh the index too."""
    jobs = chapter_jobs()
    template = paths.chapters_dir() / PROFILE_TEMPLATE
    if not (profiles and template.is_file()):
        return jobs
    from imetbook import datasets
    from imetbook.analysis import country_pages

    # Only the columns the page list and the index need: the whole table is slow to read.
    training = datasets.load("training", columns=country_pages.INDEX_COLUMNS)
    profiles = profile_jobs(training, template)
    if tidy:
        out_dir = template.parent
        for p in remove_stale_pages(out_dir, profiles):
            log(f"execute: removed {_label(p)} (country no longer in the data)")
        if country_index(training, out_dir):
            log(f"execute: wrote {_label(out_dir / 'index.md')} ({len(profiles)} countries)")
    return jobs + profiles


def execute_book(
    notebooks: Sequence[Path] = (),
    *,
    workers: int | None = None,
    force: bool = False,
    log: Callable[[str], None] = say,
) -> Summary:
    """``python -m imetbook execute``: the chapters and country pages whose inputs changed.

    With ``notebooks``, only those; the country pages (and the training table that lists
    them) are only looked at when one of them is in the country folder.
    """
    country_dir = (paths.chapters_dir() / PROFILE_TEMPLATE).parent.resolve()
    profiles = not notebooks or any(Path(n).resolve().parent == country_dir for n in notebooks)
    jobs = select(book_jobs(log, tidy=not notebooks, profiles=profiles), notebooks)
    return execute_jobs(jobs, workers=workers, force=force, log=log)


# --- researcher runs -------------------------------------------------------------------------


def chapter_notebook(chapter: str, chapters: Path | None = None) -> Path:
    """``chapters/<chapter>.ipynb`` or ``chapters/*/<chapter>.ipynb`` (e.g. ``profile``)."""
    chapters = chapters or paths.chapters_dir()
    found = [chapters / f"{chapter}.ipynb", *sorted(chapters.glob(f"*/{chapter}.ipynb"))]
    for path in found:
        if path.is_file() and not PROFILE_PAGE.match(path.name):
            return path
    names = sorted(
        {p.stem for p in chapters.glob("*.ipynb")}
        | {p.stem for p in chapters.glob("*/*.ipynb") if not PROFILE_PAGE.match(p.name)}
    )
    raise ParameterError(f"unknown chapter {chapter!r}; chapters are: {', '.join(names)}")


def _slug_part(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def parameter_slug(values: Mapping[str, Any], limit: int = 80) -> str:
    """A file-name-safe, deterministic name for a set of parameter values."""
    parts = [_slug_part(f"{k} {_display(v).replace(', ', ' ')}") for k, v in sorted(values.items())]
    slug = "_".join(parts) or "defaults"
    if len(slug) > limit:
        digest = hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode())
        slug = f"{slug[: limit - 9]}-{digest.hexdigest()[:8]}"
    return slug


def to_html(notebook: Path) -> Path:
    """Render an executed notebook to HTML next to it (nbconvert), atomically."""
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter().from_notebook_node(nbformat.read(str(notebook), as_version=4))
    html = Path(notebook).with_suffix(".html")
    atomic.write_bytes(html, body.encode("utf-8"))
    return html


def run_chapter(
    chapter: str,
    values: Mapping[str, Any],
    *,
    out_dir: Path | None = None,
    force: bool = False,
    log: Callable[[str], None] = say,
) -> tuple[Path, Path]:
    """Validate ``values``, execute ``chapter`` with them into ``_build/runs``, render HTML.

    Nothing is started or written before the parameters are valid; ``chapters/`` is never
    written. Returns the notebook and HTML paths.
    """
    from imetbook import params

    notebook = chapter_notebook(chapter)
    valid = params.validate(chapter, values)
    out_dir = out_dir or paths.build_dir() / "runs"
    output = out_dir / f"{chapter}-{parameter_slug(valid)}.ipynb"
    execute_jobs([Job(notebook, output, valid)], workers=1, force=force, log=log)
    html = to_html(output)
    log(f"run: {_label(output)} and {_label(html)}")
    return output, html
