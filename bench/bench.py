"""Benchmark the FMTR parse against a naive baseline on the same files (``make bench``).

Not a test: it prints wall-clock and CPU seconds and rows per second for

* ``imetbook``: :func:`imetbook.sources.fmtr.build_tables` on ``data/raw/fmtr`` (checksums,
  gunzip, XML and HTML parse, cleaning, regions, reconciliation: the four tables);
* ``naive``: per file, gunzip then ``pandas.read_xml(..., xpath="//training")`` for the XML
  and ``pandas.read_html`` for the 2006-2007 HTML pages, with no cleaning at all;

and the ratio of their rates. Rows are raw elements in both cases (every ``<training>``
element or HTML table row read), so the rates compare the same work. Each side runs
``--repeat`` times (default 3); the best run is reported.
"""

from __future__ import annotations

import argparse
import gzip
import io
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from imetbook import paths
from imetbook.manifest import read_manifest
from imetbook.sources import fmtr


def ours(fmtr_dir: Path) -> int:
    tables = fmtr.build_tables(fmtr_dir)
    return len(tables["training"]) + len(tables["fmtr_excluded"])


def naive(fmtr_dir: Path) -> int:
    n = 0
    for row in read_manifest(fmtr_dir / "MANIFEST.csv"):
        data = gzip.decompress((fmtr_dir / row["staged_file"]).read_bytes())
        if row["staged_file"].endswith(".xml.gz"):
            n += len(pd.read_xml(io.BytesIO(data), xpath="//training", parser="lxml"))
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                frames = pd.read_html(io.StringIO(data.decode("utf-8")), flavor="lxml")
            n += sum(len(f) for f in frames)
    return n


def timed(func: Callable[[Path], int], fmtr_dir: Path, repeat: int) -> tuple[int, float, float]:
    """Rows, best wall seconds and best CPU seconds over ``repeat`` runs."""
    best_wall = best_cpu = float("inf")
    rows = 0
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        rows = func(fmtr_dir)
        best_wall = min(best_wall, time.perf_counter() - w0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    return rows, best_wall, best_cpu


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fmtr", type=Path, default=paths.raw_dir() / "fmtr")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    results = {}
    for name, func in (("imetbook", ours), ("naive", naive)):
        rows, wall, cpu = timed(func, args.fmtr, args.repeat)
        results[name] = rows / wall
        print(
            f"{name:>9}: {rows:>8,} rows  {wall:6.2f} s wall  {cpu:6.2f} s CPU  "
            f"{rows / wall:>10,.0f} rows/s"
        )
    print(
        f"    ratio: imetbook / naive = {results['imetbook'] / results['naive']:.2f}x "
        f"(best of {args.repeat}; imetbook also verifies checksums and cleans every value)"
    )


if __name__ == "__main__":
    main()
