"""Read vendored raw files only after checking them against their manifest.

Two manifest shapes exist under ``data/raw``:

* ``fmtr/MANIFEST.csv`` (upstream's): ``staged_file`` is a ``.gz`` file and ``sha256`` is the
  checksum of its *uncompressed* content;
* ``budget/`` and ``context/MANIFEST.csv`` (ours): ``file`` and ``sha256`` of the file bytes.

Both readers return the verified bytes so that parsers never read a file twice.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import zlib
from dataclasses import dataclass
from pathlib import Path

from imetbook.errors import ChecksumError, DataError


@dataclass(frozen=True)
class RawFile:
    """One verified raw file: its manifest row and its (uncompressed) bytes."""

    relpath: str
    meta: dict[str, str]
    data: bytes


def read_manifest(path: Path) -> list[dict[str, str]]:
    """Return the manifest rows; a missing or empty manifest is a :class:`DataError`."""
    if not path.is_file():
        raise DataError(f"{path}: manifest missing")
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    if not rows:
        raise DataError(f"{path}: manifest has no rows")
    return rows


def _gunzip(path: Path) -> bytes:
    try:
        return gzip.decompress(path.read_bytes())
    except (EOFError, OSError, zlib.error) as exc:
        raise DataError(f"{path}: corrupt or truncated gzip ({exc})") from None


def _check(path: Path, data: bytes, expected: str) -> None:
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected:
        raise ChecksumError(
            f"{path}: sha256 mismatch (manifest {expected[:12]}..., file {actual[:12]}...)"
        )


def read_fmtr(fmtr_dir: Path) -> list[RawFile]:
    """Verify and decompress every file listed in ``fmtr/MANIFEST.csv``, in manifest order."""
    out = []
    for row in read_manifest(fmtr_dir / "MANIFEST.csv"):
        path = fmtr_dir / row["staged_file"]
        if not path.is_file():
            raise DataError(f"{path}: listed in MANIFEST.csv but missing")
        data = _gunzip(path)
        _check(path, data, row["sha256"])
        out.append(RawFile(row["staged_file"], row, data))
    return out


def read_plain(source_dir: Path) -> dict[str, RawFile]:
    """Verify every file of a plain manifest (``file,sha256,...``); keyed by file name."""
    out = {}
    for row in read_manifest(source_dir / "MANIFEST.csv"):
        path = source_dir / row["file"]
        if not path.is_file():
            raise DataError(f"{path}: listed in MANIFEST.csv but missing")
        data = path.read_bytes()
        _check(path, data, row["sha256"])
        out[row["file"]] = RawFile(row["file"], row, data)
    return out


def read_csv(raw: RawFile) -> list[dict[str, str]]:
    """Decode a verified CSV file into rows of strings (UTF-8, header row)."""
    try:
        text = raw.data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(f"{raw.relpath}: not valid UTF-8 ({exc})") from None
    return list(csv.DictReader(io.StringIO(text, newline="")))


def read_documents(reports_dir: Path) -> list[RawFile]:
    """Verify every file of ``fmtr_reports/MANIFEST.csv`` (``staged_file``; ``sha256`` of the
    file as published: a ``.gz`` file is checked after decompressing), in manifest order."""
    out = []
    for row in read_manifest(reports_dir / "MANIFEST.csv"):
        path = reports_dir / row["staged_file"]
        if not path.is_file():
            raise DataError(f"{path}: listed in MANIFEST.csv but missing")
        data = _gunzip(path) if path.suffix == ".gz" else path.read_bytes()
        _check(path, data, row["sha256"])
        out.append(RawFile(row["staged_file"], row, data))
    return out
