"""``datasets.load`` reads the tables and never builds them: a missing table, or tables built
from other manifests than the raw folder's, is one DataError naming the build command."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from imetbook import paths
from imetbook.data import build, datasets, stamp
from imetbook.data.parsers import fmtr
from imetbook.errors import DataError

FIXTURE = Path(__file__).parents[1] / "fixtures" / "fmtr"


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return fmtr.build_tables(FIXTURE)


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    """A raw folder holding the real manifests (what the load-time check compares)."""
    folder = tmp_path / "raw"
    for manifest in sorted(paths.raw_dir().glob("*/MANIFEST.csv")):
        target = folder / manifest.parent.name / manifest.name
        target.parent.mkdir(parents=True)
        shutil.copy2(manifest, target)
    return folder


def test_a_missing_table_is_one_error_and_nothing_is_built(tmp_path: Path, raw: Path):
    out = tmp_path / "processed"
    out.mkdir()
    with pytest.raises(DataError, match=r"not built; run `python -m imetbook data build`"):
        datasets.load("training", out, raw=raw)
    assert list(out.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["processed", "raw"]


def test_current_tables_load_and_stale_ones_name_the_build(tmp_path: Path, raw: Path, tables):
    out = tmp_path / "processed"
    build.write_tables(out, dict(tables), "stamp", stamp.inputs_stamp(raw))
    got = datasets.load("training", out, raw=raw)
    assert got["record_id"].tolist() == tables["training"]["record_id"].tolist()

    manifest = raw / "budget" / "MANIFEST.csv"
    manifest.write_text(manifest.read_text() + "\n")  # a re-signed raw file, say
    with pytest.raises(DataError, match=r"older than the raw data.*data build`"):
        datasets.load("training", out, raw=raw)
    before = sorted(p.name for p in out.iterdir())
    with pytest.raises(DataError):
        datasets.load("funding", out, raw=raw)
    assert sorted(p.name for p in out.iterdir()) == before  # still nothing built


def test_tables_of_an_older_build_are_stale(tmp_path: Path, raw: Path, tables):
    """A stamp without the manifests' fingerprint (written before it existed) is stale."""
    out = tmp_path / "processed"
    build.write_tables(out, dict(tables), "stamp", stamp.inputs_stamp(raw))
    (out / stamp.STAMP_FILE).write_text('{"stamp": "stamp", "rows": {}}')
    with pytest.raises(DataError, match="older than the raw data"):
        datasets.load("training", out, raw=raw)
    assert not build.is_current(out, "stamp")


def test_the_stamp_covers_the_data_code():
    covered = {p.relative_to(paths.package_dir()).as_posix() for p in stamp.code_files()}
    assert {"data/parsers/fmtr.py", "data/schema.py", "data/build.py", "vocab.py"} <= covered
    assert not any(p.startswith(("analysis/", "run/", "chapters/")) for p in covered)


@pytest.mark.parametrize("command", [["execute", "-j", "1"], ["html"]])
def test_commands_that_read_tables_bring_them_up_to_date_first(
    command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from imetbook.run import cli
    from imetbook.run.commands import execute as commands

    calls: list[str] = []
    monkeypatch.setenv("IMETBOOK_ROOT", str(tmp_path))
    (tmp_path / "chapters").mkdir()
    monkeypatch.setattr(build, "ensure_current", lambda: calls.append("build"))
    monkeypatch.setattr(commands, "build_html", lambda jobs=None: calls.append("html"))
    assert cli.main(command) == 0
    assert calls == (["html"] if command == ["html"] else [])  # a book without raw data
    calls.clear()
    (tmp_path / "data" / "raw").mkdir(parents=True)
    assert cli.main(command) == 0
    assert calls[0] == "build"
