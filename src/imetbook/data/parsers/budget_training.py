"""``training_value``: IMET training delivered per country and fiscal year, as funding rows.

``training_value`` rows are computed from the ``training`` table: per ISO code and fiscal year,
the sum of ``cost_usd`` and of ``students`` over IMET rows (``is_imet``) of status ``actual``.
Rows without an ISO code (non-country headings, merged countries) are left out, as the measure
is per country. Groups where no row prints a cost are gaps (see :func:`funding_gaps`).
"""

from __future__ import annotations

import pandas as pd

from imetbook.data import countries
from imetbook.errors import DataError

TRAINING_TITLE = (
    "Foreign Military Training and DoD Engagement Activities of Interest, Vol. I, Section IV "
    "(country training activities), course records as extracted by Security Force Monitor"
)
TRAINING_COLUMNS = (
    "report",
    "fiscal_year",
    "status",
    "region",
    "iso3",
    "is_imet",
    "students",
    "cost_usd",
    "source_url",
)


def _check_training(training: pd.DataFrame) -> None:
    missing = [c for c in TRAINING_COLUMNS if c not in training.columns]
    if missing:
        raise DataError(f"training: missing column(s) {', '.join(missing)}")


def _imet_actual(training: pd.DataFrame) -> pd.DataFrame:
    _check_training(training)
    keep = training["is_imet"].astype(bool) & training["status"].eq("actual").fillna(False)
    keep &= training["iso3"].notna()
    return training[keep]


def _training_groups(training: pd.DataFrame) -> pd.DataFrame:
    rows = _imet_actual(training).assign(
        no_cost=lambda d: d["cost_usd"].isna().astype("int64"),
        no_students=lambda d: d["students"].isna().astype("int64"),
    )
    grouped = rows.groupby(["iso3", "fiscal_year"], sort=True)
    out = grouped.agg(
        amount_usd=("cost_usd", "sum"),
        students=("students", "sum"),
        n_rows=("cost_usd", "size"),
        no_cost=("no_cost", "sum"),
        no_students=("no_students", "sum"),
    )
    # A sum over nothing printed is a gap, not zero.
    out.loc[out["no_cost"] == out["n_rows"], "amount_usd"] = float("nan")
    out["students"] = out["students"].astype("Int64")
    out.loc[out["no_students"] == out["n_rows"], "students"] = pd.NA
    # Few (country, year) groups: joining their labels in Python is faster than per-group pandas.
    reports: dict[tuple, list[str]] = {}
    per_report = rows.groupby(["iso3", "fiscal_year", "report"], sort=True).size()
    for (iso3, fy, report), n in per_report.items():
        reports.setdefault((iso3, fy), []).append(f"{report} ({n} rows)")
    urls: dict[tuple, list[str]] = {}
    unique_urls = rows[["iso3", "fiscal_year", "source_url"]].dropna().drop_duplicates()
    for iso3, fy, url in sorted(unique_urls.itertuples(index=False, name=None)):
        urls.setdefault((iso3, fy), []).append(url)
    out["reports"] = ["; ".join(reports[k]) for k in out.index]
    out["source_url"] = ["; ".join(urls.get(k, [])) or None for k in out.index]
    return out.reset_index()


def _training_note(n_rows: int, no_cost: int, no_students: int) -> str:
    parts = [f"sum over {n_rows} IMET course rows of status actual"]
    if no_cost:
        parts.append(f"{no_cost} without a printed cost (left out of the sum)")
    if no_students:
        parts.append(f"{no_students} without a student count")
    return "; ".join(parts)


# Reconciliation statuses of a report group that feeds a training value.
_FAILED = ("mismatch", "no_parsed_rows")


def _feeding_groups(training: pd.DataFrame, reconciliation: pd.DataFrame) -> pd.DataFrame:
    """The reconciliation's IMET program groups of each (report, iso3, fiscal year) that a
    training value sums (status actual), with their status."""
    fed = _imet_actual(training)[["report", "iso3", "fiscal_year"]].drop_duplicates()
    r = reconciliation[
        reconciliation["level"].eq("program")
        & reconciliation["program"].eq("IMET")
        & reconciliation["iso3"].notna()
        & reconciliation["fiscal_year"].notna()
    ]
    r = r.astype({"fiscal_year": "int64"})
    cols = ["report", "iso3", "fiscal_year", "status", "printed_cost", "parsed_cost"]
    return fed.merge(r[cols], on=["report", "iso3", "fiscal_year"], how="left")


def _quality(groups: pd.DataFrame, reconciliation: pd.DataFrame | None, training) -> tuple:
    """Per training-value group: its quality (see ``schema.FUNDING_QUALITY``) and a note
    naming the report groups that fail reconciliation."""
    if reconciliation is None:
        return [None] * len(groups), [""] * len(groups)
    fed = _feeding_groups(training, reconciliation)
    failed = fed["status"].isin(_FAILED)
    unchecked = fed["status"].isna() | fed["status"].eq("no_printed_total")
    key = ["iso3", "fiscal_year"]
    flags = fed.assign(_failed=failed, _unchecked=unchecked).groupby(key)[["_failed", "_unchecked"]]
    flags = flags.any()
    bad = fed[failed]
    notes = pd.Series(
        [
            f"doubtful: report {r} prints ${p:,.0f} for this IMET group, its course rows add up "
            f"to ${c:,.0f} (see reconciliation)"
            for r, p, c in zip(bad["report"], bad["printed_cost"], bad["parsed_cost"], strict=True)
        ],
        index=bad.index,
        dtype=object,
    )
    notes = notes.groupby([bad["iso3"], bad["fiscal_year"]]).agg("; ".join)
    where = pd.MultiIndex.from_frame(groups[key].astype({"fiscal_year": "int64"}))
    f = flags.reindex(where)
    quality = [
        "unchecked" if pd.isna(a) else "doubtful" if a else "unchecked" if b else "checked"
        for a, b in zip(f["_failed"], f["_unchecked"], strict=True)
    ]
    return quality, [n if isinstance(n, str) else "" for n in notes.reindex(where)]


def training_value(
    training: pd.DataFrame, reconciliation: pd.DataFrame | None = None
) -> pd.DataFrame:
    """``training_value`` figures (funding columns but ``region``) from the ``training`` table;
    with ``reconciliation``, each gets its ``quality`` (a value built from a report group whose
    printed total its rows do not match is ``doubtful``, with the group named in the note)."""
    groups = _training_groups(training)
    groups = groups[groups["amount_usd"].notna()]
    quality, doubts = _quality(groups, reconciliation, training)
    return pd.DataFrame(
        {
            "country_name": [countries.canonical_name(c) for c in groups["iso3"]],
            "iso3": groups["iso3"].to_numpy(),
            "scope": "country",
            "is_total": False,
            "fiscal_year": groups["fiscal_year"].astype("int64").to_numpy(),
            "measure": "training_value",
            "amount_usd": groups["amount_usd"].astype("float64").to_numpy(),
            "students": pd.array(groups["students"], dtype="Int64"),
            "source": "fmtr",
            "source_title": TRAINING_TITLE,
            "source_url": groups["source_url"].to_numpy(),
            "locator": [f"Section IV, report {r}" for r in groups["reports"]],
            "note": [
                "; ".join(p for p in (_training_note(n, c, s), d) if p)
                for n, c, s, d in zip(
                    groups["n_rows"], groups["no_cost"], groups["no_students"], doubts, strict=True
                )
            ],
            "edition": None,
            "quality": quality,
        }
    )
