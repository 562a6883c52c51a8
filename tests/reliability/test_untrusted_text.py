"""Text from the data stays text on the pages: markup, Markdown links and ``javascript:``.

The real tables, with an ``<img onerror>`` tag, a Markdown link and a ``javascript:`` address
put into a course title, a funding row (title, note, address), a claim (evidence, source,
address) and a timeline event, go through the chapter modules that build the pages: the
exact HTML and Markdown each chapter puts on its page. Markdown is rendered to HTML with
MyST's own parser (as Jupyter Book reads ``{glue:md}`` and ``display(Markdown(...))``). The
pages must hold every payload as visible text and none of it as markup: no ``<img>`` or
``<script>`` element, no ``on*`` attribute, no link but to ``http(s)`` addresses (or the
book's own pages), and not the Markdown link. A small Jupyter Book build checks the same on
a built page (slow).
"""

from __future__ import annotations

from html.parser import HTMLParser

import pandas as pd
import pytest
from markdown_it.renderer import RendererHTML
from myst_parser.config.main import MdParserConfig
from myst_parser.parsers.mdit import create_md_parser

from imetbook.analysis import claims as cl
from imetbook.analysis import classmates as cm
from imetbook.analysis import country_pages as cp
from imetbook.analysis import courses
from imetbook.analysis import timeline as tl
from imetbook.analysis import timeline_yearly as ty
from imetbook.chapters import claims as chc
from imetbook.chapters import country_text as ct
from imetbook.chapters import pakistan as pk
from imetbook.chapters import tables
from imetbook.data import datasets

IMG = "<img src=x onerror=alert(1)>"
MD_LINK = "[click here](https://evil.example/)"
JS = "javascript:alert(1)"
PAYLOAD = f"{IMG} {MD_LINK}"


def myst_html(markdown: str) -> str:
    """``markdown`` as MyST-Parser renders it (the book's extensions, raw HTML passed on)."""
    config = MdParserConfig(enable_extensions={"colon_fence", "substitution", "deflist"})
    return create_md_parser(config, RendererHTML).render(markdown)


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.handlers: list[str] = []
        self.hrefs: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for key, value in attrs:
            if key.lower().startswith("on"):
                self.handlers.append(f"{tag} {key}={value}")
            if key.lower() in ("href", "src"):
                self.hrefs.append(value or "")

    def handle_data(self, data):
        self.text.append(data)


def assert_only_text(page: str, where: str) -> None:
    """The payloads are in ``page`` as visible text and nowhere as markup."""
    parsed = _Page()
    parsed.feed(page)
    assert not {"img", "script", "iframe"} & set(parsed.tags), f"{where}: {parsed.tags}"
    assert not parsed.handlers, f"{where}: event handlers {parsed.handlers}"
    for href in parsed.hrefs:
        ok = href.startswith(("http://", "https://", "#")) or href.split("#")[0].endswith(
            (".html", ".ipynb")
        )
        assert ok and "evil.example" not in href, f"{where}: live link {href!r}"
    text = " ".join("".join(parsed.text).split())
    assert IMG in text, f"{where}: the <img> payload is not shown as text"
    assert MD_LINK in text, f"{where}: the Markdown link is not shown as text"


@pytest.fixture(scope="module")
def real():
    datasets._read.cache_clear()
    return {name: datasets.load(name) for name in ("training", "funding", "events", "claims")}


def test_the_check_catches_live_markup():
    """The assertion itself fails on what the pages held before escaping (can fail)."""
    for page in (myst_html(f"e.g. {PAYLOAD}."), tables.link("t", JS).replace("t", IMG)):
        with pytest.raises(AssertionError):
            assert_only_text(page, "unescaped")
    with pytest.raises(AssertionError):
        assert_only_text(f'<a href="{JS}">{IMG} {MD_LINK}</a>'.replace("<img", "&lt;img"), "js")


def _retitle(training: pd.DataFrame, title: str) -> pd.DataFrame:
    out = training.copy()
    out.loc[out["course_title"] == title, "course_title"] = f"{PAYLOAD} {title}"
    return out


def test_claims_reason_from_a_course_title_is_text(real):
    """C04's reason names the example class's course title: glued with ``{glue:md}``."""
    result = cm.shared_classes_for(real["training"], list(cl.RIVALS))
    example = cm.example_class(result)
    title = result.classes.set_index("class_id").loc[example, "course_title"]
    finding = cl.rivals_share_classes(real["claims"], _retitle(real["training"], title))
    assert IMG in finding.reason, "the payload did not reach the reason: nothing is tested"
    assert_only_text(myst_html(chc.reason_md(finding)), "claims: reason_C04 (glue:md)")
    figures = tables.show(finding.figures, "probe-figures").html
    assert_only_text(figures, "claims: figures table")


def test_claims_table_sources_and_evidence_are_text(real):
    claims = real["claims"].copy()
    sourced = ~claims["claim_id"].isin(cl.COMPUTED_CLAIMS)
    claims.loc[sourced, "source_title"] = PAYLOAD
    claims.loc[sourced, "source_url"] = JS
    claims.loc[sourced, "evidence_found"] = PAYLOAD
    table = cl.verdict_table(claims, [])
    assert_only_text(myst_html(chc.markdown_table(table)), "claims: the claims table")
    assert f'href="{JS}' not in chc.markdown_table(table)


def _funding_payload(funding: pd.DataFrame, iso3: str) -> pd.DataFrame:
    out = funding.copy()
    mine = out["iso3"].eq(iso3)
    out.loc[mine, "source_title"] = PAYLOAD
    out.loc[mine, "source_url"] = JS
    out.loc[mine, "note"] = PAYLOAD
    out.loc[mine, "source"] = PAYLOAD
    return out


def test_country_page_funding_table_is_text(real):
    funding = _funding_payload(real["funding"], "PAK")
    table = ct.funding_table(cp.funding_rows(funding, "PAK"))
    table["source"] = [
        tables.link(t, u) for t, u in zip(table["source"], table["address"], strict=True)
    ]
    page = tables.show(table.drop(columns="address"), "cp-funding", html_columns=["source"]).html
    assert_only_text(page, "country page: funding table")


def test_country_page_disagreements_are_text(real):
    funding = real["funding"].copy()
    rows = cp.funding_rows(funding, "PAK").head(2).copy()
    rows["fiscal_year"], rows["measure"] = rows["fiscal_year"].iloc[0], rows["measure"].iloc[0]
    rows["amount_usd"] = [1.0, 2.0]
    rows["source"] = [PAYLOAD, "other"]
    clashes = ct.disagreements(cp.funding_by_year(rows))
    assert clashes, "no disagreement built: nothing is tested"
    assert_only_text(myst_html("Sources disagree: " + "; ".join(clashes) + "."), "disagreements")


def test_pakistan_sources_table_is_text(real):
    funding = _funding_payload(real["funding"], "PAK")
    lo, hi = int(funding["fiscal_year"].min()), int(funding["fiscal_year"].max())
    sources = ty.measure_sources(funding, "PAK", lo, hi)
    page = tables.show(
        pk.with_links(sources, "source", "address"), "tl-sources", html_columns=["source"]
    ).html
    assert_only_text(page, "pakistan: sources table")


def test_timeline_events_are_text(real):
    events = real["events"].copy()
    events["event"] = PAYLOAD
    events["source_title"] = PAYLOAD
    events["source_url"] = JS
    ev = tl.country_events(events, "PAK")
    page = tables.show(pk.events_html(ev), "tl-events", html_columns=[pk.EVENTS_HTML_COLUMN]).html
    assert_only_text(page, "pakistan and country pages: events table")


def test_country_page_opening_from_a_course_title_is_text(real):
    """The opening paragraph names the country's top course: glued with ``{glue:md}``. Every
    record of the top course is given one title holding the payload, so it stays on top."""
    training = real["training"].copy()
    rows = cp.imet_rows(training, "PAK")
    top = cp.top_courses(rows)["course"].iloc[0]
    family = rows["course_title"].map(courses.course_family)
    mine = rows.index[(family == top) | (rows["course_title"] == top)]
    training.loc[mine, "course_title"] = f"{PAYLOAD} Probe Course"
    training.loc[mine, "course_key"] = "probe course"
    rows = cp.imet_rows(training, "PAK")
    by_year = cp.imet_by_year(training, "PAK")
    text = ct.opening_text(
        "Pakistan", cp.headline(by_year), cp.top_courses(rows), cp.other_programs(training, "PAK")
    )
    assert "onerror" in text, "the payload did not reach the opening: nothing is tested"
    assert_only_text(myst_html(text), "country page: opening (glue:md)")


# --- one small book, built as the real one ------------------------------------------------------


class _Live(HTMLParser):
    """What of the payloads a built page holds as markup."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.live: list[str] = []

    def handle_starttag(self, tag, attrs):
        for key, value in attrs:
            value = (value or "").strip().lower()
            if key.startswith("on") and "alert(1)" in value:
                self.live.append(f"<{tag} {key}={value}>")
            if key in ("href", "src") and (
                value.startswith("javascript:") or "evil.example" in value
            ):
                self.live.append(f"<{tag} {key}={value}>")
        if tag == "img" and dict(attrs).get("src") == "x":
            self.live.append("<img src=x>")


@pytest.mark.slow
def test_a_built_page_holds_the_payloads_only_as_text(real, tmp_path):
    """The fragments above, glued (``{glue:md}``) and displayed as the chapters do, in a
    notebook executed like the chapters and built by Jupyter Book with the book's config."""
    import yaml
    from fixture_helpers import built_page, notebook

    from imetbook import paths

    result = cm.shared_classes_for(real["training"], list(cl.RIVALS))
    title = result.classes.set_index("class_id").loc[cm.example_class(result), "course_title"]
    reason = chc.reason_md(
        cl.rivals_share_classes(real["claims"], _retitle(real["training"], title))
    )
    claims = real["claims"].copy()
    sourced = ~claims["claim_id"].isin(cl.COMPUTED_CLAIMS)
    claims.loc[sourced, ["source_title", "evidence_found"]] = PAYLOAD
    claims.loc[sourced, "source_url"] = JS
    claims_md = chc.markdown_table(cl.verdict_table(claims, []))
    funding = _funding_payload(real["funding"], "PAK")
    table = ct.funding_table(cp.funding_rows(funding, "PAK"))
    table["source"] = [
        tables.link(t, u) for t, u in zip(table["source"], table["address"], strict=True)
    ]
    funding_html = tables.show(
        table.drop(columns="address"), "cp-funding", html_columns=["source"]
    ).html

    book = tmp_path / "book"
    book.mkdir()
    config = yaml.safe_load((paths.project_root() / "_config.yml").read_text(encoding="utf-8"))
    (book / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    (book / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n  - file: page\n")
    (book / "intro.md").write_text("# Probe\n\nPages with data text that holds markup.\n")
    # The config ships the downloads folder the data build writes (html_extra_path).
    (book / "data" / "processed" / "site").mkdir(parents=True)
    nb = notebook(
        "from IPython.display import HTML, Markdown, display\nfrom myst_nb import glue\n"
        f"glue('reason', Markdown({reason!r}), display=False)\n"
        f"display(Markdown({claims_md!r}))\ndisplay(HTML({funding_html!r}))",
        markdown="# Data text\n\nThe reason: {glue:md}`reason`",
    )
    page = built_page(book, nb, "page")
    live = _Live()
    live.feed(page)
    assert not live.live, f"live markup on the built page: {live.live}"
    shown = page.count("&lt;img src=x onerror=alert(1)&gt;")
    assert shown >= 3, f"the payload is shown as text only {shown} times"
    assert MD_LINK in page
