"""Eligibility analysis: participation counting, entries, exits, gaps and their context.

Frames are built by hand in each test, small enough to read, each making one behaviour flip.
"""

from __future__ import annotations

import pandas as pd
import pytest

from imetbook.analysis import absences as ab
from imetbook.analysis import eligibility as el
from imetbook.analysis import sources
from imetbook.chapters import evidence as ev
from imetbook.errors import DataError, ParameterError, UnknownCountryError


def training_rows(*rows: tuple) -> pd.DataFrame:
    """(fiscal_year, iso3, country_name, region, program, status[, is_imet])."""
    cols = ["fiscal_year", "iso3", "country_name", "region", "program", "status", "is_imet"]
    full = [r if len(r) == 7 else (*r, r[4].startswith("IMET")) for r in rows]
    df = pd.DataFrame(full, columns=cols)
    df["fiscal_year"] = df["fiscal_year"].astype("int64")
    df["is_imet"] = df["is_imet"].astype(bool)
    return df


def funding_rows(*rows: tuple) -> pd.DataFrame:
    """(fiscal_year, iso3, country_name, scope, region, measure, amount_usd)."""
    cols = ["fiscal_year", "iso3", "country_name", "scope", "region", "measure", "amount_usd"]
    df = pd.DataFrame(list(rows), columns=cols)
    df["fiscal_year"] = df["fiscal_year"].astype("int64")
    df["amount_usd"] = df["amount_usd"].astype("float64")
    return df


def obligated(*rows: tuple) -> pd.DataFrame:
    """Funding participation from country obligation figures, each (fiscal_year, iso3,
    country_name, region[, amount_usd]); the amount is 1.0 unless given."""
    full = [(y, c, n, "country", r, "obligation", *(a or [1.0])) for y, c, n, r, *a in rows]
    return el.funding_participation(funding_rows(*full))


def participation_of(pairs: list[tuple[int, str]]) -> pd.DataFrame:
    """A participation frame from (year, iso3) pairs; names are the codes."""
    return training_rows(*[(y, c, c, "R", "IMET", "actual") for y, c in pairs]).pipe(
        el.training_participation
    )


# --- participation counting ----------------------------------------------------------------


def test_country_counted_once_per_year_across_programs_and_regions():
    t = training_rows(
        (2001, "ALB", "Albania", "Europe", "IMET", "actual"),
        (2001, "ALB", "Albania", "Europe", "IMET", "actual"),
        (2001, "ALB", "Albania", "East Asia and Pacific", "IMET", "actual"),
        (2001, "ALB", "Albania", "Europe", "IMET-X", "actual"),
        (2001, "NPL", "Nepal", "South Asia", "IMET", "actual"),
    )
    part = el.training_participation(t)
    assert len(part) == 2
    alb = part[part["iso3"] == "ALB"].iloc[0]
    # The region with the most rows wins, so regions add up to the year's total.
    assert alb["region"] == "Europe"
    assert alb["regions"] == "East Asia and Pacific; Europe"
    assert alb["detail"] == "IMET; IMET-X"
    counts = el.counts_by_region(part, [2001], [2001])
    assert int(counts.loc[2001].sum()) == el.counts_by_year(part, [2001], [2001]).loc[2001] == 2


def test_region_tie_is_broken_alphabetically_not_by_row_order():
    a = training_rows(
        (2001, "ALB", "Albania", "Europe", "IMET", "actual"),
        (2001, "ALB", "Albania", "East Asia and Pacific", "IMET", "actual"),
    )
    b = a.iloc[::-1].reset_index(drop=True)
    assert el.training_participation(a)["region"].tolist() == ["East Asia and Pacific"]
    assert el.training_participation(b)["region"].tolist() == ["East Asia and Pacific"]


def test_planned_rows_non_imet_rows_and_headings_are_excluded():
    t = training_rows(
        (2000, "IND", "India", "South Asia", "IMET", "planned"),
        (2000, "PAK", "Pakistan", "South Asia", "FMF", "actual"),
        (2000, None, "Indochina", "East Asia and Pacific", "IMET", "actual"),
        (1999, "IND", "India", "South Asia", "IMET", "actual"),
    )
    part = el.training_participation(t)
    assert part[["fiscal_year", "iso3"]].values.tolist() == [[1999, "IND"]]


def test_planned_row_does_not_double_a_year_recorded_as_actual():
    t = training_rows(
        (2000, "IND", "India", "South Asia", "IMET", "planned"),
        (2000, "IND", "India", "South Asia", "IMET", "actual"),
        (2000, "NPL", "Nepal", "South Asia", "IMET", "planned"),
    )
    counts = el.counts_by_year(el.training_participation(t), [2000], [2000])
    assert counts.loc[2000] == 1


def test_funding_participation_counts_money_once_per_country_year():
    f = funding_rows(
        (2010, "TUR", "Turkey", "country", "Europe", "obligation", 4992000),
        (2010, "TUR", "Turkey", "country", "Europe", "actual", 5000000),
        (2010, "TUR", "Turkey", "country", "Europe", "request", 5000000),
        (2011, "TUR", "Turkey", "country", "Europe", "request", 4000000),
        (2011, "AGO", "Angola", "country", "Africa", "fmtr_actual_dollars", 0),
        (2011, None, "World", "world", None, "actual", 105788000),
        (2011, None, "Asia (not specified)", "region", "Asia", "obligation", 1000),
    )
    part = el.funding_participation(f)
    assert part[["fiscal_year", "iso3"]].values.tolist() == [[2010, "TUR"]]
    assert part["detail"].iloc[0] == "actual; obligation"


def test_funding_row_without_region_is_labelled_not_dropped():
    f = funding_rows((2010, "IND", "India", "country", None, "obligation", 1.0))
    assert el.funding_participation(f)["region"].tolist() == [el.NO_REGION]


def test_uncovered_year_is_a_gap_not_zero():
    part = participation_of([(2001, "IND")])
    counts = el.counts_by_year(part, covered=[2001, 2002], years=[2000, 2001, 2002])
    assert pd.isna(counts.loc[2000])
    assert counts.loc[2002] == 0
    regions = el.counts_by_region(part, covered=[2001], years=[2000, 2001])
    assert regions.loc[2000].isna().all()
    assert regions.loc[2001, "R"] == 1


def test_side_by_side_overlap_only_where_both_sources_cover_the_year():
    train = participation_of([(2001, "IND"), (2001, "NPL"), (2002, "IND")])
    fund = obligated(
        (2001, "IND", "IND", "Asia"),
        (2001, "TUR", "TUR", "Europe"),
        (2000, "TUR", "TUR", "Europe"),
    )
    out = el.side_by_side(train, fund, [2001, 2002], [2000, 2001], [2000, 2001, 2002])
    row = out.set_index("fiscal_year").loc[2001]
    assert (row["training"], row["funding"], row["both"]) == (2, 2, 1)
    assert (row["training_only"], row["funding_only"]) == (1, 1)
    assert out.set_index("fiscal_year").loc[2000, ["training", "both"]].isna().all()
    assert out.set_index("fiscal_year").loc[2002, ["funding", "both"]].isna().all()


# --- entries, exits and gaps ---------------------------------------------------------------


def test_gaps_are_runs_of_missing_covered_years_between_present_years():
    assert ab.country_gaps([2000, 2003, 2004, 2006], range(1999, 2010)) == [
        (2001, 2002),
        (2005, 2005),
    ]
    assert ab.country_gaps([2000, 2001], range(1999, 2010)) == []


def test_year_no_source_covers_is_not_a_country_gap():
    covered = [2000, 2001, 2003, 2004]  # 2002 not covered by the source at all
    assert ab.country_gaps([2000, 2004], covered) == [(2001, 2003)]
    assert ab.country_gaps([2001, 2003], covered) == []


def test_presence_states_edges_of_coverage():
    part = participation_of(
        [(1999, "IND"), (2000, "IND"), (2002, "IND"), (2001, "EST"), (2002, "EST"), (2000, "PAK")]
    )
    pres = ab.presence(part, [1999, 2000, 2001, 2002, 2003]).set_index("iso3")
    assert pres.loc["IND", "gaps"] == "FY2001"
    assert pres.loc["IND", "years_missing"] == 1
    # India may have taken part before the first covered year and has left by the last.
    assert pres.loc["IND", "from_first"] and not pres.loc["IND", "to_last"]
    assert not pres.loc["EST", "from_first"]
    assert (pres.loc["PAK", "first_year"], pres.loc["PAK", "last_year"]) == (2000, 2000)
    pres_end = ab.presence(part, [1999, 2000, 2001, 2002]).set_index("iso3")
    assert pres_end.loc["IND", "to_last"]
    two_runs = participation_of([(1999, "IND"), (2001, "IND"), (2002, "IND"), (2005, "IND")])
    assert ab.presence(two_runs, range(1999, 2006))["gaps"].iloc[0] == (
        "FY2000, FY2003\u2013FY2004"
    )


def test_gaps_table_has_the_years_either_side():
    part = participation_of([(1999, "PAK"), (2002, "PAK"), (2003, "PAK"), (2005, "PAK")])
    gaps = ab.gaps_table(part, range(1999, 2006))
    assert gaps[["gap_start", "gap_end", "missing_years", "last_before", "first_after"]].to_dict(
        "records"
    ) == [
        {
            "gap_start": 2000,
            "gap_end": 2001,
            "missing_years": 2,
            "last_before": 1999,
            "first_after": 2002,
        },
        {
            "gap_start": 2004,
            "gap_end": 2004,
            "missing_years": 1,
            "last_before": 2003,
            "first_after": 2005,
        },
    ]


# --- events and rules against gaps ---------------------------------------------------------


def events_frame(*rows: tuple) -> pd.DataFrame:
    """(event_id, iso3, date, date_start, date_end, event)."""
    df = pd.DataFrame(
        list(rows), columns=["event_id", "iso3", "date", "date_start", "date_end", "event"]
    )
    df["date_start"] = pd.to_datetime(df["date_start"])
    df["date_end"] = pd.to_datetime(df["date_end"])
    return df.assign(category="sanction", source_title="src", source_url="https://example.org")


def rules_frame(*rows: tuple) -> pd.DataFrame:
    """(rule_id, year_enacted, example_countries)."""
    df = pd.DataFrame(list(rows), columns=["rule_id", "year_enacted", "example_countries"])
    df["year_enacted"] = df["year_enacted"].astype("Int64")
    return df.assign(
        name="a rule",
        legal_citation="22 U.S.C. 0",
        effect_on_imet="cuts IMET",
        source_title="src",
        source_url="https://example.org",
    )


GAP = pd.DataFrame(
    [{"iso3": "PAK", "country_name": "Pakistan", "gap_start": 2000, "gap_end": 2001}]
)


def test_events_in_or_next_to_the_gap_are_matched_with_their_relation():
    ev = events_frame(
        ("p-coup", "PAK", "1999-10-12", "1999-10-12", "1999-10-12", "coup"),  # FY2000
        ("p-year", "PAK", "1998", "1998-01-01", "1998-12-31", "arrears"),  # reaches FY1999
        ("p-waive", "PAK", "2001-10", "2001-10-01", "2001-10-31", "waiver"),  # FY2002
        ("p-old", "PAK", "1997-05-01", "1997-05-01", "1997-05-01", "too early"),  # FY1997
        ("p-late", "PAK", "2002-10-01", "2002-10-01", "2002-10-01", "too late"),  # FY2003
        ("i-coup", "IND", "1999-10-12", "1999-10-12", "1999-10-12", "other country"),
    )
    ctx = ab.gap_context(GAP, ev, rules_frame(), window=1)
    assert ctx["ref"].tolist() == ["p-year", "p-coup", "p-waive"]
    assert ctx["relation"].tolist() == ["before", "during", "after"]
    assert set(ctx["gap"]) == {"FY2000\u2013FY2001"}
    narrow = ab.gap_context(GAP, ev, rules_frame(), window=0)
    assert narrow["ref"].tolist() == ["p-coup"]


def test_rules_naming_the_country_and_in_force_are_matched():
    rules = rules_frame(
        ("R17", 1985, "Pakistan"),
        ("R19", None, "Pakistan"),
        ("R21", 2008, "Pakistan;Turkey"),
        ("R23", 1994, "India"),
        ("R28", 1999, None),
    )
    ctx = ab.gap_context(GAP, events_frame(), rules)
    assert ctx["ref"].tolist() == ["R17", "R19"]
    assert ctx["when"].tolist() == ["enacted 1985", "year not given"]


def test_rules_match_by_country_code_not_spelling():
    rules = rules_frame(("R08", 1996, "Austria;Republic of Korea"))
    assert ab.rules_naming(rules, "KOR")["rule_id"].tolist() == ["R08"]
    assert ab.rules_naming(rules, "PRK").empty


def test_unresolvable_country_in_a_rule_is_an_error_not_a_skip():
    rules = rules_frame(("R99", 2000, "Atlantis"))
    with pytest.raises(UnknownCountryError, match="Atlantis"):
        ab.rules_naming(rules, "PAK")


# --- parameters, focus country, NATO, funding tables ---------------------------------------


def test_resolve_years_defaults_to_the_latest_covered_year():
    span = el.resolve_years(None, None, None, [1999, 2000, 2001])
    assert (span.fy, span.fy_start, span.fy_end) == (2001, 1999, 2001)
    assert el.resolve_years(2000, 1995, None, [1999, 2000], outer=[1995]).fy_start == 1995


@pytest.mark.parametrize(
    ("fy", "start", "end", "message"),
    [
        (1990, None, None, "fy=1990 has no course records"),
        (None, 2001, 2000, "after fy_end"),
        (None, 1950, None, "fy_start=1950 is outside"),
    ],
)
def test_resolve_years_rejects_bad_values(fy, start, end, message):
    with pytest.raises(ParameterError, match=message):
        el.resolve_years(fy, start, end, [1999, 2000, 2001], outer=[1998])


def test_country_years_distinguishes_absent_from_not_covered():
    train = participation_of([(2000, "IND")])
    fund = obligated((2001, "IND", "IND", "Asia", 5.0))
    out = el.country_years("IND", train, fund, [2000, 2001], [2001], [2000, 2001]).set_index(
        "fiscal_year"
    )
    assert out["in_training"].tolist() == [True, False]
    assert pd.isna(out.loc[2000, "in_funding"])
    assert out.loc[2001, "measures"] == "obligation"


def test_money_without_records_lists_funded_countries_missing_from_the_reports():
    train = participation_of([(2000, "IND"), (2001, "IND")])
    fund = obligated(
        (2000, "IND", "India", "Asia"),
        (2000, "TUR", "Turkey", "Europe"),
        (2001, "TUR", "Turkey", "Europe"),
        (1990, "TUR", "Turkey", "Europe"),
    )
    out = el.money_without_records(train, fund, [2000, 2001], [1990, 2000, 2001])
    assert out[["iso3", "years_with_money_no_records", "first_year", "ever_in_records"]].to_dict(
        "records"
    ) == [
        {
            "iso3": "TUR",
            "years_with_money_no_records": 2,
            "first_year": 2000,
            "ever_in_records": False,
        }
    ]


def test_exempt_countries_read_the_last_year_from_the_records():
    train = participation_of([(2002, "EST"), (2003, "EST"), (2002, "AUS")])
    fund = obligated(
        (2004, "EST", "Estonia", "Europe"),
        (2005, "EST", "Estonia", "Europe"),
        (2003, "EST", "Estonia", "Europe"),
        (2005, "TUR", "Turkey", "Europe"),
    )
    accessions = {"EST": "2004-03-29", "TUR": "1952-02-18", "LUX": "1949-04-04"}
    out = el.exempt_countries(train, fund, [2002, 2003, 2004, 2005], range(2002, 2006), accessions)
    # Sorted by accession; Luxembourg (no records, no money) is left out.
    assert out["iso3"].tolist() == ["TUR", "EST", "AUS"]
    est = out.set_index("iso3").loc["EST"]
    assert (est["last_in_records"], est["first_absent"], est["years_with_money"]) == (2003, 2004, 3)
    tur = out.set_index("iso3").loc["TUR"]
    assert tur["years_in_records"] == 0 and pd.isna(tur["last_in_records"])
    assert out.set_index("iso3").loc["AUS", "exempt_as"] == "named in 22 U.S.C. 2416(a)(2)"
    present_to_end = el.exempt_countries(train, fund, [2002, 2003], range(2002, 2004), accessions)
    assert pd.isna(present_to_end.set_index("iso3").loc["EST", "first_absent"])


def test_country_funding_keeps_measures_apart_and_gaps_empty():
    f = funding_rows(
        (2015, "TUR", "Turkey", "country", "Europe", "obligation", 3096000),
        (2015, "TUR", "Turkey", "country", "Europe", "actual", 3096000),
        (2016, "TUR", "Turkey", "country", "Europe", "obligation", 3186000),
    )
    out = el.country_funding(f, "TUR", ["obligation", "actual"], [2015, 2016]).set_index(
        "fiscal_year"
    )
    assert list(out.columns) == ["obligation", "actual"]
    assert pd.isna(out.loc[2016, "actual"])


def test_country_funding_refuses_to_hide_disagreeing_sources():
    f = funding_rows(
        (2015, "TUR", "Turkey", "country", "Europe", "obligation", 1.0),
        (2015, "TUR", "Turkey", "country", "Europe", "obligation", 2.0),
    )
    with pytest.raises(DataError, match="disagree on TUR FY2015 obligation"):
        el.country_funding(f, "TUR", ["obligation"], [2015])


def test_missing_column_is_a_clear_error():
    with pytest.raises(DataError, match="training: missing column"):
        el.training_participation(pd.DataFrame({"fiscal_year": [2000]}))


# --- absences at the edges, shared gap years, regions, citations ---------------------------


def test_edges_add_the_years_before_the_first_and_after_the_last_record():
    part = participation_of([(2002, "PAK"), (2004, "PAK"), (2005, "PAK")])
    covered = range(1999, 2008)
    assert ab.gaps_table(part, covered)["kind"].tolist() == ["gap"]
    edges = ab.gaps_table(part, covered, edges=True).set_index("kind")
    assert (
        edges.loc["before first record", "gap_start"],
        edges.loc["before first record", "gap_end"],
    ) == (1999, 2001)
    assert pd.isna(edges.loc["before first record", "last_before"])
    assert edges.loc["before first record", "first_after"] == 2002
    assert (
        edges.loc["after last record", "gap_start"],
        edges.loc["after last record", "missing_years"],
    ) == (2006, 2)
    assert pd.isna(edges.loc["after last record", "first_after"])


def test_gap_years_count_countries_missing_together_not_edge_absences():
    part = participation_of(
        [(2000, "BRA"), (2003, "BRA"), (2000, "PER"), (2002, "PER"), (2003, "PER"), (2002, "PAK")]
    )
    gaps = ab.gaps_table(part, range(2000, 2004), edges=True)
    out = ab.gap_years(gaps, range(2000, 2004)).set_index("fiscal_year")
    assert out["countries_in_gap"].tolist() == [0, 2, 1, 0]
    assert out.loc[2001, "names"] == "BRA, PER"


def test_bureaus_take_the_region_most_rows_give_and_fill_the_rest():
    f = funding_rows(
        (2008, "KAZ", "Kazakhstan", "country", "South and Central Asia", "actual", 1.0),
        (2009, "KAZ", "Kazakhstan", "country", "South and Central Asia", "actual", 1.0),
        (2003, "KAZ", "Kazakhstan", "country", "Europe and Eurasia", "obligation", 1.0),
        (2003, "TUR", "Turkey", "country", None, "obligation", 1.0),
        (2003, None, "Asia (not specified)", "region", "Asia", "obligation", 1.0),
    )
    regions = el.bureaus(f)
    assert regions == {"KAZ": "South and Central Asia"}
    part = participation_of([(2003, "KAZ"), (2003, "NPL")])
    assert el.with_regions(part, regions)["region"].tolist() == [
        "South and Central Asia",
        el.NO_REGION,
    ]


def test_record_citations_give_report_and_page_range_per_year():
    india = ("IND", "India", "South Asia")
    t = training_rows(
        (2003, *india, "IMET", "actual"),
        (2003, *india, "IMET", "actual"),
        (2003, *india, "FMF", "actual"),
        (1999, *india, "IMET", "actual"),
        (2000, *india, "IMET", "planned"),
    ).assign(report=["2003-2004", "2003-2004", "2003-2004", "1999-2000", "1999-2000"])
    t["page"] = pd.array([215, 213, 400, None, None], dtype="Int64")
    cites = sources.record_citations(t, "IND", [1999, 2000, 2003])
    assert ev.citation_text(cites) == {
        1999: "1999-2000 report, no page numbers",
        2003: "2003-2004 report, pp. 213-215",
    }


def test_section_years_read_first_and_last_year_of_a_report_section():
    t = training_rows(
        (2001, "KAZ", "Kazakhstan", "Newly Independent States", "IMET", "actual"),
        (2003, "KAZ", "Kazakhstan", "Newly Independent States", "FMF", "actual"),
        (2004, "KAZ", "Kazakhstan", "Newly Independent States", "IMET", "planned"),
    )
    assert el.section_years(t, "Newly Independent States") == (2001, 2003)
    assert el.section_years(t, "South Asia") is None


def funding_with_sources(*rows: tuple) -> pd.DataFrame:
    """(fiscal_year, iso3, measure, amount_usd, source, source_title, source_url)."""
    df = pd.DataFrame(
        list(rows),
        columns=[
            "fiscal_year",
            "iso3",
            "measure",
            "amount_usd",
            "source",
            "source_title",
            "source_url",
        ],
    )
    return df.assign(scope="country", country_name=df["iso3"], region=None)


def test_sources_are_grouped_by_source_key_with_the_earliest_document_named():
    f = funding_with_sources(
        (2009, "TUR", "actual", 3.0, "state_csis", "State FY2009", "https://x/09"),
        (2008, "TUR", "actual", 2.0, "state_csis", "State FY2008", "https://x/08"),
        (2008, "TUR", "obligation", 2.0, "greenbook", "Greenbook", "https://g"),
        (2008, "IND", "obligation", 0.0, "greenbook", "Greenbook", "https://g"),
        (2008, "IND", "request", 5.0, "state_csis", "State FY2008", "https://x/08"),
    )
    mine = sources.country_sources(f, "TUR", ["actual"], [2008, 2009]).iloc[0]
    assert (mine["source"], mine["first_year"], mine["last_year"], mine["years"]) == (
        "state_csis",
        2008,
        2009,
        2,
    )
    assert (mine["source_title"], mine["documents"]) == ("State FY2008", 2)
    money = sources.money_sources(f, [2008, 2009])
    # A zero and a request are not money: India adds nothing.
    assert money[["source", "measure", "countries"]].values.tolist() == [
        ["greenbook", "obligation", 1],
        ["state_csis", "actual", 1],
    ]
    links = ev.source_links(money)
    assert links[1] == '<a href="https://x/08">State FY2008</a> (and 1 other edition)'


def test_country_summary_counts_years_against_coverage():
    train = participation_of([(2002, "PAK"), (2004, "PAK")])
    fund = obligated((2003, "PAK", "PAK", "Asia"))
    out = el.country_summary(
        ["PAK", "ISR"], train, fund, range(2000, 2005), [2003], range(2001, 2006)
    ).set_index("iso3")
    assert out.loc["PAK", ["years_covered_by_records", "years_in_records", "gaps"]].tolist() == [
        4,
        2,
        "FY2003",
    ]
    assert out.loc["PAK", "years_with_money"] == 1
    assert out.loc["ISR", "years_in_records"] == 0 and pd.isna(out.loc["ISR", "first_in_records"])


def test_country_events_fall_in_the_fiscal_years_asked_for():
    ev = events_frame(
        ("a", "PAK", "1998-09-30", "1998-09-30", "1998-09-30", "FY1998"),
        ("b", "PAK", "1998-10-01", "1998-10-01", "1998-10-01", "FY1999"),
        ("c", "PAK", "2001", "2001-01-01", "2001-12-31", "spans FY2001 and FY2002"),
        ("d", "IND", "1999-01-01", "1999-01-01", "1999-01-01", "India"),
    )
    assert ab.country_events(ev, "PAK", [1999, 2000])["event_id"].tolist() == ["b"]
    assert ab.country_events(ev, "PAK", [2002])["event_id"].tolist() == ["c"]


# --- parameters and the chapter ------------------------------------------------------------


def test_params_reject_bad_values_before_any_kernel_starts():
    from imetbook.chapters import params

    with pytest.raises(ParameterError, match="parameter 'country' of chapter 'eligibility'"):
        params.validate("eligibility", {"country": "Atlantis"})
    with pytest.raises(ParameterError, match="parameter 'fy'.*integer"):
        params.validate("eligibility", {"fy": "2020"})
    with pytest.raises(ParameterError, match="unknown parameter 'contry'"):
        params.validate("eligibility", {"contry": "India"})
    assert params.validate("eligibility", {"country": None, "fy": None}) == {
        "country": None,
        "fy": None,
    }


def test_rules_table_puts_citation_year_and_source_with_the_law():
    rules = rules_frame(("R19", None, "Pakistan;India"), ("R08", 1996, None))
    out = ev.rules_table(rules)
    assert out["Rule"].tolist() == ["R08", "R19"]
    assert "Enacted: 1996" in out.loc[0, "Law"] and "Enacted: not given" in out.loc[1, "Law"]
    assert '<a href="https://example.org">src</a>' in out.loc[0, "Law"]
    assert out["Countries named"].tolist() == ["", "Pakistan, India"]


# --- the chapter's views, computed in the analysis layer --------------------------------------


def test_regions_keep_one_order_and_a_region_missing_from_one_source_is_zero_not_a_gap():
    train = el.with_regions(
        participation_of([(2001, "KAZ"), (2002, "KAZ"), (2002, "NPL")]),
        {"KAZ": "South and Central Asia"},
    )
    fund = obligated(
        (2002, "TUR", "Turkey", "Europe", 5.0),
        (2003, "TUR", "Turkey", "Europe", 5.0),
    )
    records, money, regions = el.regions_by_source(
        train, fund, [2001, 2002], [2002, 2003], [2001, 2002, 2003]
    )
    assert regions == ["Europe", "South and Central Asia", el.NO_REGION]
    assert list(records.columns) == list(money.columns) == regions
    assert records.loc[2002].tolist() == [0, 1, 1]
    assert records.loc[2003].isna().all()  # the course records do not cover FY2003
    assert money.loc[2001].isna().all() and money.loc[2003].tolist() == [1, 0, 0]
    wide = el.regions_side_by_side({"records": records, "money": money}, regions)
    assert wide[("Europe", "money")].tolist()[1:] == [1, 1]


def test_snapshot_counts_each_source_and_both_and_leaves_uncovered_money_empty():
    train = el.with_regions(participation_of([(2002, "KAZ"), (2002, "NPL")]), {})
    fund = obligated((2002, "KAZ", "Kazakhstan", None, 5.0))
    snap = el.regional_snapshot(train, fund, 2002, [2002]).set_index("region")
    assert snap.loc[el.NO_REGION].tolist() == [2, 1, 1]
    uncovered = el.regional_snapshot(train, fund, 2002, [2003])
    assert uncovered["training"].tolist() == [2] and uncovered["funding"].isna().all()


def test_never_in_records_says_why_the_reports_may_leave_a_country_out():
    train = participation_of([(2002, "IND")])
    fund = obligated(
        (2002, "TUR", "Turkey", "Europe", 5.0),
        (2002, "JPN", "Japan", "Asia", 5.0),
        (2002, "NPL", "Nepal", "Asia", 5.0),
        (2002, "IND", "India", "Asia", 5.0),
    )
    out = el.never_in_records(train, fund, [2002], [2002], {"TUR": "1952-02-18"})
    assert dict(zip(out["iso3"], out["exempt_as"], strict=True)) == {
        "TUR": el.NATO_MEMBER,
        "JPN": el.BY_NAME,
        "NPL": "not exempt",
    }


def test_measure_years_and_the_last_figure_of_a_measure():
    f = funding_rows(
        (2015, "TUR", "Turkey", "country", "Europe", "obligation", 3.0),
        (2016, "TUR", "Turkey", "country", "Europe", "actual", 4.0),
        (2017, None, "Europe (not specified)", "region", "Europe", "obligation", 9.0),
    )
    assert el.measure_years(f, "obligation") == [2015]
    table = el.country_funding(f, "TUR", ["obligation", "actual"], [2015, 2016])
    assert el.last_figure(table, "obligation") == (2015, 3.0)
    assert el.last_figure(table, "actual") == (2016, 4.0)
    assert el.last_figure(table, "request") is None


def test_the_peak_gap_year_and_the_countries_inside_it():
    part = participation_of(
        [(2000, "BRA"), (2003, "BRA"), (2000, "PER"), (2002, "PER"), (2003, "PER")]
    )
    gaps = ab.gaps_table(part, range(2000, 2004))
    peak = ab.peak_gap_year(ab.gap_years(gaps, range(2000, 2004)))
    assert (peak["fiscal_year"], peak["countries_in_gap"]) == (2001, 2)
    assert sorted(ab.in_gap(gaps, 2002)["iso3"]) == ["BRA"]


def test_rules_name_countries_by_code_and_context_refs_are_listed_once():
    rules = rules_frame(("R1", 2000, "Pakistan;India"), ("R2", 2001, "Pakistan"))
    assert ab.named_in_rules(rules) == {"India": "IND", "Pakistan": "PAK"}
    context = pd.DataFrame({"iso3": ["PAK", "PAK", "PAK"], "ref": ["R2", "E1", "R2"]})
    assert ab.context_refs(context).to_dict() == {"PAK": "R2, E1"}


def test_a_countrys_years_read_yes_no_or_not_covered_with_where_they_are_printed():
    train = participation_of([(2003, "IND")])
    fund = obligated((2004, "IND", "India", "Asia", 5.0))
    years = el.country_years("IND", train, fund, [2003, 2004], [2004, 2005], [2003, 2004, 2005])
    cites = pd.DataFrame(
        {
            "fiscal_year": [2003],
            "report": ["2003-2004"],
            "records": [2],
            "first_page": [10],
            "last_page": [12],
        }
    )
    view = ev.years_view(years, cites).set_index("Fiscal year")
    assert view["In course records"].tolist() == ["yes", "no", "not covered"]
    assert view["IMET money"].tolist() == ["not covered", "yes", "no"]
    assert view.loc[2003, "Where printed"] == "2003-2004 report, pp. 10-12"
    assert pd.isna(view.loc[2004, "Where printed"])
