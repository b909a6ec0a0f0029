"""Verifying the audit trail from the browser: intact in words, then a clear problem and what to do after
one stored audit row is changed in the database (as tests/hub/audit/test_tamper.py does, but for real
and then put back), and intact again once it is."""

from __future__ import annotations

import re
from html import unescape

from tests.hub.web.conftest import IG, MARKER, form_token
from tests.hub.web.ig_fixtures import IgServed, ig_served
from tests.hub.web.test_ig_search import signed_in

__all__ = ["ig_served"]


def verdict(served: IgServed) -> str:
    """Press "Verify now" and read the page it leads to."""
    with signed_in(served, IG) as browser:
        token = form_token(browser.get("/audit/verify").text)
        posted = browser.post("/audit/verify", data={"csrf_token": token})
        assert posted.status_code == 303 and posted.headers["location"] == "/audit/verify"
        page = browser.get("/audit/verify")
    assert page.status_code == 200
    return unescape(re.sub(r"\s+", " ", page.text))


def test_verification_says_intact_then_what_is_wrong_after_tampering(ig_served: IgServed) -> None:
    with signed_in(ig_served, IG) as browser:
        assert "has not been verified from this page yet" in browser.get("/audit/verify").text
    intact = verdict(ig_served)
    found = re.search(
        r"Intact</h2> <div class=\"govuk-panel__body\">([\d,]+) events, the latest checkpoint signed", intact
    )
    assert found, intact[:2000]
    assert int(found.group(1).replace(",", "")) >= 70
    assert f"by {IG}" in intact and "Last verified" in intact

    target = 5
    with ig_served.store.engine.begin() as connection:
        (purpose,) = connection.exec_driver_sql(f"SELECT purpose FROM audit_events WHERE seq = {target}").one()
        connection.exec_driver_sql(f"UPDATE audit_events SET purpose = 'edited' WHERE seq = {target}")
    try:
        broken = verdict(ig_served)
    finally:
        with ig_served.store.engine.begin() as connection:
            connection.exec_driver_sql("UPDATE audit_events SET purpose = ? WHERE seq = ?", (purpose, target))
    assert "The audit trail is not intact" in broken and "Intact</h2>" not in broken
    assert re.search(rf"\bevent {target}\b", broken), broken[:3000]
    assert "Report this to information governance" in broken and "Do not change anything" in broken
    assert MARKER not in broken

    assert "Intact</h2>" in verdict(ig_served)
    assert ig_served.log and not [line for line in ig_served.log if MARKER in line]
