"""Swagger UI at /api/docs comes from this installation: with the network cut (only the served
app resolves) and a strict CSP, the browser renders every tag and operation."""

from __future__ import annotations

import requests
from selenium.webdriver.common.by import By

from tests.web.helpers import severe_console_errors, visible, wait


def test_swagger_ui_renders_the_operations_with_the_network_cut(browser, platform):
    browser.get(platform.base_url + "/api/docs")
    visible(browser, ".swagger-ui .information-container .title")
    assert "Kairos" in browser.find_element(By.CSS_SELECTOR, ".information-container .title").text
    # Every operation of the document is on the page (tags are open by default). Swagger UI
    # renders a long document as it is scrolled into view: collect each screen's operations.
    doc = requests.get(platform.base_url + "/api/openapi.json", timeout=10).json()
    wanted = sum(len([m for m in ops if m != "parameters"]) for ops in doc["paths"].values())
    shown: set[str] = set()
    paths: set[str] = set()
    tags: set[str] = set()

    def every_operation_shown(b) -> bool:
        shown.update(e.get_attribute("id") for e in b.find_elements(By.CSS_SELECTOR, ".opblock"))
        tags.update(
            t.get_attribute("data-tag") for t in b.find_elements(By.CSS_SELECTOR, ".opblock-tag")
        )
        paths.update(
            e.get_attribute("data-path")
            for e in b.find_elements(By.CSS_SELECTOR, ".opblock-summary-path")
        )
        b.execute_script("window.scrollBy(0, window.innerHeight)")
        return len(shown) >= wanted

    wait(browser, timeout=120).until(every_operation_shown)
    assert len(shown) == wanted
    assert {"careers", "recruiting", "monitoring", "dining"} <= tags
    assert "/api/v1/careers/applications" in paths
    assert severe_console_errors(browser) == []
    # Nothing the page loaded came from another origin.
    resources = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    assert resources and all(r.startswith(platform.base_url) for r in resources)


def test_the_docs_page_is_strict_and_its_files_are_local(platform):
    page = requests.get(platform.base_url + "/api/docs", timeout=10)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "default-src 'self'" in csp
    assert "cdn" not in page.text and "<script>" not in page.text
    for name in ("swagger-ui-bundle.js", "swagger-ui.css", "kairos-apidocs.js"):
        asset = requests.get(f"{platform.base_url}/api/docs/assets/{name}", timeout=10)
        assert asset.status_code == 200 and len(asset.content) > 100, name
    escape = requests.get(f"{platform.base_url}/api/docs/assets/..%2F..%2Fweb_app.py", timeout=10)
    assert escape.status_code == 404
