"""A record that cannot be decrypted, as a practitioner meets it: Debian's Chromium on the referral page.

Someone with the database alone alters the referral's wrapped data key. The practitioner then gets a
plain GOV.UK page that names the record and says why and what to do, passes axe-core like every other
page, and shows none of the referral's content; the failed read is in the audit trail.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pytest
from playwright.sync_api import expect

from hub.audit import AuditAction
from hub.store.keys import referral_key_id
from tests.browser.conftest import OpenPage, Server
from tests.hub.web.conftest import MARKER, MY_REFERRAL, PRACTITIONER

pytestmark = pytest.mark.browser


def test_a_tampered_record_is_a_plain_page_that_says_which_and_why(open_page: OpenPage, server: Server) -> None:
    key_id = referral_key_id(MY_REFERRAL)
    with closing(sqlite3.connect(server.settings.home / "hub.db")) as connection, connection:
        [(wrapped,)] = connection.execute("SELECT wrapped_key FROM data_keys WHERE key_id = ?", (key_id,)).fetchall()
        altered = bytes([wrapped[0] ^ 0x01]) + wrapped[1:]
        connection.execute("UPDATE data_keys SET wrapped_key = ? WHERE key_id = ?", (altered, key_id))

    tab = open_page()
    tab.sign_in(PRACTITIONER)
    tab.goto(f"/referrals/{MY_REFERRAL}", "unreadable-referral")
    expect(tab.page.get_by_role("heading", level=1)).to_have_text("This record cannot be shown")
    body = " ".join(tab.page.locator("main").inner_text().split())
    assert "was changed outside the hub" in body and "Tell information governance (IG) now" in body
    assert "This does not mean there is nothing on record" in body and "Reference:" in body
    tab.page.get_by_text("Details for information governance").click()
    tab.check("unreadable-referral-details")
    details = " ".join(tab.page.locator(".govuk-details__text").inner_text().split())
    assert details.startswith(f"the referral {MY_REFERRAL} cannot be read (tampered)")
    assert MARKER not in tab.page.content() and "Traceback" not in tab.page.content()
    [event] = server.store.audit_trail(action=AuditAction.RECORD_UNREADABLE)
    assert (event.object_id, event.outcome) == (f"referral:{MY_REFERRAL}", "tampered")
