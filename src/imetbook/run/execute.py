"""Execute notebooks with papermill: only when what they used changed, in parallel, atomically.

The parts: :mod:`imetbook.run.jobs` (what a job is), :mod:`imetbook.run.cache` (the input hash
that decides whether a notebook is up to date), :mod:`imetbook.run.kernel` (kernels, warm ones
for page sets, and the papermill engine that runs on them). This module runs jobs and the
book; its names, and those of the parts, are importable from here.

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

import fcntl
import hashlib
import json
import multiprocessing
import os
import re
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import nbformat

from imetbook import atomic, paths
from imetbook.errors import ExecutionError, ParameterError
from imetbook.run import cache
from imetbook.run.cache import (  # noqa: F401 (the executor's public names, importable here)
    HASH_VERSION,
    RECORD_KEYS,
    code_digest,
    code_files,
    current_hash,
    data_inputs,
    file_digest,
    input_hash,
    module_file,
    source_cells,
    stale_jobs,
    stored_hash,
    stored_record,
)
from imetbook.run.jobs import (  # noqa: F401
    EXECUTED,
    FAILED,
    INJECTED_TAG,
    KERNEL,
    PROFILE_PAGE,
    PROFILE_TEMPLATE,
    UP_TO_DATE,
    Job,
    Outcome,
    Summary,
    is_page,
    read_notebook,
    say,
)
from imetbook.run.jobs import label as _label
from imetbook.run.kernel import (  # noqa: F401
    CELL_TIMEOUT_S,
    KERNEL_ENV,
    Kernel,
    close_warm,
    discard_warm,
    kernel_for,
    papermill_run,
    warm_kernel,
)

# Jupyter Book's cell display tags.
DISPLAY_TAGS = frozenset(
    f"{verb}-{what}" for verb in ("remove", "hide") for what in ("cell", "input", "output")
)
_PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}")


# --- one execution ---------------------------------------------------------------------------


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


def render(
    job: Job,
    *,
    warm: bool = False,
    processed: Path | None = None,
    raw: Path | None = None,
    files: Mapping[str, str] | None = None,
) -> bytes:
    """Execute ``job`` and return the cleaned notebook's bytes (nothing is written).

    A page of a page set with ``warm`` runs in this process's warm kernel (see
    :func:`warm_kernel`); anything else in a kernel of its own. After the last cell the kernel
    reports the imetbook modules it imported and the tables it read; they are stored in the
    notebook's metadata with the input hash they give. Raises :class:`ExecutionError` with
    the one-line description of a failure.
    """
    from papermill.exceptions import PapermillExecutionError

    unprepared = read_notebook(job.source)  # what the hash covers: the template, not the page
    source_nb = prepare(nbformat.from_dict(unprepared), job)
    try:
        with kernel_for(job, warm and is_page(job)) as kernel:
            nb = papermill_run(nbformat.from_dict(source_nb), job, kernel)
            record = kernel.record()
    except PapermillExecutionError as err:
        raise ExecutionError(failure_message(job, source_nb, err)) from None
    except Exception as exc:  # a dead kernel, a timeout: still one line naming the notebook
        detail = " ".join(str(exc).split())[:300]
        raise ExecutionError(
            f"{job.label}: execution failed: {type(exc).__name__}: {detail}"
        ) from None
    nb = clean(nb)
    digest = input_hash(
        unprepared, job.parameters, record=record, processed=processed, raw=raw, files=files
    )
    meta: dict[str, Any] = {"input_hash": digest, **{k: record[k] for k in RECORD_KEYS}}
    if job.parameters:
        meta["parameters"] = dict(job.parameters)
    if is_page(job):
        meta["template"] = _label(job.source)
    nb.metadata["imetbook"] = meta
    return (nbformat.writes(nb) + "\n").encode("utf-8")


def _cells_of(path: Path) -> list[dict[str, Any]] | None:
    try:
        return source_cells(read_notebook(path))
    except ExecutionError:
        return None


def run_job(job: Job, warm: bool = True, **where: Any) -> Outcome:
    """Execute one job and rename its result into place; never raises for a notebook error.

    A chapter executed in place is not overwritten if its cells were edited while it ran:
    the edit wins and the run fails, so no one's work is lost to a long execution.
    """
    t0 = time.perf_counter()
    in_place = not is_page(job)
    before = _cells_of(job.source) if in_place else None
    try:
        data = render(job, warm=warm, **where)
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
    return paths.available_cores()


def _progress(done: int, total: int, outcome: Outcome) -> str:
    if outcome.status == FAILED:
        return f"[{done}/{total}] FAILED {outcome.error}"
    return f"[{done}/{total}] executed {outcome.job.label} ({outcome.seconds:.1f}s)"


_PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    """Pool worker initializer: this process gets SIGKILL when ``parent`` dies (Linux).

    Without it, killing ``execute`` leaves its workers (and their kernels) running forever.
    Elsewhere a thread polls the parent instead.
    """
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl")
    except (OSError, AttributeError):
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def _run_parallel(
    todo: Sequence[Job],
    workers: int,
    report: Callable[[Outcome], None],
    warm: bool,
    **where: Any,
) -> None:
    # spawn, not fork: the parent may hold pyarrow threads, which fork does not survive.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=die_with_parent,
        initargs=(os.getpid(),),
    ) as pool:
        pending: set[Future] = {pool.submit(run_job, job, warm, **where) for job in todo}
        try:
            while pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    report(future.result())
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise


def remove_temp_files(folders: Sequence[Path]) -> list[Path]:
    """Delete the temporary files a killed run left in ``folders`` (``.NAME.*.tmp``)."""
    found = sorted({p for d in folders for p in Path(d).glob(".*.tmp") if p.is_file()})
    for p in found:
        p.unlink(missing_ok=True)
    return found


@contextmanager
def execution_lock(folder: Path | None = None) -> Iterator[None]:
    """One ``execute`` at a time per book: a second one waits for the first.

    Held while notebooks are written, so any temporary file found under it is a leftover.
    """
    folder = folder or paths.build_dir()
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".execute.lock", "a+b") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say("execute: another execute is running in this book; waiting for it")
            fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def execute_jobs(
    jobs: Sequence[Job],
    *,
    workers: int | None = None,
    force: bool = False,
    log: Callable[[str], None] = say,
    processed: Path | None = None,
    raw: Path | None = None,
    warm: bool = True,
) -> Summary:
    """Execute every job whose input hash differs from its output's; ``workers`` in parallel.

    Pages of a page set run in a warm kernel per worker when ``warm``. Logs one line per
    executed notebook and a summary. Raises :class:`ExecutionError` (after every other job
    has finished) if any notebook failed; failed outputs are left untouched.
    """
    t0 = time.perf_counter()
    where = {"processed": processed, "raw": raw, "files": cache.code_files()}
    stale_now = {id(j) for j in stale_jobs(jobs, **where)}
    stale = [force or id(job) in stale_now for job in jobs]
    todo = [job for job, run in zip(jobs, stale, strict=True) if run]
    workers = max(1, min(workers or default_workers(), len(todo) or 1))
    outcomes = [Outcome(job, UP_TO_DATE) for job, run in zip(jobs, stale, strict=True) if not run]
    if todo:
        log(f"execute: {len(todo)} of {len(jobs)} notebooks to execute, {workers} at a time")

    def report(outcome: Outcome) -> None:
        outcomes.append(outcome)
        log(_progress(len(outcomes) - (len(jobs) - len(todo)), len(todo), outcome))

    if workers == 1:
        try:
            for job in todo:
                report(run_job(job, warm, **where))
        finally:
            close_warm()
    else:
        _run_parallel(todo, workers, report, warm, **where)
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
    from imetbook.analysis import country_set

    out_dir = out_dir or template.parent
    listed = country_set.page_list(training)
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
    from imetbook.chapters import country_text

    return write_if_changed(out_dir / "index.md", country_text.index_page(training))


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
    from imetbook.analysis import country_pages
    from imetbook.data import datasets

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
    warm: bool = True,
) -> Summary:
    """``python -m imetbook execute``: the chapters and country pages whose inputs changed.

    With ``notebooks``, only those; the country pages (and the training table that lists
    them) are only looked at when one of them is in the country folder.
    """
    country_dir = (paths.chapters_dir() / PROFILE_TEMPLATE).parent.resolve()
    profiles = not notebooks or any(Path(n).resolve().parent == country_dir for n in notebooks)
    with execution_lock():
        for p in remove_temp_files([paths.chapters_dir(), country_dir]):
            log(f"execute: removed {_label(p)} (left by a killed run)")
        jobs = select(book_jobs(log, tidy=not notebooks, profiles=profiles), notebooks)
        return execute_jobs(jobs, workers=workers, force=force, log=log, warm=warm)


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
    from imetbook.chapters import params

    notebook = chapter_notebook(chapter)
    valid = params.validate_run(chapter, notebook, values)  # each value, then the rules
    out_dir = out_dir or paths.build_dir() / "runs"
    output = out_dir / f"{chapter}-{parameter_slug(valid)}.ipynb"
    execute_jobs([Job(notebook, output, valid)], workers=1, force=force, log=log)
    html = to_html(output)
    log(f"run: {_label(output)} and {_label(html)}")
    return output, html
