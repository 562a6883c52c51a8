"""The Data page in a real browser: a reader downloads the training CSV and India's CSV (from
India's page) and gets the tables' header and rows; search snippets read as text; no link to
a repository that does not exist."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from imetbook.data import datasets, schema

pytestmark = pytest.mark.browser

SNIPPETS_JS = """() => [...document.querySelectorAll("#search-results ul.search li p.context")]
  .map(p => p.textContent)"""


def csv_shape(path: Path) -> tuple[list[str], int]:
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        return next(reader), sum(1 for _ in reader)


def download(page, link_text: str, tmp_path: Path) -> Path:
    link = page.get_by_role("link", name=link_text, exact=True).first
    with page.expect_download(timeout=120_000) as info:
        link.click()
    target = tmp_path / link_text
    info.value.save_as(target)
    return target


def test_data_page_offers_the_training_csv(base_url, browser_page, tmp_path):
    page, log = browser_page
    log.reset()
    page.goto(base_url + "chapters/data.html", wait_until="load")
    assert page.locator("#T_data-tables").count() == 1
    header, rows = csv_shape(download(page, "training.csv", tmp_path))
    assert header == schema.TRAINING.names
    assert rows == len(datasets.load("training", columns=["record_id"]))
    assert not log.problems(), log.problems()


def test_india_page_offers_india_csv(base_url, browser_page, tmp_path):
    page, log = browser_page
    log.reset()
    page.goto(base_url + "chapters/country/IND.html", wait_until="load")
    header, rows = csv_shape(download(page, "IND.csv", tmp_path))
    training = datasets.load("training", columns=["iso3"])
    assert header == schema.TRAINING.names
    assert rows == int((training["iso3"] == "IND").sum())
    assert not log.problems(), log.problems()


def test_search_snippets_are_the_pages_words(base_url, browser_page):
    page, log = browser_page
    log.reset()
    page.goto(f"{base_url}search.html?q=Pakistan", wait_until="load")
    page.wait_for_function(
        "() => document.querySelectorAll('#search-results ul.search li p.context').length > 2",
        timeout=60_000,
    )
    snippets = page.evaluate(SNIPPETS_JS)
    assert snippets
    # Without the fix the snippets start with the download buttons: "....ipynb .pdf".
    assert not [s for s in snippets if re.search(r"\.(ipynb|pdf)\b", s)], snippets[:3]
    assert not [s for s in snippets if re.search(r"\s{2,}", s)], snippets[:3]


def test_no_repository_button(base_url, browser_page):
    page, _ = browser_page
    page.goto(base_url + "intro.html", wait_until="load")
    hrefs = page.evaluate("() => [...document.querySelectorAll('a[href]')].map(a => a.href)")
    assert not [h for h in hrefs if "github.com/imetbook" in h]
