"""Signing in and out in a real browser, the inbox, the error pages, the keyboard, and the pages without JavaScript."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import OpenPage
from tests.hub.web.conftest import MY_REFERRAL, OTHERS_REFERRAL, PRACTITIONER

pytestmark = pytest.mark.browser


def test_a_practitioner_signs_in_sees_their_referrals_and_signs_out(open_page: OpenPage) -> None:
    tab = open_page()
    tab.goto("/", "start-signed-out")
    expect(tab.page).to_have_url(tab.base_url + "/signin")
    tab.sign_in(PRACTITIONER)
    tab.check("inbox")
    expect(tab.page).to_have_url(tab.base_url + "/referrals")
    expect(tab.page.get_by_role("heading", level=1)).to_have_text("Your referrals")
    table = tab.page.get_by_role("table")
    expect(table.get_by_role("rowheader", name=MY_REFERRAL)).to_be_visible()
    expect(table).not_to_contain_text(OTHERS_REFERRAL)
    tab.page.get_by_role("button", name="Sign out").click()
    tab.check("signed-out")
    expect(tab.page.get_by_text("You have signed out.")).to_be_visible()
    tab.goto("/referrals", "inbox-after-sign-out")
    expect(tab.page).to_have_url(tab.base_url + "/signin")
