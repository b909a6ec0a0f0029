"""Screenshots of the IG pages at 1280px and 390px wide, against the IG tests' seeded server, for docs/.

Run it on purpose (it is not collected as a test): `.venv/bin/python -m pytest -q -p no:cacheprovider
tests/hub/web/ig_screenshots.py` with Debian's Chromium at /usr/bin/chromium; `HUB_SCREENSHOTS` picks the folder.
"""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.hub.web.conftest import IG, MANAGER
from tests.hub.web.ig_fixtures import IgServed, ig_served

__all__ = ["ig_served"]
from tests.staff import PASSWORD

OUT = Path(os.environ.get("HUB_SCREENSHOTS", "docs/images/ig"))
PAGES = [
    (IG, "search", "/audit?user=jo.other"),
    (IG, "search-error", "/audit?from=31/02/2026&referral=Smith"),
    (IG, "reports", "/audit/reports"),
    (IG, "verify", "/audit/verify"),
    (IG, "export", "/audit/export"),
    (IG, "break-glass", "/break-glass"),
    (MANAGER, "break-glass-manager", "/break-glass"),
]


def test_screenshots(ig_served: IgServed) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        for who in (IG, MANAGER):
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            page.goto(f"{ig_served.url}/signin")
            page.fill("#username", who)
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            if who == IG:
                page.goto(f"{ig_served.url}/audit/verify")
                page.click("text=Verify now")
            for person, name, path in PAGES:
                if person != who:
                    continue
                for width in (1280, 390):
                    page.set_viewport_size({"width": width, "height": 900})
                    page.goto(f"{ig_served.url}{path}")
                    page.screenshot(path=str(OUT / f"{name}-{width}.png"), full_page=True)
            context.close()
        browser.close()
