"""Steps a person takes in the console, written once."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

WAIT = 30


def wait(browser, timeout: float = WAIT) -> WebDriverWait:
    # Pages redraw lists when data changes: an element read mid-redraw is simply read again.
    return WebDriverWait(browser, timeout, ignored_exceptions=(StaleElementReferenceException,))


def visible(browser, css: str):
    return wait(browser).until(EC.visibility_of_element_located((By.CSS_SELECTOR, css)))


def sign_in_with_tokens(browser, client, path: str = "/") -> None:
    """Put the client's tokens where the console keeps them (as the sign-in form does)."""
    tokens = client.tokens if hasattr(client, "tokens") else {"access_token": client.token}
    session = {
        "access": tokens["access_token"],
        "refresh": tokens.get("refresh_token"),
        "org_id": tokens.get("org_id"),
    }
    browser.get(client.platform.base_url + "/login")
    browser.execute_script(
        "localStorage.setItem('kairos.session', arguments[0])", json.dumps(session)
    )
    browser.get(client.platform.base_url + path)
    wait(browser).until(lambda b: b.find_element(By.ID, "me").text.strip() != "")


def feed_live(browser) -> None:
    wait(browser).until(lambda b: b.find_element(By.ID, "feed-status").text == "live")


def severe_console_errors(browser) -> list[str]:
    """Script errors and Content-Security-Policy violations in the browser console. A 4xx
    answer the page expects and handles (e.g. "no profile yet") is logged by the browser
    too; those are not errors of the page."""
    return [
        entry["message"]
        for entry in browser.get_log("browser")
        if entry["level"] == "SEVERE"
        and "favicon" not in entry["message"]
        and "the server responded with a status of 4" not in entry["message"]
    ]


def careers_job(client, **fields) -> str:
    """A job posting owned by ``client`` (board searches are tested in tests/careers)."""
    from app.db import session_scope
    from app.models.careers import JobPosting

    values = {
        "source": "greenhouse",
        "source_id": str(datetime.now(UTC).timestamp()),
        "fingerprint": "fp",
        "title": "Backend Engineer",
        "company": "Acme",
        "location": "Berlin",
        "remote": False,
        "description": "Requirements: Python, PostgreSQL and Kubernetes. 3+ years.",
        **fields,
    }
    row = JobPosting(org_id=client.user["org_id"], owner_id=client.user["id"], **values)
    with session_scope() as s:
        s.add(row)
    return row.id
