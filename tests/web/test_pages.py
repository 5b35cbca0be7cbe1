"""Admin, the org switcher, a dropped feed resuming, a phone-width screen, and the headers
every console page sends."""

from __future__ import annotations

import contextlib
import dataclasses

import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from tests.web.helpers import (
    feed_live,
    severe_console_errors,
    sign_in_with_tokens,
    visible,
    wait,
)

PAGES = ("/", "/login", "/submit", "/careers", "/recruiting", "/monitoring", "/dining", "/admin")


@contextlib.contextmanager
def settings(**changes):
    from app.config import configure, get_settings

    before = get_settings()
    configure(dataclasses.replace(before, **changes))
    try:
        yield
    finally:
        configure(before)


def test_pages_send_a_strict_csp_and_stay_out_of_the_openapi_document(platform):
    for path in PAGES:
        resp = requests.get(platform.base_url + path, timeout=10)
        assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("text/html")
        csp = resp.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "unsafe-inline" not in csp
        assert "<script>" not in resp.text and " style=" not in resp.text
    asset = requests.get(platform.base_url + "/assets/kairos.js", timeout=10)
    assert asset.status_code == 200 and "javascript" in asset.headers["Content-Type"]
    paths = requests.get(platform.base_url + "/api/openapi.json", timeout=10).json()["paths"]
    console = {*PAGES, "/tasks/{task_id}", "/assets/{filename}"}
    assert not console & set(paths)


def test_every_page_runs_without_script_errors_or_csp_violations(browser, api):
    sign_in_with_tokens(browser, api, "/")
    for path in PAGES[2:]:
        browser.get(api.platform.base_url + path)
        wait(browser).until(lambda b: b.find_element(By.ID, "me").text.strip() != "")
        wait(browser).until(lambda b: b.execute_script("return document.readyState") == "complete")
        assert severe_console_errors(browser) == [], path


def test_a_dropped_feed_reconnects_and_resumes_without_repeats(browser, api):
    task = api.submit(steps=12, sleep=0.25)
    sign_in_with_tokens(browser, api, f"/tasks/{task['id']}")
    feed_live(browser)
    wait(browser).until(lambda b: len(b.find_elements(By.CSS_SELECTOR, "#events li")) >= 3)
    browser.execute_script("Kairos.Feed.open[0].ws.close()")  # the network drops
    wait(browser).until(lambda b: b.find_element(By.ID, "task-state").text == "succeeded")
    ids = [
        li.get_attribute("data-event-id")
        for li in browser.find_elements(By.CSS_SELECTOR, "#events li")
    ]
    assert len(ids) == len(set(ids)) == 14  # running, 12 steps, complete: each once
    assert browser.find_element(By.ID, "feed-status").text == "live"


def test_admin_creates_an_api_key_shown_once_and_manages_cors_origins(browser, operator_api):
    api = operator_api
    sign_in_with_tokens(browser, api, "/admin")
    form = visible(browser, "#key-form")
    form.find_element(By.ID, "key-name").send_keys("deploy bot")
    form.find_element(By.CSS_SELECTOR, "input[value=tasks]").click()
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    key = visible(browser, "#new-key-value").text
    assert key.startswith("kai_")
    assert requests.get(
        api.platform.base_url + "/api/v1/users/me",
        headers={"Authorization": f"Bearer {key}"},
        timeout=10,
    ).ok
    wait(browser).until(lambda b: "deploy bot" in b.find_element(By.ID, "keys").text)
    browser.refresh()
    wait(browser).until(lambda b: "deploy bot" in b.find_element(By.ID, "keys").text)
    assert key not in browser.page_source  # shown once

    origin = visible(browser, "#cors-origin")
    origin.send_keys("https://app.example.com/path")
    browser.find_element(By.CSS_SELECTOR, "#cors-form button[type=submit]").click()
    assert "origin" in visible(browser, "#alert").text
    origin.clear()
    origin.send_keys("https://console-test.example.com")
    browser.find_element(By.CSS_SELECTOR, "#cors-form button[type=submit]").click()
    wait(browser).until(
        lambda b: "https://console-test.example.com" in b.find_element(By.ID, "origins").text
    )
    browser.find_element(
        By.CSS_SELECTOR, "button[aria-label='Remove origin https://console-test.example.com']"
    ).click()
    wait(browser).until(
        lambda b: "console-test.example.com" not in b.find_element(By.ID, "origins").text
    )


def test_admin_changes_runtime_config_for_the_operator_org(browser, api):
    with settings(operator_org=api.user["org_id"]):
        sign_in_with_tokens(browser, api, "/admin")
        field = visible(browser, "#cfg-saved_search_interval")
        field.send_keys("7200")
        browser.find_element(By.CSS_SELECTOR, "#config-form button[type=submit]").click()
        wait(browser).until(
            lambda b: (
                "changed at runtime"
                in b.find_element(By.CSS_SELECTOR, "label[for=cfg-saved_search_interval]").text
            )
        )
        config = api.get("/api/v1/config").json()["data"]
        assert config["overrides"]["saved_search_interval"] == 7200
        browser.find_element(
            By.CSS_SELECTOR, "button[aria-label='Reset saved_search_interval']"
        ).click()
        wait(browser).until(
            lambda b: (
                "changed at runtime"
                not in b.find_element(By.CSS_SELECTOR, "label[for=cfg-saved_search_interval]").text
            )
        )
        assert "saved_search_interval" not in api.get("/api/v1/config").json()["data"]["overrides"]


def test_a_member_sees_admin_sections_refused(browser, api):
    from tests.factories import add_member

    member = add_member(api, "member")
    sign_in_with_tokens(browser, member, "/admin")
    wait(browser).until(lambda b: "Not available" in b.find_element(By.TAG_NAME, "main").text)
    assert browser.find_elements(By.CSS_SELECTOR, "#keys tbody tr") == []


def test_the_org_switcher_moves_to_another_org(browser, api, other_api):
    from app.db import session_scope
    from app.models import Membership

    with session_scope() as s:
        s.add(Membership(org_id=other_api.user["org_id"], user_id=api.user["id"], role="viewer"))
    theirs = other_api.submit(steps=1)
    sign_in_with_tokens(browser, api, "/")
    switch = visible(browser, "#org-switch")
    assert len(switch.find_elements(By.TAG_NAME, "option")) == 2
    Select(switch).select_by_value(other_api.user["org_id"])
    visible(browser, f"tr[data-task-id='{theirs['id']}']")
    assert "(viewer)" in browser.find_element(By.ID, "me").text


def test_a_phone_width_screen_needs_no_sideways_scrolling(browser, api):
    api.submit(steps=1)
    browser.set_window_size(390, 844)
    try:
        for path in PAGES[2:] + ("/",):
            sign_in_with_tokens(browser, api, path)
            wait(browser).until(
                lambda b: b.execute_script("return document.readyState") == "complete"
            )
            width = browser.execute_script(
                "const d = document.documentElement; return [d.scrollWidth, d.clientWidth]"
            )
            assert width[0] <= width[1], (path, width)
    finally:
        browser.set_window_size(1280, 900)
