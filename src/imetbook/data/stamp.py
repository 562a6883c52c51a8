"""What the tables were built from, and whether they still match it.

Two fingerprints are stored with the tables (``BUILD_STAMP.json``), both of file contents,
never sizes or times (a fresh clone or a ``touch`` changes nothing):

``stamp``
    every raw file and the data code (:data:`DATA_CODE`): what :func:`imetbook.data.build.build`
    compares to skip a build (the 30 MB hash takes some 50 ms);
``inputs``
    the raw folders' manifests and the data code: what :func:`imetbook.data.datasets.load`
    compares before it reads a table (a few milliseconds, once per process). The manifests pin
    every raw file by its sha256 and the build refuses a file that no longer matches its
    manifest, so a change to the raw data that a build would take in changes this fingerprint.

This module sits below both ``build`` (which writes the stamp) and ``datasets`` (which reads
it), so that loading a table never imports the build.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

from imetbook import paths
from imetbook.errors import DataError

STAMP_FILE = "BUILD_STAMP.json"
BUILD_COMMAND = "python -m imetbook data build"
# The package's files whose code shapes the tables (folders: every .py under them); a change
# to any of them rebuilds the data. ``vocab.py``: the data layer words fiscal years with it.
DATA_CODE = ("data", "vocab.py", "atomic.py")


def _hash_files(files: list[Path], root: Path) -> hashlib._Hash:
    h = hashlib.sha256()
    for f in sorted(files):
        h.update(str(f.relative_to(root)).encode())
        h.update(f.read_bytes())
    return h


def raw_files(raw: Path) -> list[Path]:
    """Every file the tables may depend on: all of ``raw`` but the folders' READMEs."""
    return sorted(p for p in raw.rglob("*") if p.is_file() and p.name != "README.md")


def code_files() -> list[Path]:
    pkg = paths.package_dir()
    code = [p for name in DATA_CODE for p in sorted((pkg / name).rglob("*.py"))]
    code += [pkg / name for name in DATA_CODE if (pkg / name).is_file()]
    return [p for p in code if p.is_file()]


def _code_digest() -> bytes:
    return _hash_files(code_files(), paths.package_dir()).digest()


def _hashed(files: list[Path], raw: Path) -> str:
    try:
        h = _hash_files(files, raw)
    except OSError as exc:
        raise DataError(f"{exc.filename or raw}: cannot read ({exc.strerror or exc})") from None
    h.update(_code_digest())
    return h.hexdigest()


def data_stamp(raw: Path | None = None) -> str:
    """Hash of the raw files (manifests included) and the data code: what the tables depend
    on. File contents, not sizes and times: a fresh clone or a ``touch`` does not rebuild."""
    raw = raw or paths.raw_dir()
    return _hashed(raw_files(raw), raw)


def inputs_stamp(raw: Path | None = None) -> str:
    """Hash of the raw folders' manifests and the data code (see the module's docstring)."""
    raw = raw or paths.raw_dir()
    return _hashed(sorted(raw.glob("*/MANIFEST.csv")), raw)


def read(out: Path) -> dict | None:
    """The stamp stored with the tables in ``out``; None if there is none or it is unreadable."""
    try:
        recorded = json.loads((out / STAMP_FILE).read_text())
    except (OSError, ValueError):
        return None
    return recorded if isinstance(recorded, dict) else None


def content(stamp: str, inputs: str, rows: dict[str, int]) -> str:
    """The text of ``BUILD_STAMP.json``."""
    return json.dumps({"stamp": stamp, "inputs": inputs, "rows": rows}, indent=1)


@lru_cache(maxsize=8)
def _inputs_cached(raw: Path, manifests: tuple[tuple[str, int, int], ...], code: bytes) -> str:
    return inputs_stamp(raw)


def _current_inputs(raw: Path) -> str:
    # Keyed by the manifests' sizes and times and the code itself, so a rebuild in this
    # process (``run`` brings the tables up to date, then reads them) is seen.
    listed = []
    for p in sorted(raw.glob("*/MANIFEST.csv")):
        st = p.stat()
        listed.append((p.as_posix(), st.st_size, st.st_mtime_ns))
    return _inputs_cached(raw, tuple(listed), _code_digest())


def check_current(out: Path, raw: Path | None = None) -> None:
    """:class:`DataError` naming the command to run when the tables in ``out`` were built
    from other manifests or other data code than the ones in ``raw`` and this package.

    A folder without a stamp holds tables a build did not write (a test's fixture tables):
    there is nothing to compare them with, and they are read as they are."""
    recorded = read(out)
    if recorded is None and not (out / STAMP_FILE).exists():
        return
    raw = (raw or paths.raw_dir()).resolve()
    if not raw.is_dir():
        raise DataError(f"{raw}: raw data folder missing")
    if recorded is None or recorded.get("inputs") != _current_inputs(raw):
        raise DataError(
            f"{out}: the tables are older than the raw data or the data code; run `{BUILD_COMMAND}`"
        )
