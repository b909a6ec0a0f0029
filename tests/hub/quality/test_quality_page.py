"""Referral quality on the referral page, through the served application: shown to the allocated
practitioner before the key concerns, with the note for the referrer; said plainly when there is none.

`HUB_SCREENSHOTS=folder` also saves the section at 1280 and 390 px with Debian's Chromium, to look at.
"""

from __future__ import annotations

import os
from pathlib import Path

from hub.quality.checklist import load_checklist
from hub.quality.records import record_assessment
from tests.hub.web.conftest import PRACTITIONER, web_assets
from tests.hub.web.staff_work import Office, office
from tests.staff import PASSWORD

__all__ = ["office", "web_assets"]

ASSESSED, NOT_ASSESSED = "REF-2026-000417", "REF-2026-000418"


def _assess(office: Office) -> None:
    store = office.store
    made = store.load_referral(ASSESSED, actor="service:test-setup", purpose="test referrals")
    record_assessment(store, made, load_checklist(office.served.settings), actor="service:test-setup")


def test_the_section_shows_the_score_the_gaps_and_the_note(office: Office) -> None:
    _assess(office)
    with office.client(PRACTITIONER) as client:
        page = client.get(f"/referrals/{ASSESSED}").text
        plain = client.get(f"/referrals/{NOT_ASSESSED}").text
    section = page[page.index('id="referral-quality"') : page.index('id="key-concerns"')]
    assert page.index('id="referral-quality"') < page.index('id="key-concerns"')
    assert "20 out of 100 against the council's referral checklist: 3 of 11 points covered." in section
    assert "Many gaps" in section and "Not stated by the referrer" in section
    assert "<strong>The child&#39;s voice.</strong>" in section
    assert "Feedback note for the referrer" in section and "Feedback on referral REF-2026-000417" in section
    assert "Amara" not in section and "Okafor" not in section
    assert "has no quality assessment" in plain
    reads = [
        event for event in office.store.audit_trail(action="quality.read") if event.actor == f"user:{PRACTITIONER}"
    ]
    assert reads and reads[-1].purpose == "mash_enquiry"


def test_screenshots_of_the_section(office: Office) -> None:
    folder = os.environ.get("HUB_SCREENSHOTS")
    if not folder:
        return
    from playwright.sync_api import sync_playwright

    _assess(office)
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        for width in (1280, 390):
            page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
            page.goto(f"{office.served.url}/signin")
            page.fill("#username", PRACTITIONER)
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.goto(f"{office.served.url}/referrals/{ASSESSED}")
            page.click("#referral-quality ~ details summary")
            page.evaluate("window.scrollTo(0, 0)")  # the clip is in page coordinates, measured from the top
            top = page.locator("#referral-quality").bounding_box()
            bottom = page.locator("#key-concerns").bounding_box()
            assert top and bottom
            clip = {"x": 0, "y": top["y"] - 16, "width": width, "height": bottom["y"] - top["y"]}
            page.screenshot(path=str(out / f"referral-quality-{width}.png"), full_page=True, clip=clip)
        browser.close()
