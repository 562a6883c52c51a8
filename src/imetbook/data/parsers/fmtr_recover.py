"""Values and rows of the FMTR reports that the extraction lost, recovered where the source
still prints them; every recovered value carries a flag naming its rule.

* the merged columns of 2009-2010 (:func:`recover_merged_columns`);
* the original documents of 1999-2000 to 2005-2006 (:func:`apply_documents`, with
  :mod:`imetbook.data.parsers.fmtr_reports`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from imetbook.data.parsers import fmtr_fields as F
from imetbook.data.parsers.fmtr_flags import FLAG as _FLAG
from imetbook.data.parsers.fmtr_flags import add_flag
from imetbook.data.parsers.fmtr_reconcile import COST_TOLERANCE
from imetbook.errors import DataError

# Reports whose extraction merged columns: a row's lost cost sits at the end of the
# students' unit ('AF STN KANPUR 13735'), a lost quantity at the end of the title.
COLUMN_MERGE_REPORTS = ("2009-2010",)
_TRAILING_NUMBER = r"^(?P<text>.*\S)\s+(?P<n>\d+)$"
# A cost read from the end of a unit or place has three digits at least: shorter trailing
# numbers are parts of names ('1st CTE, 31' for '1st CTE, 31ºRIM').
_TRAILING_COST = r"^(?P<text>.*\S)\s+(?P<n>\d{3,})$"


_DATE = r"\d{1,2}/\d{1,2}/\d{4}"
_NUMBER_THEN_DATES = rf"^(?P<text>.*\S)\s+(?P<n>\d{{3,}})\s+(?P<d1>{_DATE})(?:\s+(?P<d2>{_DATE}))?$"


def _cost_from(el: pd.DataFrame, where: pd.Series, column: str, pattern: str) -> pd.Series:
    """Move a trailing number of ``column`` to the cost of the rows in ``where``; the rows."""
    todo = where & el["cost_usd"].isna() & el[column].notna()
    got = el.loc[todo, column].astype("str").str.extract(pattern).reindex(el.index)
    hit = todo & got["n"].notna()
    el.loc[hit, "cost_usd"] = got.loc[hit, "n"].astype("float64")
    el.loc[hit, column] = got.loc[hit, "text"]
    if "d1" in got.columns:
        # The row's dates, printed after the cost; used only where the row has none.
        no_dates = hit & el["start_date"].isna() & el["end_date"].isna()
        start = pd.to_datetime(got.loc[no_dates, "d1"], format="%m/%d/%Y", errors="coerce")
        end = pd.to_datetime(got.loc[no_dates, "d2"], format="%m/%d/%Y", errors="coerce")
        el.loc[no_dates, "start_date"] = start.astype(el["start_date"].dtype)
        el.loc[no_dates, "end_date"] = end.astype(el["end_date"].dtype)
        add_flag(el, no_dates, "dates_from_unit")
    return hit


# The columns the recovery reads and writes, and its flags (in the order it sets them).
_RECOVERED = (
    "cost_usd",
    "student_unit",
    "location",
    "start_date",
    "end_date",
    "students",
    "course_title",
    "course_key",
)
_RECOVERY_FLAGS = ("dates_from_unit", "cost_from_unit", "students_from_title_end")


def recover_merged_columns(el: pd.DataFrame) -> pd.DataFrame:
    """In :data:`COLUMN_MERGE_REPORTS`, a row without a cost whose students' unit ends in a
    number (maybe followed by the row's dates) takes that number as its cost, as does one
    whose unit is empty and whose location ends in a number (the unit and cost merged into the
    location); flag ``cost_from_unit``. A row without a number of students whose title ends in
    a number takes it as its students (flag ``students_from_title_end``). The number is removed
    from the text it was found in."""
    el = el.copy(deep=False)  # copy-on-write: only the columns changed here are copied
    in_report = (el["kind"].eq("row") & el["report"].isin(COLUMN_MERGE_REPORTS)).to_numpy()
    # Worked on the rows of those reports only, then written back.
    rows = el.loc[in_report, list(_RECOVERED)]
    _recover(rows)
    for col in _RECOVERED:
        el.loc[in_report, col] = rows[col]
    for flag in _RECOVERY_FLAGS:
        mask = np.zeros(len(el), dtype=bool)
        mask[in_report] = rows[_FLAG + flag].to_numpy()
        add_flag(el, mask, flag)
    return el


def _recover(el: pd.DataFrame) -> None:
    """:func:`recover_merged_columns` on rows of :data:`COLUMN_MERGE_REPORTS`, in place."""
    every = pd.Series(True, index=el.index)
    cost = _cost_from(el, every, "student_unit", _TRAILING_COST)
    cost |= _cost_from(el, every, "student_unit", _NUMBER_THEN_DATES)
    no_unit = el["student_unit"].isna()
    cost |= _cost_from(el, no_unit, "location", _TRAILING_COST)
    add_flag(el, cost, "cost_from_unit")
    todo = el["students"].isna() & el["course_title"].notna()
    title = el.loc[todo, "course_title"].astype("str").str.extract(_TRAILING_NUMBER)
    title = title.reindex(el.index)
    students = todo & title["n"].notna()
    el.loc[students, "students"] = title.loc[students, "n"].astype("int64")
    el.loc[students, "course_title"] = title.loc[students, "text"]
    el.loc[students, "course_key"] = title.loc[students, "text"].map(F.course_key)
    add_flag(el, students, "students_from_title_end")


def _apply_recovered(el: pd.DataFrame, found: dict) -> None:
    for i, changes in found.items():
        for field, value, flag in changes:
            el.at[i, field] = value
            mask = np.zeros(len(el), dtype=bool)
            mask[el.index.get_loc(i)] = True
            add_flag(el, mask, flag)
            if field == "course_title":
                el.at[i, "course_key"] = F.course_key(value)


def _verified_lost(el: pd.DataFrame, lost: pd.DataFrame, tot: pd.DataFrame, keys) -> pd.DataFrame:
    """Lost lines kept only for blocks that, with them, add up exactly to the printed total."""
    if lost.empty:
        return lost
    printed = tot[tot["level"].eq("program") & ~tot["repeat"] & tot["key"].notna()]
    printed = printed.groupby(["report", "key"])[["students", "cost_usd"]].sum()
    km = keys.set_index(["report", "country", "program_raw"])["key"]
    rows = el[el["kind"].eq("row") & el["report"].isin(set(lost["report"]))]
    rk = km.reindex(pd.MultiIndex.from_frame(rows[["report", "country", "program_raw"]]))
    rows = rows.assign(key=rk.to_numpy(), students=rows["students"].astype("float64"))
    have = rows.groupby(["report", "key"])[["students", "cost_usd"]].sum()
    add = lost.groupby(["report", "key"])[["students", "cost"]].sum()
    keep = []
    for (report, key), a in add.iterrows():
        if (report, key) not in printed.index:
            continue
        p = printed.loc[(report, key)]
        h = have.loc[(report, key)] if (report, key) in have.index else pd.Series([0.0, 0.0])
        s_ok = float(h.iloc[0]) + float(a["students"]) == float(p["students"])
        c_ok = (
            pd.isna(p["cost_usd"])
            or abs(float(h.iloc[1]) + float(a["cost"]) - float(p["cost_usd"])) < COST_TOLERANCE
        )
        if s_ok and c_ok:
            keep.append((report, key))
    return lost[[(r, k) in set(keep) for r, k in zip(lost["report"], lost["key"], strict=True)]]


def _lost_as_rows(el: pd.DataFrame, lost: pd.DataFrame, keys: pd.DataFrame, docs) -> pd.DataFrame:
    """New element rows for the verified lost lines: the block's labels and country from a
    sibling row, title, students, cost, page and file from the document."""
    km = keys.set_index(["report", "key"])
    rows = el[el["kind"].eq("row") & el["report"].isin(set(lost["report"]))]
    urls = {d.source_file: d.original_url for d in docs}
    new = []
    for ln in lost.itertuples():
        k = km.loc[(ln.report, ln.key)]
        sib = (
            rows[
                rows["report"].eq(ln.report)
                & rows["country"].eq(k["country"])
                & rows["program_raw"].eq(k["program_raw"])
            ]
            .iloc[0]
            .copy()
        )
        for col in sib.index:
            if col.startswith(_FLAG):
                sib[col] = False
        sib[_FLAG + "row_from_document"] = True
        sib["course_title"] = ln.title
        sib["course_key"] = F.course_key(ln.title)
        sib["students"] = ln.students
        sib["cost_usd"] = float(ln.cost)
        sib["page"] = ln.page
        sib["record_id"] = ln.record_id
        sib["source_file"] = ln.source_file
        sib["source_url"] = urls[ln.source_file]
        for col in ("location", "student_unit", "us_unit"):
            sib[col] = None
        sib["start_date"] = sib["end_date"] = pd.NaT
        new.append(sib)
    return pd.DataFrame(new)


def _check_reports_extracted(el: pd.DataFrame, docs: list) -> None:
    # Documents of a report with no extracted file would reconcile nothing against their
    # printed totals: every total a mismatch. Refuse it instead of publishing that.
    missing = sorted({d.report for d in docs} - set(el["report"].dropna()))
    if missing:
        raise DataError(
            f"fmtr_reports/MANIFEST.csv lists original documents of {', '.join(missing)}, but "
            "fmtr/MANIFEST.csv lists no extracted file of that report; list both or neither"
        )


def apply_documents(
    el: pd.DataFrame, reports_dir: Path, cache_dir: Path | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Pair the documents with the parsed elements: recover lost values and rows (flagged,
    see :mod:`fmtr_reports`) and return the elements and the documents' printed totals."""
    from imetbook.data.parsers import fmtr_reports as R

    docs = R.read_documents(reports_dir, cache_dir)
    _check_reports_extracted(el, docs)
    keys = R.label_keys(el, {d.report for d in docs})
    lines = R.document_lines(docs, keys)
    el = el.copy()
    _apply_recovered(el, R.recover_values(el, lines, keys))
    tot = R.mark_repeats(R.document_totals(lines, keys))
    lost = _verified_lost(el, R.lost_rows(el, lines, keys), tot, keys)
    if len(lost):
        new = _lost_as_rows(el, lost, keys, docs)
        el = pd.concat([el, new], ignore_index=True)
        for col in el.columns:
            if col.startswith(_FLAG):
                el[col] = el[col].fillna(False).astype(bool)
        el["students"] = el["students"].astype("Int64")
        el["page"] = el["page"].astype("Int64")
    return el, tot
