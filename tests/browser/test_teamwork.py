"""A manager, practitioners and an IG officer doing their work in the browser, on tests/hub/web's team's hub.

The hub is the one tests/hub/web/staff_work.py serves (`office`: a team's referrals, identity reviews open,
referrals nobody holds, the council's mail on a local SMTP server); each step goes through the pages as a
person would, every page checked (screenshot, axe-core, CSP) by `Browsing.check`.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import OpenPage, Server
from tests.hub.web.conftest import IG, MANAGER, OTHER, PRACTITIONER
from tests.hub.web.staff_work import COVER, UNALLOCATED, Office, office
from tests.staff import PASSWORD

__all__ = ["office"]
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(office: Office) -> Server:
    return Server(office.served.url, office.store, office.served.settings)


def test_a_manager_allocates_a_referral_and_it_reaches_the_practitioners_inbox(open_page: OpenPage) -> None:
    referral_id = UNALLOCATED[0]
    manager = open_page()
    manager.sign_in(MANAGER)
    manager.check("manager-start")
    manager.goto("/allocation", "allocation")
    manager.page.get_by_label(f"Allocate {referral_id} to").select_option(COVER)
    manager.page.get_by_role("button", name=f"Allocate {referral_id}").click()
    manager.check("allocated")
    row = manager.page.get_by_role("row").filter(
        has=manager.page.get_by_role("rowheader", name=re.compile(referral_id))
    )
    expect(row).to_contain_text(COVER)
    manager.goto("/team", "team")
    expect(manager.page.get_by_role("table").first).to_contain_text(COVER)
    practitioner = open_page()
    practitioner.sign_in(COVER)
    practitioner.check("cover-inbox")
    expect(practitioner.page.get_by_role("rowheader", name=referral_id)).to_be_visible()


def test_a_practitioner_decides_an_identity_review(open_page: OpenPage) -> None:
    tab = open_page()
    tab.sign_in(PRACTITIONER)
    tab.goto("/reviews", "reviews")
    tab.page.get_by_role("main").get_by_role("link").first.click()
    tab.check("review")
    tab.page.get_by_role("button", name="Record decision").click()
    tab.check("review-without-a-decision")
    expect(tab.page.locator(".govuk-error-summary")).to_be_focused()
    tab.page.get_by_role("radio", name=re.compile("^Reject")).check()
    tab.page.get_by_label("Why").fill("A different child: the birth dates are years apart.")
    tab.page.get_by_role("button", name="Record decision").click()
    tab.check("review-decided")
    expect(tab.page.get_by_role("heading", name="Decision recorded")).to_be_visible()


def test_break_glass_is_asked_for_then_reviewed_by_ig(open_page: OpenPage) -> None:
    referral_id = "REF-2026-000418"  # sam.patel's: jo.other is not allocated to it
    other = open_page()
    other.sign_in(OTHER)
    other.goto("/open-referral", "open-referral")
    other.page.get_by_label("The referral's id").fill(referral_id)
    other.page.get_by_role("button", name="Continue").click()
    other.check("break-glass-form")
    other.page.get_by_role("radio").first.check()
    other.page.get_by_label("In your own words").fill("Police report the child alone at home tonight.")
    password = other.page.get_by_label("Password", exact=True)
    if password.count():
        password.fill(PASSWORD)
    other.page.get_by_role("button", name=f"Open referral {referral_id}").click()
    other.check("break-glass-referral")
    expect(other.page).to_have_url(f"{other.base_url}/referrals/{referral_id}")
    ig = open_page()
    ig.sign_in(IG)
    ig.goto("/break-glass", "break-glass-queue")
    section = ig.page.locator("section").filter(has_text=OTHER).filter(has_text=referral_id).first
    section.get_by_role("radio", name="Appropriate", exact=True).check()
    section.get_by_role("button", name=re.compile("^Record decision on access")).click()
    ig.check("break-glass-decided")
    expect(ig.page.get_by_role("alert").or_(ig.page.locator(".govuk-notification-banner"))).to_contain_text(
        "appropriate"
    )


def test_a_manager_sorts_the_allocation_table_by_rag_and_the_inbox_by_due_time(open_page: OpenPage) -> None:
    manager = open_page()
    manager.sign_in(MANAGER)
    manager.goto("/allocation", "allocation-before-sorting")
    table = manager.page.get_by_role("table", name=re.compile("^Referrals and who they are allocated to"))
    heading = table.get_by_role("columnheader", name="RAG and checks due")
    heading.get_by_role("button").click()
    expect(heading).to_have_attribute("aria-sort", "ascending")
    manager.check("allocation-sorted-by-rag")
    rags = table.locator("tbody tr td:nth-of-type(1) .govuk-tag").all_inner_texts()
    ranks = [("RED", "AMBER", "GREEN").index(rag.strip().upper()) for rag in rags]
    assert ranks == sorted(ranks) and ranks[0] == 0, rags
    heading.get_by_role("button").click()
    expect(heading).to_have_attribute("aria-sort", "descending")
    rags = table.locator("tbody tr td:nth-of-type(1) .govuk-tag").all_inner_texts()
    assert rags[0].strip().upper() == "GREEN" and rags[-1].strip().upper() == "RED", rags
    practitioner = open_page()
    practitioner.sign_in(PRACTITIONER)
    inbox = practitioner.page.get_by_role("table", name=re.compile("^Referrals allocated to you"))
    due = inbox.get_by_role("columnheader", name="Checks due")
    due.get_by_role("button").click()
    expect(due).to_have_attribute("aria-sort", "ascending")
    practitioner.check("inbox-sorted-by-due")
    times = [
        int(value)
        for value in inbox.locator("tbody td[data-sort-value]:nth-of-type(3)").evaluate_all(
            "cells => cells.map(cell => cell.dataset.sortValue)"
        )
    ]
    assert times == sorted(times) and len(times) >= 2, times
