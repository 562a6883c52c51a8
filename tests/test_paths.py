"""How many cores the parse, the executor and the HTML build use by default."""

from __future__ import annotations

import os

from imetbook import paths
from imetbook.run import execute


def test_cores_are_those_this_process_may_run_on(monkeypatch):
    # A container limited to two of a machine's eight cores: two, not eight.
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {3, 5}, raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    assert paths.available_cores() == 2
    assert execute.default_workers() == 2


def test_cores_without_affinity_are_the_machine_s(monkeypatch):
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: None)
    assert paths.available_cores() == 1
    monkeypatch.setattr(os, "cpu_count", lambda: 6)
    assert paths.available_cores() == 6
