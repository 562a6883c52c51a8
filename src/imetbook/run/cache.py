"""The execution cache: a notebook re-executes only when something it used changed.

A notebook's inputs are hashed by :func:`input_hash`: its source cells (type, source, tags;
never outputs or volatile metadata), its parameters, the pinned requirements, and what its
last execution actually used, as its kernel recorded it after the last cell: the ``imetbook``
modules it imported and the tables it read (:data:`imetbook.data.datasets.TABLES_READ`), plus the
tables and raw files its source names (see :func:`data_inputs`). The record and the hash are
stored in the executed notebook (``metadata.imetbook``: ``input_hash``, ``modules``,
``tables``). A notebook whose stored hash matches is up to date and is not executed.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import nbformat

from imetbook import paths
from imetbook.data import schema
from imetbook.run.jobs import INJECTED_TAG, KERNEL, Job, read_notebook

# Bump when what the hash covers changes, so every stored hash goes stale at once.
HASH_VERSION = "imetbook-execute-2"
# What a kernel records during a run, stored in the notebook's metadata.imetbook.
RECORD_KEYS = ("modules", "tables")
_NOT_SOURCE_TAGS = {INJECTED_TAG, "papermill-error-cell-tag"}
# A call that reads a processed table by literal name: datasets.load("training"), load('funding')
_TABLE_CALL = re.compile(
    r"(?:\bdatasets\.|(?<![\w.]))load\(\s*(?:name\s*=\s*)?(?P<q>[\"'])(?P<name>\w+)(?P=q)"
)
# Any such call; one without a literal name may read any table.
_ANY_TABLE_CALL = re.compile(r"(?:\bdatasets\.|(?<![\w.]))load\(")
# Code that reads data/raw directly: sources.read_raw_sources(), anything under paths.raw_dir().
_RAW_CALL = re.compile(r"\b(?:read_raw_sources|raw_dir)\(")


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
    nb = notebook if isinstance(notebook, nbformat.NotebookNode) else read_notebook(notebook)
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
