"""Screenshots of the practitioners' and managers' pages at 1280px (some at 390px too), for docs/practitioners.md.

Run it on purpose (it is not collected as a test): `.venv/bin/python -m pytest -q -p no:cacheprovider
tests/hub/web/practitioner_screenshots.py` with Debian's Chromium at /usr/bin/chromium; `HUB_SCREENSHOTS`
picks the folder. It drives the staff-work fixture's office (staff_work.py: the example household, all
synthetic), to which it adds what a practitioner's day brings: later agency replies (a second version of
the history, a person returned but not linked), a decision, a break-glass access and its review.

Long pages are cut to the part a section of the guide is about (from one heading to the next), so each
picture stays small and shows what the text beside it describes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

from playwright.sync_api import Browser, Page, sync_playwright

from hub.checks.steps import store_chronologies
from hub.web.web_sessions import digest
from schemas import EntryCategory, ReplyStatus
from tests.hub.builders import ASSEMBLED_AT, ROLE, candidate, entry, person, reply
from tests.hub.web.conftest import MANAGER, OTHERS_REFERRAL, PRACTITIONER
from tests.hub.web.staff_work import SETUP_ACTOR, SETUP_PURPOSE, Office, office
from tests.staff import PASSWORD

__all__ = ["office"]

OUT = Path(os.environ.get("HUB_SCREENSHOTS", "docs/images/practitioners"))
REFERRAL = "REF-2026-000417"
PAGE = f"/referrals/{REFERRAL}"


def later_replies(store: Office) -> None:
    """Education and housing answer after the first history: the hub stores a second version of it."""
    rid = REFERRAL
    amara = person("Amara Joy", "Okafor-Reid", "2015-03-14")
    grace = person("Grace", "Okafor-Reid", "1989-11-20")
    replies = [
        reply(
            "education",
            "S1",
            referral_id=rid,
            candidates=[candidate("E-1", amara)],
            entries=[
                entry(
                    "education",
                    "EXC-1",
                    "2026-03-03",
                    [("E-1", ROLE.PUPIL)],
                    category=EntryCategory.EXCLUSION,
                    summary="Permanently excluded after repeated assaults in the playground.",
                ),
                entry(
                    "education",
                    "ATT-1",
                    "2026-10-01",
                    [("E-1", ROLE.PUPIL)],
                    category=EntryCategory.ATTENDANCE,
                    summary="Attendance fell to 81% this term; school has written to the family.",
                ),
            ],
        ),
        reply(
            "education",
            "S2",
            referral_id=rid,
            candidates=[candidate("E-7", person("Taylor", "O'Reilly", "2016-01-30"))],
        ),
        reply(
            "housing",
            "S3",
            referral_id=rid,
            candidates=[candidate("T-1", grace)],
            entries=[
                entry(
                    "housing",
                    "TEN-1",
                    "2024-08-12",
                    [("T-1", ROLE.SUBJECT)],
                    category=EntryCategory.RENT_ARREARS,
                    summary="Rent arrears notice served; tenancy sustainment officer allocated.",
                )
            ],
        ),
        reply("housing", "S4", referral_id=rid, status=ReplyStatus.NO_RECORD),
    ]
    for answer in replies:
        store.store.save_reply(answer, actor=SETUP_ACTOR)
    store_chronologies(store.store, rid, ASSEMBLED_AT + timedelta(hours=2), actor=SETUP_ACTOR, purpose=SETUP_PURPOSE)


def signed_in(browser: Browser, url: str, who: str) -> Page:
    page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    page.goto(f"{url}/signin")
    page.fill("#username", who)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    return page


def shoot(page: Page, name: str, *, width: int = 1280, full: bool = False, folder: Path = OUT) -> None:
    """The page at `width`: the first screenful, or all of it when `full`."""
    page.set_viewport_size({"width": width, "height": 800})
    page.screenshot(path=str(folder / f"{name}-{width}.png"), full_page=full)


def shoot_between(page: Page, name: str, start: str, end: str | None, *, pad: int = 16, folder: Path = OUT) -> None:
    """The part of the page from the element `start` to the element `end` (or the main content's end)."""
    top = page.locator(start).first.bounding_box()
    bottom = page.locator(end).first.bounding_box() if end else page.locator("main").bounding_box()
    assert top and bottom
    y = max(top["y"] - pad, 0)
    stop = bottom["y"] - pad if end else bottom["y"] + bottom["height"]
    page.screenshot(
        path=str(folder / f"{name}-1280.png"), full_page=True, clip={"x": 0, "y": y, "width": 1280, "height": stop - y}
    )


def signed_in_long_ago(office: Office, page: Page) -> None:
    """As if the person last proved who they are 20 minutes ago: break-glass asks for the password again."""
    for cookie in page.context.cookies():
        token = digest(cookie["value"])
        if office.store.web_session(token) is not None:
            office.store.touch_web_session(token, datetime.now(UTC) - timedelta(minutes=20), authenticated=True)
            office.store.touch_web_session(token, datetime.now(UTC))


def test_screenshots(office: Office) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    later_replies(office)
    url = office.served.url
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
        page.goto(f"{url}/signin")
        shoot(page, "signin")

        page = signed_in(browser, url, PRACTITIONER)
        page.goto(f"{url}/referrals")
        shoot(page, "inbox")
        page.goto(f"{url}{PAGE}")
        shoot(page, "referral-summary")
        shoot_between(page, "referral-key-concerns", "#key-concerns", "#household")
        shoot_between(page, "referral-household", "#household", "#checks")
        shoot_between(page, "referral-checks", "#checks", "#chronology")
        page.goto(f"{url}{PAGE}?sort=oldest&agency=police&agency=health&agency=education&agency=housing")
        shoot_between(page, "referral-chronology", "#chronology", "#decision")
        page.goto(f"{url}{PAGE}?sort=oldest&layout=timeline")
        shoot_between(page, "referral-timeline", "#chronology", "#decision")
        page.goto(f"{url}{PAGE}/versions?from=1&to=2#compare")
        shoot(page, "versions")
        shoot_between(page, "versions-compare", "#compare", None)

        page.goto(f"{url}/reviews")
        shoot(page, "reviews")
        page.click("a[href^='/reviews/']")
        shoot(page, "review", full=True)
        page.check("#decision-2")
        page.fill("#reason", "Different child: the birth date is a month out and school knows only one Amara.")
        page.click("text=Record decision")
        shoot(page, "review-decided")

        page.goto(f"{url}/referrals/{OTHERS_REFERRAL}")
        shoot(page, "not-allocated")
        signed_in_long_ago(office, page)
        page.goto(f"{url}/open-referral/{OTHERS_REFERRAL}")
        shoot(page, "break-glass-form", full=True)
        page.check("#reason")
        page.fill("#note", "Police report Tyler alone at home tonight; his allocated worker is on leave.")
        page.fill("#password", PASSWORD)
        page.click(f"text=Open referral {OTHERS_REFERRAL}")
        page.context.close()

        page = signed_in(browser, url, MANAGER)
        for path, name in (("/allocation", "allocation"), ("/team", "team")):
            page.goto(f"{url}{path}")
            shoot(page, name, full=True)
            shoot(page, name, width=390, full=True)
        page.set_viewport_size({"width": 1280, "height": 800})
        page.goto(f"{url}/break-glass")
        shoot(page, "break-glass-review", full=True)
        page.goto(f"{url}/open-referral")
        shoot(page, "open-referral")
        browser.close()
    optimise(OUT)


def optimise(folder: Path) -> None:
    """Make the PNGs small enough for a repository: 256 colours (pngquant; GOV.UK pages have few), then optipng.

    Each tool is used where installed (`apt-get install pngquant optipng`); without them the pictures are
    only bigger.
    """
    pictures = [str(path) for path in sorted(folder.glob("*.png"))]
    for command in (["pngquant", "--force", "--skip-if-larger", "--ext", ".png", "256"], ["optipng", "-quiet", "-o2"]):
        if shutil.which(command[0]):
            subprocess.run([*command, *pictures], check=False)
