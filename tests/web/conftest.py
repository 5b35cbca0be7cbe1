"""A real browser for the console: headless Chromium driven by Selenium.

Skips with a clear message when no Chromium (and its driver) is installed; ``make test``
installs Debian's ``chromium`` and ``chromium-driver`` when it can. A failing test leaves a
screenshot and the page's HTML and console log in its tmp dir (the path is printed).
"""

from __future__ import annotations

import json
import os
import shutil

import pytest

CHROMIUM = ("chromium", "chromium-browser", "google-chrome")
# The network cut: every host name but the served app's address fails to resolve, so a page
# that loads anything from a CDN (or anywhere else) breaks in these tests as it would offline.
NO_NETWORK = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"
DRIVER = ("chromedriver",)


def _find(names) -> str | None:
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.fixture(scope="session")
def _driver():
    binary = os.environ.get("KAIROS_TEST_CHROMIUM") or _find(CHROMIUM)
    driver_path = os.environ.get("KAIROS_TEST_CHROMEDRIVER") or _find(DRIVER)
    if not binary or not driver_path:
        pytest.skip(
            "browser tests skipped: no Chromium and chromedriver on PATH "
            "(apt-get install chromium chromium-driver, or `make test` as root)"
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1280,900",
        "--no-first-run",
        "--disable-extensions",
        NO_NETWORK,
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.stash[_REPORT] = report


_REPORT = pytest.StashKey()


@pytest.fixture
def browser(_driver, platform, tmp_path, request):
    """The session's browser at a blank page of the served app, storage cleared; on failure
    its screenshot, HTML and console log are saved under the test's tmp dir."""
    _driver.get(platform.base_url + "/login")
    _driver.execute_script("localStorage.clear()")
    _driver.get_log("browser")  # drop what earlier tests logged
    yield _driver
    report = request.node.stash.get(_REPORT, None)
    if report is not None and report.failed:
        _driver.save_screenshot(str(tmp_path / "failure.png"))
        (tmp_path / "failure.html").write_text(_driver.page_source)
        (tmp_path / "console.json").write_text(json.dumps(_driver.get_log("browser"), indent=1))
        print(f"browser artifacts: {tmp_path}")
