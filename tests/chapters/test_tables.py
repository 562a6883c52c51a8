"""The one table-display helper: escaping, fixed ids, deterministic text, gaps, layout."""

import re

import pandas as pd
import pytest

from imetbook.chapters import tables
from imetbook.errors import ContractError

SCRIPT = "<script>alert(1)</script>"
TABLE_ID = re.compile(r'<table\b[^>]*\bid="([^"]+)"')


def css_rules(page: str) -> dict[str, str]:
    """Selector -> properties of the table's <style> block."""
    style = page.split("</style>")[0]
    return {sel.strip(): props for sel, props in re.findall(r"([^{}]+)\{([^}]*)\}", style)}


def test_cells_and_headers_are_escaped_unless_declared_html():
    link = tables.link("A & B", "https://e.org/?a=1&b=2")
    df = pd.DataFrame({"title <b>": [SCRIPT], "source": [link], "note": [link]})
    page = tables.show(df, "t-1", html_columns=["source"]).html
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "title &lt;b&gt;" in page
    # The declared column keeps its markup; the same markup elsewhere is shown as text.
    assert f"{link}</td>" in page
    assert "&lt;a href=" in page


def test_formatted_values_and_gap_text_are_escaped_too():
    df = pd.DataFrame({"a": [1.0, None]})
    page = tables.show(df, "t-1", na_rep="<none>", formats={"a": lambda v: f"<{v}>"}).html
    assert "&lt;1.0&gt;" in page and "&lt;none&gt;" in page and "<none>" not in page


def test_repr_is_deterministic_and_names_the_table():
    df = pd.DataFrame({"Country": ["India", "Nepal"], ("FY", "x"): [1, 2]})
    a, b = tables.show(df, "t-1"), tables.show(df.copy(), "t-1")
    assert repr(a) == repr(b) == "[table t-1: 2 rows; columns: Country, FY x]"
    assert a.html == b.html and a._repr_html_() == a.html
    assert "0x" not in repr(a)


def test_the_id_is_fixed_and_must_be_usable_in_html():
    page = tables.show(pd.DataFrame({"a": [1]}), "budget-totals").html
    assert 'id="T_budget-totals"' in page and "#T_budget-totals td" in page
    assert tables.show(pd.DataFrame({"a": [1]}), "other").html != page
    with pytest.raises(ContractError, match="table id 'a b'"):
        tables.show(pd.DataFrame({"a": [1]}), "a b")


def test_missing_values_show_the_gap_text_and_numbers_keep_their_digits():
    df = pd.DataFrame(
        {
            "n": pd.array([3, None], dtype="Int64"),
            "x": [2.0, 2.5],
            "s": pd.array(["a", None], dtype="str"),
        }
    )
    page = tables.show(df, "t-1", na_rep="no record").html
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", page)
    assert cells == ["3", "2", "a", "no record", "2.5", "no record"]


def test_formats_apply_per_column_and_never_see_a_gap():
    df = pd.DataFrame({"usd": [1234567.0, None], "year": [2003, 2004]})
    page = tables.show(df, "t-1", na_rep="gap", formats={"usd": "{:,.0f}"}).html
    assert re.findall(r"<td[^>]*>([^<]*)</td>", page) == ["1,234,567", "2003", "gap", "2004"]


def test_options_naming_a_missing_column_fail_with_one_clear_line():
    df = pd.DataFrame({"a": [1]})
    with pytest.raises(ContractError, match="table 't-1' has no column b"):
        tables.show(df, "t-1", html_columns=["b"])
    with pytest.raises(ContractError, match="duplicate columns: a"):
        tables.show(pd.DataFrame([[1, 2]], columns=["a", "a"]), "t-1")


def test_short_columns_stay_on_one_line_and_long_text_gets_room():
    df = pd.DataFrame({"year": ["FY2003"], "text": ["word " * 20], "mid": ["x" * 40]})
    rules = css_rules(tables.show(df, "t-1").html)
    assert "nowrap" in rules["#T_t-1 td.col0"]
    assert "min-width" in rules["#T_t-1 td.col1"] and "nowrap" not in rules["#T_t-1 td.col1"]
    assert "#T_t-1 td.col2" not in rules
    # Widths count the visible text of a link, not its markup.
    linked = pd.DataFrame({"src": [tables.link("short", "https://example.org/" + "p" * 80)]})
    assert (
        "nowrap"
        in css_rules(tables.show(linked, "t-2", html_columns=["src"]).html)["#T_t-2 td.col0"]
    )


def test_index_caption_gradient_and_compact_are_opt_in():
    df = pd.DataFrame({"share": [0.25, 1.0]}, index=pd.Index(["<x>", "y"], name="row"))
    plain = tables.show(df, "t-1").html
    assert "&lt;x&gt;" not in plain and "background-color" not in plain and "<caption" not in plain
    page = tables.show(
        df, "t-1", index=True, caption="Shares <1>", gradient=["share"], compact=True
    ).html
    assert "&lt;x&gt;" in page and "<caption>Shares &lt;1&gt;</caption>" in page
    assert "background-color" in page and "font-size: 0.85em" in page


def test_links_escape_text_and_address_and_fall_back_to_text():
    assert tables.link("A & B", None) == "A &amp; B"
    assert tables.link("A", "  ") == "A"
    assert (
        tables.link("T", "https://e.org/?a=1&b=2") == '<a href="https://e.org/?a=1&amp;b=2">T</a>'
    )
    assert tables.link('"><script>', 'https://e.org/x"onclick="y') == (
        '<a href="https://e.org/x&quot;onclick=&quot;y">&quot;&gt;&lt;script&gt;</a>'
    )


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        " JavaScript:alert(1)",
        "java\tscript:alert(1)",
        "\x01javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "//evil.example/x",
        "/relative/page.html",
        "https://e.org/a b",
        "https:///no-host",
        "ftp://e.org/file",
    ],
)
def test_links_only_to_http_addresses(url):
    assert tables.http_url(url) is None
    assert tables.link("<b>T</b>", url) == "&lt;b&gt;T&lt;/b&gt;"


def test_http_addresses_are_kept_as_given():
    for url in ("http://e.org", "HTTPS://e.org/p?q=1#f", " https://e.org/x "):
        assert tables.http_url(url) == url.strip()


def test_headers_read_as_words():
    page = tables.show(pd.DataFrame({"fiscal_year": [2001], "class_id": ["c1"]}), "t-1").html
    assert ">fiscal year</th>" in page and ">class id</th>" in page
    assert "fiscal_year</th>" not in page


@pytest.mark.parametrize("gap", [pd.NA, None, float("nan")])
def test_no_cell_reads_na_nan_or_none(gap):
    # A value that reaches the page as text, e.g. from an f-string over a missing value.
    df = pd.DataFrame({"a": pd.Series([gap, "x"], dtype="object"), "b": [f"{gap}", "y"]})
    page = tables.show(df, "t-1", na_rep="no record").html
    cells = re.findall(r"<td[^>]*>(.*?)</td>", page)
    assert cells.count("no record") == 2
    assert not {"<NA>", "&lt;NA&gt;", "nan", "None"} & set(cells)


def test_long_or_wide_tables_are_interactive_short_ones_not():
    long = pd.DataFrame({"n": range(tables.LONG_ROWS + 1)})
    wide = pd.DataFrame([list(range(tables.WIDE_COLUMNS + 1))])
    short = pd.DataFrame({"n": range(tables.LONG_ROWS)})
    marked = [tables.INTERACTIVE_CLASS in tables.show(df, "t").html for df in (long, wide, short)]
    assert marked == [True, True, False]
    assert tables.INTERACTIVE_CLASS in tables.show(short, "t", interactive=True).html
    assert "<script" not in tables.show(long, "t").html  # the library is never inlined


def test_every_table_has_a_caption_by_default():
    page = tables.show(pd.DataFrame({"a": [1]}), "cm-roster").html
    assert (
        f"<caption>{tables.captions.CAPTIONS['cm-roster']}</caption>".replace("'", "&#x27;") in page
    )
    family = tables.show(pd.DataFrame({"a": [1]}), "budget-chain-sources-India").html
    assert (
        "India: the sources" in family and "budget-chain" not in family.split("<caption>")[1][:40]
    )
    assert (
        "<caption>own</caption>" in tables.show(pd.DataFrame({"a": [1]}), "x", caption="own").html
    )


def test_every_table_in_the_committed_chapters_has_a_caption():
    import json
    from pathlib import Path

    uncaptioned = []
    for nb in sorted((Path(__file__).parents[2] / "chapters").glob("*.ipynb")):
        for cell in json.loads(nb.read_text(encoding="utf-8"))["cells"]:
            for out in cell.get("outputs", []):
                page = "".join(out.get("data", {}).get("text/html", ""))
                for table in re.findall(r"<table\b.*?</table>", page, re.S):
                    if "<caption>" not in table:
                        named = TABLE_ID.search(table)
                        uncaptioned.append(f"{nb.name}: {named[1] if named else table[:80]}")
    assert not uncaptioned
