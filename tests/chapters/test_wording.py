"""One wording per fact across the book's pages: a claim's verdict and a fiscal-year span read
the same on the introduction, the claims chapter, the budget chapter and the country pages.

The checks read HTML as a reader sees it: visible text, with tables read by their header
(a verdict is the cell under a "verdict" or "computed verdict" heading, in a row whose claim
cell names a claim id; "claims table verdict" columns are the sourced verdict, shown beside,
and are not the book's verdict). In running text a verdict is written right after its claim
id: "C13: supported", "(C13, as in ...): supported" or "C13: “quote”: supported".

Spans are read in the book's own words: a column headed "source" quotes its source
("Greenbook ... FY1946-2020", a timeline event's text) and is left out.

The fixture tests show the checks pass on consistent pages and fail on a planted difference;
the slow test runs them on the built book (``_build/html``, or ``IMETBOOK_SITE``).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
from browser.browser_support import site_dir

from imetbook.analysis.verdicts import VERDICTS

CLAIM_ID = re.compile(r"^C\d{2}$")
_VERDICT = "|".join(sorted(VERDICTS, key=len, reverse=True))  # "partly supported" first
VERDICT_WORD = re.compile(rf"\b({_VERDICT})\b")
# In running text: the claim id, a short aside without a full stop, a colon, maybe the
# article's words in curly quotes, then the verdict.
PROSE_VERDICT = re.compile(rf"\b(C\d{{2}})\b[^.:;“]{{0,60}}:\s*(?:“[^”]*”\s*:\s*)?({_VERDICT})\b")
# A fiscal-year span in any form: FY2003–FY2005, FY2003-FY2005, FY2003-2005, FY2003 to FY2005.
FY_SPAN = re.compile(r"FY(\d{4})(\s*(?:[-\u2010\u2011\u2012\u2013\u2014]|to)\s*(?:FY)?)(\d{4})\b")
SPAN_FORM = "FY{0}\u2013FY{1}"  # imetbook.vocab.fy_span
VERDICT_HEADINGS = {"verdict", "computed verdict"}
CLAIM_HEADINGS = {"claim"}


@dataclass
class Page:
    """A page's visible text outside tables, and its tables as rows of cell texts."""

    prose: list[str] = field(default_factory=list)
    tables: list[list[list[str]]] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The book's own words: prose and table cells, but not the cells of a column headed
        "source" (a source's title or an event as a source words it, quoted verbatim)."""
        cells = []
        for table in self.tables:
            rows = [r for r in table if r]
            quoted = {
                i for i, head in enumerate(rows[0] if rows else []) if "source" in head.lower()
            }
            cells += [c for r in rows for i, c in enumerate(r) if i not in quoted]
        return " ".join([*self.prose, *cells])


class _Reader(HTMLParser):
    SKIP = {"script", "style"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self.skip = 0
        self.tables: list[list[list[str]]] = []  # open tables (nested ones are rare)
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in self.SKIP:
            self.skip += 1
        elif tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th") and self.tables:
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in ("td", "th") and self.tables and self.cell is not None:
            if not self.tables[-1]:
                self.tables[-1].append([])
            self.tables[-1][-1].append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "table" and self.tables:
            self.page.tables.append(self.tables.pop())

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if self.cell is not None:
            self.cell.append(data)
        elif not self.tables:
            self.page.prose.append(data)


def read_page(html: str) -> Page:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    reader.page.prose = [" ".join("".join(reader.page.prose).split())]
    return reader.page


def _column(header: list[str], names: set[str]) -> int | None:
    for i, cell in enumerate(header):
        if cell.strip().lower() in names:
            return i
    return None


def verdicts_shown(page: Page) -> list[tuple[str, str]]:
    """Every (claim id, verdict) the page shows, in tables and in running text."""
    found = []
    for table in page.tables:
        rows = [r for r in table if r]
        if not rows:
            continue
        claim_col = _column(rows[0], CLAIM_HEADINGS)
        verdict_col = _column(rows[0], VERDICT_HEADINGS)
        if claim_col is None or verdict_col is None:
            continue
        for row in rows[1:]:
            if max(claim_col, verdict_col) >= len(row) or not CLAIM_ID.match(row[claim_col]):
                continue
            word = VERDICT_WORD.search(row[verdict_col])
            found.append((row[claim_col], word.group(1) if word else row[verdict_col]))
    for text in page.prose:
        found += [(m.group(1), m.group(2)) for m in PROSE_VERDICT.finditer(text)]
    return found


def spans_shown(page: Page) -> list[tuple[tuple[str, str], str]]:
    """Every fiscal-year span on the page: ((first, last), the span as written)."""
    return [((m.group(1), m.group(3)), m.group(0)) for m in FY_SPAN.finditer(page.text)]


# A missing value printed as Python or pandas spells it: a gap must be worded ("place not
# printed", "no record"). Table cells are read for all five; prose (which holds the code
# cells, where None is Python) for the four that are never code.
CELL_LEAK = re.compile(r"(?<![\w.])(nan|NaN|NaT|<NA>|None)(?!\w)")
PROSE_LEAK = re.compile(r"(?<![\w.])(nan|NaN|NaT|<NA>)(?!\w)")


def missing_value_leaks(pages: dict[str, str]) -> list[str]:
    """``page: text`` of every table cell or prose passage showing a missing value unworded."""
    out = []
    for name, html in sorted(pages.items()):
        page = read_page(html)
        cells = [c for table in page.tables for row in table for c in row]
        out += [f"{name}: {c[:120]}" for c in cells if CELL_LEAK.search(c)]
        prose = " ".join(page.prose)
        out += [f"{name}: ...{prose[max(0, m.start() - 60) : m.end() + 20]}..."
                for m in PROSE_LEAK.finditer(prose)]  # fmt: skip
    return out


def wording_problems(pages: dict[str, str]) -> list[str]:
    """Each claim whose verdict is worded differently anywhere, each span written in two
    forms across pages, and each span not in the book's one form."""
    verdicts: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    spans: dict[tuple[str, str], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for name, html in sorted(pages.items()):
        page = read_page(html)
        for claim_id, verdict in verdicts_shown(page):
            verdicts[claim_id][verdict].add(name)
        for key, form in spans_shown(page):
            spans[key][form].add(name)
    problems = [
        f"{claim_id}: "
        + "; ".join(f"{v!r} on {', '.join(sorted(p))}" for v, p in sorted(by.items()))
        for claim_id, by in sorted(verdicts.items())
        if len(by) > 1 or set(by) - set(VERDICTS)
    ]
    for (first, last), forms in sorted(spans.items()):
        on = set().union(*forms.values())
        if len(forms) > 1 and len(on) > 1:
            listed = "; ".join(f"{f!r} on {', '.join(sorted(p))}" for f, p in sorted(forms.items()))
            problems.append(f"FY{first}-FY{last} worded {len(forms)} ways: {listed}")
        for form, where in sorted(forms.items()):
            if form != SPAN_FORM.format(first, last):
                problems.append(
                    f"{form!r} is not the book's span form, on {', '.join(sorted(where))}"
                )
    return problems


# --- fixtures: small pages with the real pages' structure -----------------------------------

INTRO = """<html><body><main><ul>
<li><strong>The regional request</strong> (C13: <span class="pasted-text">supported</span>).
The course records cover <span class="pasted-text">FY1999\u2013FY2020</span>.</li>
</ul><script>var x = "C13: contradicted FY1999-FY2020";</script></main></body></html>"""
CLAIMS = """<html><body><main>
<table><thead><tr><th>Claim</th><th>The article says</th><th>Verdict</th><th>Basis</th></tr>
</thead><tbody>
<tr><td>C10</td><td>\u201cTurkey has currently the third-largest\u201d</td>
<td><strong>contradicted</strong> (claims table: unverified)</td><td>computed</td></tr>
<tr><td>C13</td><td>\u201crequested $13.8 million\u201d</td><td><strong>supported</strong></td>
<td>computed</td></tr></tbody></table>
<p><strong>C13</strong>: \u201crequested $13.8 million\u201d: <strong>supported</strong>. The
request for FY2022. Records of FY1999\u2013FY2020.</p></main></body></html>"""
BUDGET = """<html><body><main><p>The verdict on the claim (C13, as in
<a href="claims.html">What the article got right</a>): <span>supported</span>.</p>
<table><tr><th>claim</th><th>the article says</th><th>verdict</th><th>why</th>
<th>claims table verdict</th><th>source</th></tr>
<tr><td>C10</td><td>\u201cthird-largest\u201d</td><td>contradicted</td><td>\u2026</td>
<td>unverified</td><td>Greenbook, FY1946-2020</td></tr></table></main></body></html>"""


def _pages(**changes: tuple[str, str]) -> dict[str, str]:
    pages = {"intro.html": INTRO, "chapters/claims.html": CLAIMS, "chapters/budget.html": BUDGET}
    for name, (old, new) in changes.items():
        key = {"intro": "intro.html"}.get(name, f"chapters/{name}.html")
        assert old in pages[key], old
        pages[key] = pages[key].replace(old, new)
    return pages


def test_consistent_pages_have_no_wording_problem_and_every_verdict_is_read():
    pages = _pages()
    assert wording_problems(pages) == []
    assert verdicts_shown(read_page(CLAIMS)) == [
        ("C10", "contradicted"),
        ("C13", "supported"),
        ("C13", "supported"),
    ]
    assert verdicts_shown(read_page(INTRO)) == [("C13", "supported")]  # scripts are not read
    assert verdicts_shown(read_page(BUDGET)) == [("C10", "contradicted"), ("C13", "supported")]


def test_a_verdict_worded_differently_on_one_page_fails():
    planted = _pages(budget=("<span>supported</span>", "<span>partly supported</span>"))
    assert wording_problems(planted) == [
        "C13: 'partly supported' on chapters/budget.html; "
        "'supported' on chapters/claims.html, intro.html"
    ]


def test_a_verdict_differing_within_one_table_fails():
    planted = _pages(budget=("<td>contradicted</td>", "<td>unverified</td>"))
    assert [p.split(":")[0] for p in wording_problems(planted)] == ["C10"]


def test_a_quoted_source_title_is_not_the_books_wording():
    assert "FY1946-2020" in BUDGET
    assert spans_shown(read_page(BUDGET)) == []


def test_a_span_written_with_a_hyphen_on_another_page_fails():
    planted = _pages(intro=("FY1999\u2013FY2020</span>", "FY1999-FY2020</span>"))
    problems = wording_problems(planted)
    assert problems[0].startswith("FY1999-FY2020 worded 2 ways")
    assert problems[1] == "'FY1999-FY2020' is not the book's span form, on intro.html"
    assert len(problems) == 2


def test_a_missing_value_shown_as_nan_or_none_is_caught():
    assert missing_value_leaks(_pages()) == []
    planted = _pages(budget=("<td>\u2026</td>", "<td>ARMY WAR COLLEGE, nan (p. 3)</td>"))
    assert missing_value_leaks(planted) == ["chapters/budget.html: ARMY WAR COLLEGE, nan (p. 3)"]
    planted = _pages(budget=("<span>supported</span>", "<span>supported</span> in &lt;NA&gt;"))
    assert len(missing_value_leaks(planted)) == 1
    # Python in a code cell is not a leak; np.nan and a word like "nano" are not either.
    code = _pages(budget=("<span>supported</span>", "<span>supported</span> x = None; np.nan"))
    assert missing_value_leaks(code) == []


# --- the built book ------------------------------------------------------------------------


def built_pages(site: Path) -> dict[str, str]:
    """The introduction, the claims and budget chapters and every country page of the site."""
    wanted = [site / "intro.html", site / "chapters" / "claims.html"]
    wanted += [site / "chapters" / "budget.html"]
    wanted += sorted((site / "chapters" / "country").glob("[A-Z]*.html"))
    missing = [str(p) for p in wanted[:3] if not p.is_file()]
    if missing:
        pytest.skip(f"no built book (missing {', '.join(missing)}): run `python -m imetbook html`")
    return {p.relative_to(site).as_posix(): p.read_text(encoding="utf-8") for p in wanted}


@pytest.mark.slow
def test_the_built_book_words_each_verdict_and_span_one_way():
    pages = built_pages(site_dir())
    assert wording_problems(pages) == []
    # Not vacuous: the money claims' verdicts are read on all three pages that show them.
    seen: dict[str, set[str]] = defaultdict(set)
    for name, html in pages.items():
        for claim_id, _verdict in verdicts_shown(read_page(html)):
            seen[claim_id].add(name)
    assert seen["C13"] >= {"intro.html", "chapters/claims.html", "chapters/budget.html"}
    assert seen["C11"] >= {"intro.html", "chapters/claims.html", "chapters/budget.html"}
    assert any(name.startswith("chapters/country/") for name in pages)


@pytest.mark.slow
def test_no_built_page_shows_a_missing_value_as_nan_or_none():
    site = site_dir()
    pages = {
        p.relative_to(site).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(site.rglob("*.html"))
        if "_static" not in p.parts
    }
    if "intro.html" not in pages:
        pytest.skip("no built book: run `python -m imetbook html`")
    assert missing_value_leaks(pages) == []
