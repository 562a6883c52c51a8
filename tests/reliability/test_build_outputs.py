"""Where the tables go: read-only and full folders, two builds at once, kills, stale folders.

Each case runs ``python -m imetbook data build`` on a copy of the project and asserts one
clear line (or success), the tables byte for byte as they were (or as a clean build makes
them), and no temporary folder left next to them.

The read-only and full-disk cases need a private mount (``unshare -m``, as root): a read-only
bind mount of ``data/`` and a small ``tmpfs``. Without it they are skipped.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from imetbook import atomic
from imetbook.data import build

from .rel_helpers import Project, one_error_line, snapshot


def _private_mounts() -> bool:
    if os.geteuid() != 0:
        return False
    try:
        probe = subprocess.run(
            ["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=1m tmpfs /mnt"],
            capture_output=True,
        )
    except FileNotFoundError:
        return False
    return probe.returncode == 0


needs_mounts = pytest.mark.skipif(not _private_mounts(), reason="needs unshare -m as root")


def _in_namespace(project: Project, setup: str, after: str = "") -> subprocess.CompletedProcess:
    """Run ``data build --force`` in a private mount namespace after the shell ``setup``;
    ``after`` runs in the same namespace once the build has finished (its exit code is kept)."""
    cmd = " ".join(shlex.quote(a) for a in (sys.executable, "-m", "imetbook", "data", "build"))
    script = f"set -e\n{setup}\nset +e\n{cmd} --force\nrc=$?\n{after}\nexit $rc\n"
    return subprocess.run(
        ["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, env=project.env
    )


@needs_mounts
def test_read_only_data_folder_is_one_line(project: Project):
    data = shlex.quote(str(project.tables.parent))
    before = project.state()
    done = _in_namespace(project, f"mount --bind {data} {data}\nmount -o remount,ro,bind {data}")
    line = one_error_line(done)
    assert str(project.tables) in line and "read-only" in line.lower(), line
    assert project.state() == before


# Run inside the namespace (the tmpfs goes with it): the tables' digests and their siblings.
PROBE = """
import json, sys
from pathlib import Path
sys.path[:0] = [sys.argv[1], str(Path(sys.argv[1]).parent)]  # rel_helpers, fixture_helpers
from rel_helpers import snapshot
data = Path(sys.argv[2])
names = sorted(p.name for p in data.iterdir() if p.name != "cache")  # as Project.state
seen = {"tables": snapshot(data / "processed"), "siblings": names}
Path(sys.argv[3]).write_text(json.dumps(seen))
"""


@pytest.mark.slow  # copies the tables into a tmpfs
@needs_mounts
def test_full_disk_is_one_line_and_keeps_the_tables(small_project: Project, tmp_path: Path):
    """The tables live on a file system with room for them and a few MB more: the new build
    runs out of space half-way."""
    used = sum(p.stat().st_size for p in small_project.tables.parent.rglob("*") if p.is_file())
    size_mb = used // 2**20 + 8
    before = small_project.state()
    data = small_project.tables.parent
    saved = tmp_path / "saved"
    after = tmp_path / "after.json"
    args = (sys.executable, "-c", PROBE, str(Path(__file__).parent), str(data), str(after))
    probe = " ".join(shlex.quote(a) for a in args)
    setup = (
        f"cp -a {shlex.quote(str(data))} {shlex.quote(str(saved))}\n"
        f"mount -t tmpfs -o size={size_mb}m tmpfs {shlex.quote(str(data))}\n"
        f"cp -a {shlex.quote(str(saved))}/. {shlex.quote(str(data))}/"
    )
    done = _in_namespace(small_project, setup, probe)
    line = one_error_line(done)
    assert str(small_project.tables) in line and "no space left" in line.lower(), line
    seen = json.loads(after.read_text())
    assert seen["tables"] == before[0], "the tables changed on the full disk"
    assert seen["siblings"] == before[2], f"left behind: {seen['siblings']}"


def test_a_second_build_says_another_build_is_running(project: Project):
    """While one build holds the lock, another gives up after its wait with one line."""
    before = project.state()
    with atomic.lock(project.tables):
        env = project.env | {"IMETBOOK_LOCK_WAIT": "1"}
        done = subprocess.run(
            [sys.executable, "-m", "imetbook", "data", "build", "--force"],
            capture_output=True,
            text=True,
            env=env,
        )
    lines = [x for x in done.stderr.splitlines() if x.strip()]
    assert done.returncode != 0 and "Traceback" not in done.stderr, done.stderr
    assert lines[-1].startswith("error: ") and "another build is running" in lines[-1]
    assert lines[:-1] == [
        f"data: another build is writing {project.tables}; waiting for it to finish"
    ]
    assert project.state() == before


def test_stale_temporary_folders_are_removed_by_the_next_build(project: Project):
    """What a killed build leaves (a half-filled temporary folder, a set-aside old one) goes
    at the start of the next build, even one that finds the tables current."""
    left = [
        project.tables.with_name("processed.tmp-k1ll3d"),
        project.tables.with_name("processed.old-4242"),
    ]
    for folder in left:
        folder.mkdir()
        (folder / "training.parquet").write_bytes(b"half written")
    tables = snapshot(project.tables)
    done = project.run("data", "build")
    assert done.returncode == 0, done.stderr
    assert "up to date" in done.stdout
    for folder in left:
        assert not folder.exists()
        assert f"removed {folder.name}" in done.stdout
    assert snapshot(project.tables) == tables


def test_exchange_swaps_two_folders_in_one_step(tmp_path: Path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "f").write_text("new")
    (b / "f").write_text("old")
    if not atomic.exchange(a, b):
        pytest.skip("this system cannot exchange two paths atomically")
    assert (b / "f").read_text() == "new" and (a / "f").read_text() == "old"


# --- slow: real builds ------------------------------------------------------------------------


def _wait_for(cond, timeout: float = 300.0) -> None:
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            raise AssertionError("timed out")
        time.sleep(0.02)


@pytest.mark.slow
def test_kill_during_a_build_leaves_the_tables_and_the_next_build_cleans_up(small_project: Project):
    before = small_project.state()
    cmd = [sys.executable, "-m", "imetbook", "data", "build", "--force"]
    proc = subprocess.Popen(
        cmd, env=small_project.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    parent = small_project.tables.parent
    _wait_for(lambda: any(parent.glob("processed.tmp-*/*.parquet")))
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert small_project.state()[:2] == before[:2], "a kill changed the tables"
    assert any(parent.glob("processed.tmp-*")), "expected the killed build's folder"
    done = small_project.run("data", "build")
    assert done.returncode == 0, done.stderr
    assert small_project.state() == before


@pytest.mark.slow
def test_two_builds_at_once_one_waits_and_the_tables_are_never_missing(small_project: Project):
    """Two builds at once after a raw change (as two ``make book`` would): one builds, the other
    waits for its lock and then finds the tables current (it builds nothing); both succeed; at
    no moment is ``data/processed`` missing or without its stamp (the swap is one step)."""
    path = small_project.raw / "context" / "pakistan_timeline.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())  # read as without it (BOM test)
    small_project.resign("context", path.name)
    cmd = [sys.executable, "-m", "imetbook", "data", "build"]
    procs = [
        subprocess.Popen(
            cmd, env=small_project.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    stamp = small_project.tables / build.STAMP_FILE
    missing = 0
    while any(p.poll() is None for p in procs):
        missing += not stamp.is_file()
        # Over a thousand looks a second, but not a core spun for the builds' whole length:
        # a swap that left the folder missing would do so for milliseconds (removing it).
        time.sleep(0.0005)
    outs = [p.communicate() for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    assert missing == 0, "data/processed was missing during a swap"
    assert sum("waiting for it to finish" in err for _, err in outs) == 1, outs
    assert sum("data: built" in out for out, _ in outs) == 1, outs  # the waiting one did not
    assert not [
        x
        for x in small_project.tables.parent.iterdir()
        if x.name not in ("processed", "raw", "cache")
    ]
    assert small_project.run("data", "verify").returncode == 0


@pytest.mark.slow
def test_a_bom_in_a_context_csv_is_read_as_without_it(small_project: Project):
    """A spreadsheet's UTF-8 byte-order mark: the build runs (the raw change is noticed
    without --force) and gives the same tables as without it."""
    path = small_project.raw / "context" / "pakistan_timeline.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    small_project.resign("context", path.name)
    before = {k: v for k, v in snapshot(small_project.tables).items() if k.endswith(".parquet")}
    done = small_project.run("data", "build")
    assert done.returncode == 0, done.stderr
    assert "data: built" in done.stdout
    after = {k: v for k, v in snapshot(small_project.tables).items() if k.endswith(".parquet")}
    assert after == before
