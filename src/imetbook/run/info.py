"""``python -m imetbook data info``: what the built tables hold, as plain text.

FMTR course records: rows per report and per program family, the excluded elements, and the
reconciliation with the printed totals (match rate per report). Every other built table:
generic coverage (rows; countries, fiscal years and measures where the table has them).
Tables are read with :func:`imetbook.data.datasets.load` and never built here.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from imetbook.analysis import quality
from imetbook.data import datasets, schema
from imetbook.errors import DataError
from imetbook.vocab import fy_span, plural

FMTR_TABLES = ("training", "printed_totals", "reconciliation", "fmtr_excluded")


def _load(name: str, processed: Path | None) -> pd.DataFrame | None:
    """The table, or None if it was not built (stale tables are an error: see ``load``)."""
    if not datasets.table_path(name, processed).is_file():
        return None
    return datasets.load(name, processed)


def _section(title: str, body: str) -> str:
    return f"{title}\n{'-' * len(title)}\n{body}\n"


def _fmt(df: pd.DataFrame) -> str:
    return df.to_string(float_format=lambda x: f"{x:,.0f}" if abs(x) >= 10 else f"{x:.3f}")


def _training(training: pd.DataFrame) -> list[str]:
    by_report = quality.rows_by_report(training)
    by_report.loc["all"] = by_report.sum()
    head = (
        f"{len(training):,} rows, {training['report'].nunique()} reports "
        f"({training['report'].min()} to {training['report'].max()})"
    )
    return [
        _section(f"FMTR training: {head}", _fmt(by_report)),
        _section("Rows per program family", _fmt(quality.rows_by_program(training))),
    ]


def _reconciliation(recon: pd.DataFrame) -> list[str]:
    summary = quality.reconciliation_summary(recon)
    program = recon[recon["level"].eq("program")]
    compared = int(program["status"].isin(quality.COMPARED).sum())
    lines = [
        f"Program totals matched: {quality.match_rate(recon):.1%} of the {compared:,} "
        "(region file, country, program) groups with a printed total.",
    ]
    no_totals = summary[summary["compared"].eq(0)].index.get_level_values("report")
    if len(no_totals):
        lines.append("Reports printed without totals rows: " + ", ".join(sorted(no_totals)))
    mism = quality.mismatches(recon)
    lines.append(f"Groups not matched: {len(mism):,} (quality.mismatches lists them all).")
    return [
        _section(
            "Reconciliation with the printed totals", "\n".join(lines) + "\n\n" + _fmt(summary)
        )
    ]


def _excluded(excluded: pd.DataFrame) -> list[str]:
    return [
        _section(
            "Raw elements not in training, by reason", _fmt(quality.excluded_by_reason(excluded))
        )
    ]


def coverage(df: pd.DataFrame) -> dict[str, object]:
    """Generic coverage of a table: rows, and the countries, fiscal years and measures it
    covers where it has such columns."""
    out: dict[str, object] = {"rows": len(df)}
    if "country_name" in df.columns:
        out["countries"] = int(df["country_name"].nunique())
    if "fiscal_year" in df.columns and df["fiscal_year"].notna().any():
        span = fy_span(df["fiscal_year"].min(), df["fiscal_year"].max())
        out["fiscal_years"] = f"{span} ({plural(df['fiscal_year'].nunique(), 'year', 'years')})"
    if "measure" in df.columns:
        counts = df["measure"].value_counts().sort_index()
        out["measures"] = ", ".join(f"{m} {n:,}" for m, n in counts.items())
    grid = [c for c in ("country_name", "fiscal_year", "measure") if c in df.columns]
    if len(grid) == 3:
        out["country x year x measure cells"] = len(df[grid].drop_duplicates())
    return out


def _other(name: str, df: pd.DataFrame | None) -> str:
    if df is None:
        return f"{name}: not built"
    cov = coverage(df)
    return f"{name}: " + "; ".join(
        f"{k} {v:,}" if isinstance(v, int) else f"{k} {v}" for k, v in cov.items()
    )


def report(processed: Path | None = None) -> str:
    """The text printed by ``python -m imetbook data info``."""
    training = _load("training", processed)
    if training is None:
        raise DataError("training table not built; run `python -m imetbook data build`")
    parts = _training(training)
    recon = _load("reconciliation", processed)
    if recon is not None:
        parts += _reconciliation(recon)
    excluded = _load("fmtr_excluded", processed)
    if excluded is not None:
        parts += _excluded(excluded)
    others = [n for n in schema.CONTRACTS if n not in FMTR_TABLES]
    parts.append(
        _section("Other tables", "\n".join(_other(n, _load(n, processed)) for n in others))
    )
    return "\n".join(parts).rstrip() + "\n"
