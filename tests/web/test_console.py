"""The console in a real browser: sign in, submit from the generated form, watch progress
arrive live, cancel, and never see another org's task."""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from tests.factories import PASSWORD
from tests.web.helpers import (
    feed_live,
    severe_console_errors,
    sign_in_with_tokens,
    visible,
    wait,
)


def test_signing_in_with_the_form_shows_the_org_tasks(browser, api):
    task = api.submit(steps=1)
    api.wait(task["id"])
    browser.get(api.platform.base_url + "/")
    wait(browser).until(lambda b: b.current_url.endswith("/login?next=%2F"))
    browser.find_element(By.ID, "email").send_keys(api.email)
    browser.find_element(By.ID, "password").send_keys(PASSWORD + "\n")
    row = visible(browser, f"tr[data-task-id='{task['id']}']")
    assert "platform.diagnostic" in row.text and "succeeded" in row.text
    assert api.email in browser.find_element(By.ID, "me").text
    feed_live(browser)
    assert severe_console_errors(browser) == []


def test_a_wrong_password_is_refused_with_a_message(browser, api):
    browser.get(api.platform.base_url + "/login")
    browser.find_element(By.ID, "email").send_keys(api.email)
    browser.find_element(By.ID, "password").send_keys("not the password\n")
    alert = visible(browser, "#alert")
    assert "Wrong e-mail or password" in alert.text
    assert browser.execute_script("return localStorage.getItem('kairos.session')") is None


def test_a_task_submitted_from_the_form_reaches_100_percent_live(browser, api):
    sign_in_with_tokens(browser, api, "/submit?kind=platform.diagnostic")
    steps = visible(browser, "#p-steps")
    assert steps.get_attribute("type") == "number" and steps.get_attribute("max") == "100000"
    steps.clear()
    steps.send_keys("6")
    sleep = browser.find_element(By.ID, "p-sleep")
    sleep.clear()
    sleep.send_keys("0.3")
    browser.find_element(By.CSS_SELECTOR, "#submit-form button[type=submit]").click()
    wait(browser).until(lambda b: "/tasks/" in b.current_url)
    browser.execute_script("window.__same_page = true")
    wait(browser).until(
        lambda b: b.find_element(By.ID, "task-progress").get_attribute("value") == "100"
    )
    wait(browser).until(lambda b: b.find_element(By.ID, "task-state").text == "succeeded")
    # Live, not reloaded: the page is the one we marked, and its log holds every step.
    assert browser.execute_script("return window.__same_page") is True
    log = browser.find_element(By.ID, "events").text
    assert "step 6 of 6" in log and "complete" in log
    task_id = browser.current_url.rsplit("/", 1)[1]
    assert api.get(f"/api/v1/tasks/{task_id}").json()["data"]["params"]["steps"] == 6
    assert severe_console_errors(browser) == []


def test_bad_parameters_are_shown_beside_their_field(browser, api):
    sign_in_with_tokens(browser, api, "/submit?kind=platform.diagnostic")
    before = api.get("/api/v1/tasks").json()["meta"]["total"]
    steps = visible(browser, "#p-steps")
    steps.clear()
    steps.send_keys("0")
    browser.find_element(By.CSS_SELECTOR, "#submit-form button[type=submit]").click()
    error = visible(browser, "#p-steps-error")
    wait(browser).until(lambda b: "greater than or equal to 1" in error.text)
    assert steps.get_attribute("aria-invalid") == "true"
    assert "/submit" in browser.current_url
    assert api.get("/api/v1/tasks").json()["meta"]["total"] == before


def test_the_task_list_shows_new_tasks_and_their_progress_without_reload(browser, api):
    sign_in_with_tokens(browser, api, "/")
    feed_live(browser)
    browser.execute_script("window.__same_page = true")
    task = api.submit(steps=5, sleep=0.2)
    row = f"tr[data-task-id='{task['id']}']"
    visible(browser, row)
    bar = f"{row} progress"
    wait(browser).until(
        lambda b: b.find_element(By.CSS_SELECTOR, bar).get_attribute("value") == "100"
    )
    wait(browser).until(lambda b: "succeeded" in b.find_element(By.CSS_SELECTOR, row).text)
    assert browser.execute_script("return window.__same_page") is True


def test_filters_narrow_the_list(browser, api):
    done = api.submit(steps=1)
    api.wait(done["id"])
    failed = api.submit(steps=2, fail_at=1)
    api.wait(failed["id"])
    sign_in_with_tokens(browser, api, "/")
    visible(browser, f"tr[data-task-id='{done['id']}']")
    Select(browser.find_element(By.ID, "f-state")).select_by_value("failed")
    wait(browser).until(lambda b: len(b.find_elements(By.CSS_SELECTOR, "#tasks tbody tr")) == 1)
    assert (
        browser.find_element(By.CSS_SELECTOR, "#tasks tbody tr").get_attribute("data-task-id")
        == failed["id"]
    )
    assert "state=failed" in browser.current_url


def test_cancelling_a_running_task_and_retrying_it(browser, api):
    task = api.submit(steps=200, sleep=0.2)
    api.wait(task["id"], states=("running",))
    sign_in_with_tokens(browser, api, f"/tasks/{task['id']}")
    cancel = visible(browser, "#cancel")
    cancel.click()
    wait(browser).until(lambda b: b.find_element(By.ID, "task-state").text == "cancelled")
    assert api.get(f"/api/v1/tasks/{task['id']}").json()["data"]["state"] == "cancelled"
    assert "CANCELLED" in browser.find_element(By.ID, "task-result").text
    assert not browser.find_element(By.ID, "cancel").is_displayed()
    visible(browser, "#retry").click()
    wait(browser).until(lambda b: task["id"] not in b.current_url)
    again = browser.current_url.rsplit("/", 1)[1]
    retried = api.get(f"/api/v1/tasks/{again}").json()["data"]
    assert retried["retried_from"] == task["id"]
    api.delete(f"/api/v1/tasks/{again}")


def test_another_orgs_task_is_not_shown(browser, api, other_api):
    theirs = other_api.submit(steps=1)
    sign_in_with_tokens(browser, api, f"/tasks/{theirs['id']}")
    wait(browser).until(lambda b: b.find_element(By.ID, "task-kind").text == "Task not found")
    assert "not found" in visible(browser, "#alert").text.lower()
    assert theirs["id"] not in browser.find_element(By.ID, "task-params").text
    # Nor does it appear in the live list, even while it runs.
    browser.get(api.platform.base_url + "/")
    feed_live(browser)
    later = other_api.submit(steps=2, sleep=0.1)
    mine = api.submit(steps=1)
    visible(browser, f"tr[data-task-id='{mine['id']}']")
    other_api.wait(later["id"])
    assert browser.find_elements(By.CSS_SELECTOR, f"tr[data-task-id='{later['id']}']") == []
