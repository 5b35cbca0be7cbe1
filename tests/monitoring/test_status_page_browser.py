"""The public status page in a real browser (headless Chromium driven by Selenium): it renders
without JavaScript, and with JavaScript it follows status changes live."""

from __future__ import annotations

import shutil

import pytest

from tests.monitoring.conftest import create_resource, record_checks, slug_of
from tests.web.conftest import NO_NETWORK

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")

pytestmark = pytest.mark.skipif(
    not (CHROMIUM and DRIVER),
    reason="browser tests skipped: no chromium/chromedriver "
    "(apt-get install -y chromium chromium-driver; `make test` tries)",
)


@pytest.fixture
def browser_factory():
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
    from selenium.webdriver.chrome.service import Service

    made = []

    def make(javascript: bool = True):
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
            options.add_argument(arg)
        options.add_argument(NO_NETWORK)  # nothing but the served app resolves
        if not javascript:
            options.add_argument("--blink-settings=scriptEnabled=false")
        driver = webdriver.Chrome(service=Service(DRIVER), options=options)
        driver.set_page_load_timeout(30)
        made.append(driver)
        return driver

    yield make
    for driver in made:
        driver.quit()


def test_the_page_renders_without_javascript(api, platform, browser_factory):
    from selenium.webdriver.common.by import By

    up = create_resource(api, name="Website")
    down = create_resource(api, name="Database")
    record_checks(up["id"], ["AVAILABLE"] * 3)
    record_checks(down["id"], ["NOT_AVAILABLE"])
    browser = browser_factory(javascript=False)
    browser.get(f"{platform.base_url}/status/{slug_of(api)}")

    banner = browser.find_element(By.ID, "overall")
    assert banner.get_attribute("data-overall") == "degraded"
    rows = browser.find_elements(By.CSS_SELECTOR, "tr[data-resource-id]")
    assert [r.find_element(By.CLASS_NAME, "name").text for r in rows] == ["Database", "Website"]
    pills = [r.find_element(By.CLASS_NAME, "status").text.lower() for r in rows]
    assert pills == ["not available", "available"]
    bars = rows[1].find_elements(By.CSS_SELECTOR, ".bars i")
    assert len(bars) == 90 and "u" in bars[-1].get_attribute("class").split()
    assert browser.find_element(By.ID, "live-state").text == ""  # no script ran


def test_the_page_follows_status_changes_live(api, platform, browser_factory):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from app.monitoring.live import publish_status_change

    res = create_resource(api, name="Checkout")
    record_checks(res["id"], ["AVAILABLE"])
    browser = browser_factory()
    browser.get(f"{platform.base_url}/status/{slug_of(api)}")
    wait = WebDriverWait(browser, 20)
    wait.until(lambda b: b.find_element(By.TAG_NAME, "body").get_attribute("data-live"))
    pill = browser.find_element(By.CSS_SELECTOR, f'tr[data-resource-id="{res["id"]}"] .status')
    assert pill.text.lower() == "available"

    publish_status_change(
        api.user["org_id"], res["id"], "Checkout", "not_available", "available",
        check_status="NOT_AVAILABLE", message="HTTP 503", error_code="503",
    )  # fmt: skip
    wait.until(lambda b: pill.text.lower() == "not available")
    assert "not_available" in pill.get_attribute("class").split()
    assert pill.get_attribute("title") == "HTTP 503"
