"""An IG officer in the browser: the audit search with its filters and pages, and each IG page checked.

The hub is tests/hub/web/ig_fixtures.py's (`ig_served`): a trail with break-glass accesses, reads on chosen
days, and more than one page of results.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import OpenPage, Server
from tests.hub.web.conftest import IG, MY_REFERRAL, OTHER
from tests.hub.web.ig_fixtures import BG_DECIDE, IgServed, ig_served

__all__ = ["ig_served"]
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(ig_served: IgServed) -> Server:
    return Server(ig_served.url, ig_served.store, ig_served.settings)


def test_an_ig_officer_searches_the_audit_trail_with_filters_and_pages(open_page: OpenPage) -> None:
    tab = open_page()
    tab.sign_in(IG)
    tab.goto("/audit", "audit-search")
    events = tab.page.get_by_role("table", name="Audit events matching the filters").locator("tbody tr")
    expect(events).to_have_count(50)
    tab.page.get_by_role("navigation", name="Pages of results").get_by_role("link", name=re.compile("Next")).click()
    tab.check("audit-search-page-2")
    expect(tab.page.get_by_text(re.compile(r"^Events 51 to"))).to_be_visible()
    tab.page.get_by_label("Who").fill(OTHER)
    tab.page.get_by_label("Referral").fill(MY_REFERRAL)
    tab.page.get_by_role("button", name="Search").click()
    tab.check("audit-search-filtered")
    expect(events).to_have_count(4)
    for row in events.all():
        expect(row).to_contain_text(OTHER)
    tab.page.get_by_role("link", name=f"Remove this filter {MY_REFERRAL}").click()  # MoJ's selected-filter tag
    tab.check("audit-search-one-filter-removed")
    expect(tab.page.get_by_label("Who")).to_have_value(OTHER)
    expect(tab.page.get_by_label("Referral")).to_have_value("")
    expect(tab.page.get_by_role("link", name=f"Remove this filter {OTHER}")).to_be_visible()
    tab.page.get_by_label("Referral").fill(MY_REFERRAL)
    tab.page.get_by_label("From").fill("not a date")
    tab.page.get_by_role("button", name="Search").click()
    tab.check("audit-search-bad-date")
    expect(tab.page.locator(".govuk-error-summary")).to_be_focused()


def test_an_ig_officer_finds_a_break_glass_access_not_appropriate_with_a_note(open_page: OpenPage) -> None:
    tab = open_page()
    tab.sign_in(IG)
    tab.goto("/break-glass", "break-glass-queue")
    access = tab.page.locator(f"#break-glass-{BG_DECIDE}")
    access.get_by_role("radio", name="Not appropriate").check()
    access.get_by_role("button", name=f"Record decision on access {BG_DECIDE}").click()
    tab.check("break-glass-without-note")
    expect(tab.page.locator(".govuk-error-summary")).to_be_focused()
    access = tab.page.locator(f"#break-glass-{BG_DECIDE}")
    access.get_by_role("radio", name="Not appropriate").check()
    access.get_by_label("Your note").fill("No immediate risk was recorded; discussed with the team manager.")
    access.get_by_role("button", name=f"Record decision on access {BG_DECIDE}").click()
    tab.check("break-glass-decided")
    expect(tab.page.locator(".govuk-notification-banner")).to_contain_text("not appropriate")


def test_the_other_ig_pages(open_page: OpenPage) -> None:
    """Reports, verification and export: each page as IG sees it, through the checks every page passes."""
    tab = open_page()
    tab.sign_in(IG)
    for path in ("/audit/reports", "/audit/verify", "/audit/export"):
        tab.goto(path)
        expect(tab.page.get_by_role("heading", level=1)).to_be_visible()
