"""Seed 002's screens in the console, in a real browser through the real API and worker:
resources with their latest state, groups, announcements, notification channels, and
Resource Discovery against a local registry (run now, monitors appear, one goes inactive)."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from tests.factories import add_member
from tests.monitoring.conftest import BASE, create_group, create_resource, data, record_checks
from tests.monitoring.conftest import settings as monitoring_settings
from tests.monitoring.oci_registry import Registry
from tests.web.helpers import severe_console_errors, sign_in_with_tokens, visible, wait
from workers.monitoring.probes import registry as reg


@pytest.fixture
def registry():
    reg._tokens.clear()
    with Registry() as r:
        for name in ("shop/api", "shop/web", "shop/worker"):
            r.push(name, "latest")
        yield r


def _rows(browser, css: str) -> list[str]:
    return [el.text for el in browser.find_elements(By.CSS_SELECTOR, css)]


def open_summary(browser, text: str) -> None:
    """Open a <details> by its summary, scrolled to the middle of the window first: these
    sections sit below the fold, where the page's sticky header can take the click."""
    summary = browser.find_element(By.XPATH, f"//summary[text()='{text}']")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", summary)
    summary.click()


def test_resources_groups_announcements_and_channels(browser, api):
    up = create_resource(api, name="Public site")
    down = create_resource(api, name="Payments API", target="https://93.184.215.14/pay")
    record_checks(up["id"], ["NOT_AVAILABLE", "AVAILABLE"])
    record_checks(down["id"], ["AVAILABLE", "NOT_AVAILABLE"])
    create_group(api, "Customer facing", resourceIds=[up["id"], down["id"]])
    data(
        api.post(
            f"{BASE}/announcements",
            json={
                "kind": "WARNING",
                "title": "Maintenance",
                "content": "<b>Tonight</b> 22:00",
                "active": True,
            },
        )
    )
    sign_in_with_tokens(browser, api, "/monitoring")
    row = visible(browser, f"tr[data-resource-id='{up['id']}']")
    assert "Public site" in row.text and "available" in row.text
    assert "not_available" in visible(browser, f"tr[data-resource-id='{down['id']}']").text
    wait(browser).until(lambda b: "Customer facing" in b.find_element(By.ID, "groups").text)
    assert "2 resource(s)" in browser.find_element(By.ID, "groups").text
    announcement = browser.find_element(By.ID, "announcements").text
    assert "WARNING" in announcement and "Maintenance" in announcement
    assert "Tonight 22:00" in announcement  # the sanitized HTML, shown as text

    open_summary(browser, "Add a channel")
    form = visible(browser, "#channel-form")
    form.find_element(By.ID, "ch-name").send_keys("Ops hook")
    form.find_element(By.ID, "ch-address").send_keys("https://93.184.215.14/hooks/kairos")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(browser).until(lambda b: "Ops hook" in b.find_element(By.ID, "channels").text)
    Select(form.find_element(By.ID, "ch-type")).select_by_visible_text("email")
    form.find_element(By.ID, "ch-name").send_keys("On-call")
    form.find_element(By.ID, "ch-address").send_keys("oncall@example.com")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(browser).until(lambda b: "oncall@example.com" in b.find_element(By.ID, "channels").text)
    channels = {c["name"]: c for c in data(api.get(f"{BASE}/channels"))}
    assert channels["Ops hook"]["type"] == "webhook" and channels["On-call"]["to"] == (
        "oncall@example.com"
    )
    # A URL the address rule refuses: the API's reason is shown, nothing is added.
    Select(form.find_element(By.ID, "ch-type")).select_by_visible_text("webhook")
    form.find_element(By.ID, "ch-name").send_keys("Internal")
    form.find_element(By.ID, "ch-address").send_keys("http://10.0.0.5/hook")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    alert = visible(browser, "[role=alert]")
    wait(browser).until(lambda b: "private" in alert.text)
    assert len(data(api.get(f"{BASE}/channels"))) == 2
    assert severe_console_errors(browser) == []


def test_discovery_rules_run_now_and_their_monitors(browser, api, registry):
    with monitoring_settings(probe_allow_private=True):
        sign_in_with_tokens(browser, api, "/monitoring")
        open_summary(browser, "Add a discovery rule")
        form = visible(browser, "#rule-form")
        form.find_element(By.ID, "r-name").send_keys("Shop images")
        form.find_element(By.ID, "r-namespace").send_keys(f"{registry.host}/shop")
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        row = visible(browser, "#rules tbody tr[data-rule-id]")
        assert "Shop images" in row.text and "not run yet" in row.text and "latest" in row.text

        row.find_element(By.XPATH, ".//button[text()='Run now']").click()
        wait(browser).until(
            lambda b: "3 active" in b.find_element(By.CSS_SELECTOR, "#rules tbody tr").text
        )
        wait(browser).until(lambda b: len(_rows(b, "#resources tbody tr[data-resource-id]")) == 3)
        targets = _rows(browser, "#resources tbody tr[data-resource-id] td:nth-child(3)")
        assert sorted(targets) == [
            f"{registry.host}/shop/{n}:latest" for n in ("api", "web", "worker")
        ]
        assert "3 repositories" in browser.find_element(By.CSS_SELECTOR, "#rules tbody tr").text

        registry.remove("shop/web")
        browser.find_element(By.XPATH, "//button[text()='Run now']").click()
        wait(browser).until(
            lambda b: (
                "2 active, 1 inactive" in b.find_element(By.CSS_SELECTOR, "#rules tbody tr").text
            )
        )
        web = f"//tr[td/code[text()='{registry.host}/shop/web:latest']]"
        wait(browser).until(lambda b: "inactive" in b.find_element(By.XPATH, web).text)
    assert severe_console_errors(browser) == []


def test_a_viewer_sees_the_monitors_but_not_the_admin_sections(browser, api):
    create_resource(api, name="Public site")
    viewer = add_member(api, "viewer")
    sign_in_with_tokens(browser, viewer, "/monitoring")
    visible(browser, "#resources tbody tr[data-resource-id]")
    wait(browser).until(lambda b: "Admins only." in b.find_element(By.ID, "rules").text)
    assert "Admins only." in browser.find_element(By.ID, "channels").text
