"""The built book in a real browser: what a reader would notice first.

For every HTML page of ``_build/html``: it loads with no console error, no failed request and
no request beyond localhost; every ``<img>`` decodes (natural width > 0) and has alt text;
every chart (inline SVG) has a size and an accessible name; every internal link points at an
existing file and anchor. The search page finds a country. The screenshots of every chapter
for review are ``test_readers``' (``_build/screenshots/<width>/``, at a desktop and a phone
width); the sweep takes none (a third, desktop-width copy cost about 13 s of browser time).

All pages are checked once, in one browser with :data:`TABS` tabs at a time, by a session
fixture; each page is still its own test, failing with that page's problems.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import re
import threading
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from lxml import html as lxml_html

from . import conftest
from .browser_support import site_dir, site_pages
from .conftest import CHROMIUM_ARGS, chromium_executable, local_server, open_tab

pytestmark = pytest.mark.browser

SEARCH_TERM = "Pakistan"
REFRESH = re.compile(r"<meta\s+http-equiv=[\"']?refresh", re.I)
IMAGE_FILE = re.compile(r"\.(svg|png|jpe?g|gif|webp)$", re.I)
PAGES = site_pages(site_dir())

# Runs in the page: load every image (lazy ones too) and report what the reader gets.
IMAGES_JS = """async () => {
  const out = [];
  for (const img of document.images) {
    img.loading = "eager";
    try { await img.decode(); } catch (e) {}
    out.push({src: img.currentSrc || img.src, width: img.naturalWidth,
              alt: img.getAttribute("alt"), inArticle: !!img.closest("article")});
  }
  return out;
}"""
# Charts are inline SVG with role="img" (imetbook.figures.plots); notebook outputs may hold others.
CHARTS_JS = """() => {
  document.querySelectorAll("details").forEach(d => { d.open = true; });
  // Outputs' own SVG (not the copy button's icon) and every SVG that claims to be an image.
  const svgs = document.querySelectorAll(
    "article svg[role=img], .cell_output svg:not(button svg):not(svg svg)");
  return [...svgs].map(svg => {
    const r = svg.getBoundingClientRect();
    const ids = (svg.getAttribute("aria-labelledby") || "").split(/\\s+/).filter(Boolean);
    const named = ids.map(id => document.getElementById(id)?.textContent.trim() || "");
    const title = svg.querySelector(":scope > title")?.textContent.trim() || "";
    return {width: r.width, height: r.height, children: svg.childElementCount,
            name: svg.getAttribute("aria-label") || named.join(" ").trim() || title};
  });
}"""
SEARCH_DONE_JS = """() => {
  const s = document.querySelector("#search-results .search-summary");
  return !!s && s.textContent.trim().length > 0;
}"""
LINKS_JS = """() => [...document.querySelectorAll("a[href]")].map(a => a.href)"""


@cache
def anchors(path: Path) -> frozenset[str]:
    """Every ``id`` and ``<a name>`` of the page (lxml: the pure-Python parser took 3 s of the
    sweep's own thread for the ~220 pages, while the tabs waited on it)."""
    data = path.read_bytes()
    if not data.strip():
        return frozenset()
    return frozenset(str(v) for v in lxml_html.fromstring(data).xpath("//@id | //a/@name"))


# Every page links the same ~450 sidebar entries: each is resolved once, not once per page.
@cache
def link_problem(href: str, base_url: str, site: Path) -> str | None:
    """Why an internal link is broken (None if it resolves, or if it leaves the site)."""
    if not href.startswith(base_url):
        return None
    parts = urlsplit(href)
    rel = unquote(parts.path).lstrip("/")
    target = site / rel
    if rel == "" or target.is_dir():
        target = target / "index.html"
    if not target.is_file():
        return f"{href}: no file {target.relative_to(site)}"
    fragment = unquote(parts.fragment)
    if fragment and target.suffix == ".html" and fragment not in anchors(target):
        return f"{href}: no anchor #{fragment} in {target.relative_to(site)}"
    return None


# Tabs loading pages at once: Chromium renders in processes of its own, so a few tabs keep
# both cores busy while another waits for the network to go idle.
TABS = int(os.environ.get("IMETBOOK_BROWSER_TABS", "4"))
# A loaded page on a busy 2-core machine with several tabs: wait longer than Playwright's 30 s.
TIMEOUT_MS = int(os.environ.get("IMETBOOK_BROWSER_TIMEOUT_MS", "90000"))


async def check_page(page, log, rel: str, base_url: str, site: Path) -> list[str]:
    """What a reader would notice on page ``rel``: one line per problem."""
    log.reset()
    response = await page.goto(base_url + rel, wait_until="load")
    if response is None or not response.ok:
        return [f"HTTP {response and response.status}"]
    if REFRESH.search((site / rel).read_text(encoding="utf-8", errors="replace")[:2000]):
        # A redirect page (index.html -> intro.html): check where it leads, once it is there.
        await page.wait_for_url(lambda url: url != base_url + rel, wait_until="load")
    problems = await log.inflight.settle()
    problems += log.problems()

    for img in await page.evaluate(IMAGES_JS):
        if img["width"] <= 0:
            problems.append(f"image does not load: {img['src']}")
        alt = (img["alt"] or "").strip()
        if img["inArticle"] and (not alt or IMAGE_FILE.search(alt)):
            problems.append(f"image without alt text: {img['src']} (alt={img['alt']!r})")
    for i, chart in enumerate(await page.evaluate(CHARTS_JS), start=1):
        if chart["width"] <= 0 or chart["height"] <= 0 or chart["children"] == 0:
            problems.append(f"inline figure {i} is empty or has no size: {chart}")
        if not chart["name"]:
            problems.append(f"inline figure {i} has no accessible name (alt text)")
    for href in sorted(set(await page.evaluate(LINKS_JS))):
        why = link_problem(href, base_url, site)
        if why:
            problems.append(f"broken link: {why}")
    return problems


async def check_search(page, log, base_url: str) -> list[str]:
    """The search page finds :data:`SEARCH_TERM`."""
    log.reset()
    await page.goto(f"{base_url}search.html?q={SEARCH_TERM}", wait_until="load")
    # Sphinx fills the summary once the search has finished, with or without results.
    summary = page.locator("#search-results .search-summary")
    await summary.wait_for(state="attached", timeout=30_000)
    await page.wait_for_function(SEARCH_DONE_JS, timeout=30_000)
    hits = await page.locator("#search-results ul.search li").all_inner_texts()
    found = [] if hits else [f"found nothing: {await summary.inner_text()!r}"]
    return found + log.problems()


SEARCH = "(search)"


async def check_site(
    base_url: str, site: Path, pages: list[str], search: bool = True
) -> dict[str, list[str]]:
    """Every page and (``search``) the search, :data:`TABS` at a time in one browser."""
    from playwright.async_api import async_playwright

    queue: asyncio.Queue[str] = asyncio.Queue()
    for rel in [SEARCH, *pages] if search else pages:
        queue.put_nowait(rel)
    report: dict[str, list[str]] = {}

    async def tab(browser) -> None:
        context, page, log = await open_tab(browser, base_url)
        page.set_default_timeout(TIMEOUT_MS)
        try:
            while not queue.empty():
                rel = queue.get_nowait()
                try:
                    if rel == SEARCH:
                        report[rel] = await check_search(page, log, base_url)
                    else:
                        report[rel] = await check_page(page, log, rel, base_url, site)
                except Exception as exc:  # a timeout on one page fails that page's test
                    report[rel] = [f"{type(exc).__name__}: {' '.join(str(exc).split())[:500]}"]
        finally:
            await context.close()

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=chromium_executable(), headless=True, args=CHROMIUM_ARGS
        )
        try:
            await asyncio.gather(*(tab(browser) for _ in range(max(1, TABS))))
            # A page that timed out among busy tabs gets one more, quiet try on its own: a
            # page that is slow when the machine is idle still fails, with both reasons.
            for rel in [r for r, p in report.items() if _timed_out(p)]:
                first = report.pop(rel)
                queue.put_nowait(rel)
                await tab(browser)
                if report[rel]:
                    report[rel] = first + ["again, alone:", *report[rel]]
        finally:
            await browser.close()
    return report


def _timed_out(problems: list[str]) -> bool:
    return any(p.startswith("TimeoutError") for p in problems)


@pytest.fixture(scope="session")
def site_report(request, site: Path, base_url: str) -> dict[str, list[str]]:
    """Problems per page (and for the search), checked once, in parallel tabs: the pages of
    the selected tests only (``-k`` checks a few pages quickly)."""
    selected = [
        item.callspec.params["rel"]
        for item in request.session.items
        if getattr(item, "originalname", "") == "test_page" and hasattr(item, "callspec")
    ]
    return sweep(base_url, site, selected)


def sweep(base_url: str, site: Path, pages: list[str], search: bool = True) -> dict[str, list[str]]:
    """:func:`check_site` run to its end in a thread of its own: the sync API of the other
    browser tests must never share a thread with a running asyncio loop."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, check_site(base_url, site, pages, search)).result()


def sweep_folder(folder: Path, page: str, handler: type = conftest._QuietHandler) -> list[str]:
    """The problems the sweep finds on ``folder/page``, served by ``handler``."""
    server = local_server(folder, handler)
    try:
        return sweep(f"http://127.0.0.1:{server.server_address[1]}/", folder, [page], False)[page]
    finally:
        server.shutdown()
        server.server_close()


def test_the_site_has_pages():
    assert PAGES, f"no HTML pages under {site_dir()}: build the book first (make book)"


@pytest.mark.parametrize("rel", PAGES)
def test_page(rel: str, site_report):
    problems = site_report[rel]
    assert not problems, f"{rel}:\n  " + "\n  ".join(problems)


def test_search_finds_a_country(site_report):
    problems = site_report[SEARCH]
    assert not problems, f"search for {SEARCH_TERM!r}:\n  " + "\n  ".join(problems)


def test_search_for_a_country_finds_its_page_first_with_a_readable_snippet(
    base_url: str, browser_page
):
    page, log = browser_page
    log.reset()
    # Turkey: the training reports leave it out by law, so its page rests on its money alone.
    page.goto(f"{base_url}search.html?q=Turkey", wait_until="load")
    page.wait_for_function(SEARCH_DONE_JS, timeout=30_000)
    first = page.locator("#search-results ul.search li").first
    href = first.locator("a").first.get_attribute("href") or ""
    assert href.split("#")[0].endswith("chapters/country/TUR.html"), href
    snippet = first.locator("p.context")
    snippet.wait_for(state="attached", timeout=30_000)
    text = snippet.inner_text()
    assert "Turkey" in text and ".ipynb" not in text, text
    assert not log.problems(), log.problems()


PLANTED = """<!doctype html><html><head><title>planted</title></head><body><article>
<p>A page that needs the network, with a broken image and a script error.</p>
<img src="https://example.org/chart.png" alt="A chart">
<img src="missing.svg" alt="">
<script>undefinedFunction();</script>
</article></body></html>"""


def test_the_sweep_reports_what_a_planted_page_gets_wrong(tmp_path):
    # The sweep's own checks, on a page made to fail each: the network, images, scripts.
    (tmp_path / "planted.html").write_text(PLANTED, encoding="utf-8")
    problems = "\n".join(sweep_folder(tmp_path, "planted.html"))
    assert "needs the network: https://example.org/chart.png" in problems
    assert "image does not load: " in problems and "missing.svg" in problems
    assert "image without alt text: " in problems
    assert "console error: " in problems and "undefinedFunction" in problems


def test_a_request_that_never_ends_is_named(tmp_path, monkeypatch):
    # A script asks for /hang after the page has loaded; the server never answers in time.
    (tmp_path / "hang.html").write_text(
        "<!doctype html><html><head><title>hang</title></head><body><article><p>Waiting.</p>"
        '<script>addEventListener("load", () => fetch("hang"));</script></article></body></html>',
        encoding="utf-8",
    )
    served = threading.Event()

    class Hanging(conftest._QuietHandler):
        def do_GET(self) -> None:
            if self.path.endswith("/hang"):
                served.wait(10)  # released when the test ends
            super().do_GET()

    monkeypatch.setattr(conftest, "SETTLE_LIMIT_S", 1.0)
    try:
        problems = sweep_folder(tmp_path, "hang.html", Hanging)
    finally:
        served.set()
    assert any(re.fullmatch(r"still loading after 1 s: \['http://127\.0\.0\.1:\d+/hang'\]", p)
               for p in problems), problems  # fmt: skip


def test_a_link_to_a_missing_page_or_anchor_is_named(tmp_path):
    (tmp_path / "a.html").write_text('<p id="here"><a name="old">x</a></p>', encoding="utf-8")
    (tmp_path / "empty.html").write_text("", encoding="utf-8")
    base = "http://127.0.0.1:1/"
    assert link_problem(base + "a.html#here", base, tmp_path) is None
    assert link_problem(base + "a.html#old", base, tmp_path) is None
    assert link_problem(base + "a.html#gone", base, tmp_path) == (
        f"{base}a.html#gone: no anchor #gone in a.html"
    )
    assert link_problem(base + "empty.html#x", base, tmp_path).endswith(
        "no anchor #x in empty.html"
    )
    assert link_problem(base + "b.html", base, tmp_path) == f"{base}b.html: no file b.html"
    assert link_problem("https://example.org/b.html#x", base, tmp_path) is None
