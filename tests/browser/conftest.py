"""Shared fixtures for the browser tests: the built site, a localhost server, one Chromium.

The site is ``_build/html`` (or ``$IMETBOOK_SITE``), served on 127.0.0.1 from a thread. Chromium
is Debian's ``/usr/bin/chromium`` (or ``$IMETBOOK_CHROMIUM``), installed by
``tests/browser/ensure_chromium.sh``; Playwright only drives it (no browser download). One
browser serves every check, with a few tabs loading pages at the same time (see
``test_site.py``); in every tab, a request that is not to the local server is recorded (and
fails: no other host resolves), so a page that needs the network fails.
"""

from __future__ import annotations

import asyncio
import functools
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from .browser_support import site_dir

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # No host but the local server resolves: a page that needs the network fails to load it.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
VIEWPORT = {"width": 1280, "height": 900}
# Schemes a page may use without touching the network.
LOCAL_SCHEMES = ("data", "blob", "about")


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (stdlib name)
        pass

    def end_headers(self) -> None:
        # The site does not change while it is checked: a tab may keep what it loaded.
        self.send_header("Cache-Control", "max-age=3600")
        super().end_headers()


class _Server(ThreadingHTTPServer):
    # Several tabs open up to six connections each at once; the default listen backlog of 5
    # drops the surplus SYNs and the kernel's retransmission backoff can stall one request
    # past any page timeout (seen once in CI as a 90 s wait on one page).
    request_queue_size = 128


@pytest.fixture(scope="session")
def site() -> Path:
    root = site_dir()
    if not (root / "index.html").is_file():
        pytest.fail(f"{root}/index.html missing: build the book first (make book)")
    return root


def local_server(folder: Path, handler: type = _QuietHandler) -> _Server:
    """``folder`` served on 127.0.0.1 (a free port) from a thread of its own, by ``handler``
    (a :class:`_QuietHandler`)."""
    server = _Server(("127.0.0.1", 0), functools.partial(handler, directory=str(folder)))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="session")
def base_url(site: Path) -> Iterator[str]:
    server = local_server(site)
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class PageLog:
    """What the browser reported while one page loaded."""

    origin: str
    console_errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    http_errors: list[str] = field(default_factory=list)
    inflight: Inflight | None = None

    def reset(self) -> None:
        self.console_errors.clear()
        self.blocked.clear()
        self.http_errors.clear()

    def problems(self) -> list[str]:
        return (
            [f"needs the network: {u}" for u in self.blocked]
            + [f"HTTP error: {e}" for e in self.http_errors]
            + [f"console error: {e}" for e in self.console_errors]
        )


# A page has settled when none of its requests has been in flight for QUIET_S seconds: the
# margin for a request a script starts just after another ends (Playwright waits 0.5 s).
QUIET_S = 0.3
SETTLE_LIMIT_S = float(os.environ.get("IMETBOOK_BROWSER_SETTLE_S", "30"))


class Inflight:
    """The requests of one tab that have started and neither finished nor failed.

    Playwright's ``networkidle`` also counts requests a page never sees; in the sweep it
    waited out its whole timeout on about one page in two hundred, with no request of the page
    in flight. This waits on the page's own requests, and names them if they never end.
    """

    def __init__(self, page) -> None:
        self.requests: set = set()
        self.changed = time.monotonic()
        page.on("request", self._start)
        page.on("requestfinished", self._end)
        page.on("requestfailed", self._end)

    def _start(self, request) -> None:
        self.requests.add(request)
        self.changed = time.monotonic()

    def _end(self, request) -> None:
        self.requests.discard(request)
        self.changed = time.monotonic()

    def settled(self) -> bool:
        return not self.requests and time.monotonic() - self.changed >= QUIET_S

    def problem(self) -> str:
        urls = sorted(r.url for r in self.requests)
        return f"still loading after {SETTLE_LIMIT_S:g} s: {urls or 'nothing in flight'}"

    async def settle(self) -> list[str]:
        """Wait (asyncio) until the page has settled; a problem line if it never does."""
        end = time.monotonic() + SETTLE_LIMIT_S
        while not self.settled():
            if time.monotonic() > end:
                return [self.problem()]
            await asyncio.sleep(0.05)
        return []

    def settle_sync(self, page) -> list[str]:
        """The same with Playwright's sync API, whose events arrive while it waits."""
        end = time.monotonic() + SETTLE_LIMIT_S
        while not self.settled():
            if time.monotonic() > end:
                return [self.problem()]
            page.wait_for_timeout(50)
        return []


# Chromium asks for /favicon.ico by itself on a tab's first page; the book has none and no page
# links one, so its 404 is the browser's, not a page's.
BROWSER_OWN = ("/favicon.ico",)


def page_error(message) -> bool:
    """Whether a console message is an error of the page (not of the browser's own requests)."""
    where = urlsplit((message.location or {}).get("url", "")).path
    return message.type == "error" and where not in BROWSER_OWN


def chromium_executable() -> str:
    executable = os.environ.get("IMETBOOK_CHROMIUM", "/usr/bin/chromium")
    if not Path(executable).is_file():
        pytest.fail(f"{executable} missing: run bash tests/browser/ensure_chromium.sh")
    return executable


def is_local(url: str, origin: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in LOCAL_SCHEMES or f"{parts.scheme}://{parts.netloc}/" == origin


def watch(page, base_url: str) -> PageLog:
    """Log what a reader would notice on ``page`` (async or sync API alike). Every request
    that is not to the local server is recorded (and fails: Chromium resolves no other host,
    see :data:`CHROMIUM_ARGS`). Unlike a Playwright route, watching requests keeps the
    browser's cache, so a tab loads the shared scripts and styles once, not once per page."""
    log = PageLog(origin=base_url)
    page.on("request", lambda r: is_local(r.url, base_url) or log.blocked.append(r.url))
    log.inflight = Inflight(page)
    page.on("console", lambda m: page_error(m) and log.console_errors.append(m.text))
    page.on("pageerror", lambda exc: log.console_errors.append(f"uncaught: {exc}"))
    page.on(
        "response",
        lambda r: r.status >= 400 and log.http_errors.append(f"{r.status} {r.url}"),
    )
    return log


async def open_tab(browser, base_url: str):
    """A page in a context of its own, watched (:func:`watch`)."""
    context = await browser.new_context(viewport=VIEWPORT, service_workers="block")
    page = await context.new_page()
    return context, page, watch(page, base_url)


@pytest.fixture(scope="session")
def browser():
    """One Chromium driven by Playwright's sync API, for the targeted checks (search, downloads,
    the reader checks at two widths). The sweep of every page (``test_site.site_report``) runs
    its asyncio loop in a thread of its own, so the two APIs never share a thread."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=chromium_executable(), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def browser_page(browser, base_url: str) -> Iterator[tuple[object, PageLog]]:
    """One tab for the targeted checks, watched (:func:`watch`)."""
    context = browser.new_context(viewport=VIEWPORT, service_workers="block")
    page = context.new_page()
    log = watch(page, base_url)
    try:
        yield page, log
    finally:
        context.close()
