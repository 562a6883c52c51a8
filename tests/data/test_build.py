"""``data build`` fails early and cheaply: a bad small source or a folder that cannot be written
stops it before the FMTR parse (seconds of CPU) runs."""

from __future__ import annotations

import errno
import shutil
from pathlib import Path

import pytest
from fixture_helpers import read_rows, resign

from imetbook import atomic, paths
from imetbook.data import build
from imetbook.data.parsers import fmtr
from imetbook.errors import DataError, OutputError


def _not_utf8(raw: Path) -> str:
    path = raw / "context" / "india_timeline.csv"
    path.write_bytes(path.read_bytes().replace(b"India", "Indi\u00e4".encode("latin-1"), 1))
    resign(path.parent, path.name)
    return "india_timeline.csv: not valid UTF-8"


def _budget_unsigned(raw: Path) -> str:
    path = raw / "budget" / "imet_funding.csv"
    path.write_bytes(path.read_bytes() + b"\n")
    return "imet_funding.csv: sha256 mismatch"


def _reference_bad_row(raw: Path) -> str:
    path = raw / "reference" / "nato_accessions.csv"
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join([*lines, lines[-1].rstrip(b"\r\n") + b",extra\n"]))
    resign(path.parent, path.name)
    return f"nato_accessions.csv line {len(lines) + 1}"


def _report_document_edited(raw: Path) -> str:
    rows = read_rows(raw / "fmtr_reports", "MANIFEST.csv")
    name = next(r["staged_file"] for r in rows if not r["staged_file"].endswith(".gz"))
    path = raw / "fmtr_reports" / name
    path.write_bytes(path.read_bytes() + b" ")
    return f"{Path(name).name}: sha256 mismatch"


BAD = {
    "context CSV not UTF-8": _not_utf8,
    "budget file edited": _budget_unsigned,
    "reference row with an extra field": _reference_bad_row,
    "report document edited": _report_document_edited,
}


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    return Path(shutil.copytree(paths.raw_dir(), tmp_path / "raw"))


def _no_fmtr_parse(*_args, **_kw):
    raise AssertionError("the FMTR parse ran before the small sources were checked")


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_small_source_fails_before_the_fmtr_parse(case, raw, tmp_path, monkeypatch):
    monkeypatch.setattr(fmtr, "build_tables", _no_fmtr_parse)
    named = BAD[case](raw)
    with pytest.raises(DataError, match=named.replace(".", r"\.")):
        build.build(raw=raw, out=tmp_path / "processed", log=lambda _m: None)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["raw"]


def test_a_folder_that_cannot_be_written_fails_before_any_parse(raw, tmp_path, monkeypatch):
    """As a read-only mount does (the real one: tests/reliability/test_build_outputs.py)."""

    def read_only(*_args, **_kw):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(build, "parse_all", _no_fmtr_parse)
    monkeypatch.setattr(atomic.tempfile, "mkdtemp", read_only)
    out = tmp_path / "processed"
    with pytest.raises(OutputError, match=f"{out}: cannot write the tables \\(Read-only"):
        build.build(raw=raw, out=out, log=lambda _m: None)
