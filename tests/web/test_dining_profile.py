"""Seed 003's screens in a real browser, through the real API and the feed worker: a user's
profile with allergies and preferences set from the page, and today's feed ranked by them
with its allergy warnings (an anaphylactic peanut allergy hides the peanut places; a place
without allergen data carries a warning)."""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from tests.dining.test_feed import catalog
from tests.web.helpers import severe_console_errors, sign_in_with_tokens, visible, wait

D = "/api/v1/dining"


def _feed(browser) -> list[str]:
    return [li.text for li in browser.find_elements(By.CSS_SELECTOR, "#feed > li")]


def test_profile_allergies_preferences_and_the_feed_with_its_warnings(browser, api):
    catalog(api.user["org_id"])
    sign_in_with_tokens(browser, api, "/dining")
    assert "no dining profile yet" in visible(browser, "#profile").text
    browser.find_element(By.CSS_SELECTOR, "#profile button").click()
    wait(browser).until(lambda b: "No preferences yet." in b.find_element(By.ID, "profile").text)
    wait(browser).until(lambda b: len(_feed(b)) == 4)  # built by the worker, followed live

    form = visible(browser, "#allergy-form")
    form.find_element(By.ID, "d-allergen").send_keys("peanuts")
    Select(form.find_element(By.ID, "d-severity")).select_by_visible_text("anaphylactic")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(browser).until(lambda b: "anaphylactic" in b.find_element(By.ID, "profile").text)

    prefs = visible(browser, "#prefs-form")
    prefs.find_element(By.ID, "p-likes").send_keys("Italian")
    prefs.find_element(By.ID, "p-vibes").send_keys("romantic")
    Select(prefs.find_element(By.ID, "p-price")).select_by_visible_text("$$")
    prefs.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(browser).until(lambda b: "Italian" in b.find_element(By.ID, "preferences").text)
    shown = browser.find_element(By.ID, "preferences").text
    assert "romantic" in shown and "$$" in shown
    stored = api.get(f"{D}/users/{api.user['id']}").json()["data"]
    assert stored["preferences"]["cuisine_affinity"] == ["Italian"]
    assert stored["allergies"]["severity"] == {"peanuts": "anaphylactic"}

    # The feed, rebuilt with the new taste and guarded for the allergy.
    wait(browser).until(lambda b: len(_feed(b)) == 2 and "Toscano" in _feed(b)[0])
    items = _feed(browser)
    assert not any("Satay House" in i or "Nonna" in i for i in items)  # peanuts: hidden
    assert "Matches cuisine preference" in items[0] and "allergens: safe" in items[0]
    cantina = next(i for i in items if "Cantina" in i)
    assert "⚠" in cantina and "No allergen data" in cantina
    note = browser.find_element(By.CSS_SELECTOR, "#feed li p[role=note]")
    assert "No allergen data" in note.text
    assert severe_console_errors(browser) == []
