"""The Foreign Military Training reports (FMTR), FY1999-2000 to FY2020-2021, as tidy tables.

:func:`build_tables` reads every file of ``data/raw/fmtr`` (checksums verified by
:func:`imetbook.manifest.read_fmtr`), parses the XML (``fmtr_xml``) and the 2006-2007 HTML
(``fmtr_html``), cleans every value (``fmtr_fields``) and returns four tables:

``training``
    one row per course row printed in Section IV (see ``schema.TRAINING``);
``printed_totals``
    the reports' own program totals rows (2007-2008 onward) and the 2006-2007 program and
    country totals rows;
``reconciliation``
    printed totals against the sums of the parsed rows, per region file, country and program;
``fmtr_excluded``
    every raw element that is not a training row, with the reason (totals rows, orphan
    title fragments, placeholders, empty elements, copies printed in two region files).

Every element the manifest counts (``n_training_elements``) ends in ``training`` or in
``fmtr_excluded``; the build checks this per file and stops if a single one is missing.

Decisions that the data cannot make by itself are explicit constants here:
:data:`MERGED_COUNTRIES` (country headings that hold two countries' rows) and the way the
region of a country printed in two region files is chosen (:func:`_resolve_split_regions`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from imetbook import countries, manifest
from imetbook.errors import DataError
from imetbook.manifest import RawFile
from imetbook.sources import fmtr_fields as F
from imetbook.sources import fmtr_html, fmtr_xml
from imetbook.sources.fmtr_xml import RawElement

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

# A printed total matches when students are equal and the cost differs by less than a dollar
# (totals are printed in whole dollars; 2007-2008 and 2010-2011 rows carry cents).
COST_TOLERANCE = 1.0

EXCLUDED_REASONS = (
    "program_totals",
    "country_totals",
    "orphan_fragment",
    "placeholder",
    "empty_element",
    "duplicate_region_copy",
)
_PARSERS: dict[str, Callable[[bytes, str], list[RawElement]]] = {
    ".xml.gz": fmtr_xml.parse,
    ".html.gz": fmtr_html.parse,
}


# --- reading --------------------------------------------------------------------------------


def _parser(relpath: str) -> Callable[[bytes, str], list[RawElement]]:
    for suffix, parse in _PARSERS.items():
        if relpath.endswith(suffix):
            return parse
    raise DataError(f"{RAW_PREFIX}{relpath}: unknown file type (expected .xml.gz or .html.gz)")


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


def read_elements(files: Iterable[RawFile]) -> pd.DataFrame:
    """Every raw element of every file, values as printed, one row each, in file order."""
    elements: list[RawElement] = []
    file_idx: list[int] = []
    metas = []
    for i, raw in enumerate(files):
        parsed = _parser(raw.relpath)(raw.data, RAW_PREFIX + raw.relpath)
        elements.extend(parsed)
        file_idx.extend([i] * len(parsed))
        metas.append(_file_meta(raw))
    if not elements:
        raise DataError("fmtr: no training elements found")
    cols = dict(zip(RawElement._fields, (list(c) for c in zip(*elements, strict=True)),
                    strict=True))
    meta = pd.DataFrame(metas).iloc[file_idx].reset_index(drop=True)
    raw = pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in cols.items()})
    return pd.concat([meta, raw], axis=1)


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


def _columns(values: list, func: Callable) -> list[tuple]:
    return [func(v) for v in values]


def _spill(text: str | None) -> tuple[str, ...]:
    if F.looks_like_money(text) or F.looks_like_date(text):
        return ("value_in_wrong_column",)
    return ()


def _to_dates(values: Iterable) -> np.ndarray:
    return np.array(list(values), dtype="datetime64[D]").astype("datetime64[s]")


def clean_values(el: pd.DataFrame) -> pd.DataFrame:
    """Cleaned value columns (title, students, cost, dates, page, units) and their flags."""
    out: dict[str, object] = {}
    flag_parts: list[list[tuple[str, ...]]] = [list(el["notes"])]
    for field, target in (
        ("course_title", "course_title"),
        ("location", "location"),
        ("student_unit", "student_unit"),
        ("us_unit", "us_unit"),
    ):
        texts, flags = zip(*_columns(el[field].tolist(), F.clean), strict=True)
        out[target] = list(texts)
        flag_parts.append(list(flags))
        if target != "course_title":
            flag_parts.append(_columns(out[target], _spill))
    students, q_flags = zip(*_columns(el["quantity"].tolist(), F.parse_quantity), strict=True)
    cost, cost_dates, c_flags = zip(*_columns(el["total_cost"].tolist(), F.parse_cost),
                                    strict=True)
    start_t, s_flags = zip(*_columns(el["start_date"].tolist(), F.parse_date_field), strict=True)
    end_t, e_flags = zip(*_columns(el["end_date"].tolist(), F.parse_date_field), strict=True)
    start, end, d_flags = zip(*map(F.assemble_dates, start_t, end_t, cost_dates), strict=True)
    page, p_flags = zip(*_columns(el["page_number"].tolist(), F.parse_page), strict=True)
    flag_parts += [list(x) for x in (q_flags, c_flags, s_flags, e_flags, d_flags, p_flags)]
    out["students"] = pd.array(students, dtype="Int64")
    out["cost_usd"] = np.array([np.nan if c is None else c for c in cost], dtype="float64")
    out["start_date"] = _to_dates(start)
    out["end_date"] = _to_dates(end)
    out["page"] = pd.array(page, dtype="Int64")
    out["course_key"] = [F.course_key(t) for t in out["course_title"]]
    flags = [tuple(sorted(set().union(*parts))) for parts in zip(*flag_parts, strict=True)]
    res = el.drop(columns=list(F.FIELDS)).assign(**out)
    res["flags"] = pd.Series(flags, index=el.index, dtype=object)
    missing = res["kind"].eq("row") & res["course_title"].isna()
    _add_flag(res, missing, "title_missing")
    return res


def _add_flag(df: pd.DataFrame, mask: pd.Series, flag: str) -> None:
    if mask.any():
        df.loc[mask, "flags"] = df.loc[mask, "flags"].map(lambda t: tuple(sorted({*t, flag})))


# --- programs and countries -----------------------------------------------------------------


def attach_programs(el: pd.DataFrame) -> pd.DataFrame:
    """Program name, family, IMET flag, fiscal year, status and label region of each row."""
    country = [F.clean_text(c) for c in el["country"]]
    labels: dict[tuple[str, str | None], F.ProgramLabel | None] = {}
    for label, c, kind in zip(el["program"], country, el["kind"], strict=True):
        if (label, c) not in labels:
            skip = label is None or kind == "placeholder"
            labels[(label, c)] = None if skip else F.parse_program(label, c)
    parsed = [labels[(lab, c)] for lab, c in zip(el["program"], country, strict=True)]
    el = el.assign(
        country=country,
        program_raw=[F.clean_text(p) for p in el["program"]],
        program_name=[p.name if p else None for p in parsed],
        program_family=[p.family if p else None for p in parsed],
        is_imet=[bool(p and p.is_imet) for p in parsed],
        label_region=[p.region if p else None for p in parsed],
    )
    fy = pd.array([p.fiscal_year if p else None for p in parsed], dtype="Int64")
    has_program = el["program_name"].notna()
    _add_flag(el, has_program & pd.Series(fy, index=el.index).isna(), "fiscal_year_not_printed")
    fy = pd.Series(fy, index=el.index).fillna(el["report_first"]).astype("int64")
    el["fiscal_year"] = fy
    el["status"] = np.where(fy.eq(el["report_second"]), "planned", "actual")
    return el


def _program_restarts(el: pd.DataFrame) -> set[tuple[str, str]]:
    """(report, country) of country blocks whose program names stop being in order."""
    sub = el[~el["is_html"] & el["report_first"].ge(PROGRAMS_SORTED_FROM)]
    sub = sub[sub["program_name"].notna()]
    blocks = sub.drop_duplicates(["source_file", "program_block"])
    found = set()
    for (report, country, _f, _b), names in blocks.groupby(
        ["report", "country", "source_file", "country_block"], sort=False
    )["program_name"]:
        low = [n.lower() for n in names]
        if any(b < a for a, b in zip(low, low[1:], strict=False)):
            found.add((report, country))
    return found


def attach_countries(el: pd.DataFrame) -> pd.DataFrame:
    """Canonical name and ISO code per printed country; merged headings get neither."""
    names = {c: countries.name_and_code(c) for c in el["country"].dropna().unique()}
    el = el.assign(
        country_name=[names[c][0] if c is not None else None for c in el["country"]],
        iso3=[names[c][1] if c is not None else None for c in el["country"]],
    )
    found = _program_restarts(el)
    present = set(zip(el["report"], el["country"], strict=True))
    listed = {k for k in MERGED_COUNTRIES if k in present}
    if found - listed:
        report, country = sorted(found - listed)[0]
        raise DataError(f"fmtr {report}: {country!r} looks like two countries merged (program "
                        "order restarts); add it to fmtr.MERGED_COUNTRIES")
    if listed - found:
        report, country = sorted(listed - found)[0]
        raise DataError(f"fmtr {report}: {country!r} is in fmtr.MERGED_COUNTRIES but its "
                        "programs are in order")
    for (report, country), partner in MERGED_COUNTRIES.items():
        mask = el["report"].eq(report) & el["country"].eq(country)
        if mask.any():
            first = el.loc[mask, "country_name"].iloc[0]
            el.loc[mask, "country_name"] = f"{first} and {partner} (merged in source)"
            el.loc[mask, "iso3"] = None
            _add_flag(el, mask, "countries_merged")
    return el


# --- regions --------------------------------------------------------------------------------

_SAME_ROW = ("report", "country", "program_name", "fiscal_year", "course_title", "students",
             "cost_usd", "start_date", "end_date", "location", "student_unit", "us_unit", "page")


def _row_keys(df: pd.DataFrame) -> pd.Series:
    parts = [df[c].astype(str) for c in _SAME_ROW]
    key = parts[0]
    for p in parts[1:]:
        key = key + "\x1f" + p
    return key


def _mark_region_copies(el: pd.DataFrame) -> None:
    """2001-2006 labels name the region; a row whose label names another region than its
    file, with an identical row in that region's file, is a copy (kept once, in the file of
    the region its label names)."""
    cand = (el["kind"].eq("row") & el["label_region"].notna() & el["file_region"].notna()
            & el["label_region"].ne(el["file_region"]))
    if not cand.any():
        return
    reports = el.loc[cand, "report"].unique()
    others = el["kind"].eq("row") & ~cand & el["report"].isin(reports)
    c = el[cand].assign(_key=_row_keys(el[cand]), _region=el.loc[cand, "label_region"])
    o = el[others].assign(_key=_row_keys(el[others]), _region=el.loc[others, "file_region"])
    c["_n"] = c.groupby(["_key", "_region"]).cumcount()
    o["_n"] = o.groupby(["_key", "_region"]).cumcount()
    pairs = c.reset_index().merge(o.reset_index(), on=["_key", "_region", "_n"],
                                  suffixes=("", "_kept"))
    copies = pd.Index(pairs["index"])
    el.loc[copies, "kind"] = "duplicate_region_copy"
    el.loc[copies, "detail"] = "identical to " + pairs["record_id_kept"].to_numpy()
    _add_flag(el, el.index.isin(pairs["index_kept"]), "also_in_other_region_file")
    _add_flag(el, cand & ~el.index.isin(copies), "region_from_label")


def _neighbour_region(regions: pd.Series, reports: list[str], report: str, iso3: str,
                      candidates: set[str]) -> str | None:
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
    rows = el[el["kind"].eq("row") & el["iso3"].notna()]
    regions = rows.groupby(["report", "iso3"])["region"].unique()
    reports = sorted(el["report"].unique())
    for (report, iso3), regs in regions[regions.map(len) > 1].items():
        mask = el["report"].eq(report) & el["iso3"].eq(iso3)
        chosen = _neighbour_region(regions, reports, report, iso3, set(regs))
        if chosen is None:
            counts = el.loc[mask & el["kind"].eq("row"), "region"].value_counts()
            if len(counts) > 1 and counts.iloc[0] == counts.iloc[1]:
                raise DataError(f"fmtr {report}: cannot decide the region of {iso3}: printed "
                                f"in {', '.join(sorted(regs))}")
            chosen = counts.index[0]
        moved = mask & el["region"].ne(chosen)
        el.loc[mask, "region"] = chosen
        _add_flag(el, moved, "region_reassigned")


def assign_regions(el: pd.DataFrame) -> pd.DataFrame:
    """Region of each row: the label's region (2001-2006), else the file's; copies printed
    in two region files are marked; split countries get one region."""
    el = el.assign(region=el["label_region"].where(el["label_region"].notna(),
                                                   el["file_region"]))
    missing = el["region"].isna() & el["kind"].ne("placeholder")
    if missing.any():
        f = el.loc[missing, "source_file"].iloc[0]
        raise DataError(f"{f}: no region in the file name or the program label")
    el["detail"] = pd.Series([None] * len(el), index=el.index, dtype=object)
    _mark_region_copies(el)
    _resolve_split_regions(el)
    return el


# --- output tables --------------------------------------------------------------------------


def _join_flags(flags: pd.Series) -> pd.Series:
    return pd.Series([";".join(f) for f in flags], index=flags.index, dtype="str")


def _str(series: pd.Series) -> pd.Series:
    return series.astype("str")


TRAINING_COLUMNS = (
    "record_id", "report", "fiscal_year", "status", "region", "country", "country_name",
    "iso3", "program_raw", "program", "is_imet", "course_title", "course_key", "location",
    "us_unit", "student_unit", "start_date", "end_date", "students", "cost_usd", "page",
    "source_url", "source_file", "flags",
)
TOTALS_COLUMNS = (
    "record_id", "report", "fiscal_year", "level", "region", "country", "country_name", "iso3",
    "program_raw", "program", "students", "cost_usd", "page", "source_file", "flags",
)
EXCLUDED_COLUMNS = (
    "record_id", "report", "region", "country", "program_raw", "course_title", "page", "reason",
    "in_manifest_count", "detail", "source_file",
)
_STR_COLUMNS = ("record_id", "report", "status", "region", "country", "country_name", "iso3",
                "program_raw", "program", "course_title", "course_key", "location", "us_unit",
                "student_unit", "source_url", "source_file", "level", "reason", "detail")


def _finish(df: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    df = df.assign(flags=_join_flags(df["flags"])) if "flags" in columns else df
    df = df[list(columns)].reset_index(drop=True)
    for c in _STR_COLUMNS:
        if c in df.columns:
            df[c] = _str(df[c])
    return df


def training_table(el: pd.DataFrame) -> pd.DataFrame:
    rows = el[el["kind"].eq("row")].rename(columns={"program_family": "program"})
    return _finish(rows, TRAINING_COLUMNS)


def totals_table(el: pd.DataFrame) -> pd.DataFrame:
    tot = el[el["kind"].isin(["program_totals", "country_totals"])]
    tot = tot.assign(level=np.where(tot["kind"].eq("country_totals"), "country", "program"))
    tot = tot.rename(columns={"program_family": "program"})
    return _finish(tot, TOTALS_COLUMNS)


def excluded_table(el: pd.DataFrame) -> pd.DataFrame:
    ex = el[el["kind"].ne("row")].rename(columns={"kind": "reason"})
    ex = ex.assign(in_manifest_count=~ex["is_html"] | ex["reason"].eq("orphan_fragment"))
    see = ex["reason"].isin(["program_totals", "country_totals"])
    ex.loc[see, "detail"] = "in printed_totals"
    return _finish(ex, EXCLUDED_COLUMNS)


# --- reconciliation -------------------------------------------------------------------------

_RECON_KEY = ["report", "source_file", "level", "country_name", "program_raw"]


def _sums(df: pd.DataFrame, prefix: str) -> pd.DataFrame:
    # Country-level groups have no program: group them under "" and restore null after.
    df = df.assign(program_raw=df["program_raw"].astype(object).where(
        df["program_raw"].notna(), ""))
    g = df.groupby(_RECON_KEY, sort=False)
    return pd.DataFrame({
        "region": g["region"].first(),
        "program": g["program"].first(),
        f"n_{prefix}_rows": g.size(),
        f"{prefix}_students": g["students"].sum(),
        f"{prefix}_cost": g["cost_usd"].sum(),
    })


def _status(r: pd.DataFrame) -> pd.Series:
    ds, dc = r["diff_students"], r["diff_cost"]
    same = (ds.isna() | ds.eq(0)) & (dc.isna() | dc.abs().lt(COST_TOLERANCE))
    comparable = ds.notna() | dc.notna()
    status = np.where(same & comparable, "match", "mismatch")
    status = np.where(r["n_printed_rows"].eq(0), "no_printed_total", status)
    status = np.where(r["n_parsed_rows"].eq(0), "no_parsed_rows", status)
    return pd.Series(status, index=r.index, dtype="str")


def reconcile(training: pd.DataFrame, printed_totals: pd.DataFrame) -> pd.DataFrame:
    """Printed totals against the sums of parsed rows, per region file, country and program
    (and, for 2006-2007, per country). Null students or costs count as zero in the sums, so a
    row whose value was not printed shows up as a difference."""
    rows = training.assign(level="program")
    country_rows = rows[rows["source_file"].isin(
        printed_totals.loc[printed_totals["level"].eq("country"), "source_file"])]
    country_rows = country_rows.assign(level="country", program_raw=None, program=None)
    parsed = _sums(pd.concat([rows, country_rows], ignore_index=True), "parsed")
    printed = _sums(printed_totals, "printed")
    r = parsed.join(printed, how="outer", lsuffix="", rsuffix="_p")
    for c in ("region", "program"):
        r[c] = r[c].where(r[c].notna(), r[f"{c}_p"])
    r = r.drop(columns=["region_p", "program_p"]).reset_index()
    r["program_raw"] = r["program_raw"].where(r["program_raw"].ne(""), None)
    for c in ("n_parsed_rows", "n_printed_rows"):
        r[c] = r[c].fillna(0).astype("int64")
    # A side without rows has no sum at all (not zero).
    for side in ("parsed", "printed"):
        none = r[f"n_{side}_rows"].eq(0)
        r[f"{side}_students"] = r[f"{side}_students"].astype("Int64").mask(none)
        r[f"{side}_cost"] = r[f"{side}_cost"].astype("float64").mask(none)
    r["diff_students"] = r["parsed_students"] - r["printed_students"]
    r["diff_cost"] = r["parsed_cost"] - r["printed_cost"]
    r["status"] = _status(r)
    r = r.sort_values(_RECON_KEY, na_position="first", kind="stable").reset_index(drop=True)
    for c in ("report", "source_file", "level", "country_name", "program_raw", "region",
              "program"):
        r[c] = _str(r[c])
    return r[list(RECONCILIATION_COLUMNS)]


RECONCILIATION_COLUMNS = (
    "report", "region", "source_file", "level", "country_name", "program_raw", "program",
    "n_printed_rows", "n_parsed_rows", "printed_students", "parsed_students", "diff_students",
    "printed_cost", "parsed_cost", "diff_cost", "status",
)


# --- entry point ----------------------------------------------------------------------------


def parse_elements(files: Iterable[RawFile]) -> pd.DataFrame:
    """All raw elements, cleaned and classified, before they are split into tables."""
    el = read_elements(files)
    check_counts(el)
    el["record_id"] = el["stem"] + "#" + el["ordinal"].astype(str)
    el = clean_values(el)
    el = attach_programs(el)
    el = attach_countries(el)
    return assign_regions(el)


def build_tables(fmtr_dir: Path) -> dict[str, pd.DataFrame]:
    """``training``, ``printed_totals``, ``reconciliation`` and ``fmtr_excluded`` from the
    vendored FMTR files (checksums verified first)."""
    el = parse_elements(manifest.read_fmtr(Path(fmtr_dir)))
    training = training_table(el)
    totals = totals_table(el)
    return {
        "training": training,
        "printed_totals": totals,
        "reconciliation": reconcile(training, totals),
        "fmtr_excluded": excluded_table(el),
    }
