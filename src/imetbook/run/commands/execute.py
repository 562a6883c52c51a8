"""``execute``, ``html`` and ``run``: notebooks and the HTML book.

* ``execute [-j N] [--force] [NOTEBOOK...]`` runs the chapter notebooks and country pages whose
  inputs changed (see :mod:`imetbook.run.execute`);
* ``html`` builds ``_build/html`` with Jupyter Book, strictly (any Sphinx warning fails);
* ``run CHAPTER -p NAME VALUE ...`` runs one chapter with other parameters into
  ``_build/runs/``; values are YAML literals, so a list is ``-p countries '["India", "Nepal"]'``.
  It first brings the tables up to date, then checks the values and the spec's rules across
  them (merged over the notebook's defaults) before any kernel starts.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from imetbook import paths
from imetbook.errors import ImetbookError, ParameterError


def register(subparsers: argparse._SubParsersAction) -> None:
    e = subparsers.add_parser(
        "execute", help="execute the notebooks whose inputs changed (papermill, in parallel)"
    )
    e.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=None,
        metavar="N",
        help="notebooks executed at a time (default: one per core)",
    )
    e.add_argument("--force", action="store_true", help="execute even if up to date")
    e.add_argument(
        "notebooks",
        nargs="*",
        type=Path,
        metavar="NOTEBOOK",
        help="only these chapter notebooks, country pages or the country template",
    )
    e.set_defaults(func=_execute)

    h = subparsers.add_parser("html", help="build the HTML book into _build/html (strict)")
    h.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=None,
        metavar="N",
        help="Sphinx processes reading and writing pages (default: one per core)",
    )
    h.set_defaults(func=_html)

    r = subparsers.add_parser(
        "run", help="run one chapter with other parameters into _build/runs/ (never chapters/)"
    )
    r.add_argument("chapter", metavar="CHAPTER", help="chapter name, e.g. sources or profile")
    r.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help='a parameter; VALUE is a YAML literal: 2010, Nepal, \'["India", "Nepal"]\'',
    )
    r.add_argument("--force", action="store_true", help="execute even if an identical run exists")
    r.add_argument(
        "--list",
        action="store_true",
        help="print the chapter's parameters (type, default, help) and rules; run nothing",
    )
    r.set_defaults(func=_run)


def _tables_current() -> None:
    """Bring the tables up to date before any kernel or page reads them (``datasets.load``
    never builds). A project without raw data (a test's small book) has none to build."""
    from imetbook.data import build

    if paths.raw_dir().is_dir():
        build.ensure_current()


def _execute(args: argparse.Namespace) -> int:
    from imetbook.run import execute

    if args.jobs is not None and args.jobs < 1:
        raise ImetbookError(f"-j must be at least 1, got {args.jobs}")
    _tables_current()
    execute.execute_book(args.notebooks, workers=args.jobs, force=args.force)
    return 0


class _LiteralLoader(yaml.SafeLoader):
    """YAML without dates: ``2020-01-01`` stays text, as papermill's own loader does."""


_LiteralLoader.yaml_implicit_resolvers = {
    key: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def parse_values(pairs: list[list[str]]) -> dict[str, object]:
    """``-p NAME VALUE`` pairs to a dict, each value read as a YAML literal."""
    values: dict[str, object] = {}
    for name, text in pairs:
        if name in values:
            raise ParameterError(f"parameter {name!r} given twice")
        try:
            values[name] = yaml.load(text, Loader=_LiteralLoader)  # noqa: S506 (safe loader)
        except yaml.YAMLError as exc:
            problem = " ".join(str(getattr(exc, "problem", None) or exc).split())
            raise ParameterError(
                f"parameter {name!r}: {text!r} is not a YAML literal ({problem})"
            ) from None
    return values


def _run(args: argparse.Namespace) -> int:
    """Tables brought up to date, then every parameter and every rule of the chapter's spec
    checked on the values over the notebook's defaults: all before a kernel starts."""
    from imetbook.chapters import params
    from imetbook.data import build
    from imetbook.run import execute

    values = parse_values(args.parameter)
    notebook = execute.chapter_notebook(args.chapter)
    if args.list:
        print(params.listing(args.chapter, notebook))
        return 0
    params.validate(args.chapter, values)  # names and types first: no build for a typo
    if build.ensure_current().built:
        params.forget_data()  # bounds read from the tables before they were rebuilt
    params.validate_run(args.chapter, notebook, values)
    execute.run_chapter(args.chapter, values, force=args.force)
    return 0


# jupyter-book's command line has no -j, but the build_sphinx it calls takes ``jobs`` and
# passes it to Sphinx, which then reads and writes pages in parallel processes (every extension
# of this book declares itself parallel safe). This runs the same command line with ``jobs``.
_JUPYTER_BOOK_WITH_JOBS = """
import functools, sys
import jupyter_book.sphinx
from jupyter_book.cli.main import main
jupyter_book.sphinx.build_sphinx = functools.partial(
    jupyter_book.sphinx.build_sphinx, jobs=int(sys.argv.pop(1))
)
sys.argv[0] = "jupyter-book"
main()
"""


def html_command(root: Path, jobs: int, path_output: Path | None = None) -> list[str]:
    """The command line of the strict HTML build of ``root`` with ``jobs`` Sphinx processes
    (into ``path_output``/_build/html if given, else ``root``/_build/html)."""
    out = ["--path-output", str(path_output)] if path_output is not None else []
    return [sys.executable, "-c", _JUPYTER_BOOK_WITH_JOBS, str(jobs), "build", str(root), *out,
            "--warningiserror", "--keep-going", "--builder", "html"]  # fmt: skip


def build_html(root: Path | None = None, jobs: int | None = None) -> None:
    """``jupyter-book build . --warningiserror --keep-going --builder html`` in ``root``,
    with ``jobs`` Sphinx processes (default: one per core).

    On failure Sphinx's saved environment is removed: an incremental rebuild would otherwise
    skip the pages that warned and pass.
    """
    root = root or paths.project_root()
    jobs = jobs or paths.available_cores()
    if jobs < 1:
        raise ImetbookError(f"-j must be at least 1, got {jobs}")
    try:
        import jupyter_book  # noqa: F401
    except ImportError:
        raise ImetbookError("jupyter-book not found; run `make venv`") from None
    code = subprocess.call(html_command(root, jobs), cwd=root)
    if code != 0:
        shutil.rmtree(root / "_build" / ".doctrees", ignore_errors=True)
        raise ImetbookError(
            f"html: jupyter-book build failed (exit {code}); see the warnings above"
        )


def _html(args: argparse.Namespace) -> int:
    if args.jobs is not None and args.jobs < 1:
        raise ImetbookError(f"-j must be at least 1, got {args.jobs}")
    _tables_current()  # the downloads it ships are written by the build
    build_html(jobs=args.jobs)
    return 0
