"""Computed verdicts on tiny tables built to make each one flip, and the table of all claims.

The claims' own words come from ``fixtures/claims`` (rows cut verbatim from the raw claims
file), so the amounts, years and ranks a verdict is tested against are read from the claims as
the chapter reads them; the tables are built here, a few rows each.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from fixture_helpers import event, events
from fixture_helpers import funding_frame as funding
from myst_parser.mdit_to_docutils.base import default_slugify

from imetbook.analysis import budget
from imetbook.analysis import claims as cl
from imetbook.analysis import classmates as cm
from imetbook.analysis import timeline as tl
from imetbook.analysis.verdicts import figures_table
from imetbook.chapters import claims as chc
from imetbook.chapters import params
from imetbook.data import schema
from imetbook.errors import DataError, ParameterError
from imetbook.vocab import usd

FIXTURES = Path(__file__).parents[1] / "fixtures"
CHAPTERS = Path(__file__).parents[2] / "chapters"
ISO = {
    "India": "IND",
    "Pakistan": "PAK",
    "Turkey": "TUR",
    "Jordan": "JOR",
    "Egypt": "EGY",
    "Israel": "ISR",
    "Nepal": "NPL",
}
SCA = "South and Central Asia"


@pytest.fixture(scope="module")
def claims() -> pd.DataFrame:
    df = pd.read_csv(FIXTURES / "claims" / "article_claims.csv", dtype="str", keep_default_na=False)
    df = df.replace("", None).astype("str")
    return schema.validate(df, schema.CLAIMS)


def words(claims: pd.DataFrame, claim_id: str) -> str:
    return cl.claim_text(claims, claim_id)


# --- table builders -------------------------------------------------------------------------


def money(name, fy, measure, amount, *, scope="country", region=SCA):
    return {
        "country_name": name,
        "iso3": ISO.get(name) if scope == "country" else None,
        "scope": scope,
        "is_total": scope != "country",
        "region": region,
        "fiscal_year": fy,
        "measure": measure,
        "amount_usd": float(amount),
        "students": None,
        "source": "src",
        "source_title": "A source",
        "source_url": "https://example.org/src",
        "locator": f"line {name} {fy}",
        "note": None,
        "source_grade": "primary",
        "source_copy_at": None,
    }


def course(country: str, fy: int, title: str, *, start=None, end=None, place="MAXWELL AFB, AL"):
    """One actual IMET training row with the columns the analysis modules read."""
    return {
        "record_id": f"{country}-{fy}-{title}-{start}",
        "report": f"{fy}-{fy + 1}",
        "fiscal_year": fy,
        "status": "actual",
        "region": "South Central Asia",
        "country_name": country,
        "iso3": ISO[country],
        "program": "IMET",
        "is_imet": True,
        "course_title": title,
        "course_key": re.sub(r"[^A-Z0-9]+", " ", title.upper()).strip(),
        "location": place,
        "start_date": pd.Timestamp(start) if start else pd.NaT,
        "end_date": pd.Timestamp(end) if end else pd.NaT,
        "students": 1,
        "page": 7,
        "source_url": "https://example.org/fmtr",
    }


def training(*rows) -> pd.DataFrame:
    df = pd.DataFrame(list(rows))
    df["students"] = df["students"].astype("Int64")
    df["page"] = df["page"].astype("Int64")
    for col in ("start_date", "end_date"):
        df[col] = pd.to_datetime(df[col])
    return df


# --- reading the claims' words --------------------------------------------------------------


def test_countries_named_in_order_without_the_donor_and_possessives(claims):
    assert cl.countries_named(words(claims, "C03")) == ["India", "Pakistan", "Israel", "Turkey"]
    # "the US suspended" names the donor; "Pakistan's" is Pakistan.
    assert cl.countries_named(words(claims, "C16")) == ["Pakistan"]
    assert cl.countries_named(words(claims, "C19")) == ["Pakistan"]
    assert cl.countries_named("Officers of Sri Lanka and the US") == ["Sri Lanka"]
    assert cl.countries_named("Officers of the US", exclude=()) == ["United States"]


def test_month_amount_precision_and_region_come_from_the_words(claims):
    assert cl.month_named(words(claims, "C16")) == "2018-08"
    request = words(claims, "C13")
    # The article writes the amount to one decimal of a million.
    assert cl.stated_unit(request) * 10 == cl.dollar_amount("$1 million")
    assert cl.stated_unit(words(claims, "C11")) == cl.dollar_amount(words(claims, "C11"))
    assert cl.region_named(request, ["Asia", SCA, "Near East"]) == SCA
    with pytest.raises(DataError, match="no '<month> <year>'"):
        cl.month_named(words(claims, "C11"))
    with pytest.raises(DataError, match="no known region"):
        cl.region_named(request, ["Africa"])


def test_ordinals():
    assert [cl.ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 61, 112)] == [
        "1st",
        "2nd",
        "3rd",
        "4th",
        "11th",
        "12th",
        "13th",
        "21st",
        "61st",
        "112th",
    ]


# --- C11: India's yearly amount ---------------------------------------------------------------


def india_years(claims, amounts: dict[int, float]) -> pd.DataFrame:
    since = cl.since_year(words(claims, "C11"))
    rows = [money("India", since + i, "obligation", a) for i, a in amounts.items()]
    return funding(*rows)


def test_every_year_at_the_amount_is_supported(claims):
    amount = cl.dollar_amount(words(claims, "C11"))
    found = cl.yearly_amount(claims, india_years(claims, {0: amount, 1: amount * 1.5, 2: amount}))
    assert found.verdict == cl.SUPPORTED
    assert "below" not in found.reason
    assert found.facts["years_below"] == "none"


def test_one_year_below_the_amount_makes_every_year_partly_supported(claims):
    amount = cl.dollar_amount(words(claims, "C11"))
    since = cl.since_year(words(claims, "C11"))
    found = cl.yearly_amount(claims, india_years(claims, {0: amount, 1: amount - 1, 2: amount}))
    assert found.verdict == cl.PARTLY
    assert found.facts["years_below"] == f"FY{since + 1}"
    assert usd(amount - 1) in found.reason


def test_a_year_without_a_figure_is_a_gap_not_a_pass(claims):
    amount = cl.dollar_amount(words(claims, "C11"))
    since = cl.since_year(words(claims, "C11"))
    found = cl.yearly_amount(claims, india_years(claims, {0: amount, 2: amount}))
    assert found.verdict == cl.PARTLY
    assert found.facts["years_no_figure"] == f"FY{since + 1}"


def test_every_year_below_contradicts_and_the_threshold_parameter_applies(claims):
    amount = cl.dollar_amount(words(claims, "C11"))
    table = india_years(claims, {0: amount, 1: amount})
    assert cl.yearly_amount(claims, table).verdict == cl.SUPPORTED
    assert cl.yearly_amount(claims, table, threshold_usd=amount * 2).verdict == cl.CONTRADICTED


def test_requests_and_training_value_are_not_money_received(claims):
    amount = cl.dollar_amount(words(claims, "C11"))
    since = cl.since_year(words(claims, "C11"))
    table = funding(
        money("India", since, "obligation", amount),
        money("India", since, "request", amount - 1),
        money("India", since, "training_value", amount - 1),
    )
    assert cl.yearly_amount(claims, table).verdict == cl.SUPPORTED


def test_since_fy_after_the_last_figure_is_a_parameter_error(claims):
    amount = cl.dollar_amount(words(claims, "C11"))
    table = india_years(claims, {0: amount})
    last = int(table["fiscal_year"].max())
    with pytest.raises(ParameterError, match="after the last year"):
        cl.yearly_amount(claims, table, since_fy=last + 1)


# --- C10: Turkey's rank -----------------------------------------------------------------------


def ranked(turkey_place: dict[int, int]) -> pd.DataFrame:
    """Obligations in which Turkey takes the given place (1 = largest) among five countries."""
    others = ["Pakistan", "Jordan", "Egypt", "India", "Nepal"]
    rows = []
    for fy, place in turkey_place.items():
        amounts = [100.0 - 10 * i for i in range(6)]
        rows.append(money("Turkey", fy, "obligation", amounts[place - 1], region="Europe"))
        rest = amounts[: place - 1] + amounts[place:]
        rows += [money(c, fy, "obligation", a) for c, a in zip(others, rest, strict=True)]
    return funding(*rows)


def test_the_named_rank_in_every_year_is_supported(claims):
    target = cl.ordinal_rank(words(claims, "C10"))
    found = cl.global_rank(claims, ranked({2019: target, 2020: target}))
    assert found.verdict == cl.SUPPORTED
    assert found.facts["latest_elsewhere"] == "none"


def test_a_rank_one_below_contradicts_that_year_and_makes_the_claim_partly_supported(claims):
    target = cl.ordinal_rank(words(claims, "C10"))
    table = ranked({2019: target, 2020: target + 1})
    ranks = budget.country_rank(table, "Turkey", 2019, 2020)
    per_year = cl.rank_verdicts(ranks, target).set_index("fiscal_year")["verdict"]
    assert per_year[2019] == cl.SUPPORTED and per_year[2020] == cl.CONTRADICTED
    found = cl.global_rank(claims, table)
    assert found.verdict == cl.PARTLY
    assert f"{cl.ordinal(target + 1)} of 6" in found.reason
    assert "FY2019" in found.facts["last_at_target"]


def test_never_at_the_named_rank_is_contradicted(claims):
    target = cl.ordinal_rank(words(claims, "C10"))
    found = cl.global_rank(claims, ranked({2019: target + 1, 2020: target + 2}))
    assert found.verdict == cl.CONTRADICTED


def test_a_year_without_a_figure_for_turkey_is_unverified_not_last():
    table = ranked({2019: 3, 2020: 3})
    table = table[~((table["country_name"] == "Turkey") & (table["fiscal_year"] == 2020))]
    ranks = budget.country_rank(table, "Turkey", 2019, 2020)
    per_year = cl.rank_verdicts(ranks, 3).set_index("fiscal_year")["verdict"]
    assert per_year[2020] == cl.UNVERIFIED


# --- C13: the region's request ----------------------------------------------------------------


def requests(*by_year: tuple[int, float]) -> pd.DataFrame:
    rows = [money("India", 2016, "request", 1)]
    rows += [money(SCA, fy, "request", a, scope="region") for fy, a in by_year]
    return funding(*rows)


def test_a_region_request_of_the_amount_is_supported_within_the_articles_rounding(claims):
    text = words(claims, "C13")
    asked, unit = cl.dollar_amount(text), cl.stated_unit(text)
    found = cl.request_amount(claims, requests((2020, asked - 3 * unit), (2021, asked + unit / 4)))
    assert found.verdict == cl.SUPPORTED
    assert found.facts["years_match"] == "FY2021"
    assert found.facts["region"] == SCA


def test_no_request_of_the_amount_is_partly_supported_and_none_at_all_unverified(claims):
    text = words(claims, "C13")
    asked, unit = cl.dollar_amount(text), cl.stated_unit(text)
    found = cl.request_amount(claims, requests((2021, asked + unit)))
    assert found.verdict == cl.PARTLY
    assert found.facts["years_match"] == "none"
    assert cl.request_amount(claims, requests()).verdict == cl.UNVERIFIED


# --- C16 and C19: the suspension and the resumption -----------------------------------------


def pakistan(suspension: str = "2018-08-10", resumption: str = "2019-12-19", earlier=True):
    rows = [event("2018-01-04", "suspension", eid="p:1")] if earlier else []
    rows += [event(suspension, "suspension", eid="p:2"), event(resumption, "resumption", eid="p:3")]
    return events(*rows)


def test_the_suspension_in_the_month_named_months_after_another_is_supported(claims):
    found = cl.suspension_month(claims, pakistan())
    assert found.verdict == cl.SUPPORTED
    assert found.facts["months_after"] == tl.format_months(
        tl.months_between("2018-01-04", "2018-08-10")
    )


def test_a_suspension_in_another_month_contradicts_the_date(claims):
    assert cl.suspension_month(claims, pakistan("2018-09-10")).verdict == cl.CONTRADICTED


def test_without_an_earlier_suspension_the_months_after_are_unchecked(claims):
    assert cl.suspension_month(claims, pakistan(earlier=False)).verdict == cl.PARTLY


def test_no_resumption_leaves_both_claims_unverified(claims):
    only = events(event("2018-08-10", "suspension", eid="p:2"))
    assert cl.suspension_month(claims, only).verdict == cl.UNVERIFIED
    assert cl.resumption_delay(claims, only).verdict == cl.UNVERIFIED


def test_resumption_more_than_a_year_later_is_supported_and_fewer_months_contradicted(claims):
    assert cl.resumption_delay(claims, pakistan()).verdict == cl.SUPPORTED
    found = cl.resumption_delay(claims, pakistan(resumption="2019-05-01"))
    assert found.verdict == cl.CONTRADICTED
    assert found.facts["months"] == tl.format_months(tl.months_between("2018-08-10", "2019-05-01"))


def test_a_resumption_dated_only_to_a_year_straddling_a_year_is_partly_supported(claims):
    assert cl.resumption_delay(claims, pakistan(resumption="2019")).verdict == cl.PARTLY


def test_a_later_resumption_is_reported_beside_the_first(claims):
    table = pd.concat([pakistan(), events(event("2020-01", "resumption", eid="p:4"))])
    found = cl.resumption_delay(claims, table)
    assert "2020-01" in found.reason
    assert found.facts["resumption"] == "2019-12-19"


# --- C04: rival officers in one class ---------------------------------------------------------

TITLE = "AIR COMD & STAFF COLLEGE"


def rivals_in_fy2008(claims, india: tuple[str, str], pakistan: tuple[str, str]):
    """India and Pakistan each in one FY2008 class of :data:`TITLE`, with (start, end)
    dates: the rows and the classmates claim's finding on them."""
    rows = training(
        course("India", 2008, TITLE, start=india[0], end=india[1]),
        course("Pakistan", 2008, TITLE, start=pakistan[0], end=pakistan[1]),
    )
    return rows, cl.rivals_share_classes(claims, rows)


def test_a_shared_dated_class_supports_the_classmates_claim(claims):
    same = ("2007-08-08", "2008-06-09")
    rows, found = rivals_in_fy2008(claims, same, same)
    assert found.verdict == cl.SUPPORTED
    assert found.facts["n_class"] == f"{len(cm.shared_classes_for(rows, cl.RIVALS).classes):,}"


def test_classes_at_different_times_leave_the_classmates_claim_unverified(claims):
    _, found = rivals_in_fy2008(claims, ("2007-08-08", "2008-01-09"), ("2008-02-08", "2008-06-09"))
    assert found.verdict == cl.UNVERIFIED
    assert "cannot show that none took place" in found.reason


def test_only_undated_matches_of_one_course_and_year_are_partly_supported(claims):
    rows = training(course("India", 2000, TITLE), course("Pakistan", 2000, TITLE))
    found = cl.rivals_share_classes(claims, rows)
    assert found.verdict == cl.PARTLY
    assert found.facts["n_class"] == "0"


# --- C02: the two schools -------------------------------------------------------------------

USAWC = "ARMY WAR COLLEGE (RESIDENT COURSE)"
NDU = "NWC INTERNATIONAL FELLOWS"


def test_both_schools_with_several_countries_support_the_schools_claim(claims):
    rows = training(
        *(course(c, 2010, t) for c in ("India", "Pakistan") for t in (USAWC, NDU)),
    )
    found = cl.war_colleges(claims, rows)
    assert found.verdict == cl.SUPPORTED
    assert found.figures["value"].str.startswith("2 ").all()


def test_one_school_with_one_country_is_partly_and_neither_school_unverified(claims):
    rows = training(course("India", 2010, USAWC), course("Pakistan", 2010, USAWC))
    one = training(course("India", 2010, USAWC), course("Pakistan", 2010, USAWC),
                   course("India", 2010, NDU))  # fmt: skip
    assert cl.war_colleges(claims, rows).verdict == cl.PARTLY
    assert cl.war_colleges(claims, one).verdict == cl.PARTLY
    other = training(course("India", 2010, "INFANTRY OFFICER BASIC"))
    assert cl.war_colleges(claims, other).verdict == cl.UNVERIFIED


def test_a_school_unknown_to_the_course_families_is_an_error():
    with pytest.raises(DataError, match="no family taught at"):
        cl.school_families(("Hogwarts",))


# --- C03: the countries named take part ---------------------------------------------------------


def named_four(israel_money: bool):
    rows = training(course("India", 2005, TITLE), course("Pakistan", 2006, TITLE))
    table = [money("Turkey", 2005, "obligation", 10, region="Europe")]
    table.append(money("Israel", 2005 if israel_money else 1991, "obligation", 10))
    return rows, funding(*table)


def test_all_countries_named_taking_part_supports_eligibility(claims):
    rows, money_table = named_four(israel_money=True)
    assert cl.countries_take_part(claims, rows, money_table).verdict == cl.SUPPORTED


def test_a_named_country_absent_from_records_and_money_makes_eligibility_partly_supported(claims):
    rows, money_table = named_four(israel_money=False)
    found = cl.countries_take_part(claims, rows, money_table)
    assert found.verdict == cl.PARTLY
    assert found.facts["absent"] == "Israel"
    assert "FY1991" in found.reason  # its last money, outside the records' span


# --- the table of all claims ------------------------------------------------------------------


def finding(claim_id: str, verdict: str) -> cl.Finding:
    return cl.Finding(claim_id, verdict, f"computed reason for {claim_id}", figures_table([]))


def test_verdict_table_keeps_sourced_claims_and_shows_both_verdicts_where_they_differ(claims):
    sourced = claims.set_index("claim_id")["verdict"]
    other = next(v for v in cl.VERDICTS if v != sourced["C10"])
    table = cl.verdict_table(claims, [finding("C10", other), finding("C11", sourced["C11"])])
    assert list(table["claim_id"]) == sorted(claims["claim_id"])
    rec = table.set_index("claim_id")
    assert rec.loc["C10", "basis"] == cl.COMPUTED and rec.loc["C10", "verdict"] == other
    assert rec.loc["C10", "sourced_verdict"] == sourced["C10"] and rec.loc["C10", "differs"]
    assert not rec.loc["C11", "differs"]
    assert rec.loc["C05", "basis"] == cl.SOURCED
    assert rec.loc["C05", "verdict"] == sourced["C05"]
    assert rec.loc["C05", "why"] == claims.set_index("claim_id").loc["C05", "evidence_found"]
    assert list(cl.differences(table)["claim"]) == ["C10"]
    counts = cl.verdict_counts(table).set_index("verdict")
    assert counts["total"].sum() == len(claims)
    assert counts["computed"].sum() == 2


def test_a_finding_for_an_unknown_claim_or_off_the_scale_is_an_error(claims):
    with pytest.raises(DataError, match="unknown claim"):
        cl.verdict_table(claims, [finding("C99", cl.SUPPORTED)])
    with pytest.raises(DataError, match="not one of"):
        finding("C10", "mostly true")


def test_markdown_table_escapes_text_and_links_evidence(claims):
    sourced = claims.set_index("claim_id")["verdict"]
    other = next(v for v in cl.VERDICTS if v != sourced["C13"])
    table = cl.verdict_table(claims, [finding("C13", other)])
    md = chc.markdown_table(table)
    lines = md.splitlines()
    assert len(lines) == 2 + len(claims)
    # Six cells a row: seven unescaped pipes, whatever the text holds.
    assert all(len(re.findall(r"(?<!\\)\|", line)) == 7 for line in lines)
    c13 = next(line for line in lines if line.startswith("| C13 "))
    assert f"[{chc.md_text(cl.EVIDENCE['C13'].label)}](<{cl.EVIDENCE['C13'].target}>)" in c13
    assert f"(claims table: {sourced['C13']})" in c13
    assert "\\$" in c13 and " $" not in c13.replace("\\$", "")  # no bare dollar: no maths
    c05 = next(line for line in lines if line.startswith("| C05 "))
    url = claims.set_index("claim_id").loc["C05", "source_url"]
    assert f'<a href="{url}">' in c05
    assert chc.md_text("a | b\nc") == "a \\| b c"


def test_external_links_escape_the_ampersand_once_and_never_end_a_cell():
    link = chc.html_link("A | B", "https://example.org/v?a=1&b=2|3")
    assert link == '<a href="https://example.org/v?a=1&amp;b=2%7C3">A \\| B</a>'


def test_external_links_keep_markup_and_markdown_in_the_label_as_text():
    link = chc.html_link("<b>[x](https://e.org/)</b>", "javascript:alert(1)")
    assert link == "&lt;b&gt;\\[x\\](https://e.org/)&lt;/b&gt;"


def test_headline_counts_are_formatted_strings(claims):
    table = cl.verdict_table(claims, [finding("C10", cl.CONTRADICTED)])
    head = chc.headline(table)
    assert head["n_claims"] == f"{len(claims):,}"
    assert head["n_computed"] == "1" and head["n_computed_contradicted"] == "1"
    assert int(head["n_supported"]) + int(head["n_partly"]) + int(head["n_contradicted"]) + int(
        head["n_unverified"]
    ) == len(claims)


# --- links and parameters -------------------------------------------------------------------


def _heading_slugs(notebook: Path) -> set[str]:
    nb = nbformat.read(notebook, as_version=4)
    return {
        default_slugify(line.lstrip("#").strip())
        for cell in nb.cells
        if cell.cell_type == "markdown"
        for line in cell.source.splitlines()
        if re.match(r"#{1,3} ", line)
    }


@pytest.mark.parametrize("claim_id", sorted(cl.EVIDENCE))
def test_every_evidence_link_names_a_heading_of_its_chapter(claim_id):
    link = cl.EVIDENCE[claim_id]
    assert link.anchor in _heading_slugs(CHAPTERS / link.page)


def test_every_computed_claim_has_an_evidence_link(claims):
    assert set(cl.COMPUTED_CLAIMS) == set(cl.EVIDENCE)


@pytest.mark.parametrize(
    ("values", "text"),
    [
        ({"threshold_usd": -1}, "positive amount"),
        ({"threshold_usd": "a million"}, "expected an amount"),
        ({"threshold_usd": True}, "expected an amount"),
        ({"since_fy": 1800}, "outside the data's range"),
        ({"since": 2003}, "closest: since_fy"),
    ],
)
def test_params_reject_bad_values_before_any_kernel_starts(values, text):
    with pytest.raises(ParameterError, match=text):
        params.validate("claims", values)


def test_params_accept_none_and_numbers():
    assert params.validate("claims", {"threshold_usd": None, "since_fy": None}) == {
        "threshold_usd": None,
        "since_fy": None,
    }
    assert params.validate("claims", {"threshold_usd": 1500000})["threshold_usd"] == 1500000.0
