"""Each workload's page in a real browser: data shown, the main action started and its
progress followed live, statuses changed from the keyboard menu."""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from tests.web.helpers import (
    careers_job,
    severe_console_errors,
    sign_in_with_tokens,
    visible,
    wait,
)

R = "/api/v1/recruiting"
C = "/api/v1/careers"


def test_careers_analysis_and_the_applications_board(browser, api):
    job_id = careers_job(api)
    resp = api.post(f"{C}/applications", json={"job_id": job_id})
    assert resp.status_code == 201, resp.text
    application = resp.json()["data"]
    sign_in_with_tokens(browser, api, "/careers")
    row = visible(browser, f"tr[data-job-id='{job_id}']")
    assert "Backend Engineer" in row.text and "Acme" in row.text
    row.find_element(By.XPATH, ".//button[text()='Analyze']").click()
    score = visible(browser, "#score")
    assert score.text.endswith("%")
    analysis = browser.find_element(By.ID, "analysis").text
    assert "Gaps" in analysis and "Strengths" in analysis
    assert api.get(f"{C}/jobs/{job_id}/analysis").status_code == 200
    # The keyboard alternative to dragging: the card's own status menu.
    card = visible(browser, f"#board li[data-id='{application['id']}']")
    assert (
        card.find_element(By.XPATH, "ancestor::section[1]").get_attribute("data-status") == "saved"
    )
    Select(card.find_element(By.TAG_NAME, "select")).select_by_value("applied")
    column_of = (
        "const li = document.querySelector(`#board li[data-id='${arguments[0]}']`);"
        " return li && li.closest('section.column').dataset.status"
    )
    wait(browser).until(lambda b: b.execute_script(column_of, application["id"]) == "applied")
    assert api.get(f"{C}/applications/{application['id']}").json()["data"]["status"] == "applied"
    assert severe_console_errors(browser) == []


def test_recruiting_pipeline_and_matching_with_reasons(browser, api):
    job = api.post(
        f"{R}/jobs",
        json={"title": "Data Engineer", "required_skills": ["Python", "SQL"], "min_years": 2},
    ).json()["data"]
    ada = api.post(
        f"{R}/candidates",
        json={"full_name": "Ada Lovelace", "skills": ["Python", "SQL"], "experience_years": 5},
    ).json()["data"]
    bo = api.post(f"{R}/candidates", json={"full_name": "Bo Painter", "skills": ["Figma"]}).json()[
        "data"
    ]
    application = api.post(
        f"{R}/applications", json={"job_id": job["id"], "candidate_id": ada["id"]}
    ).json()["data"]
    sign_in_with_tokens(browser, api, f"/recruiting?job={job['id']}")
    card = visible(browser, f"#pipeline li[data-id='{application['id']}']")
    assert "Ada Lovelace" in card.text
    Select(card.find_element(By.TAG_NAME, "select")).select_by_value("screening")
    wait(browser).until(
        lambda b: (
            api.get(f"{R}/applications/{application['id']}").json()["data"]["status"] == "screening"
        )
    )
    browser.find_element(By.ID, "match").click()
    wait(browser).until(lambda b: len(b.find_elements(By.CSS_SELECTOR, "#matches tbody tr")) == 2)
    rows = browser.find_elements(By.CSS_SELECTOR, "#matches tbody tr")
    assert "Ada Lovelace" in rows[0].text and "required skills" in rows[0].text
    assert "Bo Painter" in rows[1].text and "Python" in rows[1].text  # missing skills
    assert bo["id"] != ada["id"]


def test_monitoring_resources_history_chart_and_status_link(browser, api):
    from tests.monitoring.conftest import create_resource, record_checks

    resource = create_resource(api, name="Public site")
    record_checks(resource["id"], ["AVAILABLE", "NOT_AVAILABLE", "AVAILABLE", "AVAILABLE"])
    sign_in_with_tokens(browser, api, "/monitoring")
    row = visible(browser, f"tr[data-resource-id='{resource['id']}']")
    assert "Public site" in row.text
    row.find_element(By.XPATH, ".//button[text()='History']").click()
    chart = visible(browser, "#history svg")
    assert "last 4 checks" in chart.get_attribute("aria-label")
    assert "1 failed" in chart.get_attribute("aria-label")
    assert len(chart.find_elements(By.CSS_SELECTOR, "circle.down")) == 1
    link = browser.find_element(By.CSS_SELECTOR, "#status-link a")
    assert "/status/" in link.get_attribute("href")
    assert severe_console_errors(browser) == []


def test_dining_profile_allergies_and_chat_thinking_steps(browser, api):
    sign_in_with_tokens(browser, api, "/dining")
    visible(browser, "#profile button").click()
    form = visible(browser, "#allergy-form")
    form.find_element(By.ID, "d-allergen").send_keys("peanuts")
    Select(form.find_element(By.ID, "d-severity")).select_by_visible_text("severe")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    allergies = visible(browser, "#allergies")
    wait(browser).until(lambda b: "peanut" in allergies.text and "severe" in allergies.text)
    uid = api.user["id"]
    profile = api.get(f"/api/v1/dining/users/{uid}").json()["data"]
    assert [d["severity"] for d in profile["allergies"]["details"]] == ["severe"]
    browser.find_element(By.ID, "c-message").send_keys("dinner tonight, no shellfish")
    browser.find_element(By.CSS_SELECTOR, "#chat-form button[type=submit]").click()
    wait(browser).until(lambda b: len(b.find_elements(By.CSS_SELECTOR, "#thinking li")) == 5)
    steps = [li.text.split(":")[0] for li in browser.find_elements(By.CSS_SELECTOR, "#thinking li")]
    assert steps == [
        "context_loaded",
        "decomposed",
        "search_complete",
        "evaluated",
        "guard_complete",
    ]
    visible(browser, "#answer details")
    assert severe_console_errors(browser) == []
