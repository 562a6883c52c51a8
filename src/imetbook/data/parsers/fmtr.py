"""The Foreign Military Training reports (FMTR), FY1999-2000 to FY2020-2021, as tidy tables.

:func:`build_tables` reads every file of ``data/raw/fmtr`` (checksums verified first, by
:func:`imetbook.data.manifest.read_fmtr`), parses the XML
(``fmtr_xml``) and the 2006-2007 HTML (``fmtr_html``), cleans every value (``fmtr_fields``)
and returns four tables:

``training``
    one row per course row printed in Section IV (see ``schema.TRAINING``);
``printed_totals``
    the reports' own program totals rows (2007-2008 onward), the 2006-2007 program and
    country totals rows and, read from the original documents (:mod:`fmtr_reports`), the
    'FY nn Totals' and 'Country Totals' rows of 1999-2000 to 2005-2006;
``reconciliation``
    printed totals against the sums of the parsed rows, per region file (or document),
    country and program, for all 22 reports;
``fmtr_excluded``
    every raw element that is not a training row, with the reason (totals rows, orphan
    title fragments, placeholders, empty elements, copies printed in two region files).

Every element the manifest counts (``n_training_elements``) ends in ``training`` or in
``fmtr_excluded``; the build checks this per file and stops if a single one is missing.

Values the extraction lost are recovered only where the source still prints them, and every
recovered value carries a flag naming its rule: from the original documents of 1999-2006
(:func:`apply_documents`), and from the merged columns of 2009-2010
(:func:`recover_merged_columns`).

Decisions that the data cannot make by itself are explicit constants here:
:data:`MERGED_COUNTRIES` (country headings that hold two countries' rows, split where their
program order restarts), :data:`COLUMN_MERGE_REPORTS` and the way the region of a country
printed in two region files is chosen (:func:`_resolve_split_regions`).
"""

from __future__ import annotations

import gc
import itertools
import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from imetbook import paths
from imetbook.data import countries, manifest, schema
from imetbook.data.manifest import RawFile
from imetbook.data.parsers import fmtr_documents, fmtr_html, fmtr_xml
from imetbook.data.parsers import fmtr_fields as F
from imetbook.data.parsers.fmtr_flags import FLAG as _FLAG
from imetbook.data.parsers.fmtr_flags import add_flag, as_str, joined_flags  # noqa: F401
from imetbook.data.parsers.fmtr_flags import finish as _finish
from imetbook.data.parsers.fmtr_reconcile import (  # noqa: F401 (importable from here)
    _RECON_KEY,
    COST_TOLERANCE,
    reconcile,
    reconcile_documents,
)
from imetbook.data.parsers.fmtr_recover import (  # noqa: F401 (importable from here)
    COLUMN_MERGE_REPORTS,
    apply_documents,
    recover_merged_columns,
)
from imetbook.errors import DataError

RAW_PREFIX = "data/raw/fmtr/"

# Country headings whose block holds the rows of two countries (the second country's heading
# was lost in extraction). Detected from the data: from 2007-2008 on, a country's programs are
# printed in alphabetical order, and in these blocks the order starts again part-way (the
# build fails if the detection and this table disagree). The partner is the country missing
# from that report at that alphabetical place. 2019-2020 Angola/Benin is described by
# upstream; the two Congo (Brazzaville) blocks were found while building this table: their
# second half is Cote d'Ivoire (2013-2014: 'IVORY COAST (IN COUNTRY TRAINING)', 'Ivorian AFISMA
# Contingent'; 2012-2013 prints no Cote d'Ivoire heading either).
MERGED_COUNTRIES: dict[tuple[str, str], str] = {
    ("2012-2013", "Congo, Republic of (Brazzaville)"): "Cote d'Ivoire",
    ("2013-2014", "Congo, Republic of (Brazzaville)"): "Cote d'Ivoire",
    ("2019-2020", "Angola"): "Benin",
}
PROGRAMS_SORTED_FROM = 2007  # first year of the first report that sorts programs by name

# --- reading --------------------------------------------------------------------------------


def _file_meta(raw: RawFile) -> dict[str, object]:
    m = raw.meta
    report = m["report_fy"]
    first, second = (int(y) for y in report.split("-"))
    region = m["region"].split(" (part ")[0]
    return {
        "report": report,
        "report_first": first,
        "report_second": second,
        "file_region": None if region.lower().startswith("all regions") else region,
        "source_file": RAW_PREFIX + raw.relpath,
        "stem": raw.relpath.rsplit("/", 1)[-1].split(".")[0],
        "source_url": f"https://github.com/{m['upstream_repo']}/blob/{m['upstream_commit']}/"
        f"{m['upstream_path']}",
        "is_html": raw.relpath.endswith(".html.gz"),
        "expected": int(m["n_training_elements"]),
    }


def read_elements(files: Iterable[RawFile], where: str | Path = RAW_PREFIX) -> pd.DataFrame:
    """Every raw element of every file, values as printed, one row each, in file order, with
    the file's report, region, paths and manifest count. ``where`` (the folder the files were
    read from) prefixes file names in error messages."""
    files = list(files)
    where = f"{str(where).rstrip('/')}/"
    if not files:
        raise DataError("fmtr: MANIFEST.csv lists no files")
    xml = [i for i, f in enumerate(files) if f.relpath.endswith(".xml.gz")]
    html = [i for i, f in enumerate(files) if f.relpath.endswith(".html.gz")]
    other = sorted(set(range(len(files))) - set(xml) - set(html))
    if other:
        raise DataError(
            f"{where}{files[other[0]].relpath}: unknown file type (expected .xml.gz or .html.gz)"
        )
    # Consecutive XML files are parsed together (classification is per column, not per file);
    # the parts come in file order, each in document order, so the rows need no sorting.
    parts = []
    for is_xml, run in itertools.groupby(range(len(files)), key=set(xml).__contains__):
        run = list(run)
        if is_xml:
            part = fmtr_xml.parse_many([(files[i].data, where + files[i].relpath) for i in run])
            parts.append(part.assign(file=np.take(run, part["file"])))
        else:
            parts += [fmtr_html.parse(files[i].data, where + files[i].relpath).assign(file=i)
                      for i in run]  # fmt: skip
    el = pd.concat(parts, ignore_index=True)
    meta = pd.DataFrame([_file_meta(f) for f in files])
    idx = el.pop("file").to_numpy()
    for col in meta.columns:
        el[col] = pd.Series(meta[col].to_numpy(dtype=object)[idx], dtype=object)
    for col in ("report_first", "report_second", "expected"):
        el[col] = el[col].astype("int64")
    el["is_html"] = el["is_html"].astype(bool)
    el["record_id"] = pd.Series(
        [f"{s}#{o}" for s, o in zip(el["stem"], el["ordinal"], strict=True)], dtype=object
    )
    return el


def check_counts(elements: pd.DataFrame) -> None:
    """Every file must yield exactly the manifest's ``n_training_elements`` (XML: every
    ``<training>``; HTML: rows that are neither headings, totals nor fully empty)."""
    counted = ~elements["is_html"] | elements["kind"].isin(["row", "orphan_fragment"])
    got = counted.groupby(elements["source_file"], sort=False).sum()
    want = elements.groupby("source_file", sort=False)["expected"].first()
    bad = got[got != want]
    if len(bad):
        f = bad.index[0]
        raise DataError(f"{f}: parsed {got[f]} elements, MANIFEST.csv counts {want[f]}")


# --- cleaning -------------------------------------------------------------------------------

_EPOCH = date(1970, 1, 1).toordinal()
_NAT = np.iinfo(np.int64).min


class _Distinct:
    """A cleaner run once per distinct raw value; its results spread back to every row."""

    def __init__(self, values: pd.Series | np.ndarray, func: Callable) -> None:
        # A categorical column (the XML fields) is factorised from its codes, without hashing.
        values = values if isinstance(values, pd.Series) else pd.Series(values, dtype=object)
        self.codes, uniques = pd.factorize(values, use_na_sentinel=True)
        self.results = [func(u) for u in uniques] + [func(None)]

    def part(self, i: int, convert: Callable | None = None) -> np.ndarray:
        arr = np.empty(len(self.results), dtype=object)
        arr[:] = [r[i] if convert is None else convert(r[i]) for r in self.results]
        return arr[self.codes]

    def obj(self, i: int) -> pd.Series:
        # Kept as object dtype until the tables are finished: pandas would otherwise convert
        # every intermediate string column to Arrow and back.
        return pd.Series(self.part(i), dtype=object)

    def ints(self, convert: Callable) -> np.ndarray:
        arr = np.array([convert(r) for r in self.results], dtype=np.int64)
        return arr[self.codes]

    def flag_into(self, df: pd.DataFrame, i: int) -> None:
        names = sorted({f for r in self.results for f in r[i]})
        for name in names:
            add_flag(df, np.array([name in r[i] for r in self.results])[self.codes], name)


def _days(d: date | None) -> int:
    return _NAT if d is None else d.toordinal() - _EPOCH


def _as_dates(days: np.ndarray) -> np.ndarray:
    return days.astype(np.int64).view("datetime64[D]").astype("datetime64[s]")


def _text_value(raw: str | None) -> tuple[str | None, tuple[str, ...]]:
    # A unit or location that is only an amount or a date is a value spilled from another
    # column (2015-2016 Bangladesh: '$972' as the student unit, '6/17/2015' as the US unit).
    text, flags = F.clean(raw)
    if F.looks_like_money(text) or F.looks_like_date(text):
        flags = (*flags, "value_in_wrong_column")
    return text, flags


def _title_value(raw: str | None) -> tuple[str | None, tuple[str, ...], str | None]:
    text, flags = F.clean(raw)
    return text, flags, F.course_key(text)


def _clean_texts(el: pd.DataFrame, out: pd.DataFrame) -> None:
    title = _Distinct(el["course_title"], _title_value)
    out["course_title"] = title.obj(0)
    title.flag_into(out, 1)
    out["course_key"] = title.obj(2)
    for field in ("location", "student_unit", "us_unit"):
        col = _Distinct(el[field], _text_value)
        out[field] = col.obj(0)
        col.flag_into(out, 1)


def _clean_numbers(el: pd.DataFrame, out: pd.DataFrame) -> _Distinct:
    qty = _Distinct(el["quantity"], F.parse_quantity)
    out["students"] = pd.array(qty.part(0), dtype="Int64")
    qty.flag_into(out, 1)
    cost = _Distinct(el["total_cost"], F.parse_cost)
    out["cost_usd"] = cost.part(0, lambda v: np.nan if v is None else v).astype("float64")
    cost.flag_into(out, 2)
    page = _Distinct(el["page_number"], F.parse_page)
    out["page"] = pd.array(page.part(0), dtype="Int64")
    page.flag_into(out, 1)
    return cost


def _clean_dates(el: pd.DataFrame, out: pd.DataFrame, cost: _Distinct) -> None:
    start = _Distinct(el["start_date"], F.parse_date_field)
    end = _Distinct(el["end_date"], F.parse_date_field)
    start.flag_into(out, 1)
    end.flag_into(out, 1)
    ns, ne = start.ints(lambda r: len(r[0])), end.ints(lambda r: len(r[0]))
    nc = cost.ints(lambda r: len(r[1]))
    s_days = start.ints(lambda r: _days(r[0][0] if r[0] else None))
    e_days = end.ints(lambda r: _days(r[0][0] if r[0] else None))
    # Only rows whose dates need moving go through the row-level rule (a few thousand).
    odd = np.flatnonzero((ns >= 2) | (ne >= 2) | ((nc > 0) & ((ns == 0) | (ne == 0))))
    s_tok, e_tok, c_tok = start.part(0)[odd], end.part(0)[odd], cost.part(1)[odd]
    flagged: dict[str, list[int]] = {}
    for k, i in enumerate(odd):
        s, e, flags = F.assemble_dates(s_tok[k], e_tok[k], c_tok[k])
        s_days[i], e_days[i] = _days(s), _days(e)
        for flag in flags:
            flagged.setdefault(flag, []).append(i)
    for flag, rows in sorted(flagged.items()):
        mask = np.zeros(len(out), dtype=bool)
        mask[rows] = True
        add_flag(out, mask, flag)
    out["start_date"] = _as_dates(s_days)
    out["end_date"] = _as_dates(e_days)


def clean_values(el: pd.DataFrame) -> pd.DataFrame:
    """Cleaned value columns (title, course key, units, students, cost, dates, page) with
    their flags; the raw value columns are dropped."""
    out = el.drop(columns=list(F.FIELDS))
    for note in sorted({n for notes in el["notes"].unique() for n in notes.split(";") if n}):
        add_flag(out, el["notes"].str.contains(note, regex=False).to_numpy(), note)
    _clean_texts(el, out)
    cost = _clean_numbers(el, out)
    _clean_dates(el, out, cost)
    add_flag(out, out["kind"].eq("row") & out["course_title"].isna(), "title_missing")
    return out


# --- programs and countries -----------------------------------------------------------------


def _program_parts(pair: str | None) -> tuple:
    if pair is None:
        return (None, None, False, None, None)
    label, country = pair.split("\x1f")
    p = F.parse_program(label, country or None)
    return (p.name, p.family, p.is_imet, p.region, p.fiscal_year)


def attach_programs(el: pd.DataFrame) -> pd.DataFrame:
    """Program name, family, IMET flag, fiscal year, status and label region of each row."""
    country = _Distinct(el["country"], lambda c: (F.clean_text(c),)).obj(0)
    label = el["program"].to_numpy(dtype=object)
    skip = el["kind"].eq("placeholder").to_numpy() | pd.isna(label)
    pairs = np.array(
        [f"{lab}\x1f{c or ''}" for lab, c in zip(label, country, strict=True)], dtype=object
    )
    pairs[skip] = None
    parts = _Distinct(pairs, _program_parts)
    el = el.assign(
        country=country,
        program_raw=_Distinct(el["program"], lambda p: (F.clean_text(p),)).obj(0),
        program_name=parts.obj(0),
        program_family=parts.obj(1),
        is_imet=parts.part(2).astype(bool),
        label_region=parts.obj(3),
    ).drop(columns="program")
    fy = pd.Series(pd.array(parts.part(4), dtype="Int64"), index=el.index)
    add_flag(el, el["program_name"].notna() & fy.isna(), "fiscal_year_not_printed")
    fy = fy.fillna(el["report_first"]).astype("int64")
    el["fiscal_year"] = fy
    el["status"] = pd.Series(
        np.where(fy.eq(el["report_second"]), "planned", "actual"), dtype=object
    )
    return el


def _program_restarts(el: pd.DataFrame) -> set[tuple[str, str]]:
    """(report, country) of country blocks whose program names stop being in order."""
    keys = ["report", "country", "source_file", "country_block"]
    mask = ~el["is_html"] & el["report_first"].ge(PROGRAMS_SORTED_FROM) & el["program_name"].notna()
    # Only the columns used: selecting rows of the whole frame would copy every column.
    sub = el.loc[mask, [*keys, "program_block", "program_name"]]
    sub = sub.drop_duplicates(["source_file", "program_block"])
    sub = sub[sub[keys].notna().all(axis=1)]  # as groupby: no group for a missing key
    # Each country block's program names in file order, compared with the one before.
    block = sub.groupby(keys, sort=False).ngroup().to_numpy()
    order = np.argsort(block, kind="stable")
    block = block[order]
    low = _Distinct(sub["program_name"], lambda n: (n.lower() if n is not None else None,))
    low = low.part(0)[order]
    drop = np.flatnonzero((block[1:] == block[:-1]) & (low[1:] < low[:-1]).astype(bool)) + 1
    rows = sub[["report", "country"]].to_numpy(dtype=object)[order][drop]
    return {(report, country) for report, country in rows}


def _merged_masks(el: pd.DataFrame) -> dict[tuple[str, str], pd.Series]:
    """The rows of each heading of :data:`MERGED_COUNTRIES` that the files print."""
    maybe = np.flatnonzero(el["country"].isin({c for _r, c in MERGED_COUNTRIES}).to_numpy())
    report = el["report"].to_numpy(dtype=object)[maybe]
    country = el["country"].to_numpy(dtype=object)[maybe]
    out = {}
    for key in MERGED_COUNTRIES:
        hit = maybe[(report == key[0]) & (country == key[1])]
        if len(hit):
            mask = np.zeros(len(el), dtype=bool)
            mask[hit] = True
            out[key] = pd.Series(mask, index=el.index)
    return out


def _check_merges(el: pd.DataFrame, listed: set[tuple[str, str]]) -> None:
    found = _program_restarts(el)
    if found - listed:
        report, country = sorted(found - listed)[0]
        raise DataError(
            f"fmtr {report}: {country!r} looks like two countries merged (program "
            "order restarts); add it to fmtr.MERGED_COUNTRIES"
        )
    if listed - found:
        report, country = sorted(listed - found)[0]
        raise DataError(
            f"fmtr {report}: {country!r} is in fmtr.MERGED_COUNTRIES but its programs are in order"
        )


def _second_country(el: pd.DataFrame, mask: pd.Series) -> pd.Series:
    """The rows of a merged heading that belong to the second country: from the program
    block where the alphabetical order of program names restarts. With one restart, that is
    the only split leaving both countries' programs in order (the build stops otherwise)."""
    blocks = el.loc[mask, ["source_file", "program_block", "program_name"]]
    blocks = blocks[blocks["program_name"].notna()]
    blocks = blocks.drop_duplicates(["source_file", "program_block"])
    names = blocks["program_name"].str.lower().tolist()
    drops = [i for i in range(1, len(names)) if names[i] < names[i - 1]]
    if len(drops) != 1 or blocks["source_file"].nunique() != 1:
        report, country = el.loc[mask, ["report", "country"]].iloc[0]
        raise DataError(
            f"fmtr {report}: cannot split {country!r}: its program order restarts "
            f"{len(drops)} times"
        )
    second = set(blocks["program_block"].iloc[drops[0] :])
    return mask & el["program_block"].isin(second)


def attach_countries(el: pd.DataFrame) -> pd.DataFrame:
    """Canonical name and ISO code per printed country. A merged heading (see
    :data:`MERGED_COUNTRIES`) is split where its program order restarts: the rows before
    keep the heading's country, the rows after go to the partner (flags ``countries_merged``
    and ``country_split_by_program_order``); the reconciliation checks each half against its
    own printed totals. An unknown name raises ``UnknownCountryError``."""
    names = _Distinct(el["country"], lambda c: countries.name_and_code(c) if c else (None, None))
    el = el.assign(country_name=names.obj(0), iso3=names.obj(1))
    merged = _merged_masks(el)
    _check_merges(el, set(merged))
    for key, mask in merged.items():
        second = _second_country(el, mask)
        name, iso3 = countries.name_and_code(MERGED_COUNTRIES[key])
        el.loc[second, "country_name"] = name
        el.loc[second, "iso3"] = iso3
        add_flag(el, mask, "countries_merged")
        add_flag(el, mask, "country_split_by_program_order")
    return el


# --- regions --------------------------------------------------------------------------------

_SAME_ROW = ("report", "country", "program_name", "fiscal_year", *F.PRINTED_FIELDS)


def _as_text(values: pd.Series) -> np.ndarray:
    """``str()`` of every value, computed once per distinct value (and for each missing one:
    ``None``, ``nan`` and ``NaT`` stay apart, as they print)."""
    obj = values.astype(object).to_numpy()
    codes, uniques = pd.factorize(obj, use_na_sentinel=True)
    out = np.array([str(u) for u in uniques] + [""], dtype=object)[codes]
    missing = codes == -1
    out[missing] = [str(v) for v in obj[missing]]
    return out


def _row_keys(df: pd.DataFrame) -> pd.Series:
    # str() of every value, missing ones included ('None', 'NaT'): a missing value must not
    # make the whole key missing (missing keys would all match each other).
    parts = zip(*(_as_text(df[c]) for c in _SAME_ROW), strict=True)
    return pd.Series(["\x1f".join(p) for p in parts], index=df.index, dtype=object)


def _mark_region_copies(el: pd.DataFrame) -> None:
    """2001-2006 labels name the region; a row whose label names another region than its
    file, with an identical row in that region's file, is a copy (kept once, in the file of
    the region its label names)."""
    # Compared only where a row has a label region (whole-column object compares are slow).
    label = el["label_region"].to_numpy(dtype=object)
    labelled = np.flatnonzero(el["kind"].eq("row").to_numpy() & pd.notna(label))
    file_region = el["file_region"].to_numpy(dtype=object)[labelled]
    elsewhere = labelled[pd.notna(file_region) & (label[labelled] != file_region)]
    if not len(elsewhere):
        return
    cand = pd.Series(np.zeros(len(el), dtype=bool), index=el.index)
    cand.iloc[elsewhere] = True
    reports = el.loc[cand, "report"].unique()
    others = el["kind"].eq("row") & ~cand & el["report"].isin(reports)
    cols = [*_SAME_ROW, "record_id"]  # not the whole frame: its other columns are not used
    c = el.loc[cand, cols]
    c = c.assign(_key=_row_keys(c), _region=el.loc[cand, "label_region"])
    o = el.loc[others, cols]
    o = o.assign(_key=_row_keys(o), _region=el.loc[others, "file_region"])
    c["_n"] = c.groupby(["_key", "_region"]).cumcount()
    o["_n"] = o.groupby(["_key", "_region"]).cumcount()
    pairs = c.reset_index().merge(
        o.reset_index(), on=["_key", "_region", "_n"], suffixes=("", "_kept")
    )
    copies = pd.Index(pairs["index"])
    el.loc[copies, "kind"] = "duplicate_region_copy"
    el.loc[copies, "detail"] = "identical to " + pairs["record_id_kept"].to_numpy()
    add_flag(el, el.index.isin(pairs["index_kept"]), "also_in_other_region_file")
    add_flag(el, cand & ~el.index.isin(copies), "region_from_label")


def _neighbour_region(
    regions: dict[tuple[str, str], list[str]],
    reports: list[str],
    report: str,
    iso3: str,
    candidates: set[str],
) -> str | None:
    i = reports.index(report)
    seen = set()
    for j in (i - 1, i + 1):
        if 0 <= j < len(reports):
            there = regions.get((reports[j], iso3))
            if there is not None and len(there) == 1:
                seen |= set(there) & candidates
    return seen.pop() if len(seen) == 1 else None


def _resolve_split_regions(el: pd.DataFrame) -> None:
    """A country printed in two region files of one report (2000-2001 Albania in East Asia
    and Pacific and Europe; Bangladesh in the NIS and South Asia) gets the region it has in
    the neighbouring reports; if they do not decide, the region holding most of its rows."""
    rows = el.loc[el["kind"].eq("row") & el["iso3"].notna(), ["report", "iso3", "region"]]
    regions: dict[tuple[str, str], list[str]] = {}  # regions of each (report, iso3), in order
    for report, iso3, region in rows.drop_duplicates().itertuples(index=False, name=None):
        regions.setdefault((report, iso3), []).append(region)
    reports = sorted(el["report"].unique())
    split = {k: regs for k, regs in sorted(regions.items()) if len(regs) > 1}
    # The rows of each split (report, country), found among the rows of its countries only.
    maybe = np.flatnonzero(el["iso3"].isin({iso3 for _r, iso3 in split}).to_numpy())
    in_report = el["report"].to_numpy(dtype=object)[maybe]
    in_iso3 = el["iso3"].to_numpy(dtype=object)[maybe]
    for (report, iso3), regs in split.items():
        idx = maybe[(in_report == report) & (in_iso3 == iso3)]
        mask = np.zeros(len(el), dtype=bool)
        mask[idx] = True
        chosen = _neighbour_region(regions, reports, report, iso3, set(regs))
        if chosen is None:
            counts = el.loc[mask & el["kind"].eq("row").to_numpy(), "region"].value_counts()
            if len(counts) > 1 and counts.iloc[0] == counts.iloc[1]:
                raise DataError(
                    f"fmtr {report}: cannot decide the region of {iso3}: printed "
                    f"in {', '.join(sorted(regs))}"
                )
            chosen = counts.index[0]
        moved = np.zeros(len(el), dtype=bool)
        moved[idx] = el["region"].to_numpy(dtype=object)[idx] != chosen
        el.loc[mask, "region"] = chosen
        add_flag(el, moved, "region_reassigned")


def assign_regions(el: pd.DataFrame) -> pd.DataFrame:
    """Region of each row: the label's region (2001-2006), else the file's; copies printed
    in two region files are marked; split countries get one region."""
    el = el.assign(region=el["label_region"].where(el["label_region"].notna(), el["file_region"]))
    missing = el["region"].isna() & el["kind"].ne("placeholder")
    if missing.any():
        f = el.loc[missing, "source_file"].iloc[0]
        raise DataError(f"{f}: no region in the file name or the program label")
    el["detail"] = pd.Series([None] * len(el), index=el.index, dtype=object)
    _mark_region_copies(el)
    _resolve_split_regions(el)
    return el


# --- output tables --------------------------------------------------------------------------


def training_table(el: pd.DataFrame) -> pd.DataFrame:
    # Only the columns the table keeps are copied with its rows (most of them).
    keep = {"program_family", *schema.TRAINING.names}
    cols = [c for c in el.columns if c in keep or c.startswith(_FLAG)]
    rows = el.loc[el["kind"].eq("row"), cols].rename(columns={"program_family": "program"})
    return _finish(rows, schema.TRAINING)


def totals_table(el: pd.DataFrame) -> pd.DataFrame:
    tot = el[el["kind"].isin(["program_totals", "country_totals"])]
    tot = tot.assign(level=np.where(tot["kind"].eq("country_totals"), "country", "program"))
    tot = tot.rename(columns={"program_family": "program"})
    return _finish(tot, schema.PRINTED_TOTALS)


def excluded_table(el: pd.DataFrame) -> pd.DataFrame:
    ex = el[el["kind"].ne("row")].rename(columns={"kind": "reason"})
    ex = ex.assign(in_manifest_count=~ex["is_html"] | ex["reason"].eq("orphan_fragment"))
    see = ex["reason"].isin(["program_totals", "country_totals"])
    ex.loc[see, "detail"] = "in printed_totals"
    return _finish(ex, schema.FMTR_EXCLUDED)


# --- entry point ----------------------------------------------------------------------------


@contextmanager
def _gc_paused() -> Iterator[None]:
    # The parse allocates millions of small objects that all live until the end; the cyclic
    # garbage collector would scan them again and again (about 10% of the parse time).
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# The files are parsed in this many runs of consecutive files, of about equal size, whatever
# the number of workers: everything done per run depends on its own rows only, and the runs
# are joined in file order, so the tables do not depend on how many processes parsed them.
# Twelve rather than eight: the last run keeps one worker busy alone for less time, and its
# result, unpickled by the main process after the others, is smaller.
CHUNKS = 12


def _chunks(sizes: list[int]) -> list[tuple[int, int]]:
    """``(start, stop)`` of :data:`CHUNKS` runs of consecutive files of about equal size."""
    ends = np.cumsum(sizes)
    cuts = np.searchsorted(ends, ends[-1] * np.arange(1, CHUNKS) / CHUNKS) + 1
    bounds = sorted({0, len(sizes), *(c for c in cuts.tolist() if c < len(sizes))})
    return list(zip(bounds, bounds[1:], strict=False))


# An HTML page costs about four times the parse time per byte of an XML file (measured:
# 0.16 s against 0.036 s per MB); runs are cut by this weighted size so that they take about
# the same time.
_HTML_WEIGHT = 4


def _sizes(files: list[RawFile]) -> list[int]:
    """The size each file weighs when the runs are cut: its bytes, HTML weighing more."""
    weight = [_HTML_WEIGHT if f.relpath.endswith(".html.gz") else 1 for f in files]
    return [len(f.data) * w for f, w in zip(files, weight, strict=True)]


def _parse_chunk(files: list[RawFile], where: str | Path) -> pd.DataFrame:
    """Read, count, clean and label the elements of one run of files (all per-row work)."""
    el = read_elements(files, where)
    check_counts(el)
    return attach_programs(clean_values(el))


_WORKER_FILES: tuple[list[RawFile], str | Path] = ([], "")


def _init_worker(files: list[RawFile], where: str | Path) -> None:
    # Forked workers inherit these arguments: the decompressed files are not pickled.
    global _WORKER_FILES
    _WORKER_FILES = (files, where)


def _chunk_job(bounds: tuple[int, int]) -> pd.DataFrame:
    files, where = _WORKER_FILES
    with _gc_paused():
        return _parse_chunk(files[bounds[0] : bounds[1]], where)


def _parse_chunks(files: list[RawFile], where: str | Path, workers: int) -> list[pd.DataFrame]:
    """:func:`_parse_chunk` of every run, in file order; in ``workers`` forked processes
    when there are two or more (and the platform can fork). An error is raised for the
    first run (in file order) that has one."""
    bounds = _chunks(_sizes(files))
    workers = min(workers, len(bounds))
    # A daemonic process (a worker of some pool) may not start processes of its own.
    daemon = multiprocessing.current_process().daemon
    if workers < 2 or daemon or "fork" not in multiprocessing.get_all_start_methods():
        return [_parse_chunk(files[a:b], where) for a, b in bounds]
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(workers, initializer=_init_worker, initargs=(files, where)) as pool:
        return list(pool.imap(_chunk_job, bounds))


def _join(parts: list[pd.DataFrame]) -> pd.DataFrame:
    # A run has a flag column only where one of its rows has the flag.
    flags = sorted({c for p in parts for c in p.columns if c.startswith(_FLAG)})
    parts = [p.assign(**{c: False for c in flags if c not in p.columns}) for p in parts]
    return pd.concat(parts, ignore_index=True)


def parse_elements(
    files: Iterable[RawFile], where: str | Path = RAW_PREFIX, workers: int | None = None
) -> pd.DataFrame:
    """All raw elements, cleaned and classified, before they are split into tables. The
    per-row work runs in ``workers`` processes (default: one per available core)."""
    files = list(files)
    if not files:
        raise DataError("fmtr: MANIFEST.csv lists no files")
    with _gc_paused():
        el = _join(_parse_chunks(files, where, workers or paths.available_cores()))
        el = attach_countries(el)
        return assign_regions(el)


def build_tables(
    fmtr_dir: Path,
    reports_dir: Path | None = None,
    cache_dir: Path | None = None,
    workers: int | None = None,
) -> dict[str, pd.DataFrame]:
    """``training``, ``printed_totals``, ``reconciliation`` and ``fmtr_excluded`` from the
    vendored FMTR files (every checksum verified). With ``reports_dir`` (the original
    documents of 1999-2000 to 2005-2006, :mod:`fmtr_reports`), their printed totals join
    ``printed_totals``, values they print that the extraction lost are recovered (flagged)
    and those reports are reconciled too. Every row names its original document
    (:func:`attach_documents`). ``workers``: see :func:`parse_elements`."""
    # Every file is verified before any is parsed: a corrupt file stops the build at once.
    files = manifest.read_fmtr(Path(fmtr_dir))
    el = recover_merged_columns(parse_elements(files, fmtr_dir, workers))
    doc_totals = None
    if reports_dir is not None:
        el, doc_totals = apply_documents(el, Path(reports_dir), cache_dir)
    documents = fmtr_documents.documents_table(Path(fmtr_dir).parent / fmtr_documents.FOLDER, files)
    training = training_table(attach_documents(el, documents))
    totals = totals_table(el)
    recon = reconcile(training, totals)
    if doc_totals is not None:
        doc_totals = _finish(
            doc_totals.rename(columns={"program_family": "program"}), schema.PRINTED_TOTALS
        )
        old = training["report"].isin(set(doc_totals["report"]))
        recon = pd.concat(
            [reconcile(training[~old], totals), reconcile_documents(training[old], doc_totals)],
            ignore_index=True,
        )
        recon = recon.sort_values(["report", *_RECON_KEY[1:]], na_position="first", kind="stable")
        recon = recon.reset_index(drop=True)
        totals = pd.concat([totals, doc_totals], ignore_index=True)
    return {
        "training": training,
        "printed_totals": totals,
        "reconciliation": recon,
        "fmtr_excluded": excluded_table(el),
        "fmtr_documents": documents,
    }


def attach_documents(el: pd.DataFrame, documents: pd.DataFrame) -> pd.DataFrame:
    """``document_url``: the original State Department document each row's file was extracted
    from (see :mod:`imetbook.data.parsers.fmtr_documents`; null where the notes list none). A row
    recovered from an original document (flag ``row_from_document``) names that document."""
    # Looked up once per file, not once per row.
    url = documents["document_url"].astype(object)
    urls = dict(zip(documents["source_file"], url, strict=True))
    codes, files = pd.factorize(el["source_file"].to_numpy(dtype=object), use_na_sentinel=True)
    found = np.array([urls.get(f) for f in files] + [None], dtype=object)[codes]
    flag = _FLAG + "row_from_document"
    if flag in el.columns:
        found = np.where(el[flag].to_numpy(dtype=bool), el["source_url"].to_numpy(object), found)
    return el.assign(document_url=as_str(pd.Series(found, index=el.index, dtype=object)))
