"""What the executor works on and reports: a job (a notebook, where its result goes, its
parameters), the outcome of one, and the summary of many."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from imetbook import paths
from imetbook.errors import ExecutionError

KERNEL = "python3"
INJECTED_TAG = "injected-parameters"
PROFILE_TEMPLATE = Path("country") / "profile.ipynb"
PROFILE_PAGE = re.compile(r"^[A-Z0-9]{3}\.ipynb$")

EXECUTED, UP_TO_DATE, FAILED = "executed", "up to date", "failed"


@dataclass(frozen=True)
class Job:
    """Execute ``source`` with ``parameters`` into ``output`` (the same file for chapters)."""

    source: Path
    output: Path
    parameters: Mapping[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return label(self.output)


@dataclass(frozen=True)
class Outcome:
    job: Job
    status: str
    seconds: float = 0.0
    error: str = ""


@dataclass(frozen=True)
class Summary:
    outcomes: tuple[Outcome, ...]
    seconds: float

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)

    @property
    def executed(self) -> list[str]:
        return sorted(o.job.label for o in self.outcomes if o.status == EXECUTED)

    def line(self) -> str:
        ran = [o for o in self.outcomes if o.status != UP_TO_DATE]
        if not ran:
            return (
                f"execute: nothing to execute, all {len(self.outcomes)} notebooks up to date "
                f"({self.seconds:.1f}s)"
            )
        mean = sum(o.seconds for o in ran) / len(ran)
        slowest = max(ran, key=lambda o: o.seconds)
        return (
            f"execute: {self.count(EXECUTED)} executed, {self.count(UP_TO_DATE)} up to date, "
            f"{self.count(FAILED)} failed in {self.seconds:.1f}s ({mean:.1f}s per notebook run; "
            f"slowest {slowest.job.label} {slowest.seconds:.1f}s)"
        )


def label(path: Path) -> str:
    """The path as the log names it: relative to the book when inside it."""
    path = Path(path).resolve()
    root = paths.project_root()
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)


def say(line: str) -> None:
    """Print a progress line now, also when stdout is a pipe (make, tee, CI logs)."""
    print(line, flush=True)


def is_page(job: Job) -> bool:
    """A template run (one page of a page set): executed in a warm kernel."""
    return Path(job.output).resolve() != Path(job.source).resolve()


def read_notebook(path: Path) -> nbformat.NotebookNode:
    """The notebook at ``path``; :class:`ExecutionError` in one line if it cannot be read."""
    try:
        return nbformat.read(str(path), as_version=4)
    except FileNotFoundError:
        raise ExecutionError(f"{label(path)}: notebook not found") from None
    except Exception as exc:  # nbformat raises several unrelated types for a corrupt file
        raise ExecutionError(f"{label(path)}: not a readable notebook ({exc})") from None
