"""Atomic file and directory writes: a failure never leaves a half-written output.

A directory is replaced in one step: the new one is built in a temporary sibling, then the
two are exchanged by ``renameat2(RENAME_EXCHANGE)`` (Linux), so that at every instant the
target holds either all the old files or all the new ones, even if the process is killed.
Where the system cannot exchange (another OS, an old kernel, a file system without it), the
old directory is renamed aside and the new one renamed in: two steps, with a window in which
the target is missing. A kill leaves temporary siblings (``<name>.tmp-*``, ``<name>.old-*``);
:func:`clean_stale` removes them, and :func:`lock` keeps two writers of one target apart.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2  # linux/fs.h


def write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder."""
    write_with(path, lambda tmp: tmp.write_bytes(data))


def write_with(path: Path, writer: Callable[[Path], None]) -> None:
    """Call ``writer(tmp_path)`` and rename the result onto ``path`` only if it succeeded."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        writer(tmp)
        # mkstemp creates 0600 files; published outputs get the usual umask-based mode.
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def exchange(a: Path, b: Path) -> bool:
    """Swap the paths ``a`` and ``b`` in one atomic step; False if the system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:  # glibc before 2.28
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p]
    renameat2.argtypes += [ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def replace_dir(target: Path, fill: Callable[[Path], None]) -> None:
    """Build a directory with ``fill(tmp_dir)`` and swap it in place of ``target``.

    The previous ``target`` stays untouched until ``fill`` has fully succeeded; the swap is
    one atomic exchange where the system allows it (see the module doc).
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f"{target.name}.tmp-", dir=target.parent))
    old = target.with_name(f"{target.name}.old-{os.getpid()}")
    try:
        fill(tmp)
        os.chmod(tmp, 0o777 & ~_umask())
        if not target.exists():
            os.rename(tmp, target)
        elif not (target.is_dir() and not target.is_symlink() and exchange(tmp, target)):
            os.replace(target, old)
            os.replace(tmp, target)
        # After an exchange ``tmp`` holds the previous files; the finally removes them.
    finally:
        for leftover in (tmp, old):
            with contextlib.suppress(OSError):
                _rmtree(leftover)


def check_writable(target: Path) -> None:
    """Create and remove the temporary sibling :func:`replace_dir` would fill: the
    :class:`OSError` it would meet (a read-only folder), before any work is done for it."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.rmdir(tempfile.mkdtemp(prefix=f"{target.name}.tmp-", dir=target.parent))


def stale(target: Path) -> list[Path]:
    """Temporary siblings of ``target`` that :func:`replace_dir` leaves when killed."""
    target = Path(target)
    if not target.parent.is_dir():
        return []
    found = [
        *target.parent.glob(f"{target.name}.tmp-*"),
        *target.parent.glob(f"{target.name}.old-*"),
    ]
    return sorted(p for p in found if p.is_dir() and not p.is_symlink())


def clean_stale(target: Path) -> list[Path]:
    """Remove :func:`stale` siblings of ``target``; call it holding :func:`lock` (a running
    writer's temporary folder looks the same). Returns what was removed."""
    removed = stale(target)
    for path in removed:
        _rmtree(path)
    return removed


def _rmtree(path: Path) -> None:
    """``rmtree`` that also removes read-only folders (a swapped-out ``chmod -w`` table
    folder): each failing folder is made writable by its owner and tried again."""

    def retry(func, name, _exc):
        parent = os.path.dirname(name)
        with contextlib.suppress(OSError):
            os.chmod(parent, os.stat(parent).st_mode | 0o700)
            if os.path.isdir(name):
                os.chmod(name, os.stat(name).st_mode | 0o700)
            func(name)

    if sys.version_info >= (3, 12):
        shutil.rmtree(path, onexc=retry)
    else:
        shutil.rmtree(path, onerror=retry)


class Busy(OSError):
    """Another process holds the lock and did not release it in time."""


@contextlib.contextmanager
def lock(
    target: Path, wait: float = 0.0, on_wait: Callable[[], None] | None = None
) -> Iterator[Path]:
    """Hold an exclusive lock for writing ``target`` during the ``with`` block.

    The lock is the kernel's ``flock`` on ``target``'s parent folder: no lock file to leave
    behind, it works in a read-only folder, and it is released when the holder exits, even
    if killed. Waits up to ``wait`` seconds for another holder (calling ``on_wait`` once when
    it starts waiting), then raises :class:`Busy`.
    """
    parent = Path(target).parent
    parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        deadline, told = time.monotonic() + wait, False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise Busy(errno.EAGAIN, "held by another process", str(parent)) from None
                if not told and on_wait is not None:
                    on_wait()
                    told = True
                time.sleep(0.2)
        yield parent
    finally:
        os.close(fd)  # closing releases the lock
