"""Read vendored raw files only after checking them against their manifest.

Two manifest shapes exist under ``data/raw``:

* ``fmtr/MANIFEST.csv`` (upstream's): ``staged_file`` is a ``.gz`` file and ``sha256`` is the
  checksum of its *uncompressed* content;
* ``budget/`` and ``context/MANIFEST.csv`` (ours): ``file`` and ``sha256`` of the file bytes.

Both readers return the verified bytes so that parsers never read a file twice. A manifest
missing a column the build needs, or with a value of the wrong shape (a ``report_fy`` that is
not two consecutive years, a ``sha256`` that is not 64 hex digits, a count that is not a whole
number), is a :class:`DataError` naming the manifest, its line and the column. CSV files may
start with a UTF-8 byte-order mark (spreadsheet programs write one); it is dropped.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import re
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from imetbook.errors import ChecksumError, DataError, ImetbookError


@dataclass(frozen=True)
class RawFile:
    """One verified raw file: its manifest row and its (uncompressed) bytes."""

    relpath: str
    meta: dict[str, str]
    data: bytes


# Files a raw folder may hold besides those its manifest lists.
UNLISTED_OK = frozenset({"MANIFEST.csv", "README.md"})

_SHA256 = re.compile(r"[0-9a-f]{64}")
_REPORT_FY = re.compile(r"(\d{4})-(\d{4})")
_COUNT = re.compile(r"\d+")


def _sha256(value: str) -> str | None:
    return None if _SHA256.fullmatch(value) else "expected 64 lowercase hex digits"


def _report_fy(value: str) -> str | None:
    m = _REPORT_FY.fullmatch(value)
    if m and int(m[2]) == int(m[1]) + 1:
        return None
    return "expected two consecutive years, e.g. 2019-2020"


def _count(value: str) -> str | None:
    return None if _COUNT.fullmatch(value) else "expected a whole number"


def _relative(value: str) -> str | None:
    parts = value.split("/")
    if value and not value.startswith("/") and ".." not in parts and "" not in parts:
        return None
    return "expected a relative path inside the folder"


Check = Callable[[str], str | None]
# Column -> check of its value (None: any text), for each manifest shape.
FMTR_COLUMNS: dict[str, Check | None] = {
    "report_fy": _report_fy,
    "region": None,
    "staged_file": _relative,
    "upstream_repo": None,
    "upstream_commit": None,
    "upstream_path": None,
    "sha256": _sha256,
    "n_training_elements": _count,
}
PLAIN_COLUMNS: dict[str, Check | None] = {"file": _relative, "sha256": _sha256}
OPTIONAL_COUNTS = ("bytes", "bytes_uncompressed")


def read_manifest(
    path: Path, columns: dict[str, Check | None] | None = None
) -> list[dict[str, str]]:
    """Return the manifest rows; a missing or empty manifest is a :class:`DataError`, and so
    is one without a column of ``columns`` or with a value its check rejects."""
    if not path.is_file():
        raise DataError(f"{path}: manifest missing")
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            rows = list(reader)
            header = reader.fieldnames or []
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not valid UTF-8 ({exc.reason})") from None
    except csv.Error as exc:
        raise DataError(f"{path}: not a readable CSV file ({exc})") from None
    if not rows:
        raise DataError(f"{path}: manifest has no rows")
    if columns:
        _check_rows(path, header, rows, columns)
    return rows


def _check_rows(
    path: Path, header: list[str], rows: list[dict[str, str]], columns: dict[str, Check | None]
) -> None:
    missing = [c for c in columns if c not in header]
    if missing:
        raise DataError(f"{path}: manifest has no column(s) {', '.join(missing)}")
    checks = {c: f for c, f in columns.items() if f is not None}
    checks.update({c: _count for c in OPTIONAL_COUNTS if c in header})
    for line, row in enumerate(rows, start=2):  # line 1 is the header
        if None in row or any(v is None for v in row.values()):
            raise DataError(f"{path}: line {line}: wrong number of fields")
        for col, check in checks.items():
            problem = check(row[col].strip())
            if problem:
                raise DataError(f"{path}: line {line}: bad {col} {row[col]!r} ({problem})")


def unlisted(source_dir: Path, listed: Iterable[str]) -> list[str]:
    """Files under ``source_dir`` that its manifest does not list (besides
    :data:`UNLISTED_OK`), as paths relative to it, sorted."""
    known = set(listed) | UNLISTED_OK
    found = (p.relative_to(source_dir).as_posix() for p in source_dir.rglob("*"))
    return sorted(f for f in found if f not in known and not (source_dir / f).is_dir())


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
    for row in read_manifest(fmtr_dir / "MANIFEST.csv", FMTR_COLUMNS):
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
    for row in read_manifest(source_dir / "MANIFEST.csv", PLAIN_COLUMNS):
        path = source_dir / row["file"]
        if not path.is_file():
            raise DataError(f"{path}: listed in MANIFEST.csv but missing")
        data = path.read_bytes()
        _check(path, data, row["sha256"])
        out[row["file"]] = RawFile(row["file"], row, data)
    return out


def read_csv(raw: RawFile) -> list[dict[str, str]]:
    """Decode a verified CSV file into rows of strings (UTF-8, header row; a leading
    byte-order mark is dropped, so the first column keeps its name)."""
    try:
        text = raw.data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(f"{raw.relpath}: not valid UTF-8 ({exc})") from None
    try:
        return list(csv.DictReader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise DataError(f"{raw.relpath}: not a readable CSV file ({exc})") from None


def csv_rows(
    raw: RawFile, columns: Sequence[str], *, strip: bool = False
) -> list[tuple[str, dict[str, str]]]:
    """The CSV file's rows, each with ``"<file> line <n>"`` (physical line of the row's start);
    a file without rows, missing one of ``columns`` or with a row of the wrong number of fields
    is a :class:`DataError`. ``strip`` trims the white space around every cell."""
    rows = read_csv(raw)
    if not rows:
        raise DataError(f"{raw.relpath}: no data rows")
    missing = [c for c in columns if c not in rows[0]]
    if missing:
        raise DataError(f"{raw.relpath}: missing column(s) {', '.join(missing)}")
    out, line = [], 2
    for row in rows:
        where = f"{raw.relpath} line {line}"
        if None in row or any(v is None for v in row.values()):
            raise DataError(f"{where}: wrong number of fields")
        out.append((where, {k: v.strip() for k, v in row.items()} if strip else row))
        line += 1 + sum(v.count("\n") for v in row.values())
    return out


def refuse_repeats(rows: Sequence[tuple[str, dict[str, str]]], key: Sequence[str]) -> None:
    """A :class:`DataError` at the first of ``rows`` (:func:`csv_rows`) whose ``key`` cells
    repeat an earlier row's: a repeated row would be counted or drawn twice."""
    seen: dict[tuple[str, ...], str] = {}
    for where, row in rows:
        cells = tuple(row[c] for c in key)
        if cells in seen:
            named = ", ".join(f"{c}={v!r}" for c, v in zip(key, cells, strict=True))
            earlier = seen[cells].rsplit(" line ", 1)[-1]
            raise DataError(f"{where}: repeats line {earlier} ({named})")
        seen[cells] = where


@contextmanager
def located(where: str) -> Iterator[None]:
    """Prefix any ImetbookError raised inside with the file and line it concerns."""
    try:
        yield
    except ImetbookError as exc:
        raise type(exc)(f"{where}: {exc}") from None


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
