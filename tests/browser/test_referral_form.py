"""A police officer signed in as a `referrer` fills in and sends a referral in the browser, with JavaScript
(GOV.UK's scripts: character counts, the error summary, conditional reveals) and without it.

Every page checked (screenshot, axe-core, CSP) by `Browsing.check`; Airflow is the HTTP stand-in.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import OpenPage, Server, served_for_browsers
from tests.hub.checks.airflow_double import FakeAirflow
from tests.hub.web.conftest import seed
from tests.staff import add_staff_accounts

pytestmark = pytest.mark.browser

REFERRER = "pc.reed"


def _with_referrer(store: object) -> None:
    add_staff_accounts(store, {REFERRER: "referrer"})  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, web_assets: object) -> Iterator[Server]:
    for served in served_for_browsers(tmp_path_factory, web_assets, seed, _with_referrer):  # type: ignore[arg-type]
        with FakeAirflow() as airflow:
            airflow.api.save(served.settings.airflow_api_file)
            yield served


def fill(page: Page) -> None:
    """A good referral about a synthetic family."""
    page.get_by_label("Your name").fill("PC Dana Reed")
    page.get_by_label("Your organisation").fill("Northbridge Police Public Protection Unit")
    page.get_by_role("radio", name="Police").check()
    page.get_by_label("Telephone number").fill("01632 960 001")
    child = page.locator("#person-0")
    child.get_by_label("First names").fill("Amelie Rose")
    child.get_by_label("Last name").fill("Quillfeather-Marsh")
    child.get_by_label("Day").fill("14")
    child.get_by_label("Month").fill("3")
    child.get_by_label("Year").fill("2015")
    child.get_by_label("Address").fill("14 Larch Close, Northbridge")
    child.get_by_label("Postcode").fill("NE6 5QT")
    page.get_by_role("checkbox", name="Domestic abuse").check()
    page.get_by_role("radio", name=re.compile("^Amber")).check()
    page.get_by_label("What has happened, and what are you worried about?").fill(
        "Officers attended a domestic incident at the family home overnight. Amelie was present and saw her "
        "mother pushed against a wall. We are worried she is at risk of harm and likely to see it again soon. "
        "She attends Northbridge Primary School and is registered with Larch Street Surgery (GP)."
    )
    page.get_by_label("What has the child said, and what is life like for them?").fill(
        "Amelie told the officer she hides in her room when they shout."
    )
    page.get_by_role("radio", name="No, I did not ask them").check()
    page.get_by_label("If you did not ask them, why not?").fill("Asking would place the child at risk tonight.")


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_a_referrer_fills_in_and_sends_a_referral(open_page: OpenPage, javascript: bool) -> None:
    tab = open_page(javascript=javascript)
    tab.sign_in(REFERRER)
    page = tab.page
    expect(page.get_by_role("heading", name="Make a referral to the MASH")).to_be_visible()
    tab.check("refer-start")
    page.get_by_role("button", name="Start now").click()
    tab.check("refer-form")
    page.get_by_role("button", name="Continue").click()
    tab.check("refer-form-errors")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter your name")
    expect(summary).to_contain_text("Select whether the parents or carers know about this referral")
    if javascript:
        expect(summary).to_be_focused()
    fill(page)
    page.get_by_role("button", name="Add another person").click()
    tab.check("refer-form-added-person")
    second = page.locator("#person-1")
    expect(second).to_be_visible()
    expect(page.locator("#person-0").get_by_label("First names")).to_have_value("Amelie Rose")
    second.get_by_label("First names").fill("Grace")
    second.get_by_label("Last name").fill("Quillfeather-Marsh")
    second.get_by_role("radio", name="Parent or carer").check()
    page.get_by_role("button", name="Continue", exact=True).click()
    tab.check("refer-check-answers")
    expect(page.get_by_role("heading", name="Check your answers before sending your referral")).to_be_visible()
    expect(page.get_by_text("Born 14 March 2015")).to_be_visible()
    page.get_by_role("button", name="Send referral").click()
    tab.check("refer-sent")
    expect(page.locator(".govuk-panel")).to_contain_text(re.compile(r"REF-\d{4}-W[0-9A-Z]{8}"))
    expect(page.get_by_text("The checks have started")).to_be_visible()
    page.get_by_role("link", name="Your referrals sent").click()
    tab.check("refer-sent-list")
    expect(page.locator("table")).to_contain_text(re.compile(r"REF-\d{4}-W"))
