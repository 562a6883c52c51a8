"""``classmates --rivalries``: shared classes of every strategic rivalry, year by year.

The same analysis as the chapter ``chapters/rivalries.ipynb``
(:func:`imetbook.analysis.rivalries.rivalry_classes`), with the same parameters, validated
before any work starts. ``table`` prints the rivalries that met and those that never did;
``csv`` lists every shared class with its tier, report pages and record ids; ``json`` holds the
query, the per-year counts, every rivalry and every class with the report rows it rests on.
"""

from __future__ import annotations

import argparse
import json

import pandas as pd

from imetbook import vocab
from imetbook.analysis.classmates import EVIDENCE_COLUMNS
from imetbook.errors import ParameterError


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--rivalries",
        action="store_true",
        help="instead of countries: every strategic rivalry (Thompson, Sakuwa and Suhas 2021) "
        "active in the years asked, with its shared classes and their PME tiers",
    )
    p.add_argument(
        "--tier",
        default="all",
        help='with --rivalries: PME tier of the classes counted ("all" or e.g. "senior")',
    )
    p.add_argument(
        "--min-classes",
        default="1",
        metavar="N",
        help="with --rivalries: shared classes a rivalry needs in a year to count as meeting",
    )


def _min_classes(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ParameterError(f"--min-classes: expected a whole number, got {text!r}") from None


def run(args: argparse.Namespace, first: int | None, last: int | None) -> str:
    """The rivalries answer as text in the requested format."""
    from imetbook.analysis import rivalries
    from imetbook.data import datasets

    if args.countries:
        raise ParameterError("--rivalries lists every rivalry: give no country names with it")
    if args.match != "class":
        raise ParameterError("--rivalries matches classes only (--match class)")
    training = datasets.load("training")
    result = rivalries.rivalry_classes(
        training, args.program, args.tier, first, last, _min_classes(args.min_classes)
    )
    return render(result, args.format, datasets.load("rules"))


def headline(result) -> str:
    q = result.query
    met = int((result.rivalries["years meets"] > 0).sum())
    return (
        f"rivalries active {vocab.fy_span(q.fy_start, q.fy_end)}: {len(result.rivalries):,}; "
        f"program "
        f"{q.programs}; tier {q.tier}; at least {q.min_classes} shared class(es) in a year: "
        f"{met:,} rivalries met, {int(result.classes['counted'].sum()):,} shared classes"
    )


def render(result, fmt: str, rules: pd.DataFrame) -> str:
    from imetbook.analysis import rivalries
    from imetbook.chapters import rivalries as chapter

    if fmt == "csv":
        return rivalries.class_list(result).to_csv(index=False, lineterminator="\n")
    if fmt == "json":
        return json.dumps(to_json(result), indent=1, ensure_ascii=False) + "\n"
    if fmt != "table":
        raise ParameterError(f"--format: {fmt!r} is not one of table, csv, json")
    top = rivalries.top_rivalries(result, top=None).astype("str").replace({"<NA>": ""})
    never = chapter.never_met(result, rules)
    lines = [headline(result), "", "Rivalries that met:"]
    lines.append(top.to_string(index=False) if len(top) else "(none)")
    lines += ["", "Rivalries that never met, and why:"]
    lines.append(never.to_string(index=False) if len(never) else "(none)")
    lines += ["", "Every shared class, with report pages and record ids: --format csv or json."]
    return "\n".join(lines) + "\n"


def _plain(value: object) -> object:
    if value is None or (not isinstance(value, str | list | dict) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if hasattr(value, "item"):
        return value.item()
    return value


def _records(frame: pd.DataFrame) -> list[dict[str, object]]:
    return [{k: _plain(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def to_json(result) -> dict[str, object]:
    """Query, per-year counts, rivalries, and every counted class with its report rows."""
    from imetbook.analysis import rivalries

    q = result.query
    rows = result.rows.assign(
        start_date=result.rows["start_date"].map(_plain),
        end_date=result.rows["end_date"].map(_plain),
    )
    by_class = {k: g for k, g in rows.groupby(["rivalry_id", "class_id"], sort=False)}
    classes = []
    counted = result.classes[result.classes["counted"]]
    for c in counted.itertuples(index=False):
        evidence = by_class[(c.rivalry_id, c.class_id)]
        classes.append(
            {
                "rivalry": c.rivalry,
                "class_id": c.class_id,
                "fiscal_year": int(c.fiscal_year),
                "tier": c.tier,
                "preparatory": bool(c.preparatory),
                "match": c.match,
                "course_title": c.course_title,
                "place": _plain(c.place),
                "start_date": _plain(c.start_date),
                "end_date": _plain(c.end_date),
                "countries": c.countries.split("; "),
                "students": _plain(c.students),
                "rows": _records(evidence[list(EVIDENCE_COLUMNS)]),
            }
        )
    return {
        "query": {
            "programs": q.programs,
            "tier": q.tier,
            "fy_start": q.fy_start,
            "fy_end": q.fy_end,
            "min_classes": q.min_classes,
        },
        "per_year": _records(rivalries.per_year(result)),
        "rivalries": _records(result.rivalries),
        "classes": classes,
    }
