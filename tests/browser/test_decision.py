"""The MASH decision in the browser: a practitioner records it (first with mistakes), a manager signs it off.

On tests/hub/web's team's hub (`office`), every page checked (screenshot, axe-core, CSP) by `Browsing.check`.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import OpenPage, Server
from tests.hub.web.conftest import MANAGER, PRACTITIONER
from tests.hub.web.staff_work import Office, office

__all__ = ["office"]
pytestmark = pytest.mark.browser

REFERRAL = "REF-2026-000418"
RATIONALE = "School and police both report the child frightened at home after an incident; parents accept help."


@pytest.fixture(scope="module")
def server(office: Office) -> Server:
    return Server(office.served.url, office.store, office.served.settings)


def test_a_practitioner_records_the_decision_and_a_manager_agrees_it(open_page: OpenPage, office: Office) -> None:
    practitioner = open_page()
    practitioner.sign_in(PRACTITIONER)
    practitioner.goto(f"/referrals/{REFERRAL}#decision", "decision-section")
    page = practitioner.page
    expect(page.get_by_role("heading", name="MASH decision")).to_be_visible()
    page.get_by_role("radio", name="Early help").check()
    page.get_by_label("Rationale").fill("Help.")
    page.get_by_role("button", name="Record decision").click()
    practitioner.check("decision-errors")
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select the threshold level of need")
    page.get_by_role("radio", name="Early help").check()
    page.get_by_role("radio", name=re.compile("^Level 2")).check()
    page.get_by_label("Rationale").fill(RATIONALE)
    page.get_by_role("button", name="Record decision").click()
    practitioner.check("decision-recorded")
    expect(page.get_by_role("heading", name="Decision 1: Early help")).to_be_visible()
    expect(page.get_by_text(RATIONALE)).to_be_visible()

    manager = open_page()
    manager.sign_in(MANAGER)
    manager.goto("/decisions", "decisions-queue")
    manager.page.get_by_role("link", name=REFERRAL).click()
    manager.check("decision-sign-off")
    manager.page.get_by_role("button", name="Sign off").click()
    manager.check("decision-sign-off-errors")
    expect(manager.page.locator(".govuk-error-summary")).to_be_focused()
    manager.page.get_by_role("radio", name="Agree the decision").check()
    manager.page.get_by_role("button", name="Sign off").click()
    manager.check("decision-signed-off")
    expect(manager.page.get_by_role("heading", name="Sign-off recorded")).to_be_visible()
    [decision] = office.store.decision_listing([REFERRAL])
    assert decision.sign_off is not None and decision.sign_off.signed_by == f"user:{MANAGER}"
