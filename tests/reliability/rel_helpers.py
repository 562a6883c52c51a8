"""Helpers of the reliability suite (a plain module: imported by its tests, not collected)."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from fixture_helpers import resign

from imetbook import paths

REPO = paths.project_root()
RAW = paths.raw_dir()


# sha256 by file identity and change time: a file's bytes cannot change without its ctime
# changing (the kernel sets it on every write, and on any utime that would hide one), so a
# digest is reused only for the very same unchanged file. The tables of every project copy
# are hard links to one build: hashed once per session, not twice per test.
_DIGESTS: dict[tuple[int, ...], str] = {}


def digest(path: Path) -> str:
    st = path.stat()
    key = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    if key not in _DIGESTS:
        _DIGESTS[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return _DIGESTS[key]


def snapshot(folder: Path, pattern: str = "*") -> dict[str, str]:
    """sha256 of every file under ``folder`` (relative path -> digest)."""
    if not folder.is_dir():
        return {}
    return {
        p.relative_to(folder).as_posix(): digest(p)
        for p in sorted(folder.rglob(pattern))
        if p.is_file()
    }


@dataclass
class Project:
    root: Path

    @property
    def raw(self) -> Path:
        return self.root / "data" / "raw"

    @property
    def tables(self) -> Path:
        return self.root / "data" / "processed"

    @property
    def env(self) -> dict[str, str]:
        env = os.environ | {"IMETBOOK_ROOT": str(self.root), "PYTHONHASHSEED": "0"}
        env.pop("IMETBOOK_PROCESSED", None)
        return env

    def state(self) -> tuple[dict[str, str], dict[str, str], list[str]]:
        """The tables, the chapters and what sits next to the tables, to compare."""
        # data/cache holds text extracted from the PDFs, keyed by their hash: a cache the
        # build may fill before it stops, never tables (sources.fmtr_reports).
        siblings = sorted(p.name for p in self.tables.parent.iterdir() if p.name != "cache")
        return snapshot(self.tables), snapshot(self.root / "chapters", "*.ipynb"), siblings

    def run(self, *args: str, prefix: list[str] | None = None, **kw) -> subprocess.CompletedProcess:
        cmd = [*(prefix or []), sys.executable, "-m", "imetbook", *args]
        return subprocess.run(cmd, capture_output=True, text=True, env=self.env, **kw)

    def first_fmtr(self) -> Path:
        with (self.raw / "fmtr" / "MANIFEST.csv").open(newline="", encoding="utf-8") as fh:
            return self.raw / "fmtr" / next(csv.DictReader(fh))["staged_file"]

    def oldest_document_report(self) -> str:
        """The report year of the first original document (``fmtr_reports``)."""
        return self.manifest_rows("fmtr_reports")[0]["report_fy"]

    def manifest_rows(self, folder: str) -> list[dict[str, str]]:
        with (self.raw / folder / "MANIFEST.csv").open(newline="", encoding="utf-8") as fh:
            return list(csv.DictReader(fh))

    def keep_reports(self, folder: str, reports: set[str]) -> None:
        """Only the files of ``reports`` stay in ``folder`` and its manifest."""

        def change(fields, rows):
            for row in rows:
                if row["report_fy"] not in reports:
                    (self.raw / folder / row["staged_file"]).unlink()
            return fields, [r for r in rows if r["report_fy"] in reports]

        self.edit_manifest(folder, change)

    def edit_manifest(self, folder: str, change) -> Path:
        """Rewrite ``folder``'s MANIFEST.csv through ``change(fields, rows) -> (fields, rows)``."""
        path = self.raw / folder / "MANIFEST.csv"
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            fields, rows = change(list(reader.fieldnames or []), list(reader))
        buf = io.StringIO(newline="")
        writer = csv.DictWriter(buf, fields, lineterminator="\n", extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
        path.write_text(buf.getvalue(), encoding="utf-8")
        return path

    def resign(self, folder: str, name: str) -> None:
        """Record the current sha256 and size of ``folder/name`` in its manifest."""
        resign(self.raw / folder, name)


def one_error_line(done: subprocess.CompletedProcess) -> str:
    """The single ``error:`` line of a failed command (asserting there is exactly one and no
    traceback)."""
    assert done.returncode != 0, f"the command succeeded:\n{done.stdout}\n{done.stderr}"
    assert "Traceback" not in done.stderr, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    return lines[0]
