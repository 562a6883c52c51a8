"""Where evidence exists: which funding measures a source gives for which country and year.

:func:`coverage_matrix` is *tidy*: one row for every requested country, fiscal year and
measure, so a missing figure is a row with ``n_figures == 0`` (a visible gap), never an absent
row. :func:`coverage_pivot` turns it into the at-a-glance grid the "Data and sources" chapter
prints (rows: country and measure; columns: fiscal years; cells: the source keys); the
chart of it is :func:`imetbook.figures.coverage.draw_evidence`.
Only country rows count: region and world lines say nothing about one country.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from imetbook import vocab
from imetbook.analysis.budget import CHAIN
from imetbook.data import countries
from imetbook.errors import DataError, ParameterError

COLUMNS = ["iso3", "country_name", "fiscal_year", "measure", "n_figures", "sources", "present"]
ABSENT = ""


def _check(funding: pd.DataFrame, codes: Sequence[str], fy_start: int, fy_end: int) -> None:
    missing = [
        c for c in ("scope", "iso3", "fiscal_year", "measure", "source") if c not in funding.columns
    ]
    if missing:
        raise DataError(f"funding: missing column(s) {', '.join(missing)}")
    if isinstance(codes, str) or not codes:
        raise ParameterError("countries must be a non-empty list of ISO alpha-3 codes")
    vocab.check_order(fy_start, fy_end)


def coverage_matrix(
    funding: pd.DataFrame, countries_: Sequence[str], fy_start: int, fy_end: int
) -> pd.DataFrame:
    """For each country (ISO alpha-3), fiscal year in ``[fy_start, fy_end]`` and measure of
    :data:`imetbook.data.vocab.MEASURES`: how many funding figures exist and from which sources.

    Columns: ``iso3, country_name, fiscal_year, measure, n_figures, sources`` (source keys,
    sorted, ``;``-separated; empty when there is none) and ``present`` (``n_figures > 0``).
    Rows come in the order of ``countries_``, then year, then measure in contract order.
    An unknown code raises :class:`~imetbook.errors.UnknownCountryError`.
    """
    _check(funding, countries_, fy_start, fy_end)
    codes = list(dict.fromkeys(countries_))
    names = {c: countries.canonical_name(c) for c in codes}
    grid = pd.MultiIndex.from_product(
        [codes, range(fy_start, fy_end + 1), vocab.MEASURES],
        names=["iso3", "fiscal_year", "measure"],
    ).to_frame(index=False)
    rows = funding[funding["scope"].eq("country").fillna(False) & funding["iso3"].isin(codes)]
    counts = (
        rows.groupby(["iso3", "fiscal_year", "measure"])
        .agg(
            n_figures=("source", "size"),
            sources=("source", lambda s: ";".join(sorted(set(s)))),
        )
        .reset_index()
    )
    out = grid.merge(counts, on=["iso3", "fiscal_year", "measure"], how="left")
    out["n_figures"] = out["n_figures"].fillna(0).astype("int64")
    out["sources"] = out["sources"].fillna(ABSENT).astype("str")
    out["present"] = out["n_figures"] > 0
    out["country_name"] = out["iso3"].map(names).astype("str")
    out["iso3"] = out["iso3"].astype("str")
    out["measure"] = out["measure"].astype("str")
    out["fiscal_year"] = out["fiscal_year"].astype("int64")
    return out[COLUMNS]


def _require(coverage: pd.DataFrame) -> None:
    missing = [c for c in COLUMNS if c not in coverage.columns]
    if missing:
        raise DataError(f"coverage: missing column(s) {', '.join(missing)}")


def coverage_pivot(
    coverage: pd.DataFrame, measures: Sequence[str] | None = None, values: str = "sources"
) -> pd.DataFrame:
    """The grid to print: one row per country and measure, one column per fiscal year.

    Cells hold the source keys (empty string: no figure), or with ``values="n_figures"`` the
    number of figures (0: none). ``measures`` restricts and orders the rows' measures (default:
    those present for at least one country, in contract order).
    """
    _require(coverage)
    if values not in ("sources", "n_figures"):
        raise ParameterError(f"values must be 'sources' or 'n_figures', not {values!r}")
    if measures is None:
        seen = set(coverage.loc[coverage["present"], "measure"])
        measures = [m for m in vocab.MEASURES if m in seen]
    unknown = [m for m in measures if m not in vocab.MEASURES]
    if unknown:
        raise ParameterError(f"unknown measure(s) {', '.join(unknown)}")
    rows = coverage[coverage["measure"].isin(measures)]
    order = {m: i for i, m in enumerate(measures)}
    country_order = {c: i for i, c in enumerate(dict.fromkeys(coverage["country_name"]))}
    wide = rows.pivot(index=["country_name", "measure"], columns="fiscal_year", values=values)
    keys = sorted(wide.index, key=lambda k: (country_order[k[0]], order[k[1]]))
    return wide.loc[keys]


# --- the chapter's grid and summary ------------------------------------------------

ABSENT_MARK = "\u00b7"  # a middle dot: "no figure", distinct from the CRS dash a source prints
# Kinds of evidence the chart shows as one stripe each: what budget documents plan or report,
# what was legally committed, and what training was delivered. Every measure is in one kind.
EVIDENCE: tuple[tuple[str, tuple[str, ...]], ...] = (
    # The money chain up to the first measure that is not in a budget document.
    ("budget documents", CHAIN[: CHAIN.index("obligation")]),
    ("obligation (Greenbook)", ("obligation",)),
    ("training delivered (FMTR)", ("training_value",)),
)
GAP_COLUMNS = ["iso3", "fiscal_year", "measure", "reason"]


def coverage_grid(coverage: pd.DataFrame, measures: Sequence[str] | None = None) -> pd.DataFrame:
    """:func:`coverage_pivot` as a compact table: cells count the figures (text), a cell with
    none holds :data:`ABSENT_MARK`, and a last column ``sources`` names the source keys of the
    row's figures in any year (``none`` when the row is empty). Year columns are text."""
    counts = coverage_pivot(coverage, measures, values="n_figures")
    grid = counts.map(lambda n: str(n) if n > 0 else ABSENT_MARK)
    grid.columns = [str(c) for c in counts.columns]
    present = coverage[coverage["present"]]
    keys = present.groupby(["country_name", "measure"])["sources"].agg(
        lambda s: "; ".join(sorted({k for v in s for k in v.split(";")}))
    )
    grid["sources"] = [keys.get(k, "none") for k in grid.index]
    return grid


def evidence_by_year(coverage: pd.DataFrame) -> pd.DataFrame:
    """Per country, fiscal year and kind of evidence (:data:`EVIDENCE`): is there any figure?

    Columns ``iso3, country_name, fiscal_year, evidence, present``; rows in the coverage's
    country order, then year, then kind.
    """
    _require(coverage)
    kind = {m: k for k, ms in EVIDENCE for m in ms}
    frame = coverage.assign(evidence=coverage["measure"].map(kind))
    if frame["evidence"].isna().any():
        unknown = sorted(set(frame.loc[frame["evidence"].isna(), "measure"]))
        raise DataError(f"coverage: measure(s) in no kind of evidence: {', '.join(unknown)}")
    out = (
        frame.groupby(["iso3", "country_name", "fiscal_year", "evidence"], sort=False)["present"]
        .any()
        .reset_index()
    )
    country_order = {c: i for i, c in enumerate(dict.fromkeys(coverage["iso3"]))}
    kind_order = {k: i for i, (k, _) in enumerate(EVIDENCE)}
    out = out.sort_values(
        ["iso3", "fiscal_year", "evidence"],
        key=lambda col: (
            col.map(country_order)
            if col.name == "iso3"
            else (col.map(kind_order) if col.name == "evidence" else col)
        ),
    )
    return out.reset_index(drop=True)


def coverage_summary(coverage: pd.DataFrame) -> dict[str, object]:
    """Counts of country-years with evidence, for the chapter's answer.

    ``country_years`` (countries x years), ``with_any`` (any figure), ``with_budget`` (a figure
    other than ``training_value``), ``with_training`` (a ``training_value``), ``with_both``,
    ``with_none``, ``multi_source`` (country-year-measure cells with figures from two or more
    sources), ``no_training`` (names of countries with no ``training_value`` in any year) and
    ``no_figures`` (names of countries with no figure at all), in the coverage's country order.
    """
    _require(coverage)
    cells = coverage.assign(training=coverage["measure"].eq("training_value"))
    by_year = cells.groupby(["iso3", "fiscal_year"]).apply(
        lambda g: pd.Series(
            {
                "budget": bool(g.loc[~g["training"], "present"].any()),
                "training": bool(g.loc[g["training"], "present"].any()),
            }
        ),
        include_groups=False,
    )
    names = dict(zip(coverage["iso3"], coverage["country_name"], strict=True))
    trained = set(cells.loc[cells["training"] & cells["present"], "iso3"])
    evidenced = set(cells.loc[cells["present"], "iso3"])
    both = by_year["budget"] & by_year["training"]
    return {
        "country_years": len(by_year),
        "with_any": int((by_year["budget"] | by_year["training"]).sum()),
        "with_budget": int(by_year["budget"].sum()),
        "with_training": int(by_year["training"].sum()),
        "with_both": int(both.sum()),
        "with_none": int((~(by_year["budget"] | by_year["training"])).sum()),
        "multi_source": int(coverage["sources"].str.contains(";", regex=False).sum()),
        "no_training": [name for code, name in names.items() if code not in trained],
        "no_figures": [name for code, name in names.items() if code not in evidenced],
    }


def single_year_gaps(gaps: pd.DataFrame, coverage: pd.DataFrame) -> pd.DataFrame:
    """Known source gaps (``sources.budget.funding_gaps``) that fall in one cell of the grid:
    a single fiscal year, for a country and year the coverage holds.

    Multi-year totals are left out: they are a figure for several years at once, not a gap
    in one year. Columns :data:`GAP_COLUMNS`.
    """
    missing = [c for c in ("iso3", "fiscal_years", "measure", "reason") if c not in gaps.columns]
    if missing:
        raise DataError(f"funding gaps: missing column(s) {', '.join(missing)}")
    single = gaps[gaps["fiscal_years"].str.fullmatch(r"\d{4}")]
    out = pd.DataFrame(
        {
            "iso3": single["iso3"].astype("str"),
            "fiscal_year": single["fiscal_years"].astype("int64"),
            "measure": single["measure"].astype("str"),
            "reason": single["reason"].astype("str"),
        }
    )
    keys = coverage[["iso3", "fiscal_year", "measure"]]
    out = out.merge(keys, on=["iso3", "fiscal_year", "measure"], how="inner")
    return out.sort_values(GAP_COLUMNS).reset_index(drop=True)[GAP_COLUMNS]
