"""Bad raw inputs after the tables exist: ``data build`` (no ``--force``) catches each one.

Every case edits a copy of the real raw files, runs ``python -m imetbook data build`` as a
user would, and asserts: a non-zero exit, exactly one ``error:`` line naming the file and the
condition (no traceback), and the tables, the chapters and the folder around the tables
unchanged byte for byte.
"""

from __future__ import annotations

import gzip

import pytest

from .rel_helpers import Project, one_error_line

# --- the edits: each returns the words the error line must hold -----------------------------


def truncate_gz(p: Project) -> tuple[str, ...]:
    path = p.first_fmtr()
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path.name, "truncated"


def remove_raw_file(p: Project) -> tuple[str, ...]:
    path = p.first_fmtr()
    path.unlink()
    return path.name, "missing"


def change_gz_content(p: Project) -> tuple[str, ...]:
    path = p.first_fmtr()
    data = gzip.decompress(path.read_bytes()) + b"\n<!-- edited -->\n"
    path.write_bytes(gzip.compress(data, mtime=0))
    return path.name, "sha256"


def extra_raw_file(p: Project) -> tuple[str, ...]:
    (p.raw / "budget" / "more_imet_figures.csv").write_bytes(
        (p.raw / "budget" / "imet_funding.csv").read_bytes()[:2000]
    )
    return "budget/more_imet_figures.csv", "not listed"


def _drop_column(column: str):
    def change(fields, rows):
        return [f for f in fields if f != column], rows

    return change


def fmtr_manifest_without_sha256(p: Project) -> tuple[str, ...]:
    p.edit_manifest("fmtr", _drop_column("sha256"))
    return "fmtr/MANIFEST.csv", "sha256"


def fmtr_manifest_without_count(p: Project) -> tuple[str, ...]:
    p.edit_manifest("fmtr", _drop_column("n_training_elements"))
    return "fmtr/MANIFEST.csv", "n_training_elements"


def budget_manifest_without_sha256(p: Project) -> tuple[str, ...]:
    p.edit_manifest("budget", _drop_column("sha256"))
    return "budget/MANIFEST.csv", "sha256"


def fmtr_manifest_bad_report_fy(p: Project) -> tuple[str, ...]:
    def change(fields, rows):
        rows[2]["report_fy"] = rows[2]["report_fy"].replace("-", "/")
        return fields, rows

    p.edit_manifest("fmtr", change)
    return "fmtr/MANIFEST.csv", "line 4", "report_fy"


def fmtr_manifest_bad_count(p: Project) -> tuple[str, ...]:
    def change(fields, rows):
        rows[0]["n_training_elements"] = "many"
        return fields, rows

    p.edit_manifest("fmtr", change)
    return "fmtr/MANIFEST.csv", "line 2", "n_training_elements"


def context_file_not_utf8(p: Project) -> tuple[str, ...]:
    path = p.raw / "context" / "india_timeline.csv"
    path.write_bytes(path.read_bytes().replace(b"India", "Indi\u00e4".encode("latin-1"), 1))
    p.resign("context", path.name)
    return path.name, "utf-8"


def fmtr_manifest_without_a_documented_report(p: Project) -> tuple[str, ...]:
    # The original documents of the oldest report stay; its extracted files leave the
    # manifest (and the folder): nothing is left to pair the documents with.
    oldest = p.oldest_document_report()
    p.keep_reports("fmtr", {r["report_fy"] for r in p.manifest_rows("fmtr")} - {oldest})
    return "fmtr_reports/MANIFEST.csv", "fmtr/MANIFEST.csv", oldest


CASES = {
    "truncated gz": truncate_gz,
    "raw file removed": remove_raw_file,
    "raw file edited (valid gzip)": change_gz_content,
    "file no manifest lists": extra_raw_file,
    "fmtr manifest without sha256": fmtr_manifest_without_sha256,
    "fmtr manifest without n_training_elements": fmtr_manifest_without_count,
    "budget manifest without sha256": budget_manifest_without_sha256,
    "bad report_fy": fmtr_manifest_bad_report_fy,
    "bad n_training_elements": fmtr_manifest_bad_count,
    "context CSV not UTF-8": context_file_not_utf8,
    "documents without their extracted report": fmtr_manifest_without_a_documented_report,
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_raw_input_is_one_line_and_keeps_the_tables(case: str, project: Project):
    words = CASES[case](project)
    before = project.state()
    line = one_error_line(project.run("data", "build"))
    for word in words:
        assert word.lower() in line.lower(), f"{case}: {line!r} does not name {word!r}"
    assert project.state() == before, f"{case}: tables, chapters or their folder changed"


def test_unchanged_raw_files_leave_the_tables_alone(project: Project):
    before = project.state()
    done = project.run("data", "build")
    assert done.returncode == 0, done.stderr
    assert "up to date" in done.stdout
    assert project.state() == before


def test_verify_reports_a_file_no_manifest_lists(project: Project):
    words = extra_raw_file(project)
    line = one_error_line(project.run("data", "verify"))
    assert all(w in line for w in words), line
