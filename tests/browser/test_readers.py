"""What a reader sees at a desktop width and on a phone (issue 16).

On every chapter and on the India, Pakistan and Bangladesh pages, at 1400 px and 390 px: the
page never scrolls sideways; every chart's SVG keeps its text as ``<text>``; no table cell
reads ``<NA>``, ``nan`` or ``None``; the sidebar lists country pages by name. The classmates
roster has a search box that narrows it. A full-page screenshot of each page at each width goes
to ``_build/screenshots/<width>/``.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

from .browser_support import site_dir, site_pages
from .conftest import watch

pytestmark = pytest.mark.browser

WIDTHS = (1400, 390)
COUNTRY_DIR = "chapters/country/"
COUNTRY_PAGES = ("IND", "PAK", "BGD")
ROSTER_PAGE = "chapters/classmates.html"
ROSTER_TABLE = "#T_cm-roster"
ROSTER_QUERY = "War College"
GAP_TEXTS = {"<NA>", "nan", "NaN", "None", "NaT"}


def _reader_pages() -> list[str]:
    pages = site_pages(site_dir())
    chapters = [p for p in pages if not p.startswith(COUNTRY_DIR) or p.endswith("/index.html")]
    countries = [
        f"{COUNTRY_DIR}{c}.html" for c in COUNTRY_PAGES if f"{COUNTRY_DIR}{c}.html" in pages
    ]
    return [
        p for p in chapters if p not in ("index.html", "search.html", "genindex.html")
    ] + countries


PAGES = _reader_pages()

OVERFLOW_JS = """() => ({page: document.documentElement.scrollWidth, view: window.innerWidth,
  wide: [...document.querySelectorAll("article *")]
    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
                 && !e.closest(".dt-container, .output, .cell_output, pre, .highlight"))
    .slice(0, 3).map(e => e.tagName + "." + e.className)})"""
CHARTS_JS = """() => [...document.querySelectorAll("svg.imetbook-chart")].map(svg => {
  const box = svg.getBoundingClientRect();
  const cut = [...svg.querySelectorAll("text")].filter(t => {
    const r = t.getBoundingClientRect();
    return r.width && (r.left < box.left - 1 || r.right > box.right + 1);
  });
  return {title: svg.querySelector(":scope > title")?.textContent || "",
          texts: svg.querySelectorAll("text").length,
          cut: cut.slice(0, 2).map(t => t.textContent.slice(0, 50))};
})"""
CELLS_JS = """() => [...document.querySelectorAll("article td, article th")]
  .map(c => c.textContent.trim())"""
SIDEBAR_JS = """() => [...document.querySelectorAll(".bd-sidebar-primary nav a.reference")]
  .filter(a => /chapters\\/country\\/[A-Z]{3}\\.html/.test(a.href))
  .map(a => a.textContent.trim())"""
INFO_JS = """(sel) => {
  const box = document.querySelector(sel)?.closest(".dt-container");
  const info = box?.querySelector(".dt-info")?.textContent || "";
  const m = info.replace(/,/g, "").match(/of (\\d+) entr/);
  return m ? Number(m[1]) : null;
}"""


PHONE = 390
# On a phone: the page itself never scrolls sideways (document.scrollingElement); every chart
# scales to the column (its figure has nothing to scroll); a table wider than the column
# scrolls inside a box of its own that fits the screen.
PHONE_JS = """() => {
  const view = window.innerWidth;
  const fits = (e) => e.getBoundingClientRect().right <= view + 1;
  const charts = [...document.querySelectorAll("figure.imetbook-figure")]
    .filter(f => f.scrollWidth > f.clientWidth + 1 || !fits(f)
                 || f.querySelector("svg").getBoundingClientRect().width > f.clientWidth + 1)
    .map(f => f.querySelector("svg > title")?.textContent || "(untitled chart)");
  const scrolls = (e) => ["auto", "scroll"].includes(getComputedStyle(e).overflowX);
  const tables = [...document.querySelectorAll("article table")]
    .filter(t => !fits(t))
    .filter(t => {
      for (let e = t.parentElement; e && e !== document.body; e = e.parentElement) {
        if (scrolls(e) && fits(e)) return false;
      }
      return true;
    })
    .map(t => t.id || t.querySelector("caption")?.textContent || t.className);
  return {scroll: document.scrollingElement.scrollWidth, view, charts, tables};
}"""
# The rule the book's stylesheet had before charts scaled to the column: kept here to show
# that the phone check notices a chart that scrolls sideways inside its figure.
OLD_PHONE_RULE = "svg.imetbook-chart { min-width: 480px !important; }"


class _Cells(HTMLParser):
    """Text of every table cell in a static HTML page (every row, paged or not)."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[str] = []
        self._depth = 0
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("td", "th"):
            self._depth += 1
            self._text = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._depth:
            self._depth -= 1
            self.cells.append("".join(self._text).strip())

    def handle_data(self, data):
        if self._depth:
            self._text.append(data)


_LOGS: dict = {}  # page -> what it logged (conftest.watch)


def settle(page) -> None:
    """Wait until the page's own requests have ended (see ``conftest.Inflight``)."""
    problems = _LOGS[page].inflight.settle_sync(page)
    assert not problems, f"{page.url}: {problems[0]}"


@pytest.fixture(scope="module")
def pages_by_width(browser, base_url: str):
    """One watched page per width (``conftest.watch``), and what each logged."""
    out, contexts = {}, []
    for width in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 900})
        contexts.append(context)
        out[width] = context.new_page()
        _LOGS[out[width]] = watch(out[width], base_url)
    yield out, {width: _LOGS[page] for width, page in out.items()}
    for context in contexts:
        context.close()


def test_the_reader_pages_exist():
    assert any(p.startswith("chapters/") for p in PAGES), f"no chapter pages in {site_dir()}"
    missing = [c for c in COUNTRY_PAGES if f"{COUNTRY_DIR}{c}.html" not in PAGES]
    assert not missing, f"country pages missing from the build: {missing}"


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("rel", PAGES)
def test_page_reads_well(rel: str, width: int, site: Path, base_url: str, pages_by_width):
    pages, logs = pages_by_width
    page = pages[width]
    logs[width].reset()
    page.goto(base_url + rel, wait_until="load")
    settle(page)
    problems = [f"needs the network: {u}" for u in logs[width].blocked]

    size = page.evaluate(OVERFLOW_JS)
    if size["page"] > size["view"] + 1:
        problems.append(
            f"page scrolls sideways: {size['page']} px in {size['view']} px {size['wide']}"
        )
    for chart in page.evaluate(CHARTS_JS):
        if chart["texts"] == 0:
            problems.append(f"chart without <text> (text drawn as paths): {chart['title']!r}")
        if chart["cut"]:
            problems.append(f"chart text cut off at its edge: {chart['title']!r} {chart['cut']}")
    shown = [c for c in page.evaluate(CELLS_JS) if c in GAP_TEXTS]
    parser = _Cells()
    parser.feed((site / rel).read_text(encoding="utf-8"))
    stored = [c for c in parser.cells if c in GAP_TEXTS]
    if shown or stored:
        problems.append(f"cells read as missing-value markers: {sorted(set(shown + stored))}")
    names = page.evaluate(SIDEBAR_JS)
    if names != sorted(names, key=str.casefold):
        problems.append(f"sidebar country pages not in name order: {names}")

    shot = (
        site.parent
        / "screenshots"
        / str(width)
        / (rel.removesuffix(".html").replace("/", "__") + ".png")
    )
    shot.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shot), full_page=True)
    assert not problems, f"{rel} at {width} px:\n  " + "\n  ".join(problems)


def test_sidebar_lists_several_countries_by_name(base_url: str, pages_by_width):
    page = pages_by_width[0][WIDTHS[0]]
    page.goto(base_url + PAGES[0], wait_until="load")
    names = page.evaluate(SIDEBAR_JS)
    assert len(names) >= 2, f"sidebar lists {names}"
    assert names == sorted(names, key=str.casefold)


@pytest.mark.parametrize("width", WIDTHS)
def test_roster_search_narrows_the_table(width: int, base_url: str, pages_by_width):
    page = pages_by_width[0][width]
    page.goto(base_url + ROSTER_PAGE, wait_until="load")
    settle(page)
    before = page.evaluate(INFO_JS, ROSTER_TABLE)
    assert before, "the roster is not an interactive table (no DataTables info line)"
    box = page.locator(ROSTER_TABLE).locator("xpath=ancestor::div[contains(@class,'dt-container')]")
    search = box.locator("input[type=search]")
    search.fill(ROSTER_QUERY)
    page.wait_for_function(f"() => ({INFO_JS})({ROSTER_TABLE!r}) !== {before}", timeout=10_000)
    after = page.evaluate(INFO_JS, ROSTER_TABLE)
    assert 0 < after < before, f"searching {ROSTER_QUERY!r}: {before} -> {after} rows"
    rows = page.locator(f"{ROSTER_TABLE} tbody tr").all_inner_texts()
    # DataTables' smart search: every word of the query, anywhere in the row.
    words = ROSTER_QUERY.casefold().split()
    assert rows and all(all(w in r.casefold() for w in words) for r in rows)


def _phone_problems(page) -> list[str]:
    got = page.evaluate(PHONE_JS)
    problems = []
    if got["scroll"] > got["view"]:
        problems.append(f"page scrolls sideways: {got['scroll']} px in {got['view']} px")
    problems += [f"chart wider than the column: {t!r}" for t in got["charts"]]
    problems += [f"table widens the page (no scroll box of its own): {t!r}" for t in got["tables"]]
    return problems


@pytest.mark.parametrize("rel", PAGES)
def test_phone_never_scrolls_sideways(rel: str, base_url: str, pages_by_width):
    page = pages_by_width[0][PHONE]
    page.goto(base_url + rel, wait_until="load")
    settle(page)
    problems = _phone_problems(page)
    assert not problems, f"{rel} at {PHONE} px:\n  " + "\n  ".join(problems)


def test_phone_check_sees_a_chart_that_scrolls_sideways(base_url: str, pages_by_width):
    page = pages_by_width[0][PHONE]
    rel = next(p for p in PAGES if p.endswith("budget.html"))
    page.goto(base_url + rel, wait_until="load")
    settle(page)
    assert page.evaluate(CHARTS_JS), f"{rel} has no chart"
    page.add_style_tag(content=OLD_PHONE_RULE)
    assert any(p.startswith("chart wider") for p in _phone_problems(page))


def test_a_focused_chart_grows_legible_and_scrolls_inside_its_figure(base_url: str, pages_by_width):
    page = pages_by_width[0][PHONE]
    rel = next(p for p in PAGES if p.endswith("budget.html"))
    page.goto(base_url + rel, wait_until="load")
    settle(page)
    figure = page.locator("figure.imetbook-figure").first
    size = "f => [f.querySelector('svg').getBoundingClientRect().width, f.clientWidth]"
    before, column = figure.evaluate(size)
    assert before <= column + 1  # scaled to the column
    figure.focus()
    after, column = figure.evaluate(size)
    assert after > column + 1  # legible: wider than the column, scrolling in its figure
    assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
