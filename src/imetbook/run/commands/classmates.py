"""``classmates COUNTRY COUNTRY ...``: classes that officers of these countries shared.

The same analysis as the chapter ``chapters/classmates.ipynb``
(:func:`imetbook.analysis.classmates.shared_classes_for`), printed as a table, CSV or JSON.
Every class carries the report, page, source URL and record id of each row it rests on.
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import sys

import pandas as pd

from imetbook import vocab
from imetbook.chapters import params
from imetbook.data import countries as countries_mod
from imetbook.errors import ParameterError, UnknownCountryError
from imetbook.run.commands import rivalries_view

FORMATS = ("table", "csv", "json")
_SPAN = re.compile(r"^\s*(\d{4})\s*(?:-\s*(\d{4})\s*)?$")


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "classmates",
        help="classes that officers of two or more countries attended together",
        description="List the US training classes shared by officers of the given countries "
        "(same course, place and fiscal year, overlapping dates), with the report, page and "
        "source of every row.",
    )
    p.add_argument(
        "countries",
        nargs="*",
        metavar="COUNTRY",
        help="two or more country names, e.g. India Pakistan ('Sri Lanka' quoted)",
    )
    p.add_argument(
        "--fy",
        metavar="FIRST-LAST",
        help="fiscal years, e.g. 2002-2020 or 2010 (default: every year in the data)",
    )
    p.add_argument(
        "--program",
        default="IMET",
        help='"IMET" (default), "all", or one program family (e.g. FMF)',
    )
    p.add_argument(
        "--match",
        default="class",
        help='"class" (default: same course, place, overlapping dates) or '
        '"course-year" (same course and fiscal year only)',
    )
    p.add_argument("--format", default="table", choices=FORMATS, help="output format")
    rivalries_view.add_arguments(p)
    p.set_defaults(func=_run)


def parse_span(text: str | None) -> tuple[int | None, int | None]:
    """``"2002-2020"`` -> (2002, 2020); ``"2010"`` -> (2010, 2010); ``None`` -> (None, None)."""
    if text is None:
        return None, None
    m = _SPAN.match(text)
    if m is None:
        raise ParameterError(f"--fy: expected a year or a span like 2002-2020, got {text!r}")
    first = int(m[1])
    return first, int(m[2]) if m[2] else first


def check_countries(names: list[str], training: pd.DataFrame) -> None:
    """Unknown names fail with the closest country names that appear in the records."""
    in_records = sorted(set(training["country_name"].dropna()))
    for name in names:
        try:
            countries_mod.name_and_code(name)
        except UnknownCountryError:
            close = difflib.get_close_matches(name, in_records, n=3, cutoff=0.5)
            close = close or countries_mod.suggest(name)
            raise UnknownCountryError(
                f"unknown country {name!r}; closest names in the records: {', '.join(close)}"
            ) from None


def check_choices(program: str, match: str, training: pd.DataFrame) -> tuple[str, str]:
    """``--program`` and ``--match`` through the chapter's own validators."""
    from imetbook.analysis import classmates

    families = tuple(sorted(set(training["program"].dropna())))
    try:
        program = params.Program(families=families)(program)
        match = params.Choice(classmates.MATCH_KINDS)(match)
    except params.Invalid as exc:
        raise ParameterError(f"--program/--match: {exc}") from None
    return program, match


def _run(args: argparse.Namespace) -> int:
    from imetbook.analysis import classmates
    from imetbook.data import build, datasets

    first, last = parse_span(args.fy)
    build.ensure_current()  # never answer from tables older than the raw files
    if args.rivalries:
        sys.stdout.write(rivalries_view.run(args, first, last))
        return 0
    training = datasets.load("training")
    check_countries(args.countries, training)
    program, match = check_choices(args.program, args.match, training)
    result = classmates.shared_classes_for(training, args.countries, program, first, last, match)
    _warn_absent(result)
    sys.stdout.write(render(result, args.format))
    return 0


def _warn_absent(result) -> None:
    """A country with no rows at all is worth a note: the answer is empty for a reason."""
    q = result.query
    for row in result.coverage.itertuples(index=False):
        if row.rows == 0:
            print(
                f"note: {row.country} has no training rows (program {q.programs}, "
                f"{vocab.fy_span(q.fy_start, q.fy_end)}) in the records",
                file=sys.stderr,
            )


def headline(result) -> str:
    q = result.query
    kinds = result.classes["match"].value_counts()
    parts = ", ".join(f"{int(kinds.get(k, 0)):,} {k}" for k in ("class", "course-year"))
    return (
        f"{' / '.join(q.countries)}; program {q.programs}; {vocab.fy_span(q.fy_start, q.fy_end)}; "
        f"match {q.match}: {len(result.classes):,} shared classes ({parts})"
    )


def render(result, fmt: str) -> str:
    """The result as ``table``, ``csv`` or ``json`` text (deterministic)."""
    if fmt == "table":
        return _table(result)
    if fmt == "csv":
        return class_frame(result).to_csv(index=False, lineterminator="\n")
    if fmt == "json":
        return json.dumps(to_json(result), indent=1, ensure_ascii=False) + "\n"
    raise ParameterError(f"--format: {fmt!r} is not one of {', '.join(FORMATS)}")


def _table(result) -> str:
    from imetbook.chapters import classmates as chapter

    lines = [headline(result)]
    if not result.classes.empty:
        table = chapter.roster(result, links=False).astype("str").replace({"<NA>": "", "NaT": ""})
        lines += [
            "",
            table.to_string(index=False),
            "",
            "Source URLs and record ids of every row: --format csv or --format json.",
        ]
    return "\n".join(lines) + "\n"


def _iso(value: object) -> str | None:
    return None if pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


def _int(value: object) -> int | None:
    return None if pd.isna(value) else int(value)


def class_frame(result) -> pd.DataFrame:
    """One row per class: the class, students per country and its evidence (for CSV)."""
    from imetbook.analysis import classmates

    c = result.classes.copy()
    per_country = classmates.students_by_country(result).reset_index(drop=True)
    per_country.columns = [f"students_{name}" for name in per_country.columns]
    for col in ("start_date", "end_date"):
        c[col] = c[col].map(_iso)
    at = list(c.columns).index("students")
    return pd.concat([c.iloc[:, :at], per_country, c.iloc[:, at:]], axis=1)


def to_json(result) -> dict[str, object]:
    """The query, per-country coverage and every class with the rows it rests on."""
    from imetbook.analysis import classmates

    q = result.query
    per_country = classmates.students_by_country(result)
    rows_by_class = {k: g for k, g in result.rows.groupby("class_id", sort=False)}
    classes = []
    for c in result.classes.itertuples(index=False):
        evidence = rows_by_class[c.class_id]
        classes.append(
            {
                "class_id": c.class_id,
                "match": c.match,
                "fiscal_year": int(c.fiscal_year),
                "course_title": c.course_title,
                "course_key": c.course_key,
                "family": None if pd.isna(c.family) else c.family,
                "place": None if pd.isna(c.place) else c.place,
                "start_date": _iso(c.start_date),
                "end_date": _iso(c.end_date),
                "students": _int(c.students),
                "students_by_country": {k: _int(v) for k, v in per_country.loc[c.class_id].items()},
                "rows": [
                    {
                        "record_id": r.record_id,
                        "country": r.country_name,
                        "report": r.report,
                        "page": _int(r.page),
                        "source_url": r.source_url,
                        "document_url": None if pd.isna(r.document_url) else r.document_url,
                        "program": r.program,
                        "course_title": r.course_title,
                        "location": None if pd.isna(r.location) else r.location,
                        "start_date": _iso(r.start_date),
                        "end_date": _iso(r.end_date),
                        "students": _int(r.students),
                    }
                    for r in evidence.itertuples(index=False)
                ],
            }
        )
    return {
        "query": {
            "countries": list(q.countries),
            "programs": q.programs,
            "fy_start": q.fy_start,
            "fy_end": q.fy_end,
            "match": q.match,
        },
        "coverage": [
            {k: _int(v) if k != "country" else v for k, v in row.items()}
            for row in result.coverage.to_dict(orient="records")
        ],
        "classes": classes,
    }
