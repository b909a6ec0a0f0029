"""Screenshots of the MASH decision's pages at 1280px, for docs/practitioners.md and docs/managers.md.

Run it on purpose (it is not collected as a test): `.venv/bin/python -m pytest -q -p no:cacheprovider
tests/hub/decisions/decision_screenshots.py` with Debian's Chromium at /usr/bin/chromium; `HUB_SCREENSHOTS`
picks the folder (default docs/images/decisions). It drives the staff-work fixture's office (the example
household, all synthetic): a practitioner records a decision, first with mistakes, a manager returns it,
it is recorded again, and the manager's queue and sign-off page are shown.
"""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from tests.hub.web.conftest import MANAGER, PRACTITIONER, web_assets
from tests.hub.web.practitioner_screenshots import optimise, shoot_between, signed_in
from tests.hub.web.staff_work import Office, office

__all__ = ["office", "web_assets"]

OUT = Path(os.environ.get("HUB_SCREENSHOTS", "docs/images/decisions"))
REFERRAL = "REF-2026-000417"
RATIONALE = (
    "Police attended a domestic incident on Saturday with Amara present; the DASH risk is high and a MARAC "
    "referral is made. School reports she has been withdrawn. Threshold for a strategy discussion is met."
)
NOTE = "Agree the level; first check with the health visitor about the baby's A&E attendance last month."


def section(page: Page, name: str) -> None:
    """The MASH decision section of the referral page (from its heading to the versions)."""
    shoot_between(page, name, "#decision", "#versions", folder=OUT)


def test_screenshots(office: Office) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    url = office.served.url
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = signed_in(browser, url, PRACTITIONER)
        page.goto(f"{url}/referrals/{REFERRAL}")
        section(page, "decision-form")
        page.check("#outcome")
        page.fill("#rationale", "See notes.")
        page.click("text=Record decision")
        page.screenshot(path=str(OUT / "decision-errors-1280.png"), full_page=False)
        page.check("input[name=outcome][value=s47_strategy_discussion]")
        page.check("input[name=level][value='4']")
        page.fill("#rationale", RATIONALE)
        page.click("text=Record decision")
        section(page, "decision-awaiting")
        manager = signed_in(browser, url, MANAGER)
        manager.goto(f"{url}/decisions?period=91")
        manager.screenshot(path=str(OUT / "decisions-queue-1280.png"), full_page=True)
        manager.goto(f"{url}/decisions/{REFERRAL}")
        manager.screenshot(path=str(OUT / "decision-sign-off-1280.png"), full_page=True)
        manager.check("input[name=verdict][value=return]")
        manager.fill("#note", NOTE)
        manager.click("button:has-text('Sign off')")
        page.goto(f"{url}/referrals/{REFERRAL}")
        section(page, "decision-returned")
        browser.close()
    optimise(OUT)
