"""Kernels for papermill: one per chapter, or one warm kernel per worker for a page set.

Pages of a page set (one template run with many parameter values: the country pages) run in
a warm kernel per worker process: started once, and between two pages reset to a fresh
namespace (:data:`_RESET`) while imported modules and their caches stay (the country pages
keep what they all share, :func:`imetbook.chapters.profile.page_set`). The pages are
byte-identical to fresh-kernel runs (``tests/test_execute.py``, ``tests/test_reproducible.py``).
"""

from __future__ import annotations

import ast
import atexit
import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import nbformat

from imetbook.run.jobs import KERNEL, Job

CELL_TIMEOUT_S = 600  # as execute.timeout in _config.yml
# Environment of every kernel: stable hashing of str, stable warning file names
# (``<IPY-INPUT>`` instead of a temp path), inline figures even when the caller exported
# MPLBACKEND=Agg (ipykernel keeps an MPLBACKEND it inherits), no debugger noise.
KERNEL_ENV = {
    "PYTHONHASHSEED": "0",
    "IPYKERNEL_CELL_NAME": "<IPY-INPUT>",
    "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
}


@contextmanager
def _kernel_env() -> Iterator[None]:
    """Set :data:`KERNEL_ENV` for kernels started inside."""
    saved = {k: os.environ.get(k) for k in KERNEL_ENV}
    os.environ.update(KERNEL_ENV)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


# Run silently in the kernel between two pages of a page set, in a private namespace: a fresh
# user namespace, In/Out and execution count 1 (as in a new kernel), no open figures, warnings
# shown again, and the record of tables read emptied. Imported modules and their caches stay:
# that is what makes a warm kernel cheap.
_RESET = """
import sys, warnings
get_ipython().reset(new_session=True)
if "matplotlib.pyplot" in sys.modules:
    sys.modules["matplotlib.pyplot"].close("all")
warnings.onceregistry.clear()
warnings._filters_mutated()
if "imetbook.data.datasets" in sys.modules:
    sys.modules["imetbook.data.datasets"].TABLES_READ.clear()
"""
# Evaluated silently after the last cell: the imetbook modules the kernel imported and the
# tables it read (see :func:`imetbook.data.datasets.load`).
_RECORD = (
    "__import__('json').dumps({"
    "'modules': sorted(n for n in __import__('sys').modules"
    " if n == 'imetbook' or n.startswith('imetbook.')),"
    "'tables': sorted(getattr(__import__('sys').modules.get('imetbook.data.datasets'),"
    " 'TABLES_READ', ()))})"
)


class Kernel:
    """A started kernel with its client: for one notebook, or reused for a page set.

    Kernels talk over IPC sockets in a private temporary folder: ipykernel warns on every
    start over unencrypted TCP, and IPC keeps the traffic off the network. A kernel exits by
    itself when its parent process dies (ipykernel polls its parent).
    """

    def __init__(self, cwd: Path) -> None:
        from nbclient import NotebookClient
        from traitlets.config import Config

        self.cwd = Path(cwd)
        self.used = 0
        self.sockets = tempfile.mkdtemp(prefix="imetbook-kernel-")
        config = Config({"KernelManager": {"transport": "ipc", "ip": f"{self.sockets}/kernel"}})
        self.client = NotebookClient(
            nbformat.v4.new_notebook(),
            kernel_name=KERNEL,
            config=config,
            timeout=CELL_TIMEOUT_S,
            startup_timeout=60,
            # jupyter_client interrupts a kernel before shutting it down, and ipykernel logs
            # that as an error when it races a reply; kernel logs are never notebook output.
            extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
            # Every output is in once the last cell has replied; a graceful shutdown only
            # adds up to a second of polling per notebook.
            shutdown_kernel="immediate",
        )
        self.client.km = self.client.create_kernel_manager()
        try:
            with _kernel_env():
                self.client.start_new_kernel(cwd=str(self.cwd))
            self.client.start_new_kernel_client()
        except BaseException:
            self.close()
            raise

    @property
    def km(self) -> Any:
        return self.client.km

    @property
    def kc(self) -> Any:
        return self.client.kc

    def alive(self) -> bool:
        if self.km is None or self.kc is None:
            return False
        from jupyter_core.utils import ensure_async, run_sync

        async def is_alive() -> bool:
            return bool(await ensure_async(self.km.is_alive()))

        return run_sync(is_alive)()

    def silent(self, code: str, expressions: Mapping[str, str] | None = None) -> dict[str, Any]:
        """Run ``code`` without outputs or history; the values of ``expressions``."""
        msg_id = self.kc.execute(
            code, silent=True, store_history=False, user_expressions=dict(expressions or {})
        )
        reply = self.client.wait_for_reply(msg_id)
        content = reply["content"] if reply else {}
        if content.get("status") != "ok":
            raise RuntimeError(f"kernel: {content.get('ename')}: {content.get('evalue')}")
        return content.get("user_expressions", {})

    def reset(self) -> None:
        self.silent(f"exec({_RESET!r}, {{'get_ipython': get_ipython}})")

    def record(self) -> dict[str, list[str]]:
        """The imetbook modules imported and tables read since the kernel (re)started."""
        value = self.silent("", {"r": _RECORD})["r"]
        if value.get("status") != "ok":
            raise RuntimeError(f"kernel: cannot record imports: {value.get('evalue')}")
        return json.loads(ast.literal_eval(value["data"]["text/plain"]))

    def close(self) -> None:
        try:
            if self.client.km is not None:
                self.client._cleanup_kernel()
        finally:
            shutil.rmtree(self.sockets, ignore_errors=True)


# Warm kernels of this process, one per folder (a page set's template folder).
_WARM: dict[Path, Kernel] = {}


def close_warm() -> None:
    """Shut down this process's warm kernels."""
    while _WARM:
        _, kernel = _WARM.popitem()
        with suppress(Exception):  # exiting anyway; the kernel dies with us
            kernel.close()


atexit.register(close_warm)


def warm_kernel(cwd: Path) -> Kernel:
    """This process's kernel for ``cwd``, reset to a fresh namespace (started if needed)."""
    cwd = Path(cwd).resolve()
    kernel = _WARM.get(cwd)
    if kernel is not None and not kernel.alive():
        _WARM.pop(cwd).close()
        kernel = None
    if kernel is None:
        kernel = _WARM[cwd] = Kernel(cwd)
    elif kernel.used:
        kernel.reset()
    return kernel


def discard_warm(cwd: Path) -> None:
    """Shut down the warm kernel of ``cwd`` (after a failure its state is unknown)."""
    kernel = _WARM.pop(Path(cwd).resolve(), None)
    if kernel is not None:
        kernel.close()


def _engine() -> str:
    """Register (once) and name the papermill engine that runs on a given :class:`Kernel`."""
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines

    class KernelEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(
            cls, nb_man, kernel_name, log_output=False, start_timeout=60,
            execution_timeout=None, kernel: Kernel | None = None, **_kwargs,
        ):  # fmt: skip
            client = PapermillNotebookClient(
                nb_man,
                km=kernel.km,
                timeout=execution_timeout,
                startup_timeout=start_timeout,
                kernel_name=kernel_name,
                log_output=log_output,
            )
            client.kc = kernel.kc  # the kernel's own client: nbclient then leaves both running
            return client.execute()

    if "imetbook" not in papermill_engines._engines:
        papermill_engines.register("imetbook", KernelEngine)
    return "imetbook"


def papermill_run(nb: nbformat.NotebookNode, job: Job, kernel: Kernel) -> nbformat.NotebookNode:
    import papermill

    executed = papermill.execute_notebook(
        nb,
        None,  # papermill writes nothing; we write once, atomically, after success
        parameters=dict(job.parameters) or None,
        kernel_name=KERNEL,
        engine_name=_engine(),
        progress_bar=False,
        request_save_on_cell_execute=False,
        execution_timeout=CELL_TIMEOUT_S,
        record_timing=False,
        kernel=kernel,
    )
    kernel.used += 1
    return executed


@contextmanager
def kernel_for(job: Job, warm: bool) -> Iterator[Kernel]:
    """A fresh kernel (closed after use) or, for a page with ``warm``, this process's warm one."""
    cwd = Path(job.source).parent
    if not warm:
        kernel = Kernel(cwd)
        try:
            yield kernel
        finally:
            kernel.close()
        return
    kernel = warm_kernel(cwd)
    try:
        yield kernel
    except BaseException:
        discard_warm(cwd)
        raise
