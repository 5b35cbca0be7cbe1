"""Seed 001's agent sidebar in a real browser, through the real API and worker: a résumé
uploaded to the agent becomes a candidate shown in the list, the chat answers about it and
continues the conversation, and a file that is not a document is refused with the API's
reason."""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from tests.recruiting.agent_helpers import pdf_bytes
from tests.web.helpers import severe_console_errors, sign_in_with_tokens, visible, wait

R = "/api/v1/recruiting"
RESUME = """Maria Gonzalez
Senior Backend Engineer
Austin, TX | maria.gonzalez@example.org

Experience
Staff Engineer, Northwind Labs — Jan 2019 – Present
- Python services on PostgreSQL and Kafka.
"""


def _log(browser) -> list[str]:
    return [li.text for li in browser.find_elements(By.CSS_SELECTOR, "#agent-log li")]


def _chat(browser, message: str) -> None:
    before = len(_log(browser))
    field = browser.find_element(By.ID, "agent-message")
    field.send_keys(message)
    browser.find_element(By.CSS_SELECTOR, "#agent-form button[type=submit]").click()
    # The question, then the whole reply once the task has finished (it streams in first).
    wait(browser).until(
        lambda b: (
            len(_log(b)) == before + 2
            and not b.find_elements(By.CSS_SELECTOR, "#agent-log li[aria-busy]")
        )
    )


def test_a_resume_uploaded_to_the_agent_becomes_a_candidate_and_the_chat_knows_it(
    browser, api, tmp_path
):
    job = api.post(
        f"{R}/jobs", json={"title": "Backend Engineer", "required_skills": ["Python", "Kafka"]}
    ).json()["data"]
    resume = tmp_path / "maria.pdf"
    resume.write_bytes(pdf_bytes(RESUME))
    sign_in_with_tokens(browser, api, "/recruiting")
    visible(browser, "#agent-log li")
    assert "upload a résumé" in _log(browser)[0]
    assert "No candidates yet" in browser.find_element(By.ID, "candidates").text

    browser.find_element(By.ID, "upload-file").send_keys(str(resume))
    browser.find_element(By.ID, "upload-notes").send_keys("Met at PyCon.")
    browser.find_element(By.CSS_SELECTOR, "#upload-form button[type=submit]").click()
    wait(browser).until(lambda b: any("Created candidate #" in t for t in _log(b)))
    row = visible(browser, "#candidates tbody tr[data-candidate-id]")
    assert "Maria Gonzalez" in row.text and "new" in row.text
    assert "Staff Engineer @ Northwind Labs" in row.text and "Austin, TX" in row.text
    created = api.get(f"{R}/candidates").json()["data"]
    assert [c["full_name"] for c in created] == ["Maria Gonzalez"]
    assert created[0]["notes"].endswith("Met at PyCon.")

    _chat(browser, "list candidates")
    assert "Maria Gonzalez" in _log(browser)[-1]
    _chat(browser, f"match candidates for job {job['id']}")
    assert "Maria Gonzalez" in _log(browser)[-1]
    # One conversation, kept by the agent: both turns are in it.
    conversations = api.get(f"{R}/agent/conversations").json()["data"]
    assert len(conversations) == 1
    assert severe_console_errors(browser) == []


def test_a_job_req_upload_creates_a_job_and_a_picture_is_refused(browser, api, tmp_path):
    req = tmp_path / "req.txt"
    req.write_text("Job Title: Data Engineer\nLocation: Berlin, Germany\n\nRequirements:\n- SQL\n")
    picture = tmp_path / "photo.txt"  # the name says text; the bytes say PNG
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    sign_in_with_tokens(browser, api, "/recruiting")
    Select(browser.find_element(By.ID, "upload-kind")).select_by_value("job_req")
    browser.find_element(By.ID, "upload-file").send_keys(str(req))
    browser.find_element(By.CSS_SELECTOR, "#upload-form button[type=submit]").click()
    wait(browser).until(lambda b: any("Data Engineer" in t for t in _log(b)[1:]))
    options = [o.text for o in browser.find_elements(By.CSS_SELECTOR, "#r-job option")]
    assert options == ["Data Engineer"]
    assert [j["title"] for j in api.get(f"{R}/jobs").json()["data"]] == ["Data Engineer"]

    Select(browser.find_element(By.ID, "upload-kind")).select_by_value("resume")
    browser.find_element(By.ID, "upload-file").send_keys(str(picture))
    browser.find_element(By.CSS_SELECTOR, "#upload-form button[type=submit]").click()
    alert = visible(browser, "[role=alert]")
    wait(browser).until(lambda b: "PNG" in alert.text or "image" in alert.text.lower())
    assert api.get(f"{R}/candidates").json()["data"] == []
