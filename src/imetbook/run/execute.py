"""Execute notebooks with papermill: only when what they used changed, in parallel, atomically.

A notebook's inputs are hashed by :func:`input_hash`: its source cells (type, source, tags;
never outputs or volatile metadata), its parameters, the pinned requirements, and what its
last execution actually used, as its kernel recorded it after the last cell: the ``imetbook``
modules it imported and the tables it read (:data:`imetbook.data.datasets.TABLES_READ`), plus the
tables and raw files its source names (see :func:`data_inputs`). The record and the hash are
stored in the executed notebook (``metadata.imetbook``: ``input_hash``, ``modules``,
``tables``); nothing else is added, no cell and no output. A notebook whose stored hash
matches is up to date and is not executed: a fresh clone with unchanged data and code
executes nothing, and a change to one analysis module re-executes only the notebooks that
imported it.

Pages of a page set (one template run with many parameter values: the country pages) run in
a warm kernel per worker process: started once, and between two pages reset to a fresh
namespace (:data:`_RESET`) while imported modules and their caches stay. The pages are
byte-identical to fresh-kernel runs (``tests/test_execute.py``, ``tests/test_reproducible.py``).
Chapters always get a kernel of their own.

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

import ast
import atexit
import fcntl
import hashlib
import json
import multiprocessing
import os
import re
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import nbformat

from imetbook import atomic, paths
from imetbook.data import schema
from imetbook.errors import ExecutionError, ParameterError

KERNEL = "python3"
# Bump when what the hash covers changes, so every stored hash goes stale at once.
HASH_VERSION = "imetbook-execute-2"
# What a kernel records during a run, stored in the notebook's metadata.imetbook.
RECORD_KEYS = ("modules", "tables")
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


def code_files(package: Path | None = None, root: Path | None = None) -> dict[str, str]:
    """Digest of every file a kernel's imports may use: ``imetbook/<module>.py`` and
    ``requirements.txt`` (the pinned stack). Taken once before a run, so an edit made while
    notebooks execute makes them stale rather than being recorded as what they used."""
    package = package or paths.package_dir()
    root = root or paths.project_root()
    files = {f"imetbook/{f.relative_to(package).as_posix()}": file_digest(f)
             for f in sorted(package.rglob("*.py"))}  # fmt: skip
    files["requirements.txt"] = file_digest(root / "requirements.txt")
    return files


def module_file(name: str, files: Mapping[str, str]) -> str:
    """The key in ``files`` of module ``name`` (``imetbook.a.b``: a package or a module)."""
    rel = "/".join(["imetbook", *name.split(".")[1:]])
    package = f"{rel}/__init__.py"
    return package if package in files else f"{rel}.py"


def code_digest(modules: Sequence[str] | None, files: Mapping[str, str]) -> str:
    """Hash of the imetbook ``modules`` a kernel imported (every file when None) and
    ``requirements.txt``. The executor (this module) is not in it: a change to what it writes
    bumps :data:`HASH_VERSION`."""
    if modules is None:
        keys = set(files)
    else:
        keys = {module_file(m, files) for m in modules} | {"requirements.txt"}
    h = hashlib.sha256()
    for key in sorted(keys):
        h.update(f"{key}\0{files.get(key, 'missing')}\0".encode())
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
    nb: nbformat.NotebookNode,
    processed: Path | None = None,
    raw: Path | None = None,
    tables_read: Sequence[str] = (),
) -> list[tuple[str, Path]]:
    """``(name, path)`` of every data file the notebook's code reads.

    ``tables_read`` are the tables its last execution read (recorded in the kernel); to them
    the notebook's source adds: ``load("table")`` reads ``<processed>/table.parquet``; a
    ``load(...)`` without a literal name may read any table, so it depends on all of them;
    code that reads ``data/raw`` (``read_raw_sources(...)``, ``paths.raw_dir()``) depends on
    the raw manifests, which carry every raw file's checksum, and the READMEs.
    """
    processed = processed or paths.processed_dir()
    raw = raw or paths.raw_dir()
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    tables = {m["name"] for m in _TABLE_CALL.finditer(code)} | set(tables_read)
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
    record: Mapping[str, Sequence[str]] | None = None,
    processed: Path | None = None,
    raw: Path | None = None,
    files: Mapping[str, str] | None = None,
) -> str:
    """Content hash of everything an execution of ``notebook`` used.

    ``record`` is what the kernel of that execution recorded (:func:`stored_record`): the
    imetbook modules it imported and the tables it read. Without a record (never executed)
    the hash matches no stored one. ``files`` is :func:`code_files` (taken now if None).
    """
    nb = notebook if isinstance(notebook, nbformat.NotebookNode) else _read(notebook)
    h = hashlib.sha256(HASH_VERSION.encode())
    kernel = nb.metadata.get("kernelspec", {}).get("name", KERNEL)
    h.update(json.dumps([kernel, source_cells(nb)], sort_keys=True).encode())
    h.update(json.dumps(dict(parameters or {}), sort_keys=True, default=str).encode())
    if record is None:
        h.update(b"\0not executed\0")
        record = {}
    for name, path in data_inputs(nb, processed, raw, record.get("tables", ())):
        h.update(f"{name}\0{file_digest(path)}\0".encode())
    modules = list(record.get("modules", ()))
    h.update(code_digest(modules, code_files() if files is None else files).encode())
    return h.hexdigest()


def _stored_meta(path: Path) -> dict[str, Any]:
    try:
        meta = json.loads(Path(path).read_text(encoding="utf-8"))["metadata"]["imetbook"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return meta if isinstance(meta, dict) else {}


def stored_hash(path: Path) -> str | None:
    """The input hash recorded in an executed notebook, or None (missing or unreadable)."""
    value = _stored_meta(path).get("input_hash")
    return value if isinstance(value, str) else None


def stored_record(path: Path) -> dict[str, list[str]] | None:
    """The modules and tables recorded in an executed notebook, or None."""
    meta = _stored_meta(path)
    record = {k: meta.get(k) for k in RECORD_KEYS}
    if not all(isinstance(v, list) and all(isinstance(x, str) for x in v) for v in record.values()):
        return None
    return record


def stale_jobs(
    jobs: Sequence[Job],
    processed: Path | None = None,
    raw: Path | None = None,
    files: Mapping[str, str] | None = None,
) -> list[Job]:
    """The jobs whose stored input hash is not the current one (they would be executed)."""
    files = code_files() if files is None else files
    return [j for j in jobs if stored_hash(j.output) != current_hash(j, processed, raw, files)]


def current_hash(
    job: Job,
    processed: Path | None = None,
    raw: Path | None = None,
    files: Mapping[str, str] | None = None,
) -> str:
    """The input hash of ``job`` now, for the modules and tables its last run recorded."""
    record = stored_record(job.output)
    return input_hash(
        job.source, job.parameters, record=record, processed=processed, raw=raw, files=files
    )


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
def _kernel_env() -> Iterator[None]:
    """Set :data:`KERNEL_ENV` for kernels started inside."""
    saved = {k: os.environ.get(k) for k in KERNEL_ENV}
    os.environ.update(KERNEL_ENV)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


# Run silently in the kernel between two pages of a page set, in a private namespace: a fresh
# user namespace, In/Out and execution count 1 (as in a new kernel), no open figures, warnings
# shown again, and the record of tables read emptied. Imported modules and their caches stay:
# that is what makes a warm kernel cheap.
_RESET = """
import sys, warnings
get_ipython().reset(new_session=True)
if "matplotlib.pyplot" in sys.modules:
    sys.modules["matplotlib.pyplot"].close("all")
warnings.onceregistry.clear()
warnings._filters_mutated()
if "imetbook.data.datasets" in sys.modules:
    sys.modules["imetbook.data.datasets"].TABLES_READ.clear()
"""
# Evaluated silently after the last cell: the imetbook modules the kernel imported and the
# tables it read (see :func:`imetbook.data.datasets.load`).
_RECORD = (
    "__import__('json').dumps({"
    "'modules': sorted(n for n in __import__('sys').modules"
    " if n == 'imetbook' or n.startswith('imetbook.')),"
    "'tables': sorted(getattr(__import__('sys').modules.get('imetbook.data.datasets'),"
    " 'TABLES_READ', ()))})"
)


class Kernel:
    """A started kernel with its client: for one notebook, or reused for a page set.

    Kernels talk over IPC sockets in a private temporary folder: ipykernel warns on every
    start over unencrypted TCP, and IPC keeps the traffic off the network. A kernel exits by
    itself when its parent process dies (ipykernel polls its parent).
    """

    def __init__(self, cwd: Path) -> None:
        from nbclient import NotebookClient
        from traitlets.config import Config

        self.cwd = Path(cwd)
        self.used = 0
        self.sockets = tempfile.mkdtemp(prefix="imetbook-kernel-")
        config = Config({"KernelManager": {"transport": "ipc", "ip": f"{self.sockets}/kernel"}})
        self.client = NotebookClient(
            nbformat.v4.new_notebook(),
            kernel_name=KERNEL,
            config=config,
            timeout=CELL_TIMEOUT_S,
            startup_timeout=60,
            # jupyter_client interrupts a kernel before shutting it down, and ipykernel logs
            # that as an error when it races a reply; kernel logs are never notebook output.
            extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
            # Every output is in once the last cell has replied; a graceful shutdown only
            # adds up to a second of polling per notebook.
            shutdown_kernel="immediate",
        )
        self.client.km = self.client.create_kernel_manager()
        try:
            with _kernel_env():
                self.client.start_new_kernel(cwd=str(self.cwd))
            self.client.start_new_kernel_client()
        except BaseException:
            self.close()
            raise

    @property
    def km(self) -> Any:
        return self.client.km

    @property
    def kc(self) -> Any:
        return self.client.kc

    def alive(self) -> bool:
        if self.km is None or self.kc is None:
            return False
        from jupyter_core.utils import ensure_async, run_sync

        async def is_alive() -> bool:
            return bool(await ensure_async(self.km.is_alive()))

        return run_sync(is_alive)()

    def silent(self, code: str, expressions: Mapping[str, str] | None = None) -> dict[str, Any]:
        """Run ``code`` without outputs or history; the values of ``expressions``."""
        msg_id = self.kc.execute(
            code, silent=True, store_history=False, user_expressions=dict(expressions or {})
        )
        reply = self.client.wait_for_reply(msg_id)
        content = reply["content"] if reply else {}
        if content.get("status") != "ok":
            raise RuntimeError(f"kernel: {content.get('ename')}: {content.get('evalue')}")
        return content.get("user_expressions", {})

    def reset(self) -> None:
        self.silent(f"exec({_RESET!r}, {{'get_ipython': get_ipython}})")

    def record(self) -> dict[str, list[str]]:
        """The imetbook modules imported and tables read since the kernel (re)started."""
        value = self.silent("", {"r": _RECORD})["r"]
        if value.get("status") != "ok":
            raise RuntimeError(f"kernel: cannot record imports: {value.get('evalue')}")
        return json.loads(ast.literal_eval(value["data"]["text/plain"]))

    def close(self) -> None:
        try:
            if self.client.km is not None:
                self.client._cleanup_kernel()
        finally:
            shutil.rmtree(self.sockets, ignore_errors=True)


# Warm kernels of this process, one per folder (a page set's template folder).
_WARM: dict[Path, Kernel] = {}


def _close_warm() -> None:
    while _WARM:
        _, kernel = _WARM.popitem()
        with suppress(Exception):  # exiting anyway; the kernel dies with us
            kernel.close()


atexit.register(_close_warm)


def warm_kernel(cwd: Path) -> Kernel:
    """This process's kernel for ``cwd``, reset to a fresh namespace (started if needed)."""
    cwd = Path(cwd).resolve()
    kernel = _WARM.get(cwd)
    if kernel is not None and not kernel.alive():
        _WARM.pop(cwd).close()
        kernel = None
    if kernel is None:
        kernel = _WARM[cwd] = Kernel(cwd)
    elif kernel.used:
        kernel.reset()
    return kernel


def discard_warm(cwd: Path) -> None:
    """Shut down the warm kernel of ``cwd`` (after a failure its state is unknown)."""
    kernel = _WARM.pop(Path(cwd).resolve(), None)
    if kernel is not None:
        kernel.close()


def _engine() -> str:
    """Register (once) and name the papermill engine that runs on a given :class:`Kernel`."""
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines

    class KernelEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(
            cls, nb_man, kernel_name, log_output=False, start_timeout=60,
            execution_timeout=None, kernel: Kernel | None = None, **_kwargs,
        ):  # fmt: skip
            client = PapermillNotebookClient(
                nb_man,
                km=kernel.km,
                timeout=execution_timeout,
                startup_timeout=start_timeout,
                kernel_name=kernel_name,
                log_output=log_output,
            )
            client.kc = kernel.kc  # the kernel's own client: nbclient then leaves both running
            return client.execute()

    if "imetbook" not in papermill_engines._engines:
        papermill_engines.register("imetbook", KernelEngine)
    return "imetbook"


def _papermill(nb: nbformat.NotebookNode, job: Job, kernel: Kernel) -> nbformat.NotebookNode:
    import papermill

    executed = papermill.execute_notebook(
        nb,
        None,  # papermill writes nothing; we write once, atomically, after success
        parameters=dict(job.parameters) or None,
        kernel_name=KERNEL,
        engine_name=_engine(),
        progress_bar=False,
        request_save_on_cell_execute=False,
        execution_timeout=CELL_TIMEOUT_S,
        record_timing=False,
        kernel=kernel,
    )
    kernel.used += 1
    return executed


def is_page(job: Job) -> bool:
    """A template run (one page of a page set): executed in a warm kernel."""
    return Path(job.output).resolve() != Path(job.source).resolve()


@contextmanager
def _kernel_for(job: Job, warm: bool) -> Iterator[Kernel]:
    """A fresh kernel (closed after use) or, for a page with ``warm``, this process's warm one."""
    cwd = Path(job.source).parent
    if not warm:
        kernel = Kernel(cwd)
        try:
            yield kernel
        finally:
            kernel.close()
        return
    kernel = warm_kernel(cwd)
    try:
        yield kernel
    except BaseException:
        discard_warm(cwd)
        raise


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

    unprepared = _read(job.source)  # what the hash covers: the template, not the filled page
    source_nb = prepare(nbformat.from_dict(unprepared), job)
    try:
        with _kernel_for(job, warm and is_page(job)) as kernel:
            nb = _papermill(nbformat.from_dict(source_nb), job, kernel)
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
        return source_cells(_read(path))
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
    return os.cpu_count() or 1


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
    where = {"processed": processed, "raw": raw, "files": code_files()}
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
            _close_warm()
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
    valid = params.validate(chapter, values)
    out_dir = out_dir or paths.build_dir() / "runs"
    output = out_dir / f"{chapter}-{parameter_slug(valid)}.ipynb"
    execute_jobs([Job(notebook, output, valid)], workers=1, force=force, log=log)
    html = to_html(output)
    log(f"run: {_label(output)} and {_label(html)}")
    return output, html
