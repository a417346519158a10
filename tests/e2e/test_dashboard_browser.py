"""Browser tests: the dashboard in headless Chromium, served by uvicorn on a loopback port.

Screenshots of every page visited are saved under ``test-artifacts/dashboard/``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from tests.e2e.conftest import analyst_state_copy
from tests.e2e.test_api import analyst_app
from tests.fakes.loopback import free_port

pytestmark = pytest.mark.e2e

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "dashboard"


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory, analyst_state_built: Path) -> Iterator[str]:
    app, warehouse = analyst_app(
        analyst_state_copy(analyst_state_built, tmp_path_factory.mktemp("dashboard"))
    )
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the dashboard did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    warehouse.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"):
        options.add_argument(argument)
    options.add_argument("--window-size=1280,1600")
    driver = webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))
    driver.implicitly_wait(5)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    yield driver
    driver.quit()


def _shot(browser: WebDriver, name: str) -> None:
    assert browser.save_screenshot(str(ARTIFACTS / f"{name}.png"))


def test_emerging_page_ranks_topics_with_a_sparkline_each(browser: WebDriver, base_url: str) -> None:
    browser.get(base_url + "/")
    _shot(browser, "emerging")
    rows = browser.find_elements(By.CSS_SELECTOR, "#emerging .topic-row")
    assert len(rows) > 5
    for row in rows[:5]:
        line = row.find_element(By.CSS_SELECTOR, "svg.sparkline polyline")
        assert len((line.get_attribute("points") or "").split()) >= 20
        assert row.find_element(By.CSS_SELECTOR, "a.topic-link").text


def test_clicking_a_topic_shows_its_story_people_and_products(browser: WebDriver, base_url: str) -> None:
    browser.get(base_url + "/")
    link = browser.find_element(By.CSS_SELECTOR, "#emerging .topic-row a.topic-link")
    label = link.text
    link.click()
    assert browser.find_element(By.ID, "topic-title").text == label
    _shot(browser, "topic")
    story = browser.find_elements(By.CSS_SELECTOR, "#story svg.chart")
    assert len(story) == 3
    bars = story[0].find_elements(By.TAG_NAME, "rect")
    assert bars and all(float(b.get_attribute("height") or 0) > 0 for b in bars)
    people = browser.find_elements(By.CSS_SELECTOR, "#influencers li.person")
    assert people and people[0].text
    assert browser.find_elements(By.CSS_SELECTOR, "#influencers svg.hbars rect")
    assert browser.find_element(By.ID, "products").text.startswith("Products it touches")


def test_language_filter_applies_on_change(browser: WebDriver, base_url: str) -> None:
    browser.get(base_url + "/")
    select = browser.find_element(By.CSS_SELECTOR, "select[name=lang]")
    codes = [o.get_attribute("value") for o in select.find_elements(By.TAG_NAME, "option")]
    assert "fr" in codes
    select.find_element(By.CSS_SELECTOR, "option[value=fr]").click()
    deadline = time.monotonic() + 5
    while "lang=fr" not in browser.current_url:
        assert time.monotonic() < deadline, "the filter did not apply"
        time.sleep(0.05)
    facts = [row.text for row in browser.find_elements(By.CSS_SELECTOR, "#emerging .topic-row")]
    assert facts and all(" fr" in text or "\nfr" in text for text in facts)
    _shot(browser, "emerging-fr")


def test_stock_and_model_pages_draw_their_charts(browser: WebDriver, base_url: str) -> None:
    browser.get(base_url + "/stock")
    _shot(browser, "stock")
    assert browser.find_elements(By.CSS_SELECTOR, "#stock-alerts tbody tr")
    assert browser.find_elements(By.CSS_SELECTOR, "#restock tbody tr")
    # each charted product: its forecast band, the lines of sales and both models, its voices
    [first, *_] = browser.find_elements(By.CSS_SELECTOR, "#product-forecasts svg.chart")
    assert (
        first.find_elements(By.CSS_SELECTOR, "polygon")
        and len(first.find_elements(By.CSS_SELECTOR, "polyline")) == 3
    )
    browser.get(base_url + "/models")
    _shot(browser, "models")
    # a chart for what was evaluated at several times (a line per version), a row for the rest
    titles = [f.text for f in browser.find_elements(By.CSS_SELECTOR, "figure.metric figcaption")]
    assert titles == ["sentiment · f1"]
    once = [r.text for r in browser.find_elements(By.CSS_SELECTOR, "#evaluated-once tbody td:first-child")]
    assert once == ["language · accuracy", "sentiment · accuracy"]


def test_clicking_a_saved_search_shows_its_volume_chart_and_tweets(browser: WebDriver, base_url: str) -> None:
    browser.get(base_url + "/queries")
    links = browser.find_elements(By.CSS_SELECTOR, "#saved-searches a.saved-link")
    assert [link.text for link in links] == ["french images", "planted topic"]
    links[1].click()
    title = browser.find_element(By.ID, "answer-title").text
    _shot(browser, "saved-search")
    name, _, counted = title.partition(": ")
    total = int(counted.split()[0])
    assert name == "planted topic" and total > 0
    bars = browser.find_elements(By.CSS_SELECTOR, "#answer svg.chart")[0].find_elements(By.TAG_NAME, "rect")
    assert sum(float(b.get_attribute("height") or 0) > 0 for b in bars) > 1
    assert len(browser.find_elements(By.CSS_SELECTOR, "#answer li.match")) == min(total, 50)


def test_a_typed_boolean_query_with_a_fault_shows_where_it_is(browser: WebDriver, base_url: str) -> None:
    browser.get(base_url + "/queries")
    box = browser.find_element(By.CSS_SELECTOR, "input[name=q]")
    box.send_keys("lamp AND OR dress")
    box.submit()
    error = browser.find_element(By.ID, "query-error").text
    _shot(browser, "query-error")
    assert error.startswith("unexpected OR (missing a term before it?) at column 10")
    assert error.endswith("lamp AND OR dress\n         ^")


def test_search_by_meaning_shows_each_hits_keyword_and_semantic_rank(
    browser: WebDriver, base_url: str
) -> None:
    browser.get(base_url + "/search")
    browser.find_element(By.CSS_SELECTOR, "select[name=mode] option[value=meaning]").click()
    box = browser.find_element(By.CSS_SELECTOR, "input[name=q]")
    box.send_keys("lamp")
    box.submit()
    hits = browser.find_elements(By.CSS_SELECTOR, "ol.ranked li.hit")
    _shot(browser, "search-meaning")
    assert len(hits) == 30
    assert "words #1" in hits[0].text and "meaning #" in hits[0].text
