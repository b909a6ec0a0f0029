"""Signing in and out in a real browser, the inbox, the error pages, the keyboard, and the pages without JavaScript."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from tests.browser.conftest import Browsing, OpenPage, Server
from tests.hub.web.conftest import MY_REFERRAL, OTHERS_REFERRAL, PRACTITIONER
from tests.staff import add_staff

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


def test_a_wrong_password_shows_the_error_summary_with_focus_on_it(open_page: OpenPage) -> None:
    tab = open_page()
    tab.sign_in(PRACTITIONER, "not the password")
    tab.check("sign-in-refused")
    summary = tab.page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()  # GOV.UK Frontend's error summary takes focus, so a screen reader reads it
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    expect(tab.page).to_have_title("Error: Sign in – MASH Hub")
    expect(tab.page.get_by_role("button", name="Sign out")).to_have_count(0)


def test_error_pages_are_gov_uk_pages_that_lead_back_to_the_start(open_page: OpenPage) -> None:
    tab = open_page()
    tab.goto("/no-such-page", "not-found")
    expect(tab.page.get_by_role("heading", level=1)).to_have_text("Page not found")
    tab.sign_in(PRACTITIONER)
    tab.goto("/audit", "forbidden")  # a practitioner may not read the audit trail
    expect(tab.page.get_by_role("heading", level=1)).to_have_text("You cannot do that")
    tab.goto("/signout", "method-not-allowed")  # signing out is a form's post, never a link
    expect(tab.page.get_by_role("heading", level=1)).to_have_text("Sorry, that cannot be done here")
    tab.page.get_by_role("link", name="Go to the start page").click()
    tab.check("back-to-start")
    expect(tab.page).to_have_url(tab.base_url + "/referrals")


def test_the_keyboard_reaches_the_skip_link_first_and_focus_is_always_visible(open_page: OpenPage) -> None:
    tab = open_page()
    tab.goto("/signin", "sign-in")
    page = tab.page
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()  # hidden until focused, then shown
    tab.check("skip-link-focused")
    assert focus_indicator(tab) != "none", "the skip link shows no focus indicator"
    page.keyboard.press("Enter")
    expect(page).to_have_url(tab.base_url + "/signin#main-content")
    expect(page.locator("#main-content")).to_be_focused()
    reached = []
    for _ in range(4):  # from the main content on: the form's fields and buttons, each showing where focus is
        page.keyboard.press("Tab")
        reached.append(page.evaluate("() => document.activeElement.id || document.activeElement.textContent.trim()"))
        assert focus_indicator(tab) != "none", f"no visible focus on {reached[-1]!r}"
    assert reached[:2] == ["username", "password"] and "code" not in reached, reached  # the code comes second
    tab.check("focus-in-the-form")


def focus_indicator(tab: Browsing) -> str:
    """How the focused element shows focus: GOV.UK's yellow (#ffdd00) background, outline or box-shadow."""
    return str(
        tab.page.evaluate(
            """() => {
              const style = getComputedStyle(document.activeElement);
              if (style.backgroundColor === 'rgb(255, 221, 0)') return 'yellow background';
              if (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) return 'outline';
              if (style.boxShadow !== 'none') return 'box-shadow';
              return 'none';
            }"""
        )
    )


def test_without_javascript_a_practitioner_signs_in_and_sees_the_inbox(open_page: OpenPage) -> None:
    tab = open_page(javascript=False)
    tab.sign_in(PRACTITIONER)
    tab.check("inbox-without-javascript")
    expect(tab.page).to_have_url(tab.base_url + "/referrals")
    expect(tab.page.get_by_role("table").get_by_role("rowheader", name=MY_REFERRAL)).to_be_visible()
    tab.page.get_by_role("button", name="Sign out").click()
    tab.check("signed-out-without-javascript")
    expect(tab.page.get_by_text("You have signed out.")).to_be_visible()


def test_the_checks_on_every_page_catch_a_csp_violation_and_an_accessibility_failure(open_page: OpenPage) -> None:
    """The harness itself: an inline script is refused by the browser and heard; an image without words fails axe."""
    tab = open_page()
    tab.goto("/signin", "sign-in")
    with pytest.raises(PlaywrightError, match="Content Security Policy"):
        tab.page.add_script_tag(content="window.inlineRan = true")
    assert tab.page.evaluate("() => window.inlineRan === undefined"), "the CSP let an inline script run"
    with pytest.raises(AssertionError, match="Content-Security-Policy violations"):
        tab.assert_no_csp_violation()
    tab.page.evaluate("() => document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=\"/x.png\">')")
    with pytest.raises(AssertionError, match=r"image-alt \(critical\)"):
        tab.assert_accessible("sign-in with an image without alt text")


def test_an_account_with_an_authenticator_gives_its_code_on_a_page_of_its_own(
    open_page: OpenPage, server: Server
) -> None:
    secret = add_staff(server.store, "tess.totp", "practitioner", totp=True)
    assert secret is not None
    tab = open_page()
    tab.sign_in("tess.totp")
    tab.check("code-step")
    expect(tab.page).to_have_url(tab.base_url + "/signin/code")
    expect(tab.page).to_have_title("Enter the code from your authenticator app – MASH Hub")
    field = tab.page.get_by_label("Enter the code from your authenticator app")
    expect(field).to_have_attribute("autocomplete", "one-time-code")
    expect(field).to_have_attribute("inputmode", "numeric")
    expect(tab.page.get_by_role("button", name="Sign out")).to_have_count(0)  # not signed in yet
    field.fill("12345")
    tab.page.get_by_role("button", name="Continue").click()
    tab.check("code-step-error")
    expect(tab.page.locator(".govuk-error-summary")).to_be_focused()
    expect(tab.page.locator("#code-error")).to_contain_text("Enter the code as 6 digits")
    tab.page.get_by_label("Enter the code from your authenticator app").fill(
        pyotp.TOTP(secret).at(datetime.now(UTC) + timedelta(seconds=0))
    )
    tab.page.get_by_role("button", name="Continue").click()
    tab.check("inbox-after-code")
    expect(tab.page).to_have_url(tab.base_url + "/referrals")
